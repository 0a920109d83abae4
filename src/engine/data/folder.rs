//! Image folders in torchvision's ImageFolder layout (`root/<class>/<image>`, optionally under
//! `train/` and `val/` or `test/`), and decoding one image file to the network's input:
//! resize (shorter side) + centre crop for evaluation, or a random-resized crop for training.
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Extensions read as images (case-insensitive).
pub const IMAGE_EXTENSIONS: [&str; 5] = ["png", "jpg", "jpeg", "bmp", "webp"];
/// Larger images are refused before decoding (a 30,000² photo would need 2.7 GB).
pub const MAX_SIDE: u32 = 16_384;
pub const MAX_DECODE_BYTES: u64 = 512 << 20;

#[derive(thiserror::Error, Debug, Clone, PartialEq)]
#[error("{}: {problem}", path.display())]
pub struct FolderError {
    pub path: PathBuf,
    pub problem: String,
}

fn err(path: &Path, problem: impl Into<String>) -> FolderError {
    FolderError {
        path: path.to_path_buf(),
        problem: problem.into(),
    }
}

/// Image files and their labels.
#[derive(Clone, Debug, Default)]
pub struct FileSet {
    pub files: Vec<PathBuf>,
    pub labels: Vec<i64>,
}

impl FileSet {
    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    pub fn select(&self, idx: &[usize]) -> FileSet {
        FileSet {
            files: idx.iter().map(|&i| self.files[i].clone()).collect(),
            labels: idx.iter().map(|&i| self.labels[i]).collect(),
        }
    }

    pub fn truncate(&mut self, n: usize) {
        self.files.truncate(n);
        self.labels.truncate(n);
    }
}

/// A scanned image folder.
#[derive(Clone, Debug, Default)]
pub struct FolderIndex {
    pub classes: Vec<String>,
    pub train: FileSet,
    /// The folder's own validation split (`val/` beside `test/`).
    pub val: Option<FileSet>,
    /// The folder's own evaluation split (`val/` or `test/`).
    pub test: Option<FileSet>,
    /// Files passed over, with why: not images, symlink loops.
    pub skipped: Vec<(PathBuf, String)>,
}

fn is_image(path: &Path) -> bool {
    path.extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.as_str()))
}

fn sorted_entries(dir: &Path) -> Result<Vec<PathBuf>, FolderError> {
    let rd = std::fs::read_dir(dir).map_err(|e| err(dir, format!("cannot list: {e}")))?;
    let mut out: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    out.sort();
    Ok(out)
}

fn hidden(path: &Path) -> bool {
    path.file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with('.'))
}

/// The class subfolders of `dir`, sorted (torchvision's order).
fn class_dirs(dir: &Path) -> Result<Vec<PathBuf>, FolderError> {
    Ok(sorted_entries(dir)?
        .into_iter()
        .filter(|p| p.is_dir() && !hidden(p))
        .collect())
}

/// Why an entry that is neither a folder nor a regular file is passed over.
fn not_a_file(path: &Path) -> String {
    use std::os::unix::fs::FileTypeExt;
    let kind = match std::fs::metadata(path).map(|m| m.file_type()) {
        Err(_) => "a broken link",
        Ok(t) if t.is_fifo() => "a named pipe",
        Ok(t) if t.is_socket() => "a socket",
        Ok(t) if t.is_block_device() || t.is_char_device() => "a device",
        Ok(_) => "something else",
    };
    format!("{kind}, not a regular file")
}

/// Every image under `dir`, recursively, following links but not around a loop.
fn walk(
    dir: &Path,
    seen: &mut HashSet<PathBuf>,
    out: &mut Vec<PathBuf>,
    skipped: &mut Vec<(PathBuf, String)>,
) -> Result<(), FolderError> {
    let real = dir
        .canonicalize()
        .map_err(|e| err(dir, format!("cannot resolve: {e}")))?;
    if !seen.insert(real.clone()) {
        skipped.push((
            dir.to_path_buf(),
            format!("symlink loop: leads back to {}", real.display()),
        ));
        return Ok(());
    }
    for entry in sorted_entries(dir)? {
        if hidden(&entry) {
            continue;
        }
        if entry.is_dir() {
            walk(&entry, seen, out, skipped)?;
        } else if !entry.is_file() {
            // Before the name: reading a named pipe called pipe.png would wait forever.
            let why = not_a_file(&entry);
            skipped.push((entry, why));
        } else if is_image(&entry) {
            out.push(entry);
        } else {
            skipped.push((entry, "not an image (PNG, JPEG, BMP or WebP)".into()));
        }
    }
    seen.remove(&real);
    Ok(())
}

/// The images of one split folder, labelled by the position of their class in `classes`.
fn scan_split(
    dir: &Path,
    classes: &[String],
    skipped: &mut Vec<(PathBuf, String)>,
    require_all: bool,
) -> Result<FileSet, FolderError> {
    let mut set = FileSet::default();
    for class_dir in class_dirs(dir)? {
        let name = class_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(label) = classes.iter().position(|c| *c == name) else {
            return Err(err(
                &class_dir,
                format!("class \"{name}\" is not among the training classes — rename or remove it"),
            ));
        };
        let mut files = Vec::new();
        walk(&class_dir, &mut HashSet::new(), &mut files, skipped)?;
        if files.is_empty() && require_all {
            return Err(err(
                &class_dir,
                "this class folder holds no images — add images or remove the folder",
            ));
        }
        set.labels
            .extend(std::iter::repeat_n(label as i64, files.len()));
        set.files.extend(files);
    }
    Ok(set)
}

/// Shuffles a set with a fixed seed, so a `train_limit` keeps every class.
fn mix(set: &mut FileSet, seed: u64) {
    let mut idx: Vec<usize> = (0..set.len()).collect();
    idx.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    *set = set.select(&idx);
}

/// Scans `root`: `train/` + `val/` and/or `test/` when present, else class folders directly.
pub fn scan(root: &Path) -> Result<FolderIndex, FolderError> {
    if !root.is_dir() {
        return Err(err(root, "no such folder"));
    }
    let train_dir = root.join("train");
    let split_layout = train_dir.is_dir();
    let class_root = if split_layout {
        train_dir.clone()
    } else {
        root.to_path_buf()
    };
    let classes: Vec<String> = class_dirs(&class_root)?
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    if classes.len() < 2 {
        return Err(err(
            &class_root,
            format!(
                "{} — an image folder needs one subfolder per class (at least 2), each holding that class's images",
                match classes.first() {
                    Some(c) => format!("only one class folder (\"{c}\")"),
                    None => "no class folders".into(),
                }
            ),
        ));
    }
    let mut index = FolderIndex {
        classes,
        ..FolderIndex::default()
    };
    index.train = scan_split(&class_root, &index.classes, &mut index.skipped, true)?;
    mix(&mut index.train, 0x1F01_DE12);
    if split_layout {
        let mut evals = Vec::new();
        for name in ["val", "test"] {
            let d = root.join(name);
            if d.is_dir() {
                let mut set = scan_split(&d, &index.classes, &mut index.skipped, false)?;
                mix(&mut set, 0x1F01_DE13);
                evals.push(set);
            }
        }
        match evals.len() {
            2 => {
                index.test = evals.pop();
                index.val = evals.pop();
            }
            1 => index.test = evals.pop(),
            _ => {}
        }
    }
    Ok(index)
}

/// The size of the network input, and what to do to each image.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DecodeSpec {
    pub channels: usize,
    pub height: usize,
    pub width: usize,
}

impl From<spec::InputShape> for DecodeSpec {
    /// The network's input: what its images are fitted to.
    fn from(i: spec::InputShape) -> DecodeSpec {
        DecodeSpec {
            channels: i.channels,
            height: i.height,
            width: i.width,
        }
    }
}

/// Why one image file cannot be decoded (the caller names the file).
#[derive(thiserror::Error, Debug)]
pub enum ImageFileError {
    #[error("cannot open: {0}")]
    Open(#[source] std::io::Error),
    #[error("cannot read: {0}")]
    Read(#[source] std::io::Error),
    #[error("larger than the decoder's limit ({MAX_SIDE}×{MAX_SIDE} pixels, {} MB) — downscale it", MAX_DECODE_BYTES >> 20)]
    TooLarge,
    #[error("not a readable image: {0}")]
    NotImage(#[source] image::ImageError),
}

/// Opens `path` within the decoder's limits.
pub fn open_limited(path: &Path) -> Result<image::DynamicImage, ImageFileError> {
    let mut reader = image::ImageReader::open(path)
        .map_err(ImageFileError::Open)?
        .with_guessed_format()
        .map_err(ImageFileError::Read)?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => ImageFileError::TooLarge,
        other => ImageFileError::NotImage(other),
    })
}

/// A random-resized crop's rectangle (x, y, w, h), torchvision's algorithm: area fraction in
/// [min_area, 1], log-uniform aspect ratio in [3/4, 4/3], ten tries, else the centre crop.
pub fn rrc_rect(w: u32, h: u32, min_area: f64, rng: &mut ChaCha8Rng) -> (u32, u32, u32, u32) {
    let area = (w as f64) * (h as f64);
    let (lo, hi) = ((3.0f64 / 4.0).ln(), (4.0f64 / 3.0).ln());
    for _ in 0..10 {
        let target = area * rng.random_range(min_area.clamp(0.01, 1.0)..=1.0);
        let ratio = rng.random_range(lo..=hi).exp();
        let cw = (target * ratio).sqrt().round() as u32;
        let ch = (target / ratio).sqrt().round() as u32;
        if cw > 0 && ch > 0 && cw <= w && ch <= h {
            return (
                rng.random_range(0..=w - cw),
                rng.random_range(0..=h - ch),
                cw,
                ch,
            );
        }
    }
    let side = w.min(h);
    ((w - side) / 2, (h - side) / 2, side, side)
}

/// Decodes one file to `spec` as bytes, channel-major. `crop` = (min area, seed) takes a
/// random-resized crop; None resizes the shorter side and crops the centre.
pub fn decode(
    path: &Path,
    spec: DecodeSpec,
    crop: Option<(f64, u64)>,
) -> Result<Vec<u8>, ImageFileError> {
    Ok(fit(open_limited(path)?, spec, crop))
}

/// Fits a decoded image to `spec` as [`decode`] does. Resampling is bilinear (SIMD, by
/// fast_image_resize), from the crop's region of the source straight to the output size.
pub fn fit(img: image::DynamicImage, spec: DecodeSpec, crop: Option<(f64, u64)>) -> Vec<u8> {
    use fast_image_resize::{FilterType, ResizeAlg, ResizeOptions, Resizer};
    let (tw, th) = (spec.width as u32, spec.height as u32);
    // Convert first (grey stays one channel, colour three) so the resampling moves fewer bytes.
    let src = if spec.channels == 3 {
        image::DynamicImage::ImageRgb8(img.into_rgb8())
    } else {
        image::DynamicImage::ImageLuma8(img.into_luma8())
    };
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Bilinear));
    let options = match crop {
        Some((min_area, seed)) => {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let (x, y, w, h) = rrc_rect(src.width(), src.height(), min_area, &mut rng);
            options.crop(x as f64, y as f64, w as f64, h as f64)
        }
        // The largest centred region of the output's aspect: resize the shorter side, then
        // crop the centre, in one pass.
        None => options.fit_into_destination(Some((0.5, 0.5))),
    };
    let mut dst = if spec.channels == 3 {
        image::DynamicImage::ImageRgb8(image::RgbImage::new(tw, th))
    } else {
        image::DynamicImage::ImageLuma8(image::GrayImage::new(tw, th))
    };
    if Resizer::new().resize(&src, &mut dst, &options).is_err() {
        // Only for pixel layouts fast_image_resize does not handle; never for Rgb8/Luma8.
        dst = src.resize_to_fill(tw, th, image::imageops::FilterType::Triangle);
    }
    planes(&dst, spec.channels)
}

/// Channel-major bytes: grey for one channel, RGB for three (`img` is Luma8 or Rgb8).
fn planes(img: &image::DynamicImage, channels: usize) -> Vec<u8> {
    if channels == 3 {
        let rgb = img.to_rgb8();
        let plane = (rgb.width() * rgb.height()) as usize;
        let mut out = vec![0u8; 3 * plane];
        for (i, p) in rgb.as_raw().chunks_exact(3).enumerate() {
            out[i] = p[0];
            out[plane + i] = p[1];
            out[2 * plane + i] = p[2];
        }
        out
    } else {
        img.to_luma8().into_raw()
    }
}

/// Bytes to floats in [0, 1].
pub fn to_unit(bytes: &[u8]) -> Vec<f32> {
    bytes.iter().map(|&b| b as f32 / 255.0).collect()
}
