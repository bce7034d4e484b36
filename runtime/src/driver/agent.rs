//! The TinyNF agent: one receive ring whose buffers every transmit ring shares.
//!
//! Descriptor `i` of the receive ring, packet buffer `i` and descriptor `i`
//! of every output's transmit ring belong together for ever. The receive
//! ring is also output 0's transmit ring (legacy descriptors keep their
//! buffer address, 7.1.5), and the other rings point at the same buffers,
//! so the per-packet work is reading one status word and writing one
//! command word per output (length 0 where the packet does not go). A
//! buffer goes back to the receive ring once the head of every transmit
//! ring has passed it, which the device reports by writing each ring's head
//! to memory (head write-back, 7.2.3.5.2).
//!
//! Everything the loop touches per packet is a fixed-size array indexed by
//! a wrapping `u8` (rings and buffers of 256), so it has no bounds checks
//! and no panics; statistics are counted per burst, not per output per
//! packet (transmit counts come from the device's counters).

use super::descriptor::*;
use crate::dma::{BufferRing, Shared};
use crate::nf::{NetworkFunction, Outputs, PortId};
use crate::Frame;
use std::sync::atomic::{AtomicU64, Ordering};

/// Packets processed between transmit tail updates. Each tail write is an
/// uncached MMIO write costing hundreds of cycles, so it is amortised over
/// several packets; but a packet waits for the flush before it can leave, so
/// the period stays small. An idle poll always flushes what it processed.
pub const FLUSH_PERIOD: usize = 8;

/// Every RECYCLE_PERIOD-th transmit descriptor asks for a head write-back
/// (RS bit), and buffers are recycled when the agent passes one. Write-backs
/// cost PCIe bandwidth, and buffers only need to come back well before the
/// ring runs dry; 32 of 256 keeps 7/8 of the ring busy.
pub const RECYCLE_PERIOD: u8 = 32;

/// The transmit command of descriptor `i` without its length: EOP and
/// IFCS, and RS on every RECYCLE_PERIOD-th. A table, so the loop pays one
/// load for it (indexed by a `u8`: no bounds check).
static COMMANDS: [u64; RING_SIZE] = {
    let mut commands = [TX_CMD_EOP | TX_CMD_IFCS; RING_SIZE];
    let mut index = RECYCLE_PERIOD as usize - 1;
    while index < RING_SIZE {
        commands[index] |= TX_CMD_RS;
        index += RECYCLE_PERIOD as usize;
    }
    commands
};

/// An agent's rings, buffers and head write-back words in DMA memory.
pub(super) struct Layout {
    /// The receive ring, also output 0's transmit ring.
    pub rx: Shared<Ring>,
    /// The transmit rings of outputs 1, 2, ...
    pub others: Vec<Shared<Ring>>,
    /// One head write-back word per output port.
    pub heads: Vec<Shared<AtomicU64>>,
    pub buffers: BufferRing<BUFFER_SIZE>,
}

pub(super) struct Agent {
    pub input: PortId,
    layout: Layout,
    /// Output ports that exist, as bits: an NF's other bits are ignored.
    outputs_mask: u32,
    /// Next receive descriptor to process.
    processed: u8,
    /// The transmit tail the device was last given (every ring's is the same).
    flushed: u8,
    /// The receive tail the device was last given.
    rx_tail: u8,
    /// Each output ring's head as last accepted from its write-back word.
    accepted: Vec<u8>,
    /// Frames and bytes received on the input, and frames the NF dropped.
    pub received: u64,
    pub received_bytes: u64,
    pub dropped: u64,
}

impl Agent {
    /// An agent over `layout`, whose receive ring the device was given
    /// with RDT = `rx_tail`.
    pub fn new(input: PortId, layout: Layout, rx_tail: u8) -> Agent {
        let outputs = layout.others.len() + 1;
        Agent {
            input,
            outputs_mask: Outputs::all(outputs).bits(),
            accepted: vec![0; outputs],
            layout,
            processed: 0,
            flushed: 0,
            rx_tail,
            received: 0,
            received_bytes: 0,
            dropped: 0,
        }
    }

    /// Transmit rings besides the receive ring (the number of ports less one).
    #[inline]
    pub fn others(&self) -> usize {
        self.layout.others.len()
    }

    /// Process up to FLUSH_PERIOD received packets; returns how many (the
    /// caller then moves every transmit tail to `tx_tail()`), and the
    /// receive tail to write if buffers were recycled.
    ///
    /// `OTHERS` is the number of transmit rings besides the receive ring
    /// when the caller knows it: the loop over them is then unrolled (what
    /// TinyNF calls its constant-outputs mode); with any other number of
    /// rings the same loop runs over them at run time.
    ///
    /// Never inlined: one call per burst costs nothing, and it keeps the
    /// per-packet loop a symbol of its own, so CI can disassemble it and
    /// check it makes no indirect call, no call to the NF and no call that
    /// can panic (`.ci/no-indirect-calls`, `.ci/loop-shape`).
    #[inline(never)]
    pub fn poll<N: NetworkFunction, const OTHERS: usize>(&mut self, nf: &mut N) -> (usize, Option<u32>) {
        let start = self.processed;
        let Layout { rx, others, buffers, .. } = &mut self.layout;
        let (input, mask) = (self.input, self.outputs_mask);
        let (index, bytes, dropped) = match <&[Shared<Ring>; OTHERS]>::try_from(others.as_slice()) {
            // The mask is a constant here: one register less in the loop.
            Ok(fixed) => burst(nf, input, Outputs::all(OTHERS + 1).bits(), rx, fixed, buffers, start),
            Err(_) => burst(nf, input, mask, rx, others.as_slice(), buffers, start),
        };
        let count = index.wrapping_sub(start);
        self.processed = index;
        self.received += u64::from(count);
        self.received_bytes += bytes;
        self.dropped += dropped;
        // Heads only move when the device passes a descriptor asking for a
        // report: look at them when the agent passed one, or when idle.
        let passed_report = start / RECYCLE_PERIOD != index / RECYCLE_PERIOD;
        let rx_tail = if count == 0 || passed_report { self.recycle() } else { None };
        // The caller moves every transmit tail here now.
        self.flushed = index;
        (usize::from(count), rx_tail)
    }

    /// Where every transmit ring's tail goes after a poll: past the last
    /// processed descriptor.
    #[inline]
    pub fn tx_tail(&self) -> u32 {
        u32::from(self.processed)
    }

    /// The new receive tail, if it moved: every descriptor all transmit
    /// rings are done with goes back to the device (legacy descriptors keep
    /// their buffer address, so there is nothing to re-arm).
    fn recycle(&mut self) -> Option<u32> {
        // The ring whose head lags most behind `processed` decides.
        let mut earliest = self.processed;
        let mut lag = 0;
        for (accepted, word) in self.accepted.iter_mut().zip(&self.layout.heads) {
            let head = word.load(Ordering::Acquire) as u32;
            // A head only moves forward, and never past the tail the device
            // was given. Anything else is a stale or out-of-order write-back
            // (or garbage): trusting it would hand the device descriptors of
            // frames not yet processed or sent, and move RDT backwards.
            // Keep the last good value instead.
            if let Ok(head) = u8::try_from(head) {
                if head.wrapping_sub(*accepted) <= self.flushed.wrapping_sub(*accepted) {
                    *accepted = head;
                }
            }
            let behind = self.processed.wrapping_sub(*accepted);
            if behind > lag {
                lag = behind;
                earliest = *accepted;
            }
        }
        // RDT names the first descriptor the device may not use, and RDT ==
        // RDH means it has none: keep one back so a ring fully given back
        // does not look empty.
        let tail = earliest.wrapping_sub(1);
        if tail == self.rx_tail {
            return None;
        }
        self.rx_tail = tail;
        Some(u32::from(tail))
    }
}

/// The per-packet loop: up to FLUSH_PERIOD frames from descriptor `start`
/// on; returns the next descriptor to process, the bytes received and the
/// frames the NF dropped.
#[inline(always)]
fn burst<'r, N: NetworkFunction>(
    nf: &mut N,
    input: PortId,
    mask: u32,
    rx: &Ring,
    others: impl IntoIterator<Item = &'r Shared<Ring>> + Copy,
    buffers: &mut BufferRing<BUFFER_SIZE>,
    start: u8,
) -> (u8, u64, u64) {
    let (mut index, mut bytes, mut dropped) = (start, 0, 0);
    for _ in 0..FLUSH_PERIOD {
        let slot = usize::from(index);
        let status = rx[slot][1].load(Ordering::Acquire);
        if (status >> RX_STATUS_DD_BIT) & 1 == 0 {
            break;
        }
        let length = status & RX_LENGTH_MASK;
        bytes += length;
        let mut frame = Frame::new(buffers.get_mut(index), length as usize);
        // Ports the deployment does not have count as not sent, so
        // received = sent + dropped holds whatever the NF returns.
        let outputs = nf.process(input, &mut frame).bits() & mask;
        dropped += u64::from(outputs == 0);
        let command = COMMANDS[slot];
        let length = frame.len() as u64;
        // All ones where the packet goes, else 0: the length or none.
        let sends = |port_bit: u32| 0u64.wrapping_sub(u64::from(port_bit & 1));
        // The receive ring is output 0's transmit ring; the others follow.
        rx[slot][1].store(command | (length & sends(outputs)), Ordering::Release);
        let mut remaining = outputs >> 1;
        for ring in others {
            ring[slot][1].store(command | (length & sends(remaining)), Ordering::Release);
            remaining >>= 1;
        }
        index = index.wrapping_add(1);
    }
    (index, bytes, dropped)
}
