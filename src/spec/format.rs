//! The dataset formats read from a folder, in one registry: what the data panel offers (its
//! choice, the folder hint), the network input a format fixes, how a source describes itself,
//! the order the engine tries them in when it detects a folder, and the name the exported
//! project's `data.py` loads it by. The engine's reader of each format is in `engine/data/`.
use crate::data::DataSource;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// A format of a dataset folder.
#[derive(Serialize, Deserialize, Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// MNIST-format IDX files (MNIST, Fashion-MNIST, KMNIST, …).
    Idx,
    /// CIFAR-10/100, the binary or the Python version.
    Cifar,
    /// torchvision's ImageFolder layout: one subfolder per class.
    ImageFolder,
}

/// What the workbench knows of a format.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FormatInfo {
    pub format: Format,
    /// The data panel's choice.
    pub label: &'static str,
    /// The folder field's hint: the files that make a folder this format.
    pub hint: &'static str,
    /// The network input it fixes, (channels, side); None when the images say.
    pub input: Option<(usize, usize)>,
    /// How a source of this format starts its description: "IDX files in".
    pub describes_as: &'static str,
    /// The exported `data.py`'s name for it (`load_<python>`).
    pub python: &'static str,
    /// Read as image files, in memory or streamed (the data panel offers the loader choice).
    pub image_files: bool,
    /// Its labels may come as CIFAR-100's 20 coarse classes (`coarse_labels`).
    pub coarse_labels: bool,
}

/// Every format, in the order a folder is tested for them (an image folder last: any folder
/// with subfolders is one).
pub const FORMATS: [FormatInfo; 3] = [
    FormatInfo {
        format: Format::Idx,
        label: "MNIST-format folder",
        hint: "folder with train-images-idx3-ubyte…",
        input: Some((1, 28)),
        describes_as: "IDX files in",
        python: "idx",
        image_files: false,
        coarse_labels: false,
    },
    FormatInfo {
        format: Format::Cifar,
        label: "CIFAR-10/100 folder",
        hint: "folder with data_batch_1.bin or cifar-10-batches-py",
        input: Some((3, 32)),
        describes_as: "CIFAR batches in",
        python: "cifar",
        image_files: false,
        coarse_labels: true,
    },
    FormatInfo {
        format: Format::ImageFolder,
        label: "image folder (one subfolder per class)",
        hint: "folder with one subfolder per class",
        input: None,
        describes_as: "image folder",
        python: "folder",
        image_files: true,
        coarse_labels: false,
    },
];

impl Format {
    pub fn info(self) -> &'static FormatInfo {
        // FORMATS holds every format once (checked by a test).
        FORMATS
            .iter()
            .find(|i| i.format == self)
            .unwrap_or(&FORMATS[0])
    }

    /// The source reading `folder` in this format.
    pub fn source(self, folder: PathBuf) -> DataSource {
        match self {
            Format::Idx => DataSource::Idx { folder },
            Format::Cifar => DataSource::Cifar { folder },
            Format::ImageFolder => DataSource::ImageFolder { folder },
        }
    }
}

impl DataSource {
    /// The format and folder of a source that reads a folder the user chose.
    pub fn format_and_folder(&self) -> Option<(Format, &PathBuf)> {
        match self {
            DataSource::Idx { folder } => Some((Format::Idx, folder)),
            DataSource::Cifar { folder } => Some((Format::Cifar, folder)),
            DataSource::ImageFolder { folder } => Some((Format::ImageFolder, folder)),
            DataSource::Synthetic { .. } | DataSource::Downloaded { .. } => None,
        }
    }

    pub fn format(&self) -> Option<Format> {
        self.format_and_folder().map(|(f, _)| f)
    }

    /// The same source reading `folder` instead (sources without a folder stay as they are).
    pub fn with_folder(&self, folder: PathBuf) -> DataSource {
        self.format()
            .map_or_else(|| self.clone(), |f| f.source(folder))
    }

    /// The network input this source fixes, (channels, side): the format's, a downloaded
    /// dataset's, or the built-in shapes' 28×28.
    pub fn input(&self) -> Option<(usize, usize)> {
        match self {
            DataSource::Synthetic { rgb } => Some((if *rgb { 3 } else { 1 }, 28)),
            DataSource::Downloaded { name } => crate::downloadable(name).and_then(|d| d.input()),
            DataSource::Idx { .. } | DataSource::Cifar { .. } | DataSource::ImageFolder { .. } => {
                self.format().and_then(|f| f.info().input)
            }
        }
    }
}
