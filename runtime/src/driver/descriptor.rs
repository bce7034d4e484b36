//! Legacy receive and transmit descriptors (datasheet 7.1.5 and 7.2.3.2.2).
//!
//! A descriptor is two little-endian 64-bit words in DMA memory that driver
//! and device share; both sides access them as atomics. The first is the
//! buffer's address, which in the legacy format the device never
//! overwrites: receive write-back and the transmit command both live in the
//! second word. So one ring can be a receive ring and a transmit ring at
//! once, and nothing has to be re-armed after a packet (TinyNF's layout).

use std::sync::atomic::AtomicU64;

/// Size of every packet buffer; SRRCTL.BSIZEPACKET counts 1 KiB units.
pub const BUFFER_SIZE: usize = 2048;
pub const DESCRIPTOR_BYTES: usize = 16;

/// Descriptors per ring: 256, so a `u8` index names every descriptor and
/// buffer and wraps by itself. RDLEN/TDLEN (16 bytes each) must be a
/// multiple of 128 bytes (8.2.3.8.3).
pub const RING_SIZE: usize = crate::dma::BUFFER_RING;

/// A descriptor ring as the agent sees it.
pub type Ring = [[AtomicU64; 2]; RING_SIZE];

/// Receive write-back, second word (7.1.5): Length is bits 0..16.
pub const RX_LENGTH_MASK: u64 = 0xffff;
/// Status byte at bits 32..40: Descriptor Done is bit 32.
pub const RX_STATUS_DD_BIT: u32 = 32;

/// Transmit command, second word (7.2.3.2.2): Length bits 0..16 (0 makes the
/// device skip the descriptor: TinyNF's "not on this output"), CMD at bits
/// 24..32: EOP, IFCS (insert FCS; needed with padding), RS (report status:
/// write the head back). DEXT (bit 29) stays 0: legacy format.
pub const TX_CMD_EOP: u64 = 1 << 24;
pub const TX_CMD_IFCS: u64 = 1 << 25;
pub const TX_CMD_RS: u64 = 1 << 27;
