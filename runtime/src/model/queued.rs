//! Packet buffers that transmit descriptors still name, across every port.
//!
//! In the driver's layout one buffer is named by a receive descriptor and by
//! a transmit descriptor of every output, on several ports. The device must
//! not receive into a buffer a transmit queue has yet to send from: the
//! driver hands a receive descriptor back (RDT) only once every transmit
//! ring's head has passed it. A port's transmit queues live on one port and
//! the receive ring on another, so the record is the model's, shared.

use std::collections::HashMap;
use std::sync::Mutex;

/// Buffer address -> how many queued transmit descriptors name it. A port
/// takes this lock while holding its own, never the other way round.
#[derive(Default)]
pub(super) struct QueuedBuffers(Mutex<HashMap<u64, u32>>);

impl QueuedBuffers {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<u64, u32>> {
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Descriptors naming `buffers` were handed to a transmit queue (TDT).
    pub fn queue(&self, buffers: impl IntoIterator<Item = u64>) {
        let mut map = self.map();
        for buffer in buffers {
            *map.entry(buffer).or_default() += 1;
        }
    }

    /// Descriptors naming `buffers` were sent (or their queue disabled).
    pub fn release(&self, buffers: impl IntoIterator<Item = u64>) {
        let mut map = self.map();
        for buffer in buffers {
            if let Some(count) = map.get_mut(&buffer) {
                *count -= 1;
                if *count == 0 {
                    map.remove(&buffer);
                }
            }
        }
    }

    /// Whether a transmit queue still has to send from `buffer`.
    pub fn contains(&self, buffer: u64) -> bool {
        self.map().contains_key(&buffer)
    }
}
