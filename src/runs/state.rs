//! The state of one run, folded from trainer events: series for plots, histogram snapshots,
//! gradient norms and the status line. Pure data — testable without a window or libtorch.
use protocol::*;

#[derive(Clone, Debug, PartialEq)]
pub enum RunStatus {
    Starting,
    Running,
    Paused,
    Finished {
        test_accuracy: f32,
        /// With more than 5 classes.
        test_top5: Option<f32>,
        stopped: bool,
    },
    Diverged {
        step: usize,
    },
    Failed {
        reason: String,
    },
    /// Read back from a folder with no terminal event: the app or machine died during the run.
    Interrupted,
    /// A folder that cannot be read back, with the reason.
    Damaged {
        reason: String,
    },
}

/// " (top-5 93.10%)" when there is a top-5 accuracy.
pub fn top5_text(top5: Option<f32>) -> String {
    top5.map(|t| format!(" (top-5 {:.2}%)", t * 100.0))
        .unwrap_or_default()
}

impl RunStatus {
    pub fn is_active(&self) -> bool {
        matches!(
            self,
            RunStatus::Starting | RunStatus::Running | RunStatus::Paused
        )
    }

    /// The status line shown to the user.
    pub fn describe(&self) -> String {
        match self {
            RunStatus::Starting => "starting (loading data)…".into(),
            RunStatus::Running => "running".into(),
            RunStatus::Paused => "paused".into(),
            RunStatus::Finished {
                test_accuracy,
                test_top5,
                stopped,
            } => format!(
                "{} — test accuracy {:.2}%{}",
                if *stopped { "stopped" } else { "finished" },
                test_accuracy * 100.0,
                top5_text(*test_top5)
            ),
            RunStatus::Diverged { step } => format!("diverged at step {step}"),
            RunStatus::Failed { reason } => format!("failed: {reason}"),
            RunStatus::Interrupted => "interrupted".into(),
            RunStatus::Damaged { reason } => format!("damaged: {reason}"),
        }
    }

    /// The short form for the history list.
    pub fn describe_short(&self) -> String {
        match self {
            RunStatus::Finished {
                test_accuracy,
                test_top5,
                stopped,
            } => format!(
                "{} · test {}{}",
                if *stopped { "stopped" } else { "finished" },
                protocol::percent(*test_accuracy, 2),
                top5_text(*test_top5)
            ),
            other => other.describe(),
        }
    }
}

/// Histogram snapshots of one layer over time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LayerSeries {
    pub layer: usize,
    pub label: String,
    /// (step, histogram fractions)
    pub snapshots: Vec<(usize, Vec<f32>)>,
    /// (step, fraction)
    pub dead: Vec<(usize, f32)>,
    pub saturated: Vec<(usize, f32)>,
    pub mean_std: Vec<(usize, f32, f32)>,
    /// How the snapshots' bins are laid out (as the latest probe says).
    pub bins: protocol::HistBins,
    /// (step, fraction of values beyond the outermost bin edges)
    pub beyond: Vec<(usize, f32)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct RunState {
    pub name: String,
    pub status: RunStatus,
    pub start: Option<StartInfo>,
    /// (step, value)
    pub train_loss: Vec<[f64; 2]>,
    pub train_accuracy: Vec<[f64; 2]>,
    pub learning_rate: Vec<[f64; 2]>,
    /// (step, seconds since the run started), to plot against wall time.
    pub step_secs: Vec<[f64; 2]>,
    pub val_loss: Vec<[f64; 2]>,
    pub val_accuracy: Vec<[f64; 2]>,
    pub epochs: Vec<EpochMetrics>,
    pub last_step: Option<StepMetrics>,
    pub layers: Vec<LayerSeries>,
    /// Per layer with parameters: name and (step, norm).
    pub grad_norms: Vec<(String, Vec<[f64; 2]>)>,
    pub warnings: Vec<String>,
    /// The checkpoint written last and the step it holds: one line in the run panel, however
    /// many are written (every epoch, the best so far, on request), not one per save.
    pub last_checkpoint: Option<(std::path::PathBuf, usize)>,
    pub finish: Option<FinishInfo>,
}

impl RunState {
    pub fn new(name: impl Into<String>) -> RunState {
        RunState {
            name: name.into(),
            status: RunStatus::Starting,
            start: None,
            train_loss: Vec::new(),
            train_accuracy: Vec::new(),
            learning_rate: Vec::new(),
            step_secs: Vec::new(),
            val_loss: Vec::new(),
            val_accuracy: Vec::new(),
            epochs: Vec::new(),
            last_step: None,
            layers: Vec::new(),
            grad_norms: Vec::new(),
            warnings: Vec::new(),
            last_checkpoint: None,
            finish: None,
        }
    }

    pub fn apply(&mut self, event: &Event) {
        match event {
            // A resumed run starts again with the same probes: its histories go on.
            Event::Started(s)
                if self
                    .start
                    .as_ref()
                    .is_some_and(|o| o.probed_layers == s.probed_layers) =>
            {
                self.status = RunStatus::Running;
                self.start = Some(s.clone());
            }
            Event::Started(s) => {
                self.status = RunStatus::Running;
                self.layers = s
                    .probed_layers
                    .iter()
                    .map(|(layer, label)| LayerSeries {
                        layer: *layer,
                        label: label.clone(),
                        ..LayerSeries::default()
                    })
                    .collect();
                self.start = Some(s.clone());
            }
            Event::Step(m) => {
                let x = m.step as f64;
                self.train_loss.push([x, m.loss as f64]);
                self.train_accuracy.push([x, m.accuracy as f64]);
                self.learning_rate.push([x, m.learning_rate]);
                self.step_secs.push([x, m.elapsed_secs]);
                self.last_step = Some(*m);
            }
            Event::Epoch(m) => {
                let x = m.step as f64;
                self.val_loss.push([x, m.val_loss as f64]);
                self.val_accuracy.push([x, m.val_accuracy as f64]);
                self.epochs.push(*m);
            }
            Event::Probe(p) => {
                for l in &p.layers {
                    if let Some(series) = self.layers.iter_mut().find(|s| s.layer == l.layer) {
                        series.snapshots.push((p.step, l.histogram.clone()));
                        series.bins = l.bins;
                        series.beyond.push((p.step, l.beyond));
                        series.dead.push((p.step, l.dead_fraction));
                        if let Some(s) = l.saturated_fraction {
                            series.saturated.push((p.step, s));
                        }
                        series.mean_std.push((p.step, l.mean, l.std));
                    }
                }
                for g in &p.grad_norms {
                    let point = [p.step as f64, g.norm as f64];
                    match self.grad_norms.iter_mut().find(|(n, _)| *n == g.name) {
                        Some((_, pts)) => pts.push(point),
                        None => self.grad_norms.push((g.name.clone(), vec![point])),
                    }
                }
            }
            Event::Paused { .. } => self.status = RunStatus::Paused,
            Event::Resumed { .. } => self.status = RunStatus::Running,
            Event::CheckpointSaved { path, step } => {
                self.last_checkpoint = Some((path.clone(), *step))
            }
            Event::Warning(w) => self.warnings.push(w.clone()),
            Event::Finished(f) => {
                self.status = RunStatus::Finished {
                    test_accuracy: f.test_accuracy,
                    test_top5: f.test_top5,
                    stopped: f.stopped,
                };
                self.finish = Some(f.clone());
            }
            Event::Diverged { step, .. } => self.status = RunStatus::Diverged { step: *step },
            Event::Failed { reason } => {
                self.status = RunStatus::Failed {
                    reason: reason.clone(),
                }
            }
        }
    }

    /// Fraction of the run done, from 0 to 1.
    pub fn progress(&self) -> f32 {
        match (&self.start, &self.last_step) {
            _ if matches!(self.status, RunStatus::Finished { stopped: false, .. }) => 1.0,
            (Some(s), Some(m)) if s.total_steps > 0 => m.step as f32 / s.total_steps as f32,
            _ => 0.0,
        }
    }

    /// Seconds left at the recent pace, if known.
    pub fn eta_secs(&self) -> Option<f64> {
        let s = self.start.as_ref()?;
        let m = self.last_step?;
        if m.step == 0 || !self.status.is_active() {
            return None;
        }
        Some(m.elapsed_secs / m.step as f64 * s.total_steps.saturating_sub(m.step) as f64)
    }
}

/// Reduces a series to at most about `max_points` points for drawing, keeping each bucket's
/// minimum and maximum so spikes stay visible.
pub fn decimate(points: &[[f64; 2]], max_points: usize) -> Vec<[f64; 2]> {
    let max_points = max_points.max(4);
    if points.len() <= max_points {
        return points.to_vec();
    }
    let buckets = max_points / 2;
    let size = points.len().div_ceil(buckets);
    let mut out = Vec::with_capacity(buckets * 2);
    for chunk in points.chunks(size) {
        let (mut lo, mut hi) = (0, 0);
        for (i, p) in chunk.iter().enumerate() {
            if p[1] < chunk[lo][1] {
                lo = i;
            }
            if p[1] > chunk[hi][1] {
                hi = i;
            }
        }
        let (a, b) = if lo <= hi { (lo, hi) } else { (hi, lo) };
        out.push(chunk[a]);
        if b != a {
            out.push(chunk[b]);
        }
    }
    out
}
