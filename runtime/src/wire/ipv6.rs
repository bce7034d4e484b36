//! IPv6 fixed header (RFC 8200 §3). Extension headers are payload here.

use super::{checksum, read_u128, read_u16, read_u32, write_u128, write_u16, write_u32, WireError};

/// Byte ranges of the IPv6 fixed header.
pub mod field {
    use core::ops::Range;
    /// Version (4 bits), traffic class (8 bits), flow label (20 bits).
    pub const VER_TC_FLOW: Range<usize> = 0..4;
    pub const PAYLOAD_LEN: Range<usize> = 4..6;
    pub const NEXT_HEADER: usize = 6;
    pub const HOP_LIMIT: usize = 7;
    pub const SOURCE: Range<usize> = 8..24;
    pub const DESTINATION: Range<usize> = 24..40;
    pub const PAYLOAD: usize = 40;
}

pub const HEADER_LEN: usize = field::PAYLOAD;

/// A view of an IPv6 packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Ipv6Packet<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> Ipv6Packet<T> {
    #[inline]
    pub const fn new_unchecked(buffer: T) -> Ipv6Packet<T> {
        Ipv6Packet { buffer }
    }

    #[inline]
    pub fn new_checked(buffer: T) -> Result<Ipv6Packet<T>, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// The one validity check: 40 bytes, version 6, and the payload length
    /// within the buffer (bytes after it are padding).
    #[inline]
    pub fn check_len(&self) -> Result<(), WireError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        if self.version() != 6 {
            return Err(WireError::Malformed);
        }
        if HEADER_LEN + usize::from(self.payload_len()) > len {
            return Err(WireError::Truncated);
        }
        Ok(())
    }

    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    #[inline]
    fn first_word(&self) -> u32 {
        read_u32(self.buffer.as_ref(), field::VER_TC_FLOW.start)
    }

    #[inline]
    pub fn version(&self) -> u8 {
        (self.first_word() >> 28) as u8
    }

    #[inline]
    pub fn traffic_class(&self) -> u8 {
        (self.first_word() >> 20) as u8
    }

    /// The DSCP: upper 6 bits of the traffic class.
    #[inline]
    pub fn dscp(&self) -> u8 {
        self.traffic_class() >> 2
    }

    #[inline]
    pub fn ecn(&self) -> u8 {
        self.traffic_class() & 0x03
    }

    #[inline]
    pub fn flow_label(&self) -> u32 {
        self.first_word() & 0x000f_ffff
    }

    #[inline]
    pub fn payload_len(&self) -> u16 {
        read_u16(self.buffer.as_ref(), field::PAYLOAD_LEN.start)
    }

    #[inline]
    pub fn next_header(&self) -> u8 {
        self.buffer.as_ref()[field::NEXT_HEADER]
    }

    #[inline]
    pub fn hop_limit(&self) -> u8 {
        self.buffer.as_ref()[field::HOP_LIMIT]
    }

    #[inline]
    pub fn src_addr(&self) -> u128 {
        read_u128(self.buffer.as_ref(), field::SOURCE.start)
    }

    #[inline]
    pub fn dst_addr(&self) -> u128 {
        read_u128(self.buffer.as_ref(), field::DESTINATION.start)
    }

    /// The payload: `payload_len` bytes after the fixed header.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..HEADER_LEN + usize::from(self.payload_len())]
    }

    /// The pseudo-header sum for an upper-layer message of `length` bytes
    /// with protocol `next_header` (which differs from this header's when
    /// extension headers come between).
    #[inline]
    pub fn pseudo_header(&self, next_header: u8, length: u32) -> u32 {
        checksum::pseudo_header_ipv6(self.src_addr(), self.dst_addr(), next_header, length)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> Ipv6Packet<T> {
    #[inline]
    fn set_first_word(&mut self, value: u32) {
        write_u32(self.buffer.as_mut(), field::VER_TC_FLOW.start, value);
    }

    #[inline]
    pub fn set_version(&mut self, version: u8) {
        self.set_first_word((self.first_word() & 0x0fff_ffff) | (u32::from(version & 0x0f) << 28));
    }

    #[inline]
    pub fn set_traffic_class(&mut self, tc: u8) {
        self.set_first_word((self.first_word() & 0xf00f_ffff) | (u32::from(tc) << 20));
    }

    /// Sets the DSCP (masked to 6 bits), keeping the ECN bits.
    #[inline]
    pub fn set_dscp(&mut self, dscp: u8) {
        self.set_traffic_class((dscp << 2) | self.ecn());
    }

    #[inline]
    pub fn set_flow_label(&mut self, label: u32) {
        self.set_first_word((self.first_word() & 0xfff0_0000) | (label & 0x000f_ffff));
    }

    #[inline]
    pub fn set_payload_len(&mut self, len: u16) {
        write_u16(self.buffer.as_mut(), field::PAYLOAD_LEN.start, len);
    }

    #[inline]
    pub fn set_next_header(&mut self, value: u8) {
        self.buffer.as_mut()[field::NEXT_HEADER] = value;
    }

    #[inline]
    pub fn set_hop_limit(&mut self, value: u8) {
        self.buffer.as_mut()[field::HOP_LIMIT] = value;
    }

    #[inline]
    pub fn set_src_addr(&mut self, addr: u128) {
        write_u128(self.buffer.as_mut(), field::SOURCE.start, addr);
    }

    #[inline]
    pub fn set_dst_addr(&mut self, addr: u128) {
        write_u128(self.buffer.as_mut(), field::DESTINATION.start, addr);
    }

    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = HEADER_LEN + usize::from(self.payload_len());
        &mut self.buffer.as_mut()[HEADER_LEN..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Traffic class 0xb9 (DSCP 46, ECN 1), flow label 0x12345, payload 8,
    // ICMPv6, hop limit 255, fe80::1 -> fe80::2, echo request id 7 seq 9
    // (checksum 82a8), then 2 bytes of padding.
    const PACKET: [u8; 50] = [
        0x6b, 0x91, 0x23, 0x45, 0x00, 0x08, 58, 255, //
        0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, //
        0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, //
        128, 0, 0x82, 0xa8, 0, 7, 0, 9, 0xee, 0xee,
    ];

    #[test]
    fn reads_fields() {
        let ip = Ipv6Packet::new_checked(&PACKET[..]).unwrap();
        assert_eq!(ip.version(), 6);
        assert_eq!(ip.traffic_class(), 0xb9);
        assert_eq!((ip.dscp(), ip.ecn()), (46, 1));
        assert_eq!(ip.flow_label(), 0x12345);
        assert_eq!(ip.payload_len(), 8);
        assert_eq!((ip.next_header(), ip.hop_limit()), (58, 255));
        assert_eq!(ip.src_addr(), 0xfe80_0000_0000_0000_0000_0000_0000_0001);
        assert_eq!(ip.dst_addr(), 0xfe80_0000_0000_0000_0000_0000_0000_0002);
        assert_eq!(ip.payload(), &PACKET[40..48]);
        assert!(checksum::verify_with(ip.pseudo_header(58, 8), ip.payload()));
    }

    #[test]
    fn setters_keep_neighbouring_bits() {
        let mut bytes = PACKET;
        let mut ip = Ipv6Packet::new_checked(&mut bytes[..]).unwrap();
        ip.set_dscp(0);
        assert_eq!((ip.traffic_class(), ip.flow_label(), ip.version()), (0x01, 0x12345, 6));
        ip.set_flow_label(0xfffff);
        ip.set_traffic_class(0xff);
        assert_eq!(&ip.buffer[..4], &[0x6f, 0xff, 0xff, 0xff]);
        ip.set_hop_limit(1);
        ip.set_next_header(17);
        ip.set_src_addr(1);
        ip.set_dst_addr(u128::MAX);
        assert_eq!((ip.hop_limit(), ip.next_header(), ip.src_addr(), ip.dst_addr()), (1, 17, 1, u128::MAX));
    }

    #[test]
    fn check_len_rejects_each_violation() {
        assert_eq!(Ipv6Packet::new_checked(&PACKET[..39]).unwrap_err(), WireError::Truncated);
        assert_eq!(Ipv6Packet::new_checked(&PACKET[..47]).unwrap_err(), WireError::Truncated);
        assert!(Ipv6Packet::new_checked(&PACKET[..48]).is_ok());
        let mut bad = PACKET;
        bad[0] = 0x4b;
        assert_eq!(Ipv6Packet::new_checked(&bad[..]).unwrap_err(), WireError::Malformed);
    }
}
