//! The MNIST-family IDX format (MNIST, Fashion-MNIST, KMNIST): big-endian header, u8 images
//! `[N][28][28]` and u8 labels `[N]`, optionally gzipped.
use super::RawImages;
use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum IdxError {
    #[error("{folder}: no {name} or {name}.gz — an MNIST-format folder needs train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (each optionally .gz)")]
    Missing { folder: String, name: String },
    #[error("{file}: {problem}")]
    Bad { file: String, problem: String },
    #[error("{images} has {n_images} images but {labels} has {n_labels} labels")]
    CountMismatch {
        images: String,
        n_images: usize,
        labels: String,
        n_labels: usize,
    },
}

fn bad(file: &Path, problem: impl Into<String>) -> IdxError {
    IdxError::Bad {
        file: file.display().to_string(),
        problem: problem.into(),
    }
}

/// Finds `name` or `name.gz` in `folder`.
fn locate(folder: &Path, name: &str) -> Result<PathBuf, IdxError> {
    for candidate in [folder.join(name), folder.join(format!("{name}.gz"))] {
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(IdxError::Missing {
        folder: folder.display().to_string(),
        name: name.to_string(),
    })
}

fn read_bytes(file: &Path) -> Result<Vec<u8>, IdxError> {
    let raw = std::fs::read(file).map_err(|e| bad(file, format!("cannot read: {e}")))?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(raw.as_slice())
            .read_to_end(&mut out)
            .map_err(|e| bad(file, format!("corrupt or truncated gzip data: {e}")))?;
        Ok(out)
    } else {
        Ok(raw)
    }
}

fn be_u32(b: &[u8], at: usize) -> usize {
    u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]) as usize
}

/// Parses an IDX file with `dims` dimensions of u8 data; returns (dims, payload).
fn parse(file: &Path, bytes: &[u8], dims: usize) -> Result<(Vec<usize>, Vec<u8>), IdxError> {
    let header = 4 + 4 * dims;
    if bytes.len() < 4 {
        return Err(bad(file, format!("truncated: only {} bytes", bytes.len())));
    }
    let magic = be_u32(bytes, 0);
    let expected = 0x0800 + dims;
    if magic != expected {
        let what = if dims == 3 { "image" } else { "label" };
        return Err(bad(
            file,
            format!(
                "not an IDX {what} file (magic number 0x{magic:08x}, expected 0x{expected:08x})"
            ),
        ));
    }
    if bytes.len() < header {
        return Err(bad(
            file,
            format!(
                "truncated: {} bytes, shorter than the {header}-byte header",
                bytes.len()
            ),
        ));
    }
    let shape: Vec<usize> = (0..dims).map(|i| be_u32(bytes, 4 + 4 * i)).collect();
    let need: usize = shape.iter().product();
    let have = bytes.len() - header;
    if have < need {
        let desc = shape
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("×");
        return Err(bad(
            file,
            format!("truncated: the header promises {desc} = {need} bytes of data but only {have} follow"),
        ));
    }
    Ok((shape, bytes[header..header + need].to_vec()))
}

/// Reads one split ("train" or "t10k") from `folder`.
pub fn load_split(folder: &Path, split: &str, classes: usize) -> Result<RawImages, IdxError> {
    let img_path = locate(folder, &format!("{split}-images-idx3-ubyte"))?;
    let lbl_path = locate(folder, &format!("{split}-labels-idx1-ubyte"))?;
    let (shape, data) = parse(&img_path, &read_bytes(&img_path)?, 3)?;
    let (lshape, labels) = parse(&lbl_path, &read_bytes(&lbl_path)?, 1)?;
    if shape[0] != lshape[0] {
        return Err(IdxError::CountMismatch {
            images: img_path.display().to_string(),
            n_images: shape[0],
            labels: lbl_path.display().to_string(),
            n_labels: lshape[0],
        });
    }
    if shape[1] == 0 || shape[2] == 0 {
        return Err(bad(&img_path, "images have zero size"));
    }
    if let Some((i, l)) = labels
        .iter()
        .enumerate()
        .find(|(_, l)| **l as usize >= classes)
    {
        return Err(bad(
            &lbl_path,
            format!("label {l} at index {i} is outside 0–{} (mislabeled or not a {classes}-class dataset)", classes - 1),
        ));
    }
    Ok(RawImages {
        pixels: data.iter().map(|&b| b as f32 / 255.0).collect(),
        labels: labels.iter().map(|&l| l as i64).collect(),
        channels: 1,
        height: shape[1],
        width: shape[2],
    })
}

/// Class names for well-known datasets, recognised by folder name; digits otherwise.
pub fn class_names(folder: &Path, classes: usize) -> Vec<String> {
    let name = folder
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if classes != 10 {
        (0..classes).map(|d| d.to_string()).collect()
    } else if name.contains("kmnist") {
        // Kuzushiji-MNIST: one row of cursive Hiragana, in romaji.
        ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    } else if name.contains("fashion") {
        [
            "T-shirt/top",
            "Trouser",
            "Pullover",
            "Dress",
            "Coat",
            "Sandal",
            "Shirt",
            "Sneaker",
            "Bag",
            "Ankle boot",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    } else {
        (0..10).map(|d| d.to_string()).collect()
    }
}

/// Checks that `folder` holds the four IDX files (without reading them): the settings panel
/// reports a missing file before training starts.
pub fn check_folder(folder: &Path) -> Result<(), IdxError> {
    if !folder.is_dir() {
        return Err(IdxError::Bad {
            file: folder.display().to_string(),
            problem: "no such folder".into(),
        });
    }
    for split in ["train", "t10k"] {
        locate(folder, &format!("{split}-images-idx3-ubyte"))?;
        locate(folder, &format!("{split}-labels-idx1-ubyte"))?;
    }
    Ok(())
}
