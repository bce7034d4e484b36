//! DMA memory: locked, populated 2 MiB hugepages, physically contiguous.

use super::{pagemap, EnvError};
use crate::dma::DmaMemory;
use std::ptr::NonNull;
use std::sync::Arc;

pub const HUGEPAGE_SIZE: usize = 2 << 20;

/// At least `bytes` of physically contiguous DMA memory from 2 MiB hugepages.
pub fn hugepage_memory(bytes: usize) -> Result<Arc<DmaMemory>, EnvError> {
    let len = bytes.max(1).next_multiple_of(HUGEPAGE_SIZE);
    // MAP_HUGE_2MB: 2 MiB pages whatever the system's default hugepage size
    // (a 1 GiB default would otherwise change `len`'s rounding and layout).
    let flags = libc::MAP_SHARED
        | libc::MAP_ANONYMOUS
        | libc::MAP_HUGETLB
        | libc::MAP_HUGE_2MB
        | libc::MAP_LOCKED
        | libc::MAP_POPULATE;
    // SAFETY: an anonymous mapping at an address of the kernel's choosing
    // aliases nothing; the result is checked before use.
    let base = unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, flags, -1, 0) };
    if base == libc::MAP_FAILED {
        let error = std::io::Error::last_os_error();
        return Err(EnvError(match error.raw_os_error() {
            Some(libc::ENOMEM) => {
                let pages = len / HUGEPAGE_SIZE;
                format!("needs {pages} free 2 MiB hugepage(s), and the kernel has fewer: as root, run `echo {} > /proc/sys/vm/nr_hugepages`", pages.max(8))
            }
            Some(libc::EPERM) | Some(libc::EACCES) => "locking hugepages for DMA needs root".into(),
            _ => format!("cannot map {len} bytes of hugepages: {error}"),
        }));
    }
    // An address, not a pointer, so the release closure is Send + Sync.
    let address = base as usize;
    let release = move || {
        // SAFETY: `address`/`len` is exactly the mapping made above, unmapped once.
        unsafe { libc::munmap(address as *mut libc::c_void, len) };
    };
    let unmap_on_error = |e: EnvError| {
        release();
        e
    };
    let start = base as usize;
    let phys = pagemap::physical_address(start).map_err(unmap_on_error)?;
    // The device sees one contiguous range: every further hugepage must
    // follow the first physically, which the kernel does not promise.
    for page in 1..len / HUGEPAGE_SIZE {
        let next = pagemap::physical_address(start + page * HUGEPAGE_SIZE).map_err(unmap_on_error)?;
        if next != phys + (page * HUGEPAGE_SIZE) as u64 {
            return Err(unmap_on_error(EnvError(format!(
                "the {} hugepages the kernel gave are not physically contiguous; use fewer ports",
                len / HUGEPAGE_SIZE
            ))));
        }
    }
    let base = NonNull::new(base as *mut u8).expect("mmap never returns null on success");
    // SAFETY: the mapping is `len` bytes, 2 MiB aligned, readable and
    // writable, owned by the DmaMemory until `release` runs on its drop;
    // `phys` is its physical address and it is contiguous (checked above).
    Ok(Arc::new(unsafe { DmaMemory::from_mapping(base, len, phys, Box::new(release)) }))
}
