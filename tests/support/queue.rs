//! What the comparison tests share: a tiny LeNet-5 on synthetic data, a one-dimension spec,
//! and carrying a queue out to its end with a given launcher.
use cnn_workbench::runs::compare::CompareQueue;
use cnn_workbench::runs::handle::Launcher;
use cnn_workbench::spec::{CompareSpec, Dimension, Preset};
use std::path::Path;
use std::time::{Duration, Instant};

pub fn tiny() -> Preset {
    let mut p =
        Preset::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("presets/lenet5.ron")).unwrap();
    p.data.synthetic_size = 300;
    p.training.batch_size = 16;
    p.training.epochs = 2;
    p.training.max_steps = Some(20);
    p.training.threads = 1;
    p.training.probe_every_steps = 5;
    p
}

pub fn spec(values: &[&str], seeds: usize) -> CompareSpec {
    CompareSpec {
        dimension: Dimension::Activation,
        values: values.iter().map(|s| s.to_string()).collect(),
        seeds,
        insert_norm: false,
        epochs: None,
    }
}

/// Polls the queue until every run ended (or fails after 300 s).
pub fn run_queue_with(q: &mut CompareQueue, mut launcher: Launcher) {
    run_until(q, &mut launcher, CompareQueue::is_finished);
}

/// Polls the queue until `done` holds (or fails after 300 s).
pub fn run_until(
    q: &mut CompareQueue,
    launcher: &mut Launcher,
    done: impl Fn(&CompareQueue) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(300);
    while !done(q) {
        assert!(Instant::now() < deadline, "comparison did not finish");
        q.poll(launcher, Duration::from_millis(20));
        std::thread::sleep(Duration::from_millis(5));
    }
}
