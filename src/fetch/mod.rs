//! Downloading datasets: the catalog (canonical sources, mirrors and the MD5 checksums
//! torchvision uses), resumable HTTP downloads verified before anything is unpacked, and the
//! cache folder the datasets are unpacked into, atomically.
mod catalog;
mod download;
mod unpack;

pub use catalog::{catalog, Archive, Entry};
pub use download::{
    builtin, configured_catalog, entry, get, load_catalog, md5_file, FetchError, Progress,
};

use std::path::PathBuf;

/// The cache folder: `$CNN_WORKBENCH_DATA`, else `$XDG_CACHE_HOME/cnn-workbench/datasets`,
/// else `~/.cache/cnn-workbench/datasets`.
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("CNN_WORKBENCH_DATA") {
        return d.into();
    }
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("cnn-workbench").join("datasets")
}

/// Where dataset `name` is (or will be) unpacked.
pub fn dataset_dir(name: &str) -> PathBuf {
    cache_dir().join(name)
}
