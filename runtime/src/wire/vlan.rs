//! IEEE 802.1Q tag. The tag's TPID (`0x8100`, or `0x88a8` for an 802.1ad
//! S-tag) sits where the EtherType would be, so this view starts right after
//! it: the 2-byte Tag Control Information, then the encapsulated type field.

use super::{read_u16, write_u16, WireError};

/// Byte ranges of a VLAN tag after its TPID.
pub mod field {
    use core::ops::Range;
    /// PCP (3 bits), DEI (1 bit), VID (12 bits).
    pub const TCI: Range<usize> = 0..2;
    pub const ETHERTYPE: Range<usize> = 2..4;
    pub const PAYLOAD: usize = 4;
}

/// Bytes a tag adds to a frame (TPID + TCI).
pub const TAG_LEN: usize = 4;
/// Length of this view's header (TCI + encapsulated type).
pub const HEADER_LEN: usize = field::PAYLOAD;

/// A view of the TCI and encapsulated type of an 802.1Q tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VlanTag<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> VlanTag<T> {
    #[inline]
    pub const fn new_unchecked(buffer: T) -> VlanTag<T> {
        VlanTag { buffer }
    }

    #[inline]
    pub fn new_checked(buffer: T) -> Result<VlanTag<T>, WireError> {
        let tag = Self::new_unchecked(buffer);
        tag.check_len()?;
        Ok(tag)
    }

    /// `Truncated` if the buffer is shorter than 4 bytes.
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
    fn tci(&self) -> u16 {
        read_u16(self.buffer.as_ref(), field::TCI.start)
    }

    /// Priority code point (802.1p class), 0..=7.
    #[inline]
    pub fn pcp(&self) -> u8 {
        (self.tci() >> 13) as u8
    }

    /// Drop eligible indicator.
    #[inline]
    pub fn dei(&self) -> bool {
        self.tci() & 0x1000 != 0
    }

    /// VLAN identifier, 0..=4095.
    #[inline]
    pub fn vid(&self) -> u16 {
        self.tci() & 0x0fff
    }

    /// The type of what follows the tag (an EtherType or another TPID).
    #[inline]
    pub fn ethertype(&self) -> u16 {
        read_u16(self.buffer.as_ref(), field::ETHERTYPE.start)
    }

    #[inline]
    pub fn payload(&self) -> &[u8] {
        &self.buffer.as_ref()[field::PAYLOAD..]
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> VlanTag<T> {
    #[inline]
    fn set_tci(&mut self, tci: u16) {
        write_u16(self.buffer.as_mut(), field::TCI.start, tci);
    }

    /// Sets the priority (masked to 3 bits).
    #[inline]
    pub fn set_pcp(&mut self, pcp: u8) {
        self.set_tci((self.tci() & 0x1fff) | (u16::from(pcp & 0x07) << 13));
    }

    #[inline]
    pub fn set_dei(&mut self, dei: bool) {
        self.set_tci((self.tci() & !0x1000) | (u16::from(dei) << 12));
    }

    /// Sets the VLAN identifier (masked to 12 bits).
    #[inline]
    pub fn set_vid(&mut self, vid: u16) {
        self.set_tci((self.tci() & 0xf000) | (vid & 0x0fff));
    }

    #[inline]
    pub fn set_ethertype(&mut self, value: u16) {
        write_u16(self.buffer.as_mut(), field::ETHERTYPE.start, value);
    }

    #[inline]
    pub fn payload_mut(&mut self) -> &mut [u8] {
        &mut self.buffer.as_mut()[field::PAYLOAD..]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // PCP 5, DEI 1, VID 0x123, then IPv4.
    const TAG: [u8; 5] = [0xb1, 0x23, 0x08, 0x00, 0x45];

    #[test]
    fn reads_fields() {
        let tag = VlanTag::new_checked(&TAG[..]).unwrap();
        assert_eq!(tag.pcp(), 5);
        assert!(tag.dei());
        assert_eq!(tag.vid(), 0x123);
        assert_eq!(tag.ethertype(), 0x0800);
        assert_eq!(tag.payload(), &[0x45]);
    }

    #[test]
    fn writes_fields_without_disturbing_neighbours() {
        let mut bytes = TAG;
        let mut tag = VlanTag::new_checked(&mut bytes[..]).unwrap();
        tag.set_vid(0xfff);
        assert_eq!((tag.pcp(), tag.dei(), tag.vid()), (5, true, 0xfff));
        tag.set_pcp(0xff);
        assert_eq!((tag.pcp(), tag.dei(), tag.vid()), (7, true, 0xfff));
        tag.set_dei(false);
        tag.set_vid(0x1002);
        tag.set_ethertype(0x86dd);
        assert_eq!(bytes, [0xe0, 0x02, 0x86, 0xdd, 0x45]);
    }

    #[test]
    fn rejects_short_buffers() {
        assert_eq!(VlanTag::new_checked(&TAG[..3]).unwrap_err(), WireError::Truncated);
    }
}
