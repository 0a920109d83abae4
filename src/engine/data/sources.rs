//! Where data comes from: detecting a folder's format, resolving downloaded datasets to their
//! cache folder, and reading each source into images in memory or an index of files.
use super::{cifar, folder, idx, synthetic, DataError, RawImages};
use spec::{DataSource, DataSpec, Format, FORMATS};
use std::path::Path;

/// Which format a folder holds: the first of `spec::FORMATS` whose files it has.
pub fn detect(folder: &Path) -> Result<DataSource, DataError> {
    if !folder.is_dir() {
        return Err(DataError::MissingFolder(folder.to_path_buf()));
    }
    for info in &FORMATS {
        if holds(info.format, folder)? {
            return Ok(info.format.source(folder.to_path_buf()));
        }
    }
    Err(DataError::Unknown(folder.to_path_buf()))
}

/// Whether `folder` has the files of `format`.
fn holds(format: Format, folder: &Path) -> Result<bool, DataError> {
    Ok(match format {
        Format::Idx => idx::check_folder(folder).is_ok(),
        Format::Cifar => cifar::is_cifar(folder),
        Format::ImageFolder => std::fs::read_dir(folder)
            .map_err(|e| DataError::Other(format!("{}: cannot list: {e}", folder.display())))?
            .filter_map(Result::ok)
            .any(|e| e.path().is_dir()),
    })
}

/// A source with downloaded datasets replaced by the folder they were unpacked to.
pub fn resolve(source: &DataSource) -> Result<DataSource, DataError> {
    match source {
        DataSource::Downloaded { name } => {
            let folder = fetch::dataset_dir(name);
            if !folder.is_dir() {
                return Err(DataError::NotDownloaded {
                    name: name.clone(),
                    folder,
                });
            }
            detect(&folder)
        }
        other => Ok(other.clone()),
    }
}

/// What a source loads as: images in memory, or an index of image files.
pub(super) enum Loaded {
    Raw {
        train: RawImages,
        test: RawImages,
        names: Vec<String>,
    },
    Files(folder::FolderIndex),
}

fn load_idx(folder: &Path) -> Result<Loaded, DataError> {
    let train = idx::load_split(folder, "train", 256)?;
    let test = idx::load_split(folder, "t10k", 256)?;
    if (train.height, train.width) != (test.height, test.width) {
        return Err(DataError::SizeMismatch {
            folder: folder.to_path_buf(),
            train: (train.height, train.width),
            test: (test.height, test.width),
        });
    }
    let classes = train
        .labels
        .iter()
        .chain(&test.labels)
        .map(|&l| l as usize + 1)
        .max()
        .unwrap_or(10)
        .max(10);
    let names = idx::class_names(folder, classes);
    Ok(Loaded::Raw { train, test, names })
}

pub(super) fn load_source(spec: &DataSpec) -> Result<Loaded, DataError> {
    Ok(match resolve(&spec.source)? {
        DataSource::Synthetic { rgb } => {
            let (train, test) = super::synthetic_sets(spec, rgb);
            Loaded::Raw {
                train,
                test,
                names: synthetic::CLASS_NAMES
                    .iter()
                    .map(|s| s.to_string())
                    .collect(),
            }
        }
        DataSource::Idx { folder } => {
            if !folder.is_dir() {
                return Err(DataError::MissingFolder(folder));
            }
            load_idx(&folder)?
        }
        DataSource::Cifar { folder } => {
            if !folder.is_dir() {
                return Err(DataError::MissingFolder(folder));
            }
            let (train, test, names) = cifar::load(&folder, spec.coarse_labels)?;
            Loaded::Raw { train, test, names }
        }
        DataSource::ImageFolder { folder } => Loaded::Files(folder::scan(&folder)?),
        DataSource::Downloaded { .. } => unreachable!("resolved above"),
    })
}
