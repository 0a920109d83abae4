//! The layer palette as plain data, one file per layer family. Each family infers its own
//! output shape and cost; the engine builds the same structure with libtorch.
mod aux;
mod blocks;
mod conv;
mod dense;
mod follows;
mod inception_v3;
mod norm;
mod pool;

pub use aux::{AuxClassifier, AuxPlan};
pub use blocks::{BlockPlan, Bottleneck, BranchPool, ConvUnit, Inception, NiN, Residual};
pub use conv::{Conv2d, Padding};
pub use dense::{Dropout, Linear};
pub use follows::Follows;
pub use inception_v3::InceptionFactorized;
pub use norm::{ActivationLayer, Lrn, Norm, NormLayer};
pub use pool::Pool;

use super::activation::Activation;
use super::shape::{Cost, Shape};
use crate::LayerError;
use serde::{Deserialize, Serialize};

/// Weight initialization.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Init {
    /// Uniform in [−1/fan-in, 1/fan-in], as in the lecture's "randomly initialized filter".
    Uniform,
    /// MSRA / Kaiming normal: zero mean, variance 2/(k·k·d).
    #[default]
    Msra,
    /// Xavier / Glorot uniform: U(±√(6/(fan-in + fan-out))).
    Xavier,
}

impl Init {
    pub const ALL: [Init; 3] = [Init::Uniform, Init::Msra, Init::Xavier];
    pub fn name(&self) -> &'static str {
        match self {
            Init::Uniform => "Uniform ±1/fan-in",
            Init::Msra => "MSRA (Kaiming normal)",
            Init::Xavier => "Xavier (Glorot uniform)",
        }
    }
}

/// The network-wide choices that layers follow unless they override them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Defaults {
    pub activation: Activation,
    pub norm: Norm,
    pub init: Init,
    /// The network's classes (auxiliary classifiers end in them).
    pub classes: usize,
}

/// One entry of the layer stack. `LayerKind` names the kinds without their parameters
/// (`LayerKind::iter()` lists every kind, for the tests that must cover them all).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, strum::EnumDiscriminants)]
#[strum_discriminants(name(LayerKind), derive(strum::EnumIter, Hash, PartialOrd, Ord))]
pub enum Layer {
    Conv2d(Conv2d),
    MaxPool(Pool),
    AvgPool(Pool),
    /// Power-average pooling with p = 2: √(mean of squares) over each window.
    L2Pool(Pool),
    /// Averages each feature map to one number; outputs a flat vector of channels.
    GlobalAvgPool,
    /// The maximum of each feature map; outputs a flat vector of channels.
    GlobalMaxPool,
    Flatten,
    Linear(Linear),
    Dropout(Dropout),
    Dropout2d(Dropout),
    Norm(NormLayer),
    /// Local response normalization across channels (AlexNet).
    Lrn(Lrn),
    Activation(ActivationLayer),
    Residual(Residual),
    Bottleneck(Bottleneck),
    Inception(Inception),
    /// Inception v2/v3's factorized module.
    InceptionV3(InceptionFactorized),
    NiN(NiN),
    /// GoogLeNet's auxiliary classifier: a head on this feature map, trained, not evaluated.
    AuxClassifier(AuxClassifier),
}

impl Layer {
    /// The kind as named in errors and the palette; norm and activation layers show what
    /// they resolve to.
    pub fn kind_name(&self, d: &Defaults) -> String {
        match self {
            Layer::Conv2d(_) => "Conv2d".into(),
            Layer::MaxPool(_) => "MaxPool".into(),
            Layer::AvgPool(_) => "AvgPool".into(),
            Layer::L2Pool(_) => "L2Pool".into(),
            Layer::GlobalAvgPool => "GlobalAvgPool".into(),
            Layer::GlobalMaxPool => "GlobalMaxPool".into(),
            Layer::Flatten => "Flatten".into(),
            Layer::Linear(_) => "Linear".into(),
            Layer::Dropout(_) => "Dropout".into(),
            Layer::Dropout2d(_) => "Dropout2d".into(),
            Layer::Norm(n) => n.resolve(d).layer_name().into(),
            Layer::Lrn(_) => "LRN".into(),
            Layer::Activation(a) => a.resolve(d).name().into(),
            Layer::Residual(_) => "Residual".into(),
            Layer::Bottleneck(_) => "Bottleneck".into(),
            Layer::Inception(_) => "Inception".into(),
            Layer::InceptionV3(_) => "InceptionV3".into(),
            Layer::AuxClassifier(_) => "AuxClassifier".into(),
            Layer::NiN(_) => "NiN".into(),
        }
    }

    /// A short label with the defining numbers, e.g. "Conv2d 6@5×5".
    pub fn label(&self, d: &Defaults) -> String {
        match self {
            Layer::Conv2d(c) => {
                let (kh, kw) = c.kernel2();
                format!("Conv2d {}@{kh}×{kw}", c.out_channels)
            }
            Layer::MaxPool(p) | Layer::AvgPool(p) | Layer::L2Pool(p) => {
                let (kh, kw) = p.kernel2();
                format!("{} {kh}×{kw}", self.kind_name(d))
            }
            Layer::Linear(l) => format!("Linear {}", l.out_features),
            Layer::Dropout(p) | Layer::Dropout2d(p) => format!("{} {}", self.kind_name(d), p.p),
            Layer::Residual(r) => format!("Residual {}", r.out_channels),
            Layer::Bottleneck(b) => format!("Bottleneck {}->{}", b.mid_channels, b.out_channels),
            Layer::Inception(i) => format!("Inception {}", i.out_channels()),
            Layer::InceptionV3(i) if i.n > 1 => {
                format!("InceptionV3 {} (1×{n}, {n}×1)", i.out_channels(), n = i.n)
            }
            Layer::InceptionV3(i) => format!("InceptionV3 {} (3×3+3×3)", i.out_channels()),
            Layer::AuxClassifier(a) => format!("Aux head ×{} (branch)", a.weight),
            Layer::NiN(n) => format!("NiN {}@{}×{}", n.out_channels, n.kernel, n.kernel),
            // The name says it all (norm and activation layers: what they resolve to).
            Layer::GlobalAvgPool
            | Layer::GlobalMaxPool
            | Layer::Flatten
            | Layer::Norm(_)
            | Layer::Lrn(_)
            | Layer::Activation(_) => self.kind_name(d),
        }
    }

    pub fn kind(&self) -> LayerKind {
        LayerKind::from(self)
    }

    /// Whether the layer works on each position (each value, or each channel's values) on its
    /// own, keeping the shape: "explain this number" looks through these to the convolution
    /// before them.
    pub fn is_per_position(&self) -> bool {
        match self {
            Layer::Norm(_) | Layer::Activation(_) | Layer::Dropout(_) | Layer::Dropout2d(_) => true,
            Layer::Conv2d(_)
            | Layer::MaxPool(_)
            | Layer::AvgPool(_)
            | Layer::L2Pool(_)
            | Layer::GlobalAvgPool
            | Layer::GlobalMaxPool
            | Layer::Flatten
            | Layer::Linear(_)
            | Layer::Lrn(_)
            | Layer::Residual(_)
            | Layer::Bottleneck(_)
            | Layer::Inception(_)
            | Layer::InceptionV3(_)
            | Layer::NiN(_)
            | Layer::AuxClassifier(_) => false,
        }
    }

    /// A short prefix for libtorch variable paths ("03_conv2d").
    pub fn path_name(&self) -> &'static str {
        match self {
            Layer::Conv2d(_) => "conv2d",
            Layer::MaxPool(_) => "maxpool",
            Layer::AvgPool(_) => "avgpool",
            Layer::L2Pool(_) => "l2pool",
            Layer::GlobalAvgPool => "gap",
            Layer::GlobalMaxPool => "gmp",
            Layer::Flatten => "flatten",
            Layer::Linear(_) => "linear",
            Layer::Dropout(_) => "dropout",
            Layer::Dropout2d(_) => "dropout2d",
            Layer::Norm(_) => "norm",
            Layer::Lrn(_) => "lrn",
            Layer::Activation(_) => "act",
            Layer::Residual(_) => "residual",
            Layer::Bottleneck(_) => "bottleneck",
            Layer::Inception(_) => "inception",
            Layer::InceptionV3(_) => "inception3",
            Layer::AuxClassifier(_) => "aux",
            Layer::NiN(_) => "nin",
        }
    }

    /// The activation this layer ends with, if its output is an activation's output
    /// (activation layers and blocks): these are the layers whose statistics are probed.
    pub fn output_activation(&self, d: &Defaults) -> Option<Activation> {
        self.activation_setting().map(|a| a.unwrap_or(d.activation))
    }

    pub(crate) fn infer(&self, input: Shape, d: &Defaults) -> Result<(Shape, Cost), LayerError> {
        match self {
            Layer::Conv2d(c) => c.infer(input),
            Layer::MaxPool(p) => p.infer(input, "max pooling"),
            Layer::AvgPool(p) => p.infer(input, "average pooling"),
            Layer::L2Pool(p) => p.infer(input, "L2 pooling"),
            Layer::GlobalAvgPool => pool::global_infer(input, "global average pooling"),
            Layer::GlobalMaxPool => pool::global_infer(input, "global max pooling"),
            Layer::Flatten => Ok((Shape::Flat(input.numel()), Cost::default())),
            Layer::Linear(l) => l.infer(input),
            Layer::Dropout(p) => p.infer(input, false),
            Layer::Dropout2d(p) => p.infer(input, true),
            Layer::Norm(n) => n.resolve(d).infer(input),
            Layer::Lrn(l) => l.infer(input),
            Layer::Activation(a) => a.infer(input, d),
            Layer::Residual(b) => b.infer(input, d),
            Layer::Bottleneck(b) => b.infer(input, d),
            Layer::Inception(b) => b.infer(input, d),
            Layer::InceptionV3(b) => b.infer(input, d),
            Layer::AuxClassifier(a) => a.infer(input, d),
            Layer::NiN(b) => b.infer(input, d),
        }
    }

    /// The palette: every kind with default parameters, grouped, each with its name and a
    /// one-line explanation in the lecture's terms.
    pub fn palette() -> Vec<PaletteGroup> {
        let norm = |kind| Layer::Norm(NormLayer { kind: Some(kind) });
        vec![
            PaletteGroup {
                name: "Convolution",
                items: vec![
                    item("Conv2d", Layer::Conv2d(Conv2d::default()), "slides learned k×k filters over the input: local connections, shared weights"),
                    item("1×1 Conv", Layer::Conv2d(Conv2d::pointwise(16)), "mixes channels at each pixel; a cheap way to shrink or grow depth"),
                ],
            },
            PaletteGroup {
                name: "Pooling",
                items: vec![
                    item("MaxPool", Layer::MaxPool(Pool::default()), "keeps the strongest response in each window; shift-tolerant, no parameters"),
                    item("AvgPool", Layer::AvgPool(Pool::default()), "averages each window; smooths and downsamples, no parameters"),
                    item("L2Pool", Layer::L2Pool(Pool::default()), "square root of the mean of squares in each window: between average and max pooling"),
                    item("GlobalAvgPool", Layer::GlobalAvgPool, "averages each whole feature map to one number; replaces big dense layers"),
                    item("GlobalMaxPool", Layer::GlobalMaxPool, "keeps each feature map's strongest response anywhere: one number per channel"),
                ],
            },
            PaletteGroup {
                name: "Normalization",
                items: vec![
                    item("BatchNorm", norm(Norm::Batch), "normalizes each channel over the batch, then scales and shifts; running statistics at test time (PyTorch: nn.BatchNorm2d / BatchNorm1d)"),
                    item("LayerNorm", norm(Norm::Layer), "normalizes each sample over all its features; no dependence on the batch; a scale and shift per channel (PyTorch: nn.GroupNorm(1, C); on flat features nn.LayerNorm)"),
                    item("InstanceNorm", norm(Norm::Instance), "normalizes each channel of each sample on its own; removes contrast (PyTorch: nn.GroupNorm(C, C), i.e. InstanceNorm2d(affine=True) without running statistics)"),
                    item("GroupNorm", norm(Norm::Group { groups: 4 }), "normalizes groups of channels per sample; works with any batch size (PyTorch: nn.GroupNorm(groups, C))"),
                    item("DecorrelatedBN", norm(Norm::Decorrelated { group: 16 }), "whitens groups of channels with Σ^(−1/2) of the batch covariance: removes correlations, not just scale (Huang et al. 2018)"),
                    item("LRN", Layer::Lrn(Lrn::default()), "AlexNet's local response normalization: divides by the energy of neighbouring channels at each position"),
                ],
            },
            PaletteGroup {
                name: "Activation",
                items: vec![item("Activation", Layer::Activation(ActivationLayer { act: None }), "the non-linearity; follows the network-wide choice unless set on its card")],
            },
            PaletteGroup {
                name: "Regularization",
                items: vec![
                    item("Dropout", Layer::Dropout(Dropout::default()), "zeroes random units while training so that no unit can be relied on alone"),
                    item("Dropout2d", Layer::Dropout2d(Dropout::default()), "zeroes whole random feature maps while training"),
                ],
            },
            PaletteGroup {
                name: "Blocks",
                items: vec![
                    item("Residual", Layer::Residual(Residual::default()), "two 3×3 convs plus a shortcut: learns a residual, so gradients flow through deep nets"),
                    item("Bottleneck", Layer::Bottleneck(Bottleneck::default()), "1×1 reduce, 3×3, 1×1 expand, with a shortcut: deep and cheap"),
                    item("Inception", Layer::Inception(Inception::default()), "parallel 1×1, 3×3, 5×5 and pooling branches, concatenated: several scales at once"),
                    item("InceptionV3", Layer::InceptionV3(InceptionFactorized::default()), "Inception with factorized filters: 5×5 as two 3×3, or n×n as 1×n then n×1 — fewer weights, same receptive field"),
                    item("AuxClassifier", Layer::AuxClassifier(AuxClassifier::default()), "GoogLeNet's auxiliary head: a small classifier on this feature map whose loss (× weight) helps train the early layers; ignored at test time"),
                    item("NiN", Layer::NiN(NiN::default()), "mlpconv: a conv followed by two 1×1 convs, a tiny MLP at every pixel"),
                ],
            },
            PaletteGroup {
                name: "Dense",
                items: vec![
                    item("Flatten", Layer::Flatten, "unrolls feature maps into one vector for the dense layers"),
                    item("Linear", Layer::Linear(Linear::default()), "fully connected: every output sees every input"),
                ],
            },
        ]
    }
}

/// A group of the layer palette.
pub struct PaletteGroup {
    pub name: &'static str,
    pub items: Vec<PaletteItem>,
}

pub struct PaletteItem {
    pub name: &'static str,
    pub layer: Layer,
    pub explain: &'static str,
}

fn item(name: &'static str, layer: Layer, explain: &'static str) -> PaletteItem {
    PaletteItem {
        name,
        layer,
        explain,
    }
}
