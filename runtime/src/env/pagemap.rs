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
    physical_address_from_entry(u64::from_le_bytes(entry), virtual_address, page_size)
}

/// The physical address a pagemap entry gives for `virtual_address`.
pub(super) fn physical_address_from_entry(
    entry: u64,
    virtual_address: usize,
    page_size: usize,
) -> Result<u64, EnvError> {
    if entry & PRESENT == 0 {
        return Err(EnvError(format!("page at {virtual_address:#x} is not resident, so it has no physical address")));
    }
    let frame = entry & PFN_MASK;
    if frame == 0 {
        // Since Linux 4.2 the kernel reports frame number 0 to processes
        // without CAP_SYS_ADMIN (pagemap.rst), root without it included.
        return Err(EnvError(
            "/proc/self/pagemap shows frame number 0 for a resident page: reading physical addresses needs CAP_SYS_ADMIN (run as root with it, or grant it: setcap cap_sys_admin+ep BINARY)".into(),
        ));
    }
    Ok(frame * page_size as u64 + (virtual_address % page_size) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hidden_frame_number_names_the_capability() {
        let error = physical_address_from_entry(PRESENT, 0x7000_1234, 4096).unwrap_err();
        assert!(error.0.contains("needs CAP_SYS_ADMIN"), "{error}");
        assert_eq!(physical_address_from_entry(PRESENT | 0x42, 0x7000_1234, 4096), Ok(0x42 * 4096 + 0x234));
        assert!(physical_address_from_entry(0x42, 0, 4096).unwrap_err().0.contains("not resident"));
    }
}
