//! Batch, layer, instance and group normalization.
use crate::spec::{Norm, Shape};
use tch::{nn, Tensor};

const EPS: f64 = 1e-5;
const MOMENTUM: f64 = 0.1;

#[derive(Debug)]
pub struct NormModule {
    kind: Norm,
    weight: Option<Tensor>,
    bias: Option<Tensor>,
    running_mean: Option<Tensor>,
    running_var: Option<Tensor>,
    flat: bool,
}

impl NormModule {
    pub fn new(p: &nn::Path, kind: Norm, input: Shape) -> NormModule {
        let c = input.channels() as i64;
        let affine = kind != Norm::Off;
        let g = p.set_group(super::NO_DECAY_GROUP);
        NormModule {
            kind,
            weight: affine.then(|| g.var("weight", &[c], nn::Init::Const(1.0))),
            bias: affine.then(|| g.var("bias", &[c], nn::Init::Const(0.0))),
            running_mean: (kind == Norm::Batch).then(|| p.zeros_no_train("running_mean", &[c])),
            running_var: (kind == Norm::Batch).then(|| p.ones_no_train("running_var", &[c])),
            flat: matches!(input, Shape::Flat(_)),
        }
    }

    pub fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let (w, b) = (self.weight.as_ref(), self.bias.as_ref());
        match self.kind {
            Norm::Off => xs.shallow_clone(),
            Norm::Batch => xs.batch_norm(
                w,
                b,
                self.running_mean.as_ref(),
                self.running_var.as_ref(),
                train,
                MOMENTUM,
                EPS,
                true,
            ),
            Norm::Layer if self.flat => {
                let n = xs.size()[1];
                xs.layer_norm([n], w, b, EPS, true)
            }
            // Over channels and positions of each sample, with a per-channel scale and shift.
            Norm::Layer => xs.group_norm(1, w, b, EPS, true),
            Norm::Instance => xs.group_norm(xs.size()[1], w, b, EPS, true),
            Norm::Group { groups } => xs.group_norm(groups as i64, w, b, EPS, true),
        }
    }
}
