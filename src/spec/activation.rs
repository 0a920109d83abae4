//! Activation functions as plain data. The formulas are the lecture's; the engine implements
//! them in `engine::layers::activation`.
use serde::{Deserialize, Serialize};

/// Which form of GELU: the lecture's tanh approximation or the exact erf form.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum GeluForm {
    /// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    #[default]
    Tanh,
    /// x·Φ(x), Φ the standard normal CDF
    Erf,
}

/// An activation function with its parameters.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Default)]
pub enum Activation {
    #[default]
    Relu,
    LeakyRelu {
        #[serde(default = "default_leaky_slope")]
        slope: f64,
    },
    Elu {
        #[serde(default = "one")]
        alpha: f64,
    },
    Selu,
    Gelu {
        #[serde(default)]
        form: GeluForm,
    },
    /// x·sigmoid(β·x): β = 1 is SiLU, β = 1.702 approximates GELU.
    Swish {
        #[serde(default = "one")]
        beta: f64,
    },
    /// x·tanh(ln(1 + eˣ))
    Mish,
    Sigmoid,
    Tanh,
    /// Data-adaptive: p(s)·s + (1 − p(s))·α·s with p(s) = sigmoid((s − E[s]) / √(Var[s] + ε)),
    /// α learned per channel; batch statistics in training, running statistics in eval.
    Dice {
        #[serde(default = "default_dice_eps")]
        eps: f64,
        #[serde(default)]
        alpha_init: f64,
    },
}

fn default_leaky_slope() -> f64 {
    0.01
}
fn one() -> f64 {
    1.0
}
fn default_dice_eps() -> f64 {
    1e-8
}

impl Activation {
    /// Every activation with its default parameters, in palette order.
    pub const ALL: [Activation; 10] = [
        Activation::Relu,
        Activation::LeakyRelu { slope: 0.01 },
        Activation::Elu { alpha: 1.0 },
        Activation::Selu,
        Activation::Gelu {
            form: GeluForm::Tanh,
        },
        Activation::Swish { beta: 1.0 },
        Activation::Mish,
        Activation::Sigmoid,
        Activation::Tanh,
        Activation::Dice {
            eps: 1e-8,
            alpha_init: 0.0,
        },
    ];

    pub fn name(&self) -> &'static str {
        match self {
            Activation::Relu => "ReLU",
            Activation::LeakyRelu { .. } => "LeakyReLU",
            Activation::Elu { .. } => "ELU",
            Activation::Selu => "SELU",
            Activation::Gelu { .. } => "GELU",
            Activation::Swish { .. } => "Swish",
            Activation::Mish => "Mish",
            Activation::Sigmoid => "Sigmoid",
            Activation::Tanh => "Tanh",
            Activation::Dice { .. } => "Dice",
        }
    }

    /// Parses a name as typed on the command line ("relu", "leaky_relu", "gelu-erf", …) into
    /// the activation with default parameters.
    pub fn from_name(name: &str) -> Option<Activation> {
        let key: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        Some(match key.as_str() {
            "relu" => Activation::Relu,
            "leakyrelu" | "lrelu" => Activation::LeakyRelu { slope: 0.01 },
            "elu" => Activation::Elu { alpha: 1.0 },
            "selu" => Activation::Selu,
            "gelu" | "gelutanh" => Activation::Gelu {
                form: GeluForm::Tanh,
            },
            "geluerf" => Activation::Gelu {
                form: GeluForm::Erf,
            },
            "swish" | "silu" => Activation::Swish { beta: 1.0 },
            "mish" => Activation::Mish,
            "sigmoid" => Activation::Sigmoid,
            "tanh" => Activation::Tanh,
            "dice" => Activation::Dice {
                eps: 1e-8,
                alpha_init: 0.0,
            },
            _ => return None,
        })
    }

    /// The output range of bounded activations, used for the "saturated" statistic.
    pub fn bounds(&self) -> Option<(f64, f64)> {
        match self {
            Activation::Sigmoid => Some((0.0, 1.0)),
            Activation::Tanh => Some((-1.0, 1.0)),
            Activation::Relu
            | Activation::LeakyRelu { .. }
            | Activation::Elu { .. }
            | Activation::Selu
            | Activation::Gelu { .. }
            | Activation::Swish { .. }
            | Activation::Mish
            | Activation::Dice { .. } => None,
        }
    }

    /// Whether the derivative flattens out somewhere (sigmoid and tanh at both ends, ELU/SELU
    /// on their negative plateau, GELU/Swish/Mish far below zero), so that "saturated" units
    /// mean something; not for the piecewise-linear ones.
    pub fn saturates(&self) -> bool {
        match self {
            Activation::Relu | Activation::LeakyRelu { .. } | Activation::Dice { .. } => false,
            Activation::Elu { .. }
            | Activation::Selu
            | Activation::Gelu { .. }
            | Activation::Swish { .. }
            | Activation::Mish
            | Activation::Sigmoid
            | Activation::Tanh => true,
        }
    }

    /// Whether a unit is dead exactly where its output is never positive (the derivative is
    /// zero there and only there): ReLU. For the others deadness needs the derivative.
    pub fn dead_where_not_positive(&self) -> bool {
        match self {
            Activation::Relu => true,
            Activation::LeakyRelu { .. }
            | Activation::Elu { .. }
            | Activation::Selu
            | Activation::Gelu { .. }
            | Activation::Swish { .. }
            | Activation::Mish
            | Activation::Sigmoid
            | Activation::Tanh
            | Activation::Dice { .. } => false,
        }
    }

    /// Every function the Learn lab plots: the palette's, with GELU in both forms, each with
    /// these parameters (slope, ELU's α, Swish's β, Dice's initial α).
    pub fn lab_forms(slope: f64, alpha: f64, beta: f64, dice_alpha: f64) -> Vec<Activation> {
        Activation::ALL
            .iter()
            .flat_map(|a| match *a {
                Activation::LeakyRelu { .. } => vec![Activation::LeakyRelu { slope }],
                Activation::Elu { .. } => vec![Activation::Elu { alpha }],
                Activation::Swish { .. } => vec![Activation::Swish { beta }],
                Activation::Dice { eps, .. } => vec![Activation::Dice {
                    eps,
                    alpha_init: dice_alpha,
                }],
                Activation::Gelu { .. } => vec![
                    Activation::Gelu {
                        form: GeluForm::Tanh,
                    },
                    Activation::Gelu {
                        form: GeluForm::Erf,
                    },
                ],
                a @ (Activation::Relu
                | Activation::Selu
                | Activation::Mish
                | Activation::Sigmoid
                | Activation::Tanh) => vec![a],
            })
            .collect()
    }

    /// Learned parameters for `channels` channels (only Dice has any: one α per channel).
    pub fn params(&self, channels: usize) -> usize {
        match self {
            Activation::Dice { .. } => channels,
            Activation::Relu
            | Activation::LeakyRelu { .. }
            | Activation::Elu { .. }
            | Activation::Selu
            | Activation::Gelu { .. }
            | Activation::Swish { .. }
            | Activation::Mish
            | Activation::Sigmoid
            | Activation::Tanh => 0,
        }
    }

    /// A one-line explanation in the lecture's terms, for tooltips and summaries.
    pub fn explain(&self) -> &'static str {
        match self {
            Activation::Relu => "max(0, x): cheap, no saturation for x > 0, but units can die",
            Activation::LeakyRelu { .. } => "x for x > 0, slope·x below: keeps a small gradient so units cannot die",
            Activation::Elu { .. } => "x for x > 0, α(e^x - 1) below: smooth, negative outputs push mean activations toward zero",
            Activation::Selu => "scaled ELU whose fixed point keeps activations at zero mean, unit variance",
            Activation::Gelu { .. } => "x·Φ(x): weights inputs by how likely they are to be positive (tanh form from the lecture)",
            Activation::Swish { .. } => "x·sigmoid(βx): smooth, non-monotonic; β = 1.702 approximates GELU",
            Activation::Mish => "x·tanh(ln(1 + e^x)): smooth, non-monotonic, unbounded above",
            Activation::Sigmoid => "1/(1 + e^-x): bounded, saturates at both ends so gradients vanish",
            Activation::Tanh => "zero-centred but saturating: gradients vanish for large |x|",
            Activation::Dice { .. } => "PReLU whose switch point follows the data: p(s) from batch statistics, learned α",
        }
    }

    /// The activation as a PyTorch module in the exported `model.py`; `channels` sizes Dice's
    /// parameters.
    pub fn pytorch(&self, channels: usize) -> String {
        let f = crate::layer::pytorch::f;
        match *self {
            Activation::Relu => "nn.ReLU()".into(),
            Activation::LeakyRelu { slope } => format!("nn.LeakyReLU({})", f(slope)),
            Activation::Elu { alpha } => format!("nn.ELU({})", f(alpha)),
            Activation::Selu => "nn.SELU()".into(),
            Activation::Gelu {
                form: GeluForm::Tanh,
            } => "nn.GELU(approximate=\"tanh\")".into(),
            Activation::Gelu {
                form: GeluForm::Erf,
            } => "nn.GELU()".into(),
            Activation::Swish { beta: 1.0 } => "nn.SiLU()".into(),
            Activation::Swish { beta } => format!("Swish({})", f(beta)),
            Activation::Mish => "nn.Mish()".into(),
            Activation::Sigmoid => "nn.Sigmoid()".into(),
            Activation::Tanh => "nn.Tanh()".into(),
            Activation::Dice { eps, alpha_init } => format!(
                "Dice({channels}, eps={}, alpha_init={})",
                f(eps),
                f(alpha_init)
            ),
        }
    }
}
