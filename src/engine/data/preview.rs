//! The dataset view's numbers: class counts, channel statistics, samples per class and the
//! same samples augmented — without decoding a whole image folder.
use super::folder::{self, DecodeSpec};
use super::{
    channel_stats, load_source, resolve, rgb_pca, skipped_warnings, DataError, Loaded, RawImages,
};
use crate::augment::{self, AugmentContext};
use protocol::data::DatasetPreview;
use protocol::inspect::Image;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use spec::{Augment, DataSource, DataSpec, Format};
use tch::Tensor;

/// Images an image folder's statistics are estimated from in the view.
const VIEW_STATS_SAMPLE: usize = 500;

/// Without reading the data: is the source there and of the kind chosen? (The settings panel
/// asks every time the folder changes.)
pub fn quick_check(source: &DataSource) -> Result<(), DataError> {
    if let Some(folder) = source.folder() {
        if folder.as_os_str().is_empty() {
            return Err(DataError::NoFolder);
        }
        if !folder.is_dir() {
            return Err(DataError::MissingFolder(folder.to_path_buf()));
        }
    }
    let resolved = resolve(source)?;
    match resolved.format_and_folder() {
        Some((Format::Idx, folder)) => Ok(super::idx::check_folder(folder)?),
        Some((Format::Cifar, folder)) if !super::cifar::is_cifar(folder) => {
            Err(super::cifar::CifarError::NotCifar(folder.clone()).into())
        }
        // An image folder is any folder; the built-in shapes need none.
        Some((Format::Cifar | Format::ImageFolder, _)) | None => Ok(()),
    }
}

fn counts(labels: &[i64], classes: usize) -> Vec<usize> {
    let mut c = vec![0; classes];
    for &l in labels {
        if let Some(slot) = c.get_mut(l as usize) {
            *slot += 1;
        }
    }
    c
}

/// Up to `per_class` indices of each class, in class order.
fn pick(labels: &[i64], classes: usize, per_class: usize) -> Vec<usize> {
    let mut taken = vec![Vec::new(); classes];
    for (i, &l) in labels.iter().enumerate() {
        if let Some(t) = taken.get_mut(l as usize) {
            if t.len() < per_class {
                t.push(i);
            }
        }
    }
    taken.concat()
}

fn image(raw: &RawImages, i: usize) -> Image {
    let len = raw.channels * raw.height * raw.width;
    Image {
        channels: raw.channels,
        height: raw.height,
        width: raw.width,
        data: raw.pixels[i * len..(i + 1) * len].to_vec(),
    }
}

/// The samples after one draw of `augment` (normalized, augmented, back to [0, 1]).
fn augmented(
    samples: &[Image],
    augment: &Augment,
    mean: &[f32],
    std: &[f32],
    pca: Option<&(Vec<f32>, Vec<f32>)>,
) -> Vec<Image> {
    let Some(first) = samples.first() else {
        return Vec::new();
    };
    let (c, h, w) = (
        first.channels as i64,
        first.height as i64,
        first.width as i64,
    );
    let flat: Vec<f32> = samples
        .iter()
        .flat_map(|s| s.data.iter().copied())
        .collect();
    let m = Tensor::from_slice(mean).view([1, c, 1, 1]);
    let s = Tensor::from_slice(std).view([1, c, 1, 1]);
    let x = (Tensor::from_slice(&flat).view([-1, c, h, w]) - &m) / &s;
    let background: Vec<f32> = mean.iter().zip(std).map(|(m, s)| -m / s).collect();
    let ctx = AugmentContext {
        background: &background,
        std,
        pca,
        cropped: false,
    };
    let y = augment::apply(&x, augment, &ctx, &mut ChaCha8Rng::seed_from_u64(7));
    let y = (y * s + m).clamp(0.0, 1.0).contiguous();
    let data = Vec::<f32>::try_from(y.view([-1])).unwrap_or_default();
    let len = (c * h * w) as usize;
    data.chunks(len)
        .map(|d| Image {
            channels: c as usize,
            height: h as usize,
            width: w as usize,
            data: d.to_vec(),
        })
        .collect()
}

/// Decodes every file of `set` (one thread: the view needs few), naming those that fail.
fn decode_set(set: &super::FileSet, input: DecodeSpec) -> (RawImages, Vec<String>) {
    let mut raw = RawImages {
        pixels: Vec::new(),
        labels: Vec::new(),
        channels: input.channels,
        height: input.height,
        width: input.width,
    };
    let mut failed = Vec::new();
    for (f, &l) in set.files.iter().zip(&set.labels) {
        match folder::decode(f, input, None) {
            Ok(px) => {
                raw.pixels.extend(folder::to_unit(&px));
                raw.labels.push(l);
            }
            Err(why) => failed.push((f.clone(), why.to_string())),
        }
    }
    (raw, skipped_warnings(&failed))
}

/// Builds the dataset view of `spec` for a network taking `input` images.
pub fn preview(
    spec: &DataSpec,
    input: DecodeSpec,
    augment: &Augment,
    per_class: usize,
) -> Result<DatasetPreview, DataError> {
    let source = spec.source.describe();
    let (names, train_labels, test_labels, sample_raw, stats_raw, notes) = match load_source(spec)?
    {
        Loaded::Raw { train, test, names } => {
            let idx = pick(&train.labels, names.len(), per_class);
            let samples = train.select(&idx);
            (
                names,
                train.labels.clone(),
                test.labels.clone(),
                samples,
                train,
                Vec::new(),
            )
        }
        Loaded::Files(index) => {
            let classes = index.classes.len();
            let idx = pick(&index.train.labels, classes, per_class);
            let (samples, mut notes) = decode_set(&index.train.select(&idx), input);
            let n = index.train.len().min(VIEW_STATS_SAMPLE);
            let (stats, more) = decode_set(&index.train.select(&(0..n).collect::<Vec<_>>()), input);
            notes.extend(more);
            notes.extend(skipped_warnings(&index.skipped));
            notes.push(format!("mean and std estimated from {n} training images; images fitted to the network input"));
            let test = index
                .test
                .as_ref()
                .map(|t| t.labels.clone())
                .unwrap_or_default();
            (
                index.classes,
                index.train.labels.clone(),
                test,
                samples,
                stats,
                notes,
            )
        }
    };
    let (mean, std) = channel_stats(&stats_raw);
    let pca = rgb_pca(&stats_raw);
    let samples: Vec<(usize, Image)> = (0..sample_raw.len())
        .map(|i| (sample_raw.labels[i] as usize, image(&sample_raw, i)))
        .collect();
    let plain: Vec<Image> = samples.iter().map(|(_, im)| im.clone()).collect();
    let augmented = augmented(&plain, augment, &mean, &std, pca.as_ref());
    Ok(DatasetPreview {
        source,
        train_counts: counts(&train_labels, names.len()),
        test_counts: counts(&test_labels, names.len()),
        class_names: names,
        channels: sample_raw.channels,
        height: sample_raw.height,
        width: sample_raw.width,
        mean,
        std,
        samples,
        augmented,
        notes,
    })
}
