//! Fine-tuning: a new run that starts from a checkpoint's weights where names and shapes match
//! (the rest initialized as usual, and listed), with chosen layers frozen.
use crate::error::{refused, Result};
use crate::model::{layer_path, Model};
use spec::Preset;
use std::collections::HashMap;
use std::path::Path;
use tch::Tensor;

/// Loads the matching tensors of `from` into `model`; returns a line for the run's warnings
/// naming what was loaded and what was initialized afresh (and why).
pub fn init_from(model: &mut Model, from: &Path) -> Result<String> {
    let file = crate::checkpoint::weights_in(from).ok_or_else(|| {
        refused(format!(
            "cannot fine-tune from {}: no checkpoint there",
            from.display()
        ))
    })?;
    let loaded: HashMap<String, Tensor> = Tensor::read_safetensors(&file)
        .map_err(|e| refused(format!("cannot fine-tune from {}: {e}", file.display())))?
        .into_iter()
        .collect();
    let (mut copied, mut fresh) = (0, Vec::new());
    let mut vars: Vec<(String, Tensor)> = model.vs.variables().into_iter().collect();
    vars.sort_by(|a, b| a.0.cmp(&b.0));
    tch::no_grad(|| {
        for (name, mut var) in vars {
            match loaded.get(&name) {
                Some(t) if t.size() == var.size() => {
                    var.copy_(&t.to_device(var.device()));
                    copied += 1;
                }
                Some(t) => fresh.push(format!(
                    "{name} {:?} (checkpoint: {:?})",
                    var.size(),
                    t.size()
                )),
                None => fresh.push(format!("{name} (not in the checkpoint)")),
            }
        }
    });
    if copied == 0 {
        return Err(refused(format!(
            "{} shares no tensor (name and shape) with this network — nothing to fine-tune from",
            file.display()
        )));
    }
    let mut line = format!(
        "fine-tuning from {}: {copied} tensors loaded",
        file.display()
    );
    if !fresh.is_empty() {
        line += &format!("; initialized afresh: {}", fresh.join(", "));
    }
    Ok(line)
}

/// Turns off the gradient of every parameter of the frozen layers; returns a line naming them.
pub fn freeze(model: &Model, preset: &Preset) -> Result<Option<String>> {
    let layers = &preset.network.layers;
    if preset.training.freeze.is_empty() {
        return Ok(None);
    }
    let mut names = Vec::new();
    for &n in &preset.training.freeze {
        let layer = layers.get(n.wrapping_sub(1)).ok_or_else(|| {
            refused(format!(
                "cannot freeze layer {n}: the network has {} layers",
                layers.len()
            ))
        })?;
        let prefix = format!("{}.", layer_path(n - 1, layer));
        for (name, var) in model.vs.variables() {
            if name.starts_with(&prefix) && var.requires_grad() {
                let _ = var.set_requires_grad(false);
            }
        }
        names.push(n.to_string());
    }
    Ok(Some(format!(
        "frozen layers (no gradient, no update; batch-norm statistics still follow the data): {}",
        names.join(", ")
    )))
}
