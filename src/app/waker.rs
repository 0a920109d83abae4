//! Repaint requests from background threads, batched: however many events arrive, at most one
//! request is outstanding until the next frame has run, and it asks for a frame a little later
//! rather than at once, so a chatty trainer gets a steady, modest frame rate.
use protocol::Notify;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How soon after an event the window repaints: once a second while training, unless the user
/// interacts (input repaints at once). Every frame takes CPU from libtorch's threads, which
/// slow down sharply when anything else wants a core (see `bench/window.sh`).
pub const REPAINT_DELAY: Duration = Duration::from_millis(1000);

#[derive(Clone, Default)]
pub struct Waker {
    pending: Arc<AtomicBool>,
}

impl Waker {
    /// The function background threads call after each event.
    pub fn notify(&self, ctx: egui::Context) -> Notify {
        let pending = self.pending.clone();
        Arc::new(move || {
            if !pending.swap(true, Ordering::AcqRel) {
                ctx.request_repaint_after(REPAINT_DELAY);
            }
        })
    }

    /// For one-off results of a background thread (a download or a dataset preview done):
    /// a frame at once, still at most one request outstanding.
    pub fn notify_now(&self, ctx: egui::Context) -> Notify {
        let pending = self.pending.clone();
        Arc::new(move || {
            if !pending.swap(true, Ordering::AcqRel) {
                ctx.request_repaint();
            }
        })
    }

    /// A frame is running: the next event may request another.
    pub fn frame_started(&self) {
        self.pending.store(false, Ordering::Release);
    }
}
