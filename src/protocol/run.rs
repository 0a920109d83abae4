//! How a run is carried out, what its folder is called, and where its events go. Plain data
//! both the engine (which produces events) and `runs/` (which persists them) can see.
use super::{Event, StepMetrics};
use serde::{Deserialize, Serialize};
use spec::Preset;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The files of a run folder.
pub mod files {
    /// The preset, written first: a folder always says what ran.
    pub const PRESET_FILE: &str = "preset.ron";
    /// Name, tags, comparison and seed.
    pub const META_FILE: &str = "run.ron";
    /// Every optimizer step's metrics.
    pub const STEPS_CSV: &str = "steps.csv";
    /// One row per epoch.
    pub const EPOCHS_CSV: &str = "metrics.csv";
    /// One event per line as RON (which, unlike JSON, keeps NaN and infinity: a diverging run
    /// logs them).
    pub const EVENTS_LOG: &str = "events.log";
    /// While a run trains, the time its writer last showed signs of life (see `runs::heartbeat`).
    pub const HEARTBEAT_FILE: &str = "heartbeat";
}

/// Called when there is something new to show (the window requests a repaint).
pub type Notify = Arc<dyn Fn() + Send + Sync>;

/// What a run folder says about itself besides its preset; the user can rename and tag it.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(default)]
pub struct RunMeta {
    pub name: String,
    pub tags: Vec<String>,
    /// The comparison this run belongs to (its folder name under `comparisons/`).
    pub comparison: Option<String>,
    /// The variant's label within the comparison ("mish", "lr=0.01").
    pub variant: Option<String>,
    pub seed: u64,
    /// UTC "YYYYMMDD-HHMMSS".
    pub created: String,
    /// CPU threads libtorch trained with (written when the run starts).
    pub threads: Option<usize>,
}

/// How a run is carried out (not part of the preset).
#[derive(Clone)]
pub struct RunOptions {
    /// Where the run folder goes (checkpoints included); None keeps nothing on disk.
    pub run_dir: Option<PathBuf>,
    /// Minimum time between step events (the channel never backs up).
    pub step_interval: Duration,
    /// Validation images in the fixed probe batch.
    pub probe_images: usize,
    /// Called after each event is sent (the window uses it to request a repaint).
    pub notify: Option<Notify>,
    /// Written to the run folder's `run.ron`.
    pub meta: RunMeta,
    /// Evaluate the test set after every epoch and stop once it reaches this accuracy.
    pub target_test_accuracy: Option<f32>,
    /// Continue the run whose folder this is (its resume state) instead of starting afresh.
    pub resume: bool,
    #[doc(hidden)]
    /// Test seam: panic on the trainer thread at this step.
    pub inject_panic_at_step: Option<usize>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            run_dir: None,
            step_interval: Duration::from_millis(50),
            probe_images: 128,
            notify: None,
            meta: RunMeta::default(),
            target_test_accuracy: None,
            resume: false,
            inject_panic_at_step: None,
        }
    }
}

/// Where each file of a run folder stood (bytes), saved with a resume state so that resuming
/// cuts the files back to that point and appends.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct SinkPosition {
    pub steps_bytes: u64,
    pub metrics_bytes: u64,
    pub events_bytes: u64,
}

/// A write that a sink could not make: which file, and why.
#[derive(thiserror::Error, Debug)]
#[error("cannot write {}: {source}", file.display())]
pub struct SinkError {
    pub file: PathBuf,
    #[source]
    pub source: std::io::Error,
}

impl SinkError {
    pub fn new(file: impl Into<PathBuf>, source: std::io::Error) -> SinkError {
        SinkError {
            file: file.into(),
            source,
        }
    }
}

/// Where a run's events go besides its owner's channel: called on the trainer thread, so
/// nothing is lost when the window is slow. The trainer does not know what a sink does with
/// them (the run folder in `runs/` writes files).
///
/// Policy, the same for every sink and every file: a failed write fails the run with the
/// sink's error, which names the file; what was written before stays.
pub trait EventSink: Send {
    /// The run is about to start (data loaded, model built): create what is needed.
    fn open(&mut self, preset: &Preset) -> Result<(), SinkError>;
    /// Every optimizer step (more often than [`Event::Step`], which is throttled).
    fn step(&mut self, metrics: &StepMetrics) -> Result<(), SinkError>;
    /// Every event the owner is sent, in order, before it is sent.
    fn event(&mut self, event: &Event) -> Result<(), SinkError>;
    /// The run has ended with this terminal event (also for runs that never opened).
    fn close(&mut self, terminal: &Event) -> Result<(), SinkError>;
    /// Flushes and says where the files stand (for a resume state); None keeps no files.
    fn position(&mut self) -> Result<Option<SinkPosition>, SinkError> {
        Ok(None)
    }
    /// Opens again for a resumed run: files cut back to `at`, then appended to.
    fn reopen(&mut self, preset: &Preset, at: &SinkPosition) -> Result<(), SinkError> {
        let _ = at;
        self.open(preset)
    }
}
