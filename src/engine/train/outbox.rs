//! Where the training loop's events go: the sinks first (so a slow window loses nothing that is
//! persisted), then the owner's channel.
use super::TrainError;
use crossbeam_channel::{Sender, TrySendError};
use protocol::{Event, EventSink, Notify, SinkPosition, StepMetrics};
use spec::Preset;

pub(crate) struct Outbox {
    tx: Sender<Event>,
    notify: Option<Notify>,
    sinks: Vec<Box<dyn EventSink>>,
    opened: bool,
}

impl Outbox {
    pub fn new(
        tx: Sender<Event>,
        notify: Option<Notify>,
        sinks: Vec<Box<dyn EventSink>>,
    ) -> Outbox {
        Outbox {
            tx,
            notify,
            sinks,
            opened: false,
        }
    }

    /// The run is about to start: the sinks create their files.
    pub fn open(&mut self, preset: &Preset) -> Result<(), TrainError> {
        self.opened = true;
        for s in &mut self.sinks {
            s.open(preset)?;
        }
        Ok(())
    }

    /// Opens the sinks again for a resumed run.
    pub fn reopen(&mut self, preset: &Preset, at: &SinkPosition) -> Result<(), TrainError> {
        self.opened = true;
        for s in &mut self.sinks {
            s.reopen(preset, at)?;
        }
        Ok(())
    }

    /// Where the first sink's files stand (flushed).
    pub fn position(&mut self) -> Result<Option<SinkPosition>, TrainError> {
        for s in &mut self.sinks {
            if let Some(p) = s.position()? {
                return Ok(Some(p));
            }
        }
        Ok(None)
    }

    fn log(&mut self, e: &Event) -> Result<(), TrainError> {
        if self.opened {
            for s in &mut self.sinks {
                s.event(e)?;
            }
        }
        Ok(())
    }

    fn notify(&self) {
        if let Some(n) = &self.notify {
            n();
        }
    }

    /// Every step, whether or not a Step event is sent.
    pub fn step(&mut self, m: &StepMetrics) -> Result<(), TrainError> {
        for s in &mut self.sinks {
            s.step(m)?;
        }
        Ok(())
    }

    /// Logs and sends an event; Ok(false) once the receiver is gone (the run then stops
    /// quietly).
    pub fn send(&mut self, e: Event) -> Result<bool, TrainError> {
        self.log(&e)?;
        let ok = self.tx.send(e).is_ok();
        self.notify();
        Ok(ok)
    }

    /// For frequent events: dropped rather than blocking when the receiver lags.
    pub fn offer(&mut self, e: Event) -> Result<bool, TrainError> {
        self.log(&e)?;
        match self.tx.try_send(e) {
            Ok(()) => {
                self.notify();
                Ok(true)
            }
            Err(TrySendError::Full(_)) => Ok(true),
            Err(TrySendError::Disconnected(_)) => Ok(false),
        }
    }

    /// The terminal event: the sinks close (a failure there fails the run instead), then the
    /// owner is told.
    pub fn finish(mut self, terminal: Event) {
        let mut terminal = terminal;
        for s in &mut self.sinks {
            if let Err(e) = s.close(&terminal) {
                terminal = Event::Failed {
                    reason: e.to_string(),
                };
            }
        }
        let _ = self.tx.send(terminal);
        self.notify();
    }
}
