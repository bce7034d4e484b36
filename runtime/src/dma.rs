//! Memory that a device reads and writes by physical address (DMA).
//!
//! On hardware it is a locked 2 MiB hugepage whose physical address comes from
//! /proc/self/pagemap (see `crate::env`); for the software model it is zeroed
//! heap memory that poses at a chosen "physical" address. Either way the
//! driver and the device share it through the same API:
//! - descriptors and head write-back words as atomics (`words`), so both sides
//!   can touch them at once without a data race;
//! - packet buffers, handed out once as `PacketBuffers`, which the driver
//!   reads and writes only while the device has handed them over (DD set) —
//!   the descriptor protocol is what keeps the two sides apart;
//! - byte copies by physical address for the device side (`device_read`,
//!   `device_write`), which refuse addresses outside the memory.
#![allow(unsafe_code)]

use std::ptr::NonNull;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

/// A device tried to reach memory it was not given.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct DmaFault {
    pub phys: u64,
    pub len: usize,
}

impl std::fmt::Display for DmaFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DMA of {} bytes at {:#x} is outside the driver's DMA memory", self.len, self.phys)
    }
}

impl std::error::Error for DmaFault {}

/// What keeps the memory alive.
enum Backing {
    /// Heap words for the model; the Box owns them.
    Heap(#[allow(dead_code)] Box<[AtomicU64]>),
    /// A mapping owned elsewhere (e.g. a hugepage), released by the closure.
    Mapped(Option<Box<dyn FnOnce() + Send + Sync>>),
}

/// A contiguous block of DMA memory.
pub struct DmaMemory {
    base: NonNull<u8>,
    len: usize,
    phys: u64,
    buffers_taken: AtomicBool,
    backing: Backing,
}

// SAFETY: all shared access goes through atomics (`words`), through
// `PacketBuffers` (one owner, handed over by the descriptor protocol), or
// through bounds-checked device copies; the raw pointer itself is not tied to
// a thread.
unsafe impl Send for DmaMemory {}
// SAFETY: as for Send; `&DmaMemory` only exposes atomic or protocol-guarded access.
unsafe impl Sync for DmaMemory {}

impl DmaMemory {
    /// Zeroed heap memory of `len` bytes (rounded up to 8) that the software
    /// model reaches at physical address `phys` (which must be 8-aligned).
    pub fn simulated(len: usize, phys: u64) -> DmaMemory {
        assert!(phys.is_multiple_of(8), "simulated DMA memory must be 8-aligned");
        let words: Box<[AtomicU64]> = (0..len.div_ceil(8)).map(|_| AtomicU64::new(0)).collect();
        let base = NonNull::new(words.as_ptr() as *mut u8).unwrap_or(NonNull::dangling());
        DmaMemory {
            base,
            len: words.len() * 8,
            phys,
            buffers_taken: AtomicBool::new(false),
            backing: Backing::Heap(words),
        }
    }

    /// Memory mapped elsewhere, e.g. a hugepage.
    ///
    /// # Safety
    /// `base` must point to `len` bytes, 8-aligned, valid for reads and writes
    /// until `release` runs (on drop), not accessed through any other Rust
    /// reference, and `phys` must be the device-visible address of `base`,
    /// physically contiguous for `len` bytes.
    pub unsafe fn from_mapping(
        base: NonNull<u8>,
        len: usize,
        phys: u64,
        release: Box<dyn FnOnce() + Send + Sync>,
    ) -> DmaMemory {
        DmaMemory { base, len, phys, buffers_taken: AtomicBool::new(false), backing: Backing::Mapped(Some(release)) }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The device-visible address of byte `offset`.
    #[inline]
    pub fn phys_addr(&self, offset: usize) -> u64 {
        self.phys + offset as u64
    }

    /// The offset of `phys..phys + len` in this memory, if it lies wholly inside.
    #[inline]
    pub fn offset_of(&self, phys: u64, len: usize) -> Option<usize> {
        let offset = phys.checked_sub(self.phys)?;
        let end = offset.checked_add(len as u64)?;
        (end <= self.len as u64).then_some(offset as usize)
    }

    /// `count` 64-bit words at `offset` (8-aligned), for descriptors and
    /// write-back words that driver and device share.
    pub fn words(&self, offset: usize, count: usize) -> &[AtomicU64] {
        assert!(offset.is_multiple_of(8), "DMA words must be 8-aligned");
        assert!(offset + count * 8 <= self.len, "DMA words out of range");
        // SAFETY: in bounds and aligned (checked above, base is 8-aligned);
        // AtomicU64 has the layout of u64 and any bit pattern is valid; all
        // other access to these bytes is atomic or by the device.
        unsafe { std::slice::from_raw_parts(self.base.as_ptr().add(offset) as *const AtomicU64, count) }
    }

    /// Hands out `count` packet buffers of `size` bytes starting at `offset`.
    /// Only one `PacketBuffers` can ever be taken from one `DmaMemory`.
    pub fn take_buffers(self: &Arc<Self>, offset: usize, size: usize, count: usize) -> PacketBuffers {
        assert!(offset + size * count <= self.len, "packet buffers out of range");
        assert!(!self.buffers_taken.swap(true, Ordering::AcqRel), "packet buffers already taken");
        PacketBuffers { memory: Arc::clone(self), offset, size, count }
    }

    /// Device side: copies `out.len()` bytes from physical address `phys`.
    pub fn device_read(&self, phys: u64, out: &mut [u8]) -> Result<(), DmaFault> {
        let offset = self.offset_of(phys, out.len()).ok_or(DmaFault { phys, len: out.len() })?;
        // SAFETY: in bounds (offset_of); the driver does not write a buffer the
        // device owns, per the descriptor protocol.
        unsafe { std::ptr::copy_nonoverlapping(self.base.as_ptr().add(offset), out.as_mut_ptr(), out.len()) };
        Ok(())
    }

    /// Device side: copies `data` to physical address `phys`.
    pub fn device_write(&self, phys: u64, data: &[u8]) -> Result<(), DmaFault> {
        let offset = self.offset_of(phys, data.len()).ok_or(DmaFault { phys, len: data.len() })?;
        // SAFETY: in bounds (offset_of); the driver does not touch a buffer the
        // device owns, per the descriptor protocol.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.base.as_ptr().add(offset), data.len()) };
        Ok(())
    }
}

impl Drop for DmaMemory {
    fn drop(&mut self) {
        if let Backing::Mapped(release) = &mut self.backing {
            if let Some(release) = release.take() {
                release();
            }
        }
    }
}

/// The packet buffers of one DMA memory, owned by the driver.
pub struct PacketBuffers {
    memory: Arc<DmaMemory>,
    offset: usize,
    size: usize,
    count: usize,
}

impl PacketBuffers {
    #[inline]
    pub fn count(&self) -> usize {
        self.count
    }

    #[inline]
    pub fn size(&self) -> usize {
        self.size
    }

    /// Device-visible address of buffer `index`.
    #[inline]
    pub fn phys_addr(&self, index: usize) -> u64 {
        self.memory.phys_addr(self.offset + index * self.size)
    }

    /// Buffer `index`, for the driver to read and rewrite. Call it only for a
    /// buffer the device has handed over (its receive descriptor has DD set)
    /// and not yet been given back.
    #[inline]
    pub fn get_mut(&mut self, index: usize) -> &mut [u8] {
        assert!(index < self.count, "packet buffer index out of range");
        // SAFETY: in bounds; `&mut self` makes this the only driver-side
        // reference, and the device does not touch a buffer it handed over
        // until the driver gives it back by moving the receive tail past it.
        unsafe {
            std::slice::from_raw_parts_mut(self.memory.base.as_ptr().add(self.offset + index * self.size), self.size)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_copies_are_bounds_checked() {
        let mem = DmaMemory::simulated(64, 0x1000);
        assert!(mem.device_write(0x1000 + 60, &[1, 2, 3, 4]).is_ok());
        assert_eq!(mem.device_write(0x1000 + 61, &[1, 2, 3, 4]), Err(DmaFault { phys: 0x103d, len: 4 }));
        assert!(mem.device_read(0xfff, &mut [0u8; 1]).is_err());
        let mut out = [0u8; 4];
        mem.device_read(0x1000 + 60, &mut out).unwrap();
        assert_eq!(out, [1, 2, 3, 4]);
    }

    #[test]
    fn buffers_see_device_writes_and_are_taken_once() {
        let mem = Arc::new(DmaMemory::simulated(4096, 0x20_0000));
        let mut bufs = mem.take_buffers(2048, 1024, 2);
        assert_eq!(bufs.phys_addr(1), 0x20_0000 + 2048 + 1024);
        mem.device_write(bufs.phys_addr(1), b"hello").unwrap();
        assert_eq!(&bufs.get_mut(1)[..5], b"hello");
        let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            mem.take_buffers(0, 8, 1);
        }));
        assert!(again.is_err());
    }

    #[test]
    fn words_are_shared_with_the_device_view() {
        let mem = DmaMemory::simulated(32, 0x8000);
        mem.words(8, 1)[0].store(0x0102_0304_0506_0708, Ordering::Release);
        let mut out = [0u8; 8];
        mem.device_read(0x8008, &mut out).unwrap();
        assert_eq!(u64::from_le_bytes(out), 0x0102_0304_0506_0708);
    }
}
