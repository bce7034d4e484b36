//! Bringing one 82599 port up, in the order of datasheet section 4.6.3.

use super::error::DriverError;
use crate::regs::*;
use crate::regs::{Field, Register, RegisterAccess};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// Upper bounds of every wait during init. The datasheet gives minimum
/// waits (e.g. 10 ms after reset) but no maximum; these are generous
/// maxima after which the device is considered broken.
#[derive(Clone, Copy, Debug)]
pub struct Timeouts {
    pub reset: Duration,
    pub eeprom: Duration,
    pub dma_init: Duration,
    pub link: Duration,
    pub queue_enable: Duration,
    /// Stopping: for the frames already queued to leave, for a queue to
    /// read back disabled, and for bus-master requests to drain.
    pub stop: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            reset: Duration::from_millis(1000),
            eeprom: Duration::from_millis(1000),
            dma_init: Duration::from_millis(1000),
            // Optics and link partners can take seconds to train.
            link: Duration::from_secs(10),
            queue_enable: Duration::from_millis(1000),
            stop: Duration::from_millis(100),
        }
    }
}

/// One initialised 82599 port: link up, statistics cleared, receive and
/// transmit units configured but no queue enabled yet.
///
/// Dropping it stops every DMA of the device (`stop`), so whatever way a
/// run ends (end of input, a signal, an error, a panic) the device is quiet
/// before the DMA memory it was given is released.
pub struct Device<R: RegisterAccess> {
    pub(super) regs: R,
    pub(super) timeouts: Timeouts,
    /// Receive queue 0 was enabled.
    rx_enabled: Cell<bool>,
    /// Transmit queues 0..tx_queues were enabled.
    tx_queues: Cell<u32>,
    stopped: Cell<bool>,
}

/// RXPBSIZE/TXPBSIZE hold the buffer size in KiB at bits 10..20 (8.2.3.8.9).
const PACKET_BUFFER_KB_SHIFT: u32 = 10;
/// With one traffic class the whole 512 KiB receive packet buffer goes to TC0 (4.6.11.3.1).
const RX_PACKET_BUFFER_KB: u32 = 512;
/// And the whole 160 KiB transmit packet buffer (4.6.11.3.1).
const TX_PACKET_BUFFER_KB: u32 = 160;
/// 4.6.3: FCRTH[n] "should be equal to RXPBSIZE[n]-0x6000" (in bytes).
const FCRTH_BELOW_BUFFER: u32 = 0x6000;
/// 8.2.3.1.1: after setting CTRL.RST, wait about 1 ms before accessing any register.
const RESET_DELAY: Duration = Duration::from_millis(1);
/// Transmit descriptor prefetch: fetch when fewer than PTHRESH descriptors
/// are cached and at least HTHRESH wait in memory (7.2.3.4.1). The
/// datasheet leaves the values to the driver; TinyNF found these "required
/// to forward 10G" (HTHRESH: a 64-byte cache line of 16-byte descriptors).
const TX_PREFETCH_THRESHOLD: u32 = 60;
const TX_HOST_THRESHOLD: u32 = 4;
/// DTXMXSZRQ: maximum bytes of outstanding transmit read requests, the maximum (8.2.3.9.1).
const MAX_TX_READ_REQUEST: u32 = 0xfff;

impl<R: RegisterAccess> Device<R> {
    /// Reset and configure the port with default timeouts.
    pub fn init(regs: R) -> Result<Device<R>, DriverError> {
        Device::init_with(regs, Timeouts::default())
    }

    pub fn init_with(regs: R, timeouts: Timeouts) -> Result<Device<R>, DriverError> {
        let device =
            Device { regs, timeouts, rx_enabled: Cell::new(false), tx_queues: Cell::new(0), stopped: Cell::new(false) };
        if device.regs.read(STATUS) == u32::MAX {
            return Err(DriverError::Vanished { step: "start initialisation" });
        }
        // 4.6.3.1: mask all interrupts; this driver polls.
        device.disable_interrupts();
        // 4.2.1.6.1: "prior to issuing software reset, the driver needs to
        // execute the master disable algorithm" (5.2.5.3.2): the device may
        // still be running from a previous owner.
        device.master_disable_for_reset()?;
        // 4.6.3.2: global reset (device and link). 8.2.3.1.1: wait about
        // 1 ms before reading CTRL or touching any other register, then
        // wait for the self-clearing bit.
        device.regs.write(CTRL, ctrl::RST.mask() | ctrl::LRST.mask());
        std::thread::sleep(RESET_DELAY);
        device.wait(CTRL, ctrl::RST, false, timeouts.reset, "finish global reset", "4.6.3.2")?;
        // 4.6.3.2: wait at least 10 ms after the reset completes before touching the device.
        std::thread::sleep(Duration::from_millis(10));
        // 4.6.3.1: interrupts again, as the reset restored their defaults.
        device.disable_interrupts();
        // 4.6.3: the EEPROM auto-read must complete before the MAC is configured.
        device.wait(EEC, eec::AUTO_RD, true, timeouts.eeprom, "finish the EEPROM auto-read", "4.6.3")?;
        // 4.6.3: and the DMA engine must have initialised.
        device.wait(RDRXCTL, rdrxctl::DMAIDONE, true, timeouts.dma_init, "finish DMA initialisation", "4.6.3")?;
        // 4.6.4: link setup: 10 GbE serial (SFI), the mode of the SFP+ parts
        // `env::PciDevice` accepts (no backplane auto-negotiation); setting
        // Restart_AN makes the MAC apply the mode.
        let autoc = autoc::LMS.set(device.regs.read(AUTOC), autoc::LMS_10G_SERIAL);
        device.regs.write(AUTOC, autoc | autoc::RESTART_AN.mask());
        device.wait(LINKS, links::LINK_UP, true, timeouts.link, "bring the link up", "4.6.4")?;
        // 4.6.5: statistics registers clear on read; read them all once.
        device.clear_statistics();
        // 4.6.6 / 3.7.7: no flow control, so a slow peer can never stall our
        // transmit. 4.6.3: FCRTH[n].RTH must be set all the same, to the
        // packet buffer's size less 0x6000 bytes; FCRTH.FCEN stays 0.
        for tc in 0..8 {
            device.regs.write(FCRTL.at(tc), 0);
            let size = if tc == 0 { RX_PACKET_BUFFER_KB * 1024 } else { 0 };
            device.regs.write(FCRTH.at(tc), fcrth::RTH.set(0, size.saturating_sub(FCRTH_BELOW_BUFFER) >> 5));
        }
        device.regs.write(FCCFG, 0);
        device.regs.write(MFLCN, 0);
        device.init_receive();
        device.init_transmit();
        Ok(device)
    }

    fn disable_interrupts(&self) {
        self.regs.write(EIMC, 0x7fff_ffff);
        for n in 0..EIMC_EX.count {
            self.regs.write(EIMC_EX.at(n), u32::MAX);
        }
    }

    /// 4.6.5: read every statistics register once to zero it.
    pub(super) fn clear_statistics(&self) {
        for reg in [CRCERRS, GPRC, GPTC, GORCL, GORCH, GOTCL, GOTCH, TPR, TPT] {
            self.regs.read(reg);
        }
        for n in 0..MPC.count {
            self.regs.read(MPC.at(n));
        }
        self.regs.read(QPRDC.at(0));
    }

    /// 4.6.7: the receive unit, everything but the queue (see `enable_rx_queue`).
    fn init_receive(&self) {
        // 4.6.11.3.1: one traffic class owning the whole receive packet buffer.
        self.regs.write(RXPBSIZE.at(0), RX_PACKET_BUFFER_KB << PACKET_BUFFER_KB_SHIFT);
        for n in 1..RXPBSIZE.count {
            self.regs.write(RXPBSIZE.at(n), 0);
        }
        // 4.6.7: strip the CRC in both places that control it (8.2.3.8.8 requires they match).
        self.regs.set_bits(HLREG0, hlreg0::RXCRCSTRP);
        self.regs.set_bits(RDRXCTL, rdrxctl::CRCSTRIP);
        // 8.2.3.7.1: accept every frame: a network function sees all traffic.
        self.regs.set_bits(FCTRL, fctrl::MPE);
        self.regs.set_bits(FCTRL, fctrl::UPE);
        self.regs.set_bits(FCTRL, fctrl::BAM);
        // 4.6.7: no-snoop disable, DMA stays coherent with the CPU caches.
        self.regs.set_bits(CTRL_EXT, ctrl_ext::NS_DIS);
    }

    /// 4.6.8: the transmit unit, everything but the queues.
    fn init_transmit(&self) {
        // 4.6.8: append the CRC and pad short frames.
        self.regs.set_bits(HLREG0, hlreg0::TXCRCEN);
        self.regs.set_bits(HLREG0, hlreg0::TXPADEN);
        // 4.6.11.3.1: one traffic class owning the whole transmit packet buffer.
        self.regs.write(TXPBSIZE.at(0), TX_PACKET_BUFFER_KB << PACKET_BUFFER_KB_SHIFT);
        for n in 1..TXPBSIZE.count {
            self.regs.write(TXPBSIZE.at(n), 0);
        }
        self.regs.write(DTXMXSZRQ, MAX_TX_READ_REQUEST);
        // 4.6.11.1.1 / 8.2.3.9.15: MTQC may only change while the arbiter is disabled.
        self.regs.set_bits(RTTDCS, rttdcs::ARBDIS);
        self.regs.write(MTQC, 0);
        self.regs.clear_bits(RTTDCS, rttdcs::ARBDIS);
        // 4.6.8: transmit DMA on; queues are enabled one by one later.
        self.regs.set_bits(DMATXCTL, dmatxctl::TE);
    }

    /// 4.6.7.1: receive queue 0 over `count` descriptors at `ring`, then
    /// receive enable (4.6.7: RXEN is the last step).
    pub(super) fn enable_rx_queue(&self, ring: u64, count: u32, buffer_size: usize) -> Result<(), DriverError> {
        self.regs.write(RDBAL.at(0), ring as u32);
        self.regs.write(RDBAH.at(0), (ring >> 32) as u32);
        self.regs.write(RDLEN.at(0), count * super::descriptor::DESCRIPTOR_BYTES as u32);
        // 8.2.3.8.7: buffer size in KiB, legacy descriptors (7.1.5: the
        // write-back keeps the buffer address), and drop when the ring is
        // full rather than back-pressure the packet buffer.
        let mut srrctl = srrctl::BSIZEPACKET.set(0, (buffer_size / 1024) as u32);
        srrctl = srrctl::DESCTYPE.set(srrctl, srrctl::DESCTYPE_LEGACY);
        srrctl |= srrctl::DROP_EN.mask();
        self.regs.write(SRRCTL.at(0), srrctl);
        // 4.6.7 / 8.2.3.11.1: bit 12 is reserved and must be 0, but resets to 1.
        self.regs.clear_bits(DCA_RXCTRL.at(0), dca_rxctrl::RESERVED_12);
        self.rx_enabled.set(true);
        self.regs.set_bits(RXDCTL.at(0), rxdctl::ENABLE);
        self.wait(RXDCTL.at(0), rxdctl::ENABLE, true, self.timeouts.queue_enable, "enable receive queue 0", "4.6.7.1")?;
        // 4.6.7.1: hand all but one descriptor to the device (RDT == RDH means empty).
        self.regs.write(RDH.at(0), 0);
        self.regs.write(RDT.at(0), count - 1);
        self.regs.set_bits(RXCTRL, rxctrl::RXEN);
        Ok(())
    }

    /// 4.6.8.1: transmit queue `queue` over `count` descriptors at `ring`,
    /// reporting its head to `head_write_back` (7.2.3.5.2).
    pub(super) fn enable_tx_queue(
        &self,
        queue: u32,
        ring: u64,
        count: u32,
        head_write_back: u64,
    ) -> Result<(), DriverError> {
        self.regs.write(TDBAL.at(queue), ring as u32);
        self.regs.write(TDBAH.at(queue), (ring >> 32) as u32);
        self.regs.write(TDLEN.at(queue), count * super::descriptor::DESCRIPTOR_BYTES as u32);
        self.regs.write(TDWBAL.at(queue), head_write_back as u32 | tdwbal::HEAD_WB_EN.mask());
        self.regs.write(TDWBAH.at(queue), (head_write_back >> 32) as u32);
        // 8.2.3.11.2: relaxed ordering lets head write-backs land out of
        // order, so the head in memory could go backwards; it is on after reset.
        self.regs.clear_bits(DCA_TXCTRL.at(queue), dca_txctrl::TX_DESC_WB_RO_EN);
        // 8.2.3.9.10: HTHRESH must be non-zero whenever PTHRESH is used.
        let txdctl = txdctl::HTHRESH.set(txdctl::PTHRESH.set(0, TX_PREFETCH_THRESHOLD), TX_HOST_THRESHOLD);
        self.regs.write(TXDCTL.at(queue), txdctl);
        self.tx_queues.set(self.tx_queues.get().max(queue + 1));
        self.regs.set_bits(TXDCTL.at(queue), txdctl::ENABLE);
        self.wait(
            TXDCTL.at(queue),
            txdctl::ENABLE,
            true,
            self.timeouts.queue_enable,
            "enable a transmit queue",
            "4.6.8.1",
        )
    }

    /// 5.2.5.3.2 before a reset: disable every receive queue (waiting for
    /// each to read back disabled), set master disable and wait, bounded,
    /// for the pending requests to complete. If they never do, the
    /// datasheet's answer is two resets in a row, which `init` follows with.
    fn master_disable_for_reset(&self) -> Result<(), DriverError> {
        for queue in 0..RXDCTL.count {
            if rxdctl::ENABLE.is_set(self.regs.read(RXDCTL.at(queue))) {
                self.regs.clear_bits(RXDCTL.at(queue), rxdctl::ENABLE);
                self.wait(
                    RXDCTL.at(queue),
                    rxdctl::ENABLE,
                    false,
                    self.timeouts.stop,
                    "disable a receive queue before reset",
                    "5.2.5.3.2",
                )?;
            }
        }
        self.regs.set_bits(CTRL, ctrl::MASTER_DISABLE);
        let drained = self.wait(
            STATUS,
            status::MASTER_ENABLE_STATUS,
            false,
            self.timeouts.stop,
            "complete its bus-master requests before reset",
            "5.2.5.3.2",
        );
        match drained {
            Err(DriverError::Timeout { .. }) => {
                // 5.2.5.3.2: "two consecutive software resets with a larger
                // delay than 1 us between them"; the second is `init`'s.
                self.regs.write(CTRL, ctrl::RST.mask());
                std::thread::sleep(RESET_DELAY);
                Ok(())
            }
            other => other,
        }
    }

    /// Stops every DMA of the port, whatever state it is in: receive off,
    /// receive queue disabled (4.6.7.1), what the transmit queues hold sent
    /// (bounded) and the queues disabled (4.6.8.1), then master disable
    /// (5.2.5.3.2), each wait bounded by `Timeouts::stop`. Every step runs
    /// even if an earlier one timed out; the first error is returned. Once
    /// stopped, later calls do nothing.
    pub fn stop(&self) -> Result<(), DriverError> {
        if self.stopped.replace(true) {
            return Ok(());
        }
        let limit = self.timeouts.stop;
        let mut first_error = None;
        let mut keep = |result: Result<(), DriverError>| {
            if let Err(error) = result {
                first_error.get_or_insert(error);
            }
        };
        self.regs.clear_bits(RXCTRL, rxctrl::RXEN);
        if self.rx_enabled.get() {
            self.regs.clear_bits(RXDCTL.at(0), rxdctl::ENABLE);
            // 4.6.7.1: the bit clears once the queue's pending DMA is done;
            // then wait ~100 us more before releasing its memory.
            keep(self.wait(RXDCTL.at(0), rxdctl::ENABLE, false, limit, "disable receive queue 0", "4.6.7.1"));
            std::thread::sleep(Duration::from_micros(100));
        }
        for queue in 0..self.tx_queues.get() {
            // Let what the driver queued leave before the queue goes off.
            keep(self.wait_until(limit, "send what a transmit queue held", "4.6.8.1", || {
                let (head, tail) = (self.regs.read(TDH.at(queue)), self.regs.read(TDT.at(queue)));
                (head != u32::MAX).then_some(head == tail)
            }));
            self.regs.clear_bits(TXDCTL.at(queue), txdctl::ENABLE);
            keep(self.wait(TXDCTL.at(queue), txdctl::ENABLE, false, limit, "disable a transmit queue", "4.6.8.1"));
        }
        self.regs.set_bits(CTRL, ctrl::MASTER_DISABLE);
        keep(self.wait(
            STATUS,
            status::MASTER_ENABLE_STATUS,
            false,
            limit,
            "complete its pending bus-master requests",
            "5.2.5.3.2",
        ));
        first_error.map_or(Ok(()), Err)
    }

    /// Poll `field` of `reg` until it reads `set`, for at most `limit`.
    fn wait(
        &self,
        reg: Register,
        field: Field,
        set: bool,
        limit: Duration,
        step: &'static str,
        section: &'static str,
    ) -> Result<(), DriverError> {
        self.wait_until(limit, step, section, || {
            let value = self.regs.read(reg);
            (value != u32::MAX).then(|| field.is_set(value) == set)
        })
    }

    /// Poll `done` (None: the device read all ones) until true, for at most `limit`.
    fn wait_until(
        &self,
        limit: Duration,
        step: &'static str,
        section: &'static str,
        done: impl Fn() -> Option<bool>,
    ) -> Result<(), DriverError> {
        let start = Instant::now();
        loop {
            match done() {
                None => return Err(DriverError::Vanished { step }),
                Some(true) => return Ok(()),
                Some(false) => {}
            }
            if start.elapsed() >= limit {
                return Err(DriverError::Timeout { step, section, waited_ms: limit.as_millis() as u64 });
            }
            std::thread::sleep(Duration::from_micros(100));
        }
    }
}

impl<R: RegisterAccess> Drop for Device<R> {
    fn drop(&mut self) {
        // Errors were reported by an explicit `stop` if there was one; here
        // the device is stopped as well as it can be.
        let _ = self.stop();
    }
}
