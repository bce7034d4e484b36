//! UDP header (RFC 768).

use super::{checksum, read_u16, write_u16, WireError};

/// Byte ranges of the UDP header.
pub mod field {
    use core::ops::Range;
    pub const SRC_PORT: Range<usize> = 0..2;
    pub const DST_PORT: Range<usize> = 2..4;
    pub const LENGTH: Range<usize> = 4..6;
    pub const CHECKSUM: Range<usize> = 6..8;
    pub const PAYLOAD: usize = 8;
}

pub const HEADER_LEN: usize = field::PAYLOAD;

/// A view of a UDP datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UdpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> UdpPacket<T> {
    #[inline]
    pub const fn new_unchecked(buffer: T) -> UdpPacket<T> {
        UdpPacket { buffer }
    }

    #[inline]
    pub fn new_checked(buffer: T) -> Result<UdpPacket<T>, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check_len()?;
        Ok(packet)
    }

    /// The one validity check: 8 bytes, and 8 <= length field <= buffer.
    #[inline]
    pub fn check_len(&self) -> Result<(), WireError> {
        let len = self.buffer.as_ref().len();
        if len < HEADER_LEN {
            return Err(WireError::Truncated);
        }
        let claimed = usize::from(self.len());
        if claimed < HEADER_LEN {
            return Err(WireError::Malformed);
        }
        if claimed > len {
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

    /// The length field: header plus payload.
    #[inline]
    pub fn len(&self) -> u16 {
        read_u16(self.buffer.as_ref(), field::LENGTH.start)
    }

    /// Whether the datagram carries no payload.
    #[inline]
    pub fn is_empty(&self) -> bool {
        usize::from(self.len()) <= HEADER_LEN
    }

    #[inline]
    pub fn checksum(&self) -> u16 {
        read_u16(self.buffer.as_ref(), field::CHECKSUM.start)
    }

    /// The payload up to the length field.
    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[HEADER_LEN..usize::from(self.len())]
    }

    /// Whether the checksum is right. A checksum of 0 means the sender
    /// computed none (RFC 768) and passes; over IPv6 a zero checksum is only
    /// allowed for tunnels (RFC 6935), which the caller must decide.
    #[inline]
    pub fn verify_checksum(&self, pseudo_header: u32) -> bool {
        self.checksum() == 0 || checksum::verify_with(pseudo_header, &self.buffer.as_ref()[..usize::from(self.len())])
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> UdpPacket<T> {
    #[inline]
    pub fn set_src_port(&mut self, port: u16) {
        write_u16(self.buffer.as_mut(), field::SRC_PORT.start, port);
    }

    #[inline]
    pub fn set_dst_port(&mut self, port: u16) {
        write_u16(self.buffer.as_mut(), field::DST_PORT.start, port);
    }

    #[inline]
    pub fn set_len(&mut self, len: u16) {
        write_u16(self.buffer.as_mut(), field::LENGTH.start, len);
    }

    #[inline]
    pub fn set_checksum(&mut self, value: u16) {
        write_u16(self.buffer.as_mut(), field::CHECKSUM.start, value);
    }

    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        let end = usize::from(self.len());
        &mut self.buffer.as_mut()[HEADER_LEN..end]
    }

    /// Computes the checksum; a result of 0 is sent as `0xffff` because 0
    /// means "no checksum".
    #[inline]
    pub fn fill_checksum(&mut self, pseudo_header: u32) {
        self.set_checksum(0);
        let value = checksum::checksum_with(pseudo_header, &self.buffer.as_ref()[..usize::from(self.len())]);
        self.set_checksum(if value == 0 { 0xffff } else { value });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // 10.0.0.1:5353 -> 10.0.0.2:53, length 12, checksum 3918, payload
    // deadbeef, then 2 bytes of padding.
    const DATAGRAM: [u8; 14] = [0x14, 0xe9, 0x00, 0x35, 0x00, 0x0c, 0x39, 0x18, 0xde, 0xad, 0xbe, 0xef, 0, 0];

    fn pseudo() -> u32 {
        checksum::pseudo_header_ipv4(0x0a00_0001, 0x0a00_0002, 17, 12)
    }

    #[test]
    fn reads_fields() {
        let udp = UdpPacket::new_checked(&DATAGRAM[..]).unwrap();
        assert_eq!((udp.src_port(), udp.dst_port(), udp.len()), (5353, 53, 12));
        assert_eq!(udp.payload(), &[0xde, 0xad, 0xbe, 0xef]);
        assert_eq!(udp.checksum(), 0x3918);
        assert!(udp.verify_checksum(pseudo()));
    }

    #[test]
    fn fill_checksum_recomputes_and_zero_is_none() {
        let mut bytes = DATAGRAM;
        let mut udp = UdpPacket::new_checked(&mut bytes[..]).unwrap();
        udp.set_checksum(0);
        assert!(udp.verify_checksum(pseudo()), "0 means no checksum");
        udp.fill_checksum(pseudo());
        assert_eq!(udp.checksum(), 0x3918);
        udp.set_src_port(1);
        assert!(!udp.verify_checksum(pseudo()));
        udp.set_dst_port(2);
        udp.fill_checksum(pseudo());
        assert!(udp.verify_checksum(pseudo()));
    }

    #[test]
    fn a_computed_zero_is_sent_as_ffff() {
        // Payload chosen so the data sums to 0xffff with this pseudo-header:
        // the checksum would be 0.
        let mut bytes = DATAGRAM;
        let mut udp = UdpPacket::new_checked(&mut bytes[..]).unwrap();
        udp.set_checksum(0);
        let partial = checksum::fold(checksum::combine(pseudo(), checksum::sum(&udp.buffer[..8])));
        let fill = !partial; // makes the total sum 0xffff
        udp.payload_mut().copy_from_slice(&[(fill >> 8) as u8, fill as u8, 0, 0]);
        udp.fill_checksum(pseudo());
        assert_eq!(udp.checksum(), 0xffff);
        assert!(udp.verify_checksum(pseudo()));
    }

    #[test]
    fn check_len_rejects_each_violation() {
        assert_eq!(UdpPacket::new_checked(&DATAGRAM[..7]).unwrap_err(), WireError::Truncated);
        assert_eq!(UdpPacket::new_checked(&DATAGRAM[..11]).unwrap_err(), WireError::Truncated);
        let mut bad = DATAGRAM;
        bad[5] = 7;
        assert_eq!(UdpPacket::new_checked(&bad[..]).unwrap_err(), WireError::Malformed);
    }
}
