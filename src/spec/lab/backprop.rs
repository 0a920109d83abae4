//! Backpropagation, step by step, through a tiny network: a 4×4 input -> 2×2 conv (one filter)
//! -> activation -> 2×2 max pool, stride 1 -> linear 4 -> 2 -> softmax cross-entropy. Forward
//! values, then g(z_i) and g(w_i) backwards as the lecture writes them
//! (g(z_(i−1)) = g(z_i)·∂z_i/∂z_(i−1), g(w_i) = g(z_i)·∂z_i/∂w_i), all by hand; `engine::lab` computes
//! the same with libtorch's autograd.
use super::act::{derivative, value, DiceStats};
use crate::Activation;

#[derive(Clone, Debug, PartialEq)]
pub struct TinyNet {
    /// 4×4 input, row-major.
    pub x: [f64; 16],
    /// 2×2 conv kernel and its bias.
    pub w1: [f64; 4],
    pub b1: f64,
    pub act: Activation,
    /// Linear 4 -> 2: weights [2][4] row-major, biases.
    pub w2: [f64; 8],
    pub b2: [f64; 2],
    /// The true class (0 or 1).
    pub label: usize,
}

impl Default for TinyNet {
    fn default() -> Self {
        TinyNet {
            x: [
                1.0, 0.0, 0.0, 1.0, //
                0.0, 1.0, 1.0, 0.0, //
                0.0, 1.0, 0.0, 0.0, //
                1.0, 0.0, 0.0, 1.0,
            ],
            w1: [0.5, -0.5, -0.25, 1.0],
            b1: 0.1,
            act: Activation::Relu,
            w2: [0.3, -0.2, 0.5, 0.1, -0.4, 0.6, 0.2, -0.3],
            b2: [0.0, 0.1],
            label: 0,
        }
    }
}

/// The forward pass: z1 = conv (3×3), z2 = act(z1), z3 = pool (2×2), logits, softmax, loss.
#[derive(Clone, Debug, PartialEq)]
pub struct Forward {
    pub z1: [f64; 9],
    pub z2: [f64; 9],
    pub z3: [f64; 4],
    /// For each pooled value, the index in z2 it came from.
    pub from: [usize; 4],
    pub logits: [f64; 2],
    pub probs: [f64; 2],
    pub loss: f64,
}

/// Gradients of the loss, by hand.
#[derive(Clone, Debug, PartialEq)]
pub struct Grads {
    pub logits: [f64; 2],
    pub w2: [f64; 8],
    pub b2: [f64; 2],
    pub z3: [f64; 4],
    pub z2: [f64; 9],
    pub z1: [f64; 9],
    pub w1: [f64; 4],
    pub b1: f64,
}

const NO_DICE: DiceStats = DiceStats {
    mean: 0.0,
    var: 1.0,
};

pub fn forward(n: &TinyNet) -> Forward {
    let mut z1 = [0.0; 9];
    for oy in 0..3 {
        for ox in 0..3 {
            let mut s = n.b1;
            for i in 0..2 {
                for j in 0..2 {
                    s += n.x[(oy + i) * 4 + ox + j] * n.w1[i * 2 + j];
                }
            }
            z1[oy * 3 + ox] = s;
        }
    }
    let z2 = z1.map(|v| value(n.act, v, NO_DICE));
    let mut z3 = [0.0; 4];
    let mut from = [0; 4];
    for py in 0..2 {
        for px in 0..2 {
            let mut best = py * 3 + px;
            for i in 0..2 {
                for j in 0..2 {
                    let k = (py + i) * 3 + px + j;
                    if z2[k] > z2[best] {
                        best = k;
                    }
                }
            }
            z3[py * 2 + px] = z2[best];
            from[py * 2 + px] = best;
        }
    }
    let mut logits = n.b2;
    for (o, l) in logits.iter_mut().enumerate() {
        *l += (0..4).map(|i| n.w2[o * 4 + i] * z3[i]).sum::<f64>();
    }
    let m = logits[0].max(logits[1]);
    let e = logits.map(|l| (l - m).exp());
    let probs = e.map(|v| v / (e[0] + e[1]));
    Forward {
        z1,
        z2,
        z3,
        from,
        logits,
        probs,
        loss: -probs[n.label].ln(),
    }
}

pub fn backward(n: &TinyNet, f: &Forward) -> Grads {
    // Softmax cross-entropy: g(logits) = p − onehot.
    let mut logits = f.probs;
    logits[n.label] -= 1.0;
    let mut w2 = [0.0; 8];
    let mut z3 = [0.0; 4];
    for o in 0..2 {
        for i in 0..4 {
            w2[o * 4 + i] = logits[o] * f.z3[i];
            z3[i] += logits[o] * n.w2[o * 4 + i];
        }
    }
    // Max pooling routes each gradient to the input that won.
    let mut z2 = [0.0; 9];
    for (i, &k) in f.from.iter().enumerate() {
        z2[k] += z3[i];
    }
    let mut z1 = [0.0; 9];
    for k in 0..9 {
        z1[k] = z2[k] * derivative(n.act, f.z1[k], NO_DICE);
    }
    let mut w1 = [0.0; 4];
    for i in 0..2 {
        for j in 0..2 {
            w1[i * 2 + j] = (0..9)
                .map(|k| z1[k] * n.x[(k / 3 + i) * 4 + k % 3 + j])
                .sum();
        }
    }
    Grads {
        logits,
        w2,
        b2: logits,
        z3,
        z2,
        z1,
        w1,
        b1: z1.iter().sum(),
    }
}

/// One optimizer step on a parameter, as the lecture writes each rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Update {
    Sgd,
    /// Exponential averaging: p <- (1 − μ)p + μ·g, w <- w − λp (from p = 0).
    Momentum,
    /// Adam's first step: m = (1 − β₁)g, v = (1 − β₂)g², bias-corrected, w <- w − λ·m̂/(√v̂ + ε).
    Adam,
}

/// The new value of a parameter `w` with gradient `g` after one step at rate `lr`, and the
/// rule written out with the numbers.
pub fn update(rule: Update, w: f64, g: f64, lr: f64) -> (f64, String) {
    use super::{factor, num};
    match rule {
        Update::Sgd => {
            let new = w - lr * g;
            (
                new,
                format!(
                    "w − λ·g = {} − {}·{} = {}",
                    num(w),
                    num(lr),
                    factor(g),
                    num(new)
                ),
            )
        }
        Update::Momentum => {
            let mu = 0.1;
            let p = mu * g;
            let new = w - lr * p;
            (
                new,
                format!(
                    "p = (1 − μ)·0 + μ·g = {mu}·{} = {}; w − λ·p = {} − {}·{} = {}",
                    factor(g),
                    num(p),
                    num(w),
                    num(lr),
                    factor(p),
                    num(new)
                ),
            )
        }
        Update::Adam => {
            let (b1, b2, eps) = (0.9f64, 0.999f64, 1e-8);
            let m_hat = (1.0 - b1) * g / (1.0 - b1);
            let v_hat = (1.0 - b2) * g * g / (1.0 - b2);
            let new = w - lr * m_hat / (v_hat.sqrt() + eps);
            (
                new,
                format!(
                    "m̂ = {}, v̂ = {}; w − λ·m̂/(√v̂ + ε) = {} − {}·{}/{} = {}",
                    num(m_hat),
                    num(v_hat),
                    num(w),
                    num(lr),
                    factor(m_hat),
                    num(v_hat.sqrt() + eps),
                    num(new)
                ),
            )
        }
    }
}
