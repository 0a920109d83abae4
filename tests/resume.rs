#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! Resuming is exact: a run stopped part-way and resumed gives the same loss at every step as the
//! uninterrupted run (dropout, augmentation, shuffling, Adam's moments, the one-cycle schedule
//! and the epoch's running sums all carried over), in the same run folder.
use cnn_workbench::engine::tch;
use cnn_workbench::engine::RunOptions;
use cnn_workbench::launch::start as start_run;
use cnn_workbench::protocol::{Command, Event, RunMeta};
use cnn_workbench::runs::{history, state::RunStatus};
use cnn_workbench::spec::layer::{Dropout, Layer};
use cnn_workbench::spec::{library, Augment, Optimizer, Preset, Schedule};
use std::path::Path;

/// libtorch's generator (dropout) is one per process: runs of these tests must not overlap,
/// whatever `--test-threads` says.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn preset() -> Preset {
    let mut p = library::bundled("lenet5.ron").unwrap();
    p.data.synthetic_size = 600;
    let t = &mut p.training;
    t.epochs = 3;
    t.batch_size = 32;
    t.threads = 1;
    t.optimizer = Optimizer::from_name("adam").unwrap();
    t.weight_decay = 1e-4;
    t.schedule = Schedule::one_cycle();
    t.augment = Augment {
        hflip: true,
        crop_padding: 2,
        rotate_degrees: 10.0,
        brightness: 0.1,
        ..Augment::default()
    };
    t.probe_every_steps = 7;
    // Dropout: libtorch's generator must be where it was too.
    p.network
        .layers
        .insert(8, Layer::Dropout(Dropout { p: 0.3 }));
    p
}

fn opts(dir: &Path, resume: bool) -> RunOptions {
    RunOptions {
        run_dir: Some(dir.to_path_buf()),
        resume,
        meta: RunMeta {
            name: "resume test".into(),
            ..RunMeta::default()
        },
        ..RunOptions::default()
    }
}

/// (step, loss, learning rate) of every step, as written to steps.csv.
fn steps(dir: &Path) -> Vec<(String, String, String)> {
    std::fs::read_to_string(dir.join("steps.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[0].into(), c[2].into(), c[4].into())
        })
        .collect()
}

/// Validation loss and accuracy of every epoch.
fn epochs(dir: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(dir.join("metrics.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[4].into(), c[5].into())
        })
        .collect()
}

#[test]
fn a_stopped_run_resumed_gives_the_same_losses_step_for_step() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("runs/whole");
    let events = start_run(preset(), opts(&whole, false)).unwrap().wait();
    assert!(matches!(events.last(), Some(Event::Finished(_))));

    // The same run, stopped in the middle of its second epoch (wherever the Stop lands).
    let parted = tmp.path().join("runs/parted");
    let every_step = RunOptions {
        step_interval: std::time::Duration::ZERO,
        ..opts(&parted, false)
    };
    let mut trainer = start_run(preset(), every_step).unwrap();
    let mut stopped_at = 0;
    while let Some(e) = trainer.recv() {
        if let Event::Step(m) = &e {
            if m.step >= 25 && stopped_at == 0 {
                trainer.send(Command::Stop);
                stopped_at = m.step;
            }
        }
        if let Event::Finished(f) = &e {
            assert!(f.stopped);
            stopped_at = f.steps;
        }
    }
    let total = steps(&whole).len();
    assert!(stopped_at < total, "stopped at {stopped_at} of {total}");
    assert_eq!(steps(&parted).len(), stopped_at);
    let per_epoch = total / 3;
    assert!(
        stopped_at % per_epoch != 0,
        "stopped at an epoch's end: {stopped_at}"
    );
    println!("stopped at step {stopped_at} of {total}; resuming");

    let events = start_run(preset(), opts(&parted, true)).unwrap().wait();
    assert!(
        matches!(events.last(), Some(Event::Finished(f)) if !f.stopped),
        "{:?}",
        events.last()
    );
    assert_eq!(steps(&parted), steps(&whole));
    assert_eq!(epochs(&parted), epochs(&whole));
    // The folder reads as one finished run whose curves go on where they stopped.
    let run = history::load_run(&parted).unwrap();
    assert!(matches!(
        run.status,
        RunStatus::Finished { stopped: false, .. }
    ));
    assert_eq!(run.state.epochs.len(), 3);
    assert_eq!(
        run.state.train_loss.last().unwrap()[0] as usize,
        total,
        "the loss curve reaches the last step"
    );
}

#[test]
fn resuming_a_folder_without_a_resume_state_says_why() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("empty");
    std::fs::create_dir_all(&dir).unwrap();
    preset().save(&dir.join("preset.ron")).unwrap();
    let events = start_run(preset(), opts(&dir, true)).unwrap().wait();
    let Some(Event::Failed { reason }) = events.last() else {
        panic!("{:?}", events.last());
    };
    assert!(reason.contains("resume.safetensors"), "{reason}");
}

/// Fine-tuning: LeNet-5 trained on the 10 shapes, then a narrower second dense layer with the
/// convolutions frozen: matching tensors are loaded, the changed ones initialized (and named),
/// frozen weights do not move, the others do.
#[test]
fn fine_tuning_loads_what_matches_and_keeps_frozen_layers_fixed() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    use cnn_workbench::engine::checkpoint;
    use tch::Device;
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("runs/base");
    let events = start_run(preset(), opts(&base, false)).unwrap().wait();
    assert!(matches!(events.last(), Some(Event::Finished(_))));

    let mut p = preset();
    p.training.epochs = 1;
    p.network.layers[10] = Layer::Linear(cnn_workbench::spec::layer::Linear {
        out_features: 64,
        ..Default::default()
    });
    p.training.init_from = Some(base.clone());
    p.training.freeze = vec![1, 4];
    let tuned = tmp.path().join("runs/tuned");
    let events = start_run(p, opts(&tuned, false)).unwrap().wait();
    assert!(
        matches!(events.last(), Some(Event::Finished(_))),
        "{:?}",
        events.last()
    );
    let notes: Vec<&String> = events
        .iter()
        .filter_map(|e| match e {
            Event::Warning(w) => Some(w),
            _ => None,
        })
        .collect();
    let line = notes
        .iter()
        .find(|w| w.contains("fine-tuning from"))
        .unwrap();
    assert!(
        line.contains("11_linear.weight [64, 120] (checkpoint: [84, 120])"),
        "{line}"
    );
    assert!(
        line.contains("13_linear.weight [10, 64] (checkpoint: [10, 84])"),
        "{line}"
    );
    assert!(!line.contains("13_linear.bias"), "{line}");
    assert!(notes
        .iter()
        .any(|w| w.contains("frozen layers") && w.contains("1, 4")));
    let (_, before) = checkpoint::load(&base.join("model.safetensors"), Device::Cpu).unwrap();
    let (_, after) = checkpoint::load(&tuned.join("model.safetensors"), Device::Cpu).unwrap();
    let (b, a) = (before.vs.variables(), after.vs.variables());
    for frozen in ["01_conv2d.weight", "01_conv2d.bias", "04_conv2d.weight"] {
        assert!(a[frozen].equal(&b[frozen]), "{frozen} moved");
    }
    assert!(
        !a["08_linear.weight"].equal(&b["08_linear.weight"]),
        "a trained layer did not move"
    );
}
