//! Shapes and shape inference: per layer output shape, parameter count and multiply-adds,
//! computed from the spec alone (no libtorch), with errors that name the layer.
use super::network::Network;
use super::LayerError;
use serde::{Deserialize, Serialize};
use std::fmt;

/// What the multiply-add counts include, said wherever they are shown.
pub const MACS_COUNTED: &str = "Multiply-adds (MACs) count convolution and linear layers, one per weight use, as thop and ptflops do and as the lecture's tables count operations. Element-wise work (activations, normalization, pooling, residual additions) is counted apart, as element-wise operations.";

/// The shape of one sample as it flows through the network (the batch dimension is implicit).
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Feature maps: channels × height × width.
    Map { c: usize, h: usize, w: usize },
    /// A flat vector of features.
    Flat(usize),
}

impl Shape {
    pub fn numel(&self) -> usize {
        match *self {
            Shape::Map { c, h, w } => c * h * w,
            Shape::Flat(n) => n,
        }
    }

    /// Channels for a map, features for a flat vector (what a norm or Dice layer is sized by).
    pub fn channels(&self) -> usize {
        match *self {
            Shape::Map { c, .. } => c,
            Shape::Flat(n) => n,
        }
    }

    /// The libtorch shape with a batch dimension in front.
    pub fn with_batch(&self, n: i64) -> Vec<i64> {
        match *self {
            Shape::Map { c, h, w } => vec![n, c as i64, h as i64, w as i64],
            Shape::Flat(f) => vec![n, f as i64],
        }
    }
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Map { c, h, w } => write!(f, "{c}×{h}×{w}"),
            Shape::Flat(n) => write!(f, "{n}"),
        }
    }
}

/// What a layer (or block) computes, as seen by shape inference.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Cost {
    pub params: usize,
    pub macs: usize,
    /// Element-wise operations per image, one per value touched: activations (1 per output),
    /// normalization (2: normalize, then scale and shift), pooling (one per window element),
    /// residual additions (1 per output). Dropout is the identity at inference: 0.
    pub elementwise: usize,
}

impl std::ops::Add for Cost {
    type Output = Cost;
    fn add(self, o: Cost) -> Cost {
        Cost {
            params: self.params + o.params,
            macs: self.macs + o.macs,
            elementwise: self.elementwise + o.elementwise,
        }
    }
}

impl std::ops::AddAssign for Cost {
    fn add_assign(&mut self, o: Cost) {
        *self = *self + o;
    }
}

/// One row of the model summary.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct LayerInfo {
    /// 1-based, as shown on layer cards and in error messages.
    pub index: usize,
    /// Short label such as "Conv2d 6@5×5" or "ReLU".
    pub label: String,
    pub output: Shape,
    pub params: usize,
    pub macs: usize,
    /// Element-wise operations per image (see [`Cost::elementwise`]).
    #[serde(default)]
    pub elementwise: usize,
}

/// Shape inference for a whole network.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct Summary {
    pub input: Shape,
    pub layers: Vec<LayerInfo>,
    pub total_params: usize,
    pub total_macs: usize,
    /// Element-wise operations per image, beside the multiply-adds.
    #[serde(default)]
    pub total_elementwise: usize,
    /// Activation memory of one forward pass per image (f32 outputs of every layer).
    pub activation_bytes_per_image: usize,
}

/// Why a network cannot be built. The texts are shown to users as they are.
#[derive(thiserror::Error, Clone, Debug, PartialEq)]
pub enum SpecError {
    #[error("layer {index} {kind}: {reason}")]
    Layer {
        index: usize,
        kind: String,
        reason: LayerError,
    },
    #[error("the network has no layers — add at least a Flatten and a Linear layer")]
    Empty,
    #[error("invalid input shape {c}×{h}×{w}: every dimension must be at least 1")]
    Input { c: usize, h: usize, w: usize },
    #[error(
        "the network ends with {shape} outputs but the data has {classes} classes — end with Flatten and Linear({classes})"
    )]
    Output { shape: String, classes: usize },
}

impl SpecError {
    /// The 1-based layer index the error is about, if any (the editor highlights that card).
    pub fn layer_index(&self) -> Option<usize> {
        match self {
            SpecError::Layer { index, .. } => Some(*index),
            _ => None,
        }
    }
}

/// Infers every layer's output shape, parameters and multiply-adds for `network`.
pub fn infer(network: &Network) -> Result<Summary, SpecError> {
    let summary = infer_layers(network)?;
    let last = summary
        .layers
        .last()
        .map(|l| l.output)
        .unwrap_or(summary.input);
    if last != Shape::Flat(network.classes) {
        return Err(SpecError::Output {
            shape: last.to_string(),
            classes: network.classes,
        });
    }
    Ok(summary)
}

/// Like [`infer`] but without requiring the output to match the class count: the editor shows
/// shapes of a network that is still being built.
pub fn infer_layers(network: &Network) -> Result<Summary, SpecError> {
    match infer_partial(network) {
        (summary, None) => Ok(summary),
        (_, Some(e)) => Err(e),
    }
}

/// Infers as far as possible: the rows of every layer before the first error, and the error.
pub fn infer_partial(network: &Network) -> (Summary, Option<SpecError>) {
    let i = network.input;
    let input = i.shape();
    let mut summary = Summary {
        input,
        layers: Vec::new(),
        total_params: 0,
        total_macs: 0,
        total_elementwise: 0,
        activation_bytes_per_image: input.numel() * 4,
    };
    if i.channels == 0 || i.height == 0 || i.width == 0 {
        let e = SpecError::Input {
            c: i.channels,
            h: i.height,
            w: i.width,
        };
        return (summary, Some(e));
    }
    if network.layers.is_empty() {
        return (summary, Some(SpecError::Empty));
    }
    let defaults = network.defaults();
    let mut shape = input;
    for (pos, layer) in network.layers.iter().enumerate() {
        let index = pos + 1;
        match layer.infer(shape, &defaults) {
            Ok((out, cost)) => {
                summary.activation_bytes_per_image += out.numel() * 4;
                summary.total_params += cost.params;
                summary.total_macs += cost.macs;
                summary.total_elementwise += cost.elementwise;
                summary.layers.push(LayerInfo {
                    index,
                    label: layer.label(&defaults),
                    output: out,
                    params: cost.params,
                    macs: cost.macs,
                    elementwise: cost.elementwise,
                });
                shape = out;
            }
            Err(reason) => {
                let e = SpecError::Layer {
                    index,
                    kind: layer.kind_name(&defaults),
                    reason,
                };
                return (summary, Some(e));
            }
        }
    }
    (summary, None)
}

/// Large numbers with thousands separators: 61,706.
pub fn thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Requires a feature map; the error explains what the layer needs.
pub(crate) fn expect_map(input: Shape, what: &str) -> Result<(usize, usize, usize), LayerError> {
    match input {
        Shape::Map { c, h, w } => Ok((c, h, w)),
        Shape::Flat(n) => Err(LayerError::NeedsMaps {
            what: what.to_string(),
            n,
        }),
    }
}

/// Output size of a sliding window along one axis, or the reason it does not fit.
/// A sliding window: kernel and padding per dimension (height, width).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Window {
    pub kernel: (usize, usize),
    pub stride: usize,
    pub padding: (usize, usize),
    pub dilation: usize,
    /// Round the output size up (PyTorch's `ceil_mode`): a last, partial window counts if it
    /// starts inside the input or its left padding, else it is dropped, as in PyTorch.
    pub ceil: bool,
}

/// Output size of one dimension, or None when the window does not fit.
fn window_len(
    len: usize,
    kernel: usize,
    stride: usize,
    pad: usize,
    dilation: usize,
    ceil: bool,
) -> Option<usize> {
    let eff = dilation * (kernel - 1) + 1;
    let padded = len + 2 * pad;
    if eff > padded {
        return None;
    }
    let span = padded - eff;
    let mut out = if ceil {
        span.div_ceil(stride) + 1
    } else {
        span / stride + 1
    };
    if ceil && (out - 1) * stride >= len + pad {
        out -= 1;
    }
    Some(out)
}

pub(crate) fn window_out2(
    size_hw: (usize, usize),
    win: Window,
    what: &str,
) -> Result<(usize, usize), LayerError> {
    let Window {
        kernel: (kh, kw),
        stride,
        padding: (pad_h, pad_w),
        dilation,
        ceil,
    } = win;
    let kernel = kh.min(kw);
    if kernel == 0 {
        return Err(LayerError::Zero(what.to_string()));
    }
    if stride == 0 {
        return Err(LayerError::Zero("stride".into()));
    }
    if dilation == 0 {
        return Err(LayerError::Zero("dilation".into()));
    }
    let (h, w) = size_hw;
    let out_h = window_len(h, kh, stride, pad_h, dilation, ceil);
    let out_w = window_len(w, kw, stride, pad_w, dilation, ceil);
    match (out_h, out_w) {
        (Some(oh), Some(ow)) => Ok((oh, ow)),
        _ => {
            let (eh, ew) = (dilation * (kh - 1) + 1, dilation * (kw - 1) + 1);
            let size = if eh == ew {
                eh.to_string()
            } else {
                format!("{eh}×{ew}")
            };
            let k = if dilation > 1 {
                format!("dilated {what} {size}")
            } else {
                format!("{what} {size}")
            };
            Err(LayerError::TooLarge {
                window: k,
                h: h + 2 * pad_h,
                w: w + 2 * pad_w,
            })
        }
    }
}
