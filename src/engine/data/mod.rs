//! Datasets: loading (built-in synthetic or IDX folder), validation split, per-channel
//! normalization, and tensors on the training device.
pub mod idx;
pub mod synthetic;

use crate::spec::{DataSource, DataSpec};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use tch::{Device, Kind, Tensor};

/// Images in [0, 1], channel-major per image, with labels.
#[derive(Clone, Debug)]
pub struct RawImages {
    pub pixels: Vec<f32>,
    pub labels: Vec<u8>,
    pub channels: usize,
    pub height: usize,
    pub width: usize,
}

impl RawImages {
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    fn image_len(&self) -> usize {
        self.channels * self.height * self.width
    }

    fn truncate(&mut self, n: usize) {
        let n = n.min(self.len());
        self.pixels.truncate(n * self.image_len());
        self.labels.truncate(n);
    }

    fn select(&self, idx: &[usize]) -> RawImages {
        let len = self.image_len();
        let mut pixels = Vec::with_capacity(idx.len() * len);
        for &i in idx {
            pixels.extend_from_slice(&self.pixels[i * len..(i + 1) * len]);
        }
        RawImages {
            pixels,
            labels: idx.iter().map(|&i| self.labels[i]).collect(),
            ..*self
        }
    }
}

/// The split used for validation is fixed (not the run's seed), so every run of every
/// comparison is validated on the same images.
const SPLIT_SEED: u64 = 0x5EED_0001;
/// The synthetic images are the same for every run too.
const SYNTHETIC_TRAIN_SEED: u64 = 1998;
const SYNTHETIC_TEST_SEED: u64 = 2012;

/// A dataset ready for training: normalized tensors on the device.
pub struct Dataset {
    pub train_x: Tensor,
    pub train_y: Tensor,
    pub val_x: Tensor,
    pub val_y: Tensor,
    pub test_x: Tensor,
    pub test_y: Tensor,
    /// Per-channel mean and standard deviation of the training images, in [0, 1] units.
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    pub class_names: Vec<String>,
    pub channels: usize,
    pub height: usize,
    pub width: usize,
    /// Eigenvalues and eigenvectors (columns) of the RGB pixel covariance, for PCA colour
    /// noise; None for gray data.
    pub pca: Option<(Vec<f32>, Vec<f32>)>,
}

/// Why a dataset cannot be used; each names the folder or file and the problem.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum DataError {
    #[error("dataset folder {} does not exist", .0.display())]
    MissingFolder(std::path::PathBuf),
    #[error(transparent)]
    Idx(#[from] idx::IdxError),
    #[error("{}: training images are {}×{} but test images are {}×{}", folder.display(), train.0, train.1, test.0, test.1)]
    SizeMismatch {
        folder: std::path::PathBuf,
        train: (usize, usize),
        test: (usize, usize),
    },
    #[error("the dataset needs at least 2 training images and 1 test image")]
    TooSmall,
}

/// Loads the raw train and test images named by `spec`.
pub fn load_raw(spec: &DataSpec) -> Result<(RawImages, RawImages, Vec<String>), DataError> {
    let (mut train, mut test, names) = match &spec.source {
        DataSource::Synthetic { rgb } => {
            let n = spec.synthetic_size.max(10);
            (
                synthetic::generate(n, *rgb, SYNTHETIC_TRAIN_SEED),
                synthetic::generate((n / 6).max(10), *rgb, SYNTHETIC_TEST_SEED),
                synthetic::CLASS_NAMES
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            )
        }
        DataSource::Idx { folder } => {
            if !folder.is_dir() {
                return Err(DataError::MissingFolder(folder.clone()));
            }
            let train = idx::load_split(folder, "train", 10)?;
            let test = idx::load_split(folder, "t10k", 10)?;
            if (train.height, train.width) != (test.height, test.width) {
                return Err(DataError::SizeMismatch {
                    folder: folder.clone(),
                    train: (train.height, train.width),
                    test: (test.height, test.width),
                });
            }
            (train, test, idx::class_names(folder))
        }
    };
    if let Some(n) = spec.train_limit {
        train.truncate(n);
    }
    if let Some(n) = spec.test_limit {
        test.truncate(n);
    }
    if train.len() < 2 || test.is_empty() {
        return Err(DataError::TooSmall);
    }
    Ok((train, test, names))
}

fn to_tensors(raw: &RawImages, mean: &[f32], std: &[f32], device: Device) -> (Tensor, Tensor) {
    let n = raw.len() as i64;
    let c = raw.channels as i64;
    let x = Tensor::from_slice(&raw.pixels).view([n, c, raw.height as i64, raw.width as i64]);
    let m = Tensor::from_slice(mean).view([1, c, 1, 1]);
    let s = Tensor::from_slice(std).view([1, c, 1, 1]);
    let x = ((x - m) / s).to_device(device);
    let y = Tensor::from_slice(&raw.labels)
        .to_kind(Kind::Int64)
        .to_device(device);
    (x, y)
}

/// Per-channel mean and standard deviation.
fn channel_stats(raw: &RawImages) -> (Vec<f32>, Vec<f32>) {
    let plane = raw.height * raw.width;
    let mut mean = vec![0f64; raw.channels];
    let mut sq = vec![0f64; raw.channels];
    for (i, &v) in raw.pixels.iter().enumerate() {
        let ch = (i / plane) % raw.channels;
        mean[ch] += v as f64;
        sq[ch] += (v as f64) * (v as f64);
    }
    let count = (raw.len() * plane) as f64;
    let mean: Vec<f64> = mean.iter().map(|m| m / count).collect();
    let std = sq
        .iter()
        .zip(&mean)
        .map(|(s, m)| ((s / count - m * m).max(0.0).sqrt()).max(1e-6) as f32)
        .collect();
    (mean.iter().map(|&m| m as f32).collect(), std)
}

/// Eigen-decomposition of the 3×3 RGB covariance (AlexNet's PCA colour augmentation).
fn rgb_pca(raw: &RawImages) -> Option<(Vec<f32>, Vec<f32>)> {
    if raw.channels != 3 {
        return None;
    }
    let plane = raw.height * raw.width;
    let take = raw.len().min(2000);
    let mut rows = Vec::with_capacity(take * plane * 3);
    for i in 0..take {
        let img = &raw.pixels[i * 3 * plane..(i + 1) * 3 * plane];
        for p in 0..plane {
            rows.extend_from_slice(&[img[p], img[plane + p], img[2 * plane + p]]);
        }
    }
    let x = Tensor::from_slice(&rows).view([-1, 3]);
    let centred = &x - x.mean_dim(0, true, None);
    let cov = centred.transpose(0, 1).matmul(&centred) / (x.size()[0] - 1) as f64;
    let (vals, vecs) = cov.linalg_eigh("L");
    Some((
        Vec::<f32>::try_from(vals.clamp_min(0.0)).ok()?,
        Vec::<f32>::try_from(vecs.contiguous().view([-1])).ok()?,
    ))
}

impl Dataset {
    pub fn load(spec: &DataSpec, device: Device) -> Result<Dataset, DataError> {
        let (train_all, test, class_names) = load_raw(spec)?;
        let mut order: Vec<usize> = (0..train_all.len()).collect();
        order.shuffle(&mut ChaCha8Rng::seed_from_u64(SPLIT_SEED));
        let frac = spec.validation_fraction.clamp(0.0, 0.9);
        let n_val =
            ((train_all.len() as f64 * frac).round() as usize).clamp(1, train_all.len() - 1);
        let (val_idx, train_idx) = order.split_at(n_val);
        let mut train_idx = train_idx.to_vec();
        let mut val_idx = val_idx.to_vec();
        // Keep the original order inside each part: the training loop shuffles per epoch.
        train_idx.sort_unstable();
        val_idx.sort_unstable();
        let train = train_all.select(&train_idx);
        let val = train_all.select(&val_idx);
        let (mean, std) = channel_stats(&train);
        let pca = rgb_pca(&train);
        let (train_x, train_y) = to_tensors(&train, &mean, &std, device);
        let (val_x, val_y) = to_tensors(&val, &mean, &std, device);
        let (test_x, test_y) = to_tensors(&test, &mean, &std, device);
        Ok(Dataset {
            train_x,
            train_y,
            val_x,
            val_y,
            test_x,
            test_y,
            mean,
            std,
            class_names,
            channels: train.channels,
            height: train.height,
            width: train.width,
            pca,
        })
    }

    pub fn train_len(&self) -> usize {
        self.train_y.size()[0] as usize
    }

    pub fn val_len(&self) -> usize {
        self.val_y.size()[0] as usize
    }

    pub fn test_len(&self) -> usize {
        self.test_y.size()[0] as usize
    }
}
