//! Receptive fields: how many input pixels (size) one output value of each layer sees, and how
//! far apart in input pixels neighbouring outputs are (jump). r <- r + (k − 1)·d·j, j <- j·s per
//! convolution or pooling window; blocks take their widest path; global pooling and dense
//! layers see the whole input.
use super::super::layer::{BlockPlan, Defaults, Reach};
use super::super::{Network, Shape};

/// One layer's receptive field on the network input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    /// `size`×`size` input pixels (the larger side for non-square kernels), outputs `jump`
    /// pixels apart.
    Window { size: usize, jump: usize },
    /// Every input pixel (after global pooling or a dense layer).
    Whole,
}

impl Field {
    pub fn label(&self) -> String {
        match self {
            Field::Window { size, jump } => format!("RF {size}×{size} · jump {jump}"),
            Field::Whole => "RF whole input".into(),
        }
    }
}

fn step(r: usize, j: usize, k: usize, d: usize, s: usize) -> (usize, usize) {
    (r + (k.max(1) - 1) * d.max(1) * j, j * s.max(1))
}

fn plan_field(plan: &BlockPlan, r: usize, j: usize) -> (usize, usize) {
    let run = |units: &[super::super::layer::ConvUnit], r, j| {
        units.iter().fold((r, j), |(r, j), u| {
            step(r, j, u.kernel.0.max(u.kernel.1), 1, u.stride)
        })
    };
    match plan {
        BlockPlan::Residual { main, .. } => run(main, r, j),
        BlockPlan::Sequence(units) => run(units, r, j),
        BlockPlan::Concat { branches } => branches
            .iter()
            .map(|(pool, units)| {
                let (r, j) = if *pool == super::super::layer::BranchPool::None {
                    (r, j)
                } else {
                    step(r, j, 3, 1, 1)
                };
                run(units, r, j)
            })
            .max()
            .unwrap_or((r, j)),
    }
}

/// Each layer's receptive field, in order; None when the network does not infer.
pub fn fields(network: &Network) -> Option<Vec<Field>> {
    let summary = super::super::infer(network).ok()?;
    Some(fields_of(network, &summary))
}

/// Each layer's receptive field, from the network's shape inference (`summary` must be
/// `network`'s; the layers it covers get a field).
pub fn fields_of(network: &Network, summary: &super::super::Summary) -> Vec<Field> {
    let d: Defaults = network.defaults();
    let (mut r, mut j, mut whole) = (1usize, 1usize, false);
    let mut shape = summary.input;
    let mut out = Vec::new();
    for (i, layer) in network.layers.iter().enumerate().take(summary.layers.len()) {
        let in_c = match shape {
            Shape::Map { c, .. } => c,
            Shape::Flat(n) => n,
        };
        if !whole {
            // A rule that cannot be applied (a layer that does not infer) keeps the field.
            (r, j) = match layer.rules().reach(in_c, &d).unwrap_or(Reach::Same) {
                Reach::Window {
                    kernel,
                    dilation,
                    stride,
                    ..
                } => step(r, j, kernel, dilation, stride),
                Reach::Plan(plan) => plan_field(&plan, r, j),
                Reach::Whole => {
                    whole = true;
                    (r, j)
                }
                Reach::Same => (r, j),
            };
        }
        out.push(if whole {
            Field::Whole
        } else {
            Field::Window { size: r, jump: j }
        });
        shape = summary.layers[i].output;
    }
    out
}

/// The input rows and columns (inclusive start, exclusive end, clipped to the image) that
/// output (y, x) of layer `index` (0-based) sees, for a conv-like stack: start = y·jump − pad
/// offset. `offset` is the accumulated padding in input pixels.
pub fn window_on_input(
    network: &Network,
    index: usize,
    y: usize,
    x: usize,
) -> Option<((usize, usize), (usize, usize))> {
    let fields = fields(network)?;
    let Field::Window { size, jump } = *fields.get(index)? else {
        return None;
    };
    // The accumulated padding: Σ p·j before each layer's stride.
    let mut offset = 0usize;
    let mut j = 1usize;
    let d = network.defaults();
    let mut shape = network.input.shape();
    let summary = super::super::infer(network).ok()?;
    for (i, layer) in network.layers[..=index].iter().enumerate() {
        match layer.rules().reach(shape.channels(), &d).ok()? {
            Reach::Window {
                stride, padding, ..
            } => {
                offset += padding * j;
                j *= stride.max(1);
            }
            // A block's paths pad and stride differently: no single window.
            Reach::Plan(_) => return None,
            // No padding or stride: the window stays where it was.
            Reach::Whole | Reach::Same => {}
        }
        shape = summary.layers[i].output;
    }
    let clip = |start: i64, n: usize| {
        let lo = start.max(0) as usize;
        let hi = ((start + size as i64).max(0) as usize).min(n);
        (lo.min(n), hi)
    };
    let (h, w) = (network.input.height, network.input.width);
    let rows = clip(y as i64 * jump as i64 - offset as i64, h);
    let cols = clip(x as i64 * jump as i64 - offset as i64, w);
    Some((rows, cols))
}
