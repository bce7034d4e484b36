//! The OS environment: hugepage DMA memory and physical addresses. These need
//! root (and free hugepages); they print why they skip otherwise.

use nfc_runtime::env::{self, hugepage_memory, physical_address, HUGEPAGE_SIZE};
use std::sync::atomic::Ordering;

#[test]
fn hugepage_memory_is_usable_and_reports_its_physical_address() {
    if !env::is_root() {
        eprintln!("skipped: hugepage DMA memory needs root");
        return;
    }
    let memory = match hugepage_memory(100_000) {
        Ok(memory) => memory,
        Err(error) if error.0.contains("hugepages") => {
            eprintln!("skipped: {error}");
            return;
        }
        Err(error) => panic!("{error}"),
    };
    assert_eq!(memory.len(), HUGEPAGE_SIZE, "rounded up to one hugepage");
    assert_eq!(memory.phys_addr(0) % HUGEPAGE_SIZE as u64, 0, "a hugepage is physically aligned");
    let words = memory.words(4096, 2);
    words[0].store(0x1122_3344_5566_7788, Ordering::Relaxed);
    let mut back = [0u8; 8];
    memory.device_read(memory.phys_addr(4096), &mut back).unwrap();
    assert_eq!(u64::from_le_bytes(back), 0x1122_3344_5566_7788);
}

#[test]
fn physical_addresses_of_resident_pages_keep_the_page_offset() {
    if !env::is_root() {
        eprintln!("skipped: /proc/self/pagemap hides physical addresses from non-root processes");
        return;
    }
    let data = vec![7u8; 3 * 4096];
    let address = data.as_ptr() as usize + 4096 + 123;
    let phys = physical_address(address).expect("a touched heap page is resident");
    assert_eq!(phys % 4096, (address % 4096) as u64);
}

#[test]
fn without_root_the_error_says_so() {
    if env::is_root() {
        eprintln!("skipped: runs as root, so the non-root error cannot show");
        return;
    }
    let data = vec![7u8; 4096];
    let error = physical_address(data.as_ptr() as usize).unwrap_err();
    assert_eq!(error.0, "reading physical addresses from /proc/self/pagemap needs root");
}
