//! How runs are started and talked to, independent of what runs them: the trainer thread in
//! the app and the CLI, a scripted replay in tests.
use super::folder::RunFolder;
use crate::engine::Trainer;
use crate::protocol::{Command, Event, EventSink, RunOptions};
use crate::spec::Preset;
use std::collections::VecDeque;
use std::path::Path;
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

/// Ok when the run in `dir` can be continued; else why not, with what to do instead. A run
/// that finished is complete: "resuming" it would train for a moment and overwrite its
/// Finished record (duration, throughput) with that moment's. One stopped with Stop, or
/// interrupted, can go on. A folder without a readable log is left to the resume state's
/// own check.
pub fn check_resumable(dir: &Path) -> Result<(), String> {
    let Ok(text) = std::fs::read_to_string(dir.join(super::folder::EVENTS_LOG)) else {
        return Ok(());
    };
    let last = super::folder::complete_lines(&text)
        .lines()
        .rev()
        .filter_map(|l| super::folder::parse_event_line(l).ok())
        .find(Event::is_terminal);
    match last {
        Some(Event::Finished(f)) if !f.stopped => Err(format!(
            "{} finished its training ({} epochs, test accuracy {}): a finished run cannot be \
             resumed, and its record stays as it is. To train it further, start a new run from \
             its weights: `cnn-workbench train {} --init-from {}` (in the window: the training \
             panel's \"fine-tune from\" field), or train more epochs as a new run.",
            dir.display(),
            f.epochs,
            crate::protocol::percent(f.test_accuracy, 2),
            dir.join(super::folder::PRESET_FILE).display(),
            dir.display()
        )),
        _ => Ok(()),
    }
}

/// Starts a trainer thread whose events are also written to its run folder (when
/// `opts.run_dir` is set), from the trainer thread itself. Resuming a run that cannot be
/// resumed ([`check_resumable`]) is refused (`InvalidInput`, with the reason) before anything
/// in its folder is touched.
pub fn start(preset: Preset, opts: RunOptions) -> std::io::Result<Trainer> {
    if let (true, Some(dir)) = (opts.resume, &opts.run_dir) {
        check_resumable(dir)
            .map_err(|why| std::io::Error::new(std::io::ErrorKind::InvalidInput, why))?;
    }
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
            .map_err(|e| match e.kind() {
                // A refused resume: the reason is the whole message.
                std::io::ErrorKind::InvalidInput => e.to_string(),
                _ => format!("cannot start the trainer thread: {e}"),
            })
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
