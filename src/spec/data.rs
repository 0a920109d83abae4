//! Which data to train on.
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub enum DataSource {
    /// The built-in procedurally drawn shapes: 10 classes, 28×28, gray or coloured.
    Synthetic {
        #[serde(default)]
        rgb: bool,
    },
    /// A folder with MNIST-format IDX files (MNIST, Fashion-MNIST, KMNIST, …).
    Idx { folder: PathBuf },
}

impl Default for DataSource {
    fn default() -> Self {
        DataSource::Synthetic { rgb: false }
    }
}

impl DataSource {
    /// Parses the CLI's `--data` value: "synthetic", "synthetic-rgb" or a folder.
    pub fn from_arg(arg: &str) -> DataSource {
        match arg {
            "synthetic" | "synthetic-gray" => DataSource::Synthetic { rgb: false },
            "synthetic-rgb" => DataSource::Synthetic { rgb: true },
            folder => DataSource::Idx {
                folder: folder.into(),
            },
        }
    }

    pub fn describe(&self) -> String {
        match self {
            DataSource::Synthetic { rgb: false } => "built-in synthetic shapes (gray)".into(),
            DataSource::Synthetic { rgb: true } => "built-in synthetic shapes (RGB)".into(),
            DataSource::Idx { folder } => format!("IDX files in {}", folder.display()),
        }
    }
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default)]
pub struct DataSpec {
    pub source: DataSource,
    /// Use only the first N training images (quick experiments).
    pub train_limit: Option<usize>,
    /// Use only the first N test images.
    pub test_limit: Option<usize>,
    /// Fraction of the training images held out for validation.
    pub validation_fraction: f64,
    /// Training images generated for the synthetic dataset (the test set is a sixth of this).
    pub synthetic_size: usize,
}

impl Default for DataSpec {
    fn default() -> Self {
        DataSpec {
            source: DataSource::default(),
            train_limit: None,
            test_limit: None,
            validation_fraction: 0.1,
            synthetic_size: 12_000,
        }
    }
}
