//! The layer palette as plain data, one file per layer family: each kind's type implements
//! [`LayerRules`] there (shape, cost, receptive field, export, …); the engine builds the same
//! structure with libtorch.
mod aux;
mod blocks;
mod conv;
mod dense;
mod follows;
mod inception_v3;
mod norm;
mod pool;

pub(crate) mod pytorch;
mod rules;

pub use aux::{AuxClassifier, AuxPlan};
pub use blocks::{BlockPlan, Bottleneck, BranchPool, ConvUnit, Inception, NiN, Residual};
pub use conv::{Conv2d, Padding};
pub use dense::{Dropout, Dropout2d, Flatten, Linear};
pub use follows::Follows;
pub use inception_v3::InceptionFactorized;
pub use norm::{ActivationLayer, Lrn, Norm, NormLayer};
pub use pool::{AvgPool, GlobalAvgPool, GlobalMaxPool, L2Pool, MaxPool, Pool};
pub use rules::{LayerRules, Reach, Topic};

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

/// One entry of the layer stack: each kind's rules are its type's [`LayerRules`], in its
/// family's file. `LayerKind` names the kinds without their parameters (`LayerKind::iter()`
/// lists every kind, for the tests that must cover them all).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, strum::EnumDiscriminants)]
#[strum_discriminants(name(LayerKind), derive(strum::EnumIter, Hash, PartialOrd, Ord))]
pub enum Layer {
    Conv2d(Conv2d),
    MaxPool(MaxPool),
    AvgPool(AvgPool),
    /// Power-average pooling with p = 2: √(mean of squares) over each window.
    L2Pool(L2Pool),
    /// Averages each feature map to one number; outputs a flat vector of channels.
    GlobalAvgPool,
    /// The maximum of each feature map; outputs a flat vector of channels.
    GlobalMaxPool,
    Flatten,
    Linear(Linear),
    Dropout(Dropout),
    Dropout2d(Dropout2d),
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
    /// The kind's rules (the parameterless kinds are values of their zero-sized types).
    pub fn rules(&self) -> &dyn LayerRules {
        match self {
            Layer::Conv2d(x) => x,
            Layer::MaxPool(x) => x,
            Layer::AvgPool(x) => x,
            Layer::L2Pool(x) => x,
            Layer::GlobalAvgPool => &GlobalAvgPool,
            Layer::GlobalMaxPool => &GlobalMaxPool,
            Layer::Flatten => &Flatten,
            Layer::Linear(x) => x,
            Layer::Dropout(x) => x,
            Layer::Dropout2d(x) => x,
            Layer::Norm(x) => x,
            Layer::Lrn(x) => x,
            Layer::Activation(x) => x,
            Layer::Residual(x) => x,
            Layer::Bottleneck(x) => x,
            Layer::Inception(x) => x,
            Layer::InceptionV3(x) => x,
            Layer::NiN(x) => x,
            Layer::AuxClassifier(x) => x,
        }
    }

    /// The kind's rules, for the slots it follows. A zero-sized kind has no state to borrow:
    /// leaking a box of it allocates nothing.
    pub fn rules_mut(&mut self) -> &mut dyn LayerRules {
        match self {
            Layer::Conv2d(x) => x,
            Layer::MaxPool(x) => x,
            Layer::AvgPool(x) => x,
            Layer::L2Pool(x) => x,
            Layer::GlobalAvgPool => Box::leak(Box::new(GlobalAvgPool)),
            Layer::GlobalMaxPool => Box::leak(Box::new(GlobalMaxPool)),
            Layer::Flatten => Box::leak(Box::new(Flatten)),
            Layer::Linear(x) => x,
            Layer::Dropout(x) => x,
            Layer::Dropout2d(x) => x,
            Layer::Norm(x) => x,
            Layer::Lrn(x) => x,
            Layer::Activation(x) => x,
            Layer::Residual(x) => x,
            Layer::Bottleneck(x) => x,
            Layer::Inception(x) => x,
            Layer::InceptionV3(x) => x,
            Layer::NiN(x) => x,
            Layer::AuxClassifier(x) => x,
        }
    }

    /// The kind as named in errors and the palette; norm and activation layers show what
    /// they resolve to.
    pub fn kind_name(&self, d: &Defaults) -> String {
        self.rules().kind_name(d)
    }

    /// A short label with the defining numbers, e.g. "Conv2d 6@5×5".
    pub fn label(&self, d: &Defaults) -> String {
        self.rules().label(d)
    }

    pub fn kind(&self) -> LayerKind {
        LayerKind::from(self)
    }

    /// Whether the layer works on each position (each value, or each channel's values) on its
    /// own, keeping the shape: "explain this number" looks through these to the convolution
    /// before them.
    pub fn is_per_position(&self) -> bool {
        self.rules().is_per_position()
    }

    /// A short prefix for libtorch variable paths ("03_conv2d").
    pub fn path_name(&self) -> &'static str {
        self.rules().path_name()
    }

    /// The activation this layer ends with, if its output is an activation's output
    /// (activation layers and blocks): these are the layers whose statistics are probed.
    pub fn output_activation(&self, d: &Defaults) -> Option<Activation> {
        self.activation_setting().map(|a| a.unwrap_or(d.activation))
    }

    pub(crate) fn infer(&self, input: Shape, d: &Defaults) -> Result<(Shape, Cost), LayerError> {
        self.rules().infer(input, d)
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
                    item("MaxPool", Layer::MaxPool(MaxPool::default()), "keeps the strongest response in each window; shift-tolerant, no parameters"),
                    item("AvgPool", Layer::AvgPool(AvgPool::default()), "averages each window; smooths and downsamples, no parameters"),
                    item("L2Pool", Layer::L2Pool(L2Pool::default()), "square root of the mean of squares in each window: between average and max pooling"),
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
                    item("Dropout2d", Layer::Dropout2d(Dropout2d::default()), "zeroes whole random feature maps while training"),
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
