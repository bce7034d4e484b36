//! Turning a packet a router cannot deliver into the ICMP error that tells
//! its sender, in place, to be sent back out of the input port: time
//! exceeded when its TTL / hop limit runs out, destination unreachable when
//! there is no route (RFC 792, RFC 1812 §4.3, RFC 4443).
//!
//! The new frame: Ethernet back to the sender's MAC from ours (VLAN tags
//! kept: the same VLAN), a fresh IP header from our address to the
//! packet's source, the ICMP header, and the original IP packet from its
//! header on, cut so the whole IP datagram is at most 576 bytes for IPv4
//! (RFC 1812 §4.3.2.3: as much as fits) and 1280 for IPv6 (RFC 4443 §2.4
//! (c): the minimum MTU). Ethernet padding of the original is not quoted.
//! IPv4: TTL 64, precedence 6 (internetwork control, RFC 1812 §4.3.2.5),
//! identification 0, no options. IPv6: hop limit 64, traffic class 0.
//! Checksums are computed in full (a new header, not an update).
//!
//! No error is sent (RFC 1812 §4.3.2.7, RFC 4443 §2.4 (e)) about:
//! - an ICMP error (ICMPv4 types 3, 4, 5, 11, 12; ICMPv6 types below 128,
//!   behind extension headers too), nor about a packet whose upper-layer
//!   header cannot be seen (a broken IPv6 extension-header chain, a first
//!   fragment too short to hold it): it might be one;
//! - a packet sent to a link-layer group address (broadcast, multicast) or
//!   to an IP multicast or limited-broadcast address;
//! - a fragment other than the first (`Headers::ip_frag`: IPv4 fragment
//!   offset, or the IPv6 Fragment header's);
//! - a packet whose source is not a single host: IPv4 0/8, 127/8, 224/4,
//!   240/4 (limited broadcast included); IPv6 `::`, `::1`, `ff00::/8`; or a
//!   group source MAC.

use super::ipv6_ext::frag;
use super::{checksum, ip_protocol, Headers};
use crate::frame::Frame;

/// Which error to send.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum IcmpError {
    /// TTL / hop limit exceeded in transit (ICMPv4 11/0, ICMPv6 3/0).
    TimeExceeded,
    /// No route to the network (ICMPv4 3/0, ICMPv6 1/0).
    NetUnreachable,
    /// The host cannot be reached (ICMPv4 3/1, ICMPv6 1/3 address unreachable).
    HostUnreachable,
    /// No listener on the port (ICMPv4 3/3, ICMPv6 1/4).
    PortUnreachable,
    /// Administratively prohibited (ICMPv4 3/13, ICMPv6 1/1).
    AdminProhibited,
}

impl IcmpError {
    /// (type, code) for ICMPv4.
    pub const fn v4(self) -> (u8, u8) {
        match self {
            IcmpError::TimeExceeded => (11, 0),
            IcmpError::NetUnreachable => (3, 0),
            IcmpError::HostUnreachable => (3, 1),
            IcmpError::PortUnreachable => (3, 3),
            IcmpError::AdminProhibited => (3, 13),
        }
    }

    /// (type, code) for ICMPv6.
    pub const fn v6(self) -> (u8, u8) {
        match self {
            IcmpError::TimeExceeded => (3, 0),
            IcmpError::NetUnreachable => (1, 0),
            IcmpError::HostUnreachable => (1, 3),
            IcmpError::PortUnreachable => (1, 4),
            IcmpError::AdminProhibited => (1, 1),
        }
    }
}

/// The router's own addresses on the port the packet came in on: the
/// source of the error. An address of 0 (`::` for IPv6) means the router
/// has none of that family there, and sends no error for it.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Responder {
    pub mac: u64,
    pub ipv4: u32,
    pub ipv6: u128,
}

/// Why no error was made (the frame is unchanged).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NoReply {
    /// Not IPv4 or IPv6 (or the frame is shorter than its headers).
    NotIp,
    /// About an ICMP error, or possibly one (its upper layer cannot be seen).
    AboutAnError,
    /// Sent to a link-layer or IP group address.
    ToGroup,
    /// A fragment other than the first.
    NonFirstFragment,
    /// The source is not a single host.
    InvalidSource,
    /// The responder has no address of the packet's family.
    NoAddress,
    /// The frame's buffer cannot hold the error.
    NoRoom,
}

/// Most bytes of an IPv4 ICMP error datagram (RFC 1812 §4.3.2.3).
pub const IPV4_ERROR_MAX: usize = 576;
/// Most bytes of an IPv6 ICMP error packet (RFC 4443 §2.4 (c)).
pub const IPV6_ERROR_MAX: usize = 1280;

const IPV4_HEADER: usize = 20;
const IPV6_HEADER: usize = 40;
const ICMP_HEADER: usize = 8;

/// Rewrites `frame` (parsed as `headers`) into `error` from `responder`
/// to the packet's source; see the module documentation. On `Err` the
/// frame is unchanged.
pub fn icmp_error_in_place(
    frame: &mut Frame<'_>,
    headers: &Headers,
    error: IcmpError,
    responder: &Responder,
) -> Result<(), NoReply> {
    let data = frame.data();
    let l3 = headers.l3_offset().ok_or(NoReply::NotIp)?;
    if headers.eth_dst(data).is_none_or(is_group_mac) {
        return Err(NoReply::ToGroup);
    }
    if headers.eth_src(data).is_none_or(is_group_mac) {
        return Err(NoReply::InvalidSource);
    }
    let ip = data.get(l3..).ok_or(NoReply::NotIp)?;
    let fixed_len = if headers.has_ipv4() { IPV4_HEADER } else { IPV6_HEADER };
    if ip.len() < fixed_len {
        return Err(NoReply::NotIp);
    }
    // The fixed headers below are there (just checked); taking them as
    // arrays lets the compiler see every read in bounds.
    if headers.has_ipv4() {
        let header = ip.first_chunk::<IPV4_HEADER>().ok_or(NoReply::NotIp)?;
        let (src, dst) = (headers.ipv4_src(data).ok_or(NoReply::NotIp)?, headers.ipv4_dst(data).ok_or(NoReply::NotIp)?);
        if dst >> 28 == 0xe || dst == u32::MAX {
            return Err(NoReply::ToGroup);
        }
        if matches!(src >> 24, 0 | 127) || src >> 28 >= 0xe {
            return Err(NoReply::InvalidSource);
        }
        if headers.ip_frag(data) == Some(frag::LATER) {
            return Err(NoReply::NonFirstFragment);
        }
        if header[9] == ip_protocol::ICMP && headers.icmp_type(data).is_none_or(|t| matches!(t, 3 | 4 | 5 | 11 | 12)) {
            return Err(NoReply::AboutAnError);
        }
        if responder.ipv4 == 0 {
            return Err(NoReply::NoAddress);
        }
        let total = usize::from(u16::from_be_bytes([header[2], header[3]])).min(ip.len());
        let quote = total.min(IPV4_ERROR_MAX - IPV4_HEADER - ICMP_HEADER);
        build(frame, l3, quote, IPV4_HEADER, responder.mac)?;
        fill_ipv4(frame.data_mut(), l3, quote, responder.ipv4, src, error.v4());
    } else {
        let header = ip.first_chunk::<IPV6_HEADER>().ok_or(NoReply::NotIp)?;
        let (src, dst) = (headers.ipv6_src(data).ok_or(NoReply::NotIp)?, headers.ipv6_dst(data).ok_or(NoReply::NotIp)?);
        if dst >> 120 == 0xff {
            return Err(NoReply::ToGroup);
        }
        if src == 0 || src == 1 || src >> 120 == 0xff {
            return Err(NoReply::InvalidSource);
        }
        match headers.ip_frag(data) {
            Some(frag::LATER) => return Err(NoReply::NonFirstFragment),
            // The upper layer is not (all) there: it might be an ICMPv6 error.
            Some(frag::TINY) => return Err(NoReply::AboutAnError),
            _ => {}
        }
        match headers.ip_proto(data) {
            None => return Err(NoReply::AboutAnError),
            Some(ip_protocol::ICMPV6) if headers.icmp_type(data).is_none_or(|t| t < 128) => {
                return Err(NoReply::AboutAnError);
            }
            _ => {}
        }
        if responder.ipv6 == 0 {
            return Err(NoReply::NoAddress);
        }
        let total = (IPV6_HEADER + usize::from(u16::from_be_bytes([header[4], header[5]]))).min(ip.len());
        let quote = total.min(IPV6_ERROR_MAX - IPV6_HEADER - ICMP_HEADER);
        build(frame, l3, quote, IPV6_HEADER, responder.mac)?;
        fill_ipv6(frame.data_mut(), l3, quote, responder.ipv6, src, error.v6());
    }
    Ok(())
}

#[inline]
const fn is_group_mac(mac: u64) -> bool {
    mac & (1 << 40) != 0
}

/// Cuts the original to `quote` bytes of IP, opens room for the new IP and
/// ICMP headers before it and readdresses the Ethernet header. Unchanged
/// frame on `NoRoom`.
fn build(frame: &mut Frame<'_>, l3: usize, quote: usize, ip_header: usize, mac: u64) -> Result<(), NoReply> {
    let needed = l3 + ip_header + ICMP_HEADER + quote;
    if needed > frame.capacity() {
        return Err(NoReply::NoRoom);
    }
    frame.truncate(l3 + quote);
    frame.insert_gap(l3, ip_header + ICMP_HEADER).map_err(|_| NoReply::NoRoom)?;
    // The frame keeps its Ethernet header (`l3` is past it).
    if let Some(addresses) = frame.data_mut().first_chunk_mut::<12>() {
        let (dst, src) = addresses.split_at_mut(6);
        dst.copy_from_slice(src);
        src.copy_from_slice(&mac.to_be_bytes()[2..]);
    }
    Ok(())
}

fn fill_ipv4(data: &mut [u8], l3: usize, quote: usize, src: u32, dst: u32, (kind, code): (u8, u8)) {
    let total = (IPV4_HEADER + ICMP_HEADER + quote) as u16;
    // `build` made room for both headers after `l3`: never `None`.
    let Some((ip, icmp)) = data.get_mut(l3..).and_then(|d| d.split_first_chunk_mut::<IPV4_HEADER>()) else { return };
    ip[..12].copy_from_slice(&[0x45, 0xc0, (total >> 8) as u8, total as u8, 0, 0, 0, 0, 64, ip_protocol::ICMP, 0, 0]);
    ip[12..16].copy_from_slice(&src.to_be_bytes());
    ip[16..20].copy_from_slice(&dst.to_be_bytes());
    let sum = checksum::checksum(ip);
    ip[10..12].copy_from_slice(&sum.to_be_bytes());
    fill_icmp(icmp, 0, kind, code);
}

/// Writes the ICMP header at the start of `icmp` (the message to its end)
/// and its checksum, starting from the pseudo-header sum `pseudo`.
fn fill_icmp(icmp: &mut [u8], pseudo: u32, kind: u8, code: u8) {
    let Some(header) = icmp.first_chunk_mut::<ICMP_HEADER>() else { return };
    *header = [kind, code, 0, 0, 0, 0, 0, 0];
    let sum = checksum::checksum_with(pseudo, icmp);
    if let Some(header) = icmp.first_chunk_mut::<ICMP_HEADER>() {
        header[2..4].copy_from_slice(&sum.to_be_bytes());
    }
}

fn fill_ipv6(data: &mut [u8], l3: usize, quote: usize, src: u128, dst: u128, (kind, code): (u8, u8)) {
    let payload = (ICMP_HEADER + quote) as u16;
    let Some((ip, icmp)) = data.get_mut(l3..).and_then(|d| d.split_first_chunk_mut::<IPV6_HEADER>()) else { return };
    ip[..8].copy_from_slice(&[0x60, 0, 0, 0, (payload >> 8) as u8, payload as u8, ip_protocol::ICMPV6, 64]);
    ip[8..24].copy_from_slice(&src.to_be_bytes());
    ip[24..40].copy_from_slice(&dst.to_be_bytes());
    let pseudo = checksum::pseudo_header_ipv6(src, dst, ip_protocol::ICMPV6, u32::from(payload));
    fill_icmp(icmp, pseudo, kind, code);
}
