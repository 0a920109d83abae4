//! The optimizer a preset asks for.
use super::TrainError;
use crate::spec::{Optimizer, Training};
use tch::nn::{self, OptimizerConfig};

pub(super) fn build_optimizer(
    vs: &nn::VarStore,
    t: &Training,
) -> Result<nn::Optimizer, TrainError> {
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
    r.map_err(|e| TrainError::Settings(format!("cannot create the optimizer: {e}")))
}
