//! The pooling explorer: max, average and L2 pooling (the lecture's h[n] formulas) on a small
//! grid, with the window of each output and, for max pooling, which input won (where the
//! gradient goes).
use super::conv::Grid;
use super::{factor, num};
use crate::LayerError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    Max,
    Average,
    L2,
}

impl PoolKind {
    pub const ALL: [PoolKind; 3] = [PoolKind::Max, PoolKind::Average, PoolKind::L2];
    pub fn name(&self) -> &'static str {
        match self {
            PoolKind::Max => "max",
            PoolKind::Average => "average",
            PoolKind::L2 => "L2",
        }
    }
    /// The lecture's definition.
    pub fn formula(&self) -> &'static str {
        match self {
            PoolKind::Max => "h[n] = max over the window of h̃[i]",
            PoolKind::Average => "h[n] = (1/n) Σ h̃[i] over the window",
            PoolKind::L2 => "h[n] = √((1/n) Σ h̃²[i]) over the window",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct PoolLab {
    pub input: Grid,
    pub kind: PoolKind,
    pub kernel: usize,
    pub stride: usize,
}

impl PoolLab {
    /// The lecture's 4×4 example, 2×2 windows, stride 2.
    pub fn lecture() -> PoolLab {
        PoolLab {
            input: Grid::from_rows(&[
                &[2., 2., 4., 4.],
                &[2., 4., 8., 4.],
                &[4., 4., 4., 1.],
                &[6., 10., 3., 4.],
            ]),
            kind: PoolKind::Max,
            kernel: 2,
            stride: 2,
        }
    }

    pub fn out_size(&self) -> Result<(usize, usize), LayerError> {
        let k = self.kernel.max(1);
        if self.input.h < k || self.input.w < k {
            return Err(LayerError::WindowDoesNotFit {
                k,
                h: self.input.h,
                w: self.input.w,
            });
        }
        let s = self.stride.max(1);
        Ok(((self.input.h - k) / s + 1, (self.input.w - k) / s + 1))
    }

    /// The input cells (row, column) of output cell (oy, ox)'s window.
    pub fn window(&self, oy: usize, ox: usize) -> Vec<(usize, usize)> {
        let s = self.stride.max(1);
        let k = self.kernel.max(1);
        (0..k)
            .flat_map(|i| (0..k).map(move |j| (oy * s + i, ox * s + j)))
            .collect()
    }

    pub fn value_of(&self, kind: PoolKind, oy: usize, ox: usize) -> f64 {
        let vals: Vec<f64> = self
            .window(oy, ox)
            .iter()
            .map(|&(y, x)| self.input.at(y, x))
            .collect();
        let n = vals.len() as f64;
        match kind {
            PoolKind::Max => vals.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            PoolKind::Average => vals.iter().sum::<f64>() / n,
            PoolKind::L2 => (vals.iter().map(|v| v * v).sum::<f64>() / n).sqrt(),
        }
    }

    /// The input cell that max pooling passes on (the first largest), which alone receives
    /// the gradient.
    pub fn argmax(&self, oy: usize, ox: usize) -> (usize, usize) {
        let mut best = self.window(oy, ox)[0];
        for (y, x) in self.window(oy, ox) {
            if self.input.at(y, x) > self.input.at(best.0, best.1) {
                best = (y, x);
            }
        }
        best
    }

    pub fn output(&self, kind: PoolKind) -> Result<Grid, LayerError> {
        let (oh, ow) = self.out_size()?;
        let mut g = Grid::new(oh, ow);
        for y in 0..oh {
            for x in 0..ow {
                g.set(y, x, self.value_of(kind, y, x));
            }
        }
        Ok(g)
    }

    /// Output cell (oy, ox) written out.
    pub fn explain(&self, oy: usize, ox: usize) -> String {
        let vals: Vec<f64> = self
            .window(oy, ox)
            .iter()
            .map(|&(y, x)| self.input.at(y, x))
            .collect();
        let n = vals.len();
        let v = num(self.value_of(self.kind, oy, ox));
        let list: Vec<String> = vals.iter().map(|x| num(*x)).collect();
        match self.kind {
            PoolKind::Max => format!("max({}) = {v}", list.join(", ")),
            PoolKind::Average => format!("({}) / {n} = {v}", list.join(" + ")),
            PoolKind::L2 => {
                let sq: Vec<String> = vals.iter().map(|x| format!("{}²", factor(*x))).collect();
                format!("√(({}) / {n}) = {v}", sq.join(" + "))
            }
        }
    }
}
