#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
//! Crash safety with real processes: training killed with SIGKILL at 24 random moments (a third
//! of them while checkpoints are held between write and rename) leaves a folder the history
//! reads as interrupted, every checkpoint in it loads, and resuming goes on to the end; a file
//! size limit (RLIMIT_FSIZE, the way a full disk looks to a process) fails the run with the
//! file named and keeps what was written.
use cnn_workbench::engine::checkpoint;
use cnn_workbench::engine::tch;
use cnn_workbench::engine::train::resume;
use cnn_workbench::runs::{history, state::RunStatus};
use cnn_workbench::spec::library;
use rand::{Rng, SeedableRng};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
use tch::Device;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_cnn-workbench"))
}

/// LeNet-5 on 600 built-in images: many short epochs, a checkpoint after each.
fn preset(dir: &Path, epochs: usize) -> PathBuf {
    let mut p = library::bundled("lenet5.ron").unwrap();
    p.data.synthetic_size = 600;
    p.training.epochs = epochs;
    p.training.batch_size = 32;
    p.training.threads = 1;
    p.training.checkpoint_every_epochs = 1;
    let path = dir.join("crash.ron");
    p.save(&path).unwrap();
    path
}

/// Every checkpoint in the folder loads; returns how many there are.
fn checkpoints_load(dir: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name == resume::RESUME_FILE {
            resume::load(dir).unwrap();
            n += 1;
        } else if name.ends_with(".safetensors") {
            checkpoint::load(&e.path(), Device::Cpu).unwrap_or_else(|err| panic!("{name}: {err}"));
            n += 1;
        }
    }
    n
}

/// Returns once a `.tmp` checkpoint sits in the run folder (or the process has ended, or 20 s
/// have passed).
fn temporary_files(run: &Path) -> usize {
    std::fs::read_dir(run).map_or(0, |d| {
        d.flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
            .count()
    })
}

fn wait_for_held_save(run: &Path, child: &mut std::process::Child) {
    let start = std::time::Instant::now();
    while temporary_files(run) == 0
        && child.try_wait().unwrap().is_none()
        && start.elapsed() < Duration::from_secs(20)
    {
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn runs_killed_at_random_moments_stay_readable_and_resume_to_the_end() {
    let tmp = tempfile::tempdir().unwrap();
    const EPOCHS: usize = 80;
    let p = preset(tmp.path(), EPOCHS);
    let run = tmp.path().join("runs/crash");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let mut torn_saves = 0;
    for kill in 0..24 {
        let mut cmd = bin();
        if run.join(resume::RESUME_FILE).is_file() {
            cmd.arg("resume").arg(&run);
        } else {
            cmd.arg("train").arg(&p).arg("--out").arg(&run);
        }
        if kill % 3 == 2 {
            cmd.env("CNN_WORKBENCH_TEST_SLOW_SAVE_MS", "400");
        }
        let mut child = cmd
            .arg("--quiet")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        if kill % 3 == 2 {
            // Inside a save, whatever the machine's speed: wait for a checkpoint held between
            // write and rename, then kill within its 400 ms hold.
            wait_for_held_save(&run, &mut child);
            std::thread::sleep(Duration::from_millis(rng.random_range(0..200)));
        } else {
            std::thread::sleep(Duration::from_millis(rng.random_range(300..1500)));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        if !run.join("preset.ron").is_file() {
            continue; // killed before the run folder existed
        }
        torn_saves += temporary_files(&run);
        let loaded = history::load_run(&run).unwrap_or_else(|e| panic!("kill {kill}: {e}"));
        assert!(
            matches!(
                loaded.status,
                RunStatus::Interrupted | RunStatus::Finished { .. }
            ),
            "kill {kill}: {:?}",
            loaded.status
        );
        checkpoints_load(&run);
        // On a fast machine the run can reach its end between kills: a finished run is not
        // resumed (that is refused), so the killing stops there.
        if matches!(loaded.status, RunStatus::Finished { .. }) {
            println!("the run finished after kill {kill}");
            break;
        }
    }
    println!("kills done; temporary files left by kills inside a save: {torn_saves}");
    assert!(torn_saves > 0, "no kill landed inside a checkpoint save");
    // Resumed once more without interruption (unless it already finished), the run reaches
    // its end.
    if !matches!(
        history::load_run(&run).unwrap().status,
        RunStatus::Finished { .. }
    ) {
        let o = bin()
            .arg("resume")
            .arg(&run)
            .arg("--quiet")
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let loaded = history::load_run(&run).unwrap();
    let RunStatus::Finished { test_accuracy, .. } = loaded.status else {
        panic!("{:?}", loaded.status);
    };
    assert_eq!(loaded.state.epochs.len(), EPOCHS);
    let epochs: Vec<usize> = loaded.state.epochs.iter().map(|e| e.epoch).collect();
    assert_eq!(
        epochs,
        (1..=EPOCHS).collect::<Vec<_>>(),
        "each epoch once, in order"
    );
    assert!(test_accuracy > 0.3);
    assert!(checkpoints_load(&run) >= 30);
}

#[test]
fn a_file_size_limit_fails_the_run_naming_the_file_and_keeps_what_was_written() {
    let tmp = tempfile::tempdir().unwrap();
    let p = preset(tmp.path(), 3);
    let run = tmp.path().join("runs/full");
    // 100 KiB per file: the CSVs fit, a checkpoint (≈ 250 KB) does not. SIGXFSZ ignored (as
    // inherited through exec), so the write fails with EFBIG instead of killing the process.
    let script = format!(
        "trap '' XFSZ; ulimit -f 100; exec '{}' train '{}' --out '{}'",
        env!("CARGO_BIN_EXE_cnn-workbench"),
        p.display(),
        run.display()
    );
    let o = Command::new("bash").args(["-c", &script]).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(
        err.contains(".safetensors") && err.contains("File too large"),
        "{err}"
    );
    // What was written before stays, and the history names the cause.
    assert!(run.join("preset.ron").is_file());
    assert!(
        std::fs::read_to_string(run.join("steps.csv"))
            .unwrap()
            .lines()
            .count()
            > 10
    );
    let loaded = history::load_run(&run).unwrap();
    let RunStatus::Failed { reason } = loaded.status else {
        panic!("{:?}", loaded.status);
    };
    assert!(reason.contains("File too large"), "{reason}");
}
