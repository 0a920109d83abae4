//! Export: a network (a preset, or a run with its weights) as a standalone PyTorch project —
//! `model.py` with the checkpoint's layer names, `train.py` that trains it with the preset's
//! settings under `python` or `torchrun` and writes a run folder in the workbench's format —
//! and, through that project's Python, as TorchScript and ONNX.
mod formats;
pub mod model_py;
mod project;
mod readme;

pub use formats::{find_python, FormatResult};
use std::path::{Path, PathBuf};

/// What to export from: a preset, with the weights of a run when exporting a run.
pub struct Source {
    pub preset: spec::Preset,
    pub weights: Option<PathBuf>,
}

/// Formats written besides the PyTorch project (which they are made from).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A traced TorchScript module, `model.pt`.
    Torchscript,
    /// An ONNX model, `model.onnx`.
    Onnx,
}

impl Format {
    pub fn file(&self) -> &'static str {
        match self {
            Format::Torchscript => "model.pt",
            Format::Onnx => "model.onnx",
        }
    }
}

#[derive(thiserror::Error, Debug)]
pub enum ExportError {
    #[error("{} already exists — choose another folder, or replace it (--force; in the window, \"Replace\")", .0.display())]
    Exists(PathBuf),
    #[error(transparent)]
    Network(#[from] spec::SpecError),
    #[error("cannot write {}: {source}", file.display())]
    Write {
        file: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    Source(String),
    #[error(
        "TorchScript and ONNX are written with PyTorch, and no Python with torch was found (tried {tried}) — set CNN_WORKBENCH_PYTHON to one"
    )]
    NoPython { tried: String },
}

/// What was written, and what the user should know about it.
#[derive(Debug, Default)]
pub struct ExportReport {
    pub dir: PathBuf,
    pub files: Vec<String>,
    pub formats: Vec<FormatResult>,
    pub notes: Vec<String>,
}

/// Where an export comes from: a run folder (its preset and its weights: `model.safetensors`,
/// else `best.safetensors`) or a preset file.
pub fn source_from_path(path: &Path) -> Result<Source, ExportError> {
    let (preset_path, weights) = if path.is_dir() {
        let weights = engine::checkpoint::weights_in(path);
        (path.join(protocol::files::PRESET_FILE), weights)
    } else {
        (path.to_path_buf(), None)
    };
    if !preset_path.is_file() {
        return Err(ExportError::Source(format!(
            "{} is neither a run folder (with preset.ron) nor a preset file",
            path.display()
        )));
    }
    let preset =
        spec::Preset::load(&preset_path).map_err(|e| ExportError::Source(e.to_string()))?;
    Ok(Source { preset, weights })
}

/// Writes the project into `out` (which must not exist unless `force`), then the formats asked
/// for. A format that fails is reported in its result with the layers to blame; the project
/// stays.
pub fn export(
    source: &Source,
    out: &Path,
    force: bool,
    formats: &[Format],
) -> Result<ExportReport, ExportError> {
    if out.exists() && !force {
        return Err(ExportError::Exists(out.to_path_buf()));
    }
    let mut report = project::write(source, out)?;
    if !formats.is_empty() {
        report.formats = formats::write(out, source.weights.is_some(), formats);
    }
    Ok(report)
}
