//! What continuing a run needs, saved beside its checkpoints as `resume.safetensors`: the
//! weights and running statistics, the optimizer's state, and (as one RON text tensor) the step,
//! the position in the epoch, every random generator's state and where each run-folder file
//! stood. Written to a temporary file, synced and renamed: a kill leaves the old or the new one.
use super::optimizer::Optim;
use crate::checkpoint::CheckpointError;
use crate::error::{refused, EngineError, Result};
use crate::model::Model;
use protocol::SinkPosition;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use tch::{Kind, Tensor};

pub const RESUME_FILE: &str = "resume.safetensors";
const STATE_TENSOR: &str = "resume.state";

/// A ChaCha8 generator's exact position.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RngState {
    seed: [u8; 32],
    stream: u64,
    word_pos_hi: u64,
    word_pos_lo: u64,
}

impl From<&ChaCha8Rng> for RngState {
    fn from(r: &ChaCha8Rng) -> RngState {
        let pos = r.get_word_pos();
        RngState {
            seed: r.get_seed(),
            stream: r.get_stream(),
            word_pos_hi: (pos >> 64) as u64,
            word_pos_lo: pos as u64,
        }
    }
}

impl RngState {
    pub fn rng(&self) -> ChaCha8Rng {
        let mut r = ChaCha8Rng::from_seed(self.seed);
        r.set_stream(self.stream);
        r.set_word_pos(((self.word_pos_hi as u128) << 64) | self.word_pos_lo as u128);
        r
    }
}

/// Where a run stands between two steps.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct ResumeState {
    /// Optimizer steps done.
    pub step: usize,
    /// The epoch in progress (0-based) and how many of its batches are done.
    pub epoch: usize,
    pub batch_in_epoch: usize,
    pub epochs_done: usize,
    /// The data-order and augmentation generators at the start of `epoch`, and augmentation's
    /// now (the epoch's shuffle and crops are drawn again, then it continues from here).
    pub order_rng: RngState,
    pub aug_rng_epoch: RngState,
    pub aug_rng: RngState,
    /// The epoch's running sums: loss·images, correct, images.
    pub sums: (f64, f64, usize),
    pub best_val: Option<f32>,
    pub optim_steps: u64,
    pub trained_images: usize,
    /// Where the run folder's files stood.
    pub files: Option<SinkPosition>,
}

fn io(file: &Path, e: impl std::fmt::Display) -> CheckpointError {
    CheckpointError::Io {
        file: file.display().to_string(),
        message: e.to_string(),
    }
}

/// Writes `dir/resume.safetensors`.
pub fn save(
    dir: &Path,
    model: &Model,
    opt: &Optim,
    state: &ResumeState,
) -> Result<PathBuf, CheckpointError> {
    let path = dir.join(RESUME_FILE);
    let text = ron::to_string(state).map_err(|e| io(&path, e))?;
    let mut named: Vec<(String, Tensor)> = model.vs.variables().into_iter().collect();
    named.extend(opt.state().0);
    named.push((STATE_TENSOR.into(), Tensor::from_slice(text.as_bytes())));
    crate::checkpoint::write_tensors(&path, named).map(|_| path)
}

/// Reads `dir/resume.safetensors`: its tensors by name and the state.
pub fn load(dir: &Path) -> Result<(HashMap<String, Tensor>, ResumeState)> {
    let path = dir.join(RESUME_FILE);
    if !path.is_file() {
        return Err(refused(format!(
            "{} has no {RESUME_FILE}: the run saved no state to continue from (it was written at each epoch's end, on Stop and on Save)",
            dir.display()
        )));
    }
    let tensors: HashMap<String, Tensor> = Tensor::read_safetensors(&path)
        .map_err(|e| EngineError::file(&path, format!("not readable ({e})")))?
        .into_iter()
        .collect();
    let bytes = tensors
        .get(STATE_TENSOR)
        .ok_or_else(|| EngineError::file(&path, "no resume state inside"))?;
    let bytes = Vec::<u8>::try_from(bytes.to_kind(Kind::Uint8).view([-1]))
        .map_err(|e| EngineError::file(&path, e))?;
    let text = String::from_utf8(bytes).map_err(|e| EngineError::file(&path, e))?;
    let state = ron::from_str(&text).map_err(|e| EngineError::file(&path, e))?;
    Ok((tensors, state))
}

/// Copies the saved weights and statistics into `model` (every variable must be there).
pub fn restore_model(model: &mut Model, tensors: &HashMap<String, Tensor>) -> Result<()> {
    let mut missing = Vec::new();
    tch::no_grad(|| {
        for (name, mut var) in model.vs.variables() {
            match tensors.get(&name) {
                Some(t) if t.size() == var.size() => var.copy_(t),
                _ => missing.push(name),
            }
        }
    });
    if missing.is_empty() {
        Ok(())
    } else {
        Err(refused(format!(
            "the resume state does not match the network (missing or mis-shaped: {})",
            missing.join(", ")
        )))
    }
}
