//! Normalization, step by step, on one small N×C×H×W mini-batch: which values each kind
//! averages together (its groups), their mean and variance, the normalized values
//! x_hat = (x − μ)/√(σ² + ε), then y = γ·x_hat + β per channel.
use super::super::layer::Norm;

pub const EPS: f64 = 1e-5;

/// A mini-batch of N samples × C channels × H × W, index ((n·C + c)·H + h)·W + w.
#[derive(Clone, Debug, PartialEq)]
pub struct NchwBlock {
    pub n: usize,
    pub c: usize,
    pub h: usize,
    pub w: usize,
    pub v: Vec<f64>,
}

impl NchwBlock {
    /// 2 samples × 4 channels × 2×2, channels on different scales.
    pub fn example() -> NchwBlock {
        let v = vec![
            1., 2., 3., 4., /**/ 10., 12., 14., 16., /**/ -1., 0., 1., 0., /**/ 5.,
            5., 6., 8., 2., 3., 2., 1., /**/ 20., 18., 16., 14., /**/ 0., -2., 1., 1.,
            /**/ 7., 6., 4., 3.,
        ];
        NchwBlock {
            n: 2,
            c: 4,
            h: 2,
            w: 2,
            v,
        }
    }

    pub fn index(&self, n: usize, c: usize, y: usize, x: usize) -> usize {
        ((n * self.c + c) * self.h + y) * self.w + x
    }

    /// (sample, channel) of a flat index.
    pub fn nc(&self, i: usize) -> (usize, usize) {
        let per = self.h * self.w;
        (i / (self.c * per), i / per % self.c)
    }
}

/// Which group a value of (sample n, channel c) is normalized with.
pub fn group_of(kind: Norm, b: &NchwBlock, n: usize, c: usize) -> usize {
    match kind {
        Norm::Off => n * b.c + c,
        Norm::Batch => c,
        Norm::Layer => n,
        Norm::Instance => n * b.c + c,
        Norm::Group { groups } => n * groups.max(1) + c / (b.c / groups.max(1)).max(1),
        Norm::Decorrelated { group } => c / group.max(1),
    }
}

/// What each kind averages over, in words.
pub fn axes(kind: Norm) -> &'static str {
    match kind {
        Norm::Off => "nothing",
        Norm::Batch => "N, H, W — per channel, across the batch",
        Norm::Layer => "C, H, W — per sample, across its channels",
        Norm::Instance => "H, W — per sample and channel",
        Norm::Group { .. } => "H, W and a group of channels — per sample",
        Norm::Decorrelated { .. } => "N, H, W per group of channels, whitening their covariance",
    }
}

/// One group's statistics.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupStats {
    pub members: Vec<usize>,
    pub mean: f64,
    pub var: f64,
}

/// Every group of `kind` on `b` with its mean and (biased) variance.
pub fn groups(kind: Norm, b: &NchwBlock) -> Vec<GroupStats> {
    let mut map: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..b.v.len() {
        let (n, c) = b.nc(i);
        map.entry(group_of(kind, b, n, c)).or_default().push(i);
    }
    map.into_values()
        .map(|members| {
            let m = members.len() as f64;
            let mean = members.iter().map(|&i| b.v[i]).sum::<f64>() / m;
            let var = members
                .iter()
                .map(|&i| (b.v[i] - mean).powi(2))
                .sum::<f64>()
                / m;
            GroupStats { members, mean, var }
        })
        .collect()
}

/// y = γ_c·(x − μ)/√(σ² + ε) + β_c for every value (for decorrelated BN, the per-channel
/// standardization only: its whitening is shown by [`whiten_2x2`]).
pub fn normalize(kind: Norm, b: &NchwBlock, gamma: &[f64], beta: &[f64]) -> Vec<f64> {
    let mut out = b.v.clone();
    if kind == Norm::Off {
        return out;
    }
    let kind = match kind {
        Norm::Decorrelated { .. } => Norm::Batch,
        k => k,
    };
    for g in groups(kind, b) {
        for &i in &g.members {
            let c = b.nc(i).1;
            out[i] = gamma[c] * (b.v[i] - g.mean) / (g.var + EPS).sqrt() + beta[c];
        }
    }
    out
}

/// Decorrelated BN on two channels: their covariance over N, H, W before and after whitening
/// with Σ^(−1/2) (a 2×2 symmetric matrix, inverted square root in closed form).
pub fn whiten_2x2(b: &NchwBlock, c0: usize) -> ([f64; 4], [f64; 4]) {
    let vals = |c: usize| -> Vec<f64> {
        (0..b.n)
            .flat_map(|n| (0..b.h * b.w).map(move |p| (n, p)))
            .map(|(n, p)| b.v[b.index(n, c, p / b.w, p % b.w)])
            .collect()
    };
    let (a, c) = (vals(c0), vals(c0 + 1));
    let m = a.len() as f64;
    let (ma, mc) = (a.iter().sum::<f64>() / m, c.iter().sum::<f64>() / m);
    let cov = |x: &[f64], mx: f64, y: &[f64], my: f64| {
        x.iter()
            .zip(y)
            .map(|(p, q)| (p - mx) * (q - my))
            .sum::<f64>()
            / m
    };
    let s = [
        cov(&a, ma, &a, ma) + EPS,
        cov(&a, ma, &c, mc),
        cov(&a, ma, &c, mc),
        cov(&c, mc, &c, mc) + EPS,
    ];
    // Σ^(−1/2) for a 2×2 SPD matrix: (Σ + √det·I)^(-1) · ... via eigen-decomposition.
    let tr = s[0] + s[3];
    let det = s[0] * s[3] - s[1] * s[2];
    let disc = ((tr / 2.0).powi(2) - det).max(0.0).sqrt();
    let (l1, l2) = (tr / 2.0 + disc, tr / 2.0 - disc);
    let (vx, vy) = if s[1].abs() > 1e-15 {
        (l1 - s[3], s[1])
    } else if s[0] >= s[3] {
        (1.0, 0.0)
    } else {
        (0.0, 1.0)
    };
    let norm = (vx * vx + vy * vy).sqrt();
    let (ux, uy) = (vx / norm, vy / norm);
    // W = u uᵀ/√l1 + v vᵀ/√l2 with v ⟂ u.
    let (i1, i2) = (1.0 / l1.sqrt(), 1.0 / l2.max(1e-300).sqrt());
    let w = [
        ux * ux * i1 + uy * uy * i2,
        ux * uy * (i1 - i2),
        ux * uy * (i1 - i2),
        uy * uy * i1 + ux * ux * i2,
    ];
    // Covariance after: W Σ Wᵀ (= I up to ε).
    let mul = |p: [f64; 4], q: [f64; 4]| {
        [
            p[0] * q[0] + p[1] * q[2],
            p[0] * q[1] + p[1] * q[3],
            p[2] * q[0] + p[3] * q[2],
            p[2] * q[1] + p[3] * q[3],
        ]
    };
    let after = mul(mul(w, s), w);
    (s, after)
}
