//! Inception v2/v3's factorized module (Szegedy et al. 2016, "Rethinking the Inception
//! Architecture"): a 5×5 branch as two 3×3 convolutions (figure 5), or, with `n` > 1, each
//! n×n convolution as 1×n then n×1 (figure 6); branches concatenated; pooling is averaging.
use super::blocks::{
    block_rules, in_channels, no_formula, nonzero, BlockPlan, BranchPool, ConvUnit,
};
use super::rules::{LayerRules, Reach, Topic};
use super::{pytorch, Defaults, Follows, Norm};
use crate::activation::Activation;
use crate::shape::{Cost, Shape};
use crate::LayerError;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default)]
pub struct InceptionFactorized {
    /// The 1×1 branch.
    pub c1: usize,
    /// The single (3×3, or 1×n → n×1) branch: its 1×1 reduction and output.
    pub c3_reduce: usize,
    pub c3: usize,
    /// The double (two 3×3, or 1×n/n×1 twice) branch: its 1×1 reduction and output.
    pub c33_reduce: usize,
    pub c33: usize,
    /// The 3×3 average pooling branch's 1×1 projection.
    pub pool_proj: usize,
    /// 0: figure 5 (3×3 convolutions); n > 1: figure 6 (1×n and n×1, n = 7 at 17×17).
    pub n: usize,
    pub act: Option<Activation>,
    pub norm: Option<Norm>,
}

impl Default for InceptionFactorized {
    fn default() -> Self {
        InceptionFactorized {
            c1: 8,
            c3_reduce: 8,
            c3: 12,
            c33_reduce: 4,
            c33: 8,
            pool_proj: 4,
            n: 0,
            act: None,
            norm: None,
        }
    }
}

impl InceptionFactorized {
    pub fn out_channels(&self) -> usize {
        self.c1 + self.c3 + self.c33 + self.pool_proj
    }

    pub fn plan(&self, in_c: usize, d: &Defaults) -> BlockPlan {
        let norm = self.norm.unwrap_or(d.norm);
        let act = Some(self.act.unwrap_or(d.activation));
        // A "same"-padded kh×kw unit.
        let unit = |in_c, out_c, (kh, kw): (usize, usize)| ConvUnit {
            in_c,
            out_c,
            kernel: (kh, kw),
            stride: 1,
            padding: (kh / 2, kw / 2),
            norm,
            act,
        };
        let (r3, r33) = (self.c3_reduce, self.c33_reduce);
        let (single, double) = if self.n > 1 {
            let (row, col) = ((1, self.n), (self.n, 1));
            (
                vec![
                    unit(in_c, r3, (1, 1)),
                    unit(r3, r3, row),
                    unit(r3, self.c3, col),
                ],
                vec![
                    unit(in_c, r33, (1, 1)),
                    unit(r33, r33, col),
                    unit(r33, r33, row),
                    unit(r33, r33, col),
                    unit(r33, self.c33, row),
                ],
            )
        } else {
            (
                vec![unit(in_c, r3, (1, 1)), unit(r3, self.c3, (3, 3))],
                vec![
                    unit(in_c, r33, (1, 1)),
                    unit(r33, self.c33, (3, 3)),
                    unit(self.c33, self.c33, (3, 3)),
                ],
            )
        };
        BlockPlan::Concat {
            branches: vec![
                (BranchPool::None, vec![unit(in_c, self.c1, (1, 1))]),
                (BranchPool::None, single),
                (BranchPool::None, double),
                (BranchPool::Avg, vec![unit(in_c, self.pool_proj, (1, 1))]),
            ],
        }
    }

    pub(crate) fn infer(&self, input: Shape, d: &Defaults) -> Result<(Shape, Cost), LayerError> {
        nonzero(&[
            ("c1", self.c1),
            ("c3_reduce", self.c3_reduce),
            ("c3", self.c3),
            ("c33_reduce", self.c33_reduce),
            ("c33", self.c33),
            ("pool_proj", self.pool_proj),
        ])?;
        if self.n == 1 || (self.n > 1 && self.n.is_multiple_of(2)) {
            return Err(LayerError::InceptionN(self.n));
        }
        self.plan(in_channels(input)?, d).infer(input)
    }
}

block_rules!(InceptionFactorized, "InceptionV3", "inception3",
    label: |b| if b.n > 1 {
        format!("InceptionV3 {} (1×{n}, {n}×1)", b.out_channels(), n = b.n)
    } else {
        format!("InceptionV3 {} (3×3+3×3)", b.out_channels())
    },
    plan: |b, in_c, d| Ok(b.plan(in_c, d)),
    // 1×1, then 1×n, n×1, 1×n, n×1 on the longest branch; 1×1, 3×3, 3×3 unfactorized.
    depth: |b| if b.n > 1 { 5 } else { 3 },
    explain: no_formula);
