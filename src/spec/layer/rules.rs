//! Everything the workbench knows about one layer kind, as one trait each kind implements in its
//! family's file: its names, shape and cost inference with the formulas explained, its
//! receptive-field rule, what it takes from the network-wide choices, its depth in the zoo, its
//! PyTorch expression for export and its Learn topic. The methods have no defaults, so a new
//! kind is asked every question by the compiler, in its own file; the palette entry and the
//! `Layer` variant are the only other lines in this crate (`layer/mod.rs`).
use super::{BlockPlan, Defaults, Follows};
use crate::shape::{Cost, Shape};
use crate::LayerError;

/// How one layer grows the receptive field: r ← r + (k − 1)·d·j, j ← j·s.
#[derive(Clone, Debug, PartialEq)]
pub enum Reach {
    /// A window of `kernel` (the larger side), dilated by `dilation`, moved by `stride`, with
    /// `padding` zero rows above the input.
    Window {
        kernel: usize,
        dilation: usize,
        stride: usize,
        padding: usize,
    },
    /// A block: its widest path through these units.
    Plan(BlockPlan),
    /// Every input value (global pooling, flattening, dense layers).
    Whole,
    /// The field stays as it was (per-position layers, side branches).
    Same,
}

/// The Learn window's tab about a kind, where it has one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topic {
    Convolution,
    Pooling,
    Activations,
    Normalization,
}

/// A layer kind's rules. `d` is the network-wide choices the layer follows unless it sets its
/// own; `input` is the shape that reaches the layer.
pub trait LayerRules {
    /// The kind as named in errors and the palette; norm and activation layers show what they
    /// resolve to.
    fn kind_name(&self, d: &Defaults) -> String;
    /// A short label with the defining numbers, e.g. "Conv2d 6@5×5".
    fn label(&self, d: &Defaults) -> String;
    /// A short prefix for libtorch variable paths ("03_conv2d").
    fn path_name(&self) -> &'static str;
    /// Whether the layer works on each position (each value, or each channel's values) on its
    /// own, keeping the shape: "explain this number" looks through these.
    fn is_per_position(&self) -> bool;
    /// The output shape and the parameter, multiply-add and elementwise counts.
    fn infer(&self, input: Shape, d: &Defaults) -> Result<(Shape, Cost), LayerError>;
    /// Lines explaining the parameter and multiply-add counts with the numbers filled in; empty
    /// where there is no formula worth showing.
    fn explain_cost(&self, input: Shape, output: Shape, d: &Defaults) -> Vec<String>;
    /// The receptive-field rule; `in_c` is the channels that reach the layer.
    fn reach(&self, in_c: usize, d: &Defaults) -> Result<Reach, LayerError>;
    /// Weight layers it adds to the longest path (the papers' depth: VGG-16 16).
    fn weight_depth(&self) -> usize;
    /// The slots of the network-wide choices this kind has.
    fn follows(&mut self) -> Follows<'_>;
    /// The layer as a PyTorch expression (the exported `model.py`'s names); inner lines of a
    /// block are indented by `pad`.
    fn pytorch(&self, input: Shape, d: &Defaults, pad: &str) -> Result<String, LayerError>;
    /// The Learn window's tab about this kind.
    fn topic(&self) -> Option<Topic>;
}

pub(crate) use crate::shape::thousands;
