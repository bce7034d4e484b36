//! The flow an ICMP error is about: an ICMP error (RFC 792: destination
//! unreachable, time exceeded, parameter problem; RFC 4443: the same and
//! packet too big) quotes the start of the packet that caused it, from its
//! IP header on. A connection tracker lets such an error in when the
//! quoted packet belongs to a flow it tracks ("related" traffic; without it
//! path MTU discovery breaks), and a NAT translates the quote too.
//!
//! The quote must hold the whole quoted IP header and the first 8 bytes
//! after it (RFC 792 guarantees them; RFC 1812 §4.3.2.3 and RFC 4443 quote
//! more): TCP and UDP ports, an ICMP echo identifier. A quote of a fragment
//! other than the first, of an IPv6 packet with extension headers, or one
//! cut short, is not related to anything.

use super::flow_key::{echo_ports, ipv4_mapped, FlowKey};
use crate::wire::{ip_protocol, Headers};

/// ICMPv4 error types (RFC 792): destination unreachable, source quench,
/// time exceeded, parameter problem.
const ICMPV4_ERRORS: [u8; 4] = [3, 4, 11, 12];
/// ICMPv6 error types (RFC 4443 §2.1: 0-127; these four are assigned).
const ICMPV6_ERRORS: [u8; 4] = [1, 2, 3, 4];

/// Offset of the quoted packet within an ICMP error (type, code,
/// checksum, 4 bytes of unused/MTU/pointer).
pub const QUOTE_OFFSET: usize = 8;

/// The packet quoted by an ICMP error, located in the frame.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct QuotedFlow {
    /// The quoted packet's flow as it travelled (its source first).
    pub key: FlowKey,
    /// Where the quoted IP header starts in the frame.
    pub ip_at: usize,
    /// Where the quoted layer 4 starts in the frame.
    pub l4_at: usize,
    /// Quoted layer-4 bytes present (at least 8).
    pub l4_len: usize,
    /// Whether the quoted packet is IPv4.
    pub ipv4: bool,
}

/// Whether the frame is an ICMP or ICMPv6 error message.
#[inline]
pub fn is_icmp_error(headers: &Headers, data: &[u8]) -> bool {
    let Some(icmp_type) = headers.icmp_type(data) else { return false };
    if headers.has_ipv4() {
        ICMPV4_ERRORS.contains(&icmp_type)
    } else {
        ICMPV6_ERRORS.contains(&icmp_type)
    }
}

/// The flow of the packet an ICMP error quotes; `None` if the frame is not
/// an ICMP error or its quote is not usable (see the module documentation).
#[inline]
pub fn quoted_flow(headers: &Headers, data: &[u8]) -> Option<QuotedFlow> {
    if !is_icmp_error(headers, data) {
        return None;
    }
    let ip_at = headers.l4_offset()? + QUOTE_OFFSET;
    // The quote ends where the outer IP packet ends (not at Ethernet padding).
    let end = outer_ip_end(headers, data)?;
    let quote = data.get(ip_at..end)?;
    let first = *quote.first()?;
    let (ipv4, header_len, protocol, src, dst) = match (first >> 4, headers.has_ipv4()) {
        (4, true) => {
            let header_len = usize::from(first & 0x0f) * 4;
            let fixed = quote.get(..20)?;
            let fragment_offset = u16::from_be_bytes([fixed[6], fixed[7]]) & 0x1fff;
            if header_len < 20 || fragment_offset != 0 {
                return None;
            }
            let src = u32::from_be_bytes([fixed[12], fixed[13], fixed[14], fixed[15]]);
            let dst = u32::from_be_bytes([fixed[16], fixed[17], fixed[18], fixed[19]]);
            (true, header_len, fixed[9], ipv4_mapped(src), ipv4_mapped(dst))
        }
        (6, false) => {
            let fixed = quote.get(..40)?;
            let src = u128::from_be_bytes(fixed[8..24].try_into().ok()?);
            let dst = u128::from_be_bytes(fixed[24..40].try_into().ok()?);
            (false, 40, fixed[6], src, dst)
        }
        _ => return None,
    };
    let l4 = quote.get(header_len..)?;
    if l4.len() < 8 {
        return None;
    }
    let (src_port, dst_port) = match protocol {
        ip_protocol::TCP | ip_protocol::UDP => (u16::from_be_bytes([l4[0], l4[1]]), u16::from_be_bytes([l4[2], l4[3]])),
        ip_protocol::ICMP | ip_protocol::ICMPV6 => echo_ports(protocol, l4[0], u16::from_be_bytes([l4[4], l4[5]]))?,
        0 | 43 | 44 | 60 if !ipv4 => return None,
        _ => (0, 0),
    };
    Some(QuotedFlow {
        key: FlowKey { src, dst, src_port, dst_port, protocol },
        ip_at,
        l4_at: ip_at + header_len,
        l4_len: l4.len(),
        ipv4,
    })
}

/// One past the last byte of the outer IP packet (IPv4 total length, IPv6
/// payload length + 40), within the frame.
#[inline]
pub fn outer_ip_end(headers: &Headers, data: &[u8]) -> Option<usize> {
    let l3 = headers.l3_offset()?;
    let length = data.get(l3 + 2..l3 + 6)?;
    let end = if headers.has_ipv4() {
        l3 + usize::from(u16::from_be_bytes([length[0], length[1]]))
    } else {
        l3 + 40 + usize::from(u16::from_be_bytes([length[2], length[3]]))
    };
    Some(end.min(data.len()))
}
