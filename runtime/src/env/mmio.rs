//! Registers through a memory-mapped BAR: volatile 32-bit accesses.

use super::pci::BusMaster;
use crate::regs::{Register, RegisterAccess};
use std::ptr::NonNull;

/// One device's BAR0. Dropping it turns the device's bus mastering off
/// (after the driver stopped the device, `driver::Device` drops first) and
/// unmaps the registers, so no DMA can follow the release of DMA memory.
pub struct Mmio {
    base: NonNull<u8>,
    len: usize,
    bus_master: BusMaster,
}

impl Mmio {
    /// # Safety
    /// `base` must be a live mapping of `len` bytes of a device's registers,
    /// owned by the returned value (it unmaps it on drop).
    pub(super) unsafe fn new(base: NonNull<u8>, len: usize, bus_master: BusMaster) -> Mmio {
        Mmio { base, len, bus_master }
    }

    #[inline]
    fn register(&self, reg: Register) -> *mut u32 {
        let offset = reg.offset as usize;
        assert!(offset.is_multiple_of(4) && offset + 4 <= self.len, "register {} outside BAR0", reg.name);
        // SAFETY: in bounds of the mapping (checked above).
        unsafe { self.base.as_ptr().add(offset) as *mut u32 }
    }
}

// SAFETY: the mapping is device memory accessed only with volatile loads and
// stores of whole registers; the driver uses one port from one thread.
unsafe impl Send for Mmio {}

impl RegisterAccess for Mmio {
    #[inline]
    fn read(&self, reg: Register) -> u32 {
        // SAFETY: aligned, in bounds, device memory: a volatile read is the access the device expects.
        unsafe { std::ptr::read_volatile(self.register(reg)) }
    }

    #[inline]
    fn write(&self, reg: Register, value: u32) {
        // SAFETY: as for `read`.
        unsafe { std::ptr::write_volatile(self.register(reg), value) }
    }
}

impl Drop for Mmio {
    fn drop(&mut self) {
        self.bus_master.disable();
        // SAFETY: the mapping this value owns, unmapped once.
        unsafe { libc::munmap(self.base.as_ptr().cast(), self.len) };
    }
}
