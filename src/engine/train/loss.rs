//! The training loss and whole-split evaluation.
use crate::engine::model::Model;
use crate::spec::Loss;
use tch::{Kind, Tensor};

/// Mean loss and accuracy over a whole split, in eval mode.
pub fn evaluate(model: &Model, xs: &Tensor, ys: &Tensor, loss: Loss) -> (f32, f32) {
    let n = xs.size()[0];
    if n == 0 {
        return (f32::NAN, f32::NAN);
    }
    tch::no_grad(|| {
        let mut loss_sum = 0.0;
        let mut correct = 0.0;
        let mut start = 0;
        while start < n {
            let len = (n - start).min(1000);
            let x = xs.narrow(0, start, len);
            let y = ys.narrow(0, start, len);
            let logits = model.forward_t(&x, false);
            loss_sum += loss_value(&logits, &y, loss).double_value(&[]) * len as f64;
            correct += logits
                .argmax(-1, false)
                .eq_tensor(&y)
                .sum(Kind::Double)
                .double_value(&[]);
            start += len;
        }
        ((loss_sum / n as f64) as f32, (correct / n as f64) as f32)
    })
}

/// The training loss of logits against integer labels.
pub fn loss_value(logits: &Tensor, y: &Tensor, loss: Loss) -> Tensor {
    match loss {
        Loss::CrossEntropy => logits.cross_entropy_for_logits(y),
        Loss::SmoothedCrossEntropy { smoothing } => {
            logits.cross_entropy_loss::<Tensor>(y, None, tch::Reduction::Mean, -100, smoothing)
        }
        Loss::Hinge { margin } => {
            // Σ_{j≠y} max(0, margin − s_y + s_j) / K, averaged over the batch (PyTorch's
            // MultiMarginLoss).
            let k = logits.size()[1] as f64;
            let true_score = logits.gather(1, &y.unsqueeze(1), false);
            let margins = (logits - &true_score + margin).clamp_min(0.0);
            let not_true = Tensor::ones_like(logits).scatter_value(1, &y.unsqueeze(1), 0.0);
            (margins * not_true)
                .sum_dim_intlist(1, false, Kind::Float)
                .mean(Kind::Float)
                / k
        }
    }
}
