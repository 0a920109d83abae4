//! Which data to train on, and how it is fed to the network.
use crate::format::Format;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A dataset `data get` can download: what the data panel, the network's input defaults and
/// the download catalog (`fetch::catalog`, one entry per name, checked by a test) know of it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Downloadable {
    /// The name a preset (`Downloaded { name }`) or `--data` uses.
    pub name: &'static str,
    /// The format it unpacks to, which fixes the network input it fits.
    pub format: Format,
    /// CIFAR-100: its 100 fine labels also come as 20 coarse ones (`coarse_labels`).
    pub coarse_labels: bool,
}

/// Every downloadable dataset, in the order lists show them.
pub const DOWNLOADABLE: [Downloadable; 5] = [
    Downloadable {
        name: "mnist",
        format: Format::Idx,
        coarse_labels: false,
    },
    Downloadable {
        name: "fashion-mnist",
        format: Format::Idx,
        coarse_labels: false,
    },
    Downloadable {
        name: "kmnist",
        format: Format::Idx,
        coarse_labels: false,
    },
    Downloadable {
        name: "cifar-10",
        format: Format::Cifar,
        coarse_labels: false,
    },
    Downloadable {
        name: "cifar-100",
        format: Format::Cifar,
        coarse_labels: true,
    },
];

impl Downloadable {
    /// The network input it fits, (channels, side): its format's.
    pub fn input(&self) -> Option<(usize, usize)> {
        self.format.info().input
    }
}

/// The downloadable dataset of this name.
pub fn downloadable(name: &str) -> Option<&'static Downloadable> {
    DOWNLOADABLE.iter().find(|d| d.name == name)
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum DataSource {
    /// The built-in procedurally drawn shapes: 10 classes, 28×28, gray or coloured.
    Synthetic {
        #[serde(default)]
        rgb: bool,
    },
    /// A folder with MNIST-format IDX files (MNIST, Fashion-MNIST, KMNIST, …).
    Idx { folder: PathBuf },
    /// A CIFAR-10 or CIFAR-100 folder: the binary version (`data_batch_1.bin`…, `train.bin`)
    /// or the Python version (`cifar-10-batches-py/` pickles).
    Cifar { folder: PathBuf },
    /// torchvision's ImageFolder layout: `root/<class>/<image>`, with `train/` and `val/` (or
    /// `test/`) subfolders when present.
    ImageFolder { folder: PathBuf },
    /// A dataset downloaded with `data get` into the cache folder, by name ("cifar-10").
    Downloaded { name: String },
}

impl Default for DataSource {
    fn default() -> Self {
        DataSource::Synthetic { rgb: false }
    }
}

impl DataSource {
    /// Parses the CLI's `--data` value when it is a name: "synthetic", "synthetic-rgb" or a
    /// downloadable dataset. None means a folder, whose format the engine detects.
    pub fn from_name(arg: &str) -> Option<DataSource> {
        match arg {
            "synthetic" | "synthetic-gray" => Some(DataSource::Synthetic { rgb: false }),
            "synthetic-rgb" => Some(DataSource::Synthetic { rgb: true }),
            name if downloadable(name).is_some() && !Path::new(name).exists() => {
                Some(DataSource::Downloaded { name: name.into() })
            }
            _ => None,
        }
    }

    /// The folder this source reads, if it reads one the user chose.
    pub fn folder(&self) -> Option<&Path> {
        self.format_and_folder().map(|(_, f)| f.as_path())
    }

    pub fn describe(&self) -> String {
        match self {
            DataSource::Synthetic { rgb: false } => "built-in synthetic shapes (gray)".into(),
            DataSource::Synthetic { rgb: true } => "built-in synthetic shapes (RGB)".into(),
            DataSource::Downloaded { name } => format!("downloaded dataset {name}"),
            DataSource::Idx { .. } | DataSource::Cifar { .. } | DataSource::ImageFolder { .. } => {
                self.format_and_folder()
                    .map_or_else(String::new, |(f, folder)| {
                        format!("{} {}", f.info().describes_as, folder.display())
                    })
            }
        }
    }
}

/// How the training images reach the network.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Loader {
    /// In memory when the decoded dataset fits in `memory_limit_mb`, streamed otherwise.
    #[default]
    Auto,
    /// Decode everything once into tensors (the fast path for small sets).
    Memory,
    /// Decode and augment on worker threads, batch by batch, from the files.
    Streaming,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default)]
pub struct DataSpec {
    pub source: DataSource,
    /// Use only the first N training images (quick experiments).
    pub train_limit: Option<usize>,
    /// Use only the first N test images.
    pub test_limit: Option<usize>,
    /// Fraction of the training images held out for validation (when the data has no
    /// validation split of its own).
    pub validation_fraction: f64,
    /// Training images generated for the synthetic dataset (the test set is a sixth of this).
    pub synthetic_size: usize,
    /// CIFAR-100: train on the 20 coarse superclasses instead of the 100 fine classes.
    pub coarse_labels: bool,
    pub loader: Loader,
    /// Decoded images larger than this (all splits, as 32-bit floats) are streamed by `Auto`.
    pub memory_limit_mb: usize,
    /// Worker threads that decode and augment image files (0 = one per core, at most 4).
    pub workers: usize,
    /// Batches decoded ahead of the trainer by the streaming loader.
    pub prefetch_batches: usize,
}

impl Default for DataSpec {
    fn default() -> Self {
        DataSpec {
            source: DataSource::default(),
            train_limit: None,
            test_limit: None,
            validation_fraction: 0.1,
            synthetic_size: 12_000,
            coarse_labels: false,
            loader: Loader::Auto,
            memory_limit_mb: 2048,
            workers: 0,
            prefetch_batches: 4,
        }
    }
}

impl DataSpec {
    /// The decode workers to use on a machine with `cores` cores.
    pub fn workers_for(&self, cores: usize) -> usize {
        if self.workers == 0 {
            cores.clamp(1, 4)
        } else {
            self.workers
        }
    }
}
