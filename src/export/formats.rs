//! TorchScript and ONNX, written by the exported project's own `export_formats.py` with a
//! Python that has PyTorch: the same code path a user of the project has.
use super::Format;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Why a format was not written, as the project's `export_formats.py` (or the launch of it)
/// reported it.
#[derive(thiserror::Error, Debug, Clone, PartialEq)]
#[error("{0}")]
pub struct FormatFailure(pub String);

/// One format's outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct FormatResult {
    pub format: Format,
    /// The file written, or why none was.
    pub outcome: Result<PathBuf, FormatFailure>,
    /// Largest |logit difference| against model.py on a random batch.
    pub max_abs_diff: Option<f64>,
    pub opset: Option<u32>,
    /// Layers that cannot be expressed in the format, by name, with the reason.
    pub layers: Vec<String>,
}

fn has_torch(python: &Path) -> bool {
    Command::new(python)
        .args(["-c", "import torch"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A Python with PyTorch: `$CNN_WORKBENCH_PYTHON`, the project's `.venv` beside the binary's
/// build folder, the environment `scripts/bootstrap.sh` makes, then `python3`.
pub fn find_python() -> Result<PathBuf, super::ExportError> {
    let mut tried = Vec::new();
    if let Some(p) = std::env::var_os("CNN_WORKBENCH_PYTHON") {
        tried.push(PathBuf::from(p));
    }
    if let Ok(exe) = std::env::current_exe() {
        // target/release/cnn-workbench → the checkout's .venv
        if let Some(root) = exe.parent().and_then(Path::parent).and_then(Path::parent) {
            tried.push(root.join(".venv/bin/python"));
        }
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")));
    if let Some(c) = cache {
        tried.push(c.join("cnn-workbench/torch-2.13.0/bin/python"));
    }
    tried.push(PathBuf::from("python3"));
    for p in &tried {
        if has_torch(p) {
            return Ok(p.clone());
        }
    }
    let names: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
    Err(super::ExportError::NoPython {
        tried: names.join(", "),
    })
}

fn parse_line(line: &str, dir: &Path) -> Option<FormatResult> {
    let v: serde_json::Value = serde_json::from_str(line).ok()?;
    let format = match v.get("format")?.as_str()? {
        "torchscript" => Format::Torchscript,
        "onnx" => Format::Onnx,
        _ => return None,
    };
    let layers = v
        .get("layers")
        .and_then(|l| l.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    let outcome = match v.get("error").and_then(|e| e.as_str()) {
        Some(e) => Err(FormatFailure(e.to_string())),
        None => Ok(dir.join(format.file())),
    };
    Some(FormatResult {
        format,
        outcome,
        max_abs_diff: v.get("max_abs_diff").and_then(|d| d.as_f64()),
        opset: v.get("opset").and_then(|o| o.as_u64()).map(|o| o as u32),
        layers,
    })
}

fn failed(format: Format, why: &str) -> FormatResult {
    FormatResult {
        format,
        outcome: Err(FormatFailure(why.to_string())),
        max_abs_diff: None,
        opset: None,
        layers: Vec::new(),
    }
}

/// Runs `export_formats.py` in the exported project `dir`.
pub(super) fn write(dir: &Path, weights: bool, formats: &[Format]) -> Vec<FormatResult> {
    let python = match find_python() {
        Ok(p) => p,
        Err(e) => return formats.iter().map(|f| failed(*f, &e.to_string())).collect(),
    };
    let mut cmd = Command::new(&python);
    cmd.current_dir(dir).arg("export_formats.py");
    if weights {
        cmd.args(["--weights", "model.safetensors"]);
    }
    for f in formats {
        let flag = match f {
            Format::Torchscript => "--torchscript",
            Format::Onnx => "--onnx",
        };
        cmd.args([flag, f.file()]);
    }
    let output = match cmd.output() {
        Ok(o) => o,
        Err(e) => {
            let why = format!("cannot run {}: {e}", python.display());
            return formats.iter().map(|f| failed(*f, &why)).collect();
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut results: Vec<FormatResult> =
        stdout.lines().filter_map(|l| parse_line(l, dir)).collect();
    let stderr = String::from_utf8_lossy(&output.stderr);
    let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
    for f in formats {
        if !results.iter().any(|r| r.format == *f) {
            let why = format!("export_formats.py stopped: {}", last.unwrap_or("no output"));
            results.push(failed(*f, &why));
        }
    }
    results
}
