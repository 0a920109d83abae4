//! Probing: activation statistics of a fixed validation batch and per-layer gradient norms,
//! every `probe_every_steps` steps — and never more than [`MAX_SHARE`] of the training time (3%,
//! so that with the first step's probe, which is always taken, the whole stays under 5%):
//! after a probe that took `d`, the next waits until `d / MAX_SHARE` has passed. On a small
//! network whose steps take a millisecond the probes then come less often than asked; on the
//! networks where a step costs more they come at the interval asked for.
use crate::model::Model;
use crate::stats;
use protocol::{GradNorm, ProbeStats};
use spec::{Activation, Preset};
use std::time::{Duration, Instant};
use tch::Tensor;

/// The most of the training time probes may take.
const MAX_SHARE: f64 = 0.03;

pub(super) struct Probe {
    /// (0-based layer index, label, the activation its output has passed through, whether its
    /// input is the activation's input — an Activation layer)
    layers: Vec<(usize, String, Option<Activation>, bool)>,
    batch: Tensor,
    every_steps: usize,
    /// No probe before this (the time budget).
    next_allowed: Instant,
    /// Time spent on the probe in progress.
    spent: Duration,
}

impl Probe {
    pub fn new(preset: &Preset, model: &Model, val_x: &Tensor, images: usize) -> Probe {
        let d = preset.network.defaults();
        let layers = model
            .probed_layers()
            .iter()
            .map(|&i| {
                let layer = &preset.network.layers[i];
                let is_act = matches!(layer, spec::Layer::Activation(_));
                (i, layer.label(&d), layer.output_activation(&d), is_act)
            })
            .collect();
        let n = (images as i64).min(val_x.size()[0]).max(1);
        Probe {
            layers,
            batch: val_x.narrow(0, 0, n.min(val_x.size()[0])),
            every_steps: preset.training.probe_every_steps,
            next_allowed: Instant::now(),
            spent: Duration::ZERO,
        }
    }

    /// (1-based layer index, label) of each probed layer.
    pub fn labels(&self) -> Vec<(usize, String)> {
        self.layers
            .iter()
            .map(|(i, l, _, _)| (i + 1, l.clone()))
            .collect()
    }

    /// Whether step `step` (1-based, after it is done) is probed: the first step always, then
    /// every `every_steps` steps once the time budget allows.
    pub fn due(&self, step: usize) -> bool {
        self.every_steps > 0
            && (step == 1
                || (step.is_multiple_of(self.every_steps) && Instant::now() >= self.next_allowed))
    }

    /// Gradient norms, read between backward and the optimizer step.
    pub fn grad_norms(&mut self, model: &Model) -> Vec<GradNorm> {
        let start = Instant::now();
        let norms = stats::grad_norms(model.layer_params());
        self.spent = start.elapsed();
        norms
    }

    pub fn stats(&mut self, model: &Model, step: usize, grad_norms: Vec<GradNorm>) -> ProbeStats {
        let start = Instant::now();
        let layers = tch::no_grad(|| {
            let outs = model.forward_all(&self.batch, false);
            self.layers
                .iter()
                .map(|(i, label, act, is_act)| {
                    // An Activation layer's input: the previous layer's output (or the batch).
                    let pre = match (is_act, i) {
                        (false, _) => None,
                        (true, 0) => Some(&self.batch),
                        (true, i) => outs.get(i - 1),
                    };
                    stats::layer_stats(i + 1, label, &outs[*i], *act, pre)
                })
                .collect()
        });
        let spent = self.spent + start.elapsed();
        self.next_allowed = Instant::now() + spent.mul_f64(1.0 / MAX_SHARE - 1.0);
        ProbeStats {
            step,
            layers,
            grad_norms,
        }
    }
}
