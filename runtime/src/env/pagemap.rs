//! Virtual to physical addresses through /proc/self/pagemap
//! (Documentation/admin-guide/mm/pagemap.rst).

use super::EnvError;
use std::fs::File;
use std::os::unix::fs::FileExt;

/// Bits 0-54 of a pagemap entry: the page frame number.
const PFN_MASK: u64 = (1 << 55) - 1;
/// Bit 63: the page is present in RAM.
const PRESENT: u64 = 1 << 63;

/// The physical address of `virtual_address`, which must be mapped and
/// resident (e.g. locked).
pub fn physical_address(virtual_address: usize) -> Result<u64, EnvError> {
    // SAFETY: sysconf has no preconditions.
    let page_size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
    let pagemap = File::open("/proc/self/pagemap")
        .map_err(|e| EnvError(format!("cannot open /proc/self/pagemap to find physical addresses: {e}")))?;
    let mut entry = [0u8; 8];
    pagemap
        .read_exact_at(&mut entry, (virtual_address / page_size * 8) as u64)
        .map_err(|e| EnvError(format!("cannot read /proc/self/pagemap: {e}")))?;
    let entry = u64::from_le_bytes(entry);
    if entry & PRESENT == 0 {
        return Err(EnvError(format!("page at {virtual_address:#x} is not resident, so it has no physical address")));
    }
    let frame = entry & PFN_MASK;
    if frame == 0 {
        // The kernel hides frame numbers from processes without CAP_SYS_ADMIN.
        return Err(EnvError("reading physical addresses from /proc/self/pagemap needs root".into()));
    }
    Ok(frame * page_size as u64 + (virtual_address % page_size) as u64)
}
