#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! Comparisons and run history: queues of variants × seeds with the real trainer on tiny
//! synthetic data, reproducibility, shared data order and weights, failures that do not stop
//! the rest, reloading from disk, CSV export, config diffs and damaged folders.
use cnn_workbench::engine::tch;
use cnn_workbench::engine::Model;
use cnn_workbench::launch::trainer_launcher;
use cnn_workbench::protocol::Event;
use cnn_workbench::runs::compare::{CompareQueue, JobStatus};
use cnn_workbench::runs::history;
use cnn_workbench::runs::RunStatus;
use cnn_workbench::spec::{Activation, CompareSpec, Dimension, Norm, Preset};
use std::path::Path;

#[path = "support/queue.rs"]
mod queue;
use queue::{run_queue_with, spec, tiny};
use std::time::Duration;
use tch::Device;

fn run_queue(q: &mut CompareQueue) {
    run_queue_with(q, trainer_launcher());
}

fn losses(workspace: &Path, id: &str) -> Vec<f64> {
    let dir = workspace.join("runs").join(id);
    cnn_workbench::runs::folder::read_csv(&dir.join("steps.csv"))
        .unwrap()
        .iter()
        .map(|r| r[2])
        .collect()
}

#[test]
fn three_activations_by_two_seeds_make_six_reproducible_runs_that_reload_from_history() {
    let ws = tempfile::tempdir().unwrap();
    let mut q = CompareQueue::new(&tiny(), spec(&["relu", "gelu", "mish"], 2), ws.path()).unwrap();
    assert_eq!(q.total(), 6);
    run_queue(&mut q);
    assert!(q
        .jobs
        .iter()
        .all(|j| matches!(j.state.status, RunStatus::Finished { .. })));
    assert_eq!(
        std::fs::read_dir(ws.path().join("runs")).unwrap().count(),
        6
    );

    // Same variant and seed on a second workspace: the same curve, bit for bit.
    let ws2 = tempfile::tempdir().unwrap();
    let mut q2 =
        CompareQueue::new(&tiny(), spec(&["relu", "gelu", "mish"], 2), ws2.path()).unwrap();
    run_queue(&mut q2);
    for (a, b) in q.jobs.iter().zip(&q2.jobs) {
        assert_eq!((a.variant.as_str(), a.seed), (b.variant.as_str(), b.seed));
        let la = losses(ws.path(), &a.id);
        assert!(la.len() >= 20);
        assert_eq!(
            la,
            losses(ws2.path(), &b.id),
            "{} seed {}",
            a.variant,
            a.seed
        );
    }

    // Same seed: the same data order across activations; another seed: another order.
    let order = |variant: &str, seed: u64| {
        let j = q
            .jobs
            .iter()
            .find(|j| j.variant == variant && j.seed == seed)
            .unwrap();
        j.state.start.as_ref().unwrap().data_order
    };
    let s0 = q.jobs[0].seed;
    assert_eq!(order("relu", s0), order("mish", s0));
    assert_eq!(order("relu", s0), order("gelu", s0));
    assert_ne!(order("relu", s0), order("relu", s0 + 1));

    // The history lists the runs and reloads the same numbers.
    let live = q.summary();
    let reloaded = CompareQueue::from_history(ws.path(), &q.id).unwrap();
    assert_eq!(reloaded.summary(), live);
    let entries = history::scan(ws.path());
    assert_eq!(entries.len(), 6);
    assert!(entries
        .iter()
        .all(|e| matches!(e.status, RunStatus::Finished { .. })));
    assert_eq!(
        entries
            .iter()
            .filter(|e| e.meta.comparison.as_deref() == Some(q.id.as_str()))
            .count(),
        6
    );

    // Exported CSV parses back to the runs' own metrics.
    let dirs: Vec<_> = entries.iter().map(|e| e.dir.clone()).collect();
    let csv = history::export_csv(&dirs).unwrap();
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("run,epoch,"));
    let mut count = 0;
    for line in lines {
        let (run, rest) = line.split_once(',').unwrap();
        let values: Vec<f64> = rest.split(',').map(|v| v.parse().unwrap()).collect();
        let own = cnn_workbench::runs::folder::read_csv(
            &ws.path().join("runs").join(run).join("metrics.csv"),
        )
        .unwrap();
        assert!(own.contains(&values), "{line}");
        count += 1;
    }
    assert_eq!(count, 6 * 2);
}

#[test]
fn variants_with_the_same_seed_start_from_the_same_weights() {
    let base = tiny();
    let mut mish = base.clone();
    mish.network.activation = Activation::Mish;
    let a = Model::build(&base.network, Device::Cpu, 7).unwrap();
    let b = Model::build(&mish.network, Device::Cpu, 7).unwrap();
    let c = Model::build(&base.network, Device::Cpu, 8).unwrap();
    let mut weights = 0;
    for (name, t) in a.vs.variables() {
        let same = b.vs.variables()[&name].equal(&t);
        assert!(
            same,
            "{name} differs between ReLU and Mish with the same seed"
        );
        if name.ends_with("weight") {
            assert!(
                !c.vs.variables()[&name].equal(&t),
                "{name} equal across seeds"
            );
            weights += 1;
        }
    }
    assert_eq!(
        weights, 5,
        "LeNet-5's two convolutions and three linear layers"
    );
}

#[test]
fn a_failing_variant_does_not_stop_the_others() {
    let ws = tempfile::tempdir().unwrap();
    let mut base = tiny();
    base.training.optimizer = cnn_workbench::spec::Optimizer::Sgd {
        momentum: 0.0,
        nesterov: false,
    };
    let s = CompareSpec {
        dimension: Dimension::LearningRate,
        values: vec!["0.01".into(), "1e30".into(), "0.02".into()],
        seeds: 1,
        insert_norm: false,
        epochs: None,
    };
    let mut q = CompareQueue::new(&base, s, ws.path()).unwrap();
    run_queue(&mut q);
    let status: Vec<_> = q
        .jobs
        .iter()
        .map(|j| (j.variant.clone(), j.state.status.clone()))
        .collect();
    assert!(
        matches!(status[0].1, RunStatus::Finished { .. }),
        "{status:?}"
    );
    assert!(
        matches!(status[1].1, RunStatus::Diverged { .. }),
        "{status:?}"
    );
    assert!(
        matches!(status[2].1, RunStatus::Finished { .. }),
        "{status:?}"
    );
    let summary = q.summary();
    assert_eq!((summary[1].finished, summary[1].failed), (0, 1));
    assert!(q.jobs.iter().all(|j| j.status == JobStatus::Done));
    // The diverged run is in the history as such.
    assert!(history::scan(ws.path())
        .iter()
        .any(|e| matches!(e.status, RunStatus::Diverged { .. })));
}

#[test]
fn damaged_run_folders_are_listed_with_the_reason() {
    let ws = tempfile::tempdir().unwrap();
    let runs = ws.path().join("runs");
    std::fs::create_dir_all(runs.join("no-preset")).unwrap();
    let truncated = runs.join("truncated-csv");
    std::fs::create_dir_all(&truncated).unwrap();
    tiny().save(&truncated.join("preset.ron")).unwrap();
    // A whole row with values missing: damaged.
    std::fs::write(truncated.join("metrics.csv"), "epoch,step,train_loss,train_accuracy,val_loss,val_accuracy,duration_secs\n1,20,0.5,0.8,0.6,0\n").unwrap();
    std::fs::write(truncated.join("events.log"), "").unwrap();
    // Cut off in the middle of its last row (a crash while appending): that row is ignored.
    let torn = runs.join("torn");
    std::fs::create_dir_all(&torn).unwrap();
    tiny().save(&torn.join("preset.ron")).unwrap();
    std::fs::write(torn.join("metrics.csv"), "epoch,step,train_loss,train_accuracy,val_loss,val_accuracy,duration_secs\n1,20,0.5,0.8,0.6,0").unwrap();
    std::fs::write(torn.join("events.log"), "Warning(\"a\")\nEpoch((epo").unwrap();
    let interrupted = runs.join("interrupted");
    std::fs::create_dir_all(&interrupted).unwrap();
    tiny().save(&interrupted.join("preset.ron")).unwrap();
    std::fs::write(
        interrupted.join("metrics.csv"),
        "epoch,step,train_loss,train_accuracy,val_loss,val_accuracy,duration_secs\n",
    )
    .unwrap();
    std::fs::write(interrupted.join("events.log"), "").unwrap();

    let entries = history::scan(ws.path());
    assert_eq!(entries.len(), 4);
    let status = |id: &str| entries.iter().find(|e| e.id == id).unwrap().status.clone();
    assert_eq!(
        status("no-preset"),
        RunStatus::Damaged {
            reason: "missing preset.ron".into()
        }
    );
    assert!(
        matches!(status("truncated-csv"), RunStatus::Damaged { reason } if reason.contains("metrics.csv: line 2")),
        "{:?}",
        status("truncated-csv")
    );
    assert_eq!(status("interrupted"), RunStatus::Interrupted);
    assert_eq!(status("torn"), RunStatus::Interrupted);
    // A damaged comparison manifest is listed too, not fatal.
    std::fs::create_dir_all(ws.path().join("comparisons/broken")).unwrap();
    std::fs::write(
        ws.path().join("comparisons/broken/comparison.ron"),
        "(name: ",
    )
    .unwrap();
    let list = cnn_workbench::runs::compare::Comparison::list(ws.path());
    assert!(list[0].1.is_err());
}

#[test]
fn config_diff_names_the_fields_that_differ() {
    let a = tiny();
    let mut b = a.clone();
    b.network.activation = Activation::Mish;
    b.training.learning_rate = 0.01;
    let d = history::config_diff(&a, &b);
    let fields: Vec<&str> = d.iter().map(|(k, _, _)| k.as_str()).collect();
    assert!(fields.contains(&"network.activation"), "{fields:?}");
    assert!(fields.contains(&"training.learning_rate"), "{fields:?}");
    assert_eq!(d.len(), 2, "{d:?}");
    assert!(history::config_diff(&a, &a).is_empty());
}

#[test]
fn interrupted_runs_keep_their_data() {
    // A run whose log has no terminal event reads back with its curves so far: running while
    // its writer lives, interrupted once the writer died (the app closed mid-run).
    let ws = tempfile::tempdir().unwrap();
    let dir = ws.path().join("runs").join("r");
    let mut t = cnn_workbench::launch::start(
        {
            let mut p = tiny();
            p.training.max_steps = None;
            p.training.epochs = 50;
            p
        },
        cnn_workbench::engine::RunOptions {
            run_dir: Some(dir.clone()),
            step_interval: Duration::ZERO,
            ..Default::default()
        },
    )
    .unwrap();
    // Wait for an epoch to be logged, then kill the trainer's log by simulating a crash: read
    // the folder before any terminal event exists.
    loop {
        match t.recv_timeout(Duration::from_secs(60)) {
            Some(Event::Epoch(_)) => break,
            Some(e) if e.is_terminal() => panic!("the run ended before its first epoch: {e:?}"),
            Some(_) => {}
            None => panic!("no epoch within 60 s"),
        }
    }
    // Its writer is alive (a fresh heartbeat): it reads as running, with its curves so far.
    let run = history::load_run(&dir).unwrap();
    assert_eq!(run.status, RunStatus::Running);
    assert_eq!(run.state.epochs.len(), 1);
    // The same folder left by a writer that died two minutes ago: interrupted.
    let left = ws.path().join("runs").join("left");
    std::fs::create_dir_all(&left).unwrap();
    for f in [
        "preset.ron",
        "run.ron",
        "steps.csv",
        "metrics.csv",
        "events.log",
    ] {
        std::fs::copy(dir.join(f), left.join(f)).unwrap();
    }
    let old = cnn_workbench::runs::heartbeat::beat_text(
        std::time::SystemTime::now() - Duration::from_secs(120),
    );
    std::fs::write(left.join("heartbeat"), old).unwrap();
    let run = history::load_run(&left).unwrap();
    assert_eq!(run.status, RunStatus::Interrupted);
    assert!(!run.state.epochs.is_empty());
    t.send(cnn_workbench::protocol::Command::Stop);
    let _ = t.wait();
}

#[test]
fn a_comparison_of_variants_that_build_the_same_network_is_refused_with_the_fix() {
    // LeNet-5 has no normalization layers: "batch" and "off" are the same network.
    let base = tiny();
    let mut s = CompareSpec {
        dimension: Dimension::Normalization,
        values: vec!["batch".into(), "off".into()],
        seeds: 1,
        insert_norm: false,
        epochs: None,
    };
    let err = s.variants(&base).unwrap_err().to_string();
    assert!(
        err.contains("LeNet-5 has no normalization layers")
            && err.contains("\"batch\" and \"off\"")
            && err.contains("insert one after each convolution"),
        "{err}"
    );
    let ws = tempfile::tempdir().unwrap();
    assert!(CompareQueue::new(&base, s.clone(), ws.path()).is_err());
    // With the insertion offered, two different networks.
    s.insert_norm = true;
    let v = s.variants(&base).unwrap();
    let norms = |p: &Preset| {
        p.network
            .layers
            .iter()
            .filter(|l| matches!(l, cnn_workbench::spec::Layer::Norm(_)))
            .count()
    };
    assert_eq!(
        norms(&v[0].1),
        2,
        "one after each of LeNet-5's two convolutions"
    );
    assert_ne!(
        cnn_workbench::spec::compare::effective(&v[0].1),
        cnn_workbench::spec::compare::effective(&v[1].1)
    );
    // "none" is still read, as the old spelling of "off"; an activation shoot-out on a network
    // whose activations all set their own is refused too.
    assert!(
        Norm::from_name("none") == Some(Norm::Off) && Norm::from_name("off") == Some(Norm::Off)
    );
    let mut fixed = base.clone();
    for l in &mut fixed.network.layers {
        if let cnn_workbench::spec::Layer::Activation(a) = l {
            a.act = Some(Activation::Tanh);
        }
    }
    let err = spec(&["relu", "mish"], 1)
        .variants(&fixed)
        .unwrap_err()
        .to_string();
    assert!(err.contains("no activation of LeNet-5 follows"), "{err}");
}

#[test]
fn each_variant_names_the_value_it_sets() {
    use cnn_workbench::runs::compare::variant_changes;
    let base = tiny();
    let mut s = spec(&["relu", "gelu", "elu"], 1);
    s.epochs = Some(4);
    let variants = s.variants(&base).unwrap();
    assert!(variants.iter().all(|(_, p)| p.training.epochs == 4));
    let mut at_four = base.clone();
    at_four.training.epochs = 4;
    let lines: Vec<Vec<String>> = variants
        .iter()
        .map(|(_, p)| variant_changes(&at_four, p))
        .collect();
    assert_eq!(lines[0], Vec::<String>::new());
    assert_eq!(lines[1], vec!["activation: ReLU -> GELU".to_string()]);
    assert_eq!(lines[2], vec!["activation: ReLU -> ELU".to_string()]);
    // Against the training panel's epochs, the comparison's own show too.
    assert_eq!(
        variant_changes(&base, &variants[0].1),
        vec![format!("epochs: {} -> 4", base.training.epochs)]
    );
    let lr = CompareSpec {
        dimension: Dimension::LearningRate,
        values: vec!["0.01".into()],
        ..CompareSpec::default()
    };
    let v = lr.variants(&base).unwrap();
    assert_eq!(
        variant_changes(&base, &v[0].1),
        vec![format!(
            "learning rate: {} -> 0.01",
            base.training.learning_rate
        )]
    );
}

/// `compare --workers 2`: each run in a worker process of its own gives the same step losses,
/// bit for bit, as in this process; a worker killed mid-run fails only its run, with why, in
/// the queue and in its folder, and the queue goes on.
#[test]
fn workers_give_identical_losses_and_a_killed_worker_fails_only_its_run() {
    let bin = std::path::PathBuf::from(env!("CARGO_BIN_EXE_cnn-workbench"));
    let pool = |bin: std::path::PathBuf| cnn_workbench::launch::WorkerPool {
        bin,
        workers: 2,
        cores: 2,
        gpus: 0,
    };
    let (here, there) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let mut q = CompareQueue::new(&tiny(), spec(&["relu", "gelu"], 2), here.path()).unwrap();
    run_queue(&mut q);
    let mut w = CompareQueue::new(&tiny(), spec(&["relu", "gelu"], 2), there.path()).unwrap();
    w.parallel = 2;
    run_queue_with(
        &mut w,
        cnn_workbench::launch::worker_launcher(pool(bin.clone())),
    );
    for (a, b) in q.jobs.iter().zip(&w.jobs) {
        assert!(
            matches!(b.state.status, RunStatus::Finished { .. }),
            "{:?}",
            b.state.status
        );
        let (la, lb) = (losses(here.path(), &a.id), losses(there.path(), &b.id));
        assert!(la.len() >= 15, "{}", la.len());
        assert_eq!(la, lb, "{} seed {}", a.variant, a.seed);
    }

    // A worker that is killed (SIGKILL) once its job is read, for the GELU runs only.
    let script = there.path().join("killing-worker.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nread job\ncase \"$job\" in *'variant:Some(\"gelu\")'*) kill -9 $$;; esac\n(printf '%s\\n' \"$job\"; cat) | exec {} worker\n",
            bin.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let ws = tempfile::tempdir().unwrap();
    let mut k = CompareQueue::new(&tiny(), spec(&["relu", "gelu"], 1), ws.path()).unwrap();
    k.parallel = 2;
    run_queue_with(&mut k, cnn_workbench::launch::worker_launcher(pool(script)));
    for j in &k.jobs {
        match (j.variant.as_str(), &j.state.status) {
            ("relu", RunStatus::Finished { .. }) => {}
            ("gelu", RunStatus::Failed { reason }) => {
                assert!(reason.contains("killed by signal 9"), "{reason}");
                let listed = history::entry(&ws.path().join("runs").join(&j.id)).unwrap();
                assert_eq!(listed.status, j.state.status, "its folder says why");
            }
            other => panic!("{other:?}"),
        }
    }
}

/// Cancelling a comparison carried out by workers stops their runs (the command reaches the
/// worker process through its stdin) and drops the queued ones.
#[test]
fn cancelling_stops_the_workers_runs() {
    let ws = tempfile::tempdir().unwrap();
    let mut long = tiny();
    long.training.max_steps = None;
    long.training.epochs = 200;
    let mut q = CompareQueue::new(&long, spec(&["relu", "gelu"], 2), ws.path()).unwrap();
    q.parallel = 2;
    let mut launcher = cnn_workbench::launch::worker_launcher(cnn_workbench::launch::WorkerPool {
        bin: env!("CARGO_BIN_EXE_cnn-workbench").into(),
        workers: 2,
        cores: 2,
        gpus: 0,
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(120);
    while !q
        .jobs
        .iter()
        .any(|j| j.state.last_step.is_some_and(|s| s.step >= 5))
    {
        assert!(std::time::Instant::now() < deadline, "no steps in 120 s");
        q.poll(&mut launcher, Duration::from_millis(20));
        std::thread::sleep(Duration::from_millis(5));
    }
    q.cancel();
    run_queue_with(&mut q, launcher);
    let stopped = q
        .jobs
        .iter()
        .filter(|j| matches!(j.state.status, RunStatus::Finished { stopped: true, .. }))
        .count();
    assert_eq!(stopped, 2, "the two running runs stopped");
    assert_eq!(
        q.jobs
            .iter()
            .filter(|j| j.status == JobStatus::Cancelled)
            .count(),
        2
    );
}
