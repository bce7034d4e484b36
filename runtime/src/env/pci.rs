//! PCI devices through sysfs: identity, driver binding, bus mastering and
//! BAR0 (Linux Documentation/PCI/sysfs-pci.rst).

use super::mmio::Mmio;
use super::EnvError;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::FileExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::ptr::NonNull;

/// Intel's PCI vendor id.
const INTEL: u16 = 0x8086;
/// The 82599 parts by PCI device id (names as in Linux's ixgbe_type.h) and
/// whether this driver can bring their link up. It programs AUTOC.LMS =
/// 011b, 10 GbE serial without backplane auto-negotiation (8.2.3.22.19),
/// which is the SFI link of SFP+ parts; backplane (KX4/KX/KR), XAUI, CX4,
/// 10GBASE-T and the QSFP+/LCO parts need other link setups, so they are
/// refused with a sentence rather than left with a link that never comes up.
const PARTS: [(u16, &str, bool); 16] = [
    (0x10fb, "82599ES SFP+", true),
    (0x1507, "82599 SFP+ (EM)", true),
    (0x1529, "82599 SFP+ FCoE", true),
    (0x154a, "82599 SFP+ quad port (SF-QP)", true),
    (0x154d, "82599 SFP+ (SF2)", true),
    (0x1557, "82599EN SFP+", true),
    (0x10f7, "82599 KX4 backplane", false),
    (0x1514, "82599 KX4 mezzanine", false),
    (0x1517, "82599 KR backplane", false),
    (0x10f8, "82599 combined KX4/KR backplane", false),
    (0x152a, "82599 backplane FCoE", false),
    (0x10fc, "82599 XAUI LOM", false),
    (0x10f9, "82599 CX4", false),
    (0x151c, "82599 10GBASE-T LOM", false),
    (0x154f, "82599 LS (fiber LCO)", false),
    (0x1558, "82599 QSFP+ (SF-QP)", false),
];

/// The driver hands the card physical addresses (from pagemap). With DMA
/// remapping on, the IOMMU translates every address the card uses, so each
/// DMA would fault while init and link still succeed: a silent run with no
/// traffic. A device with no IOMMU group is not behind an IOMMU; a group
/// whose default domain is `identity` (iommu=pt) passes addresses through.
/// Anything else is refused, naming the fix (driving the card through VFIO,
/// as ixy does, is not implemented).
fn check_iommu(address: PciAddress, directory: &Path) -> Result<(), EnvError> {
    let link = directory.join("iommu_group");
    let Ok(group) = fs::canonicalize(&link) else {
        return Ok(());
    };
    let number = group.file_name().map_or_else(|| "?".into(), |n| n.to_string_lossy().into_owned());
    let kind = fs::read_to_string(group.join("type")).map(|t| t.trim().to_owned());
    let fix = format!(
        "boot with iommu=pt, or with the device unbound run `echo identity > /sys/kernel/iommu_groups/{number}/type`"
    );
    match kind {
        Ok(kind) if kind == "identity" => Ok(()),
        Ok(kind) => Err(EnvError(format!(
            "the IOMMU translates DMA addresses for {address} (IOMMU group {number}, domain type {kind}), so the physical addresses this driver gives the card would fault and no frame would move: {fix}"
        ))),
        Err(_) => Err(EnvError(format!(
            "{address} is in IOMMU group {number} and the kernel does not say whether it translates DMA addresses (no type file), so the physical addresses this driver gives the card might fault: {fix}"
        ))),
    }
}

/// Whether `vendor:device` is a part this driver drives; the error says
/// what it is otherwise.
pub fn check_part(address: PciAddress, vendor: u16, device: u16) -> Result<(), EnvError> {
    let supported =
        || PARTS.iter().filter(|part| part.2).map(|part| format!("{:04x}", part.0)).collect::<Vec<_>>().join(", ");
    match PARTS.iter().find(|part| part.0 == device) {
        Some(&(_, _, true)) if vendor == INTEL => Ok(()),
        Some(&(_, name, false)) if vendor == INTEL => Err(EnvError(format!(
            "PCI device {address} is an Intel {name} (8086:{device:04x}), whose link this driver cannot set up: it drives only SFI (SFP+) 82599s, 8086:{}",
            supported()
        ))),
        _ => Err(EnvError(format!(
            "PCI device {address} is {vendor:04x}:{device:04x}, not an Intel 82599 (8086:10fb and its siblings)"
        ))),
    }
}

/// PCI configuration space: command register at offset 4, bus master bit 2.
const COMMAND: u64 = 4;
const BUS_MASTER: u16 = 1 << 2;

/// A PCI address in domain:bus:device.function form, e.g. `0000:01:00.0`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PciAddress {
    pub domain: u16,
    pub bus: u8,
    pub device: u8,
    pub function: u8,
}

impl std::str::FromStr for PciAddress {
    type Err = EnvError;

    fn from_str(text: &str) -> Result<PciAddress, EnvError> {
        let bad = || {
            EnvError(format!("`{text}` is not a PCI address; expected domain:bus:device.function such as 0000:01:00.0"))
        };
        let (domain, rest) = text.split_once(':').ok_or_else(bad)?;
        let (bus, rest) = rest.split_once(':').ok_or_else(bad)?;
        let (device, function) = rest.split_once('.').ok_or_else(bad)?;
        let hex = |s: &str, digits: usize| (s.len() == digits).then(|| u16::from_str_radix(s, 16).ok()).flatten();
        let address = PciAddress {
            domain: hex(domain, 4).ok_or_else(bad)?,
            bus: hex(bus, 2).ok_or_else(bad)? as u8,
            device: hex(device, 2).filter(|d| *d < 32).ok_or_else(bad)? as u8,
            function: hex(function, 1).filter(|f| *f < 8).ok_or_else(bad)? as u8,
        };
        Ok(address)
    }
}

impl fmt::Display for PciAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04x}:{:02x}:{:02x}.{:x}", self.domain, self.bus, self.device, self.function)
    }
}

/// An 82599 PCI function, unbound from any kernel driver, bus mastering on.
pub struct PciDevice {
    address: PciAddress,
    directory: PathBuf,
    config: File,
}

/// The bus-master bit of a device's PCI command register, turned off by
/// `disable` (the registers' `Mmio` does it when dropped).
pub(super) struct BusMaster {
    config: File,
}

impl BusMaster {
    /// Clears Bus Master Enable: the device can no longer start a DMA.
    pub(super) fn disable(&self) {
        let mut command = [0u8; 2];
        if self.config.read_exact_at(&mut command, COMMAND).is_ok() {
            let command = u16::from_le_bytes(command) & !BUS_MASTER;
            let _ = self.config.write_all_at(&command.to_le_bytes(), COMMAND);
        }
    }
}

impl PciDevice {
    pub fn open(address: &str) -> Result<PciDevice, EnvError> {
        PciDevice::open_in(Path::new("/sys"), address)
    }

    /// `open` with sysfs mounted at `sysfs` (tests give a fake one).
    pub fn open_in(sysfs: &Path, address: &str) -> Result<PciDevice, EnvError> {
        let address: PciAddress = address.parse()?;
        let directory = sysfs.join(format!("bus/pci/devices/{address}"));
        if !directory.exists() {
            return Err(EnvError(format!("there is no PCI device {address} (list them with `lspci -D`)")));
        }
        let config = OpenOptions::new()
            .read(true)
            .write(super::is_root())
            .open(directory.join("config"))
            .map_err(|e| EnvError(format!("cannot open the PCI configuration space of {address}: {e}")))?;
        let mut ids = [0u8; 4];
        config
            .read_exact_at(&mut ids, 0)
            .map_err(|e| EnvError(format!("cannot read the PCI ids of {address}: {e}")))?;
        let (vendor, device) = (u16::from_le_bytes([ids[0], ids[1]]), u16::from_le_bytes([ids[2], ids[3]]));
        check_part(address, vendor, device)?;
        check_iommu(address, &directory)?;
        if !super::is_root() {
            return Err(EnvError(format!(
                "driving the 82599 at {address} needs root (PCI configuration space and BAR0)"
            )));
        }
        // Take the device from its kernel driver (ixgbe, vfio-pci, ...).
        let driver = directory.join("driver");
        if driver.exists() {
            fs::write(driver.join("unbind"), address.to_string())
                .map_err(|e| EnvError(format!("cannot unbind {address} from its kernel driver: {e}")))?;
        }
        // The device must be allowed to master the bus to DMA (PCI spec, command register).
        let mut command = [0u8; 2];
        config
            .read_exact_at(&mut command, COMMAND)
            .map_err(|e| EnvError(format!("cannot read the PCI command register of {address}: {e}")))?;
        let command = u16::from_le_bytes(command) | BUS_MASTER;
        config
            .write_all_at(&command.to_le_bytes(), COMMAND)
            .map_err(|e| EnvError(format!("cannot enable bus mastering on {address}: {e}")))?;
        Ok(PciDevice { address, directory, config })
    }

    pub fn address(&self) -> PciAddress {
        self.address
    }

    /// BAR0, the register space (datasheet 9.3.6.1), mapped for volatile access.
    pub fn map_registers(&self) -> Result<Mmio, EnvError> {
        let bus_master =
            self.config.try_clone().map(|config| BusMaster { config }).map_err(|e| {
                EnvError(format!("cannot keep the PCI configuration space of {} open: {e}", self.address))
            })?;
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(self.directory.join("resource0"))
            .map_err(|e| EnvError(format!("cannot open BAR0 of {}: {e}", self.address)))?;
        let len =
            file.metadata().map_err(|e| EnvError(format!("cannot size BAR0 of {}: {e}", self.address)))?.len() as usize;
        // SAFETY: a shared mapping of the device's BAR file; the kernel
        // validates the length; the result is checked before use.
        let base = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_SHARED,
                file.as_raw_fd(),
                0,
            )
        };
        if base == libc::MAP_FAILED {
            return Err(EnvError(format!("cannot map BAR0 of {}: {}", self.address, std::io::Error::last_os_error())));
        }
        let base = NonNull::new(base as *mut u8).expect("mmap never returns null on success");
        // SAFETY: a live mapping of `len` bytes of the device's registers, handed to Mmio to own.
        Ok(unsafe { Mmio::new(base, len, bus_master) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_parse_and_print_canonically() {
        let address: PciAddress = "0000:3b:00.1".parse().unwrap();
        assert_eq!(address, PciAddress { domain: 0, bus: 0x3b, device: 0, function: 1 });
        assert_eq!(address.to_string(), "0000:3b:00.1");
        for bad in ["3b:00.1", "0000:3b:00", "0000:3b:20.0", "0000:3b:00.8", "000g:3b:00.0", ""] {
            let error = bad.parse::<PciAddress>().unwrap_err();
            assert!(error.0.contains("is not a PCI address"), "{bad}: {error}");
        }
    }

    #[test]
    fn a_missing_device_is_one_clear_sentence() {
        let error = PciDevice::open("ffff:ff:1f.7").err().unwrap();
        assert_eq!(error.0, "there is no PCI device ffff:ff:1f.7 (list them with `lspci -D`)");
    }
}
