//! Advanced receive and transmit descriptors (datasheet 7.1.6 and 7.2.3.2.4).
//!
//! A descriptor is two little-endian 64-bit words in DMA memory that driver
//! and device share; both sides access them as atomics.

/// Size of every packet buffer; SRRCTL.BSIZEPACKET counts 1 KiB units.
pub const BUFFER_SIZE: usize = 2048;
pub const DESCRIPTOR_BYTES: usize = 16;

/// Receive write-back, second word (7.1.6.2): Descriptor Done.
pub const RX_STATUS_DD: u64 = 1 << 0;
/// PKT_LEN occupies bits 32..48 of the second write-back word.
pub const RX_LENGTH_SHIFT: u32 = 32;

/// Transmit data descriptor, second word (7.2.3.2.4): DTALEN is bits 0..16,
/// DTYP = 0011b (advanced data descriptor), bits 20..24.
pub const TX_DTYP_DATA: u64 = 0b0011 << 20;
/// DCMD bits 24..32: EOP, IFCS (insert FCS), RS (report status), DEXT.
pub const TX_CMD_EOP: u64 = 1 << 24;
pub const TX_CMD_IFCS: u64 = 1 << 25;
pub const TX_CMD_RS: u64 = 1 << 27;
pub const TX_CMD_DEXT: u64 = 1 << 29;
/// PAYLEN, the whole frame's length for a single-buffer frame: bits 46..64.
pub const TX_PAYLEN_SHIFT: u32 = 46;

/// The second word of a transmit descriptor sending `length` bytes; length 0
/// makes the device skip it, TinyNF's "not on this output".
#[inline]
pub fn tx_command(length: u64, report_status: bool) -> u64 {
    let rs = if report_status { TX_CMD_RS } else { 0 };
    length | length << TX_PAYLEN_SHIFT | TX_DTYP_DATA | TX_CMD_EOP | TX_CMD_IFCS | TX_CMD_DEXT | rs
}
