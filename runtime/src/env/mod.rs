//! The operating system, through the libc crate only (zero lines of C):
//! DMA memory from hugepages, virtual-to-physical translation, PCI devices
//! and their registers. This module and `dma` are the only places with
//! `unsafe`.
#![allow(unsafe_code)]

mod hugepage;
mod mmio;
mod packet_socket;
mod pagemap;
mod pci;
mod signals;

pub use hugepage::{hugepage_memory, HUGEPAGE_SIZE};
pub use mmio::Mmio;
pub use packet_socket::PacketSocket;
pub use pagemap::physical_address;
pub use pci::{PciAddress, PciDevice};
pub use signals::{install_stop_handler, stop_requested};

use std::fmt;

/// What the OS refused; `Display` is one sentence saying what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvError(pub String);

impl fmt::Display for EnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EnvError {}

/// Whether the process runs as root, which hardware access needs.
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}
