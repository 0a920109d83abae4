//! Every activation of the palette and its derivative as plain formulas (the lecture's), for
//! the activation lab's curves; the tests hold the derivatives against libtorch's autograd.
use super::super::{Activation, GeluForm};

/// Dice's batch statistics in the lab (in a network they come from the batch or the running
/// averages).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DiceStats {
    pub mean: f64,
    pub var: f64,
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

fn softplus(x: f64) -> f64 {
    // ln(1 + e^x) without overflow.
    x.max(0.0) + (-x.abs()).exp().ln_1p()
}

const SELU_ALPHA: f64 = 1.673_263_242_354_377_3;
const SELU_SCALE: f64 = 1.050_700_987_355_480_5;

/// erf by its Taylor series near 0 and an asymptotic continued fraction beyond (|error| < 1e-12).
fn erf(x: f64) -> f64 {
    let ax = x.abs();
    let r = if ax < 2.5 {
        let mut sum = ax;
        let mut term = ax;
        let mut k = 0.0;
        while term.abs() > 1e-17 * sum.abs() {
            k += 1.0;
            term *= -ax * ax / k;
            sum += term / (2.0 * k + 1.0);
        }
        2.0 / std::f64::consts::PI.sqrt() * sum
    } else {
        // erfc(x) = e^(−x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + …))))
        let mut f = ax;
        for k in (1..60).rev() {
            f = ax + (k as f64 / 2.0) / f;
        }
        1.0 - (-ax * ax).exp() / std::f64::consts::PI.sqrt() / f
    };
    r.copysign(x)
}

/// f(x).
pub fn value(a: Activation, x: f64, dice: DiceStats) -> f64 {
    match a {
        Activation::Relu => x.max(0.0),
        Activation::LeakyRelu { slope } => {
            if x > 0.0 {
                x
            } else {
                slope * x
            }
        }
        Activation::Elu { alpha } => {
            if x > 0.0 {
                x
            } else {
                alpha * x.exp_m1()
            }
        }
        Activation::Selu => SELU_SCALE * if x > 0.0 { x } else { SELU_ALPHA * x.exp_m1() },
        Activation::Gelu {
            form: GeluForm::Tanh,
        } => 0.5 * x * (1.0 + gelu_inner(x).tanh()),
        Activation::Gelu {
            form: GeluForm::Erf,
        } => 0.5 * x * (1.0 + erf(x / 2f64.sqrt())),
        Activation::Swish { beta } => x * sigmoid(beta * x),
        Activation::Mish => x * softplus(x).tanh(),
        Activation::Sigmoid => sigmoid(x),
        Activation::Tanh => x.tanh(),
        Activation::Dice { eps, alpha_init } => {
            let p = sigmoid((x - dice.mean) / (dice.var + eps).sqrt());
            p * x + (1.0 - p) * alpha_init * x
        }
    }
}

fn gelu_inner(x: f64) -> f64 {
    (2.0 / std::f64::consts::PI).sqrt() * (x + 0.044715 * x * x * x)
}

/// f'(x), by hand; at a kink (x = 0) the left derivative, as PyTorch takes it.
pub fn derivative(a: Activation, x: f64, dice: DiceStats) -> f64 {
    match a {
        Activation::Relu => {
            if x > 0.0 {
                1.0
            } else {
                0.0
            }
        }
        Activation::LeakyRelu { slope } => {
            if x > 0.0 {
                1.0
            } else {
                slope
            }
        }
        Activation::Elu { alpha } => {
            if x > 0.0 {
                1.0
            } else {
                alpha * x.exp()
            }
        }
        Activation::Selu => SELU_SCALE * if x > 0.0 { 1.0 } else { SELU_ALPHA * x.exp() },
        Activation::Gelu {
            form: GeluForm::Tanh,
        } => {
            // The lecture: 0.5 + 0.5·tanh(…) + 0.5·x·(1 − tanh(…)²)·√(2/π)(1 + 3·0.044715·x²)
            let t = gelu_inner(x).tanh();
            let c = (2.0 / std::f64::consts::PI).sqrt();
            0.5 + 0.5 * t + 0.5 * x * (1.0 - t * t) * c * (1.0 + 3.0 * 0.044715 * x * x)
        }
        Activation::Gelu {
            form: GeluForm::Erf,
        } => {
            let pdf = (-x * x / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
            0.5 * (1.0 + erf(x / 2f64.sqrt())) + x * pdf
        }
        Activation::Swish { beta } => {
            let s = sigmoid(beta * x);
            s + beta * x * s * (1.0 - s)
        }
        Activation::Mish => {
            let sp = softplus(x);
            let t = sp.tanh();
            t + x * (1.0 - t * t) * sigmoid(x)
        }
        Activation::Sigmoid => {
            let s = sigmoid(x);
            s * (1.0 - s)
        }
        Activation::Tanh => 1.0 - x.tanh().powi(2),
        Activation::Dice { eps, alpha_init } => {
            // The batch statistics held fixed (as in evaluation).
            let sd = (dice.var + eps).sqrt();
            let p = sigmoid((x - dice.mean) / sd);
            p + (1.0 - p) * alpha_init + x * (1.0 - alpha_init) * p * (1.0 - p) / sd
        }
    }
}

/// The formula as the lecture writes it.
pub fn formula(a: Activation) -> &'static str {
    match a {
        Activation::Relu => "max(0, x)",
        Activation::LeakyRelu { .. } => "x if x > 0, else slope·x",
        Activation::Elu { .. } => "x if x > 0, else α(e^x − 1)",
        Activation::Selu => "λ·(x if x > 0, else α(e^x − 1)), λ ≈ 1.0507, α ≈ 1.6733",
        Activation::Gelu {
            form: GeluForm::Tanh,
        } => "0.5x(1 + tanh(√(2/π)(x + 0.044715x³)))",
        Activation::Gelu {
            form: GeluForm::Erf,
        } => "x·Φ(x)",
        Activation::Swish { .. } => "x·sigmoid(βx); β = 1.702 ≈ GELU",
        Activation::Mish => "x·tanh(ln(1 + e^x))",
        Activation::Sigmoid => "1 / (1 + e^-x)",
        Activation::Tanh => "(e^x − e^-x) / (e^x + e^-x)",
        Activation::Dice { .. } => {
            "p(s)·s + (1 − p(s))·α·s, p(s) = sigmoid((s − E[s]) / √(Var[s] + ε))"
        }
    }
}

/// Where the gradient vanishes or the output saturates, in one line.
pub fn note(a: Activation) -> &'static str {
    match a {
        Activation::Relu => "gradient 0 for every x < 0: a unit stuck there is dead",
        Activation::LeakyRelu { .. } => "never flat: the slope keeps a gradient for x < 0",
        Activation::Elu { .. } | Activation::Selu => {
            "saturates at −α (·λ) for very negative x; gradient -> 0 there"
        }
        Activation::Gelu { .. } => "dips slightly below 0 near x ≈ −0.75, then -> 0",
        Activation::Swish { .. } => "smooth, non-monotonic below 0; larger β -> closer to ReLU",
        Activation::Mish => "smooth, non-monotonic below 0, unbounded above",
        Activation::Sigmoid => "saturates at 0 and 1: gradient ≤ 0.25, ≈ 0 for |x| > 5",
        Activation::Tanh => "saturates at ±1: gradient ≈ 0 for |x| > 3",
        Activation::Dice { .. } => {
            "a leaky ReLU whose bend sits at the batch mean and softens with its spread"
        }
    }
}
