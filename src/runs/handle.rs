//! How runs are started and talked to, independent of what runs them: the trainer thread in
//! the app and the CLI, a scripted replay in tests.
use crate::error::{refused, RunsError};
use protocol::{Command, Event, RunOptions};
use spec::Preset;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A running (or replayed) training.
/// `Send`: a comparison read back on a background thread holds its jobs.
pub trait RunHandle: Send {
    fn poll(&mut self) -> Option<Event>;
    fn send(&mut self, cmd: Command);
}

/// What starts a run (a trainer thread, a scripted replay in tests), and what evaluates a
/// comparison's seeds as ensembles where something can (the engine; not a replay).
pub struct Launcher {
    start: Box<StartFn>,
    ensembles: Option<EnsembleEvaluator>,
}

/// Starts one run: its handle, or why it could not start.
type StartFn = dyn FnMut(Preset, RunOptions) -> Result<Box<dyn RunHandle>, RunsError>;

/// Evaluates the final checkpoints of one variant's seeds as one ensemble on the test set:
/// (top-1, top-5) accuracy. Runs on a thread of its own.
pub type EnsembleEvaluator = fn(&[PathBuf]) -> Result<(f32, Option<f32>), RunsError>;

impl Launcher {
    pub fn new(
        start: impl FnMut(Preset, RunOptions) -> Result<Box<dyn RunHandle>, RunsError> + 'static,
    ) -> Launcher {
        Launcher {
            start: Box::new(start),
            ensembles: None,
        }
    }

    /// The same launcher, with what evaluates ensembles.
    pub fn with_ensembles(mut self, evaluate: EnsembleEvaluator) -> Launcher {
        self.ensembles = Some(evaluate);
        self
    }

    /// Starts a run: its handle, or why it could not start.
    pub fn start(
        &mut self,
        preset: Preset,
        opts: RunOptions,
    ) -> Result<Box<dyn RunHandle>, RunsError> {
        (self.start)(preset, opts)
    }

    pub fn ensemble_evaluator(&self) -> Option<EnsembleEvaluator> {
        self.ensembles
    }
}

/// Ok when the run in `dir` can be continued; else why not, with what to do instead. A run
/// that finished is complete: "resuming" it would train for a moment and overwrite its
/// Finished record (duration, throughput) with that moment's. One stopped with Stop, or
/// interrupted, can go on. A folder without a readable log is left to the resume state's
/// own check.
pub fn check_resumable(dir: &Path) -> Result<(), RunsError> {
    match super::folder::terminal_event(dir) {
        Some(Event::Finished(f)) if !f.stopped => Err(refused(format!(
            "{} finished its training ({} epochs, test accuracy {}): a finished run cannot be \
             resumed, and its record stays as it is. To train it further, start a new run from \
             its weights: `cnn-workbench train {} --init-from {}` (in the window: the training \
             panel's \"fine-tune from\" field), or train more epochs as a new run.",
            dir.display(),
            f.epochs,
            protocol::percent(f.test_accuracy, 2),
            dir.join(super::folder::PRESET_FILE).display(),
            dir.display()
        ))),
        _ => Ok(()),
    }
}

/// A test double: replays recorded events, one per poll, and records the commands it gets.
pub struct ScriptedRun {
    pub events: VecDeque<Event>,
    pub commands: Arc<Mutex<Vec<Command>>>,
}

impl RunHandle for ScriptedRun {
    fn poll(&mut self) -> Option<Event> {
        self.events.pop_front()
    }
    fn send(&mut self, cmd: Command) {
        if let Ok(mut c) = self.commands.lock() {
            c.push(cmd);
        }
    }
}
