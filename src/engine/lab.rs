//! The concept lab's numbers from libtorch's autograd, beside the hand computations of
//! `spec::lab`: the tiny network's gradients, and an activation's derivative.
use crate::layers::activation::ActModule;
use spec::lab::backprop::{Grads, TinyNet};
use spec::Activation;
use tch::{nn, Device, Kind, Tensor};

fn t(v: &[f64], shape: &[i64]) -> Tensor {
    Tensor::from_slice(v).to_kind(Kind::Double).view(shape)
}

fn arr<const N: usize>(t: &Tensor) -> [f64; N] {
    let v =
        Vec::<f64>::try_from(t.to_kind(Kind::Double).contiguous().view([-1])).unwrap_or_default();
    let mut out = [0.0; N];
    for (o, x) in out.iter_mut().zip(v) {
        *o = x;
    }
    out
}

fn act(a: Activation, xs: &Tensor) -> Tensor {
    let vs = nn::VarStore::new(Device::Cpu);
    ActModule::new(&vs.root(), a, 1).forward_t(xs, false)
}

/// The tiny network's gradients by autograd (float64): every intermediate g(zᵢ) and g(wᵢ).
pub fn autograd(n: &TinyNet) -> Grads {
    let x = t(&n.x, &[1, 1, 4, 4]);
    let w1 = t(&n.w1, &[1, 1, 2, 2]).set_requires_grad(true);
    let b1 = t(&[n.b1], &[1]).set_requires_grad(true);
    let w2 = t(&n.w2, &[2, 4]).set_requires_grad(true);
    let b2 = t(&n.b2, &[2]).set_requires_grad(true);
    let z1 = x.conv2d(&w1, Some(&b1), [1, 1], [0, 0], [1, 1], 1);
    let z2 = act(n.act, &z1);
    let z3 = z2.max_pool2d([2, 2], [1, 1], [0, 0], [1, 1], false);
    let logits = z3.flatten(1, -1).linear(&w2, Some(&b2));
    let y = Tensor::from_slice(&[n.label as i64]);
    // tch's cross_entropy_for_logits computes in float32: stay in float64.
    let loss = logits.log_softmax(-1, Kind::Double).nll_loss(&y);
    let g = Tensor::run_backward(
        &[loss],
        &[&logits, &z3, &z2, &z1, &w1, &b1, &w2, &b2],
        false,
        false,
    );
    Grads {
        logits: arr(&g[0]),
        z3: arr(&g[1]),
        z2: arr(&g[2]),
        z1: arr(&g[3]),
        w1: arr(&g[4]),
        b1: arr::<1>(&g[5])[0],
        w2: arr(&g[6]),
        b2: arr(&g[7]),
    }
}

/// f′(x) of an activation at each point, by autograd through the engine's own implementation
/// (Dice in evaluation form, with running mean `mean` and variance `var`).
pub fn derivative(a: Activation, xs: &[f64], mean: f64, var: f64) -> Vec<f64> {
    let x = t(xs, &[xs.len() as i64, 1]).set_requires_grad(true);
    let vs = nn::VarStore::new(Device::Cpu);
    let module = ActModule::new(&vs.root(), a, 1);
    if let ActModule::Dice {
        running_mean,
        running_var,
        ..
    } = &module
    {
        tch::no_grad(|| {
            let _ = running_mean.shallow_clone().fill_(mean);
            let _ = running_var.shallow_clone().fill_(var);
        });
    }
    let y = module
        .forward_t(&x.to_kind(Kind::Float), false)
        .to_kind(Kind::Double);
    let g = Tensor::run_backward(&[y.sum(Kind::Double)], &[&x], false, false);
    Vec::<f64>::try_from(g[0].view([-1])).unwrap_or_default()
}
