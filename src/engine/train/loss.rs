//! The training loss and whole-split evaluation.
use crate::data::{Dataset, Split};
use crate::model::Model;
use spec::Loss;
use std::path::PathBuf;
use tch::{Kind, Tensor};

/// Mean loss, accuracy and (with more than 5 classes) top-5 accuracy over a split, in eval
/// mode; files of a streamed split that could not be decoded are left out and named.
#[derive(Debug, Default)]
pub struct Evaluation {
    pub loss: f32,
    pub accuracy: f32,
    pub top5: Option<f32>,
    pub failed: Vec<(PathBuf, String)>,
}

pub fn evaluate(model: &Model, data: &Dataset, split: &Split, loss: Loss) -> Evaluation {
    let mut out = Evaluation {
        loss: f32::NAN,
        accuracy: f32::NAN,
        ..Evaluation::default()
    };
    let batch = if data.is_streamed() { 256 } else { 1000 };
    let (mut loss_sum, mut correct, mut top5, mut n) = (0.0, 0.0, 0.0, 0usize);
    let mut classes = 0;
    tch::no_grad(|| {
        for b in data.batches(split, None, batch, None) {
            let len = b.len();
            out.failed.extend(b.failed);
            if len == 0 {
                continue;
            }
            let logits = model.forward_t(&b.x, false);
            classes = logits.size()[1];
            loss_sum += loss_value(&logits, &b.y, loss).double_value(&[]) * len as f64;
            correct += logits
                .argmax(-1, false)
                .eq_tensor(&b.y)
                .sum(Kind::Double)
                .double_value(&[]);
            if classes > 5 {
                let (_, best) = logits.topk(5, -1, true, true);
                top5 += best
                    .eq_tensor(&b.y.unsqueeze(1))
                    .any_dim(1, false)
                    .sum(Kind::Double)
                    .double_value(&[]);
            }
            n += len;
        }
    });
    if n > 0 {
        out.loss = (loss_sum / n as f64) as f32;
        out.accuracy = (correct / n as f64) as f32;
        out.top5 = (classes > 5).then_some((top5 / n as f64) as f32);
    }
    out
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
