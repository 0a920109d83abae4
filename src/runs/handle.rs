//! How runs are started and talked to, independent of what runs them: the trainer thread in
//! the app and the CLI, a scripted replay in tests.
use crate::engine::RunOptions;
use crate::protocol::{Command, Event};
use crate::spec::Preset;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// A running (or replayed) training.
pub trait RunHandle {
    fn poll(&mut self) -> Option<Event>;
    fn send(&mut self, cmd: Command);
}

/// Starts a run.
pub type Launcher = Box<dyn FnMut(Preset, RunOptions) -> Result<Box<dyn RunHandle>, String>>;

/// The real launcher: one trainer thread per run.
pub fn trainer_launcher() -> Launcher {
    Box::new(|preset, opts| {
        crate::engine::Trainer::spawn(preset, opts)
            .map(|t| Box::new(t) as Box<dyn RunHandle>)
            .map_err(|e| format!("cannot start the trainer thread: {e}"))
    })
}

/// Replays recorded events, one per poll; records the commands it gets.
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
