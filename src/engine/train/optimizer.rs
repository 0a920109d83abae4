//! The optimizer a preset asks for.
use super::TrainError;
use crate::spec::{Optimizer, Training};
use tch::nn::{self, OptimizerConfig};

/// The optimizer with the preset's settings; with `no_decay_on_biases_and_norms` the bias and
/// normalization group gets no weight decay.
pub fn build_optimizer(vs: &nn::VarStore, t: &Training) -> Result<nn::Optimizer, TrainError> {
    let lr = t.learning_rate;
    let wd = t.weight_decay;
    let r = match t.optimizer {
        Optimizer::Sgd { momentum, nesterov } => {
            if nesterov && momentum <= 0.0 {
                return Err(TrainError::Settings(
                    "Nesterov momentum needs momentum > 0".into(),
                ));
            }
            nn::Sgd {
                momentum,
                dampening: 0.0,
                wd,
                nesterov,
            }
            .build(vs, lr)
        }
        Optimizer::Adam { beta1, beta2, eps } => nn::Adam {
            beta1,
            beta2,
            wd,
            eps,
            amsgrad: false,
        }
        .build(vs, lr),
        Optimizer::AdamW { beta1, beta2, eps } => nn::AdamW {
            beta1,
            beta2,
            wd,
            eps,
            amsgrad: false,
        }
        .build(vs, lr),
    };
    let mut opt =
        r.map_err(|e| TrainError::Settings(format!("cannot create the optimizer: {e}")))?;
    if t.no_decay_on_biases_and_norms && wd > 0.0 {
        // A network without biases or normalization has no such group, and tch panics on a
        // missing group rather than returning an error: then there is nothing to exempt.
        let group = crate::engine::layers::NO_DECAY_GROUP;
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            opt.set_weight_decay_group(group, 0.0)
        }));
    }
    Ok(opt)
}
