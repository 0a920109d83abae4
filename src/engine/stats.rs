//! Activation statistics and gradient norms, computed on the trainer thread.
use protocol::{GradNorm, HistBins, LayerStats, HIST_BINS, SYMLOG_MAX};
use spec::Activation;
use tch::{Kind, Tensor};

/// Statistics of one layer's output on the probe batch (batch dimension first).
pub fn layer_stats(
    layer: usize,
    label: &str,
    out: &Tensor,
    act: Option<Activation>,
    pre: Option<&Tensor>,
) -> LayerStats {
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
    // Symmetric-log bins (fixed for every layer, step and run): bucketize against the edges;
    // values beyond the outermost edges land in the end bins and are counted apart.
    let bins = HistBins::SymLog;
    let edges = Tensor::from_slice(&bins.edges()).to_device(flat.device());
    let index = flat.bucketize(&edges, false, true) - 1;
    let counts = index
        .clamp(0, HIST_BINS as i64 - 1)
        .bincount(None::<Tensor>, HIST_BINS as i64)
        .to_kind(Kind::Float)
        / total;
    let beyond = if flat.numel() > 0 {
        flat.abs()
            .gt(SYMLOG_MAX as f64)
            .to_kind(Kind::Float)
            .sum(Kind::Float)
            .double_value(&[])
            / total
    } else {
        0.0
    } as f32;
    let histogram = Vec::<f32>::try_from(counts.to_device(tch::Device::Cpu)).unwrap_or_default();
    let (dead_fraction, saturated_fraction) = dead_and_saturated(&out, act, pre);
    LayerStats {
        layer,
        label: label.to_string(),
        histogram,
        bins,
        beyond,
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

/// Below this share of its largest value, an activation's derivative counts as vanished.
pub const SATURATION_SHARE: f64 = 0.02;
/// A derivative below this is zero: the unit passes no gradient.
pub const DEAD_DERIVATIVE: f64 = 1e-6;

/// The activation's derivative at `z`, by autograd (the formulas are the engine's own).
fn derivative(act: Activation, z: &Tensor) -> Option<Tensor> {
    tch::with_grad(|| {
        let z = z.detach().to_kind(Kind::Float).set_requires_grad(true);
        let y = crate::layers::activation::apply(act, &z)?;
        let g = Tensor::f_run_backward(&[y.sum(Kind::Float)], &[&z], false, false).ok()?;
        g.into_iter().next().map(|g| g.detach())
    })
}

/// Whether an activation flattens somewhere (bounded, or a plateau or minimum where its
/// derivative vanishes): only those report saturation. ReLU and Leaky ReLU are piecewise linear.
/// The largest derivative of an activation, over a wide grid of inputs; computed once per
/// activation and thread (probes ask for it at every probe of every layer).
fn peak_derivative(act: Activation) -> f64 {
    thread_local! {
        static PEAKS: std::cell::RefCell<Vec<(Activation, f64)>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    if let Some(p) = PEAKS.with(|c| c.borrow().iter().find(|(a, _)| *a == act).map(|(_, p)| *p)) {
        return p;
    }
    let grid = Tensor::linspace(-30.0, 30.0, 6001, (Kind::Float, tch::Device::Cpu));
    let peak = derivative(act, &grid).map_or(1.0, |d| d.abs().max().double_value(&[]));
    PEAKS.with(|c| c.borrow_mut().push((act, peak)));
    peak
}

/// Dead and saturated fractions, defined by the gradient.
///
/// A unit (one channel at one position) is **dead** when the activation's derivative there is
/// zero for every image of the probe batch: no gradient reaches the weights before it. That
/// needs the activation's input (`pre`): for an Activation layer it is the previous layer's
/// output. ReLU's derivative is zero exactly where its output is not positive, so for ReLU
/// (also after a block) "never positive" is the same definition; Leaky ReLU, ELU, GELU, Swish and
/// Mish have negative outputs with a derivative that is not zero, so those units are alive.
/// Where the input is not at hand (a block ending in another activation) the fraction is NaN:
/// unknown, shown as such.
///
/// **Saturated** is the share of outputs where the derivative is below 2% of its largest value
/// (sigmoid and tanh near their bounds, ELU/SELU on their negative plateau, GELU/Swish/Mish far
/// below zero): there the gradient almost vanishes. None for piecewise-linear activations.
fn dead_and_saturated(
    out: &Tensor,
    act: Option<Activation>,
    pre: Option<&Tensor>,
) -> (f32, Option<f32>) {
    let fraction = |t: Tensor| t.to_kind(Kind::Float).mean(None).double_value(&[]) as f32;
    let Some(act) = act else {
        // Not after an activation: a unit is dead if it is never positive (as before).
        return (1.0 - fraction(out.gt(0.0).any_dim(0, false)), None);
    };
    let grad = match (pre, act) {
        (Some(z), a) if !matches!(a, Activation::Dice { .. }) => derivative(a, z),
        _ => None,
    };
    let Some(g) = grad.map(|g| g.abs()) else {
        return if act.dead_where_not_positive() {
            (1.0 - fraction(out.gt(0.0).any_dim(0, false)), None)
        } else {
            (f32::NAN, None)
        };
    };
    let dead = fraction(g.lt(DEAD_DERIVATIVE).all_dim(0, false));
    let saturated = act
        .saturates()
        .then(|| fraction(g.lt(SATURATION_SHARE * peak_derivative(act))));
    (dead, saturated)
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
