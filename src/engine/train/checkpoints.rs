//! When checkpoints are written: every N epochs, the best epoch so far, on demand and at the
//! end. Writes into the run folder follow the run folder's policy (a failure fails the run,
//! naming the file); a save the user asked for into a folder of their choice only warns.
use super::TrainError;
use crate::checkpoint;
use crate::model::Model;
use protocol::{Event, RunOptions};
use spec::Preset;
use std::path::PathBuf;

/// Save checkpoint (the button): into the chosen folder or the run folder.
pub(super) fn save_on_demand(
    preset: &Preset,
    opts: &RunOptions,
    model: &Model,
    dir: Option<PathBuf>,
    step: usize,
) -> Event {
    match dir.or_else(|| opts.run_dir.clone()) {
        None => Event::Warning("no folder to save the checkpoint in".into()),
        Some(dir) => match checkpoint::save(&dir, &format!("step-{step}"), preset, model) {
            Ok(path) => Event::CheckpointSaved { path, step },
            Err(e) => Event::Warning(format!("checkpoint not saved: {e}")),
        },
    }
}

/// The checkpoints due after an epoch.
pub(super) struct EpochPolicy {
    best_val: Option<f32>,
}

impl EpochPolicy {
    /// `best_val`: the best validation accuracy so far (a resumed run's).
    pub fn new(best_val: Option<f32>) -> EpochPolicy {
        EpochPolicy { best_val }
    }

    pub fn best(&self) -> Option<f32> {
        self.best_val
    }

    /// Names of the checkpoints to write after `epochs_done` epochs at this accuracy.
    fn due(&mut self, preset: &Preset, epochs_done: usize, val_accuracy: f32) -> Vec<String> {
        let t = &preset.training;
        let mut names = Vec::new();
        if t.checkpoint_every_epochs > 0 && epochs_done.is_multiple_of(t.checkpoint_every_epochs) {
            names.push(format!("epoch-{epochs_done}"));
        }
        if t.checkpoint_best && self.best_val.is_none_or(|b| val_accuracy > b) {
            self.best_val = Some(val_accuracy);
            names.push("best".to_string());
        }
        names
    }

    /// Writes the due checkpoints into the run folder; one event per checkpoint written.
    pub fn after_epoch(
        &mut self,
        ctx: (&Preset, &RunOptions, &Model),
        epochs_done: usize,
        val_accuracy: f32,
        step: usize,
    ) -> Result<Vec<Event>, TrainError> {
        let (preset, opts, model) = ctx;
        let Some(dir) = &opts.run_dir else {
            return Ok(Vec::new());
        };
        self.due(preset, epochs_done, val_accuracy)
            .into_iter()
            .map(|name| {
                let path = checkpoint::save(dir, &name, preset, model)?;
                Ok(Event::CheckpointSaved { path, step })
            })
            .collect()
    }
}

/// The final weights, `model.safetensors`, when there is a run folder.
pub(super) fn save_final(
    preset: &Preset,
    opts: &RunOptions,
    model: &Model,
) -> Result<Option<PathBuf>, TrainError> {
    match &opts.run_dir {
        None => Ok(None),
        Some(dir) => Ok(Some(checkpoint::save(dir, "model", preset, model)?)),
    }
}
