//! The TinyNF agent: one receive ring whose buffers every transmit ring shares.
//!
//! Receive descriptor `i`, packet buffer `i` and transmit descriptor `i` of
//! every output ring belong together for ever: the buffer addresses are
//! written once at start, so the per-packet work is reading one receive
//! status word and writing one command word per output ring (length 0 where
//! the packet does not go). A buffer goes back to the receive ring once the
//! head of every transmit ring has passed it, which the device reports by
//! writing each ring's head to memory (head write-back, 7.2.3.5.2).

use super::descriptor::*;
use crate::dma::{DmaMemory, PacketBuffers};
use crate::nf::{NetworkFunction, Outputs, PortId};
use crate::Frame;
use crate::PortStats;
use std::sync::atomic::Ordering;

/// Descriptors per ring. A power of two, and RDLEN/TDLEN (16 bytes each)
/// must be a multiple of 128 bytes (8.2.3.8.3).
pub const RING_SIZE: usize = 256;

/// Packets processed between transmit tail updates. Each tail write is an
/// uncached MMIO write costing hundreds of cycles, so it is amortised over
/// several packets; but a packet waits for the flush before it can leave, so
/// the period stays small. An idle poll always flushes what it processed.
pub const FLUSH_PERIOD: usize = 8;

/// Every RECYCLE_PERIOD-th transmit descriptor asks for a head write-back
/// (RS bit). Write-backs cost PCIe bandwidth, and buffers only need to come
/// back well before the ring runs dry; 32 of 256 keeps 7/8 of the ring busy.
pub const RECYCLE_PERIOD: usize = 32;

/// Where one agent's rings live in DMA memory.
pub(super) struct Layout {
    pub rx_ring: usize,
    /// One ring per output port.
    pub tx_rings: Vec<usize>,
    /// One head write-back word per output port.
    pub head_write_back: Vec<usize>,
    /// Index of this agent's first buffer in the shared `PacketBuffers`.
    pub first_buffer: usize,
}

pub(super) struct Agent {
    pub input: PortId,
    pub layout: Layout,
    /// Next receive descriptor to process.
    processed: usize,
    /// Descriptors before this one (cyclically) are armed for the device.
    armed_until: usize,
    /// The transmit tail the device was last given (every ring's is the same).
    flushed: usize,
    /// Each output ring's head as last accepted from its write-back word.
    heads: Vec<usize>,
}

impl Agent {
    pub fn new(input: PortId, layout: Layout) -> Agent {
        let heads = vec![0; layout.tx_rings.len()];
        Agent { input, layout, processed: 0, armed_until: 0, flushed: 0, heads }
    }

    /// Process up to FLUSH_PERIOD received packets; returns how many (the
    /// caller then moves every transmit tail to `tx_tail()`), and the
    /// receive tail to write if buffers were recycled.
    ///
    /// Never inlined: one call per burst costs nothing, and it keeps the
    /// per-packet loop a symbol of its own, so CI can disassemble it and
    /// prove it makes no indirect calls (`.ci/no-indirect-calls`).
    #[inline(never)]
    pub fn poll<N: NetworkFunction>(
        &mut self,
        memory: &DmaMemory,
        buffers: &mut PacketBuffers,
        nf: &mut N,
        stats: &mut [PortStats],
    ) -> (usize, Option<u32>) {
        let rx = memory.words(self.layout.rx_ring, RING_SIZE * 2);
        let outputs_count = self.layout.tx_rings.len();
        let mut count = 0;
        while count < FLUSH_PERIOD {
            let index = self.processed;
            let status = rx[index * 2 + 1].load(Ordering::Acquire);
            if status & RX_STATUS_DD == 0 {
                break;
            }
            let length = ((status >> RX_LENGTH_SHIFT) & 0xffff) as usize;
            let buffer = buffers.get_mut(self.layout.first_buffer + index);
            let mut frame = Frame::new(buffer, length.min(BUFFER_SIZE));
            // Ports the deployment does not have count as not sent, so
            // received = sent + dropped holds whatever the NF returns.
            let outputs =
                Outputs::from_bits(nf.process(self.input, &mut frame).bits() & Outputs::all(outputs_count).bits());
            let sent = frame.len() as u64;
            let report = index % RECYCLE_PERIOD == RECYCLE_PERIOD - 1;
            for (port, &ring) in self.layout.tx_rings.iter().enumerate() {
                let tx = memory.words(ring + index * DESCRIPTOR_BYTES, 2);
                let sends = outputs.contains(port as PortId);
                tx[1].store(tx_command(if sends { sent } else { 0 }, report), Ordering::Release);
                if sends {
                    stats[port].tx_packets += 1;
                    stats[port].tx_bytes += sent;
                }
            }
            let input = &mut stats[usize::from(self.input)];
            input.rx_packets += 1;
            input.rx_bytes += length as u64;
            if outputs.is_drop() {
                input.nf_dropped += 1;
            }
            self.processed = (index + 1) % RING_SIZE;
            count += 1;
        }
        let rx_tail = self.recycle(memory, buffers);
        // The caller moves every transmit tail here now.
        self.flushed = self.processed;
        (count, rx_tail)
    }

    /// Where every transmit ring's tail goes after a poll: past the last
    /// processed descriptor.
    #[inline]
    pub fn tx_tail(&self) -> u32 {
        self.processed as u32
    }

    /// Re-arm the receive descriptors every transmit ring is done with and
    /// return the new receive tail, if it moved.
    fn recycle(&mut self, memory: &DmaMemory, buffers: &PacketBuffers) -> Option<u32> {
        // The ring whose head lags most behind `processed` decides.
        let mut earliest = self.processed;
        let mut lag = 0;
        for (accepted, &word) in self.heads.iter_mut().zip(&self.layout.head_write_back) {
            let head = memory.words(word, 1)[0].load(Ordering::Acquire) as u32 as usize;
            // A head only moves forward, and never past the tail the device
            // was given. Anything else is a stale or out-of-order write-back
            // (or garbage): trusting it would re-arm descriptors round the
            // ring, clearing the DD bits of frames not yet processed, and
            // move RDT backwards. Keep the last good value instead.
            let advanced = head.wrapping_sub(*accepted) % RING_SIZE;
            let room = (self.flushed + RING_SIZE - *accepted) % RING_SIZE;
            if head < RING_SIZE && advanced <= room {
                *accepted = head;
            }
            let behind = (self.processed + RING_SIZE - *accepted) % RING_SIZE;
            if behind > lag {
                lag = behind;
                earliest = *accepted;
            }
        }
        if earliest == self.armed_until {
            return None;
        }
        let rx = memory.words(self.layout.rx_ring, RING_SIZE * 2);
        while self.armed_until != earliest {
            let index = self.armed_until;
            // The write-back overwrote the buffer address (7.1.6.2): restore it.
            rx[index * 2].store(buffers.phys_addr(self.layout.first_buffer + index), Ordering::Relaxed);
            rx[index * 2 + 1].store(0, Ordering::Release);
            self.armed_until = (index + 1) % RING_SIZE;
        }
        // RDT names the first descriptor the device may not use (RDT == RDH is empty).
        Some(((earliest + RING_SIZE - 1) % RING_SIZE) as u32)
    }
}
