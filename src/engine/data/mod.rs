//! Datasets: loading (built-in synthetic, IDX, CIFAR, image folders, downloaded by name),
//! validation split, per-channel normalization, and batches on the training device — from
//! tensors in memory, or streamed from files by worker threads.
pub mod cifar;
pub mod folder;
pub mod idx;
pub mod pickle;
mod preview;
mod sources;
mod split;
pub use sources::{detect, resolve};
use sources::{load_source, Loaded};
pub mod stream;
pub mod synthetic;
pub use preview::{preview, quick_check};

pub use folder::{DecodeSpec, FileSet};
pub use split::{Batch, Split};

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use spec::{DataSpec, Loader};
use std::path::PathBuf;
use std::sync::Arc;
use tch::{Device, Kind, Tensor};
/// Images in [0, 1], channel-major per image, with labels.
#[derive(Clone, Debug)]
pub struct RawImages {
    pub pixels: Vec<f32>,
    pub labels: Vec<i64>,
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

    pub(crate) fn select(&self, idx: &[usize]) -> RawImages {
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
/// An image folder without its own test split keeps this fraction of its images for testing.
const FOLDER_TEST_FRACTION: f64 = 0.1;
/// The built-in shapes a run on `Synthetic` data trains and tests on (the same for every run):
/// (train, test), both before the validation split.
pub fn synthetic_sets(spec: &DataSpec, rgb: bool) -> (RawImages, RawImages) {
    let n = spec.synthetic_size.max(10);
    (
        synthetic::generate(n, rgb, SYNTHETIC_TRAIN_SEED),
        synthetic::generate((n / 6).max(10), rgb, SYNTHETIC_TEST_SEED),
    )
}

/// Training images a streamed dataset's mean, std and PCA are estimated from.
const STATS_SAMPLE: usize = 2000;

/// A dataset ready for training: normalized tensors on the device, or files streamed.
pub struct Dataset {
    pub train: Split,
    pub val: Split,
    pub test: Split,
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
    /// What was passed over while loading (files skipped, with why), for the run's warnings.
    pub warnings: Vec<String>,
    /// Decode workers of an image folder.
    pool: Option<stream::Pool>,
    prefetch: usize,
    device: Device,
}

/// Why a dataset cannot be used; each names the folder or file and the problem.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum DataError {
    #[error("dataset folder {} does not exist", .0.display())]
    MissingFolder(PathBuf),
    #[error("choose a folder")]
    NoFolder,
    #[error(transparent)]
    Idx(#[from] idx::IdxError),
    #[error(transparent)]
    Cifar(#[from] cifar::CifarError),
    #[error(transparent)]
    Folder(#[from] folder::FolderError),
    #[error("{}: not a dataset folder — expected MNIST-format IDX files, CIFAR batches, or one subfolder of images per class", .0.display())]
    Unknown(PathBuf),
    #[error("the dataset \"{name}\" is not downloaded ({} is missing) — run `cnn-workbench data get {name}` or Data → Download… in the window", folder.display())]
    NotDownloaded { name: String, folder: PathBuf },
    #[error("{}: training images are {}×{} but test images are {}×{}", folder.display(), train.0, train.1, test.0, test.1)]
    SizeMismatch {
        folder: PathBuf,
        train: (usize, usize),
        test: (usize, usize),
    },
    #[error("the dataset needs at least 2 training images and 1 test image")]
    TooSmall,
    #[error("{0}")]
    Other(String),
}

/// Train and validation indices: a fixed shuffle, original order kept inside each part.
pub fn split_indices(n: usize, fraction: f64) -> (Vec<usize>, Vec<usize>) {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(SPLIT_SEED));
    let n_val = ((n as f64 * fraction.clamp(0.0, 0.9)).round() as usize).clamp(1, n - 1);
    let (val, train) = order.split_at(n_val);
    let mut train = train.to_vec();
    let mut val = val.to_vec();
    // The training loop shuffles per epoch.
    train.sort_unstable();
    val.sort_unstable();
    (train, val)
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

/// An image folder's train, validation and test files (held out where the folder has no split
/// of its own), limited as the spec says, with the scan's warnings.
fn folder_splits(
    spec: &DataSpec,
    index: folder::FolderIndex,
) -> Result<(FileSet, FileSet, FileSet, Vec<String>), DataError> {
    let warnings = skipped_warnings(&index.skipped);
    let (train, mut test) = match index.test {
        Some(t) => (index.train, t),
        None => {
            let (train, test) = split_indices(index.train.len(), FOLDER_TEST_FRACTION);
            (index.train.select(&train), index.train.select(&test))
        }
    };
    let (mut train, val) = match index.val {
        Some(v) => (train, v),
        None => {
            let (t, v) = split_indices(train.len(), spec.validation_fraction);
            (train.select(&t), train.select(&v))
        }
    };
    apply_limits(spec, &mut train, &mut test)?;
    Ok((train, val, test, warnings))
}

/// Images in memory or files: what the spec's limits cut.
trait Limited {
    fn count(&self) -> usize;
    fn keep_first(&mut self, n: usize);
}

impl Limited for RawImages {
    fn count(&self) -> usize {
        self.len()
    }
    fn keep_first(&mut self, n: usize) {
        self.truncate(n)
    }
}

impl Limited for FileSet {
    fn count(&self) -> usize {
        self.len()
    }
    fn keep_first(&mut self, n: usize) {
        self.truncate(n)
    }
}

/// `train_limit` and `test_limit`, then the smallest usable sizes.
fn apply_limits<T: Limited>(spec: &DataSpec, train: &mut T, test: &mut T) -> Result<(), DataError> {
    if let Some(n) = spec.train_limit {
        train.keep_first(n);
    }
    if let Some(n) = spec.test_limit {
        test.keep_first(n);
    }
    if train.count() < 2 || test.count() == 0 {
        return Err(DataError::TooSmall);
    }
    Ok(())
}

/// "skipped PATH: why" lines, at most 50 named.
fn skipped_warnings(skipped: &[(PathBuf, String)]) -> Vec<String> {
    let mut out: Vec<String> = skipped
        .iter()
        .take(50)
        .map(|(p, why)| format!("skipped {}: {why}", p.display()))
        .collect();
    if skipped.len() > 50 {
        out.push(format!("… and {} more files skipped", skipped.len() - 50));
    }
    out
}

fn to_raw(d: stream::Decoded, spec: DecodeSpec) -> RawImages {
    RawImages {
        pixels: folder::to_unit(&d.pixels),
        labels: d.labels,
        channels: spec.channels,
        height: spec.height,
        width: spec.width,
    }
}

impl Dataset {
    /// Loads `spec` for a network that takes `input` images (image folders are fitted to it).
    pub fn load(spec: &DataSpec, input: DecodeSpec, device: Device) -> Result<Dataset, DataError> {
        match load_source(spec)? {
            Loaded::Raw {
                mut train,
                mut test,
                names,
            } => {
                apply_limits(spec, &mut train, &mut test)?;
                let (train_idx, val_idx) = split_indices(train.len(), spec.validation_fraction);
                let val = train.select(&val_idx);
                let train = train.select(&train_idx);
                Ok(Self::in_memory(
                    [train, val, test],
                    names,
                    Vec::new(),
                    device,
                ))
            }
            Loaded::Files(index) => Self::from_folder(spec, index, input, device),
        }
    }

    /// Normalizes with the training images' statistics and moves the splits to the device.
    fn in_memory(
        [train, val, test]: [RawImages; 3],
        class_names: Vec<String>,
        warnings: Vec<String>,
        device: Device,
    ) -> Dataset {
        let (mean, std) = channel_stats(&train);
        let pca = rgb_pca(&train);
        let split = |raw: &RawImages| {
            let (x, y) = to_tensors(raw, &mean, &std, device);
            Split::Memory { x, y }
        };
        Dataset {
            train: split(&train),
            val: split(&val),
            test: split(&test),
            class_names,
            channels: train.channels,
            height: train.height,
            width: train.width,
            mean,
            std,
            pca,
            warnings,
            pool: None,
            prefetch: 0,
            device,
        }
    }

    /// An image folder: decoded into memory when it fits `memory_limit_mb`, else streamed.
    fn from_folder(
        spec: &DataSpec,
        index: folder::FolderIndex,
        input: DecodeSpec,
        device: Device,
    ) -> Result<Dataset, DataError> {
        let class_names = index.classes.clone();
        let (train, val, test, mut warnings) = folder_splits(spec, index)?;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let pool = stream::Pool::new(spec.workers_for(cores), input)
            .map_err(|e| DataError::Other(format!("cannot start the decode threads: {e}")))?;
        let images = train.len() + val.len() + test.len();
        let bytes = images * input.channels * input.height * input.width * 4;
        let streamed = match spec.loader {
            Loader::Memory => false,
            Loader::Streaming => true,
            Loader::Auto => bytes > spec.memory_limit_mb << 20,
        };
        if !streamed {
            let mut raws = Vec::new();
            for set in [train, val, test] {
                let d = pool.decode_all(Arc::new(set), 64);
                warnings.extend(skipped_warnings(&d.failed));
                raws.push(to_raw(d, input));
            }
            let [train, val, test]: [RawImages; 3] = raws
                .try_into()
                .map_err(|_| DataError::Other("internal: three splits expected".into()))?;
            if train.len() < 2 || test.is_empty() {
                return Err(DataError::TooSmall);
            }
            return Ok(Self::in_memory(
                [train, val, test],
                class_names,
                warnings,
                device,
            ));
        }
        // Statistics from a sample of the (already mixed) training files.
        let sample = train.select(&(0..train.len().min(STATS_SAMPLE)).collect::<Vec<_>>());
        let d = pool.decode_all(Arc::new(sample), 64);
        let sample = to_raw(d, input);
        let (mean, std) = channel_stats(&sample);
        let pca = rgb_pca(&sample);
        Ok(Dataset {
            train: Split::Files(Arc::new(train)),
            val: Split::Files(Arc::new(val)),
            test: Split::Files(Arc::new(test)),
            mean,
            std,
            pca,
            class_names,
            channels: input.channels,
            height: input.height,
            width: input.width,
            warnings,
            pool: Some(pool),
            prefetch: spec.prefetch_batches.max(1),
            device,
        })
    }

    pub fn train_len(&self) -> usize {
        self.train.len()
    }

    pub fn val_len(&self) -> usize {
        self.val.len()
    }

    pub fn test_len(&self) -> usize {
        self.test.len()
    }

    /// True when the training images are decoded from files batch by batch.
    pub fn is_streamed(&self) -> bool {
        matches!(self.train, Split::Files(_))
    }
}
