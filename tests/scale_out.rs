#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! The same comparison carried out three ways — in this process, by two worker processes, and
//! as a job array on a real single-node Slurm (started here by scripts/slurm-local.sh) — gives
//! the same numbers: every run's step losses bit for bit, the summary, the seed ensembles.
use cnn_workbench::launch::{trainer_launcher, worker_launcher, WorkerPool};
use cnn_workbench::runs::compare::{CompareQueue, VariantSummary};
use cnn_workbench::runs::handle::Launcher;
use cnn_workbench::runs::history;
use cnn_workbench::runs::RunStatus;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

// Shared with tests/compare.rs, which uses all of it.
#[path = "support/queue.rs"]
#[allow(dead_code)]
mod queue;
use queue::{spec, tiny};
use std::time::{Duration, Instant};

fn run(q: &mut CompareQueue, mut launcher: Launcher) {
    // Until every run ended and both variants' ensembles are in.
    queue::run_until(q, &mut launcher, |q| {
        q.is_finished() && q.ensembles.results.len() >= 2
    });
}

/// (variant, seed) → the run's step losses.
fn losses(q: &CompareQueue) -> BTreeMap<(String, u64), Vec<f64>> {
    q.jobs
        .iter()
        .map(|j| {
            let dir = q.workspace().join("runs").join(&j.id);
            let rows = cnn_workbench::runs::folder::read_csv(&dir.join("steps.csv")).unwrap();
            (
                (j.variant.clone(), j.seed),
                rows.iter().map(|r| r[2]).collect(),
            )
        })
        .collect()
}

/// What must agree of a summary (not the times and rates, which are the machine's).
fn numbers(s: &[VariantSummary]) -> Vec<String> {
    s.iter()
        .map(|v| {
            format!(
                "{} finished {} failed {} final {:?} best {:?} epoch {:?} test {:?} ensemble {:?}",
                v.variant,
                v.finished,
                v.failed,
                v.final_val_accuracy,
                v.best_val_accuracy,
                v.best_epoch,
                v.test_accuracy,
                v.ensemble
            )
        })
        .collect()
}

/// A single-node Slurm for the test, stopped however the test ends.
struct Slurm(PathBuf);

impl Slurm {
    fn start(dir: &Path) -> (Slurm, String) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm-local.sh");
        let out = std::process::Command::new(&script)
            .arg("start")
            .arg(dir)
            .output()
            .unwrap();
        let guard = Slurm(dir.to_path_buf());
        assert!(
            out.status.success(),
            "scripts/slurm-local.sh start (needs root and Debian's slurmctld, slurmd, munge: \
             scripts/system-deps.sh installs them): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (guard, dir.join("slurm.conf").display().to_string())
    }
}

impl Drop for Slurm {
    fn drop(&mut self) {
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm-local.sh");
        let _ = std::process::Command::new(script)
            .arg("stop")
            .arg(&self.0)
            .status();
    }
}

#[test]
fn a_comparison_gives_the_same_numbers_in_process_on_workers_and_on_slurm() {
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_cnn-workbench"));
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );

    let t = Instant::now();
    let mut here = CompareQueue::new(&tiny(), spec(&["relu", "gelu"], 2), a.path()).unwrap();
    run(&mut here, trainer_launcher());
    let here_secs = t.elapsed().as_secs_f64();

    let t = Instant::now();
    let mut workers = CompareQueue::new(&tiny(), spec(&["relu", "gelu"], 2), b.path()).unwrap();
    workers.parallel = 2;
    let pool = WorkerPool {
        bin: bin.clone(),
        workers: 2,
        cores: 2,
        gpus: 0,
    };
    run(&mut workers, worker_launcher(pool));
    let workers_secs = t.elapsed().as_secs_f64();

    // Slurm, the way a user does it: the CLI writes the array and submits it.
    let slurm_dir = tempfile::tempdir().unwrap();
    let (_slurm, conf) = Slurm::start(slurm_dir.path());
    let preset = c.path().join("tiny.ron");
    tiny().save(&preset).unwrap();
    let t = Instant::now();
    let out = std::process::Command::new(&bin)
        .arg("compare")
        .arg(&preset)
        .args(["--vary", "activation=relu,gelu", "--seeds", "2"])
        .args(["--launcher", "slurm", "--submit", "--workspace"])
        .arg(c.path())
        .env("SLURM_CONF", &conf)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{said}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("submitted: job"), "{said}");
    // Done when every run's folder says it finished (the job state alone proves nothing).
    let id = std::fs::read_dir(c.path().join("comparisons"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name()
        .to_string_lossy()
        .into_owned();
    let deadline = Instant::now() + Duration::from_secs(300);
    let mut slurm = loop {
        let q = CompareQueue::from_history(c.path(), &id).unwrap();
        let ended = q.jobs.iter().all(|j| {
            let dir = c.path().join("runs").join(&j.id);
            history::load_run(&dir).is_ok_and(|r| !r.status.is_active())
        });
        if ended {
            break q;
        }
        assert!(
            Instant::now() < deadline,
            "the Slurm array did not finish in 300 s"
        );
        std::thread::sleep(Duration::from_millis(200));
    };
    let slurm_secs = t.elapsed().as_secs_f64();
    // The seed ensembles, evaluated here as for the others.
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut launcher = trainer_launcher();
    while slurm.ensembles.results.len() < 2 {
        assert!(Instant::now() < deadline, "ensembles not evaluated");
        slurm.poll(&mut launcher, Duration::from_millis(20));
        std::thread::sleep(Duration::from_millis(5));
    }
    println!(
        "2 variants × 2 seeds: in-process {here_secs:.1} s, 2 workers {workers_secs:.1} s, Slurm {slurm_secs:.1} s"
    );

    for q in [&workers, &slurm] {
        for j in &q.jobs {
            assert!(
                matches!(j.state.status, RunStatus::Finished { .. }),
                "{}: {:?}",
                j.id,
                j.state.status
            );
        }
    }
    // The same array submitted a second time: every task refuses its run, which has ended;
    // nothing of the first is touched.
    let logs: Vec<Vec<u8>> = slurm
        .jobs
        .iter()
        .map(|j| std::fs::read(c.path().join("runs").join(&j.id).join("events.log")).unwrap())
        .collect();
    let sbatch = c.path().join("comparisons").join(&id).join("launch.sbatch");
    let again = std::process::Command::new("sbatch")
        .arg("--parsable")
        .arg(&sbatch)
        .env("SLURM_CONF", &conf)
        .output()
        .unwrap();
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let job = String::from_utf8_lossy(&again.stdout).trim().to_string();
    let outs = |job: &str| -> Vec<String> {
        (0..4)
            .map(|k| {
                let out = c
                    .path()
                    .join("comparisons")
                    .join(&id)
                    .join(format!("slurm-{job}_{k}.out"));
                std::fs::read_to_string(out).unwrap_or_default()
            })
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(120);
    while !outs(&job).iter().all(|o| o.contains("has ended already")) {
        assert!(
            Instant::now() < deadline,
            "the second array's tasks: {:?}",
            outs(&job)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    for (j, before) in slurm.jobs.iter().zip(&logs) {
        let now = std::fs::read(c.path().join("runs").join(&j.id).join("events.log")).unwrap();
        assert_eq!(&now, before, "{} untouched", j.id);
    }

    let reference = losses(&here);
    assert_eq!(reference.len(), 4);
    assert!(reference.values().all(|l| l.len() >= 15));
    assert_eq!(
        losses(&workers),
        reference,
        "workers: bit-identical step losses"
    );
    assert_eq!(
        losses(&slurm),
        reference,
        "Slurm: bit-identical step losses"
    );
    let summary = numbers(&here.summary());
    assert!(
        summary.iter().all(|s| !s.contains("ensemble None")),
        "{summary:?}"
    );
    assert_eq!(numbers(&workers.summary()), summary);
    assert_eq!(numbers(&slurm.summary()), summary);
}
