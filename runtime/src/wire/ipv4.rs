//! IPv4 header (RFC 791 §3.1), options included through the IHL.

use super::{checksum, read_u16, read_u32, write_u16, write_u32, WireError};

/// Byte ranges of the fixed IPv4 header.
pub mod field {
    use core::ops::Range;
    /// Version (4 bits) and IHL (4 bits, in 32-bit words).
    pub const VER_IHL: usize = 0;
    /// DSCP (6 bits) and ECN (2 bits).
    pub const DSCP_ECN: usize = 1;
    pub const TOTAL_LEN: Range<usize> = 2..4;
    pub const IDENT: Range<usize> = 4..6;
    /// Reserved, DF, MF (3 bits) and fragment offset (13 bits, 8-byte units).
    pub const FLAGS_FRAG: Range<usize> = 6..8;
    pub const TTL: usize = 8;
    pub const PROTOCOL: usize = 9;
    pub const CHECKSUM: Range<usize> = 10..12;
    pub const SOURCE: Range<usize> = 12..16;
    pub const DESTINATION: Range<usize> = 16..20;
    pub const OPTIONS: usize = 20;
}

/// Length of the header without options.
pub const MIN_HEADER_LEN: usize = 20;
/// Length of the header with 40 bytes of options (IHL 15).
pub const MAX_HEADER_LEN: usize = 60;

const DONT_FRAGMENT: u16 = 0x4000;
const MORE_FRAGMENTS: u16 = 0x2000;
const FRAGMENT_OFFSET: u16 = 0x1fff;

/// A view of an IPv4 packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv4Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv4Packet<T> {
    /// Wraps `buffer` without checking it; getters panic if it is shorter
    /// than the header or than the lengths the header claims.
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Ipv4Packet<T> {
        Ipv4Packet { buffer }
    }

    /// Wraps `buffer` after [`check_len`](Self::check_len).
    #[inline]
    pub fn new_checked(buffer: T) -> Result<Ipv4Packet<T>, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// The one validity check: 20 bytes, version 4, IHL >= 5, the header
    /// (with options) in the buffer, IHL*4 <= total length <= buffer length
    /// (bytes after the total length are padding, not payload).
    #[inline]
    pub fn check_len(&self) -> Result<(), WireError> {
        let data = self.buffer.as_ref();
        if data.len() < MIN_HEADER_LEN {
            return Err(WireError::Truncated);
        }
        if self.version() != 4 || self.header_len() < MIN_HEADER_LEN {
            return Err(WireError::Malformed);
        }
        let total_len = usize::from(self.total_len());
        if total_len < self.header_len() {
            return Err(WireError::Malformed);
        }
        if self.header_len() > data.len() || total_len > data.len() {
            return Err(WireError::Truncated);
        }
        Ok(())
    }

    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    #[inline]
    pub fn version(&self) -> u8 {
        self.buffer.as_ref()[field::VER_IHL] >> 4
    }

    /// Header length in bytes (IHL * 4), options included.
    #[inline]
    pub fn header_len(&self) -> usize {
        usize::from(self.buffer.as_ref()[field::VER_IHL] & 0x0f) * 4
    }

    #[inline]
    pub fn dscp(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] >> 2
    }

    #[inline]
    pub fn ecn(&self) -> u8 {
        self.buffer.as_ref()[field::DSCP_ECN] & 0x03
    }

    #[inline]
    pub fn total_len(&self) -> u16 {
        read_u16(self.buffer.as_ref(), field::TOTAL_LEN.start)
    }

    #[inline]
    pub fn ident(&self) -> u16 {
        read_u16(self.buffer.as_ref(), field::IDENT.start)
    }

    #[inline]
    fn flags_frag(&self) -> u16 {
        read_u16(self.buffer.as_ref(), field::FLAGS_FRAG.start)
    }

    #[inline]
    pub fn dont_fragment(&self) -> bool {
        self.flags_frag() & DONT_FRAGMENT != 0
    }

    #[inline]
    pub fn more_fragments(&self) -> bool {
        self.flags_frag() & MORE_FRAGMENTS != 0
    }

    /// Fragment offset in bytes (the field counts 8-byte units).
    #[inline]
    pub fn fragment_offset(&self) -> u16 {
        (self.flags_frag() & FRAGMENT_OFFSET) << 3
    }

    #[inline]
    pub fn ttl(&self) -> u8 {
        self.buffer.as_ref()[field::TTL]
    }

    #[inline]
    pub fn protocol(&self) -> u8 {
        self.buffer.as_ref()[field::PROTOCOL]
    }

    #[inline]
    pub fn checksum(&self) -> u16 {
        read_u16(self.buffer.as_ref(), field::CHECKSUM.start)
    }

    #[inline]
    pub fn src_addr(&self) -> u32 {
        read_u32(self.buffer.as_ref(), field::SOURCE.start)
    }

    #[inline]
    pub fn dst_addr(&self) -> u32 {
        read_u32(self.buffer.as_ref(), field::DESTINATION.start)
    }

    /// The option bytes (IHL > 5), unparsed.
    #[inline]
    pub fn options(&self) -> &[u8] {
        &self.buffer.as_ref()[field::OPTIONS..self.header_len()]
    }

    /// The payload: from the end of the header to the total length.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[self.header_len()..usize::from(self.total_len())]
    }

    /// Whether the header (options included) sums to all ones.
    #[inline]
    pub fn verify_checksum(&self) -> bool {
        checksum::verify(&self.buffer.as_ref()[..self.header_len()])
    }

    /// The pseudo-header sum for this packet's layer-4 checksum (protocol and
    /// payload length from this header).
    #[inline]
    pub fn pseudo_header(&self) -> u32 {
        let payload_len = self.total_len().wrapping_sub(self.header_len() as u16);
        checksum::pseudo_header_ipv4(self.src_addr(), self.dst_addr(), self.protocol(), payload_len)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv4Packet<T> {
    #[inline]
    pub fn set_version(&mut self, version: u8) {
        let b = &mut self.buffer.as_mut()[field::VER_IHL];
        *b = (*b & 0x0f) | (version << 4);
    }

    /// Sets the IHL from a header length in bytes (a multiple of 4, 20..=60).
    #[inline]
    pub fn set_header_len(&mut self, len: usize) {
        let b = &mut self.buffer.as_mut()[field::VER_IHL];
        *b = (*b & 0xf0) | ((len / 4) as u8 & 0x0f);
    }

    #[inline]
    pub fn set_dscp(&mut self, dscp: u8) {
        let b = &mut self.buffer.as_mut()[field::DSCP_ECN];
        *b = (*b & 0x03) | (dscp << 2);
    }

    #[inline]
    pub fn set_ecn(&mut self, ecn: u8) {
        let b = &mut self.buffer.as_mut()[field::DSCP_ECN];
        *b = (*b & 0xfc) | (ecn & 0x03);
    }

    #[inline]
    pub fn set_total_len(&mut self, len: u16) {
        write_u16(self.buffer.as_mut(), field::TOTAL_LEN.start, len);
    }

    #[inline]
    pub fn set_ident(&mut self, ident: u16) {
        write_u16(self.buffer.as_mut(), field::IDENT.start, ident);
    }

    #[inline]
    fn set_flags_frag(&mut self, value: u16) {
        write_u16(self.buffer.as_mut(), field::FLAGS_FRAG.start, value);
    }

    #[inline]
    pub fn set_dont_fragment(&mut self, on: bool) {
        let v = self.flags_frag() & !DONT_FRAGMENT;
        self.set_flags_frag(v | if on { DONT_FRAGMENT } else { 0 });
    }

    #[inline]
    pub fn set_more_fragments(&mut self, on: bool) {
        let v = self.flags_frag() & !MORE_FRAGMENTS;
        self.set_flags_frag(v | if on { MORE_FRAGMENTS } else { 0 });
    }

    /// Sets the fragment offset from bytes (a multiple of 8).
    #[inline]
    pub fn set_fragment_offset(&mut self, bytes: u16) {
        let v = self.flags_frag() & !FRAGMENT_OFFSET;
        self.set_flags_frag(v | ((bytes >> 3) & FRAGMENT_OFFSET));
    }

    #[inline]
    pub fn set_ttl(&mut self, ttl: u8) {
        self.buffer.as_mut()[field::TTL] = ttl;
    }

    #[inline]
    pub fn set_protocol(&mut self, protocol: u8) {
        self.buffer.as_mut()[field::PROTOCOL] = protocol;
    }

    #[inline]
    pub fn set_checksum(&mut self, value: u16) {
        write_u16(self.buffer.as_mut(), field::CHECKSUM.start, value);
    }

    #[inline]
    pub fn set_src_addr(&mut self, addr: u32) {
        write_u32(self.buffer.as_mut(), field::SOURCE.start, addr);
    }

    #[inline]
    pub fn set_dst_addr(&mut self, addr: u32) {
        write_u32(self.buffer.as_mut(), field::DESTINATION.start, addr);
    }

    #[inline]
    pub fn options_mut(&mut self) -> &mut [u8] {
        let end = self.header_len();
        &mut self.buffer.as_mut()[field::OPTIONS..end]
    }

    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let (start, end) = (self.header_len(), usize::from(self.total_len()));
        &mut self.buffer.as_mut()[start..end]
    }

    /// Computes the header checksum from scratch and stores it.
    #[inline]
    pub fn fill_checksum(&mut self) {
        self.set_checksum(0);
        let value = checksum::checksum(&self.buffer.as_ref()[..self.header_len()]);
        self.set_checksum(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // IHL 6 with options NOP NOP NOP EOL, DSCP 46 (EF) ECN 0, total 36,
    // ident 0x1234, DF, TTL 64, UDP, 10.0.0.1 -> 10.0.0.2, checksum 10da,
    // then 12 bytes of UDP and 2 bytes of Ethernet padding.
    const PACKET: [u8; 38] = [
        0x46, 0xb8, 0x00, 0x24, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x10, 0xda, 10, 0, 0, 1, 10, 0, 0, 2, 1, 1, 1, 0,
        0x14, 0xe9, 0x00, 0x35, 0x00, 0x0c, 0x39, 0x18, 0xde, 0xad, 0xbe, 0xef, 0xee, 0xee,
    ];

    #[test]
    fn reads_fields_and_options() {
        let ip = Ipv4Packet::new_checked(&PACKET[..]).unwrap();
        assert_eq!(ip.version(), 4);
        assert_eq!(ip.header_len(), 24);
        assert_eq!((ip.dscp(), ip.ecn()), (46, 0));
        assert_eq!(ip.total_len(), 36);
        assert_eq!(ip.ident(), 0x1234);
        assert!(ip.dont_fragment() && !ip.more_fragments());
        assert_eq!(ip.fragment_offset(), 0);
        assert_eq!((ip.ttl(), ip.protocol()), (64, 17));
        assert_eq!(ip.src_addr(), 0x0a00_0001);
        assert_eq!(ip.dst_addr(), 0x0a00_0002);
        assert_eq!(ip.options(), &[1, 1, 1, 0]);
        assert_eq!(ip.payload().len(), 12, "padding is not payload");
        assert_eq!(ip.checksum(), 0x10da);
        assert!(ip.verify_checksum());
    }

    #[test]
    fn setters_then_fill_checksum() {
        let mut bytes = PACKET;
        let mut ip = Ipv4Packet::new_checked(&mut bytes[..]).unwrap();
        ip.set_ttl(1);
        assert!(!ip.verify_checksum());
        ip.fill_checksum();
        assert!(ip.verify_checksum());
        ip.set_more_fragments(true);
        ip.set_dont_fragment(false);
        ip.set_fragment_offset(1480);
        assert!(ip.more_fragments() && !ip.dont_fragment());
        assert_eq!(ip.fragment_offset(), 1480);
        assert_eq!(&bytes[6..8], &[0x20, 0xb9]);
        let mut ip = Ipv4Packet::new_unchecked(&mut bytes[..]);
        ip.set_dscp(10);
        ip.set_ecn(3);
        assert_eq!(ip.buffer[1], (10 << 2) | 3);
        ip.set_src_addr(0xc0a8_0101);
        ip.set_dst_addr(0xc0a8_0102);
        assert_eq!(&bytes[12..20], &[192, 168, 1, 1, 192, 168, 1, 2]);
    }

    #[test]
    fn pseudo_header_uses_payload_length() {
        let ip = Ipv4Packet::new_checked(&PACKET[..]).unwrap();
        // The UDP datagram in PACKET carries a valid checksum.
        assert!(checksum::verify_with(ip.pseudo_header(), ip.payload()));
    }

    #[test]
    fn check_len_rejects_each_violation() {
        assert_eq!(Ipv4Packet::new_checked(&PACKET[..19]).unwrap_err(), WireError::Truncated);
        let mut bad = PACKET;
        bad[0] = 0x66; // version 6
        assert_eq!(Ipv4Packet::new_checked(&bad[..]).unwrap_err(), WireError::Malformed);
        bad[0] = 0x44; // IHL 4
        assert_eq!(Ipv4Packet::new_checked(&bad[..]).unwrap_err(), WireError::Malformed);
        bad[0] = 0x4f; // IHL 15 = 60 bytes > total length 36
        assert_eq!(Ipv4Packet::new_checked(&bad[..]).unwrap_err(), WireError::Malformed);
        let mut bad = PACKET;
        bad[3] = 39; // total length past the buffer
        assert_eq!(Ipv4Packet::new_checked(&bad[..]).unwrap_err(), WireError::Truncated);
        bad[3] = 38;
        assert!(Ipv4Packet::new_checked(&bad[..]).is_ok());
        bad[3] = 22; // shorter than the 24-byte header
        assert_eq!(Ipv4Packet::new_checked(&bad[..]).unwrap_err(), WireError::Malformed);
    }
}
