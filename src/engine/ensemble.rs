//! "What's missing from the picture" in the lecture: averaging a classifier's outputs over
//! flips and crops of each test image, and averaging the outputs of several networks (an
//! ensemble). Both average softmax probabilities.
use super::checkpoint;
use super::data::{Dataset, DecodeSpec};
use super::model::Model;
use crate::error::{refused, Result};
use spec::{DataSource, Preset};
use std::path::{Path, PathBuf};
use tch::{Device, Kind, Tensor};

pub use protocol::inspect::{AveragedReport as EnsembleReport, Tta};

/// The views of a normalized batch that TTA averages over.
fn views(x: &Tensor, tta: Tta) -> Vec<Tensor> {
    match tta {
        Tta::Off => vec![x.shallow_clone()],
        Tta::Flip => vec![x.shallow_clone(), x.flip([3])],
        Tta::TenCrop => {
            let s = x.size();
            let (h, w) = (s[2], s[3]);
            let (ph, pw) = ((h / 8).max(1), (w / 8).max(1));
            let padded = x.constant_pad_nd([pw, pw, ph, ph]);
            let crops = [(0, 0), (0, 2 * pw), (2 * ph, 0), (2 * ph, 2 * pw), (ph, pw)];
            crops
                .iter()
                .flat_map(|&(top, left)| {
                    let c = padded.narrow(2, top, h).narrow(3, left, w);
                    [c.flip([3]), c]
                })
                .collect()
        }
    }
}

/// Softmax probabilities of `model` on `x`, averaged over the TTA views.
pub fn probabilities(model: &Model, x: &Tensor, tta: Tta) -> Tensor {
    tch::no_grad(|| {
        let v = views(x, tta);
        let n = v.len() as f64;
        v.iter()
            .map(|x| model.forward_t(x, false).softmax(-1, Kind::Float))
            .fold(None::<Tensor>, |acc, p| {
                Some(acc.map_or(p.shallow_clone(), |a| a + p))
            })
            .map(|s| s / n)
            .unwrap_or_else(|| Tensor::zeros([0], (Kind::Float, x.device())))
    })
}

/// Top-1 and (with more than 5 classes) top-5 accuracy of probabilities against labels.
fn accuracy(probs: &Tensor, y: &Tensor) -> (f32, Option<f32>) {
    let n = y.size()[0].max(1) as f64;
    let top1 = probs
        .argmax(-1, false)
        .eq_tensor(y)
        .sum(Kind::Double)
        .double_value(&[])
        / n;
    let k = probs.size()[1];
    let top5 = (k > 5).then(|| {
        let (_, best) = probs.topk(5, -1, true, true);
        (best
            .eq_tensor(&y.unsqueeze(1))
            .any_dim(1, false)
            .sum(Kind::Double)
            .double_value(&[])
            / n) as f32
    });
    (top1 as f32, top5)
}

/// Evaluates each checkpoint on the first one's test set (or `data`), with `tta`, and the
/// average of their probabilities. The networks must take the same input and classes.
pub fn evaluate(
    checkpoints: &[PathBuf],
    data: Option<DataSource>,
    tta: Tta,
    device: Device,
) -> Result<EnsembleReport> {
    let first = checkpoints
        .first()
        .ok_or_else(|| refused("no checkpoints given"))?;
    let (mut preset, model) = checkpoint::load(first, device)?;
    if let Some(d) = data {
        preset.data.source = d;
    }
    let decode = DecodeSpec::from(preset.network.input);
    let ds = Dataset::load(&preset.data, decode, device)?;
    let (x, y) = ds.head(&ds.test, ds.test_len());
    evaluate_on(checkpoints, (&preset, &model), (&x, &y), tta, device)
}

/// [`evaluate`] with the first checkpoint already loaded and the test images at hand (the
/// inspector has both).
pub fn evaluate_on(
    checkpoints: &[PathBuf],
    (preset, model): (&Preset, &Model),
    (x, y): (&Tensor, &Tensor),
    tta: Tta,
    device: Device,
) -> Result<EnsembleReport> {
    let mut members = Vec::new();
    let mut sum: Option<Tensor> = None;
    for (i, path) in checkpoints.iter().enumerate() {
        let probs = if i == 0 {
            batched_probs(model, x, tta)
        } else {
            let (p, m) = checkpoint::load(path, device)?;
            check_compatible(path, &p, preset)?;
            batched_probs(&m, x, tta)
        };
        let (top1, top5) = accuracy(&probs, y);
        members.push((path.clone(), top1, top5));
        sum = Some(sum.map_or(probs.shallow_clone(), |s| s + probs));
    }
    let mean = sum.ok_or_else(|| refused("no checkpoints given"))? / checkpoints.len() as f64;
    let (ensemble, ensemble_top5) = accuracy(&mean, y);
    Ok(EnsembleReport {
        tta,
        test_images: y.size()[0] as usize,
        members,
        ensemble,
        ensemble_top5,
    })
}

fn check_compatible(path: &Path, p: &Preset, reference: &Preset) -> Result<()> {
    if (p.network.input, p.network.classes) == (reference.network.input, reference.network.classes)
    {
        return Ok(());
    }
    Err(refused(format!(
        "{} takes {}×{}×{} images into {} classes, unlike the first checkpoint — an ensemble needs the same input and classes",
        path.display(),
        p.network.input.channels,
        p.network.input.height,
        p.network.input.width,
        p.network.classes
    )))
}

/// A model's probabilities over the test images, in batches.
fn batched_probs(model: &Model, x: &Tensor, tta: Tta) -> Tensor {
    let n = x.size()[0];
    let mut parts = Vec::new();
    let mut start = 0;
    while start < n {
        let len = (n - start).min(500);
        parts.push(probabilities(model, &x.narrow(0, start, len), tta));
        start += len;
    }
    Tensor::cat(&parts, 0)
}
