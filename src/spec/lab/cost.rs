//! How a layer's parameter and multiply-add counts are computed, with the numbers filled in —
//! and, for 1×1 convolutions and bottlenecks, what the 3×3 layer they replace would cost (the
//! lecture's 70K vs 600K).
use super::super::layer::{Defaults, Layer};
use super::super::Shape;

fn n(v: usize) -> String {
    // 2416 -> "2,416"
    let s = v.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Lines explaining `layer`'s counts for input `input` and output `output`; empty for layers
/// without parameters or multiply-adds.
pub fn explain(layer: &Layer, input: Shape, output: Shape, d: &Defaults) -> Vec<String> {
    let in_c = input.channels();
    let (oh, ow) = match output {
        Shape::Map { h, w, .. } => (h, w),
        Shape::Flat(_) => (1, 1),
    };
    match layer {
        Layer::Conv2d(c) => {
            let (kh, kw) = c.kernel2();
            let per = in_c / c.groups.max(1);
            let b = usize::from(c.bias);
            let params = (kh * kw * per + b) * c.out_channels;
            let macs = kh * kw * per * c.out_channels * oh * ow;
            let mut lines = vec![
                format!(
                    "params = (k·k·C_in{} + {}) · C_out = ({kh}·{kw}·{per} + {b}) · {} = {}",
                    if c.groups > 1 { "/groups" } else { "" },
                    if c.bias { "bias" } else { "no bias" },
                    c.out_channels,
                    n(params)
                ),
                format!(
                    "MACs = k·k·C_in · C_out · H_out·W_out = {kh}·{kw}·{per} · {} · {oh}·{ow} = {}",
                    c.out_channels,
                    n(macs)
                ),
            ];
            if (kh, kw) == (1, 1) {
                let three = 9 * in_c * c.out_channels;
                lines.push(format!(
                    "a 3×3 conv with the same channels would have 3·3·{in_c}·{} = {} weights and {} MACs: {:.1}× more",
                    c.out_channels,
                    n(three),
                    n(three * oh * ow),
                    9.0
                ));
            }
            lines
        }
        Layer::Linear(l) => {
            let i = input.numel();
            let b = usize::from(l.bias);
            vec![
                format!(
                    "params = (inputs + {}) · outputs = ({i} + {b}) · {} = {}",
                    if l.bias { "bias" } else { "no bias" },
                    l.out_features,
                    n((i + b) * l.out_features)
                ),
                format!(
                    "MACs = inputs · outputs = {i} · {} = {}",
                    l.out_features,
                    n(i * l.out_features)
                ),
            ]
        }
        Layer::Bottleneck(b) => {
            let (c, m, o) = (in_c, b.mid_channels, b.out_channels);
            let weights = c * m + 9 * m * m + m * o;
            let plain = 9 * c * o;
            let _ = d;
            vec![
                format!(
                    "weights: 1×1 reduce + 3×3 + 1×1 expand = c·d + 3·3·d² + d·c' = {c}·{m} + 9·{m}² + {m}·{o} = {}",
                    n(weights)
                ),
                format!(
                    "a 3×3 conv from {c} to {o} channels instead: 3·3·{c}·{o} = {} weights — {:.1}× more (the lecture: c = 256, d = 64 gives 70K vs 600K)",
                    n(plain),
                    plain as f64 / weights.max(1) as f64
                ),
            ]
        }
        // Explained by their own numbers in the editor (blocks list their units), or
        // without parameters or multiply-adds worth a formula.
        Layer::MaxPool(_)
        | Layer::AvgPool(_)
        | Layer::L2Pool(_)
        | Layer::GlobalAvgPool
        | Layer::GlobalMaxPool
        | Layer::Flatten
        | Layer::Dropout(_)
        | Layer::Dropout2d(_)
        | Layer::Norm(_)
        | Layer::Lrn(_)
        | Layer::Activation(_)
        | Layer::Residual(_)
        | Layer::Inception(_)
        | Layer::InceptionV3(_)
        | Layer::NiN(_)
        | Layer::AuxClassifier(_) => Vec::new(),
    }
}
