//! The OS environment: hugepage DMA memory and physical addresses. These need
//! root (and free hugepages); they print why they skip otherwise.

use nfc_runtime::env::{self, hugepage_memory, physical_address, PciDevice, HUGEPAGE_SIZE};
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
    assert!(error.0.contains("needs CAP_SYS_ADMIN"), "{error}");
}

/// A sysfs tree of fake PCI devices in a temporary directory: `config`
/// (configuration space) and `resource0` (BAR0) are plain files.
struct FakeSysfs {
    root: std::path::PathBuf,
}

impl FakeSysfs {
    fn new(test: &str) -> FakeSysfs {
        let root = std::env::temp_dir().join(format!("nfc-sysfs-{test}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        FakeSysfs { root }
    }

    fn device(&self, address: &str, vendor: u16, device: u16) -> std::path::PathBuf {
        let directory = self.root.join("bus/pci/devices").join(address);
        std::fs::create_dir_all(&directory).unwrap();
        let mut config = vec![0u8; 256];
        config[..2].copy_from_slice(&vendor.to_le_bytes());
        config[2..4].copy_from_slice(&device.to_le_bytes());
        std::fs::write(directory.join("config"), config).unwrap();
        std::fs::write(directory.join("resource0"), vec![0u8; 128 * 1024]).unwrap();
        directory
    }
}

impl Drop for FakeSysfs {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn command_register(directory: &std::path::Path) -> u16 {
    let config = std::fs::read(directory.join("config")).unwrap();
    u16::from_le_bytes([config[4], config[5]])
}

/// Only SFI (SFP+) 82599s are driven, as only their link mode (AUTOC.LMS =
/// 10 GbE serial) is set up; every other 82599 is named in the refusal.
#[test]
fn only_sfi_82599s_are_accepted_and_the_others_are_named() {
    let sysfs = FakeSysfs::new("parts");
    for (id, name) in [
        (0x10f7, "82599 KX4 backplane"),
        (0x1514, "82599 KX4 mezzanine"),
        (0x1517, "82599 KR backplane"),
        (0x10f8, "82599 combined KX4/KR backplane"),
        (0x152a, "82599 backplane FCoE"),
        (0x10fc, "82599 XAUI LOM"),
        (0x10f9, "82599 CX4"),
        (0x151c, "82599 10GBASE-T LOM"),
        (0x154f, "82599 LS (fiber LCO)"),
        (0x1558, "82599 QSFP+ (SF-QP)"),
    ] {
        sysfs.device("0000:05:00.0", 0x8086, id);
        let error = PciDevice::open_in(&sysfs.root, "0000:05:00.0").err().expect("refused");
        assert_eq!(
            error.0,
            format!("PCI device 0000:05:00.0 is an Intel {name} (8086:{id:04x}), whose link this driver cannot set up: it drives only SFI (SFP+) 82599s, 8086:10fb, 1507, 1529, 154a, 154d, 1557")
        );
    }
    sysfs.device("0000:05:00.0", 0x8086, 0x1533);
    let error = PciDevice::open_in(&sysfs.root, "0000:05:00.0").err().expect("refused");
    assert_eq!(error.0, "PCI device 0000:05:00.0 is 8086:1533, not an Intel 82599 (8086:10fb and its siblings)");
    for id in [0x10fb, 0x1507, 0x1529, 0x154a, 0x154d, 0x1557] {
        sysfs.device("0000:05:00.0", 0x8086, id);
        match PciDevice::open_in(&sysfs.root, "0000:05:00.0") {
            Ok(_) => assert!(env::is_root()),
            Err(error) => assert!(!env::is_root() && error.0.contains("needs root"), "{id:04x}: {error}"),
        }
    }
}

/// Opening turns bus mastering on; dropping the mapped registers (after the
/// driver stopped the device) turns it off again, so no DMA can follow.
#[test]
fn bus_mastering_is_off_once_the_registers_are_dropped() {
    if !env::is_root() {
        eprintln!("skipped: opening a PCI device needs root");
        return;
    }
    let sysfs = FakeSysfs::new("bus-master");
    let directory = sysfs.device("0000:06:00.1", 0x8086, 0x10fb);
    let device = PciDevice::open_in(&sysfs.root, "0000:06:00.1").expect("an SFP+ 82599 opens");
    assert_eq!(command_register(&directory) & 0b100, 0b100, "bus master on");
    let registers = device.map_registers().expect("BAR0 maps");
    drop(device);
    assert_eq!(command_register(&directory) & 0b100, 0b100, "still on while the registers are mapped");
    drop(registers);
    assert_eq!(command_register(&directory) & 0b100, 0, "bus master off");
}

/// With DMA remapping on, every DMA of the card would fault while init and
/// link succeed; the device's IOMMU group and its domain type say so, and
/// the error names the fix. No group, or an identity (pass-through)
/// domain, is fine.
#[test]
fn a_translating_iommu_is_refused_naming_the_fix() {
    let sysfs = FakeSysfs::new("iommu");
    let directory = sysfs.device("0000:07:00.0", 0x8086, 0x10fb);
    let group = sysfs.root.join("kernel/iommu_groups/12");
    std::fs::create_dir_all(&group).unwrap();
    std::os::unix::fs::symlink(&group, directory.join("iommu_group")).unwrap();
    let open = || PciDevice::open_in(&sysfs.root, "0000:07:00.0").err().map(|e| e.0);
    let fix = "boot with iommu=pt, or with the device unbound run `echo identity > /sys/kernel/iommu_groups/12/type`";
    for kind in ["DMA", "DMA-FQ", "blocked"] {
        std::fs::write(group.join("type"), format!("{kind}\n")).unwrap();
        assert_eq!(
            open(),
            Some(format!("the IOMMU translates DMA addresses for 0000:07:00.0 (IOMMU group 12, domain type {kind}), so the physical addresses this driver gives the card would fault and no frame would move: {fix}"))
        );
    }
    std::fs::remove_file(group.join("type")).unwrap();
    assert!(open().is_some_and(|e| e.contains("does not say whether it translates") && e.ends_with(fix)));
    std::fs::write(group.join("type"), "identity\n").unwrap();
    let passes = |error: Option<String>| error.is_none_or(|e| !env::is_root() && e.contains("needs root"));
    assert!(passes(open()), "{:?}", open());
    std::fs::remove_file(directory.join("iommu_group")).unwrap();
    assert!(passes(open()), "{:?}", open());
}
