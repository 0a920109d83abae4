//! The concept lab's arithmetic as plain numbers: the lecture's worked examples (convolution,
//! pooling, activations, backpropagation through a tiny network, normalization) and the
//! per-layer arithmetic of the user's network (receptive fields, parameter and MAC formulas).
//! Everything here is computed by hand, so that the tests can hold it against libtorch.
pub mod act;
pub mod backprop;
pub mod conv;
pub mod cost;
pub mod norm;
pub mod pool;
pub mod receptive;

pub use conv::{ConvLab, Filter, Grid};

/// A number as the lecture writes it: integers without a decimal point, others with up to
/// four significant decimals; negative numbers in parentheses inside sums.
pub fn num(v: f64) -> String {
    if v == v.round() && v.abs() < 1e9 {
        format!("{}", v as i64)
    } else if v.abs() >= 5e-5 {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        format!("{v:.1e}")
    }
}

/// A factor inside a written-out sum: "(−1)" for negatives.
pub fn factor(v: f64) -> String {
    if v < 0.0 {
        format!("({})", num(v).replace('-', "−"))
    } else {
        num(v)
    }
}
