//! The register file of one modelled port: reset values, side effects and
//! the rules the datasheet sets on the order of accesses.

use super::latency::LatencyClock;
use super::queued::QueuedBuffers;
use super::ModelConfig;
use crate::dma::DmaMemory;
use crate::regs::*;
use std::collections::VecDeque;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// 8.1: the 82599's register space (BAR0) is 128 KiB.
const REGISTER_SPACE: usize = 128 * 1024;

pub(super) struct PortState {
    pub config: ModelConfig,
    /// This port's number, for the latency clock.
    pub port: usize,
    pub clock: Option<Arc<LatencyClock>>,
    pub latencies: Vec<u32>,
    /// Indexed by offset / 4: a lookup is one load, as on the device.
    values: Box<[u32]>,
    /// A global reset was requested and has not completed yet.
    /// When the pending global reset was requested.
    resetting: Option<Instant>,
    /// An access came too soon after the pending reset (reported once).
    early_access_reported: bool,
    /// STATUS reads by the driver (the vanished-device check is rate-limited).
    pub status_reads: u64,
    /// At least one global reset completed since power-on.
    pub reset_done: bool,
    pub vanished: bool,
    /// Frames in the on-chip packet buffer; shared, so offering a frame
    /// the generator already holds costs no copy.
    pub wire: VecDeque<Arc<[u8]>>,
    pub transmitted: Vec<Vec<u8>>,
    pub transmitted_count: u64,
    pub violations: Vec<String>,
    pub good_received: u32,
    pub good_transmitted: u32,
    /// Octets of good frames transmitted, CRC and padding included (GOTC).
    pub transmitted_octets: u64,
    /// Frames missed because the packet buffer was full (MPC[0]).
    pub missed: u32,
    /// Frames dropped because receive queue 0 had no free descriptor while
    /// SRRCTL.DROP_EN was set (QPRDC[0]).
    pub dropped_no_descriptor: u32,
    /// Frames written into receive descriptors, in order (when recording).
    pub received: Vec<Vec<u8>>,
    /// Per transmit queue: the head value last written back, and one that
    /// is still in flight and lands late (relaxed ordering, see `engine`).
    pub head_written_back: Vec<Option<u32>>,
    pub head_in_flight: Vec<Option<(u64, u32, u8)>>,
    /// Queues already reported for writing heads back with relaxed ordering.
    pub relaxed_head_reported: Vec<bool>,
    /// DMA into released memory was reported.
    released_dma_reported: bool,
    /// Buffers queued transmit descriptors name, on every port.
    pub queued: Arc<QueuedBuffers>,
    /// Per transmit queue, from its head: the buffer each descriptor handed
    /// over (TDT) sends from, if it sends (length > 0).
    pub queued_here: Vec<VecDeque<Option<u64>>>,
}

/// 8.2.3.1.1: a global reset takes about 1 ms, during which no register
/// may be accessed.
const RESET_DURATION: Duration = Duration::from_millis(1);

/// TDWBAL's low two bits are Head_WB_En and a reserved bit (8.2.3.9.11).
pub(super) const HEAD_WRITE_BACK_CONTROL_BITS: u32 = 0b11;
/// The alignment a head write-back address needs for the 82599 to honour
/// it: 7.2.3.5.2 asks for a Dword-aligned address and 8.2.3.9.11 calls it
/// Qword aligned, but TinyNF found on real cards that the write has no
/// effect unless the address is 16-byte aligned.
pub(super) const HEAD_WRITE_BACK_ALIGN: u32 = 16;

/// Queue registers the model tracks (queue 0 for receive, any for transmit).
fn rx_queue(offset: u32, array: crate::regs::RegisterArray) -> bool {
    array.index_of(offset) == Some(0)
}

impl PortState {
    pub fn new(
        config: ModelConfig,
        port: usize,
        clock: Option<Arc<LatencyClock>>,
        queued: Arc<QueuedBuffers>,
    ) -> PortState {
        let mut state = PortState {
            config,
            port,
            clock,
            queued,
            queued_here: vec![VecDeque::new(); TDT.count as usize],
            latencies: Vec::new(),
            values: vec![0; REGISTER_SPACE / 4].into_boxed_slice(),
            resetting: None,
            early_access_reported: false,
            status_reads: 0,
            reset_done: false,
            vanished: false,
            wire: VecDeque::new(),
            transmitted: Vec::new(),
            transmitted_count: 0,
            violations: Vec::new(),
            good_received: 0,
            good_transmitted: 0,
            transmitted_octets: 0,
            missed: 0,
            dropped_no_descriptor: 0,
            received: Vec::new(),
            head_written_back: vec![None; TDWBAL.count as usize],
            head_in_flight: vec![None; TDWBAL.count as usize],
            relaxed_head_reported: vec![false; TDWBAL.count as usize],
            released_dma_reported: false,
        };
        state.load_reset_values();
        state
    }

    /// 8.2.3: values after a global reset that the driver looks at.
    fn load_reset_values(&mut self) {
        // A reset forgets every transmit queue's descriptors.
        let forgotten: Vec<_> = self.queued_here.iter_mut().flat_map(|queue| queue.drain(..).flatten()).collect();
        self.queued.release(forgotten);
        self.values.fill(0);
        // The EEPROM auto-read and DMA init finish during reset (4.6.3).
        self.set(EEC.offset, eec::PRES.mask() | eec::AUTO_RD.mask());
        self.set(RDRXCTL.offset, rdrxctl::DMAIDONE.mask());
        self.set(STATUS.offset, status::MASTER_ENABLE_STATUS.mask());
        // 8.2.3.8.9: the whole 512 KiB receive packet buffer is PB[0]'s.
        self.set(RXPBSIZE.at(0).offset, 512 << 10);
        for queue in 0..DCA_RXCTRL.count {
            self.set(DCA_RXCTRL.at(queue).offset, dca_rxctrl::RESET);
        }
        for queue in 0..DCA_TXCTRL.count {
            self.set(DCA_TXCTRL.at(queue).offset, dca_txctrl::RESET);
        }
        self.head_written_back.fill(None);
        self.head_in_flight.fill(None);
    }

    /// Offsets past the register space read 0 (the driver never uses them;
    /// `write` records a violation if it tries).
    pub fn get(&self, offset: u32) -> u32 {
        self.values.get(offset as usize / 4).copied().unwrap_or(0)
    }

    /// Store a register value with no side effects (the engines move heads this way).
    pub fn set(&mut self, offset: u32, value: u32) {
        match self.values.get_mut(offset as usize / 4) {
            Some(slot) => *slot = value,
            None => self.violations.push(format!("register offset {offset:#x} is beyond the 128 KiB register space")),
        }
    }

    fn violation(&mut self, message: String) {
        self.violations.push(message);
    }

    pub fn arrive(&mut self, frame: Arc<[u8]>) -> bool {
        if self.wire.len() >= self.config.rx_fifo_frames {
            self.missed += 1;
            return false;
        }
        self.wire.push_back(frame);
        true
    }

    /// 8.2.3.1.1: after setting CTRL.RST, software must wait about 1 ms
    /// before reading CTRL or accessing any other register; the reset is
    /// done (CTRL.RST self-cleared) no sooner than that.
    fn during_reset(&mut self, offset: u32) {
        let Some(started) = self.resetting else { return };
        let elapsed = started.elapsed();
        if elapsed < RESET_DURATION {
            if !self.early_access_reported {
                self.early_access_reported = true;
                self.violation(format!(
                    "register {offset:#07x} accessed {} us after CTRL.RST was set: wait about 1 ms first (8.2.3.1.1)",
                    elapsed.as_micros()
                ));
            }
        } else if offset == CTRL.offset && !self.config.reset_never_completes {
            self.resetting = None;
            self.reset_done = true;
            self.load_reset_values();
        }
    }

    pub fn read(&mut self, offset: u32) -> u32 {
        if self.vanished {
            return u32::MAX;
        }
        self.during_reset(offset);
        if offset == STATUS.offset {
            self.status_reads += 1;
        }
        // 8.2.3.23: statistics clear on read.
        let clear_on_read = |counter: &mut u32| std::mem::take(counter);
        match offset {
            o if o == GPRC.offset => clear_on_read(&mut self.good_received),
            o if o == GPTC.offset => clear_on_read(&mut self.good_transmitted),
            // GOTC is 36 bits in two registers, each clearing its part on read.
            o if o == GOTCL.offset => {
                let low = self.transmitted_octets as u32;
                self.transmitted_octets &= !u64::from(u32::MAX);
                low
            }
            o if o == GOTCH.offset => {
                let high = (self.transmitted_octets >> 32) as u32;
                self.transmitted_octets &= u64::from(u32::MAX);
                high
            }
            o if o == MPC.at(0).offset => clear_on_read(&mut self.missed),
            o if o == QPRDC.at(0).offset => clear_on_read(&mut self.dropped_no_descriptor),
            o if o == CTRL.offset && self.resetting.is_some() => ctrl::RST.mask(),
            o => self.get(o),
        }
    }

    pub fn write(&mut self, offset: u32, value: u32, memory: Option<&DmaMemory>) {
        if self.vanished {
            return;
        }
        self.during_reset(offset);
        // Before the first reset only interrupt masks and the master disable
        // algorithm (receive queues off, CTRL) may be written.
        let interrupt_mask = offset == EIMC.offset || EIMC_EX.index_of(offset).is_some();
        let master_disable = offset == CTRL.offset || RXDCTL.index_of(offset).is_some();
        if !self.reset_done && !master_disable && !interrupt_mask {
            self.violation(format!("write to {offset:#07x} before the global reset (4.6.3.2)"));
        }
        if offset == CTRL.offset {
            if ctrl::RST.is_set(value) {
                // 4.2.1.6.1: the master disable algorithm (5.2.5.3.2) first.
                if status::MASTER_ENABLE_STATUS.is_set(self.get(STATUS.offset)) && self.resetting.is_none() {
                    self.violation(
                        "global reset (CTRL.RST) while the device is still a bus master: run the master disable algorithm first (4.2.1.6.1, 5.2.5.3.2)".into(),
                    );
                }
                self.resetting = Some(Instant::now());
                self.early_access_reported = false;
            }
            // 5.2.5.3.2: with master disable set the device issues no new
            // DMA, and once nothing is pending STATUS says so (at once here).
            let master_enabled = !ctrl::MASTER_DISABLE.is_set(value);
            self.set(STATUS.offset, status::MASTER_ENABLE_STATUS.set(self.get(STATUS.offset), master_enabled as u32));
            return self.set(offset, ctrl::RST.set(value, 0));
        }
        if offset == AUTOC.offset {
            let mode = autoc::LMS.get(value);
            if autoc::RESTART_AN.is_set(value) && mode != autoc::LMS_10G_SERIAL {
                // The modelled part is an SFP+ 82599 (8086:10fb): SFI only.
                self.violation(format!(
                    "AUTOC.LMS = {mode:03b}: the modelled SFP+ 82599's link comes up only in 10 GbE serial mode, 011b (8.2.3.22.19)"
                ));
            } else if autoc::RESTART_AN.is_set(value) && !self.config.link_never_up {
                self.set(LINKS.offset, links::LINK_UP.mask());
            }
            return self.set(offset, autoc::RESTART_AN.set(value, 0));
        }
        if rx_queue(offset, RXDCTL) && rxdctl::ENABLE.is_set(value) {
            let kind = srrctl::DESCTYPE.get(self.get(SRRCTL.at(0).offset));
            if kind != srrctl::DESCTYPE_LEGACY {
                self.violation(format!(
                    "receive queue 0 enabled with SRRCTL.DESCTYPE = {kind:03b}: the model implements legacy descriptors (000b, 7.1.5) only"
                ));
            }
            if dca_rxctrl::RESERVED_12.is_set(self.get(DCA_RXCTRL.at(0).offset)) {
                self.violation("receive queue 0 enabled with DCA_RXCTRL[0] bit 12 set: it is reserved and must be 0 (8.2.3.11.1, 4.6.7)".into());
            }
            if let Err(why) = self.ring(memory, RDBAL.at(0).offset, RDBAH.at(0).offset, RDLEN.at(0).offset) {
                self.violation(format!("receive queue 0 enabled {why} (4.6.7.1)"));
                return self.set(offset, rxdctl::ENABLE.set(value, 0));
            }
        }
        if let Some(queue) = TXDCTL.index_of(offset) {
            if !txdctl::ENABLE.is_set(value) {
                // A disabled queue sends nothing more.
                let forgotten: Vec<_> = self.queued_here[queue as usize].drain(..).flatten().collect();
                self.queued.release(forgotten);
            }
            if txdctl::ENABLE.is_set(value) {
                let q = queue;
                if let Err(why) = self.ring(memory, TDBAL.at(q).offset, TDBAH.at(q).offset, TDLEN.at(q).offset) {
                    self.violation(format!("transmit queue {q} enabled {why} (4.6.8.1)"));
                    return self.set(offset, txdctl::ENABLE.set(value, 0));
                }
                if !dmatxctl::TE.is_set(self.get(DMATXCTL.offset)) {
                    self.violation(format!("transmit queue {q} enabled before DMATXCTL.TE (4.6.8)"));
                }
                let (prefetch, host) = (txdctl::PTHRESH.get(value), txdctl::HTHRESH.get(value));
                if prefetch == 0 {
                    self.violation(format!(
                        "transmit queue {q} enabled with TXDCTL.PTHRESH = 0: descriptors are then fetched only when the queue's cache runs dry, which TinyNF found too slow for 10 Gb/s (7.2.3.4.1)"
                    ));
                } else if host == 0 {
                    self.violation(format!(
                        "transmit queue {q} enabled with TXDCTL.PTHRESH = {prefetch} and HTHRESH = 0: HTHRESH must be non-zero whenever PTHRESH is used (8.2.3.9.10)"
                    ));
                }
            }
        }
        if rx_queue(offset, RDT) {
            if !rxdctl::ENABLE.is_set(self.get(RXDCTL.at(0).offset)) {
                self.violation("RDT written while receive queue 0 is disabled (4.6.7.1)".into());
                return;
            }
            let count = self.ring_count(RDLEN.at(0).offset);
            if value >= count {
                self.violation(format!("RDT {value} beyond the receive ring"));
                return;
            }
            // 7.1.9: the device owns RDH up to RDT; software hands it more by
            // moving RDT forward, never takes descriptors back.
            let (head, tail) = (self.get(RDH.at(0).offset), self.get(RDT.at(0).offset));
            let owned = |tail: u32| (tail + count - head) % count;
            if owned(value) < owned(tail) {
                self.violation(format!(
                    "RDT moved backwards from {tail} to {value} (RDH {head}): it takes back descriptors the device owns (7.1.9)"
                ));
            }
        }
        if let Some(queue) = TDWBAL.index_of(offset) {
            let address = value & !HEAD_WRITE_BACK_CONTROL_BITS;
            if tdwbal::HEAD_WB_EN.is_set(value) && !address.is_multiple_of(HEAD_WRITE_BACK_ALIGN) {
                self.violation(format!(
                    "head write-back address {address:#x} of transmit queue {queue} is not 16-byte aligned: the 82599 ignores it and the head is never written back (TinyNF, on real cards; 8.2.3.9.11)"
                ));
            }
        }
        if let Some(queue) = TDT.index_of(offset) {
            if !txdctl::ENABLE.is_set(self.get(TXDCTL.at(queue).offset)) {
                self.violation(format!("TDT written while transmit queue {queue} is disabled (4.6.8.1)"));
                return;
            }
            if value >= self.ring_count(TDLEN.at(queue).offset) {
                self.violation(format!("TDT {value} beyond transmit ring {queue}"));
                return;
            }
            self.queue_for_transmit(queue, value, memory);
        }
        if offset == RXCTRL.offset && rxctrl::RXEN.is_set(value) {
            for tc in 0..FCRTH.count {
                let buffer = self.get(RXPBSIZE.at(tc).offset) >> 10 << 10;
                let mark = fcrth::RTH.get(self.get(FCRTH.at(tc).offset)) << 5;
                if buffer > 0 && (mark == 0 || mark + 8 > buffer) {
                    self.violation(format!(
                        "receive enabled with FCRTH[{tc}].RTH = {mark} bytes for a {buffer}-byte packet buffer: it must be set, flow control or not, below the buffer's size (4.6.3, 8.2.3.3.4)"
                    ));
                }
            }
        }
        if offset == RXCTRL.offset
            && rxctrl::RXEN.is_set(value)
            && !rxdctl::ENABLE.is_set(self.get(RXDCTL.at(0).offset))
        {
            self.violation("RXCTRL.RXEN set before receive queue 0 was set up and enabled (4.6.7)".into());
        }
        self.set(offset, value);
    }

    /// Whether the device may issue DMA: not after master disable (5.2.5.3.2).
    pub fn bus_master(&self) -> bool {
        !ctrl::MASTER_DISABLE.is_set(self.get(CTRL.offset))
    }

    /// Called once the driver's DMA memory is gone: a device still able to
    /// DMA (bus master, with receive or any transmit queue enabled) would
    /// write the next frame into freed memory, whether or not one arrives.
    pub fn check_stopped_before_release(&mut self) {
        let receiving =
            rxctrl::RXEN.is_set(self.get(RXCTRL.offset)) || rxdctl::ENABLE.is_set(self.get(RXDCTL.at(0).offset));
        let transmitting = (0..TXDCTL.count).any(|q| txdctl::ENABLE.is_set(self.get(TXDCTL.at(q).offset)));
        if !self.vanished && self.bus_master() && (receiving || transmitting) {
            let what = if receiving { "receive" } else { "a transmit queue" };
            let _ = self.dma(None, &format!("the device still had {what} enabled, bus master on,"));
        }
    }

    /// The driver's DMA memory for a DMA the device is about to make; if the
    /// driver released it without stopping the device first, that is a
    /// violation (reported once) and the DMA goes nowhere.
    pub fn dma<'m>(&mut self, memory: Option<&'m DmaMemory>, what: &str) -> Option<&'m DmaMemory> {
        if memory.is_none() && !self.released_dma_reported {
            self.released_dma_reported = true;
            self.violation(format!(
                "{what} after the driver released its DMA memory: the device was still running (stop receive, disable the queues and the bus master first, 4.6.7.1, 4.6.8.1, 5.2.5.3.2)"
            ));
        }
        memory
    }

    /// The driver moved transmit queue `queue`'s tail to `tail`: record the
    /// buffers of the descriptors it handed over.
    fn queue_for_transmit(&mut self, queue: u32, tail: u32, memory: Option<&DmaMemory>) {
        let Some(memory) = memory else { return };
        let ring = u64::from(self.get(TDBAL.at(queue).offset)) | u64::from(self.get(TDBAH.at(queue).offset)) << 32;
        let count = self.ring_count(TDLEN.at(queue).offset);
        let mut index = self.get(TDT.at(queue).offset);
        let mut buffers = Vec::new();
        while index != tail {
            let Some(offset) = memory.offset_of(ring + u64::from(index) * 16, 16) else { return };
            let words = memory.words(offset, 2);
            let sends = words[1].load(Ordering::Acquire) & 0xffff != 0;
            let buffer = sends.then(|| words[0].load(Ordering::Acquire));
            self.queued_here[queue as usize].push_back(buffer);
            buffers.extend(buffer);
            index = (index + 1) % count;
        }
        self.queued.queue(buffers);
    }

    /// Whether an enabled transmit queue has descriptors not sent yet.
    pub fn transmit_pending(&self) -> bool {
        (0..TXDCTL.count).any(|q| {
            txdctl::ENABLE.is_set(self.get(TXDCTL.at(q).offset))
                && self.get(TDH.at(q).offset) != self.get(TDT.at(q).offset)
        })
    }

    /// Descriptors of receive queue 0 the device may still fill (RDH up to RDT).
    pub fn free_rx_descriptors(&self) -> usize {
        let count = self.ring_count(RDLEN.at(0).offset);
        if count == 0 {
            return 0;
        }
        ((self.get(RDT.at(0).offset) + count - self.get(RDH.at(0).offset)) % count) as usize
    }

    pub fn ring_count(&self, len_offset: u32) -> u32 {
        self.get(len_offset) / 16
    }

    /// A ring's base and length must describe 128-byte aligned memory the
    /// device can reach (8.2.3.8.1, 8.2.3.8.3).
    fn ring(&self, memory: Option<&DmaMemory>, low: u32, high: u32, len: u32) -> Result<(), String> {
        let Some(memory) = memory else {
            return Err("after the driver released its DMA memory".into());
        };
        let base = u64::from(self.get(low)) | u64::from(self.get(high)) << 32;
        let bytes = self.get(len);
        if bytes == 0 || !bytes.is_multiple_of(128) {
            return Err(format!("with ring length {bytes}, which is not a non-zero multiple of 128"));
        }
        if base % 128 != 0 {
            return Err(format!("with ring base {base:#x}, which is not 128-byte aligned"));
        }
        if memory.offset_of(base, bytes as usize).is_none() {
            return Err(format!("with ring {base:#x}+{bytes} outside DMA memory"));
        }
        Ok(())
    }
}
