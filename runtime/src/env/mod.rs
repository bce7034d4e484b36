//! The operating system, through the libc crate only (zero lines of C):
//! DMA memory from hugepages, virtual-to-physical translation, PCI devices
//! and their registers, packet and AF_XDP sockets, eBPF through bpf(2). This module and `dma` are the only places with
//! `unsafe`.
#![allow(unsafe_code)]

mod bpf;
mod hugepage;
mod mmio;
mod netdev;
mod netns;
mod packet_socket;
mod pagemap;
mod pci;
mod signals;
mod xsk;

pub use bpf::{Map as BpfMap, XdpLink, XdpMode, XdpProgram};
pub use hugepage::{hugepage_memory, HUGEPAGE_SIZE};
pub use mmio::Mmio;
pub use netdev::{interface_index, receive_queues, wait_for_link};
pub use netns::enter_network_namespace;
pub use packet_socket::PacketSocket;
pub use pagemap::physical_address;
pub use pci::{PciAddress, PciDevice};
pub use signals::{install_stop_handler, stop_requested, take_reload_request};
pub use xsk::{Chunk, CopyMode, Packet, Umem, XskDrops, XskSocket, CHUNK_SIZE, RING_SIZE};

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

/// The unit of the CPU times in /proc (USER_HZ).
pub fn clock_ticks_per_second() -> u64 {
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if ticks > 0 {
        ticks as u64
    } else {
        100
    }
}
