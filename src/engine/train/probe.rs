//! Probing: activation statistics of a fixed validation batch and per-layer gradient norms,
//! every `probe_every_steps` steps.
use crate::engine::model::Model;
use crate::engine::stats;
use crate::protocol::{GradNorm, ProbeStats};
use crate::spec::{Activation, Preset};
use tch::Tensor;

pub(super) struct Probe {
    /// (0-based layer index, label, the activation its output has passed through)
    layers: Vec<(usize, String, Option<Activation>)>,
    batch: Tensor,
    every_steps: usize,
}

impl Probe {
    pub fn new(preset: &Preset, model: &Model, val_x: &Tensor, images: usize) -> Probe {
        let d = preset.network.defaults();
        let layers = model
            .probed_layers()
            .iter()
            .map(|&i| {
                let layer = &preset.network.layers[i];
                (i, layer.label(&d), layer.output_activation(&d))
            })
            .collect();
        let n = (images as i64).min(val_x.size()[0]).max(1);
        Probe {
            layers,
            batch: val_x.narrow(0, 0, n.min(val_x.size()[0])),
            every_steps: preset.training.probe_every_steps,
        }
    }

    /// (1-based layer index, label) of each probed layer.
    pub fn labels(&self) -> Vec<(usize, String)> {
        self.layers
            .iter()
            .map(|(i, l, _)| (i + 1, l.clone()))
            .collect()
    }

    /// Whether step `step` (1-based, after it is done) is probed.
    pub fn due(&self, step: usize) -> bool {
        self.every_steps > 0 && (step == 1 || step.is_multiple_of(self.every_steps))
    }

    /// Gradient norms, read between backward and the optimizer step.
    pub fn grad_norms(&self, model: &Model) -> Vec<GradNorm> {
        stats::grad_norms(model.layer_params())
    }

    pub fn stats(&self, model: &Model, step: usize, grad_norms: Vec<GradNorm>) -> ProbeStats {
        let layers = tch::no_grad(|| {
            let outs = model.forward_all(&self.batch, false);
            self.layers
                .iter()
                .map(|(i, label, act)| stats::layer_stats(i + 1, label, &outs[*i], *act))
                .collect()
        });
        ProbeStats {
            step,
            layers,
            grad_norms,
        }
    }
}
