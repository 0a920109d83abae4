//! Activation functions on tensors. Each follows the formula in `spec::Activation`.
use spec::{Activation, GeluForm};
use tch::{nn, Tensor};

/// An activation, with Dice's learned α and running statistics.
#[derive(Debug)]
pub enum ActModule {
    Plain(Activation),
    Dice {
        alpha: Tensor,
        running_mean: Tensor,
        running_var: Tensor,
        eps: f64,
    },
}

impl ActModule {
    /// `channels` sizes Dice's parameters (channels of a map or features of a vector).
    pub fn new(p: &nn::Path, act: Activation, channels: usize) -> ActModule {
        match act {
            Activation::Dice { eps, alpha_init } => ActModule::Dice {
                alpha: p.set_group(super::NO_DECAY_GROUP).var(
                    "alpha",
                    &[channels as i64],
                    nn::Init::Const(alpha_init),
                ),
                running_mean: p.zeros_no_train("running_mean", &[channels as i64]),
                running_var: p.ones_no_train("running_var", &[channels as i64]),
                eps,
            },
            other => ActModule::Plain(other),
        }
    }

    pub fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        match self {
            // Dice is always built as `ActModule::Dice`: a plain one never has no formula.
            ActModule::Plain(a) => apply(*a, xs).unwrap_or_else(|| xs.shallow_clone()),
            ActModule::Dice {
                alpha,
                running_mean,
                running_var,
                eps,
            } => {
                // p(s) = sigmoid((s − E[s]) / √(Var[s] + ε)): batch norm without affine gives
                // exactly that standardization, with batch stats in training and running stats
                // in eval.
                let standardized = xs.batch_norm(
                    None::<&Tensor>,
                    None::<&Tensor>,
                    Some(running_mean),
                    Some(running_var),
                    train,
                    0.1,
                    *eps,
                    false,
                );
                let p = standardized.sigmoid();
                let mut shape = vec![1i64; xs.dim()];
                shape[1] = -1;
                let a = alpha.view(shape.as_slice());
                &p * xs + (1.0 - &p) * a * xs
            }
        }
    }
}

/// A parameter-free activation applied to a tensor; None for Dice, which needs its module
/// (learned α, batch and running statistics per channel).
pub fn apply(act: Activation, xs: &Tensor) -> Option<Tensor> {
    Some(match act {
        Activation::Relu => xs.relu(),
        // libtorch's fused kernels for the default parameters; the formula otherwise.
        Activation::LeakyRelu { slope: 0.01 } => xs.leaky_relu(),
        Activation::LeakyRelu { slope } => xs.clamp_min(0.0) + xs.clamp_max(0.0) * slope,
        Activation::Elu { alpha: 1.0 } => xs.elu(),
        Activation::Elu { alpha } => xs.clamp_min(0.0) + (xs.clamp_max(0.0).exp() - 1.0) * alpha,
        Activation::Selu => xs.selu(),
        Activation::Gelu { form } => xs.gelu(match form {
            GeluForm::Tanh => "tanh",
            GeluForm::Erf => "none",
        }),
        Activation::Swish { beta } => xs * (xs * beta).sigmoid(),
        Activation::Mish => xs * xs.softplus().tanh(),
        Activation::Sigmoid => xs.sigmoid(),
        Activation::Tanh => xs.tanh(),
        Activation::Dice { .. } => return None,
    })
}
