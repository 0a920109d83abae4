//! How runs are started and talked to, independent of what runs them: the trainer thread in
//! the app and the CLI, a scripted replay in tests.
use super::folder::RunFolder;
use crate::engine::Trainer;
use crate::protocol::{Command, Event, EventSink, RunOptions};
use crate::spec::Preset;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// A running (or replayed) training.
pub trait RunHandle {
    fn poll(&mut self) -> Option<Event>;
    fn send(&mut self, cmd: Command);
}

impl RunHandle for Trainer {
    fn poll(&mut self) -> Option<Event> {
        self.try_recv()
    }
    fn send(&mut self, cmd: Command) {
        Trainer::send(self, cmd)
    }
}

/// Starts a run.
pub type Launcher = Box<dyn FnMut(Preset, RunOptions) -> Result<Box<dyn RunHandle>, String>>;

/// Starts a trainer thread whose events are also written to its run folder (when
/// `opts.run_dir` is set), from the trainer thread itself.
pub fn start(preset: Preset, opts: RunOptions) -> std::io::Result<Trainer> {
    let sinks: Vec<Box<dyn EventSink>> = match &opts.run_dir {
        Some(dir) => vec![Box::new(RunFolder::new(dir, opts.meta.clone()))],
        None => Vec::new(),
    };
    Trainer::spawn(preset, opts, sinks)
}

/// The real launcher: one trainer thread per run.
pub fn trainer_launcher() -> Launcher {
    Box::new(|preset, opts| {
        start(preset, opts)
            .map(|t| Box::new(t) as Box<dyn RunHandle>)
            .map_err(|e| format!("cannot start the trainer thread: {e}"))
    })
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
