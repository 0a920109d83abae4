//! "Will it fit": training memory from the summary, before anything is allocated.
use super::shape::Summary;
use super::training::{Optimizer, Training};

/// Bytes a training run needs, by part (f32 everywhere).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryEstimate {
    pub batch: usize,
    /// Weights.
    pub params: usize,
    /// One gradient per weight.
    pub grads: usize,
    /// Momentum (SGD) or first and second moments (Adam, AdamW), per weight.
    pub optimizer: usize,
    /// Every layer's output kept for the backward pass, and about as much again for the
    /// gradients flowing back through them: 2 × activations × batch.
    pub activations: usize,
}

impl MemoryEstimate {
    pub fn total(&self) -> usize {
        self.params + self.grads + self.optimizer + self.activations
    }

    /// One line: "≈ 9.3 GiB for batch 256: weights 528 MiB, gradients …".
    pub fn describe(&self) -> String {
        format!(
            "≈ {} to train with batch {}: weights {}, gradients {}, optimizer state {}, activations forward and back {}",
            bytes(self.total()),
            self.batch,
            bytes(self.params),
            bytes(self.grads),
            bytes(self.optimizer),
            bytes(self.activations)
        )
    }
}

/// Optimizer state tensors per weight.
fn state_per_weight(o: &Optimizer) -> usize {
    match o {
        Optimizer::Sgd { momentum, .. } if *momentum > 0.0 => 1,
        Optimizer::Sgd { .. } => 0,
        Optimizer::Adam { .. } | Optimizer::AdamW { .. } => 2,
    }
}

pub fn estimate(summary: &Summary, training: &Training, batch: usize) -> MemoryEstimate {
    let weights = summary.total_params * 4;
    MemoryEstimate {
        batch,
        params: weights,
        grads: weights,
        optimizer: weights * state_per_weight(&training.optimizer),
        activations: 2 * summary.activation_bytes_per_image * batch,
    }
}

/// The layer with the largest output per image: (1-based index, label, bytes per image).
pub fn largest_layer(summary: &Summary) -> Option<(usize, String, usize)> {
    summary
        .layers
        .iter()
        .map(|l| (l.index, l.label.clone(), l.output.numel() * 4))
        .max_by_key(|(_, _, b)| *b)
}

/// 1.5 GiB, 320 MiB, 12 KiB.
pub fn bytes(n: usize) -> String {
    let n = n as f64;
    if n >= 1024f64.powi(3) {
        format!("{:.1} GiB", n / 1024f64.powi(3))
    } else if n >= 1024f64.powi(2) {
        format!("{:.0} MiB", n / 1024f64.powi(2))
    } else {
        format!("{:.0} KiB", n / 1024.0)
    }
}
