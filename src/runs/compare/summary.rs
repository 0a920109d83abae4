//! Per-variant aggregates over seeds: mean ± standard deviation for the summary table.
use crate::state::{RunState, RunStatus};

#[derive(Clone, Copy, Debug, PartialEq, Default)]
pub struct MeanStd {
    pub mean: f64,
    pub std: f64,
    pub n: usize,
}

impl MeanStd {
    pub fn of(values: &[f64]) -> MeanStd {
        let n = values.len();
        if n == 0 {
            return MeanStd {
                mean: f64::NAN,
                std: f64::NAN,
                n: 0,
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        // Sample standard deviation over seeds (0 for a single seed).
        let var = if n > 1 {
            values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64
        } else {
            0.0
        };
        MeanStd {
            mean,
            std: var.sqrt(),
            n,
        }
    }

    /// "97.31 ± 0.12" (as percentages when `percent`).
    /// Test accuracy with the top-5 accuracy after it, when measured.
    pub fn show_with_top5(&self, top5: &MeanStd) -> String {
        if top5.n == 0 {
            self.show(true)
        } else {
            format!("{} (top-5 {})", self.show(true), top5.show(true))
        }
    }

    pub fn show(&self, percent: bool) -> String {
        if self.n == 0 {
            return "—".into();
        }
        let k = if percent { 100.0 } else { 1.0 };
        format!("{:.2} ± {:.2}", self.mean * k, self.std * k)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct VariantSummary {
    pub variant: String,
    /// Runs that finished (of all that ended).
    pub finished: usize,
    /// Runs that failed or diverged.
    pub failed: usize,
    pub final_val_accuracy: MeanStd,
    pub best_val_accuracy: MeanStd,
    /// Mean 1-based epoch of the best validation accuracy.
    pub best_epoch: MeanStd,
    pub test_accuracy: MeanStd,
    /// Top-5 test accuracy (no runs counted with 5 classes or fewer).
    pub test_top5: MeanStd,
    /// The seeds' final networks as one ensemble (softmax averaged): (top-1, top-5).
    pub ensemble: Option<(f32, Option<f32>)>,
    pub duration_secs: MeanStd,
    pub images_per_sec: MeanStd,
    pub params: usize,
    /// (layer label, mean dead-unit fraction at the last probe).
    pub dead: Vec<(String, f64)>,
}

/// Aggregates ended runs by variant.
pub fn summarize<'a>(runs: impl Iterator<Item = (&'a str, &'a RunState)>) -> Vec<VariantSummary> {
    let mut groups: Vec<(String, Vec<&RunState>)> = Vec::new();
    for (v, s) in runs {
        match groups.iter_mut().find(|(g, _)| g == v) {
            Some((_, list)) => list.push(s),
            None => groups.push((v.to_string(), vec![s])),
        }
    }
    groups
        .into_iter()
        .map(|(variant, runs)| {
            let ok: Vec<&RunState> = runs
                .iter()
                .copied()
                .filter(|r| matches!(r.status, RunStatus::Finished { .. }))
                .collect();
            let collect = |f: &dyn Fn(&RunState) -> Option<f64>| {
                MeanStd::of(&ok.iter().filter_map(|r| f(r)).collect::<Vec<_>>())
            };
            let best = |r: &RunState| {
                r.epochs.iter().map(|e| e.val_accuracy).enumerate().fold(
                    None,
                    |b: Option<(usize, f32)>, (i, v)| match b {
                        Some((_, bv)) if bv >= v => b,
                        _ => Some((i, v)),
                    },
                )
            };
            let mut dead: Vec<(String, f64)> = Vec::new();
            if let Some(first) = ok.first() {
                for layer in &first.layers {
                    let vals: Vec<f64> = ok
                        .iter()
                        .filter_map(|r| {
                            r.layers
                                .iter()
                                .find(|l| l.layer == layer.layer)
                                .and_then(|l| l.dead.last())
                                .map(|(_, d)| *d as f64)
                        })
                        // NaN: not known for that layer (see the plots' definition).
                        .filter(|d| d.is_finite())
                        .collect();
                    dead.push((
                        format!("{} {}", layer.layer, layer.label),
                        MeanStd::of(&vals).mean,
                    ));
                }
            }
            VariantSummary {
                finished: ok.len(),
                failed: runs.len() - ok.len(),
                final_val_accuracy: collect(&|r| r.epochs.last().map(|e| e.val_accuracy as f64)),
                best_val_accuracy: collect(&|r| best(r).map(|(_, v)| v as f64)),
                best_epoch: collect(&|r| best(r).map(|(i, _)| (i + 1) as f64)),
                test_accuracy: collect(&|r| r.finish.as_ref().map(|f| f.test_accuracy as f64)),
                test_top5: collect(&|r| r.finish.as_ref().and_then(|f| f.test_top5.map(f64::from))),
                ensemble: None,
                duration_secs: collect(&|r| r.finish.as_ref().map(|f| f.duration_secs)),
                images_per_sec: collect(&|r| {
                    r.finish.as_ref().map(|f| f.train_images_per_sec as f64)
                }),
                params: ok
                    .first()
                    .and_then(|r| r.start.as_ref())
                    .map_or(0, |s| s.summary.total_params),
                dead,
                variant,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sample_std_match_numpy() {
        // numpy: a = [0.97, 0.98, 0.99]; a.mean() = 0.98; a.std(ddof=1) = 0.01
        let m = MeanStd::of(&[0.97, 0.98, 0.99]);
        assert!((m.mean - 0.98).abs() < 1e-12);
        assert!((m.std - 0.01).abs() < 1e-12);
        assert_eq!(m.n, 3);
        assert_eq!(m.show(true), "98.00 ± 1.00");
    }

    #[test]
    fn one_value_has_no_spread_and_none_shows_a_dash() {
        let one = MeanStd::of(&[2.5]);
        assert_eq!((one.mean, one.std), (2.5, 0.0));
        let none = MeanStd::of(&[]);
        assert!(none.mean.is_nan());
        assert_eq!(none.show(false), "—");
    }
}
