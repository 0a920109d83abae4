//! A running run's heartbeat: how a folder written by another process (or machine) reads as
//! running, and as interrupted once its writer died.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
use cnn_workbench_runs as runs;
use protocol::{Event, EventSink, RunMeta, StepMetrics};
use runs::heartbeat::{self, Heartbeat, HEARTBEAT_FILE, HEARTBEAT_TIMEOUT};
use runs::{RunFolder, RunStatus};
use std::path::Path;
use std::time::{Duration, Instant, SystemTime};

fn status_in_history(workspace: &Path) -> RunStatus {
    let entries = runs::history::scan(workspace);
    assert_eq!(entries.len(), 1, "{entries:?}");
    let loaded = runs::history::load_run(&entries[0].dir).unwrap();
    assert_eq!(
        loaded.status, entries[0].status,
        "the list and the opened run agree"
    );
    entries[0].status.clone()
}

fn unix(t: SystemTime) -> f64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

fn step(n: usize) -> StepMetrics {
    StepMetrics {
        step: n,
        epoch: 0,
        loss: 2.0 / n as f32,
        accuracy: 0.1,
        learning_rate: 0.01,
        images_per_sec: 100.0,
        elapsed_secs: n as f64 * 0.01,
    }
}

#[test]
fn a_heartbeat_is_alive_until_the_timeout_and_allows_for_a_clock_ahead() {
    let now = SystemTime::now();
    let at = |ago: Duration| heartbeat::beat_text(now - ago);
    let fresh = heartbeat::parse(&at(Duration::from_secs(5)), now);
    assert!(fresh.alive(), "{fresh:?}");
    match &fresh {
        Heartbeat::Beat { age_secs, writer } => {
            assert!((age_secs - 5.0).abs() < 0.01, "{age_secs}");
            assert!(
                writer.contains(&format!("pid={}", std::process::id())),
                "{writer}"
            );
        }
        other => panic!("{other:?}"),
    }
    let stale = heartbeat::parse(&at(HEARTBEAT_TIMEOUT + Duration::from_secs(1)), now);
    assert!(!stale.alive(), "{stale:?}");
    // The writer's clock 30 s ahead of the reader's: a negative age, alive.
    let ahead = heartbeat::parse(&heartbeat::beat_text(now + Duration::from_secs(30)), now);
    assert!(ahead.alive(), "{ahead:?}");
    // A fresh beat from a process of this machine that is gone (a killed run): dead at once.
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let gone = child.id();
    child.wait().unwrap();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    let killed = format!("{:.3} host={} pid={gone}\n", unix(now), host.trim());
    let killed = heartbeat::parse(&killed, now);
    assert!(matches!(killed, Heartbeat::Beat { .. }), "{killed:?}");
    assert!(!killed.alive(), "{killed:?}");
    // The same pid on another machine: only the timeout can tell.
    let elsewhere = format!("{:.3} host=node-elsewhere pid={gone}\n", unix(now));
    assert!(heartbeat::parse(&elsewhere, now).alive());
    let garbage = heartbeat::parse("yesterday\n", now);
    assert!(matches!(garbage, Heartbeat::Unreadable(_)), "{garbage:?}");
    assert!(!garbage.alive());
    assert!(!Heartbeat::Missing.alive());
}

#[test]
fn a_run_being_written_reads_as_running_and_as_finished_or_interrupted_after() {
    let ws = tempfile::tempdir().unwrap();
    let dir = ws.path().join("runs").join("lenet-a");
    let preset = spec::library::default_preset();
    let mut sink = RunFolder::create(&dir, &preset, &RunMeta::default()).unwrap();
    sink.step(&step(1)).unwrap();
    assert!(heartbeat::read(&dir).alive());
    assert_eq!(status_in_history(ws.path()), RunStatus::Running);

    // The writer died long ago (its last beat 2 minutes old): interrupted.
    drop(sink);
    let old = heartbeat::beat_text(SystemTime::now() - Duration::from_secs(120));
    std::fs::write(dir.join(HEARTBEAT_FILE), old).unwrap();
    assert_eq!(status_in_history(ws.path()), RunStatus::Interrupted);

    // A run that ends properly removes its heartbeat; the terminal event decides.
    let ws = tempfile::tempdir().unwrap();
    let dir = ws.path().join("runs").join("lenet-b");
    let mut sink = RunFolder::create(&dir, &preset, &RunMeta::default()).unwrap();
    sink.step(&step(1)).unwrap();
    let reason = "stopped for the test".to_string();
    sink.close(&Event::Failed {
        reason: reason.clone(),
    })
    .unwrap();
    assert!(!dir.join(HEARTBEAT_FILE).exists());
    assert_eq!(status_in_history(ws.path()), RunStatus::Failed { reason });
}

/// The beat comes from its own thread: a run whose steps are minutes apart (a paused run, a
/// full-size network on a CPU) stays fresh, and the steps written so far reach the disk for
/// readers elsewhere without waiting for the end of the epoch.
#[test]
fn the_heartbeat_is_rewritten_between_steps_and_steps_reach_the_disk() {
    let ws = tempfile::tempdir().unwrap();
    let dir = ws.path().join("runs").join("slow");
    let mut sink =
        RunFolder::create(&dir, &spec::library::default_preset(), &RunMeta::default()).unwrap();
    let first = std::fs::read_to_string(dir.join(HEARTBEAT_FILE)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = std::fs::read_to_string(dir.join(HEARTBEAT_FILE)).unwrap();
        if now != first {
            break;
        }
        assert!(Instant::now() < deadline, "no new beat in 20 s: {first:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
    // Steps: the first is buffered; one written after the flush interval brings both out.
    sink.step(&step(1)).unwrap();
    std::thread::sleep(heartbeat::HEARTBEAT_EVERY);
    sink.step(&step(2)).unwrap();
    let steps = std::fs::read_to_string(dir.join("steps.csv")).unwrap();
    assert_eq!(steps.lines().count(), 3, "header and two steps: {steps:?}");
    // Dropped without an end (a crash of the trainer): the thread stops, the file stays.
    drop(sink);
    let left = std::fs::read_to_string(dir.join(HEARTBEAT_FILE)).unwrap();
    std::thread::sleep(heartbeat::HEARTBEAT_EVERY + Duration::from_millis(500));
    assert_eq!(
        std::fs::read_to_string(dir.join(HEARTBEAT_FILE)).unwrap(),
        left
    );
}
