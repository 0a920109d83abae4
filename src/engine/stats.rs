//! Activation statistics and gradient norms, computed on the trainer thread.
use crate::protocol::{GradNorm, LayerStats, HIST_BINS, HIST_MAX, HIST_MIN};
use crate::spec::Activation;
use tch::{Kind, Tensor};

/// Statistics of one layer's output on the probe batch (batch dimension first).
pub fn layer_stats(layer: usize, label: &str, out: &Tensor, act: Option<Activation>) -> LayerStats {
    let out = out.detach().to_kind(Kind::Float);
    // Non-finite values (a diverging run) are left out of the histogram rather than binned.
    let all = out.flatten(0, -1);
    let flat = all.masked_select(&all.isfinite());
    let total = all.size()[0].max(1) as f64;
    let width = (HIST_MAX - HIST_MIN) as f64 / HIST_BINS as f64;
    let bins = ((&flat - HIST_MIN as f64) / width)
        .floor()
        .clamp(0.0, (HIST_BINS - 1) as f64)
        .to_kind(Kind::Int64);
    let counts = bins
        .bincount(None::<Tensor>, HIST_BINS as i64)
        .to_kind(Kind::Float)
        / total;
    let histogram = Vec::<f32>::try_from(counts.to_device(tch::Device::Cpu)).unwrap_or_default();
    // A unit is one output position of one channel; it is dead if no probe image makes it
    // positive.
    let alive = out.gt(0.0).any_dim(0, false);
    let dead_fraction = 1.0 - alive.to_kind(Kind::Float).mean(None).double_value(&[]) as f32;
    let saturated_fraction = act.and_then(|a| a.bounds()).map(|(lo, hi)| {
        let margin = 0.02 * (hi - lo);
        let sat = flat.le(lo + margin).logical_or(&flat.ge(hi - margin));
        sat.to_kind(Kind::Float).mean(None).double_value(&[]) as f32
    });
    LayerStats {
        layer,
        label: label.to_string(),
        histogram,
        dead_fraction,
        saturated_fraction,
        mean: if flat.numel() > 0 {
            flat.mean(None).double_value(&[]) as f32
        } else {
            f32::NAN
        },
        std: if flat.numel() > 1 {
            flat.std(false).double_value(&[]) as f32
        } else {
            0.0
        },
    }
}

/// L2 norm of the gradients of each layer's parameters (layers without parameters skipped).
pub fn grad_norms(layers: &[(String, Vec<Tensor>)]) -> Vec<GradNorm> {
    layers
        .iter()
        .enumerate()
        .filter(|(_, (_, params))| !params.is_empty())
        .map(|(i, (name, params))| {
            let sq: f64 = params
                .iter()
                .map(|p| {
                    let g = p.grad();
                    if g.defined() {
                        g.pow_tensor_scalar(2).sum(Kind::Double).double_value(&[])
                    } else {
                        0.0
                    }
                })
                .sum();
            GradNorm {
                layer: i + 1,
                name: name.clone(),
                norm: sq.sqrt() as f32,
            }
        })
        .collect()
}
