//! Checkpoints: the preset as RON (written first) and the weights as safetensors (written
//! last, atomically), with tensor names that follow the layers ("03_conv2d.weight").
use super::model::Model;
use spec::preset::temp_path;
use spec::Preset;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tch::{Device, Tensor};

pub use protocol::files::PRESET_FILE;

#[derive(thiserror::Error, Debug)]
pub enum CheckpointError {
    #[error("{file}: {message}")]
    Io { file: String, message: String },
    #[error("{0}")]
    Preset(#[from] spec::PresetError),
    #[error("{0}")]
    Network(#[from] spec::SpecError),
    #[error("{file} does not match its network: {problems}")]
    Mismatch { file: String, problems: String },
}

/// Writes `preset.ron` and `name.safetensors` into `dir`; returns the weights' path.
pub fn save(
    dir: &Path,
    name: &str,
    preset: &Preset,
    model: &Model,
) -> Result<PathBuf, CheckpointError> {
    let io = |file: &Path, e: &dyn std::fmt::Display| CheckpointError::Io {
        file: file.display().to_string(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(dir).map_err(|e| io(dir, &e))?;
    // The preset goes first; a run folder already has it, and rewriting it would make the
    // weights no longer the last thing written.
    let preset_path = dir.join(PRESET_FILE);
    let same = std::fs::read_to_string(&preset_path)
        .ok()
        .and_then(|text| Preset::from_ron(&text, "").ok())
        .is_some_and(|existing| &existing == preset);
    if !same {
        preset.save(&preset_path)?;
    }
    let path = dir.join(format!("{name}.safetensors"));
    let named: Vec<(String, Tensor)> = sorted_variables(model).into_iter().collect();
    write_tensors(&path, named).map(|_| path)
}

/// Writes named tensors (moved to the CPU) as safetensors at `path`: to a temporary file,
/// synced, then renamed — a crash leaves the old file or the whole new one.
pub fn write_tensors(path: &Path, named: Vec<(String, Tensor)>) -> Result<(), CheckpointError> {
    let io = |e: &dyn std::fmt::Display| CheckpointError::Io {
        file: path.display().to_string(),
        message: e.to_string(),
    };
    let named: Vec<(String, Tensor)> = named
        .into_iter()
        .map(|(k, t)| (k, t.to_device(Device::Cpu).contiguous()))
        .collect();
    let tmp = temp_path(path);
    let written = Tensor::write_safetensors(&named, &tmp)
        .map_err(|e| io(&e))
        .and_then(|_| {
            std::fs::File::open(&tmp)
                .and_then(|f| f.sync_all())
                .map_err(|e| io(&e))
        })
        .inspect(|_| slow_save_for_tests())
        .and_then(|_| std::fs::rename(&tmp, path).map_err(|e| io(&e)));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// The weights of a run folder: `model.safetensors` (written at the end), else
/// `best.safetensors` (a run that stopped early); a file is itself.
pub fn weights_in(path: &Path) -> Option<PathBuf> {
    if !path.is_dir() {
        return path.is_file().then(|| path.to_path_buf());
    }
    ["model.safetensors", "best.safetensors"]
        .iter()
        .map(|f| path.join(f))
        .find(|p| p.is_file())
}

/// Refuses a file that is not a safetensors file before it is read as one, in words: such a
/// file starts with its header's length (8 bytes, little-endian), which must fit in the file,
/// then the header, a JSON object.
fn check_safetensors(path: &Path) -> Result<(), CheckpointError> {
    use std::io::Read;
    let err = |message: String| CheckpointError::Io {
        file: path.display().to_string(),
        message,
    };
    let mut f = std::fs::File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => err("no such file".into()),
        _ => err(format!("cannot be read: {e}")),
    })?;
    let len = f
        .metadata()
        .map_err(|e| err(format!("cannot be read: {e}")))?
        .len();
    let mut head = [0u8; 9];
    let starts_right = len > 9
        && f.read_exact(&mut head).is_ok()
        && head[8] == b'{'
        && (2..=len - 8).contains(&u64::from_le_bytes([
            head[0], head[1], head[2], head[3], head[4], head[5], head[6], head[7],
        ]));
    if path.is_dir() || !starts_right {
        return Err(err(
            "not a safetensors checkpoint (a checkpoint is a .safetensors file of weights, such as a run folder's model.safetensors)".into(),
        ));
    }
    Ok(())
}

fn sorted_variables(model: &Model) -> BTreeMap<String, Tensor> {
    model.vs.variables().into_iter().collect()
}

/// Copies the weights in `path` into `model`, refusing any mismatch (missing or unexpected
/// tensor, wrong shape or dtype) with every problem named.
pub fn load_weights(model: &mut Model, path: &Path) -> Result<(), CheckpointError> {
    let file = path.display().to_string();
    check_safetensors(path)?;
    // tch's error names the path again: the cause alone follows the file's name.
    let tensors = Tensor::read_safetensors(path).map_err(|e| CheckpointError::Io {
        file: file.clone(),
        message: match e {
            tch::TchError::SafeTensorError { err, .. } => {
                format!("a damaged safetensors file (corrupt or truncated?): {err:?}")
            }
            other => format!("not readable: {other}"),
        },
    })?;
    let loaded: BTreeMap<String, Tensor> = tensors.into_iter().collect();
    let vars = sorted_variables(model);
    let mut problems = Vec::new();
    for (name, var) in &vars {
        match loaded.get(name) {
            None => problems.push(format!("missing tensor {name}")),
            Some(t) if t.size() != var.size() => problems.push(format!(
                "{name} has shape {:?} but the network needs {:?}",
                t.size(),
                var.size()
            )),
            Some(t) if t.kind() != var.kind() => problems.push(format!(
                "{name} has dtype {:?} but the network needs {:?}",
                t.kind(),
                var.kind()
            )),
            Some(_) => {}
        }
    }
    for name in loaded.keys().filter(|k| !vars.contains_key(*k)) {
        problems.push(format!("unexpected tensor {name}"));
    }
    if !problems.is_empty() {
        return Err(CheckpointError::Mismatch {
            file,
            problems: problems.join("; "),
        });
    }
    tch::no_grad(|| {
        for (name, mut var) in vars {
            if let Some(t) = loaded.get(&name) {
                var.copy_(&t.to_device(var.device()));
            }
        }
    });
    Ok(())
}

/// Loads a checkpoint: `path` is a `.safetensors` file with `preset.ron` beside it, or a run
/// folder (its `model.safetensors`).
pub fn load(path: &Path, device: Device) -> Result<(Preset, Model), CheckpointError> {
    let weights = if path.is_dir() {
        path.join("model.safetensors")
    } else {
        path.to_path_buf()
    };
    // The file first: one that is no checkpoint is named as such, not by its folder's preset.
    check_safetensors(&weights)?;
    let dir = weights.parent().unwrap_or(Path::new("."));
    let preset = Preset::load(&dir.join(PRESET_FILE))?;
    let mut model = Model::build(&preset.network, device, preset.training.seed)?;
    load_weights(&mut model, &weights)?;
    Ok((preset, model))
}

/// Test seam: `CNN_WORKBENCH_TEST_SLOW_SAVE_MS` holds every checkpoint between its write and its
/// rename for that long, so that the crash test's kills land inside saves.
#[doc(hidden)]
pub fn slow_save_for_tests() {
    if let Some(ms) = std::env::var("CNN_WORKBENCH_TEST_SLOW_SAVE_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
    {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// The model's tensors holding NaN or infinite values: "03_conv2d.weight (NaN)".
pub fn non_finite(model: &Model) -> Vec<String> {
    let mut out: Vec<String> = model
        .vs
        .variables()
        .into_iter()
        .filter_map(|(name, t)| {
            let nan = t.isnan().any().int64_value(&[]) != 0;
            let inf = t.isinf().any().int64_value(&[]) != 0;
            match (nan, inf) {
                (false, false) => None,
                (true, false) => Some(format!("{name} (NaN)")),
                (false, true) => Some(format!("{name} (infinite)")),
                (true, true) => Some(format!("{name} (NaN and infinite)")),
            }
        })
        .collect();
    out.sort();
    out
}
