//! A preset: network + training + data, stored as pretty RON.
use super::data::DataSpec;
use super::network::Network;
use super::training::Training;
use ron::extensions::Extensions;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Default)]
#[serde(default)]
pub struct Preset {
    pub name: String,
    pub description: String,
    pub network: Network,
    pub training: Training,
    pub data: DataSpec,
    /// A comparison this preset is meant for (fills the Compare dialog).
    pub compare: Option<super::compare::CompareSpec>,
}

#[derive(thiserror::Error, Debug)]
pub enum PresetError {
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("cannot read {file}: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error("cannot write {file}: {source}")]
    Write {
        file: String,
        source: std::io::Error,
    },
    #[error("cannot serialize the preset: {0}")]
    Serialize(String),
}

fn extensions() -> Extensions {
    // Lets files say `Conv2d(out_channels: 6)` instead of `Conv2d((out_channels: 6))` and
    // `kind: Batch` instead of `kind: Some(Batch)`.
    Extensions::UNWRAP_VARIANT_NEWTYPES | Extensions::IMPLICIT_SOME
}

fn options() -> ron::Options {
    ron::Options::default().with_default_extension(extensions())
}

impl Preset {
    /// Parses RON text; `origin` names the file in errors.
    pub fn from_ron(text: &str, origin: &str) -> Result<Preset, PresetError> {
        options().from_str(text).map_err(|e| PresetError::Syntax {
            file: origin.to_string(),
            line: e.span.start.line,
            column: e.span.start.col,
            message: e.code.to_string(),
        })
    }

    pub fn to_ron(&self) -> Result<String, PresetError> {
        let pretty = ron::ser::PrettyConfig::new()
            .struct_names(false)
            .indentor("    ")
            .extensions(extensions());
        let mut text = options()
            .to_string_pretty(self, pretty)
            .map_err(|e| PresetError::Serialize(e.to_string()))?;
        text.push('\n');
        Ok(text)
    }

    pub fn load(path: &Path) -> Result<Preset, PresetError> {
        let text = std::fs::read_to_string(path).map_err(|source| PresetError::Read {
            file: path.display().to_string(),
            source,
        })?;
        Preset::from_ron(&text, &path.display().to_string())
    }

    /// Writes atomically: a crash while saving never leaves a half-written file.
    pub fn save(&self, path: &Path) -> Result<(), PresetError> {
        let text = self.to_ron()?;
        write_atomic(path, text.as_bytes()).map_err(|source| PresetError::Write {
            file: path.display().to_string(),
            source,
        })
    }
}

/// Writes to a temporary file beside `path`, syncs it and renames it over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = temp_path(path);
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The temporary name used while `path` is written.
pub fn temp_path(path: &Path) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".{}.tmp", std::process::id()));
    path.with_file_name(name)
}
