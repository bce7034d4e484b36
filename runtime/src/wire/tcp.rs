//! TCP header (RFC 9293 §3.1).

use super::{checksum, read_u16, read_u32, write_u16, write_u32, WireError};

/// Byte ranges of the fixed TCP header.
pub mod field {
    use core::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const SEQ_NUM: Range<usize> = 4..8;
    pub const ACK_NUM: Range<usize> = 8..12;
    /// Data offset (4 bits), reserved (3 bits), and the historic NS bit.
    pub const DATA_OFFSET: usize = 12;
    pub const FLAGS: usize = 13;
    pub const WINDOW: Range<usize> = 14..16;
    pub const CHECKSUM: Range<usize> = 16..18;
    pub const URGENT: Range<usize> = 18..20;
    pub const OPTIONS: usize = 20;
}

/// The flag bits of byte 13.
pub mod flags {
    pub const FIN: u8 = 0x01;
    pub const SYN: u8 = 0x02;
    pub const RST: u8 = 0x04;
    pub const PSH: u8 = 0x08;
    pub const ACK: u8 = 0x10;
    pub const URG: u8 = 0x20;
    pub const ECE: u8 = 0x40;
    pub const CWR: u8 = 0x80;
}

pub const MIN_HEADER_LEN: usize = 20;

/// A view of a TCP segment (header and payload: the whole IP payload, since
/// the checksum covers all of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TcpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> TcpPacket<T> {
    #[inline]
    pub const fn new_unchecked(buffer: T) -> TcpPacket<T> {
        TcpPacket { buffer }
    }

    #[inline]
    pub fn new_checked(buffer: T) -> Result<TcpPacket<T>, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// The one validity check: 20 bytes, data offset >= 5, and the whole
    /// header (options included) in the buffer.
    #[inline]
    pub fn check_len(&self) -> Result<(), WireError> {
        let len = self.buffer.as_ref().len();
        if len < MIN_HEADER_LEN {
            return Err(WireError::Truncated);
        }
        if self.header_len() < MIN_HEADER_LEN {
            return Err(WireError::Malformed);
        }
        if self.header_len() > len {
            return Err(WireError::Truncated);
        }
        Ok(())
    }

    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    #[inline]
    pub fn src_port(&self) -> u16 {
        read_u16(self.buffer.as_ref(), field::SRC_PORT.start)
    }

    #[inline]
    pub fn dst_port(&self) -> u16 {
        read_u16(self.buffer.as_ref(), field::DST_PORT.start)
    }

    #[inline]
    pub fn seq_number(&self) -> u32 {
        read_u32(self.buffer.as_ref(), field::SEQ_NUM.start)
    }

    #[inline]
    pub fn ack_number(&self) -> u32 {
        read_u32(self.buffer.as_ref(), field::ACK_NUM.start)
    }

    /// Header length in bytes (data offset * 4), options included.
    #[inline]
    pub fn header_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::DATA_OFFSET] >> 4) * 4
    }

    /// The 8 flag bits (see [`flags`]).
    #[inline]
    pub fn flags(&self) -> u8 {
        self.buffer.as_ref()[field::FLAGS]
    }

    #[inline]
    pub fn syn(&self) -> bool {
        self.flags() & flags::SYN != 0
    }

    #[inline]
    pub fn ack(&self) -> bool {
        self.flags() & flags::ACK != 0
    }

    #[inline]
    pub fn fin(&self) -> bool {
        self.flags() & flags::FIN != 0
    }

    #[inline]
    pub fn rst(&self) -> bool {
        self.flags() & flags::RST != 0
    }

    #[inline]
    pub fn window(&self) -> u16 {
        read_u16(self.buffer.as_ref(), field::WINDOW.start)
    }

    #[inline]
    pub fn checksum(&self) -> u16 {
        read_u16(self.buffer.as_ref(), field::CHECKSUM.start)
    }

    #[inline]
    pub fn urgent_pointer(&self) -> u16 {
        read_u16(self.buffer.as_ref(), field::URGENT.start)
    }

    #[inline]
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[field::OPTIONS..self.header_len()]
    }

    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..]
    }

    /// Whether the segment plus the pseudo-header (from
    /// `Ipv4Packet::pseudo_header` / `Ipv6Packet::pseudo_header`) sums to
    /// all ones.
    #[inline]
    pub fn verify_checksum(&self, pseudo_header: u32) -> bool {
        checksum::verify_with(pseudo_header, self.buffer.as_ref())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> TcpPacket<T> {
    #[inline]
    pub fn set_src_port(&mut self, port: u16) {
        write_u16(self.buffer.as_mut(), field::SRC_PORT.start, port);
    }

    #[inline]
    pub fn set_dst_port(&mut self, port: u16) {
        write_u16(self.buffer.as_mut(), field::DST_PORT.start, port);
    }

    #[inline]
    pub fn set_seq_number(&mut self, value: u32) {
        write_u32(self.buffer.as_mut(), field::SEQ_NUM.start, value);
    }

    #[inline]
    pub fn set_ack_number(&mut self, value: u32) {
        write_u32(self.buffer.as_mut(), field::ACK_NUM.start, value);
    }

    /// Sets the data offset from a header length in bytes (multiple of 4).
    #[inline]
    pub fn set_header_len(&mut self, len: usize) {
        let b = &mut self.buffer.as_mut()[field::DATA_OFFSET];
        *b = (*b & 0x0f) | (((len / 4) as u8) << 4);
    }

    #[inline]
    pub fn set_flags(&mut self, value: u8) {
        self.buffer.as_mut()[field::FLAGS] = value;
    }

    #[inline]
    pub fn set_window(&mut self, value: u16) {
        write_u16(self.buffer.as_mut(), field::WINDOW.start, value);
    }

    #[inline]
    pub fn set_checksum(&mut self, value: u16) {
        write_u16(self.buffer.as_mut(), field::CHECKSUM.start, value);
    }

    #[inline]
    pub fn set_urgent_pointer(&mut self, value: u16) {
        write_u16(self.buffer.as_mut(), field::URGENT.start, value);
    }

    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let start = self.header_len();
        &mut self.buffer.as_mut()[start..]
    }

    /// Computes the checksum over the segment and the pseudo-header.
    #[inline]
    pub fn fill_checksum(&mut self, pseudo_header: u32) {
        self.set_checksum(0);
        let value = checksum::checksum_with(pseudo_header, self.buffer.as_ref());
        self.set_checksum(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // SYN 10.0.0.1:49152 -> 10.0.0.2:80, seq 1, data offset 6 (MSS 1460),
    // window 65535, checksum c3d2.
    const SEGMENT: [u8; 24] =
        [0xc0, 0x00, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x02, 0xff, 0xff, 0xc3, 0xd2, 0, 0, 2, 4, 5, 0xb4];

    fn pseudo() -> u32 {
        checksum::pseudo_header_ipv4(0x0a00_0001, 0x0a00_0002, 6, 24)
    }

    #[test]
    fn reads_fields() {
        let tcp = TcpPacket::new_checked(&SEGMENT[..]).unwrap();
        assert_eq!((tcp.src_port(), tcp.dst_port()), (49152, 80));
        assert_eq!((tcp.seq_number(), tcp.ack_number()), (1, 0));
        assert_eq!(tcp.header_len(), 24);
        assert_eq!(tcp.flags(), flags::SYN);
        assert!(tcp.syn() && !tcp.ack() && !tcp.fin() && !tcp.rst());
        assert_eq!(tcp.window(), 65535);
        assert_eq!(tcp.options(), &[2, 4, 5, 0xb4]);
        assert!(tcp.payload().is_empty());
        assert_eq!(tcp.checksum(), 0xc3d2);
        assert!(tcp.verify_checksum(pseudo()));
    }

    #[test]
    fn setters_then_fill_checksum() {
        let mut bytes = SEGMENT;
        let mut tcp = TcpPacket::new_checked(&mut bytes[..]).unwrap();
        tcp.set_checksum(0x1234);
        tcp.fill_checksum(pseudo());
        assert_eq!(tcp.checksum(), 0xc3d2);
        tcp.set_flags(flags::SYN | flags::ACK);
        tcp.set_ack_number(0xdead_beef);
        tcp.set_src_port(80);
        tcp.set_dst_port(49152);
        tcp.set_window(1024);
        tcp.set_seq_number(7);
        tcp.set_urgent_pointer(3);
        tcp.fill_checksum(pseudo());
        assert!(tcp.verify_checksum(pseudo()));
        assert_eq!(&bytes[..4], &[0x00, 0x50, 0xc0, 0x00]);
        assert_eq!(bytes[13], 0x12);
    }

    #[test]
    fn check_len_rejects_each_violation() {
        assert_eq!(TcpPacket::new_checked(&SEGMENT[..19]).unwrap_err(), WireError::Truncated);
        assert_eq!(TcpPacket::new_checked(&SEGMENT[..23]).unwrap_err(), WireError::Truncated);
        let mut bad = SEGMENT;
        bad[12] = 0x40;
        assert_eq!(TcpPacket::new_checked(&bad[..]).unwrap_err(), WireError::Malformed);
    }
}
