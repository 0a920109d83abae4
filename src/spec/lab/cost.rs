//! How a layer's parameter and multiply-add counts are computed, with the numbers filled in —
//! and, for 1×1 convolutions and bottlenecks, what the 3×3 layer they replace would cost (the
//! lecture's 70K vs 600K).
use super::super::layer::{Defaults, Layer};
use super::super::Shape;

/// Lines explaining `layer`'s counts for input `input` and output `output` (each kind's
/// `LayerRules::explain_cost`); empty for layers without parameters or multiply-adds.
pub fn explain(layer: &Layer, input: Shape, output: Shape, d: &Defaults) -> Vec<String> {
    layer.rules().explain_cost(input, output, d)
}
