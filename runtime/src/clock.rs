//! The time live backends hand to network functions that keep time.

use std::time::Instant;

/// A monotonic clock in nanoseconds since the backend started.
///
/// Read once per burst, and only for functions whose `USES_TIME` is true:
/// a packet's time is its burst's, as the 82599 agent has no per-packet
/// timestamp without asking the device for one.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    start: Instant,
}

impl Clock {
    pub fn start() -> Clock {
        Clock { start: Instant::now() }
    }

    /// Nanoseconds since `start`; a u64 lasts 584 years.
    #[inline]
    pub fn now_ns(&self) -> u64 {
        self.start.elapsed().as_nanos() as u64
    }
}

impl Default for Clock {
    fn default() -> Clock {
        Clock::start()
    }
}
