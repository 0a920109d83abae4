//! A run carried out by a worker process (`cnn-workbench worker`): the job it is handed on
//! its first line of stdin, the commands that follow one per line, and its events on stdout
//! one RON value per line (as in a run folder's `events.log`).
use super::{Command, RunMeta, RunOptions};
use serde::{Deserialize, Serialize};
use spec::Preset;
use std::path::PathBuf;
use std::time::Duration;

/// What a worker trains, and where it writes the run folder.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct WorkerJob {
    pub preset: Preset,
    pub run_dir: PathBuf,
    pub meta: RunMeta,
    pub step_interval_ms: u64,
    pub probe_images: usize,
    pub target_test_accuracy: Option<f32>,
    pub resume: bool,
}

impl WorkerJob {
    /// The job for a run with these options; None for a run that keeps no folder (a worker's
    /// run must leave one: it is how its result comes back when the process dies).
    pub fn new(preset: Preset, opts: &RunOptions) -> Option<WorkerJob> {
        Some(WorkerJob {
            preset,
            run_dir: opts.run_dir.clone()?,
            meta: opts.meta.clone(),
            step_interval_ms: opts.step_interval.as_millis() as u64,
            probe_images: opts.probe_images,
            target_test_accuracy: opts.target_test_accuracy,
            resume: opts.resume,
        })
    }

    /// The options the worker's trainer runs with.
    pub fn options(&self) -> RunOptions {
        RunOptions {
            run_dir: Some(self.run_dir.clone()),
            step_interval: Duration::from_millis(self.step_interval_ms),
            probe_images: self.probe_images,
            meta: self.meta.clone(),
            target_test_accuracy: self.target_test_accuracy,
            resume: self.resume,
            ..RunOptions::default()
        }
    }
}

/// A command as one line of a worker's stdin.
pub fn command_line(cmd: &Command) -> String {
    match cmd {
        Command::Pause => "pause".into(),
        Command::Resume => "resume".into(),
        Command::Stop => "stop".into(),
        Command::SaveCheckpoint(None) => "save".into(),
        Command::SaveCheckpoint(Some(dir)) => format!("save {}", dir.display()),
    }
}

/// A line of a worker's stdin as a command; None when it is not one.
pub fn parse_command_line(line: &str) -> Option<Command> {
    let line = line.trim_end_matches(['\r', '\n']);
    Some(match line {
        "pause" => Command::Pause,
        "resume" => Command::Resume,
        "stop" => Command::Stop,
        "save" => Command::SaveCheckpoint(None),
        _ => Command::SaveCheckpoint(Some(PathBuf::from(line.strip_prefix("save ")?))),
    })
}
