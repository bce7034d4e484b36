//! Memory that a device reads and writes by physical address (DMA).
//!
//! On hardware it is a locked 2 MiB hugepage whose physical address comes from
//! /proc/self/pagemap (see `crate::env`); for the software model it is zeroed
//! heap memory that poses at a chosen "physical" address. Either way the
//! driver and the device share it through the same API:
//! - descriptors and head write-back words as atomics (`words`, or typed and
//!   checked once as `Shared`, e.g. a whole ring), so both sides can touch
//!   them at once without a data race;
//! - packet buffers, handed out once as `BufferRing`s, which the driver
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

    /// A `T` at `offset` (aligned for `T`), which driver and device share:
    /// checked once here, then reached with no check at all.
    pub fn shared<T: DeviceShared>(self: &Arc<Self>, offset: usize) -> Shared<T> {
        assert!(offset.is_multiple_of(std::mem::align_of::<T>()), "shared DMA value misaligned");
        assert!(offset + std::mem::size_of::<T>() <= self.len, "shared DMA value out of range");
        // SAFETY: in bounds (checked above), so not null.
        let value = unsafe { NonNull::new_unchecked(self.base.as_ptr().add(offset).cast::<T>()) };
        Shared { _memory: Arc::clone(self), value }
    }

    /// Hands out `rings` rings of `BUFFER_RING` packet buffers of `SIZE`
    /// bytes each, starting at `offset`. Only one set can ever be taken from
    /// one `DmaMemory`, so each buffer has one driver-side owner.
    pub fn take_buffer_rings<const SIZE: usize>(
        self: &Arc<Self>,
        offset: usize,
        rings: usize,
    ) -> Vec<BufferRing<SIZE>> {
        assert!(offset + SIZE * BUFFER_RING * rings <= self.len, "packet buffers out of range");
        assert!(!self.buffers_taken.swap(true, Ordering::AcqRel), "packet buffers already taken");
        (0..rings)
            .map(|ring| {
                let offset = offset + ring * SIZE * BUFFER_RING;
                // SAFETY: in bounds (checked above), so not null.
                let base = unsafe { NonNull::new_unchecked(self.base.as_ptr().add(offset).cast::<[u8; SIZE]>()) };
                BufferRing { _memory: Arc::clone(self), base, phys: self.phys_addr(offset) }
            })
            .collect()
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

/// Types the driver and the device may both reach at once: built of atomics
/// only, so shared references to them are sound while the device writes,
/// and every bit pattern is a value.
///
/// # Safety
/// Implement only for types made of atomics, with no padding.
pub unsafe trait DeviceShared: Sync {}

// SAFETY: an atomic; any bit pattern is a u64.
unsafe impl DeviceShared for AtomicU64 {}
// SAFETY: an array of such types has no padding and is made of atomics.
unsafe impl<T: DeviceShared, const N: usize> DeviceShared for [T; N] {}

/// A `T` in DMA memory that driver and device share (a descriptor ring, a
/// head write-back word), kept alive with the memory. Reaching it costs a
/// pointer load: bounds and alignment were checked when it was made.
pub struct Shared<T> {
    _memory: Arc<DmaMemory>,
    value: NonNull<T>,
}

// SAFETY: `T: DeviceShared` is Sync (atomics), and the memory stays alive
// through the Arc; the handle itself is just an address.
unsafe impl<T: DeviceShared> Send for Shared<T> {}
// SAFETY: as for Send: only `&T` is ever handed out.
unsafe impl<T: DeviceShared> Sync for Shared<T> {}

impl<T: DeviceShared> std::ops::Deref for Shared<T> {
    type Target = T;

    #[inline(always)]
    fn deref(&self) -> &T {
        // SAFETY: in bounds and aligned (checked in `DmaMemory::shared`),
        // alive while `_memory` is, and made of atomics, so a shared
        // reference is sound however the device writes it.
        unsafe { self.value.as_ref() }
    }
}

/// Packet buffers per receive ring: one per descriptor of a 256-entry ring,
/// so a `u8` index always names one.
pub const BUFFER_RING: usize = 256;

/// `BUFFER_RING` packet buffers of `SIZE` bytes, owned by the driver: it
/// reads and writes buffer `i` only while the device has handed it over
/// (its receive descriptor has DD set) and until it gives it back.
pub struct BufferRing<const SIZE: usize> {
    _memory: Arc<DmaMemory>,
    base: NonNull<[u8; SIZE]>,
    phys: u64,
}

// SAFETY: the one owner of these buffers (`take_buffer_rings` hands each
// out once); the memory stays alive through the Arc.
unsafe impl<const SIZE: usize> Send for BufferRing<SIZE> {}

impl<const SIZE: usize> BufferRing<SIZE> {
    /// Device-visible address of buffer `index`.
    #[inline]
    pub fn phys_addr(&self, index: u8) -> u64 {
        self.phys + u64::from(index) * SIZE as u64
    }

    /// Buffer `index`, for the driver to read and rewrite. Call it only for a
    /// buffer the device has handed over and not yet been given back.
    #[inline(always)]
    pub fn get_mut(&mut self, index: u8) -> &mut [u8; SIZE] {
        // SAFETY: `index` < 256 = BUFFER_RING, in bounds; `&mut self` makes
        // this the only driver-side reference to the buffer, and the device
        // does not touch a buffer it handed over until the driver gives it
        // back by moving the receive tail past it (the other buffers, which
        // the device may be writing, are not covered by the reference).
        unsafe { &mut *self.base.as_ptr().add(usize::from(index)) }
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
        let mem = Arc::new(DmaMemory::simulated(4096 + 2 * 256 * 64, 0x20_0000));
        let mut rings = mem.take_buffer_rings::<64>(4096, 2);
        assert_eq!(rings[1].phys_addr(3), 0x20_0000 + 4096 + 256 * 64 + 3 * 64);
        mem.device_write(rings[1].phys_addr(255), b"hello").unwrap();
        assert_eq!(&rings[1].get_mut(255)[..5], b"hello");
        let again = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            mem.take_buffer_rings::<8>(0, 1);
        }));
        assert!(again.is_err());
    }

    #[test]
    fn shared_values_are_checked_once_and_see_the_device() {
        let mem = Arc::new(DmaMemory::simulated(64, 0x8000));
        let words: Shared<[AtomicU64; 2]> = mem.shared(16);
        mem.device_write(0x8018, &7u64.to_le_bytes()).unwrap();
        assert_eq!(words[1].load(Ordering::Acquire), 7);
        let out_of_range =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| mem.shared::<[AtomicU64; 8]>(8).len()));
        assert!(out_of_range.is_err());
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
