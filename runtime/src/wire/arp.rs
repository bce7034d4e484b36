//! ARP (RFC 826) for IPv4 over Ethernet: the packet view, and answering a
//! request for one of our addresses in place.

use super::{read_u16, read_u32, write_u16, write_u32, Headers, WireError};

/// Byte ranges of an ARP packet for IPv4 over Ethernet.
pub mod field {
    use core::ops::Range;
    pub const HARDWARE_TYPE: Range<usize> = 0..2;
    pub const PROTOCOL_TYPE: Range<usize> = 2..4;
    pub const HARDWARE_LEN: usize = 4;
    pub const PROTOCOL_LEN: usize = 5;
    pub const OPERATION: Range<usize> = 6..8;
    pub const SENDER_HARDWARE: Range<usize> = 8..14;
    pub const SENDER_PROTOCOL: Range<usize> = 14..18;
    pub const TARGET_HARDWARE: Range<usize> = 18..24;
    pub const TARGET_PROTOCOL: Range<usize> = 24..28;
}

/// Length of an ARP packet for IPv4 over Ethernet.
pub const PACKET_LEN: usize = 28;

/// ARP operation codes (RFC 826 `ar$op`).
pub mod operation {
    pub const REQUEST: u16 = 1;
    pub const REPLY: u16 = 2;
}

const HARDWARE_ETHERNET: u16 = 1;
const PROTOCOL_IPV4: u16 = 0x0800;
const ETHERTYPE_ARP: u16 = 0x0806;

/// A view of an ARP packet (the part after the Ethernet header and tags).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ArpPacket<T: AsRef<[u8]>> {
    buffer: T,
}

impl<T: AsRef<[u8]>> ArpPacket<T> {
    #[inline]
    pub const fn new_unchecked(buffer: T) -> ArpPacket<T> {
        ArpPacket { buffer }
    }

    /// Wraps `buffer` after checking it holds an ARP packet for IPv4 over
    /// Ethernet (`Truncated` when short, `Malformed` for other hardware or
    /// protocol types and lengths).
    #[inline]
    pub fn new_checked(buffer: T) -> Result<ArpPacket<T>, WireError> {
        let packet = Self::new_unchecked(buffer);
        packet.check()?;
        Ok(packet)
    }

    #[inline]
    pub fn check(&self) -> Result<(), WireError> {
        let data = self.buffer.as_ref();
        if data.len() < PACKET_LEN {
            return Err(WireError::Truncated);
        }
        if read_u16(data, field::HARDWARE_TYPE.start) != HARDWARE_ETHERNET
            || read_u16(data, field::PROTOCOL_TYPE.start) != PROTOCOL_IPV4
            || data[field::HARDWARE_LEN] != 6
            || data[field::PROTOCOL_LEN] != 4
        {
            return Err(WireError::Malformed);
        }
        Ok(())
    }

    #[inline]
    pub fn operation(&self) -> u16 {
        read_u16(self.buffer.as_ref(), field::OPERATION.start)
    }

    #[inline]
    pub fn sender_hardware(&self) -> u64 {
        read_mac(self.buffer.as_ref(), field::SENDER_HARDWARE.start)
    }

    #[inline]
    pub fn sender_protocol(&self) -> u32 {
        read_u32(self.buffer.as_ref(), field::SENDER_PROTOCOL.start)
    }

    #[inline]
    pub fn target_hardware(&self) -> u64 {
        read_mac(self.buffer.as_ref(), field::TARGET_HARDWARE.start)
    }

    #[inline]
    pub fn target_protocol(&self) -> u32 {
        read_u32(self.buffer.as_ref(), field::TARGET_PROTOCOL.start)
    }
}

impl<T: AsRef<[u8]> + AsMut<[u8]>> ArpPacket<T> {
    #[inline]
    pub fn set_operation(&mut self, value: u16) {
        write_u16(self.buffer.as_mut(), field::OPERATION.start, value);
    }

    #[inline]
    pub fn set_sender_hardware(&mut self, mac: u64) {
        write_mac(self.buffer.as_mut(), field::SENDER_HARDWARE.start, mac);
    }

    #[inline]
    pub fn set_sender_protocol(&mut self, address: u32) {
        write_u32(self.buffer.as_mut(), field::SENDER_PROTOCOL.start, address);
    }

    #[inline]
    pub fn set_target_hardware(&mut self, mac: u64) {
        write_mac(self.buffer.as_mut(), field::TARGET_HARDWARE.start, mac);
    }

    #[inline]
    pub fn set_target_protocol(&mut self, address: u32) {
        write_u32(self.buffer.as_mut(), field::TARGET_PROTOCOL.start, address);
    }
}

#[inline]
fn read_mac(data: &[u8], at: usize) -> u64 {
    data[at..at + 6].iter().fold(0, |acc, &b| (acc << 8) | u64::from(b))
}

#[inline]
fn write_mac(data: &mut [u8], at: usize, mac: u64) {
    data[at..at + 6].copy_from_slice(&mac.to_be_bytes()[2..]);
}

/// Turns an ARP request for one of our addresses into its reply, in place
/// (RFC 826, "Packet Reception": the sender becomes the target, our MAC
/// and the requested address the sender, the operation reply), addressed
/// to the requester's MAC from `our_mac(target)`, VLAN tags kept. The
/// caller sends the frame back out of the port it came in on.
///
/// `our_mac(address)` names the MAC we answer with for an address of ours,
/// `None` for any other. Returns the address answered for, or `None` (frame
/// unchanged) when the frame is not an Ethernet/IPv4 ARP request for one of
/// ours, when the sender's MAC is a group address (no station sends from
/// one), or when it is a gratuitous ARP (sender address = target address:
/// an announcement, not a question).
#[inline]
pub fn answer_request(headers: &Headers, data: &mut [u8], our_mac: impl Fn(u32) -> Option<u64>) -> Option<u32> {
    if headers.eth_type(data) != Some(ETHERTYPE_ARP) {
        return None;
    }
    let at = 14 + 4 * headers.vlan_count();
    let mut arp = ArpPacket::new_checked(data.get_mut(at..)?).ok()?;
    let (sender_mac, sender, target) = (arp.sender_hardware(), arp.sender_protocol(), arp.target_protocol());
    if arp.operation() != operation::REQUEST || sender_mac & (1 << 40) != 0 || sender == target {
        return None;
    }
    let mac = our_mac(target)?;
    arp.set_operation(operation::REPLY);
    arp.set_target_hardware(sender_mac);
    arp.set_target_protocol(sender);
    arp.set_sender_hardware(mac);
    arp.set_sender_protocol(target);
    headers.set_eth_dst(data, sender_mac);
    headers.set_eth_src(data, mac);
    Some(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_types_and_length() {
        let mut good = [0u8; 28];
        good[..8].copy_from_slice(&[0, 1, 8, 0, 6, 4, 0, 1]);
        assert!(ArpPacket::new_checked(&good[..]).is_ok());
        assert_eq!(ArpPacket::new_checked(&good[..27]).unwrap_err(), WireError::Truncated);
        good[5] = 16;
        assert_eq!(ArpPacket::new_checked(&good[..]).unwrap_err(), WireError::Malformed);
    }
}
