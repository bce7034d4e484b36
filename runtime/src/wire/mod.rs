//! Packet views and the field API generated code uses.
//!
//! The views ([`EthernetFrame`], [`VlanTag`], [`Ipv4Packet`], [`Ipv6Packet`],
//! [`TcpPacket`], [`UdpPacket`], [`IcmpPacket`]) are zero-copy typed wrappers
//! over a byte buffer in the style of smoltcp's `wire`: `new_checked` does
//! the one length/validity check, after which getters and setters cannot
//! fail; `new_unchecked` skips it (its getters panic on a short buffer).
//! [`ipv6_ext`] walks IPv6 extension-header chains within fixed bounds.
//! [`Headers`] is the parse-once result with bounds-checked, never-panicking,
//! checksum-preserving getters and setters that generated network functions
//! and the interpreter use per packet. Router replies built in place:
//! [`arp::answer_request`] (RFC 826) and [`icmp_error_in_place`] (time
//! exceeded, destination unreachable; RFC 792, 1812, 4443).

pub mod arp;
pub mod checksum;
pub mod error;
pub mod ethernet;
pub mod headers;
pub mod icmp;
pub mod icmp_error;
pub mod ipv4;
pub mod ipv6;
pub mod ipv6_ext;
pub mod tcp;
pub mod udp;
pub mod vlan;

pub use arp::ArpPacket;
pub use error::WireError;
pub use ethernet::EthernetFrame;
pub use headers::{Headers, ParseDepth, TtlOutcome};
pub use icmp::IcmpPacket;
pub use icmp_error::{icmp_error_in_place, IcmpError, NoReply, Responder};
pub use ipv4::Ipv4Packet;
pub use ipv6::Ipv6Packet;
pub use tcp::TcpPacket;
pub use udp::UdpPacket;
pub use vlan::VlanTag;

/// IP protocol numbers nfc recognises (IANA "Assigned Internet Protocol
/// Numbers").
pub mod ip_protocol {
    pub const ICMP: u8 = 1;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const ICMPV6: u8 = 58;
}

// Big-endian accessors for the views. They index directly: a view's
// `new_checked` has established that the bytes exist.

#[inline]
fn read_u16(data: &[u8], at: usize) -> u16 {
    u16::from_be_bytes([data[at], data[at + 1]])
}

#[inline]
fn read_u32(data: &[u8], at: usize) -> u32 {
    let mut b = [0; 4];
    b.copy_from_slice(&data[at..at + 4]);
    u32::from_be_bytes(b)
}

#[inline]
fn read_u128(data: &[u8], at: usize) -> u128 {
    let mut b = [0; 16];
    b.copy_from_slice(&data[at..at + 16]);
    u128::from_be_bytes(b)
}

#[inline]
fn write_u16(data: &mut [u8], at: usize, value: u16) {
    data[at..at + 2].copy_from_slice(&value.to_be_bytes());
}

#[inline]
fn write_u32(data: &mut [u8], at: usize, value: u32) {
    data[at..at + 4].copy_from_slice(&value.to_be_bytes());
}

#[inline]
fn write_u128(data: &mut [u8], at: usize, value: u128) {
    data[at..at + 16].copy_from_slice(&value.to_be_bytes());
}
