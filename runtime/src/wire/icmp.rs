//! ICMP (RFC 792) and ICMPv6 (RFC 4443) share the first 4 bytes: type, code,
//! checksum. ICMPv4's checksum covers the message only; ICMPv6's also covers
//! the IPv6 pseudo-header.

use super::{checksum, read_u16, write_u16, WireError};

/// Byte ranges of the common ICMP header.
pub mod field {
    use core::ops::Range;
    pub const TYPE: usize = 0;
    pub const CODE: usize = 1;
    pub const CHECKSUM: Range<usize> = 2..4;
    /// The type-specific rest: identifier/sequence, MTU, pointer, unused...
    pub const BODY: usize = 4;
}

pub const HEADER_LEN: usize = field::BODY;

/// A view of an ICMP or ICMPv6 message (the whole message: the checksum
/// covers all of it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct IcmpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> IcmpPacket<T> {
    #[inline]
    pub const fn new_unchecked(buffer: T) -> IcmpPacket<T> {
        IcmpPacket { buffer }
    }

    #[inline]
    pub fn new_checked(buffer: T) -> Result<IcmpPacket<T>, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// `Truncated` if the buffer is shorter than type, code and checksum.
    #[inline]
    pub fn check_len(&self) -> Result<(), WireError> {
        if self.buffer.as_ref().len() < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        Ok(())
    }

    #[inline]
    pub fn into_inner(self) -> T {
        self.buffer
    }

    #[inline]
    pub fn msg_type(&self) -> u8 {
        self.buffer.as_ref()[field::TYPE]
    }

    #[inline]
    pub fn msg_code(&self) -> u8 {
        self.buffer.as_ref()[field::CODE]
    }

    #[inline]
    pub fn checksum(&self) -> u16 {
        read_u16(self.buffer.as_ref(), field::CHECKSUM.start)
    }

    /// Everything after the checksum.
    #[inline]
    pub fn body(&self) -> &[u8] {
        &self.buffer.as_ref()[field::BODY..]
    }

    /// ICMPv4: whether the message sums to all ones.
    #[inline]
    pub fn verify_checksum_v4(&self) -> bool {
        checksum::verify(self.buffer.as_ref())
    }

    /// ICMPv6: whether the message and the pseudo-header sum to all ones.
    #[inline]
    pub fn verify_checksum_v6(&self, pseudo_header: u32) -> bool {
        checksum::verify_with(pseudo_header, self.buffer.as_ref())
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> IcmpPacket<T> {
    #[inline]
    pub fn set_msg_type(&mut self, value: u8) {
        self.buffer.as_mut()[field::TYPE] = value;
    }

    #[inline]
    pub fn set_msg_code(&mut self, value: u8) {
        self.buffer.as_mut()[field::CODE] = value;
    }

    #[inline]
    pub fn set_checksum(&mut self, value: u16) {
        write_u16(self.buffer.as_mut(), field::CHECKSUM.start, value);
    }

    #[inline]
    pub fn body_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::BODY..]
    }

    #[inline]
    pub fn fill_checksum_v4(&mut self) {
        self.set_checksum(0);
        let value = checksum::checksum(self.buffer.as_ref());
        self.set_checksum(value);
    }

    #[inline]
    pub fn fill_checksum_v6(&mut self, pseudo_header: u32) {
        self.set_checksum(0);
        let value = checksum::checksum_with(pseudo_header, self.buffer.as_ref());
        self.set_checksum(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Echo request id 1 seq 1 "abcd", checksum 3337.
    const ECHO_V4: [u8; 12] = [8, 0, 0x33, 0x37, 0, 1, 0, 1, b'a', b'b', b'c', b'd'];
    // ICMPv6 echo request id 7 seq 9 from fe80::1 to fe80::2, checksum 82a8.
    const ECHO_V6: [u8; 8] = [128, 0, 0x82, 0xa8, 0, 7, 0, 9];

    fn pseudo_v6() -> u32 {
        checksum::pseudo_header_ipv6(
            0xfe80_0000_0000_0000_0000_0000_0000_0001,
            0xfe80_0000_0000_0000_0000_0000_0000_0002,
            58,
            8,
        )
    }

    #[test]
    fn reads_v4() {
        let icmp = IcmpPacket::new_checked(&ECHO_V4[..]).unwrap();
        assert_eq!((icmp.msg_type(), icmp.msg_code(), icmp.checksum()), (8, 0, 0x3337));
        assert_eq!(&icmp.body()[..4], &[0, 1, 0, 1]);
        assert!(icmp.verify_checksum_v4());
    }

    #[test]
    fn echo_reply_v4_refills_checksum() {
        let mut bytes = ECHO_V4;
        let mut icmp = IcmpPacket::new_checked(&mut bytes[..]).unwrap();
        icmp.set_msg_type(0);
        assert!(!icmp.verify_checksum_v4());
        icmp.fill_checksum_v4();
        assert!(icmp.verify_checksum_v4());
        assert_eq!(icmp.checksum(), 0x3337 + 0x0800);
    }

    #[test]
    fn v6_checksum_covers_the_pseudo_header() {
        let mut bytes = ECHO_V6;
        let mut icmp = IcmpPacket::new_checked(&mut bytes[..]).unwrap();
        assert!(icmp.verify_checksum_v6(pseudo_v6()));
        assert!(!icmp.verify_checksum_v4());
        icmp.set_msg_type(129);
        icmp.set_msg_code(0);
        icmp.fill_checksum_v6(pseudo_v6());
        assert!(icmp.verify_checksum_v6(pseudo_v6()));
        assert_eq!(icmp.checksum(), 0x82a8 - 0x0100);
    }

    #[test]
    fn rejects_short_buffers() {
        assert_eq!(IcmpPacket::new_checked(&ECHO_V6[..3]).unwrap_err(), WireError::Truncated);
        assert!(IcmpPacket::new_checked(&ECHO_V6[..4]).unwrap().body().is_empty());
    }
}
