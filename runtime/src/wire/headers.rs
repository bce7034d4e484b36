//! `Headers`: where each layer of a frame starts, found once on arrival, and
//! the field getters and checksum-preserving setters generated code uses.
//!
//! # What `parse` recognises
//!
//! `Headers::parse(data)` never fails and never panics; a layer that is absent,
//! truncated or malformed is simply not present, and nothing above it is parsed.
//!
//! - **Ethernet** needs 14 bytes (destination, source, EtherType).
//! - **VLAN tags**: up to two tags are skipped. A tag is recognised when the
//!   EtherType/TPID field holds `0x8100` (802.1Q C-tag) or `0x88a8` (802.1ad
//!   S-tag, normally the outer one; both TPIDs are accepted at both positions
//!   because real QinQ gear uses `0x8100/0x8100` too) and its 4 bytes (TPID +
//!   TCI) plus the next 2-byte type field fit in the frame. `vlan_id` and
//!   `vlan_pcp` read the **outermost** tag. A truncated tag is not a tag: the
//!   frame is Ethernet only, with `eth_type` = that TPID. A **third** tag is not
//!   skipped: `eth_type` is then its TPID (`0x8100`/`0x88a8`) and no IP layer is
//!   parsed. `eth_type` is the EtherType after the skipped tags.
//! - **IPv4** (EtherType `0x0800`) needs version 4, IHL >= 5, IHL*4 bytes
//!   available, and total length >= IHL*4 and <= the bytes available after the
//!   Ethernet/VLAN headers. Options (IHL > 5) are skipped. Layer 4 is parsed
//!   only in a first fragment (fragment offset 0; the MF bit may be set) and
//!   only within the total length (bytes after it are Ethernet padding).
//! - **IPv6** (EtherType `0x86dd`) needs version 6 and the 40-byte fixed
//!   header; the payload length is not required to match the frame. Layer 4 is
//!   the next header directly (extension headers are not walked, so a packet
//!   with them has no layer 4), and must fit within both the payload length and
//!   the bytes available.
//! - **TCP** (protocol 6) needs data offset >= 5 and the whole header
//!   (options included); **UDP** (17) needs 8 bytes; **ICMP** needs 4 bytes
//!   (type, code, checksum) and is protocol 1 over IPv4, 58 (ICMPv6) over IPv6.
//!
//! # Setters
//!
//! A setter writes only inside the headers `parse` established, after one
//! check that `data` is at least that long, so it never panics even when given
//! a different slice; it returns false and writes nothing when the layer is
//! absent. Values wider than the field are masked to its width (`vlan_id` 12
//! bits, `vlan_pcp` 3, `ip_dscp` 6, MAC addresses 48). Checksums are updated
//! incrementally (RFC 1624): the IPv4 header checksum for IPv4 fields, the
//! TCP/UDP checksum for ports and (through the pseudo-header) addresses, the
//! ICMPv6 checksum for IPv6 addresses. ICMPv4 has no pseudo-header, so IPv4
//! address changes leave it alone. A UDP checksum of 0 means "none" (always
//! allowed over IPv4, RFC 6935 tunnels over IPv6) and stays 0; a computed UDP
//! checksum of 0 is stored as its equivalent `0xffff` (RFC 768).

use super::checksum;
use crate::frame::Frame;

/// What `decrement_ttl` did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TtlOutcome {
    /// The TTL / hop limit was decremented (and the IPv4 checksum updated).
    Decremented,
    /// The TTL / hop limit was 0 or 1: the packet must be dropped; nothing
    /// was written.
    Expired,
    /// The frame has no IPv4 or IPv6 header; nothing was written.
    NotIp,
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const TPID_CTAG: u16 = 0x8100;
const TPID_STAG: u16 = 0x88a8;
const PROTO_ICMP: u8 = 1;
const PROTO_TCP: u8 = 6;
const PROTO_UDP: u8 = 17;
const PROTO_ICMPV6: u8 = 58;

/// The most VLAN tags `parse` skips.
pub const MAX_VLAN_TAGS: usize = 2;

const ETH_LEN: usize = 14;
const VLAN_TAG_LEN: usize = 4;
const IPV4_MIN_LEN: usize = 20;
const IPV6_LEN: usize = 40;
const TCP_MIN_LEN: usize = 20;
const UDP_LEN: usize = 8;
const ICMP_MIN_LEN: usize = 4;

// Layer bits.
const ETH: u8 = 1 << 0;
const IPV4: u8 = 1 << 1;
const IPV6: u8 = 1 << 2;
const TCP: u8 = 1 << 3;
const UDP: u8 = 1 << 4;
const ICMP: u8 = 1 << 5;

/// Offsets of the layers of one frame, from [`Headers::parse`].
///
/// Offsets are bytes from the start of the frame and always small (the
/// deepest header byte is below 22 + 60 + 60), so they are stored as `u8`
/// and the whole struct is 8 bytes. `Default` is a frame with no layers.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Headers {
    layers: u8,
    vlans: u8,
    /// Start of the IP header (right after the type field); 0 without Ethernet.
    l3: u8,
    /// Start of the TCP/UDP/ICMP header; 0 without one.
    l4: u8,
    /// One past the last byte any getter or setter touches: the single bound
    /// setters check.
    end: u8,
    eth_type: u16,
}

#[inline]
fn read<const N: usize>(data: &[u8], at: usize) -> Option<[u8; N]> {
    data.get(at..)?.first_chunk::<N>().copied()
}

#[inline]
fn be16(data: &[u8], at: usize) -> Option<u16> {
    read::<2>(data, at).map(u16::from_be_bytes)
}

#[inline]
fn be32(data: &[u8], at: usize) -> Option<u32> {
    read::<4>(data, at).map(u32::from_be_bytes)
}

#[inline]
fn be128(data: &[u8], at: usize) -> Option<u128> {
    read::<16>(data, at).map(u128::from_be_bytes)
}

#[inline]
fn byte(data: &[u8], at: usize) -> Option<u8> {
    data.get(at).copied()
}

#[inline]
fn write<const N: usize>(data: &mut [u8], at: usize, bytes: [u8; N]) {
    if let Some(slot) = data.get_mut(at..).and_then(|d| d.first_chunk_mut::<N>()) {
        *slot = bytes;
    }
}

/// Applies an RFC 1624 update to the 16-bit checksum at `at`. For UDP a
/// stored 0 (no checksum) stays 0 and a result of 0 becomes `0xffff`.
#[inline]
fn update_checksum(data: &mut [u8], at: usize, udp: bool, update: impl FnOnce(u16) -> u16) {
    if let Some(old) = be16(data, at) {
        if udp && old == 0 {
            return;
        }
        let mut new = update(old);
        if udp && new == 0 {
            new = 0xffff;
        }
        write(data, at, new.to_be_bytes());
    }
}

impl Headers {
    /// Finds the layers of `data` (see the module documentation for the rules).
    #[inline]
    pub fn parse(data: &[u8]) -> Headers {
        let mut headers = Headers::default();
        let Some(mut eth_type) = be16(data, 12) else {
            return headers;
        };
        headers.layers = ETH;
        let mut l3 = ETH_LEN;
        let mut vlans = 0u8;
        while usize::from(vlans) < MAX_VLAN_TAGS && (eth_type == TPID_CTAG || eth_type == TPID_STAG) {
            // The inner type field follows the 2-byte TCI.
            let Some(inner) = be16(data, l3 + 2) else { break };
            eth_type = inner;
            l3 += VLAN_TAG_LEN;
            vlans += 1;
        }
        headers.vlans = vlans;
        headers.eth_type = eth_type;
        headers.l3 = l3 as u8;
        headers.end = l3 as u8;
        match eth_type {
            ETHERTYPE_IPV4 => headers.parse_ipv4(data, l3),
            ETHERTYPE_IPV6 => headers.parse_ipv6(data, l3),
            _ => {}
        }
        headers
    }

    #[inline]
    fn parse_ipv4(&mut self, data: &[u8], l3: usize) {
        let Some(ip) = data.get(l3..) else { return };
        let Some(fixed) = ip.first_chunk::<IPV4_MIN_LEN>() else { return };
        let header_len = usize::from(fixed[0] & 0x0f) * 4;
        let total_len = usize::from(u16::from_be_bytes([fixed[2], fixed[3]]));
        if fixed[0] >> 4 != 4 || header_len < IPV4_MIN_LEN || header_len > total_len || total_len > ip.len() {
            return;
        }
        self.layers |= IPV4;
        self.end = (l3 + IPV4_MIN_LEN) as u8;
        let fragment_offset = u16::from_be_bytes([fixed[6], fixed[7]]) & 0x1fff;
        if fragment_offset == 0 {
            self.parse_l4(data, fixed[9], PROTO_ICMP, l3 + header_len, total_len - header_len);
        }
    }

    #[inline]
    fn parse_ipv6(&mut self, data: &[u8], l3: usize) {
        let Some(ip) = data.get(l3..) else { return };
        let Some(fixed) = ip.first_chunk::<IPV6_LEN>() else { return };
        if fixed[0] >> 4 != 6 {
            return;
        }
        self.layers |= IPV6;
        self.end = (l3 + IPV6_LEN) as u8;
        let payload_len = usize::from(u16::from_be_bytes([fixed[4], fixed[5]]));
        let available = payload_len.min(ip.len() - IPV6_LEN);
        self.parse_l4(data, fixed[6], PROTO_ICMPV6, l3 + IPV6_LEN, available);
    }

    /// Parses the layer-4 header at `l4`, which may use at most `available`
    /// bytes (all of them inside `data`, the caller checked).
    #[inline]
    fn parse_l4(&mut self, data: &[u8], protocol: u8, icmp_protocol: u8, l4: usize, available: usize) {
        let (layer, len) = match protocol {
            PROTO_TCP => {
                let Some(offset_byte) = byte(data, l4 + 12) else { return };
                let header_len = usize::from(offset_byte >> 4) * 4;
                if header_len < TCP_MIN_LEN || header_len > available {
                    return;
                }
                (TCP, TCP_MIN_LEN)
            }
            PROTO_UDP => (UDP, UDP_LEN),
            p if p == icmp_protocol => (ICMP, ICMP_MIN_LEN),
            _ => return,
        };
        if len > available {
            return;
        }
        self.layers |= layer;
        self.l4 = l4 as u8;
        self.end = (l4 + len) as u8;
    }

    // --- Presence ---------------------------------------------------------

    #[inline]
    pub fn has_eth(&self) -> bool {
        self.layers & ETH != 0
    }
    #[inline]
    pub fn has_vlan(&self) -> bool {
        self.vlans != 0
    }
    #[inline]
    pub fn has_ipv4(&self) -> bool {
        self.layers & IPV4 != 0
    }
    #[inline]
    pub fn has_ipv6(&self) -> bool {
        self.layers & IPV6 != 0
    }
    #[inline]
    pub fn has_ip(&self) -> bool {
        self.layers & (IPV4 | IPV6) != 0
    }
    #[inline]
    pub fn has_tcp(&self) -> bool {
        self.layers & TCP != 0
    }
    #[inline]
    pub fn has_udp(&self) -> bool {
        self.layers & UDP != 0
    }
    #[inline]
    pub fn has_icmp(&self) -> bool {
        self.layers & ICMP != 0
    }

    /// How many VLAN tags were skipped (0, 1 or 2).
    #[inline]
    pub fn vlan_count(&self) -> usize {
        usize::from(self.vlans)
    }

    /// Where the IP header starts, if there is one.
    #[inline]
    pub fn l3_offset(&self) -> Option<usize> {
        self.has_ip().then_some(usize::from(self.l3))
    }

    /// Where the TCP/UDP/ICMP header starts, if there is one.
    #[inline]
    pub fn l4_offset(&self) -> Option<usize> {
        (self.layers & (TCP | UDP | ICMP) != 0).then_some(usize::from(self.l4))
    }

    // --- Getters ----------------------------------------------------------

    #[inline]
    pub fn eth_dst(&self, data: &[u8]) -> Option<u64> {
        self.mac_at(data, 0)
    }
    #[inline]
    pub fn eth_src(&self, data: &[u8]) -> Option<u64> {
        self.mac_at(data, 6)
    }
    #[inline]
    fn mac_at(&self, data: &[u8], at: usize) -> Option<u64> {
        if !self.has_eth() {
            return None;
        }
        let [a, b, c, d, e, f] = read::<6>(data, at)?;
        Some(u64::from_be_bytes([0, 0, a, b, c, d, e, f]))
    }

    /// The EtherType after the skipped VLAN tags.
    #[inline]
    pub fn eth_type(&self, _data: &[u8]) -> Option<u16> {
        self.has_eth().then_some(self.eth_type)
    }

    /// The VLAN ID (12 bits) of the outermost tag.
    #[inline]
    pub fn vlan_id(&self, data: &[u8]) -> Option<u16> {
        if !self.has_vlan() {
            return None;
        }
        Some(be16(data, ETH_LEN)? & 0x0fff)
    }

    /// The priority code point (3 bits) of the outermost tag.
    #[inline]
    pub fn vlan_pcp(&self, data: &[u8]) -> Option<u8> {
        if !self.has_vlan() {
            return None;
        }
        Some(byte(data, ETH_LEN)? >> 5)
    }

    #[inline]
    pub fn ipv4_src(&self, data: &[u8]) -> Option<u32> {
        if !self.has_ipv4() {
            return None;
        }
        be32(data, usize::from(self.l3) + 12)
    }
    #[inline]
    pub fn ipv4_dst(&self, data: &[u8]) -> Option<u32> {
        if !self.has_ipv4() {
            return None;
        }
        be32(data, usize::from(self.l3) + 16)
    }
    #[inline]
    pub fn ipv6_src(&self, data: &[u8]) -> Option<u128> {
        if !self.has_ipv6() {
            return None;
        }
        be128(data, usize::from(self.l3) + 8)
    }
    #[inline]
    pub fn ipv6_dst(&self, data: &[u8]) -> Option<u128> {
        if !self.has_ipv6() {
            return None;
        }
        be128(data, usize::from(self.l3) + 24)
    }

    /// IPv4 protocol or IPv6 next header.
    #[inline]
    pub fn ip_proto(&self, data: &[u8]) -> Option<u8> {
        if !self.has_ip() {
            return None;
        }
        let at = if self.has_ipv4() { 9 } else { 6 };
        byte(data, usize::from(self.l3) + at)
    }

    /// IPv4 TTL or IPv6 hop limit.
    #[inline]
    pub fn ip_ttl(&self, data: &[u8]) -> Option<u8> {
        if !self.has_ip() {
            return None;
        }
        let at = if self.has_ipv4() { 8 } else { 7 };
        byte(data, usize::from(self.l3) + at)
    }

    /// The DSCP (upper 6 bits of the IPv4 TOS / IPv6 traffic class).
    #[inline]
    pub fn ip_dscp(&self, data: &[u8]) -> Option<u8> {
        if !self.has_ip() {
            return None;
        }
        let [b0, b1] = read::<2>(data, usize::from(self.l3))?;
        Some(if self.has_ipv4() { b1 >> 2 } else { ((b0 & 0x0f) << 2) | (b1 >> 6) })
    }

    #[inline]
    pub fn tcp_src(&self, data: &[u8]) -> Option<u16> {
        self.l4_u16(data, TCP, 0)
    }
    #[inline]
    pub fn tcp_dst(&self, data: &[u8]) -> Option<u16> {
        self.l4_u16(data, TCP, 2)
    }
    #[inline]
    pub fn udp_src(&self, data: &[u8]) -> Option<u16> {
        self.l4_u16(data, UDP, 0)
    }
    #[inline]
    pub fn udp_dst(&self, data: &[u8]) -> Option<u16> {
        self.l4_u16(data, UDP, 2)
    }
    #[inline]
    fn l4_u16(&self, data: &[u8], layer: u8, at: usize) -> Option<u16> {
        if self.layers & layer == 0 {
            return None;
        }
        be16(data, usize::from(self.l4) + at)
    }

    /// The 8 TCP flag bits CWR ECE URG ACK PSH RST SYN FIN (byte 13).
    #[inline]
    pub fn tcp_flags(&self, data: &[u8]) -> Option<u8> {
        if !self.has_tcp() {
            return None;
        }
        byte(data, usize::from(self.l4) + 13)
    }

    #[inline]
    pub fn icmp_type(&self, data: &[u8]) -> Option<u8> {
        if !self.has_icmp() {
            return None;
        }
        byte(data, usize::from(self.l4))
    }
    #[inline]
    pub fn icmp_code(&self, data: &[u8]) -> Option<u8> {
        if !self.has_icmp() {
            return None;
        }
        byte(data, usize::from(self.l4) + 1)
    }

    // --- Setters ----------------------------------------------------------

    /// Whether `layer` is present and `data` covers everything parse saw.
    #[inline]
    fn writable(&self, data: &[u8], layer: u8) -> bool {
        self.layers & layer != 0 && data.len() >= usize::from(self.end)
    }

    #[inline]
    pub fn set_eth_dst(&self, data: &mut [u8], value: u64) -> bool {
        self.set_mac_at(data, 0, value)
    }
    #[inline]
    pub fn set_eth_src(&self, data: &mut [u8], value: u64) -> bool {
        self.set_mac_at(data, 6, value)
    }
    #[inline]
    fn set_mac_at(&self, data: &mut [u8], at: usize, value: u64) -> bool {
        if !self.writable(data, ETH) {
            return false;
        }
        let [_, _, a, b, c, d, e, f] = value.to_be_bytes();
        write(data, at, [a, b, c, d, e, f]);
        true
    }

    /// Sets the outermost tag's VLAN ID (masked to 12 bits).
    #[inline]
    pub fn set_vlan_id(&self, data: &mut [u8], value: u16) -> bool {
        self.update_tci(data, |tci| (tci & 0xf000) | (value & 0x0fff))
    }

    /// Sets the outermost tag's priority (masked to 3 bits).
    #[inline]
    pub fn set_vlan_pcp(&self, data: &mut [u8], value: u8) -> bool {
        self.update_tci(data, |tci| (tci & 0x1fff) | (u16::from(value & 0x07) << 13))
    }

    #[inline]
    fn update_tci(&self, data: &mut [u8], update: impl FnOnce(u16) -> u16) -> bool {
        if !self.has_vlan() || !self.writable(data, ETH) {
            return false;
        }
        let Some(tci) = be16(data, ETH_LEN) else { return false };
        write(data, ETH_LEN, update(tci).to_be_bytes());
        true
    }

    /// The offset of the layer-4 checksum covering the pseudo-header, and
    /// whether it is UDP's (0 = none). ICMPv4 has no pseudo-header.
    #[inline]
    fn pseudo_header_checksum(&self) -> Option<(usize, bool)> {
        let l4 = usize::from(self.l4);
        if self.has_tcp() {
            Some((l4 + 16, false))
        } else if self.has_udp() {
            Some((l4 + 6, true))
        } else if self.has_icmp() && self.has_ipv6() {
            Some((l4 + 2, false))
        } else {
            None
        }
    }

    #[inline]
    pub fn set_ipv4_src(&self, data: &mut [u8], value: u32) -> bool {
        self.set_ipv4_address(data, 12, value)
    }
    #[inline]
    pub fn set_ipv4_dst(&self, data: &mut [u8], value: u32) -> bool {
        self.set_ipv4_address(data, 16, value)
    }
    #[inline]
    fn set_ipv4_address(&self, data: &mut [u8], field: usize, value: u32) -> bool {
        if !self.writable(data, IPV4) {
            return false;
        }
        let l3 = usize::from(self.l3);
        let Some(old) = be32(data, l3 + field) else { return false };
        write(data, l3 + field, value.to_be_bytes());
        update_checksum(data, l3 + 10, false, |c| checksum::update32(c, old, value));
        if let Some((at, udp)) = self.pseudo_header_checksum() {
            update_checksum(data, at, udp, |c| checksum::update32(c, old, value));
        }
        true
    }

    #[inline]
    pub fn set_ipv6_src(&self, data: &mut [u8], value: u128) -> bool {
        self.set_ipv6_address(data, 8, value)
    }
    #[inline]
    pub fn set_ipv6_dst(&self, data: &mut [u8], value: u128) -> bool {
        self.set_ipv6_address(data, 24, value)
    }
    #[inline]
    fn set_ipv6_address(&self, data: &mut [u8], field: usize, value: u128) -> bool {
        if !self.writable(data, IPV6) {
            return false;
        }
        let at = usize::from(self.l3) + field;
        let Some(old) = be128(data, at) else { return false };
        write(data, at, value.to_be_bytes());
        if let Some((at, udp)) = self.pseudo_header_checksum() {
            update_checksum(data, at, udp, |c| checksum::update128(c, old, value));
        }
        true
    }

    /// Sets the IPv4 TTL or IPv6 hop limit.
    #[inline]
    pub fn set_ip_ttl(&self, data: &mut [u8], value: u8) -> bool {
        if !self.writable(data, IPV4 | IPV6) {
            return false;
        }
        let l3 = usize::from(self.l3);
        if self.has_ipv4() {
            // TTL shares a checksummed 16-bit word with the protocol.
            let Some([ttl, protocol]) = read::<2>(data, l3 + 8) else { return false };
            write(data, l3 + 8, [value, protocol]);
            let (old, new) = (u16::from_be_bytes([ttl, protocol]), u16::from_be_bytes([value, protocol]));
            update_checksum(data, l3 + 10, false, |c| checksum::update16(c, old, new));
        } else {
            write(data, l3 + 7, [value]);
        }
        true
    }

    /// Sets the DSCP (masked to 6 bits), keeping the ECN bits.
    #[inline]
    pub fn set_ip_dscp(&self, data: &mut [u8], value: u8) -> bool {
        if !self.writable(data, IPV4 | IPV6) {
            return false;
        }
        let l3 = usize::from(self.l3);
        let dscp = value & 0x3f;
        let Some([b0, b1]) = read::<2>(data, l3) else { return false };
        if self.has_ipv4() {
            let new = [b0, (dscp << 2) | (b1 & 0x03)];
            write(data, l3, new);
            let (old, new) = (u16::from_be_bytes([b0, b1]), u16::from_be_bytes(new));
            update_checksum(data, l3 + 10, false, |c| checksum::update16(c, old, new));
        } else {
            // Traffic class straddles bytes 0 and 1: version(4) tc(8) flow(20).
            write(data, l3, [(b0 & 0xf0) | (dscp >> 2), (b1 & 0x3f) | (dscp << 6)]);
        }
        true
    }

    #[inline]
    pub fn set_tcp_src(&self, data: &mut [u8], value: u16) -> bool {
        self.set_port(data, TCP, 0, value)
    }
    #[inline]
    pub fn set_tcp_dst(&self, data: &mut [u8], value: u16) -> bool {
        self.set_port(data, TCP, 2, value)
    }
    #[inline]
    pub fn set_udp_src(&self, data: &mut [u8], value: u16) -> bool {
        self.set_port(data, UDP, 0, value)
    }
    #[inline]
    pub fn set_udp_dst(&self, data: &mut [u8], value: u16) -> bool {
        self.set_port(data, UDP, 2, value)
    }
    #[inline]
    fn set_port(&self, data: &mut [u8], layer: u8, field: usize, value: u16) -> bool {
        if !self.writable(data, layer) {
            return false;
        }
        let l4 = usize::from(self.l4);
        let Some(old) = be16(data, l4 + field) else { return false };
        write(data, l4 + field, value.to_be_bytes());
        let (at, udp) = if layer == TCP { (l4 + 16, false) } else { (l4 + 6, true) };
        update_checksum(data, at, udp, |c| checksum::update16(c, old, value));
        true
    }

    /// Decrements the IPv4 TTL (updating the header checksum) or the IPv6
    /// hop limit, unless it is 0 or 1 (`Expired`, nothing written).
    #[inline]
    pub fn decrement_ttl(&self, data: &mut [u8]) -> TtlOutcome {
        if !self.writable(data, IPV4 | IPV6) {
            return TtlOutcome::NotIp;
        }
        match self.ip_ttl(data) {
            Some(ttl) if ttl > 1 => {
                self.set_ip_ttl(data, ttl - 1);
                TtlOutcome::Decremented
            }
            Some(_) => TtlOutcome::Expired,
            None => TtlOutcome::NotIp,
        }
    }

    /// Exchanges the Ethernet source and destination addresses (no checksum
    /// covers them).
    #[inline]
    pub fn swap_macs(&self, data: &mut [u8]) -> bool {
        if !self.writable(data, ETH) {
            return false;
        }
        if let Some(macs) = data.first_chunk_mut::<12>() {
            let (dst, src) = macs.split_at_mut(6);
            dst.swap_with_slice(src);
        }
        true
    }

    // --- Tag push / pop ---------------------------------------------------

    /// Inserts a new outermost 802.1Q tag (TPID `0x8100`, DEI 0, `vid` masked
    /// to 12 bits, `pcp` to 3) after the MAC addresses and shifts `self`'s
    /// offsets, so `self` equals `Headers::parse(frame.data())` afterwards.
    ///
    /// False, frame unchanged, when there is no Ethernet header, when the frame
    /// already has two tags (a third would hide the IP layer from `parse`), or
    /// when the buffer has no room for 4 more bytes.
    #[inline]
    pub fn push_vlan(&mut self, frame: &mut Frame<'_>, vid: u16, pcp: u8) -> bool {
        if !self.writable(frame.data(), ETH) || usize::from(self.vlans) >= MAX_VLAN_TAGS {
            return false;
        }
        let Ok(gap) = frame.insert_gap(12, VLAN_TAG_LEN) else { return false };
        let tci = (u16::from(pcp & 0x07) << 13) | (vid & 0x0fff);
        let [t0, t1] = TPID_CTAG.to_be_bytes();
        let [c0, c1] = tci.to_be_bytes();
        gap.copy_from_slice(&[t0, t1, c0, c1]);
        self.shift(VLAN_TAG_LEN as u8, true);
        true
    }

    /// Removes the outermost VLAN tag and shifts `self`'s offsets, so `self`
    /// equals `Headers::parse(frame.data())` afterwards. False, frame
    /// unchanged, when the frame has no tag.
    #[inline]
    pub fn pop_vlan(&mut self, frame: &mut Frame<'_>) -> bool {
        if !self.has_vlan() || !self.writable(frame.data(), ETH) {
            return false;
        }
        if frame.remove_range(12, VLAN_TAG_LEN).is_err() {
            return false;
        }
        if usize::from(self.vlans) == MAX_VLAN_TAGS && (self.eth_type == TPID_CTAG || self.eth_type == TPID_STAG) {
            // A third tag parse had stopped at is now within reach: parse again.
            *self = Headers::parse(frame.data());
        } else {
            self.shift(VLAN_TAG_LEN as u8, false);
        }
        true
    }

    #[inline]
    fn shift(&mut self, by: u8, forward: bool) {
        let apply = |offset: u8| if forward { offset + by } else { offset - by };
        self.vlans = if forward { self.vlans + 1 } else { self.vlans - 1 };
        self.l3 = apply(self.l3);
        self.end = apply(self.end);
        if self.l4 != 0 {
            self.l4 = apply(self.l4);
        }
    }
}
