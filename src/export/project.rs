//! The PyTorch project on disk: written into a temporary folder beside the target, then
//! renamed into place, so an export never leaves half a project under the name asked for.
use super::{ExportError, ExportReport, Source};
use spec::{DataSource, Preset};
use std::path::{Path, PathBuf};

const LAYERS_PY: &str = include_str!("python/workbench_layers.py");
const TRAIN_PY: &str = include_str!("python/train.py");
const DATA_PY: &str = include_str!("python/data.py");
const AUGMENT_PY: &str = include_str!("python/augment.py");
const RUNFOLDER_PY: &str = include_str!("python/runfolder.py");
const FORMATS_PY: &str = include_str!("python/export_formats.py");

fn put(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), ExportError> {
    let file = dir.join(name);
    if let Some(parent) = file.parent() {
        std::fs::create_dir_all(parent).map_err(|source| ExportError::Write {
            file: parent.to_path_buf(),
            source,
        })?;
    }
    std::fs::write(&file, bytes).map_err(|source| ExportError::Write { file, source })
}

/// The built-in shapes as IDX files (8-bit, `[N, H, W]` or `[N, C, H, W]`), so the exported
/// project trains on the same images.
fn idx_bytes(dims: &[usize], data: impl Iterator<Item = u8>) -> Vec<u8> {
    let mut out = vec![0, 0, 0x08, dims.len() as u8];
    for d in dims {
        out.extend_from_slice(&(*d as u32).to_be_bytes());
    }
    out.extend(data);
    out
}

fn write_synthetic(dir: &Path, preset: &Preset, rgb: bool) -> Result<(), ExportError> {
    let (train, test) = engine::data::synthetic_sets(&preset.data, rgb);
    for (split, raw) in [("train", &train), ("t10k", &test)] {
        let mut dims = vec![raw.len()];
        if raw.channels != 1 {
            dims.push(raw.channels);
        }
        dims.extend([raw.height, raw.width]);
        let pixels = raw.pixels.iter().map(|v| (v * 255.0).round() as u8);
        put(
            dir,
            &format!("data/{split}-images-idx3-ubyte"),
            &idx_bytes(&dims, pixels),
        )?;
        let labels = raw.labels.iter().map(|&l| l as u8);
        put(
            dir,
            &format!("data/{split}-labels-idx1-ubyte"),
            &idx_bytes(&[raw.len()], labels),
        )?;
    }
    let names = engine::data::synthetic::CLASS_NAMES.join("\n");
    put(dir, "data/classes.txt", names.as_bytes())
}

/// The preset as train.py reads it: JSON, with the data folder made absolute (train.py runs
/// from its own folder) and the built-in shapes replaced by their exported copy.
fn config(preset: &Preset) -> Result<String, ExportError> {
    let mut p = preset.clone();
    p.data.source = match &p.data.source {
        DataSource::Synthetic { .. } => DataSource::Idx {
            folder: PathBuf::from("data"),
        },
        other => match other.folder() {
            Some(folder) => other.with_folder(absolute(folder)),
            None => other.clone(),
        },
    };
    serde_json::to_string_pretty(&p).map_err(|e| ExportError::Source(e.to_string()))
}

fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

fn temp_dir(out: &Path) -> PathBuf {
    let name = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    out.with_file_name(format!(".{name}.export-{}", std::process::id()))
}

pub(super) fn write_project(source: &Source, dir: &Path) -> Result<Vec<String>, ExportError> {
    let preset = &source.preset;
    let summary = spec::infer(&preset.network)?;
    let mut files = vec![
        (
            "model.py".to_string(),
            super::model_py::model_py(preset)?.into_bytes(),
        ),
        ("workbench_layers.py".into(), LAYERS_PY.as_bytes().to_vec()),
        ("train.py".into(), TRAIN_PY.as_bytes().to_vec()),
        ("data.py".into(), DATA_PY.as_bytes().to_vec()),
        ("augment.py".into(), AUGMENT_PY.as_bytes().to_vec()),
        ("runfolder.py".into(), RUNFOLDER_PY.as_bytes().to_vec()),
        ("export_formats.py".into(), FORMATS_PY.as_bytes().to_vec()),
        ("config.json".into(), config(preset)?.into_bytes()),
        (
            "summary.ron".into(),
            ron::to_string(&summary)
                .map_err(|e| ExportError::Source(e.to_string()))?
                .into_bytes(),
        ),
        ("requirements.txt".into(), REQUIREMENTS.as_bytes().to_vec()),
        (
            "README.md".into(),
            super::readme::readme(preset, source.weights.is_some()).into_bytes(),
        ),
    ];
    let preset_text = preset
        .to_ron()
        .map_err(|e| ExportError::Source(e.to_string()))?;
    files.push(("preset.ron".into(), preset_text.into_bytes()));
    for (name, bytes) in &files {
        put(dir, name, bytes)?;
    }
    let mut names: Vec<String> = files.into_iter().map(|(n, _)| n).collect();
    if let Some(w) = &source.weights {
        let file = dir.join("model.safetensors");
        std::fs::copy(w, &file).map_err(|source| ExportError::Write { file, source })?;
        names.push("model.safetensors".into());
    }
    if let DataSource::Synthetic { rgb } = preset.data.source {
        write_synthetic(dir, preset, rgb)?;
        names.push("data/".into());
    }
    Ok(names)
}

const REQUIREMENTS: &str = "\
# What the exported project needs (tested with torch 2.13). Any recent PyTorch will do.
torch>=2.1
numpy
safetensors
# Image folders are decoded with Pillow.
pillow
# Only for export_formats.py --onnx:
# onnx
# onnxscript
# onnxruntime
";

/// Writes the project into `out`: replaced as a whole when it exists (the caller checked that
/// replacing is wanted).
pub(super) fn write(source: &Source, out: &Path) -> Result<ExportReport, ExportError> {
    let tmp = temp_dir(out);
    let _ = std::fs::remove_dir_all(&tmp);
    let files = match write_project(source, &tmp) {
        Ok(f) => f,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    let io = |file: &Path, source| ExportError::Write {
        file: file.to_path_buf(),
        source,
    };
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| io(out, e))?;
    }
    std::fs::rename(&tmp, out).map_err(|e| io(out, e))?;
    let mut notes = Vec::new();
    if source.weights.is_none() {
        notes.push("no weights: a preset was exported, not a run — train.py trains it".into());
    }
    if let DataSource::Synthetic { .. } = source.preset.data.source {
        notes.push("the built-in shapes are exported as IDX files in data/".into());
    }
    Ok(ExportReport {
        dir: out.to_path_buf(),
        files,
        formats: Vec::new(),
        notes,
    })
}
