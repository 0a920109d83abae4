//! The background trainer: one named thread per run owning every tensor; commands in and
//! events out over bounded channels. Whatever happens on that thread — a libtorch error, a
//! panic — the caller gets a terminal event, never a crash.
use super::train::{self, outbox::Outbox};
use crossbeam_channel::{bounded, Receiver, RecvTimeoutError, Sender, TryRecvError};
use protocol::{Command, Event, EventSink, RunOptions};
use spec::Preset;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

const EVENT_CAPACITY: usize = 256;
const COMMAND_CAPACITY: usize = 16;
/// How long dropping a trainer waits for its thread: a step and a checkpoint, not a whole run.
const DROP_JOIN_LIMIT: Duration = Duration::from_secs(5);

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
    let text = match text.find("Torch(\"") {
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
    };
    // Running out of memory is the user's to fix, and says how.
    let oom = [
        "can't allocate memory",
        "out of memory",
        "Cannot allocate memory",
    ];
    if oom.iter().any(|m| text.contains(m)) {
        format!("out of memory — lower the batch size or the input size (the training panel and `summary` estimate what fits). {text}")
    } else {
        text
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
    /// Starts a run on its own thread; its events also go to `sinks` (on that thread).
    pub fn spawn(
        preset: Preset,
        opts: RunOptions,
        sinks: Vec<Box<dyn EventSink>>,
    ) -> std::io::Result<Trainer> {
        let (cmd_tx, cmd_rx) = bounded(COMMAND_CAPACITY);
        let (ev_tx, ev_rx) = bounded(EVENT_CAPACITY);
        let name = format!("{THREAD_PREFIX}{}", preset.name);
        let join = std::thread::Builder::new().name(name).spawn(move || {
            let mut out = Outbox::new(ev_tx, opts.notify.clone(), sinks);
            let result = catch_unwind(AssertUnwindSafe(|| {
                train::run(&preset, &opts, &cmd_rx, &mut out)
            }));
            let terminal = match result {
                Ok(Ok(event)) => event,
                Ok(Err(e)) => Event::Failed {
                    reason: e.to_string(),
                },
                Err(payload) => Event::Failed {
                    reason: format!("training crashed: {}", panic_text(payload.as_ref())),
                },
            };
            out.finish(terminal);
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
    /// Closing the window mid-run: the thread is told to stop (it also notices the dropped
    /// receiver) and joined, for at most [`DROP_JOIN_LIMIT`], so its files are complete.
    fn drop(&mut self) {
        let _ = self
            .commands
            .send_timeout(Command::Stop, Duration::from_millis(500));
        let Some(join) = self.join.take() else {
            return;
        };
        let deadline = Instant::now() + DROP_JOIN_LIMIT;
        while !join.is_finished() && Instant::now() < deadline {
            // Events still queued would keep a blocking send waiting: drain them.
            while self.events.try_recv().is_ok() {}
            std::thread::sleep(Duration::from_millis(5));
        }
        if join.is_finished() {
            let _ = join.join();
        }
    }
}
