//! One time budget per frame, shared by every source of events the window drains (the trainer,
//! the comparison queue, the inspector), so a chatty source never stalls the frame.
use std::time::{Duration, Instant};

#[derive(Clone, Copy, Debug)]
pub struct Budget {
    until: Instant,
}

impl Budget {
    pub fn new(time: Duration) -> Budget {
        Budget {
            until: Instant::now() + time,
        }
    }

    /// Whether there is time left for one more event.
    pub fn left(&self) -> bool {
        Instant::now() < self.until
    }
}

impl From<Duration> for Budget {
    fn from(time: Duration) -> Budget {
        Budget::new(time)
    }
}
