//! The device's free memory for "will it fit", read on a named thread: on CUDA it runs
//! nvidia-smi, which must not hold up a frame.
use crossbeam_channel::{bounded, Receiver};
use std::time::{Duration, Instant};

const EVERY: Duration = Duration::from_secs(10);

#[derive(Default)]
pub struct MemoryCheck {
    /// The last answer (None: not known).
    pub free: Option<usize>,
    /// The device it is for and when it was asked.
    asked: Option<(String, Instant)>,
    answer: Option<Receiver<Option<usize>>>,
}

impl MemoryCheck {
    /// Picks up an answer, and asks again when the device changed or the answer is old.
    pub fn poll(&mut self, device: &str) {
        if let Some(rx) = &self.answer {
            if let Ok(free) = rx.try_recv() {
                self.free = free;
                self.answer = None;
            }
        }
        let stale = self
            .asked
            .as_ref()
            .is_none_or(|(d, at)| d != device || at.elapsed() > EVERY);
        if stale && self.answer.is_none() {
            if self.asked.as_ref().is_some_and(|(d, _)| d != device) {
                self.free = None; // another device's number would mislead
            }
            let (tx, rx) = bounded(1);
            let d = device.to_string();
            let spawned = std::thread::Builder::new()
                .name("memory-check".into())
                .spawn(move || {
                    let _ = tx.send(engine::device::available_memory(&d));
                });
            if spawned.is_ok() {
                self.answer = Some(rx);
            }
            self.asked = Some((device.to_string(), Instant::now()));
        }
    }
}
