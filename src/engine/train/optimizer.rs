//! The optimizers, written over the model's tensors so that their state (momentum buffers,
//! Adam's moments and step count) can be saved with a checkpoint and restored for an exact
//! resume — libtorch's own optimizers keep it out of reach. The update rules are PyTorch's
//! (`torch.optim.SGD`, `Adam`, `AdamW` with their defaults: no dampening, no amsgrad).
use super::TrainError;
use spec::{Optimizer, Training};
use tch::{nn, Tensor};

/// One trainable tensor and what the optimizer keeps for it.
struct Param {
    name: String,
    tensor: Tensor,
    /// Weight decay applies (false for biases and norms when they are exempt).
    decay: bool,
    /// SGD's momentum buffer, or Adam's first moment.
    m: Option<Tensor>,
    /// Adam's second moment.
    v: Option<Tensor>,
}

pub struct Optim {
    kind: Optimizer,
    lr: f64,
    wd: f64,
    params: Vec<Param>,
    /// Adam's step count (bias correction).
    steps: u64,
}

/// The optimizer with the preset's settings over the model's trainable tensors (frozen ones,
/// with `requires_grad` off, are left out); with `no_decay_on_biases_and_norms` the bias and
/// normalization group gets no weight decay.
pub fn build_optimizer(vs: &nn::VarStore, t: &Training) -> Result<Optim, TrainError> {
    if let Optimizer::Sgd {
        momentum,
        nesterov: true,
    } = t.optimizer
    {
        if momentum <= 0.0 {
            return Err(TrainError::Settings(
                "Nesterov momentum needs momentum > 0".into(),
            ));
        }
    }
    let vars = vs
        .variables_
        .lock()
        .map_err(|_| TrainError::Settings("the model's variables are poisoned".into()))?;
    let mut params: Vec<Param> = vars
        .named_variables
        .iter()
        .filter(|(_, t)| t.requires_grad())
        .map(|(name, tensor)| {
            let group = vars
                .trainable_variables
                .iter()
                .find(|v| v.tensor.data_ptr() == tensor.data_ptr())
                .map_or(0, |v| v.group);
            Param {
                name: name.clone(),
                tensor: tensor.shallow_clone(),
                decay: !(t.no_decay_on_biases_and_norms && group == crate::layers::NO_DECAY_GROUP),
                m: None,
                v: None,
            }
        })
        .collect();
    // A fixed order: the update does not depend on the hash map's.
    params.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Optim {
        kind: t.optimizer,
        lr: t.learning_rate,
        wd: t.weight_decay,
        params,
        steps: 0,
    })
}

impl Optim {
    pub fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    pub fn zero_grad(&mut self) {
        for p in &mut self.params {
            let mut g = p.tensor.grad();
            if g.defined() {
                let _ = g.detach_().zero_();
            }
        }
    }

    /// One update of every parameter that has a gradient.
    pub fn step(&mut self) {
        self.steps += 1;
        let (lr, steps) = (self.lr, self.steps);
        tch::no_grad(|| {
            for p in &mut self.params {
                let g = p.tensor.grad();
                if !g.defined() {
                    continue;
                }
                let wd = if p.decay { self.wd } else { 0.0 };
                match self.kind {
                    Optimizer::Sgd { momentum, nesterov } => {
                        sgd(p, g, (lr, wd, momentum, nesterov))
                    }
                    Optimizer::Adam { beta1, beta2, eps } => {
                        let g = if wd != 0.0 { g + &p.tensor * wd } else { g };
                        adam(p, g, (lr, beta1, beta2, eps), steps)
                    }
                    Optimizer::AdamW { beta1, beta2, eps } => {
                        if wd != 0.0 {
                            let _ = p.tensor.g_mul_scalar_(1.0 - lr * wd);
                        }
                        adam(p, g, (lr, beta1, beta2, eps), steps)
                    }
                }
            }
        });
    }

    /// The state to save: "optim.<param>.m" / ".v" tensors, and the step count.
    pub fn state(&self) -> (Vec<(String, Tensor)>, u64) {
        let mut out = Vec::new();
        for p in &self.params {
            if let Some(m) = &p.m {
                out.push((format!("optim.{}.m", p.name), m.shallow_clone()));
            }
            if let Some(v) = &p.v {
                out.push((format!("optim.{}.v", p.name), v.shallow_clone()));
            }
        }
        (out, self.steps)
    }

    /// Restores what [`Optim::state`] saved (by parameter name).
    pub fn restore(&mut self, tensors: &std::collections::HashMap<String, Tensor>, steps: u64) {
        self.steps = steps;
        for p in &mut self.params {
            let device = p.tensor.device();
            p.m = tensors
                .get(&format!("optim.{}.m", p.name))
                .map(|t| t.to_device(device));
            p.v = tensors
                .get(&format!("optim.{}.v", p.name))
                .map(|t| t.to_device(device));
        }
    }
}

fn sgd(p: &mut Param, g: Tensor, (lr, wd, momentum, nesterov): (f64, f64, f64, bool)) {
    let mut d = if wd != 0.0 { g + &p.tensor * wd } else { g };
    if momentum != 0.0 {
        let buf = match p.m.take() {
            None => d.detach().copy(),
            Some(b) => b * momentum + &d,
        };
        d = if nesterov {
            d + &buf * momentum
        } else {
            buf.shallow_clone()
        };
        p.m = Some(buf);
    }
    let _ = p.tensor.g_sub_(&(d * lr));
}

fn adam(p: &mut Param, g: Tensor, (lr, b1, b2, eps): (f64, f64, f64, f64), steps: u64) {
    let m = match p.m.take() {
        None => &g * (1.0 - b1),
        Some(m) => m * b1 + &g * (1.0 - b1),
    };
    let v = match p.v.take() {
        None => &g * &g * (1.0 - b2),
        Some(v) => v * b2 + &g * &g * (1.0 - b2),
    };
    let c1 = 1.0 - b1.powi(steps as i32);
    let c2 = 1.0 - b2.powi(steps as i32);
    let denom = v.sqrt() / c2.sqrt() + eps;
    let _ = p.tensor.g_sub_(&(&m / denom * (lr / c1)));
    p.m = Some(m);
    p.v = Some(v);
}
