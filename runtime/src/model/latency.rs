//! Per-packet latency inside the model: from the receive descriptor's
//! write-back (the frame is the driver's) to the transmit write-back of the
//! same descriptor index on an output queue (the frame left the device).
//! TinyNF uses index `i` of an input's receive ring and of every transmit
//! ring fed by it for the same buffer, so the index pairs the two events.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Descriptor slots remembered per port (ring sizes are at most this).
const SLOTS: usize = 8192;

pub(super) struct LatencyClock {
    epoch: Instant,
    /// `received[port][index]`: ns since `epoch` at the receive write-back.
    received: Vec<Box<[AtomicU64]>>,
}

impl LatencyClock {
    pub fn new(ports: usize) -> LatencyClock {
        LatencyClock {
            epoch: Instant::now(),
            received: (0..ports).map(|_| (0..SLOTS).map(|_| AtomicU64::new(0)).collect()).collect(),
        }
    }

    fn now(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64
    }

    pub fn received(&self, port: usize, index: u32) {
        self.received[port][index as usize % SLOTS].store(self.now(), Ordering::Relaxed);
    }

    /// Nanoseconds since the frame at `index` of input `port`'s ring was received.
    pub fn transmitted(&self, input: usize, index: u32) -> Option<u32> {
        let received = self.received.get(input)?[index as usize % SLOTS].load(Ordering::Relaxed);
        Some(self.now().saturating_sub(received).min(u64::from(u32::MAX)) as u32)
    }
}
