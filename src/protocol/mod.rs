//! What crosses between the trainer thread and its owner: commands in, events out. Only plain
//! numbers, strings and `Vec<f32>` — never a tensor.
pub mod data;
pub mod inspect;
pub mod run;
pub mod worker;

pub use run::{files, EventSink, Notify, RunMeta, RunOptions, SinkError, SinkPosition};

mod result;
pub use result::{parse_result_line, RESULT_KEYS};

use serde::{Deserialize, Serialize};
use spec::Summary;
use std::path::PathBuf;

/// Activation histograms have `HIST_BINS` bins with fixed edges, the same for every layer, step
/// and run, so snapshots are comparable; see [`HistBins`].
pub const HIST_BINS: usize = 40;
/// The old linear bins: from `HIST_MIN` to `HIST_MAX`.
pub const HIST_MIN: f32 = -3.0;
pub const HIST_MAX: f32 = 5.0;
/// Symmetric-log bins: magnitudes from `SYMLOG_MIN` to `SYMLOG_MAX`, evenly on a log scale.
pub const SYMLOG_MIN: f32 = 1e-2;
pub const SYMLOG_MAX: f32 = 1e3;

/// How a histogram's bins are laid out.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum HistBins {
    /// Equal bins from −3 to 5 (runs recorded before symmetric-log bins).
    #[default]
    Linear,
    /// Symmetric-log bins: 19 log-spaced bins from −1000 to −0.01, [−0.01, 0), [0, 0.01), 19
    /// from 0.01 to 1000. Values beyond ±1000 are counted in the end bins and in
    /// [`LayerStats::beyond`]: explosions and collapses both stay visible.
    SymLog,
}

impl HistBins {
    /// Left edge of bin `i` (and right edge of bin `i − 1`), for `i` in 0..=HIST_BINS.
    pub fn edge(self, i: usize) -> f32 {
        match self {
            HistBins::Linear => HIST_MIN + (HIST_MAX - HIST_MIN) * i as f32 / HIST_BINS as f32,
            HistBins::SymLog => {
                let half = HIST_BINS / 2;
                let magnitude = |k: usize| {
                    let (lo, hi) = (SYMLOG_MIN.log10(), SYMLOG_MAX.log10());
                    10f32.powf(lo + (hi - lo) * k as f32 / (half - 1) as f32)
                };
                match i.cmp(&half) {
                    std::cmp::Ordering::Less => -magnitude(half - 1 - i),
                    std::cmp::Ordering::Equal => 0.0,
                    std::cmp::Ordering::Greater => magnitude(i - half - 1),
                }
            }
        }
    }

    /// Every edge, 0..=HIST_BINS.
    pub fn edges(self) -> Vec<f32> {
        (0..=HIST_BINS).map(|i| self.edge(i)).collect()
    }
}

/// Left edge of linear bin `i` (runs recorded before symmetric-log bins).
pub fn hist_edge(i: usize) -> f32 {
    HistBins::Linear.edge(i)
}

#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    Pause,
    Resume,
    Stop,
    /// Save a checkpoint at the next step boundary into this folder (None: the run folder).
    SaveCheckpoint(Option<PathBuf>),
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct StartInfo {
    pub device: String,
    pub summary: Summary,
    pub class_names: Vec<String>,
    pub train_images: usize,
    pub val_images: usize,
    pub test_images: usize,
    pub steps_per_epoch: usize,
    pub total_steps: usize,
    /// (1-based layer index, label) of each layer whose activations are probed.
    pub probed_layers: Vec<(usize, String)>,
    pub run_dir: Option<PathBuf>,
    /// CPU threads libtorch trains with (0 in logs written before this was recorded).
    #[serde(default)]
    pub threads: usize,
    /// A fingerprint of the first epoch's image order: equal for runs that see the same data in
    /// the same order (same seed), whatever else differs.
    pub data_order: u64,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct StepMetrics {
    /// Optimizer steps done so far (1 after the first).
    pub step: usize,
    /// 0-based epoch the step belongs to.
    pub epoch: usize,
    pub loss: f32,
    pub accuracy: f32,
    pub learning_rate: f64,
    pub images_per_sec: f32,
    pub elapsed_secs: f64,
}

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
pub struct EpochMetrics {
    /// 1-based: the number of epochs completed.
    pub epoch: usize,
    pub step: usize,
    pub train_loss: f32,
    pub train_accuracy: f32,
    pub val_loss: f32,
    pub val_accuracy: f32,
    /// Top-5 validation accuracy, when there are more than 5 classes.
    #[serde(default)]
    pub val_top5: Option<f32>,
    pub duration_secs: f64,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LayerStats {
    /// 1-based layer index.
    pub layer: usize,
    pub label: String,
    /// Fraction of values in each bin (sums to 1); edges from `bins`.
    pub histogram: Vec<f32>,
    #[serde(default)]
    pub bins: HistBins,
    /// Fraction of values beyond the outermost edges (also counted in the end bins).
    #[serde(default)]
    pub beyond: f32,
    /// Fraction of units (channel × position) never positive on the probe batch.
    pub dead_fraction: f32,
    /// For bounded activations (sigmoid, tanh): fraction of outputs within 2% of a bound.
    pub saturated_fraction: Option<f32>,
    pub mean: f32,
    pub std: f32,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct GradNorm {
    pub layer: usize,
    pub name: String,
    pub norm: f32,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ProbeStats {
    pub step: usize,
    pub layers: Vec<LayerStats>,
    pub grad_norms: Vec<GradNorm>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct FinishInfo {
    pub steps: usize,
    pub epochs: usize,
    pub test_loss: f32,
    pub test_accuracy: f32,
    /// Top-5 test accuracy, when there are more than 5 classes.
    #[serde(default)]
    pub test_top5: Option<f32>,
    pub duration_secs: f64,
    /// Training throughput: images through training steps per second of step time
    /// (evaluation and probes excluded).
    pub train_images_per_sec: f32,
    /// Wall time of the training loops: every step with its data, probes, logging and control,
    /// evaluation and checkpoints excluded (what a plain PyTorch loop's timer measures).
    #[serde(default)]
    pub train_loop_secs: f64,
    /// Images through training steps in all.
    #[serde(default)]
    pub trained_images: usize,
    /// True when the user stopped the run before its end.
    pub stopped: bool,
    pub checkpoint: Option<PathBuf>,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum Event {
    Started(StartInfo),
    Step(StepMetrics),
    Epoch(EpochMetrics),
    Probe(ProbeStats),
    Paused {
        step: usize,
    },
    Resumed {
        step: usize,
    },
    CheckpointSaved {
        path: PathBuf,
        step: usize,
    },
    /// Something the user should know that does not end the run.
    Warning(String),
    Finished(FinishInfo),
    /// The loss became NaN or infinite.
    Diverged {
        step: usize,
        last: Option<StepMetrics>,
    },
    Failed {
        reason: String,
    },
}

impl Event {
    /// Whether this event ends the run.
    pub fn is_terminal(&self) -> bool {
        matches!(
            self,
            Event::Finished(_) | Event::Diverged { .. } | Event::Failed { .. }
        )
    }
}

/// A fraction as a percentage with `decimals`, or "n/a" when it is not a number (a diverged
/// run's accuracy): tables never show "NaN%".
pub fn percent(v: f32, decimals: usize) -> String {
    if v.is_finite() {
        format!("{:.*}%", decimals, v * 100.0)
    } else {
        "n/a".into()
    }
}
