//! CIFAR-10 and CIFAR-100 as distributed: the binary version (`data_batch_N.bin` +
//! `batches.meta.txt`; `train.bin`/`test.bin` with coarse and fine labels) and the Python
//! version (`cifar-10-batches-py/`, `cifar-100-python/` pickles, as torchvision downloads them).
//! Images are 32×32 RGB, stored channel-major (1024 red, 1024 green, 1024 blue bytes).
use super::pickle::{self, Value};
use super::RawImages;
use std::path::{Path, PathBuf};

const IMAGE_BYTES: usize = 3 * 32 * 32;

#[derive(thiserror::Error, Debug, Clone, PartialEq)]
pub enum CifarError {
    #[error("{}: not a CIFAR folder — expected data_batch_1.bin…data_batch_5.bin and test_batch.bin (CIFAR-10 binary), train.bin and test.bin (CIFAR-100 binary), or the Python version's cifar-10-batches-py / cifar-100-python folder", .0.display())]
    NotCifar(PathBuf),
    #[error("{}: {problem}", file.display())]
    Bad { file: PathBuf, problem: String },
}

fn bad(file: &Path, problem: impl Into<String>) -> CifarError {
    CifarError::Bad {
        file: file.to_path_buf(),
        problem: problem.into(),
    }
}

/// Which layout a folder holds.
#[derive(Clone, Debug, PartialEq)]
enum Layout {
    Bin10(PathBuf),
    Bin100(PathBuf),
    Py10(PathBuf),
    Py100(PathBuf),
}

/// The folder itself or the subfolder the archives unpack to.
fn find_layout(folder: &Path) -> Option<Layout> {
    let candidates = [
        folder.to_path_buf(),
        folder.join("cifar-10-batches-bin"),
        folder.join("cifar-100-binary"),
        folder.join("cifar-10-batches-py"),
        folder.join("cifar-100-python"),
    ];
    candidates.into_iter().find_map(|d| {
        if d.join("data_batch_1.bin").is_file() {
            Some(Layout::Bin10(d))
        } else if d.join("train.bin").is_file() && d.join("test.bin").is_file() {
            Some(Layout::Bin100(d))
        } else if d.join("data_batch_1").is_file() && d.join("test_batch").is_file() {
            Some(Layout::Py10(d))
        } else if d.join("train").is_file() && d.join("test").is_file() && d.join("meta").is_file()
        {
            Some(Layout::Py100(d))
        } else {
            None
        }
    })
}

/// True when `folder` (or the folder an archive unpacks to inside it) holds CIFAR data.
pub fn is_cifar(folder: &Path) -> bool {
    find_layout(folder).is_some()
}

fn read(file: &Path) -> Result<Vec<u8>, CifarError> {
    std::fs::read(file).map_err(|e| bad(file, format!("cannot read: {e}")))
}

/// Records of `label_bytes` label bytes and one image each; the label used is `pick`.
fn parse_bin(
    file: &Path,
    label_bytes: usize,
    pick: usize,
) -> Result<(Vec<u8>, Vec<i64>), CifarError> {
    let bytes = read(file)?;
    let record = label_bytes + IMAGE_BYTES;
    if bytes.is_empty() || bytes.len() % record != 0 {
        return Err(bad(
            file,
            format!(
                "{} bytes is not a whole number of {record}-byte records ({label_bytes} label byte{} + 3×32×32 pixels) — the file is truncated or not a CIFAR-{} batch",
                bytes.len(),
                if label_bytes == 1 { "" } else { "s" },
                if label_bytes == 1 { 10 } else { 100 }
            ),
        ));
    }
    let n = bytes.len() / record;
    let mut pixels = Vec::with_capacity(n * IMAGE_BYTES);
    let mut labels = Vec::with_capacity(n);
    for r in bytes.chunks_exact(record) {
        labels.push(r[pick] as i64);
        pixels.extend_from_slice(&r[label_bytes..]);
    }
    Ok((pixels, labels))
}

fn names_from_text(file: &Path) -> Result<Vec<String>, CifarError> {
    let text = std::fs::read_to_string(file).map_err(|e| bad(file, format!("cannot read: {e}")))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect())
}

/// One Python batch: the `data` array (N×3072 bytes) and the labels under `label_key`.
fn parse_pickle(file: &Path, label_key: &str) -> Result<(Vec<u8>, Vec<i64>), CifarError> {
    let bytes = read(file)?;
    let value = pickle::load(&bytes).map_err(|e| bad(file, e.0))?;
    let not_batch = |what: &str| bad(file, format!("not a CIFAR batch: {what}"));
    let data = value
        .get("data")
        .ok_or_else(|| not_batch("it has no \"data\" entry"))?;
    let (shape, pixels) = pickle::u8_array(data).map_err(|e| not_batch(&e.0))?;
    let labels = value
        .get(label_key)
        .and_then(Value::items)
        .ok_or_else(|| not_batch(&format!("it has no \"{label_key}\" list")))?;
    let labels: Vec<i64> = labels
        .iter()
        .map(|l| {
            l.as_int()
                .ok_or_else(|| not_batch("a label is not an integer"))
        })
        .collect::<Result<_, _>>()?;
    if shape.len() != 2 || shape[1] != IMAGE_BYTES || shape[0] * IMAGE_BYTES != pixels.len() {
        return Err(not_batch(&format!(
            "\"data\" is {shape:?}, not N×3072 bytes"
        )));
    }
    if shape[0] != labels.len() {
        return Err(not_batch(&format!(
            "{} images but {} labels",
            shape[0],
            labels.len()
        )));
    }
    Ok((pixels, labels))
}

fn names_from_pickle(file: &Path, key: &str) -> Result<Vec<String>, CifarError> {
    let value = pickle::load(&read(file)?).map_err(|e| bad(file, e.0))?;
    let names = value
        .get(key)
        .and_then(Value::items)
        .ok_or_else(|| bad(file, format!("no \"{key}\" list of class names")))?;
    Ok(names
        .iter()
        .map(|n| String::from_utf8_lossy(&n.as_bytes().unwrap_or_default()).into_owned())
        .collect())
}

fn raw(pixels: Vec<u8>, labels: Vec<i64>) -> RawImages {
    RawImages {
        pixels: pixels.iter().map(|&b| b as f32 / 255.0).collect(),
        labels,
        channels: 3,
        height: 32,
        width: 32,
    }
}

fn concat(parts: Vec<(Vec<u8>, Vec<i64>)>) -> (Vec<u8>, Vec<i64>) {
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for (p, l) in parts {
        pixels.extend(p);
        labels.extend(l);
    }
    (pixels, labels)
}

/// Training batches 1…5 that exist (at least the first).
fn batches(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    (1..=5)
        .map(|i| dir.join(format!("data_batch_{i}{suffix}")))
        .filter(|p| p.is_file())
        .collect()
}

/// Loads (train, test, class names); `coarse` picks CIFAR-100's 20 superclasses.
pub fn load(
    folder: &Path,
    coarse: bool,
) -> Result<(RawImages, RawImages, Vec<String>), CifarError> {
    let layout = find_layout(folder).ok_or_else(|| CifarError::NotCifar(folder.to_path_buf()))?;
    let (train, test, names) = read_layout(layout, coarse)?;
    let classes = names.len().max(
        train
            .1
            .iter()
            .chain(&test.1)
            .map(|&l| l as usize + 1)
            .max()
            .unwrap_or(0),
    );
    let names = if names.len() == classes {
        names
    } else {
        (0..classes).map(|i| i.to_string()).collect()
    };
    Ok((raw(train.0, train.1), raw(test.0, test.1), names))
}

type Parts = ((Vec<u8>, Vec<i64>), (Vec<u8>, Vec<i64>), Vec<String>);

/// Reads the train and test pixels and labels, and the class names, of one layout.
fn read_layout(layout: Layout, coarse: bool) -> Result<Parts, CifarError> {
    Ok(match layout {
        Layout::Bin10(d) => {
            let parts = batches(&d, ".bin")
                .iter()
                .map(|f| parse_bin(f, 1, 0))
                .collect::<Result<Vec<_>, _>>()?;
            let test = parse_bin(&d.join("test_batch.bin"), 1, 0)?;
            let meta = d.join("batches.meta.txt");
            let names = if meta.is_file() {
                names_from_text(&meta)?
            } else {
                Vec::new()
            };
            (concat(parts), test, names)
        }
        Layout::Bin100(d) => {
            let pick = usize::from(!coarse);
            let names_file = d.join(if coarse {
                "coarse_label_names.txt"
            } else {
                "fine_label_names.txt"
            });
            let names = if names_file.is_file() {
                names_from_text(&names_file)?
            } else {
                Vec::new()
            };
            (
                parse_bin(&d.join("train.bin"), 2, pick)?,
                parse_bin(&d.join("test.bin"), 2, pick)?,
                names,
            )
        }
        Layout::Py10(d) => {
            let parts = batches(&d, "")
                .iter()
                .map(|f| parse_pickle(f, "labels"))
                .collect::<Result<Vec<_>, _>>()?;
            let test = parse_pickle(&d.join("test_batch"), "labels")?;
            let meta = d.join("batches.meta");
            let names = if meta.is_file() {
                names_from_pickle(&meta, "label_names")?
            } else {
                Vec::new()
            };
            (concat(parts), test, names)
        }
        Layout::Py100(d) => {
            let key = if coarse {
                "coarse_labels"
            } else {
                "fine_labels"
            };
            let names_key = if coarse {
                "coarse_label_names"
            } else {
                "fine_label_names"
            };
            let names = names_from_pickle(&d.join("meta"), names_key)?;
            (
                parse_pickle(&d.join("train"), key)?,
                parse_pickle(&d.join("test"), key)?,
                names,
            )
        }
    })
}
