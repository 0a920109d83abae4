//! Following the workspace: run folders written by anything show up as changes, by change
//! notifications and by polling (what a network filesystem gets).
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.
use cnn_workbench_runs as runs;
use protocol::{EventSink, RunMeta};
use runs::watch::{Changes, WatchMode, WorkspaceWatch};
use runs::RunFolder;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Waits (up to 10 s) until the watch has reported `want`; returns everything it reported.
fn wait_for(watch: &WorkspaceWatch, want: impl Fn(&Changes) -> bool) -> Changes {
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Changes::default();
    loop {
        let c = watch.take();
        seen.runs.extend(c.runs);
        seen.comparisons |= c.comparisons;
        if want(&seen) {
            return seen;
        }
        assert!(Instant::now() < deadline, "not reported in 10 s: {seen:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn a_run(ws: &Path, id: &str) -> RunFolder {
    let dir = ws.join("runs").join(id);
    RunFolder::create(&dir, &spec::library::default_preset(), &RunMeta::default()).unwrap()
}

fn follows_runs_and_comparisons(watch: WorkspaceWatch, ws: &Path, wakes: &AtomicUsize) {
    // A run another process starts: its folder is reported, and the window woken.
    let sink = a_run(ws, "from-a-terminal");
    let dir = ws.join("runs").join("from-a-terminal");
    wait_for(&watch, |c| c.runs.contains(&dir));
    assert!(wakes.load(Ordering::SeqCst) > 0);
    // It goes on writing (its heartbeat at least): reported again.
    watch.take();
    wait_for(&watch, |c| c.runs.contains(&dir));
    // It ends (heartbeat removed, terminal event) and the folder is deleted: reported.
    drop(sink);
    std::fs::remove_dir_all(&dir).unwrap();
    wait_for(&watch, |c| c.runs.contains(&dir));
    // A comparison's manifest written elsewhere.
    std::fs::create_dir_all(ws.join("comparisons").join("acts")).unwrap();
    std::fs::write(ws.join("comparisons/acts/comparison.ron"), "()").unwrap();
    wait_for(&watch, |c| c.comparisons);
    // Nothing else is made up: a file outside runs/ and comparisons/ changes nothing. (The
    // notifications of the writes above may still be coming: wait for a quiet second first.)
    while watch.take() != Changes::default() {
        std::thread::sleep(Duration::from_secs(1));
    }
    std::thread::sleep(Duration::from_secs(1));
    watch.take();
    std::fs::write(ws.join("settings.ron"), "()").unwrap();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(watch.take(), Changes::default());
}

fn counting_waker() -> (Arc<AtomicUsize>, protocol::Notify) {
    let wakes = Arc::new(AtomicUsize::new(0));
    let w = wakes.clone();
    (
        wakes,
        Arc::new(move || {
            w.fetch_add(1, Ordering::SeqCst);
        }),
    )
}

#[test]
fn change_notifications_report_run_folders_and_comparisons() {
    let ws = tempfile::tempdir().unwrap();
    let (wakes, wake) = counting_waker();
    let watch = WorkspaceWatch::start(ws.path(), Some(wake));
    assert_eq!(
        watch.mode(),
        &WatchMode::Notify,
        "a local temporary folder notifies"
    );
    assert!(runs::watch::network_filesystem(ws.path()).is_none());
    follows_runs_and_comparisons(watch, ws.path(), &wakes);
}

#[test]
fn polling_reports_the_same_where_there_are_no_notifications() {
    let ws = tempfile::tempdir().unwrap();
    let (wakes, wake) = counting_waker();
    let watch = WorkspaceWatch::start_polling(ws.path(), Some(wake), "for the test".into());
    assert!(
        watch
            .mode()
            .describe()
            .contains("polling every 2 s: for the test"),
        "{}",
        watch.mode().describe()
    );
    follows_runs_and_comparisons(watch, ws.path(), &wakes);
}

/// A run that was already there when polling started, still written: its steps are reported.
#[test]
fn polling_follows_a_run_that_was_there_before() {
    let ws = tempfile::tempdir().unwrap();
    let mut sink = a_run(ws.path(), "long");
    let watch = WorkspaceWatch::start_polling(ws.path(), None, "test".into());
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(
        watch.take(),
        Changes::default(),
        "what was there is not a change"
    );
    for n in 1..=3 {
        sink.step(&protocol::StepMetrics {
            step: n,
            epoch: 0,
            loss: 1.0,
            accuracy: 0.5,
            learning_rate: 0.1,
            images_per_sec: 1.0,
            elapsed_secs: 1.0,
        })
        .unwrap();
    }
    wait_for(&watch, |c| c.runs.contains(&ws.path().join("runs/long")));
}
