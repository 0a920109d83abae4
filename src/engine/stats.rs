//! Activation statistics and gradient norms, computed on the trainer thread.
use crate::protocol::{GradNorm, LayerStats, HIST_BINS, HIST_MAX, HIST_MIN};
use crate::spec::Activation;
use tch::{Kind, Tensor};

/// Statistics of one layer's output on the probe batch (batch dimension first).
pub fn layer_stats(layer: usize, label: &str, out: &Tensor, act: Option<Activation>) -> LayerStats {
    let out = out.detach().to_kind(Kind::Float);
    // Non-finite values (a diverging run) are left out of the histogram rather than binned.
    let all = out.flatten(0, -1);
    let finite = all.isfinite();
    let flat = if finite.all().int64_value(&[]) == 1 {
        all.shallow_clone()
    } else {
        all.masked_select(&finite)
    };
    let total = all.size()[0].max(1) as f64;
    // One pass over the values: those beyond the range land in the end bins. (libtorch's
    // histogram runs on the CPU only; on the CPU the move is free.)
    let range = [HIST_MIN as f64, HIST_MAX as f64];
    let counts = flat
        .to_device(tch::Device::Cpu)
        .clamp(range[0], range[1])
        .f_histogram_bin_ct(HIST_BINS as i64, range.as_slice(), None::<Tensor>, false)
        .map(|(hist, _)| hist.to_kind(Kind::Float) / total)
        .unwrap_or_else(|_| Tensor::zeros([HIST_BINS as i64], (Kind::Float, tch::Device::Cpu)));
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
