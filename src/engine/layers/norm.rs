//! Batch, layer, instance, group and decorrelated batch normalization; local response
//! normalization.
use spec::{Norm, Shape};
use tch::{nn, Tensor};

const EPS: f64 = 1e-5;
const MOMENTUM: f64 = 0.1;

#[derive(Debug)]
pub struct NormModule {
    kind: Norm,
    weight: Option<Tensor>,
    bias: Option<Tensor>,
    running_mean: Option<Tensor>,
    running_var: Option<Tensor>,
    /// Decorrelated BN's running whitening matrices, [groups, g, g].
    running_whiten: Option<Tensor>,
    flat: bool,
}

impl NormModule {
    pub fn new(p: &nn::Path, kind: Norm, input: Shape) -> NormModule {
        let c = input.channels() as i64;
        let affine = kind != Norm::Off;
        let g = p.set_group(super::NO_DECAY_GROUP);
        NormModule {
            kind,
            weight: affine.then(|| g.var("weight", &[c], nn::Init::Const(1.0))),
            bias: affine.then(|| g.var("bias", &[c], nn::Init::Const(0.0))),
            running_mean: matches!(kind, Norm::Batch | Norm::Decorrelated { .. })
                .then(|| p.zeros_no_train("running_mean", &[c])),
            running_var: (kind == Norm::Batch).then(|| p.ones_no_train("running_var", &[c])),
            running_whiten: match kind {
                Norm::Decorrelated { group } => {
                    let g = group as i64;
                    let eye = Tensor::eye(g, (tch::Kind::Float, p.device()));
                    let mut w = p.zeros_no_train("running_whiten", &[c / g, g, g]);
                    tch::no_grad(|| w.copy_(&eye.expand([c / g, g, g], false)));
                    Some(w)
                }
                _ => None,
            },
            flat: matches!(input, Shape::Flat(_)),
        }
    }

    pub fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let (w, b) = (self.weight.as_ref(), self.bias.as_ref());
        match self.kind {
            Norm::Off => xs.shallow_clone(),
            Norm::Batch => xs.batch_norm(
                w,
                b,
                self.running_mean.as_ref(),
                self.running_var.as_ref(),
                train,
                MOMENTUM,
                EPS,
                true,
            ),
            Norm::Layer if self.flat => {
                let n = xs.size()[1];
                xs.layer_norm([n], w, b, EPS, true)
            }
            // Over channels and positions of each sample, with a per-channel scale and shift.
            Norm::Layer => xs.group_norm(1, w, b, EPS, true),
            Norm::Instance => xs.group_norm(xs.size()[1], w, b, EPS, true),
            Norm::Group { groups } => xs.group_norm(groups as i64, w, b, EPS, true),
            Norm::Decorrelated { group } => {
                let y = self.decorrelate(xs, group as i64, train);
                affine(&y, w, b)
            }
        }
    }

    /// x̂ = Σ^(−1/2)(x − μ) per group of g channels over the batch and positions (ZCA
    /// whitening, Huang et al. 2018), with running μ and Σ^(−1/2) for evaluation.
    fn decorrelate(&self, xs: &Tensor, g: i64, train: bool) -> Tensor {
        let size = xs.size();
        let (n, c) = (size[0], size[1]);
        let positions: i64 = size[2..].iter().product();
        let groups = c / g;
        // [groups, g, n·positions]
        let x = xs
            .reshape([n, groups, g, positions])
            .permute([1, 2, 0, 3])
            .reshape([groups, g, n * positions]);
        let (Some(rm), Some(rw)) = (&self.running_mean, &self.running_whiten) else {
            return xs.shallow_clone();
        };
        let y = if train {
            let m = n * positions;
            if m <= g {
                panic!(
                    "decorrelated batch norm: a group of {g} channels needs more than {g} values per channel in a batch to whiten, but this batch has {n}×{positions} = {m} — use smaller groups (group: {}) or a larger batch",
                    (g / 2).max(1)
                );
            }
            let mean = x.mean_dim([2i64].as_slice(), true, None);
            let xc = &x - &mean;
            let eye = Tensor::eye(g, (tch::Kind::Float, xs.device()));
            let cov = xc.matmul(&xc.transpose(1, 2)) / m as f64 + eye * EPS;
            let (vals, vecs) = cov.linalg_eigh("L");
            let whiten = vecs
                .matmul(&vals.rsqrt().diag_embed(0, -2, -1))
                .matmul(&vecs.transpose(1, 2));
            tch::no_grad(|| {
                let mut rm = rm.shallow_clone();
                let mut rw = rw.shallow_clone();
                let batch_mean = mean.detach().reshape([c]);
                rm.copy_(&(&rm * (1.0 - MOMENTUM) + batch_mean * MOMENTUM));
                rw.copy_(&(&rw * (1.0 - MOMENTUM) + whiten.detach() * MOMENTUM));
            });
            whiten.matmul(&xc)
        } else {
            rw.matmul(&(&x - rm.reshape([groups, g, 1])))
        };
        y.reshape([groups, g, n, positions])
            .permute([2, 0, 1, 3])
            .reshape(&size[..])
    }
}

/// y·w + b per channel.
fn affine(y: &Tensor, w: Option<&Tensor>, b: Option<&Tensor>) -> Tensor {
    let mut shape = vec![1i64; y.dim()];
    shape[1] = -1;
    let y = match w {
        Some(w) => y * w.reshape(&shape[..]),
        None => y.shallow_clone(),
    };
    match b {
        Some(b) => y + b.reshape(&shape[..]),
        None => y,
    }
}

/// Local response normalization: a / (k + α Σ_{|j−i| ≤ size/2} a_j²)^β across channels.
pub fn lrn(xs: &Tensor, l: &spec::layer::Lrn) -> Tensor {
    let half = (l.size / 2) as i64;
    // The sum over a channel window of the squares: a 3-D average over (size, 1, 1) windows
    // of zero-padded channels, times the window size.
    let sum = (xs * xs)
        .unsqueeze(1)
        .avg_pool3d(
            [l.size as i64, 1, 1],
            [1, 1, 1],
            [half, 0, 0],
            false,
            true,
            None,
        )
        .squeeze_dim(1)
        * l.size as f64;
    xs / (sum * l.alpha + l.k).pow_tensor_scalar(l.beta)
}
