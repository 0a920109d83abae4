//! The background trainer: one named thread per run owning every tensor; commands in and
//! events out over bounded channels. Whatever happens on that thread — a libtorch error, a
//! panic — the caller gets a terminal event, never a crash.
use super::train::{self, Outbox, RunOptions};
use crate::protocol::{Command, Event};
use crate::spec::Preset;
use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread::JoinHandle;
use std::time::Duration;

const EVENT_CAPACITY: usize = 256;
const COMMAND_CAPACITY: usize = 16;

pub struct Trainer {
    commands: Sender<Command>,
    events: Receiver<Event>,
    join: Option<JoinHandle<()>>,
    ended: bool,
}

/// The message of a panic, with libtorch's C++ backtrace cut off: users need the first line.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    let text = if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        return "unknown panic".into();
    };
    match text.find("Torch(\"") {
        Some(at) => {
            let inner = &text[at + 7..];
            let end = inner
                .find("\\nException raised")
                .or_else(|| inner.find("\\n"))
                .or_else(|| inner.rfind("\")"))
                .unwrap_or(inner.len());
            format!("libtorch: {}", inner[..end].trim())
        }
        None => text,
    }
}

/// True on a trainer thread: their panics are reported as failed runs, so a panic hook can
/// stay quiet about them.
pub fn is_trainer_thread() -> bool {
    std::thread::current()
        .name()
        .is_some_and(|n| n.starts_with(THREAD_PREFIX))
}

const THREAD_PREFIX: &str = "trainer:";

impl Trainer {
    /// Starts a run on its own thread.
    pub fn spawn(preset: Preset, opts: RunOptions) -> std::io::Result<Trainer> {
        let (cmd_tx, cmd_rx) = bounded(COMMAND_CAPACITY);
        let (ev_tx, ev_rx) = bounded(EVENT_CAPACITY);
        let name = format!("{THREAD_PREFIX}{}", preset.name);
        let join = std::thread::Builder::new().name(name).spawn(move || {
            let notify = opts.notify.clone();
            let mut out = Outbox {
                tx: &ev_tx,
                notify: notify.as_deref(),
                folder: None,
            };
            let result = catch_unwind(AssertUnwindSafe(|| {
                train::run(&preset, &opts, &cmd_rx, &mut out)
            }));
            // Close the training loop's log before the terminal event is appended to it.
            drop(out.folder.take());
            let terminal = match result {
                Ok(Ok(event)) => event,
                Ok(Err(reason)) => Event::Failed { reason },
                Err(payload) => Event::Failed {
                    reason: format!("training crashed: {}", panic_text(payload.as_ref())),
                },
            };
            if let Some(dir) = opts.run_dir.as_ref().filter(|d| d.is_dir()) {
                let _ = crate::runs::folder::append_event(dir, &terminal);
            }
            out.send(terminal);
        })?;
        Ok(Trainer {
            commands: cmd_tx,
            events: ev_rx,
            join: Some(join),
            ended: false,
        })
    }

    /// Sends a command; ignored once the run has ended.
    pub fn send(&self, cmd: Command) {
        let _ = self.commands.try_send(cmd);
    }

    pub fn has_ended(&self) -> bool {
        self.ended
    }

    fn note(&mut self, e: Event) -> Event {
        if e.is_terminal() {
            self.ended = true;
        }
        e
    }

    /// If the thread is gone without a terminal event, reports why (caught at the join).
    fn vanished(&mut self) -> Option<Event> {
        if self.ended {
            return None;
        }
        self.ended = true;
        let reason = match self.join.take().map(|j| j.join()) {
            Some(Err(payload)) => format!("training crashed: {}", panic_text(payload.as_ref())),
            _ => "the trainer thread ended without a result".into(),
        };
        Some(Event::Failed { reason })
    }

    /// The next event if one is waiting.
    pub fn try_recv(&mut self) -> Option<Event> {
        match self.events.try_recv() {
            Ok(e) => Some(self.note(e)),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => self.vanished(),
        }
    }

    /// Waits up to `timeout` for the next event.
    pub fn recv_timeout(&mut self, timeout: Duration) -> Option<Event> {
        match self.events.recv_timeout(timeout) {
            Ok(e) => Some(self.note(e)),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => self.vanished(),
        }
    }

    /// Blocks for the next event; None once the run has ended and everything was received.
    pub fn recv(&mut self) -> Option<Event> {
        match self.events.recv() {
            Ok(e) => Some(self.note(e)),
            Err(_) => self.vanished(),
        }
    }

    /// Receives every remaining event until the run ends.
    pub fn wait(mut self) -> Vec<Event> {
        let mut all = Vec::new();
        while let Some(e) = self.recv() {
            all.push(e);
        }
        all
    }
}

impl Drop for Trainer {
    fn drop(&mut self) {
        // Closing the window mid-run: ask the thread to stop; it notices the dropped receiver.
        let _ = self.commands.try_send(Command::Stop);
    }
}

impl crate::runs::handle::RunHandle for Trainer {
    fn poll(&mut self) -> Option<Event> {
        self.try_recv()
    }
    fn send(&mut self, cmd: Command) {
        Trainer::send(self, cmd)
    }
}
