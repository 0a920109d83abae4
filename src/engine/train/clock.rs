//! Time and throughput bookkeeping of a run.
use protocol::RunOptions;
use std::time::Instant;

/// Time and throughput bookkeeping.
pub(super) struct Clock {
    pub start: Instant,
    pub step_secs: f64,
    pub loop_secs: f64,
    pub trained_images: usize,
    pub window_images: usize,
    pub window_start: Instant,
    pub last_emit: Instant,
}

impl Clock {
    pub fn new(opts: &RunOptions) -> Clock {
        let now = Instant::now();
        Clock {
            start: now,
            step_secs: 0.0,
            loop_secs: 0.0,
            trained_images: 0,
            window_images: 0,
            window_start: now,
            last_emit: now.checked_sub(opts.step_interval).unwrap_or(now),
        }
    }

    pub fn restart_window(&mut self, now: Instant) {
        self.window_start = now;
        self.window_images = 0;
    }
}
