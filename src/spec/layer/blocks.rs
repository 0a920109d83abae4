//! Blocks: residual, bottleneck, inception and NiN. Each block describes itself as a
//! [`BlockPlan`] of conv units; shape inference and the engine both walk that plan, so what is
//! counted is exactly what is built.
use super::conv::{conv_cost, Padding};
use super::rules::{thousands, LayerRules, Reach, Topic};
use super::{pytorch, Defaults, Follows, Norm};
use crate::activation::Activation;
use crate::shape::{expect_map, window_out2, Cost, Shape, Window};
use crate::LayerError;
use serde::{Deserialize, Serialize};

/// conv → norm → activation (activation optional). The conv has a bias only without norm.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ConvUnit {
    pub in_c: usize,
    pub out_c: usize,
    /// (height, width).
    pub kernel: (usize, usize),
    pub stride: usize,
    /// (above/below, left/right).
    pub padding: (usize, usize),
    pub norm: Norm,
    pub act: Option<Activation>,
}

impl ConvUnit {
    pub fn bias(&self) -> bool {
        self.norm == Norm::Off
    }

    pub(super) fn infer(&self, (h, w): (usize, usize)) -> Result<(Shape, Cost), LayerError> {
        let win = Window {
            kernel: self.kernel,
            stride: self.stride,
            padding: self.padding,
            dilation: 1,
            ceil: false,
        };
        let (oh, ow) = window_out2((h, w), win, "kernel")?;
        let (shape, mut cost) =
            conv_cost(self.in_c, self.out_c, self.kernel, 1, self.bias(), (oh, ow));
        cost += self.norm.infer(shape)?.1;
        if let Some(a) = self.act {
            cost.params += a.params(self.out_c);
            cost.elementwise += shape.numel();
        }
        Ok((shape, cost))
    }
}

/// The pooling a concatenated branch starts with: 3×3, stride 1, padding 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BranchPool {
    None,
    Max,
    /// Average (padding counted), as Inception v3's modules.
    Avg,
}

/// The structure of a block.
#[derive(Clone, Debug, PartialEq)]
pub enum BlockPlan {
    /// Units in sequence, plus a shortcut (None: identity) added before the final activation.
    Residual {
        main: Vec<ConvUnit>,
        shortcut: Option<ConvUnit>,
        act: Activation,
        out_c: usize,
    },
    /// Branches concatenated along channels; a branch may start with 3×3 pooling (stride 1).
    Concat {
        branches: Vec<(BranchPool, Vec<ConvUnit>)>,
    },
    /// Units in sequence.
    Sequence(Vec<ConvUnit>),
}

fn run_units(units: &[ConvUnit], hw: (usize, usize)) -> Result<(Shape, Cost), LayerError> {
    let mut cost = Cost::default();
    let mut hw = hw;
    let mut shape = Shape::Flat(0);
    for u in units {
        let (s, c) = u.infer(hw)?;
        if let Shape::Map { h, w, .. } = s {
            hw = (h, w);
        }
        shape = s;
        cost += c;
    }
    Ok((shape, cost))
}

impl BlockPlan {
    pub fn infer(&self, input: Shape) -> Result<(Shape, Cost), LayerError> {
        let (_, h, w) = expect_map(input, "this block")?;
        match self {
            BlockPlan::Residual {
                main,
                shortcut,
                act,
                out_c,
            } => {
                let (shape, mut cost) = run_units(main, (h, w))?;
                if let Some(s) = shortcut {
                    cost += s.infer((h, w))?.1;
                } else if shape != input {
                    return Err(LayerError::Shortcut {
                        input: input.to_string(),
                        output: shape.to_string(),
                    });
                }
                cost.params += act.params(*out_c);
                // The addition, then the activation after it.
                cost.elementwise += 2 * shape.numel();
                Ok((shape, cost))
            }
            BlockPlan::Concat { branches } => {
                let mut cost = Cost::default();
                let mut channels = 0;
                for (pool, units) in branches {
                    let (s, c) = run_units(units, (h, w))?;
                    channels += s.channels();
                    cost += c;
                    if *pool != BranchPool::None {
                        // 3×3 pooling, stride 1, over the block's input.
                        cost.elementwise += 9 * input.numel();
                    }
                }
                Ok((Shape::Map { c: channels, h, w }, cost))
            }
            BlockPlan::Sequence(units) => run_units(units, (h, w)),
        }
    }
}

pub(super) fn nonzero(values: &[(&str, usize)]) -> Result<(), LayerError> {
    for (name, v) in values {
        if *v == 0 {
            return Err(LayerError::Zero(name.to_string()));
        }
    }
    Ok(())
}

pub(super) fn in_channels(input: Shape) -> Result<usize, LayerError> {
    Ok(expect_map(input, "this block")?.0)
}

/// Two 3×3 conv units and a shortcut: identity, or a strided 1×1 projection when the shape
/// changes.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default)]
pub struct Residual {
    pub out_channels: usize,
    pub stride: usize,
    pub act: Option<Activation>,
    pub norm: Option<Norm>,
}

impl Default for Residual {
    fn default() -> Self {
        Residual {
            out_channels: 16,
            stride: 1,
            act: None,
            norm: None,
        }
    }
}

impl Residual {
    pub fn plan(&self, in_c: usize, d: &Defaults) -> BlockPlan {
        let norm = self.norm.unwrap_or(d.norm);
        let act = self.act.unwrap_or(d.activation);
        let out = self.out_channels;
        let unit = |in_c, out_c, kernel, stride, padding, act| ConvUnit {
            in_c,
            out_c,
            kernel: (kernel, kernel),
            stride,
            padding: (padding, padding),
            norm,
            act,
        };
        BlockPlan::Residual {
            main: vec![
                unit(in_c, out, 3, self.stride, 1, Some(act)),
                unit(out, out, 3, 1, 1, None),
            ],
            shortcut: (self.stride != 1 || in_c != out)
                .then(|| unit(in_c, out, 1, self.stride, 0, None)),
            act,
            out_c: out,
        }
    }

    pub(crate) fn infer(&self, input: Shape, d: &Defaults) -> Result<(Shape, Cost), LayerError> {
        nonzero(&[("out_channels", self.out_channels), ("stride", self.stride)])?;
        self.plan(in_channels(input)?, d).infer(input)
    }
}

/// 1×1 reduce → 3×3 → 1×1 expand, with a shortcut (projection when the shape changes).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default)]
pub struct Bottleneck {
    pub mid_channels: usize,
    pub out_channels: usize,
    pub stride: usize,
    pub act: Option<Activation>,
    pub norm: Option<Norm>,
}

impl Default for Bottleneck {
    fn default() -> Self {
        Bottleneck {
            mid_channels: 8,
            out_channels: 32,
            stride: 1,
            act: None,
            norm: None,
        }
    }
}

impl Bottleneck {
    pub fn plan(&self, in_c: usize, d: &Defaults) -> BlockPlan {
        let norm = self.norm.unwrap_or(d.norm);
        let act = self.act.unwrap_or(d.activation);
        let (mid, out) = (self.mid_channels, self.out_channels);
        let unit = |in_c, out_c, kernel, stride, padding, act| ConvUnit {
            in_c,
            out_c,
            kernel: (kernel, kernel),
            stride,
            padding: (padding, padding),
            norm,
            act,
        };
        BlockPlan::Residual {
            main: vec![
                unit(in_c, mid, 1, 1, 0, Some(act)),
                unit(mid, mid, 3, self.stride, 1, Some(act)),
                unit(mid, out, 1, 1, 0, None),
            ],
            shortcut: (self.stride != 1 || in_c != out)
                .then(|| unit(in_c, out, 1, self.stride, 0, None)),
            act,
            out_c: out,
        }
    }

    pub(crate) fn infer(&self, input: Shape, d: &Defaults) -> Result<(Shape, Cost), LayerError> {
        nonzero(&[
            ("mid_channels", self.mid_channels),
            ("out_channels", self.out_channels),
            ("stride", self.stride),
        ])?;
        self.plan(in_channels(input)?, d).infer(input)
    }
}

/// GoogLeNet's module: 1×1 | 1×1→3×3 | 1×1→5×5 | 3×3 max pool→1×1, concatenated.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default)]
pub struct Inception {
    pub c1: usize,
    pub c3_reduce: usize,
    pub c3: usize,
    pub c5_reduce: usize,
    pub c5: usize,
    pub pool_proj: usize,
    pub act: Option<Activation>,
    pub norm: Option<Norm>,
}

impl Default for Inception {
    fn default() -> Self {
        Inception {
            c1: 8,
            c3_reduce: 8,
            c3: 16,
            c5_reduce: 4,
            c5: 4,
            pool_proj: 4,
            act: None,
            norm: None,
        }
    }
}

impl Inception {
    pub fn out_channels(&self) -> usize {
        self.c1 + self.c3 + self.c5 + self.pool_proj
    }

    pub fn plan(&self, in_c: usize, d: &Defaults) -> BlockPlan {
        let norm = self.norm.unwrap_or(d.norm);
        let act = Some(self.act.unwrap_or(d.activation));
        let unit = |in_c, out_c, kernel: usize| ConvUnit {
            in_c,
            out_c,
            kernel: (kernel, kernel),
            stride: 1,
            padding: (kernel / 2, kernel / 2),
            norm,
            act,
        };
        BlockPlan::Concat {
            branches: vec![
                (BranchPool::None, vec![unit(in_c, self.c1, 1)]),
                (
                    BranchPool::None,
                    vec![
                        unit(in_c, self.c3_reduce, 1),
                        unit(self.c3_reduce, self.c3, 3),
                    ],
                ),
                (
                    BranchPool::None,
                    vec![
                        unit(in_c, self.c5_reduce, 1),
                        unit(self.c5_reduce, self.c5, 5),
                    ],
                ),
                (BranchPool::Max, vec![unit(in_c, self.pool_proj, 1)]),
            ],
        }
    }

    pub(crate) fn infer(&self, input: Shape, d: &Defaults) -> Result<(Shape, Cost), LayerError> {
        nonzero(&[
            ("c1", self.c1),
            ("c3_reduce", self.c3_reduce),
            ("c3", self.c3),
            ("c5_reduce", self.c5_reduce),
            ("c5", self.c5),
            ("pool_proj", self.pool_proj),
        ])?;
        self.plan(in_channels(input)?, d).infer(input)
    }
}

/// Network-in-network mlpconv: a k×k conv then two 1×1 convs, each with its activation.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq)]
#[serde(default)]
pub struct NiN {
    pub out_channels: usize,
    pub kernel: usize,
    pub stride: usize,
    pub padding: Padding,
    pub act: Option<Activation>,
    pub norm: Option<Norm>,
}

impl Default for NiN {
    fn default() -> Self {
        NiN {
            out_channels: 32,
            kernel: 3,
            stride: 1,
            padding: Padding::Same,
            act: None,
            norm: None,
        }
    }
}

impl NiN {
    pub fn plan(&self, in_c: usize, d: &Defaults) -> Result<BlockPlan, LayerError> {
        let norm = self.norm.unwrap_or(d.norm);
        let act = Some(self.act.unwrap_or(d.activation));
        let out = self.out_channels;
        let padding = self.padding.resolve(self.kernel, 1)?;
        let unit = |in_c, kernel, stride, padding| ConvUnit {
            in_c,
            out_c: out,
            kernel: (kernel, kernel),
            stride,
            padding: (padding, padding),
            norm,
            act,
        };
        Ok(BlockPlan::Sequence(vec![
            unit(in_c, self.kernel, self.stride, padding),
            unit(out, 1, 1, 0),
            unit(out, 1, 1, 0),
        ]))
    }

    pub(crate) fn infer(&self, input: Shape, d: &Defaults) -> Result<(Shape, Cost), LayerError> {
        nonzero(&[
            ("out_channels", self.out_channels),
            ("kernel", self.kernel),
            ("stride", self.stride),
        ])?;
        self.plan(in_channels(input)?, d)?.infer(input)
    }
}

/// A block's rules: everything follows from its plan but for its label, depth and the cost it
/// explains. `$plan` is `|block, in_c, d| -> Result<BlockPlan, LayerError>`.
macro_rules! block_rules {
    ($name:ident, $kind:literal, $path:literal, label: $label:expr, plan: $plan:expr, depth: $depth:expr, explain: $explain:expr) => {
        impl LayerRules for $name {
            fn kind_name(&self, _: &Defaults) -> String {
                $kind.into()
            }
            fn label(&self, _: &Defaults) -> String {
                let label: fn(&$name) -> String = $label;
                label(self)
            }
            fn path_name(&self) -> &'static str {
                $path
            }
            fn is_per_position(&self) -> bool {
                false
            }
            fn infer(&self, input: Shape, d: &Defaults) -> Result<(Shape, Cost), LayerError> {
                $name::infer(self, input, d)
            }
            fn explain_cost(&self, input: Shape, output: Shape, _: &Defaults) -> Vec<String> {
                let explain: fn(&$name, Shape, Shape) -> Vec<String> = $explain;
                explain(self, input, output)
            }
            fn reach(&self, in_c: usize, d: &Defaults) -> Result<Reach, LayerError> {
                let plan: fn(&$name, usize, &Defaults) -> Result<BlockPlan, LayerError> = $plan;
                plan(self, in_c, d).map(Reach::Plan)
            }
            fn weight_depth(&self) -> usize {
                let depth: fn(&$name) -> usize = $depth;
                depth(self)
            }
            fn follows(&mut self) -> Follows<'_> {
                Follows::block(&mut self.act, &mut self.norm)
            }
            fn pytorch(&self, input: Shape, d: &Defaults, pad: &str) -> Result<String, LayerError> {
                let plan: fn(&$name, usize, &Defaults) -> Result<BlockPlan, LayerError> = $plan;
                Ok(pytorch::block(
                    &plan(self, input.channels(), d)?,
                    d.init,
                    pad,
                ))
            }
            fn topic(&self) -> Option<Topic> {
                None
            }
        }
    };
}
pub(super) use block_rules;

/// Explained by the units the editor lists.
pub(super) fn no_formula<B>(_: &B, _: Shape, _: Shape) -> Vec<String> {
    Vec::new()
}

block_rules!(Residual, "Residual", "residual",
    label: |b| format!("Residual {}", b.out_channels),
    plan: |b, in_c, d| Ok(b.plan(in_c, d)),
    depth: |_| 2,
    explain: no_formula);
block_rules!(Bottleneck, "Bottleneck", "bottleneck",
    label: |b| format!("Bottleneck {}->{}", b.mid_channels, b.out_channels),
    plan: |b, in_c, d| Ok(b.plan(in_c, d)),
    depth: |_| 3,
    explain: |b, input, _| b.explain_weights(input.channels()));
block_rules!(Inception, "Inception", "inception",
    label: |b| format!("Inception {}", b.out_channels()),
    plan: |b, in_c, d| Ok(b.plan(in_c, d)),
    depth: |_| 2,
    explain: no_formula);
block_rules!(NiN, "NiN", "nin",
    label: |b| format!("NiN {}@{}×{}", b.out_channels, b.kernel, b.kernel),
    plan: |b, in_c, d| b.plan(in_c, d),
    depth: |_| 3,
    explain: no_formula);

impl Bottleneck {
    /// The lecture's 70K vs 600K: the block's weights against one 3×3 conv doing the same.
    fn explain_weights(&self, in_c: usize) -> Vec<String> {
        let (c, m, o) = (in_c, self.mid_channels, self.out_channels);
        let weights = c * m + 9 * m * m + m * o;
        let plain = 9 * c * o;
        vec![
            format!(
                "weights: 1×1 reduce + 3×3 + 1×1 expand = c·d + 3·3·d² + d·c' = {c}·{m} + 9·{m}² + {m}·{o} = {}",
                thousands(weights)
            ),
            format!(
                "a 3×3 conv from {c} to {o} channels instead: 3·3·{c}·{o} = {} weights — {:.1}× more (the lecture: c = 256, d = 64 gives 70K vs 600K)",
                thousands(plain),
                plain as f64 / weights.max(1) as f64
            ),
        ]
    }
}
