//! A fake 82599 for measuring the driver's loop alone: registers are plain
//! memory and the "device" does the least a card would, with no checks and
//! no locks, so what a profiler counts between two of its steps is the
//! driver's own work.
//!
//! It is not a model of the 82599 (`Model` is, and examines the driver);
//! it only answers what `Device::init` waits for (reset done, EEPROM read,
//! DMA initialised, link up, queues enabled) and, per `step`, fills up to a
//! burst of receive descriptors per port with a frame and sends everything
//! between each transmit queue's head and tail by writing the head back.
//! TinyNF's authors measured their agent the same way.

use crate::dma::DmaMemory;
use crate::regs::*;
use std::cell::Cell;
use std::rc::Rc;
use std::sync::atomic::Ordering;

/// 8.1: the register space (BAR0) is 128 KiB.
const REGISTER_WORDS: usize = 128 * 1024 / 4;

/// One port's registers as plain memory, shared with the `FakeDevice`.
#[derive(Clone)]
pub struct PlainRegisters {
    values: Rc<[Cell<u32>]>,
}

impl PlainRegisters {
    fn new() -> PlainRegisters {
        let values: Rc<[Cell<u32>]> = (0..REGISTER_WORDS).map(|_| Cell::new(0)).collect();
        let registers = PlainRegisters { values };
        // What init waits for is already there.
        registers.set(EEC, eec::PRES.mask() | eec::AUTO_RD.mask());
        registers.set(RDRXCTL, rdrxctl::DMAIDONE.mask());
        registers.set(LINKS, links::LINK_UP.mask());
        registers
    }

    #[inline]
    fn get(&self, reg: Register) -> u32 {
        self.values.get(reg.offset as usize / 4).map_or(0, Cell::get)
    }

    #[inline]
    fn set(&self, reg: Register, value: u32) {
        if let Some(cell) = self.values.get(reg.offset as usize / 4) {
            cell.set(value);
        }
    }
}

impl RegisterAccess for PlainRegisters {
    #[inline]
    fn read(&self, reg: Register) -> u32 {
        self.get(reg)
    }

    #[inline]
    fn write(&self, reg: Register, value: u32) {
        // CTRL.RST and AUTOC.Restart_AN self-clear at once; master disable
        // completes at once (STATUS never says master enabled).
        if reg == CTRL {
            return self.set(reg, ctrl::RST.set(value, 0));
        }
        if reg == AUTOC {
            return self.set(reg, autoc::RESTART_AN.set(value, 0));
        }
        self.set(reg, value);
    }
}

/// The fake device behind any number of ports.
pub struct FakeDevice {
    ports: Vec<PlainRegisters>,
    frame: Vec<u8>,
}

impl FakeDevice {
    /// `ports` ports, each receiving copies of `frame`.
    pub fn new(ports: usize, frame: &[u8]) -> FakeDevice {
        FakeDevice { ports: (0..ports).map(|_| PlainRegisters::new()).collect(), frame: frame.to_vec() }
    }

    /// Port `port`'s registers, for `Device::init`.
    pub fn registers(&self, port: usize) -> PlainRegisters {
        self.ports[port].clone()
    }

    /// Every port receives up to `burst` frames, as far as its receive ring
    /// has free descriptors; returns how many in all. The frame is copied
    /// into each buffer (a network function may have rewritten it), and the
    /// descriptor written back in the format SRRCTL[0] selects (legacy
    /// 7.1.5, or advanced one-buffer 7.1.6).
    pub fn receive(&self, memory: &DmaMemory, burst: usize) -> usize {
        let mut received = 0;
        for registers in &self.ports {
            let ring = u64::from(registers.get(RDBAL.at(0))) | u64::from(registers.get(RDBAH.at(0))) << 32;
            let count = registers.get(RDLEN.at(0)) / 16;
            if count == 0 || !rxdctl::ENABLE.is_set(registers.get(RXDCTL.at(0))) {
                continue;
            }
            let legacy = srrctl::DESCTYPE.get(registers.get(SRRCTL.at(0))) == 0;
            let (mut head, tail) = (registers.get(RDH.at(0)), registers.get(RDT.at(0)));
            for _ in 0..burst {
                if head == tail {
                    break;
                }
                let Some(offset) = memory.offset_of(ring + u64::from(head) * 16, 16) else { break };
                let words = memory.words(offset, 2);
                let length = self.frame.len() as u64;
                if legacy {
                    let _ = memory.device_write(words[0].load(Ordering::Relaxed), &self.frame);
                    words[1].store(length | 0b11 << 32, Ordering::Release);
                } else {
                    let _ = memory.device_write(words[0].load(Ordering::Relaxed), &self.frame);
                    words[0].store(0, Ordering::Relaxed);
                    words[1].store(0b11 | length << 32, Ordering::Release);
                }
                head = (head + 1) % count;
                received += 1;
            }
            registers.set(RDH.at(0), head);
        }
        received
    }

    /// Every transmit queue sends everything up to its tail at once: its
    /// head moves to the tail, and, past the last descriptor asking for a
    /// report (RS, bit 27 of the command in both formats), is written back
    /// when head write-back is enabled (7.2.3.5.2).
    pub fn transmit(&self, memory: &DmaMemory, queues: u32) {
        for registers in &self.ports {
            for queue in 0..queues {
                let (head, tail) = (registers.get(TDH.at(queue)), registers.get(TDT.at(queue)));
                let count = registers.get(TDLEN.at(queue)) / 16;
                if head == tail || count == 0 {
                    continue;
                }
                let ring = u64::from(registers.get(TDBAL.at(queue))) | u64::from(registers.get(TDBAH.at(queue))) << 32;
                let mut reported = None;
                let mut index = head;
                while index != tail {
                    let Some(offset) = memory.offset_of(ring + u64::from(index) * 16, 16) else { break };
                    index = (index + 1) % count;
                    if memory.words(offset, 2)[1].load(Ordering::Acquire) & TX_RS != 0 {
                        reported = Some(index);
                    }
                }
                registers.set(TDH.at(queue), tail);
                let write_back = registers.get(TDWBAL.at(queue));
                if let (Some(head), true) = (reported, tdwbal::HEAD_WB_EN.is_set(write_back)) {
                    let address = u64::from(write_back & !0b11) | u64::from(registers.get(TDWBAH.at(queue))) << 32;
                    let _ = memory.device_write(address, &head.to_le_bytes());
                }
            }
        }
    }
}

/// Report Status in a transmit descriptor's command byte (7.2.3.2.2, 7.2.3.2.4).
const TX_RS: u64 = 1 << 27;
