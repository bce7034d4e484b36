//! The 5-tuple that names a flow: addresses, protocol, ports, for IPv4 and
//! IPv6 alike, and its symmetric form (both directions of a connection map
//! to one key).
//!
//! What counts as the "ports" ([`FlowKey::from_headers`]):
//! - TCP and UDP: source and destination port.
//! - ICMP and ICMPv6 echo request and reply (types 8/0 and 128/129): the
//!   identifier (RFC 5508's "query identifier") as the source port of a
//!   request and the destination port of a reply, the other port 0: a reply
//!   is its request's reverse, while a request the other way is another flow.
//! - Any other protocol (GRE, ESP, SCTP...): ports 0, a flow per address
//!   pair and protocol. The protocol is the upper layer's: over IPv6 the one
//!   that ends the extension-header chain `Headers` walked.
//! - No key at all (`None`) when the ports cannot be read: ICMP messages
//!   other than echo (errors are matched through the packet they quote),
//!   TCP/UDP/ICMP without a parsed layer 4 (an IPv4 fragment other than the
//!   first, a truncated header), IPv6 packets whose extension-header chain
//!   `Headers` found broken, and non-IP frames. The
//!   caller decides: the stateful firewall drops such packets inbound and
//!   passes them outbound without state; fragments are not reassembled.
//!
//! IPv4 addresses are stored IPv4-mapped (`::ffff:a.b.c.d`, RFC 4291
//! §2.5.5.2), so an IPv4 flow and an IPv6 flow never share a key.

use super::{KeyHasher, TableKey};
use crate::wire::{ip_protocol, Headers};

/// A flow's 5-tuple. `Default` is all zeros (no real flow).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub struct FlowKey {
    pub src: u128,
    pub dst: u128,
    pub src_port: u16,
    pub dst_port: u16,
    pub protocol: u8,
}

/// The prefix of an IPv4-mapped IPv6 address.
const IPV4_MAPPED: u128 = 0xffff << 32;

const ICMP_ECHO_REPLY: u8 = 0;
const ICMP_ECHO_REQUEST: u8 = 8;
const ICMPV6_ECHO_REQUEST: u8 = 128;
const ICMPV6_ECHO_REPLY: u8 = 129;

/// The IPv4-mapped form of an IPv4 address.
#[inline]
pub const fn ipv4_mapped(address: u32) -> u128 {
    IPV4_MAPPED | address as u128
}

/// The IPv4 address inside an IPv4-mapped one.
#[inline]
pub const fn ipv4_of(mapped: u128) -> Option<u32> {
    if mapped >> 32 == IPV4_MAPPED >> 32 {
        Some(mapped as u32)
    } else {
        None
    }
}

/// Whether an ICMP (v4 or v6) type is an echo request or reply, the
/// messages with an identifier that names their flow.
#[inline]
pub fn is_icmp_echo(protocol: u8, icmp_type: u8) -> bool {
    match protocol {
        ip_protocol::ICMP => icmp_type == ICMP_ECHO_REQUEST || icmp_type == ICMP_ECHO_REPLY,
        ip_protocol::ICMPV6 => icmp_type == ICMPV6_ECHO_REQUEST || icmp_type == ICMPV6_ECHO_REPLY,
        _ => false,
    }
}

/// The ports of an ICMP echo message with identifier `id`: `(id, 0)` for a
/// request, `(0, id)` for a reply; `None` for other messages.
#[inline]
pub fn echo_ports(protocol: u8, icmp_type: u8, id: u16) -> Option<(u16, u16)> {
    match (protocol, icmp_type) {
        (ip_protocol::ICMP, ICMP_ECHO_REQUEST) | (ip_protocol::ICMPV6, ICMPV6_ECHO_REQUEST) => Some((id, 0)),
        (ip_protocol::ICMP, ICMP_ECHO_REPLY) | (ip_protocol::ICMPV6, ICMPV6_ECHO_REPLY) => Some((0, id)),
        _ => None,
    }
}

/// The identifier of an ICMP echo message (bytes 4-5 of the message), when
/// the frame holds it.
#[inline]
pub fn icmp_echo_id(headers: &Headers, data: &[u8]) -> Option<u16> {
    let at = headers.l4_offset()? + 4;
    let bytes = data.get(at..at + 2)?;
    Some(u16::from_be_bytes([bytes[0], bytes[1]]))
}

impl FlowKey {
    /// An IPv4 flow.
    #[inline]
    pub const fn ipv4(src: u32, dst: u32, protocol: u8, src_port: u16, dst_port: u16) -> FlowKey {
        FlowKey { src: ipv4_mapped(src), dst: ipv4_mapped(dst), src_port, dst_port, protocol }
    }

    /// The flow a parsed frame belongs to, as it travels (source first);
    /// `None` when it has none (see the module documentation). Reads the
    /// addresses and ports at the offsets `headers` found, each once.
    #[inline]
    pub fn from_headers(headers: &Headers, data: &[u8]) -> Option<FlowKey> {
        let l3 = headers.l3_offset()?;
        // The upper-layer protocol (over IPv6, past the extension headers).
        let protocol = headers.ip_proto(data)?;
        let (src, dst) = if headers.has_ipv4() {
            let ip = data.get(l3..)?.first_chunk::<20>()?;
            let src = u32::from_be_bytes([ip[12], ip[13], ip[14], ip[15]]);
            let dst = u32::from_be_bytes([ip[16], ip[17], ip[18], ip[19]]);
            (ipv4_mapped(src), ipv4_mapped(dst))
        } else {
            let ip = data.get(l3..)?.first_chunk::<40>()?;
            (u128::from_be_bytes(*ip[8..].first_chunk::<16>()?), u128::from_be_bytes(*ip[24..].first_chunk::<16>()?))
        };
        let (src_port, dst_port) = match protocol {
            ip_protocol::TCP | ip_protocol::UDP => {
                if !headers.has_tcp() && !headers.has_udp() {
                    return None;
                }
                let ports = data.get(headers.l4_offset()?..)?.first_chunk::<4>()?;
                (u16::from_be_bytes([ports[0], ports[1]]), u16::from_be_bytes([ports[2], ports[3]]))
            }
            ip_protocol::ICMP | ip_protocol::ICMPV6 => {
                if !headers.has_icmp() {
                    return None;
                }
                let icmp = data.get(headers.l4_offset()?..)?.first_chunk::<6>()?;
                echo_ports(protocol, icmp[0], u16::from_be_bytes([icmp[4], icmp[5]]))?
            }
            _ => (0, 0),
        };
        Some(FlowKey { src, dst, src_port, dst_port, protocol })
    }

    /// The other direction of the same flow.
    #[inline]
    #[must_use]
    pub const fn reversed(&self) -> FlowKey {
        FlowKey {
            src: self.dst,
            dst: self.src,
            src_port: self.dst_port,
            dst_port: self.src_port,
            protocol: self.protocol,
        }
    }

    /// The form both directions share (the lower address and port as
    /// source), and whether this key was reversed to get it.
    #[inline]
    pub fn symmetric(&self) -> (FlowKey, bool) {
        if (self.src, self.src_port) <= (self.dst, self.dst_port) {
            (*self, false)
        } else {
            (self.reversed(), true)
        }
    }

    /// Whether both addresses are IPv4.
    #[inline]
    pub fn is_ipv4(&self) -> bool {
        ipv4_of(self.src).is_some() && ipv4_of(self.dst).is_some()
    }
}

impl TableKey for FlowKey {
    #[inline]
    fn hash_with(&self, seed: u64) -> u64 {
        let ports = (u64::from(self.src_port) << 32) | (u64::from(self.dst_port) << 16) | u64::from(self.protocol);
        KeyHasher::new(seed)
            .word(self.src as u64)
            .word((self.src >> 64) as u64)
            .word(self.dst as u64)
            .word((self.dst >> 64) as u64)
            .word(ports)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_keys_meet_in_the_middle() {
        let a = FlowKey::ipv4(0x0a00_0001, 0x0a00_0002, 6, 40000, 80);
        let (canonical, swapped) = a.symmetric();
        let (back, back_swapped) = a.reversed().symmetric();
        assert_eq!(canonical, back);
        assert_ne!(swapped, back_swapped);
        // Same addresses, ports decide.
        let b = FlowKey::ipv4(1, 1, 17, 9, 5);
        assert_eq!(b.symmetric(), (b.reversed(), true));
    }

    #[test]
    fn ipv4_mapping_round_trips() {
        assert_eq!(ipv4_of(ipv4_mapped(0xc0a8_0001)), Some(0xc0a8_0001));
        assert_eq!(ipv4_of(1), None);
        assert!(FlowKey::ipv4(1, 2, 6, 3, 4).is_ipv4());
    }
}
