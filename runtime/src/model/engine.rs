//! The DMA engines: wire → receive ring, transmit rings → wire.

use super::registers::{PortState, HEAD_WRITE_BACK_ALIGN, HEAD_WRITE_BACK_CONTROL_BITS};
use crate::dma::DmaMemory;
use crate::regs::*;
use std::sync::atomic::Ordering;

// Legacy descriptor bits, as the datasheet defines them (7.1.5, 7.2.3.2.2);
// the model keeps its own copy so that it checks the driver, not itself.
/// Receive write-back, second word: Length at bits 0..16, Status at 32..40
/// (DD, EOP); the first word, the buffer address, is left as it was.
const RX_DD: u64 = 1 << 32;
const RX_EOP: u64 = 1 << 33;
/// Transmit, second word: Length bits 0..16, CSO 16..24, CMD 24..32, STA
/// 32..36, CSS 40..48, VLAN 48..64.
const TX_LENGTH: u64 = 0xffff;
const TX_EOP: u64 = 1 << 24;
const TX_IFCS: u64 = 1 << 25;
const TX_RS: u64 = 1 << 27;
/// DEXT set means an advanced descriptor, which the model does not implement.
const TX_DEXT: u64 = 1 << 29;
/// Everything else the driver could ask for: CSO, IC (26), VLE (30), STA, CSS, VLAN.
const TX_UNMODELLED: u64 = !(TX_LENGTH | TX_EOP | TX_IFCS | TX_RS | TX_DEXT);
/// Shortest frame on the wire without CRC; shorter ones are padded (HLREG0.TXPADEN).
const MIN_FRAME: u64 = 60;
const CRC: u64 = 4;

fn descriptor<'m>(
    state: &mut PortState,
    memory: &'m DmaMemory,
    ring: u64,
    index: u32,
) -> Option<&'m [std::sync::atomic::AtomicU64]> {
    let phys = ring + u64::from(index) * 16;
    match memory.offset_of(phys, 16) {
        Some(offset) => Some(memory.words(offset, 2)),
        None => {
            state.violations.push(format!("descriptor at {phys:#x} outside DMA memory"));
            None
        }
    }
}

/// Move waiting frames into receive descriptors between RDH and RDT.
pub(super) fn receive(state: &mut PortState, memory: Option<&DmaMemory>) {
    let enabled =
        rxctrl::RXEN.is_set(state.get(RXCTRL.offset)) && rxdctl::ENABLE.is_set(state.get(RXDCTL.at(0).offset));
    if !enabled || state.vanished || !state.bus_master() || state.wire.is_empty() {
        return;
    }
    if state.get(RDH.at(0).offset) == state.get(RDT.at(0).offset) {
        drop_for_lack_of_descriptors(state);
        return;
    }
    let Some(memory) = state.dma(memory, "a received frame was written to its descriptor's buffer") else {
        // The frames are lost, as on a card writing into freed memory.
        state.missed += state.wire.len() as u32;
        state.wire.clear();
        return;
    };
    let ring = u64::from(state.get(RDBAL.at(0).offset)) | u64::from(state.get(RDBAH.at(0).offset)) << 32;
    let count = state.ring_count(RDLEN.at(0).offset);
    if count == 0 {
        state.violations.push("RDLEN cleared while receive queue 0 is enabled".into());
        return;
    }
    let buffer_size = srrctl::BSIZEPACKET.get(state.get(SRRCTL.at(0).offset)) as usize * 1024;
    while let Some(frame) = state.wire.front() {
        let head = state.get(RDH.at(0).offset);
        if head == state.get(RDT.at(0).offset) {
            drop_for_lack_of_descriptors(state);
            return;
        }
        let frame_len = frame.len();
        let Some(words) = descriptor(state, memory, ring, head) else { return };
        if frame_len > buffer_size {
            // Larger than one buffer would span descriptors, which this
            // driver never sets up for; the frame is dropped like an error.
            state.wire.pop_front();
            state.missed += 1;
            continue;
        }
        let buffer = words[0].load(Ordering::Acquire);
        if state.queued.contains(buffer) {
            // The driver gave the descriptor back (RDT) before every transmit
            // ring naming its buffer had sent it: the frame is overwritten.
            state.violations.push(format!(
                "receive descriptor {head} handed to the device while its buffer {buffer:#x} is still queued for transmit: the frame not yet sent is overwritten (7.1.9, 7.2.3.5)"
            ));
        }
        let frame = state.wire.pop_front().expect("peeked");
        if memory.device_write(buffer, &frame).is_err() {
            state.violations.push(format!("receive buffer {buffer:#x} outside DMA memory"));
            return;
        }
        // Write-back format: RSS/checksum fields (zero here), then status and length.
        words[1].store(RX_DD | RX_EOP | frame_len as u64, Ordering::Release);
        if let Some(clock) = &state.clock {
            clock.received(state.port, head);
        }
        state.good_received += 1;
        if state.config.record_transmitted {
            state.received.push(frame.to_vec());
        }
        state.set(RDH.at(0).offset, (head + 1) % count);
    }
}

/// The receive ring is full (RDH == RDT). With SRRCTL.DROP_EN the queue
/// drops what waits for it and counts it in QPRDC (8.2.3.8.7, 8.2.3.23.x);
/// without, frames stay in the packet buffer, which overflows into MPC
/// (`PortState::arrive`).
fn drop_for_lack_of_descriptors(state: &mut PortState) {
    if srrctl::DROP_EN.is_set(state.get(SRRCTL.at(0).offset)) {
        state.dropped_no_descriptor += state.wire.len() as u32;
        state.wire.clear();
    }
}

/// Send every descriptor between TDH and TDT of every enabled queue.
pub(super) fn transmit(state: &mut PortState, memory: Option<&DmaMemory>) {
    if !dmatxctl::TE.is_set(state.get(DMATXCTL.offset)) || state.vanished || !state.bus_master() {
        return;
    }
    for queue in 0..TXDCTL.count {
        if !txdctl::ENABLE.is_set(state.get(TXDCTL.at(queue).offset)) {
            continue;
        }
        let ring = u64::from(state.get(TDBAL.at(queue).offset)) | u64::from(state.get(TDBAH.at(queue).offset)) << 32;
        let count = state.ring_count(TDLEN.at(queue).offset);
        if count == 0 {
            state.violations.push(format!("TDLEN cleared while transmit queue {queue} is enabled"));
            continue;
        }
        let write_back =
            u64::from(state.get(TDWBAL.at(queue).offset)) | u64::from(state.get(TDWBAH.at(queue).offset)) << 32;
        let tail = state.get(TDT.at(queue).offset);
        let mut head = state.get(TDH.at(queue).offset);
        let in_flight = state.head_in_flight[queue as usize].is_some();
        if head == tail && !in_flight {
            continue;
        }
        let Some(memory) = state.dma(memory, "a transmit descriptor was read") else { return };
        // A write-back overtaken by a later one (relaxed ordering) lands
        // after the driver has had a poll to read the newer head.
        if let Some((address, late, steps)) = state.head_in_flight[queue as usize].take() {
            if steps == 0 {
                let _ = memory.device_write(address, &late.to_le_bytes());
            } else {
                state.head_in_flight[queue as usize] = Some((address, late, steps - 1));
            }
        }
        let relaxed = dca_txctrl::TX_DESC_WB_RO_EN.is_set(state.get(DCA_TXCTRL.at(queue).offset));
        while head != tail {
            let Some(words) = descriptor(state, memory, ring, head) else { return };
            let (buffer, command) = (words[0].load(Ordering::Acquire), words[1].load(Ordering::Acquire));
            if command & TX_DEXT != 0 || command & TX_UNMODELLED != 0 || command & TX_EOP == 0 {
                state.violations.push(format!("transmit descriptor {head} of queue {queue} is not a one-buffer legacy descriptor with no offload (7.2.3.2.2): {command:#x}"));
            }
            let length = (command & TX_LENGTH) as usize;
            if length > 0 && command & TX_IFCS == 0 && hlreg0::TXPADEN.is_set(state.get(HLREG0.offset)) {
                // 7.2.3.2.2: with padding on, the device must insert the FCS.
                state.violations.push(format!("transmit descriptor {head} of queue {queue} without IFCS while HLREG0.TXPADEN pads short frames (7.2.3.2.2)"));
            }
            if length > 0 {
                // The frame goes out of the device: read it (into a stack
                // buffer, so a long run allocates nothing), keep a copy
                // only when recording.
                let mut frame = [0u8; 16 * 1024];
                let Some(frame) = frame.get_mut(..length) else {
                    state.violations.push(format!(
                        "transmit descriptor {head} of queue {queue} has length {length}, beyond any frame"
                    ));
                    return;
                };
                if memory.device_read(buffer, frame).is_err() {
                    state.violations.push(format!("transmit buffer {buffer:#x}+{length} outside DMA memory"));
                    return;
                }
                state.good_transmitted += 1;
                state.transmitted_octets += (length as u64).max(MIN_FRAME) + CRC;
                state.transmitted_count += 1;
                if state.config.record_transmitted {
                    state.transmitted.push(frame.to_vec());
                }
                // Transmit queue `q` carries input port `q`'s frames.
                if let Some(latency) = state.clock.as_ref().and_then(|clock| clock.transmitted(queue as usize, head)) {
                    state.latencies.push(latency);
                }
            }
            head = (head + 1) % count;
            if let Some(Some(buffer)) = state.queued_here[queue as usize].pop_front() {
                state.queued.release([buffer]);
            }
            let address = write_back & !u64::from(HEAD_WRITE_BACK_CONTROL_BITS);
            // A misaligned address (a violation when it was programmed) is
            // ignored, as the card does: the head is never written back.
            let honoured = address.is_multiple_of(u64::from(HEAD_WRITE_BACK_ALIGN));
            if command & TX_RS != 0 && write_back & 1 != 0 && honoured {
                // 7.2.3.5.2: the head is written to the write-back address.
                if memory.device_write(address, &head.to_le_bytes()).is_err() {
                    state.violations.push(format!("head write-back address {write_back:#x} outside DMA memory"));
                }
                let earlier = state.head_written_back[queue as usize].replace(head);
                if relaxed {
                    // With relaxed ordering (8.2.3.11.2) PCIe may reorder the
                    // writes: the model plays the worst case, the previous
                    // write-back landing after this one, two steps later.
                    state.head_in_flight[queue as usize] = earlier.map(|value| (address, value, 1));
                    if !state.relaxed_head_reported[queue as usize] {
                        state.relaxed_head_reported[queue as usize] = true;
                        state.violations.push(format!(
                            "transmit queue {queue} writes its head back with relaxed ordering (DCA_TXCTRL.TXdescWBROen set, 8.2.3.11.2): write-backs can land out of order and the head in memory go backwards"
                        ));
                    }
                }
            }
        }
        state.set(TDH.at(queue).offset, head);
    }
}
