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
//!   only at fragment offset 0 (the MF bit may be set) and only within the
//!   total length (bytes after it are Ethernet padding).
//! - **IPv6** (EtherType `0x86dd`) needs version 6 and the 40-byte fixed
//!   header; the payload length is not required to match the frame. The
//!   extension-header chain is walked within both the payload length and the
//!   bytes available, with a fixed bound on headers and bytes (see
//!   [`ipv6_ext`](super::ipv6_ext)); layer 4 is the header that ends it. A
//!   chain past the bound or broken has no layer 4 and no `ip_proto`, and says
//!   so in `ipv6_ext` (the `BAD` bit).
//! - **The upper-layer protocol** (`ip_proto`) is IPv4's Protocol, or over
//!   IPv6 the Next Header that ends the chain (as Open vSwitch's `nw_proto`):
//!   TCP behind a Hop-by-Hop header is `ip_proto` 6. AH is walked over IPv6,
//!   where it is an extension header, and not over IPv4, where it is the
//!   protocol (as Open vSwitch does): IPv4 AH is `ip_proto` 51, no layer 4.
//! - **Fragments** (`ip_frag`, IPv4 and IPv6): `NONE`; `FIRST` (offset 0, more
//!   to come; over IPv6 any Fragment header with offset 0); `TINY`, a first
//!   fragment whose TCP/UDP/ICMP header is not complete in it (RFC 1858), or
//!   over IPv6 whose chain does not reach the upper layer (RFC 7112); `LATER`
//!   (offset > 0). Layer 4 is parsed in unfragmented packets and complete
//!   first fragments only; a later fragment still has `ip_proto` (IPv4's
//!   Protocol; over IPv6 the Fragment header's Next Header).
//! - **TCP** (protocol 6) needs data offset >= 5 and the whole header
//!   (options included); **UDP** (17) needs 8 bytes; **ICMP** needs 4 bytes
//!   (type, code, checksum) and is protocol 1 over IPv4, 58 (ICMPv6) over IPv6.
//!
//! # Parse depth
//!
//! `Headers::parse_to(data, depth)` does only part of the work, for a network
//! function that reads only the outer layers (generated code picks the
//! shallowest depth covering every field its spec touches; see
//! `docs/ARCHITECTURE.md`):
//!
//! - [`ParseDepth::Ethernet`] checks that the 14-byte header is there and
//!   nothing more: `eth_dst`, `eth_src`, `eth_type`, `vlan_id`, `vlan_pcp`,
//!   their setters, `swap_macs`, `push_vlan` and `pop_vlan` then read the tags
//!   from the frame when they need them, as hand-written code does, so a
//!   function pays only for the tags it looks at (an l2fwd for none).
//! - [`ParseDepth::Ip`] also skips the tags and finds the IPv4 or IPv6 fixed
//!   header: `has_vlan`, `vlan_count`, the addresses (reading them), `ip_ttl`,
//!   `ip_dscp`, their setters and `decrement_ttl`.
//! - [`ParseDepth::Full`], what `parse` does: everything above, the IPv6
//!   extension-header walk and layer 4: `ip_proto`, `ip_frag`, `ipv6_ext`, the
//!   TCP/UDP/ICMP fields, and the address setters (whose checksums are in
//!   layer 4).
//!
//! Within its depth a partial parse is the full parse: on the frame it was
//! made from every getter returns the same value, and every setter writes the
//! same bytes and returns the same result (the `parse_depth` property test
//! checks it). Asking for more than the depth is a bug in the caller, caught
//! by a debug assertion; release builds return whatever the shallower parse
//! left.
//!
//! # Setters
//!
//! A setter writes only inside the headers `parse` established, after one
//! check that `data` is at least that long, so it never panics even when given
//! a different slice; it returns false and writes nothing when the layer is
//! absent, and an address setter also when the upper-layer checksum over the
//! address is out of reach ([`Headers::upper_checksum_out_of_reach`]: behind a
//! broken IPv6 chain, or in a TCP/UDP/ICMPv6 header cut short), where a
//! rewrite would leave it wrong; generated code then drops the packet, as
//! for a VLAN tag it cannot push. Values wider than the field are masked to its width (`vlan_id` 12
//! bits, `vlan_pcp` 3, `ip_dscp` 6, MAC addresses 48). Checksums are updated
//! incrementally (RFC 1624): the IPv4 header checksum for IPv4 fields, the
//! TCP/UDP checksum for ports and (through the pseudo-header) addresses, the
//! ICMPv6 checksum for IPv6 addresses. ICMPv4 has no pseudo-header, so IPv4
//! address changes leave it alone. The IPv6 pseudo-header holds the *final*
//! destination (RFC 8200 §8.1): behind a Routing header with Segments Left >
//! 0 the Destination Address is an intermediate node, so rewriting it leaves
//! the upper-layer checksum alone (the source is always covered). A
//! rewrite behind extension headers changes only the fixed header and the
//! upper-layer header; extension headers are never written (an AH's
//! integrity check covers the addresses, so a rewrite breaks it, as it does
//! for any middlebox). A UDP checksum of 0 means "none" (always
//! allowed over IPv4, RFC 6935 tunnels over IPv6) and stays 0; a computed UDP
//! checksum of 0 is stored as its equivalent `0xffff` (RFC 768).

use super::ipv6_ext::{self, ext, frag};
use super::{checksum, ip_protocol};
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
const PROTO_ICMP: u8 = ip_protocol::ICMP;
const PROTO_TCP: u8 = ip_protocol::TCP;
const PROTO_UDP: u8 = ip_protocol::UDP;
const PROTO_ICMPV6: u8 = ip_protocol::ICMPV6;

/// How much of a frame [`Headers::parse_to`] parses; each depth includes the
/// ones before it (the module documentation lists what each provides).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Default, Hash)]
pub enum ParseDepth {
    /// The Ethernet header; its VLAN tags are read on demand.
    Ethernet,
    /// The VLAN tags and the IPv4 or IPv6 fixed header.
    Ip,
    /// Everything `parse` recognises.
    #[default]
    Full,
}

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
/// The upper-layer protocol is known (`proto` holds it).
const PROTO: u8 = 1 << 6;
/// IPv6 behind a Routing header with Segments Left > 0: the Destination
/// Address is not the one the upper-layer pseudo-header covers.
const ROUTED: u8 = 1 << 7;

/// Offsets of the layers of one frame, from [`Headers::parse`].
///
/// Offsets are bytes from the start of the frame. The IP header starts
/// within 22 bytes; layer 4 within 22 + 60 bytes (IPv4) or 22 + 40 +
/// [`MAX_EXT_BYTES`](ipv6_ext::MAX_EXT_BYTES) (IPv6), so it is a `u16`; the
/// whole struct is 14 bytes. `Default` is a frame with no layers (parsed in
/// full).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Headers {
    layers: u8,
    vlans: u8,
    /// Start of the IP header (right after the type field); 0 without Ethernet.
    l3: u8,
    /// The upper-layer protocol, when `layers` has `PROTO`.
    proto: u8,
    /// `ip_frag`: one of `frag::*`.
    fragment: u8,
    /// Start of the TCP/UDP/ICMP header; 0 without one.
    l4: u16,
    /// One past the last byte any getter or setter touches: the single bound
    /// setters check.
    end: u16,
    eth_type: u16,
    /// `ipv6_ext`: `ext::*` bits of the IPv6 extension-header chain.
    ext: u16,
    /// How much `parse_to` parsed; at `Ethernet` the fields above past
    /// `layers` and `end` are unset and the tags are read from the frame.
    depth: ParseDepth,
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

/// The VLAN tags at the front of `data`, by `parse`'s rules: how many it
/// skips (at most two) and the EtherType after them; `None` without an
/// Ethernet header.
#[inline]
fn read_tags(data: &[u8]) -> Option<(u8, u16)> {
    let mut eth_type = be16(data, 12)?;
    let mut l3 = ETH_LEN;
    let mut vlans = 0u8;
    while usize::from(vlans) < MAX_VLAN_TAGS && (eth_type == TPID_CTAG || eth_type == TPID_STAG) {
        // The inner type field follows the 2-byte TCI.
        let Some(inner) = be16(data, l3 + 2) else { break };
        eth_type = inner;
        l3 += VLAN_TAG_LEN;
        vlans += 1;
    }
    Some((vlans, eth_type))
}

/// Whether `data` has an outermost tag `parse` would skip: its TPID, its
/// TCI and the type field after it.
#[inline]
fn has_outer_tag(data: &[u8]) -> bool {
    matches!(be16(data, 12), Some(TPID_CTAG | TPID_STAG)) && data.len() >= ETH_LEN + VLAN_TAG_LEN
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
        Headers::parse_through::<true>(data)
    }

    /// Parses `data` to `depth` and no further: within that depth the result
    /// reads and writes exactly as [`Headers::parse`]'s.
    #[inline(always)]
    pub fn parse_to(data: &[u8], depth: ParseDepth) -> Headers {
        // One specialised parse per depth, so a constant `depth` costs no test.
        match depth {
            ParseDepth::Ethernet => Headers::parse_ethernet(data),
            ParseDepth::Ip => Headers::parse_through::<false>(data),
            ParseDepth::Full => Headers::parse_through::<true>(data),
        }
    }

    /// `end` is the header's end even when the frame is too short for it
    /// (`layers` then says there is no Ethernet, and nothing is read or
    /// written): a constant, so the setters' bound check folds into the one
    /// length check.
    #[inline]
    fn parse_ethernet(data: &[u8]) -> Headers {
        let layers = if data.len() >= ETH_LEN { ETH } else { 0 };
        Headers { layers, end: ETH_LEN as u16, depth: ParseDepth::Ethernet, ..Headers::default() }
    }

    /// The tags and the IP header, and layer 4 when `LAYER4`. Always
    /// inlined into `parse` and `parse_to`, which are themselves `#[inline]`:
    /// the call sites decide, as they did when this was `parse`'s body.
    #[inline(always)]
    fn parse_through<const LAYER4: bool>(data: &[u8]) -> Headers {
        let depth = if LAYER4 { ParseDepth::Full } else { ParseDepth::Ip };
        let mut headers = Headers { depth, ..Headers::default() };
        let Some((vlans, eth_type)) = read_tags(data) else {
            return headers;
        };
        let l3 = ETH_LEN + usize::from(vlans) * VLAN_TAG_LEN;
        headers.layers = ETH;
        headers.vlans = vlans;
        headers.eth_type = eth_type;
        headers.l3 = l3 as u8;
        headers.end = l3 as u16;
        match eth_type {
            ETHERTYPE_IPV4 => headers.parse_ipv4::<LAYER4>(data, l3),
            ETHERTYPE_IPV6 => headers.parse_ipv6::<LAYER4>(data, l3),
            _ => {}
        }
        headers
    }

    #[inline]
    fn parse_ipv4<const LAYER4: bool>(&mut self, data: &[u8], l3: usize) {
        let Some(ip) = data.get(l3..) else { return };
        let Some(fixed) = ip.first_chunk::<IPV4_MIN_LEN>() else { return };
        let header_len = usize::from(fixed[0] & 0x0f) * 4;
        let total_len = usize::from(u16::from_be_bytes([fixed[2], fixed[3]]));
        if fixed[0] >> 4 != 4 || header_len < IPV4_MIN_LEN || header_len > total_len || total_len > ip.len() {
            return;
        }
        self.layers |= IPV4 | PROTO;
        self.proto = fixed[9];
        self.end = (l3 + IPV4_MIN_LEN) as u16;
        if !LAYER4 {
            return;
        }
        let flags_offset = u16::from_be_bytes([fixed[6], fixed[7]]);
        let (more_fragments, offset) = (flags_offset & 0x2000 != 0, flags_offset & 0x1fff);
        if offset != 0 {
            self.fragment = frag::LATER;
            return;
        }
        self.parse_l4(data, fixed[9], PROTO_ICMP, l3 + header_len, total_len - header_len);
        if more_fragments {
            self.fragment = if self.l4_missing(PROTO_ICMP) { frag::TINY } else { frag::FIRST };
        }
    }

    #[inline]
    fn parse_ipv6<const LAYER4: bool>(&mut self, data: &[u8], l3: usize) {
        let Some(ip) = data.get(l3..) else { return };
        let Some(fixed) = ip.first_chunk::<IPV6_LEN>() else { return };
        if fixed[0] >> 4 != 6 {
            return;
        }
        self.layers |= IPV6;
        self.end = (l3 + IPV6_LEN) as u16;
        if !LAYER4 {
            return;
        }
        let payload_len = usize::from(u16::from_be_bytes([fixed[4], fixed[5]]));
        let available = payload_len.min(ip.len() - IPV6_LEN);
        let start = l3 + IPV6_LEN;
        let next_header = fixed[6];
        if matches!(next_header, PROTO_TCP | PROTO_UDP | PROTO_ICMPV6) {
            // No extension headers: the common case, without the walk.
            self.layers |= PROTO;
            self.proto = next_header;
            self.parse_l4(data, next_header, PROTO_ICMPV6, start, available);
            return;
        }
        let Some(payload) = data.get(start..start + available) else { return };
        let chain = ipv6_ext::walk(next_header, payload);
        self.ext = chain.flags;
        self.fragment = chain.fragment;
        if chain.destination_not_final {
            self.layers |= ROUTED;
        }
        if let Some(protocol) = chain.protocol {
            self.layers |= PROTO;
            self.proto = protocol;
            if chain.fragment != frag::LATER {
                self.parse_l4(data, protocol, PROTO_ICMPV6, start + chain.upper, available - chain.upper);
            }
        }
        if chain.fragment == frag::FIRST && (chain.flags & ext::BAD != 0 || self.l4_missing(PROTO_ICMPV6)) {
            self.fragment = frag::TINY;
        }
    }

    /// Whether the upper-layer protocol is one whose header `parse` reads
    /// (TCP, UDP, this family's ICMP) but that header is absent.
    #[inline]
    fn l4_missing(&self, icmp_protocol: u8) -> bool {
        let readable = self.proto == PROTO_TCP || self.proto == PROTO_UDP || self.proto == icmp_protocol;
        self.layers & PROTO != 0 && readable && self.layers & (TCP | UDP | ICMP) == 0
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
        self.l4 = l4 as u16;
        self.end = (l4 + len) as u16;
    }

    // --- Presence ---------------------------------------------------------

    #[inline]
    pub fn has_eth(&self) -> bool {
        self.layers & ETH != 0
    }
    /// Whether a VLAN tag was skipped (from [`ParseDepth::Ip`] on; at
    /// `Ethernet` the tag getters find it in the frame).
    #[inline]
    pub fn has_vlan(&self) -> bool {
        self.within(ParseDepth::Ip);
        self.vlans != 0
    }
    #[inline]
    pub fn has_ipv4(&self) -> bool {
        self.within(ParseDepth::Ip);
        self.layers & IPV4 != 0
    }
    #[inline]
    pub fn has_ipv6(&self) -> bool {
        self.within(ParseDepth::Ip);
        self.layers & IPV6 != 0
    }
    #[inline]
    pub fn has_ip(&self) -> bool {
        self.within(ParseDepth::Ip);
        self.layers & (IPV4 | IPV6) != 0
    }
    #[inline]
    pub fn has_tcp(&self) -> bool {
        self.within(ParseDepth::Full);
        self.layers & TCP != 0
    }
    #[inline]
    pub fn has_udp(&self) -> bool {
        self.within(ParseDepth::Full);
        self.layers & UDP != 0
    }
    #[inline]
    pub fn has_icmp(&self) -> bool {
        self.within(ParseDepth::Full);
        self.layers & ICMP != 0
    }

    /// How many VLAN tags were skipped (0, 1 or 2).
    #[inline]
    pub fn vlan_count(&self) -> usize {
        self.within(ParseDepth::Ip);
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
        self.within(ParseDepth::Full);
        (self.layers & (TCP | UDP | ICMP) != 0).then_some(usize::from(self.l4))
    }

    /// How much `parse_to` parsed.
    #[inline]
    pub fn depth(&self) -> ParseDepth {
        self.depth
    }

    /// A field past the parse depth is a bug in the caller (generated code
    /// asks for the depth its fields need): loud in debug builds.
    #[inline]
    fn within(&self, needed: ParseDepth) {
        debug_assert!(self.depth >= needed, "a {needed:?} field of headers parsed to {:?}", self.depth);
    }

    /// Whether the tags are read from the frame rather than from `self`.
    #[inline]
    fn tags_on_demand(&self) -> bool {
        self.depth == ParseDepth::Ethernet
    }

    /// Whether `data` (the frame parsed) has a VLAN tag.
    #[inline]
    fn tagged(&self, data: &[u8]) -> bool {
        if self.tags_on_demand() {
            self.has_eth() && has_outer_tag(data)
        } else {
            self.vlans != 0
        }
    }

    /// How many tags `data` (the frame parsed) has.
    #[inline]
    fn tag_count(&self, data: &[u8]) -> u8 {
        if self.tags_on_demand() {
            read_tags(data).map_or(0, |(vlans, _)| vlans)
        } else {
            self.vlans
        }
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
    pub fn eth_type(&self, data: &[u8]) -> Option<u16> {
        if self.tags_on_demand() {
            return read_tags(data).filter(|_| self.has_eth()).map(|(_, eth_type)| eth_type);
        }
        self.has_eth().then_some(self.eth_type)
    }

    /// The VLAN ID (12 bits) of the outermost tag.
    #[inline]
    pub fn vlan_id(&self, data: &[u8]) -> Option<u16> {
        if !self.tagged(data) {
            return None;
        }
        Some(be16(data, ETH_LEN)? & 0x0fff)
    }

    /// The priority code point (3 bits) of the outermost tag.
    #[inline]
    pub fn vlan_pcp(&self, data: &[u8]) -> Option<u8> {
        if !self.tagged(data) {
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

    /// The upper-layer protocol: IPv4's Protocol, or over IPv6 the Next Header
    /// that ends the extension-header chain; absent when the chain is broken.
    #[inline]
    pub fn ip_proto(&self, _data: &[u8]) -> Option<u8> {
        self.within(ParseDepth::Full);
        (self.layers & PROTO != 0).then_some(self.proto)
    }

    /// The fragment state, one of [`frag`](ipv6_ext::frag)'s values.
    #[inline]
    pub fn ip_frag(&self, _data: &[u8]) -> Option<u8> {
        self.within(ParseDepth::Full);
        self.has_ip().then_some(self.fragment)
    }

    /// The IPv6 extension headers seen, as [`ext`](ipv6_ext::ext) bits.
    #[inline]
    pub fn ipv6_ext(&self, _data: &[u8]) -> Option<u16> {
        self.within(ParseDepth::Full);
        self.has_ipv6().then_some(self.ext)
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
        self.within(ParseDepth::Full);
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
        if !self.tagged(data) || !self.writable(data, ETH) {
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

    /// Whether the packet carries an upper-layer checksum over the IP
    /// addresses that `parse` could not reach: the upper layer behind a broken
    /// IPv6 chain, or a TCP, UDP or ICMPv6 header cut short (a tiny first
    /// fragment, a truncated packet). Rewriting an address would leave that
    /// checksum wrong, so the address setters refuse. A later fragment has no
    /// such checksum: its first fragment does.
    #[inline]
    pub fn upper_checksum_out_of_reach(&self) -> bool {
        self.within(ParseDepth::Full);
        if self.fragment == frag::LATER || !self.has_ip() {
            return false;
        }
        if self.layers & PROTO == 0 {
            return true;
        }
        let covered =
            self.proto == PROTO_TCP || self.proto == PROTO_UDP || (self.has_ipv6() && self.proto == PROTO_ICMPV6);
        covered && self.layers & (TCP | UDP | ICMP) == 0
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
        self.within(ParseDepth::Full);
        if !self.writable(data, IPV4) || self.upper_checksum_out_of_reach() {
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
        self.within(ParseDepth::Full);
        if !self.writable(data, IPV6) || self.upper_checksum_out_of_reach() {
            return false;
        }
        let at = usize::from(self.l3) + field;
        let Some(old) = be128(data, at) else { return false };
        write(data, at, value.to_be_bytes());
        let in_pseudo_header = field == 8 || self.layers & ROUTED == 0;
        if let Some((at, udp)) = self.pseudo_header_checksum().filter(|_| in_pseudo_header) {
            update_checksum(data, at, udp, |c| checksum::update128(c, old, value));
        }
        true
    }

    /// Sets the IPv4 TTL or IPv6 hop limit.
    #[inline]
    pub fn set_ip_ttl(&self, data: &mut [u8], value: u8) -> bool {
        self.within(ParseDepth::Ip);
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
        self.within(ParseDepth::Ip);
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
        self.within(ParseDepth::Full);
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
        self.within(ParseDepth::Ip);
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
    /// offsets, so `self` equals `Headers::parse_to(frame.data(), depth)`
    /// afterwards.
    ///
    /// False, frame unchanged, when there is no Ethernet header, when the frame
    /// already has two tags (a third would hide the IP layer from `parse`), or
    /// when the buffer has no room for 4 more bytes.
    ///
    /// Always inlined, like `pop_vlan`: with the depth known at the call most
    /// of either folds away, and LLVM would not inline the general version.
    #[inline(always)]
    pub fn push_vlan(&mut self, frame: &mut Frame<'_>, vid: u16, pcp: u8) -> bool {
        if !self.writable(frame.data(), ETH) || usize::from(self.tag_count(frame.data())) >= MAX_VLAN_TAGS {
            return false;
        }
        let Ok(gap) = frame.insert_gap(12, VLAN_TAG_LEN) else { return false };
        let tci = (u16::from(pcp & 0x07) << 13) | (vid & 0x0fff);
        let [t0, t1] = TPID_CTAG.to_be_bytes();
        let [c0, c1] = tci.to_be_bytes();
        gap.copy_from_slice(&[t0, t1, c0, c1]);
        if !self.tags_on_demand() {
            self.shift(VLAN_TAG_LEN as u8, true);
        }
        true
    }

    /// Removes the outermost VLAN tag and shifts `self`'s offsets, so `self`
    /// equals `Headers::parse_to(frame.data(), depth)` afterwards. False,
    /// frame unchanged, when the frame has no tag.
    #[inline(always)]
    pub fn pop_vlan(&mut self, frame: &mut Frame<'_>) -> bool {
        if !self.tagged(frame.data()) || !self.writable(frame.data(), ETH) {
            return false;
        }
        if frame.remove_range(12, VLAN_TAG_LEN).is_err() {
            return false;
        }
        // At `Ethernet` depth nothing is kept to move: the tags are read
        // from the frame.
        if !self.tags_on_demand() {
            let third_tag = self.eth_type == TPID_CTAG || self.eth_type == TPID_STAG;
            if usize::from(self.vlans) == MAX_VLAN_TAGS && third_tag {
                self.reparse(frame.data());
            } else {
                self.shift(VLAN_TAG_LEN as u8, false);
            }
        }
        true
    }

    /// A third tag parse had stopped at is now within reach: parse again.
    /// Rare, so kept out of line (`pop_vlan` stays small enough to inline).
    #[cold]
    #[inline(never)]
    fn reparse(&mut self, data: &[u8]) {
        *self = Headers::parse_to(data, self.depth);
    }

    #[inline]
    fn shift(&mut self, by: u8, forward: bool) {
        let apply = |offset: u16| if forward { offset + u16::from(by) } else { offset - u16::from(by) };
        self.vlans = if forward { self.vlans + 1 } else { self.vlans - 1 };
        self.l3 = apply(self.l3.into()) as u8;
        self.end = apply(self.end);
        if self.l4 != 0 {
            self.l4 = apply(self.l4);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{checksum, Ipv4Packet, TcpPacket};

    const MACS: [u8; 12] = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2];

    /// Ethernet + optional tags + the given type and payload.
    fn frame(tags: &[[u8; 4]], ethertype: u16, payload: &[u8]) -> Vec<u8> {
        let mut out = MACS.to_vec();
        for tag in tags {
            out.extend_from_slice(tag);
        }
        out.extend_from_slice(&ethertype.to_be_bytes());
        out.extend_from_slice(payload);
        out
    }

    // TCP SYN 10.0.0.1:49152 -> 10.0.0.2:80 with MSS option, valid checksums.
    const IPV4_TCP: [u8; 44] = [
        0x45, 0x00, 0x00, 0x2c, 0x00, 0x01, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00, 10, 0, 0, 1, 10, 0, 0, 2, //
        0xc0, 0x00, 0x00, 0x50, 0, 0, 0, 1, 0, 0, 0, 0, 0x60, 0x02, 0xff, 0xff, 0xc3, 0xd2, 0, 0, 2, 4, 5, 0xb4,
    ];

    fn ipv4_tcp() -> Vec<u8> {
        let mut ip = IPV4_TCP.to_vec();
        Ipv4Packet::new_checked(&mut ip[..]).unwrap().fill_checksum();
        ip
    }

    fn checksums_ok(data: &[u8], h: &Headers) -> bool {
        let l3 = h.l3_offset().unwrap();
        let ip = Ipv4Packet::new_checked(&data[l3..]).unwrap();
        let tcp = TcpPacket::new_checked(ip.payload()).unwrap();
        ip.verify_checksum() && tcp.verify_checksum(ip.pseudo_header())
    }

    #[test]
    fn short_frames_have_no_layers() {
        for len in 0..14 {
            let h = Headers::parse(&[0u8; 14][..len]);
            assert_eq!(h, Headers::default());
            assert_eq!(h.eth_dst(&[]), None);
        }
        let h = Headers::parse(&frame(&[], 0x0806, &[]));
        assert!(h.has_eth() && !h.has_ip());
        assert_eq!(h.eth_type(&[]), Some(0x0806));
    }

    #[test]
    fn ipv4_tcp_fields() {
        let data = frame(&[], 0x0800, &ipv4_tcp());
        let h = Headers::parse(&data);
        assert_eq!(h.eth_dst(&data), Some(0x0200_0000_0001));
        assert_eq!(h.eth_src(&data), Some(0x0200_0000_0002));
        assert_eq!(h.ipv4_src(&data), Some(0x0a00_0001));
        assert_eq!(h.ip_proto(&data), Some(6));
        assert_eq!(h.ip_ttl(&data), Some(64));
        assert_eq!((h.tcp_src(&data), h.tcp_dst(&data), h.tcp_flags(&data)), (Some(49152), Some(80), Some(0x02)));
        assert_eq!((h.udp_src(&data), h.icmp_type(&data), h.ipv6_src(&data)), (None, None, None));
        assert_eq!((h.l3_offset(), h.l4_offset()), (Some(14), Some(34)));
    }

    #[test]
    fn setters_keep_checksums() {
        let mut data = frame(&[], 0x0800, &ipv4_tcp());
        let h = Headers::parse(&data);
        assert!(h.set_ipv4_src(&mut data, 0xc0a8_0001));
        assert!(h.set_ipv4_dst(&mut data, 0xffff_ffff));
        assert!(h.set_tcp_dst(&mut data, 8080));
        assert!(h.set_ip_dscp(&mut data, 46));
        assert!(h.set_ip_ttl(&mut data, 3));
        assert_eq!(h.decrement_ttl(&mut data), TtlOutcome::Decremented);
        assert_eq!(h.ip_ttl(&data), Some(2));
        assert!(checksums_ok(&data, &h));
        assert!(!h.set_udp_src(&mut data, 1), "no UDP layer");
        assert!(!h.set_vlan_id(&mut data, 1), "no tag");
        assert!(!h.set_ipv6_src(&mut data, 1));
        assert_eq!(h.decrement_ttl(&mut data), TtlOutcome::Decremented);
        let before = data.clone();
        assert_eq!(h.decrement_ttl(&mut data), TtlOutcome::Expired);
        assert_eq!(data, before);
    }

    #[test]
    fn udp_over_ipv4_without_checksum_stays_without() {
        let mut ip = vec![0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
        ip.extend_from_slice(&[0, 53, 0, 53, 0, 8, 0, 0]);
        let mut data = frame(&[], 0x0800, &ip);
        let h = Headers::parse(&data);
        assert!(h.set_udp_src(&mut data, 1234) && h.set_ipv4_dst(&mut data, 1));
        assert_eq!(&data[40..42], &[0, 0]);
        assert_eq!(h.udp_src(&data), Some(1234));
    }

    #[test]
    fn two_tags_are_skipped_and_the_outer_one_is_read() {
        let tags = [[0x88, 0xa8, 0x60, 0x64], [0x81, 0x00, 0x00, 0x0a]];
        let data = frame(&tags, 0x0800, &ipv4_tcp());
        let h = Headers::parse(&data);
        assert_eq!(h.vlan_count(), 2);
        assert_eq!((h.vlan_id(&data), h.vlan_pcp(&data)), (Some(100), Some(3)));
        assert_eq!(h.eth_type(&data), Some(0x0800));
        assert_eq!(h.tcp_dst(&data), Some(80));
    }

    #[test]
    fn a_third_tag_stops_the_parse() {
        let tags = [[0x88, 0xa8, 0, 1], [0x81, 0x00, 0, 2], [0x81, 0x00, 0, 3]];
        let data = frame(&tags, 0x0800, &ipv4_tcp());
        let h = Headers::parse(&data);
        assert_eq!(h.vlan_count(), 2);
        assert_eq!(h.vlan_id(&data), Some(1));
        assert_eq!(h.eth_type(&data), Some(0x8100));
        assert!(!h.has_ip());
    }

    #[test]
    fn a_truncated_tag_is_not_a_tag() {
        let data = [&MACS[..], &[0x81, 0x00, 0x00, 0x05, 0x08]].concat();
        let h = Headers::parse(&data);
        assert!(h.has_eth() && !h.has_vlan());
        assert_eq!(h.eth_type(&data), Some(0x8100));
    }

    #[test]
    fn ipv4_validity_rules() {
        let good = ipv4_tcp();
        let variants: [(usize, u8, bool, bool); 7] = [
            (0, 0x65, false, false), // version 6 in an IPv4 EtherType
            (0, 0x44, false, false), // IHL 4
            (0, 0x4f, false, false), // IHL 15: 60 bytes > total length 44
            (3, 45, false, false),   // total length past the frame
            (3, 19, false, false),   // total length below the header
            (3, 39, true, false),    // total length cuts into the TCP header (24 bytes)
            (6, 0x20, true, true),   // MF, offset 0: a first fragment keeps layer 4
        ];
        for (at, value, ipv4, tcp) in variants {
            let mut ip = good.clone();
            ip[at] = value;
            let data = frame(&[], 0x0800, &ip);
            let h = Headers::parse(&data);
            assert_eq!((h.has_ipv4(), h.has_tcp()), (ipv4, tcp), "byte {at} = {value:#x}");
        }
        let mut later_fragment = good.clone();
        later_fragment[7] = 0x01;
        let h = Headers::parse(&frame(&[], 0x0800, &later_fragment));
        assert!(h.has_ipv4() && !h.has_tcp() && h.l4_offset().is_none());
        // Padding after the total length is allowed and not layer 4.
        let mut padded = good.clone();
        padded.extend_from_slice(&[0; 6]);
        assert!(Headers::parse(&frame(&[], 0x0800, &padded)).has_tcp());
    }

    #[test]
    fn ipv4_options_move_layer_4() {
        let mut ip = ipv4_tcp();
        ip[0] = 0x46;
        ip[3] += 4;
        ip.splice(20..20, [1, 1, 1, 0]);
        Ipv4Packet::new_checked(&mut ip[..]).unwrap().fill_checksum();
        let data = frame(&[], 0x0800, &ip);
        let h = Headers::parse(&data);
        assert_eq!(h.l4_offset(), Some(14 + 24));
        assert_eq!(h.tcp_src(&data), Some(49152));
    }

    #[test]
    fn ipv6_layer_4_is_bounded_by_payload_length() {
        // ICMPv6 echo request fe80::1 -> fe80::2 (checksum 82a8), hop limit 1.
        let mut ip = vec![0x60, 0, 0, 0, 0, 8, 58, 1];
        ip.extend_from_slice(&0xfe80_0000_0000_0000_0000_0000_0000_0001u128.to_be_bytes());
        ip.extend_from_slice(&0xfe80_0000_0000_0000_0000_0000_0000_0002u128.to_be_bytes());
        ip.extend_from_slice(&[128, 0, 0x82, 0xa8, 0, 7, 0, 9]);
        let mut data = frame(&[], 0x86dd, &ip);
        let h = Headers::parse(&data);
        assert!(h.has_ipv6() && h.has_icmp());
        assert_eq!((h.icmp_type(&data), h.icmp_code(&data), h.ip_ttl(&data)), (Some(128), Some(0), Some(1)));
        assert_eq!(h.decrement_ttl(&mut data), TtlOutcome::Expired);
        // Rewriting an address keeps the ICMPv6 checksum (pseudo-header) right.
        assert!(h.set_ipv6_dst(&mut data, 0x2001_0db8 << 96));
        let pseudo = checksum::pseudo_header_ipv6(h.ipv6_src(&data).unwrap(), 0x2001_0db8 << 96, 58, 8);
        assert!(checksum::verify_with(pseudo, &data[54..]));
        // A payload length of 3 cannot hold an ICMP header; neither can 0.
        for payload_len in [3u8, 0] {
            let mut short = data.clone();
            short[14 + 5] = payload_len;
            let h = Headers::parse(&short);
            assert!(h.has_ipv6() && !h.has_icmp());
        }
        // Truncated fixed header: no IPv6 at all.
        assert!(!Headers::parse(&data[..14 + 39]).has_ip());
        // Not version 6.
        let mut v4 = data.clone();
        v4[14] = 0x40;
        assert!(!Headers::parse(&v4).has_ip());
    }

    #[test]
    fn tcp_needs_a_sane_data_offset_and_its_whole_header() {
        let good = ipv4_tcp();
        let mut small = good.clone();
        small[32] = 0x40;
        assert!(!Headers::parse(&frame(&[], 0x0800, &small)).has_tcp());
        let mut big = good.clone();
        big[32] = 0x70; // 28 bytes > the 24 present
        assert!(!Headers::parse(&frame(&[], 0x0800, &big)).has_tcp());
    }

    #[test]
    fn push_and_pop_vlan_move_the_offsets() {
        let original = frame(&[], 0x0800, &ipv4_tcp());
        let mut buffer = original.clone();
        buffer.resize(original.len() + 8, 0);
        let mut frame = Frame::new(&mut buffer, original.len());
        let mut h = Headers::parse(frame.data());
        assert!(!h.pop_vlan(&mut frame), "untagged");
        assert!(h.push_vlan(&mut frame, 0x123, 5));
        assert_eq!(&frame.data()[12..18], &[0x81, 0x00, 0xa1, 0x23, 0x08, 0x00]);
        assert!(h.push_vlan(&mut frame, 0xfff, 0));
        assert!(!h.push_vlan(&mut frame, 1, 1), "a third tag is refused");
        assert_eq!(h, Headers::parse(frame.data()));
        assert_eq!((h.vlan_id(frame.data()), h.l4_offset()), (Some(0xfff), Some(42)));
        assert!(h.set_tcp_src(frame.data_mut(), 1));
        assert!(checksums_ok(frame.data(), &h));
        assert!(h.pop_vlan(&mut frame) && h.pop_vlan(&mut frame));
        assert_eq!(h, Headers::parse(frame.data()));
        assert_eq!(frame.len(), original.len());
        assert_eq!(h.tcp_src(frame.data()), Some(1));
    }

    #[test]
    fn push_vlan_needs_room() {
        let original = frame(&[], 0x0800, &ipv4_tcp());
        let mut buffer = original.clone();
        buffer.resize(original.len() + 3, 0);
        let mut frame = Frame::new(&mut buffer, original.len());
        let mut h = Headers::parse(frame.data());
        assert!(!h.push_vlan(&mut frame, 1, 1));
        assert_eq!(frame.data(), &original[..]);
        assert_eq!(h, Headers::parse(frame.data()));
    }

    #[test]
    fn popping_towards_a_third_tag_reparses() {
        let tags = [[0x88, 0xa8, 0, 1], [0x81, 0x00, 0, 2], [0x81, 0x00, 0, 3]];
        let original = frame(&tags, 0x0800, &ipv4_tcp());
        let mut buffer = original.clone();
        let mut frame = Frame::new(&mut buffer, original.len());
        let mut h = Headers::parse(frame.data());
        assert!(!h.has_ip());
        assert!(h.pop_vlan(&mut frame));
        assert_eq!(h, Headers::parse(frame.data()));
        assert!(h.has_tcp() && h.vlan_count() == 2);
        assert_eq!(h.vlan_id(frame.data()), Some(2));
    }

    #[test]
    fn swap_macs_and_masking() {
        let mut data = frame(&[[0x81, 0, 0, 0]], 0x0800, &ipv4_tcp());
        let h = Headers::parse(&data);
        assert!(h.swap_macs(&mut data));
        assert_eq!(&data[..12], &[2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]);
        assert!(h.set_eth_dst(&mut data, 0xffff_0a0b_0c0d_0e0f));
        assert_eq!(&data[..6], &[0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f]);
        assert!(h.set_vlan_id(&mut data, 0xf123) && h.set_vlan_pcp(&mut data, 0xff));
        assert_eq!(&data[14..16], &[0xe1, 0x23]);
        assert!(h.set_ip_dscp(&mut data, 0xff));
        assert_eq!(h.ip_dscp(&data), Some(0x3f));
    }

    #[test]
    fn a_shorter_slice_than_parsed_is_refused_not_a_panic() {
        let mut data = frame(&[], 0x0800, &ipv4_tcp());
        let h = Headers::parse(&data);
        let short = &mut data[..40];
        assert!(!h.set_tcp_src(short, 1));
        assert!(!h.set_ipv4_src(short, 1), "the whole parsed extent is required");
        assert_eq!(h.tcp_flags(short), None, "getters check only their own bytes");
        assert_eq!(h.decrement_ttl(short), TtlOutcome::NotIp);
    }

    /// IPv6 fd00::1 -> fd00::2 carrying `chain` (extension headers, the first
    /// named by `first`) and then TCP 1024 -> 23 with a valid checksum.
    fn ipv6_tcp_behind(first: u8, chain: &[u8]) -> Vec<u8> {
        let (src, dst) = (0xfd00u128 << 112 | 1, 0xfd00u128 << 112 | 2);
        let mut tcp = vec![0x04, 0x00, 0x00, 23, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0];
        let sum = checksum::checksum_with(checksum::pseudo_header_ipv6(src, dst, 6, 20), &tcp);
        tcp[16..18].copy_from_slice(&sum.to_be_bytes());
        let mut ip = vec![0x60, 0, 0, 0];
        ip.extend_from_slice(&((chain.len() + tcp.len()) as u16).to_be_bytes());
        ip.extend_from_slice(&[first, 64]);
        ip.extend_from_slice(&src.to_be_bytes());
        ip.extend_from_slice(&dst.to_be_bytes());
        ip.extend_from_slice(chain);
        ip.extend_from_slice(&tcp);
        frame(&[], 0x86dd, &ip)
    }

    /// An 8-byte options header (Hop-by-Hop, Destination Options, or a
    /// Routing header with Segments Left 0) naming `next`.
    fn options8(next: u8) -> [u8; 8] {
        [next, 0, 0, 0, 0, 0, 0, 0]
    }

    fn fragment_header(next: u8, offset: u16, more: bool) -> [u8; 8] {
        let [a, b] = (offset << 3 | u16::from(more)).to_be_bytes();
        [next, 0, a, b, 0, 0, 0, 9]
    }

    #[test]
    fn tcp_is_found_behind_each_extension_header() {
        let ah = [6, 4, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        let cases: [(u8, Vec<u8>, u16); 5] = [
            (0, options8(6).to_vec(), ext::HOP),
            (43, options8(6).to_vec(), ext::ROUTE),
            (60, options8(6).to_vec(), ext::DEST),
            (44, fragment_header(6, 0, false).to_vec(), ext::FRAG),
            (51, ah.to_vec(), ext::AH),
        ];
        for (first, chain, flag) in cases {
            let data = ipv6_tcp_behind(first, &chain);
            let h = Headers::parse(&data);
            assert_eq!(h.tcp_dst(&data), Some(23), "behind {first}");
            assert_eq!((h.ip_proto(&data), h.ipv6_ext(&data)), (Some(6), Some(flag)), "behind {first}");
            assert_eq!(h.l4_offset(), Some(14 + 40 + chain.len()));
        }
        let plain = ipv6_tcp_behind(6, &[]);
        let h = Headers::parse(&plain);
        assert_eq!((h.tcp_dst(&plain), h.ipv6_ext(&plain), h.ip_frag(&plain)), (Some(23), Some(0), Some(frag::NONE)));
        // Chained: Hop-by-Hop, Destination Options, Routing, Fragment.
        let chain = [options8(60), options8(43), options8(44), fragment_header(6, 0, true)].concat();
        let data = ipv6_tcp_behind(0, &chain);
        let h = Headers::parse(&data);
        assert_eq!(h.tcp_dst(&data), Some(23));
        assert_eq!(h.ipv6_ext(&data), Some(ext::HOP | ext::DEST | ext::ROUTE | ext::FRAG));
        assert_eq!(h.ip_frag(&data), Some(frag::FIRST));
    }

    #[test]
    fn a_chain_past_the_bound_or_cut_short_has_no_layer_4() {
        let chain: Vec<u8> = (0..=ipv6_ext::MAX_EXT_HEADERS)
            .flat_map(|i| options8(if i == ipv6_ext::MAX_EXT_HEADERS { 6 } else { 60 }))
            .collect();
        let data = ipv6_tcp_behind(60, &chain);
        let h = Headers::parse(&data);
        assert!(h.has_ipv6() && !h.has_tcp());
        assert_eq!(h.ip_proto(&data), None);
        assert_ne!(h.ipv6_ext(&data).unwrap() & ext::BAD, 0);
        // The payload length ends inside the Hop-by-Hop header.
        let mut cut = ipv6_tcp_behind(0, &options8(6));
        cut[14 + 4..14 + 6].copy_from_slice(&4u16.to_be_bytes());
        let h = Headers::parse(&cut);
        assert_eq!((h.has_tcp(), h.ip_proto(&cut), h.ipv6_ext(&cut)), (false, None, Some(ext::HOP | ext::BAD)));
    }

    #[test]
    fn ipv4_fragments_first_tiny_and_later() {
        let whole = ipv4_tcp();
        let mut first = whole.clone();
        first[6] = 0x20; // MF
        let mut tiny = first.clone();
        tiny[3] = 28; // 8 bytes of TCP: the ports, not the flags
        tiny.truncate(28);
        let mut later = whole.clone();
        later[7] = 3;
        let mut last = later.clone();
        last[6] = 0; // offset 3, no MF: the last fragment is a later one too
        for (ip, state, tcp) in [
            (&whole, frag::NONE, true),
            (&first, frag::FIRST, true),
            (&tiny, frag::TINY, false),
            (&later, frag::LATER, false),
            (&last, frag::LATER, false),
        ] {
            let data = frame(&[], 0x0800, ip);
            let h = Headers::parse(&data);
            assert_eq!((h.ip_frag(&data), h.has_tcp(), h.ip_proto(&data)), (Some(state), tcp, Some(6)));
            assert_eq!(h.ipv6_ext(&data), None);
        }
        // A first fragment of a protocol nfc does not parse is just first.
        let mut gre = tiny.clone();
        gre[9] = 47;
        assert_eq!(Headers::parse(&frame(&[], 0x0800, &gre)).ip_frag(&[]), Some(frag::FIRST));
    }

    #[test]
    fn ipv6_fragments_first_tiny_and_later() {
        let first = ipv6_tcp_behind(44, &fragment_header(6, 0, true));
        let h = Headers::parse(&first);
        assert_eq!((h.ip_frag(&first), h.tcp_dst(&first)), (Some(frag::FIRST), Some(23)));
        // Only 8 bytes of TCP in the first fragment (RFC 7112 forbids it).
        let mut tiny = first.clone();
        tiny[14 + 5] = 16;
        tiny.truncate(14 + 40 + 16);
        let h = Headers::parse(&tiny);
        assert_eq!((h.ip_frag(&tiny), h.tcp_dst(&tiny), h.ip_proto(&tiny)), (Some(frag::TINY), None, Some(6)));
        // The chain itself cut by the end of the first fragment.
        let chain = [fragment_header(60, 0, true), options8(6)].concat();
        let mut cut = ipv6_tcp_behind(44, &chain);
        cut[14 + 5] = 12;
        let h = Headers::parse(&cut);
        assert_eq!(h.ip_frag(&cut), Some(frag::TINY));
        assert_eq!(h.ipv6_ext(&cut), Some(ext::FRAG | ext::DEST | ext::BAD));
        // A later fragment: no layer 4, the protocol from the Fragment header.
        let later = ipv6_tcp_behind(44, &fragment_header(6, 1, true));
        let h = Headers::parse(&later);
        assert_eq!((h.ip_frag(&later), h.has_tcp(), h.ip_proto(&later)), (Some(frag::LATER), false, Some(6)));
    }

    #[test]
    fn rewrites_behind_extension_headers_keep_the_checksum() {
        let chain = [options8(60), options8(44), fragment_header(6, 0, false)].concat();
        let mut data = ipv6_tcp_behind(0, &chain);
        let h = Headers::parse(&data);
        assert!(h.set_ipv6_src(&mut data, 7) && h.set_ipv6_dst(&mut data, 9) && h.set_tcp_dst(&mut data, 2323));
        assert_eq!(h.decrement_ttl(&mut data), TtlOutcome::Decremented);
        let l4 = h.l4_offset().unwrap();
        assert!(checksum::verify_with(checksum::pseudo_header_ipv6(7, 9, 6, 20), &data[l4..]));
    }

    #[test]
    fn the_pseudo_header_has_the_final_destination() {
        // A Segment Routing header (type 4) with one segment left: the final
        // destination is the segment list's, and the checksum is over it.
        let final_destination = 0x2001_0db8u128 << 96 | 0x99;
        let mut routing = vec![6, 2, 4, 1, 0, 0, 0, 0];
        routing.extend_from_slice(&final_destination.to_be_bytes());
        let mut data = ipv6_tcp_behind(43, &routing);
        let l4 = 14 + 40 + routing.len();
        let pseudo = |src: u128, dst: u128| checksum::pseudo_header_ipv6(src, dst, 6, 20);
        let (src, dst) = (0xfd00u128 << 112 | 1, 0xfd00u128 << 112 | 2);
        let sum = checksum::checksum_with(pseudo(src, final_destination), &{
            let mut tcp = data[l4..].to_vec();
            tcp[16..18].fill(0);
            tcp
        });
        data[l4 + 16..l4 + 18].copy_from_slice(&sum.to_be_bytes());
        let h = Headers::parse(&data);
        assert!(h.set_ipv6_dst(&mut data, dst + 1), "the next segment");
        assert!(checksum::verify_with(pseudo(src, final_destination), &data[l4..]), "dst is not in it");
        assert!(h.set_ipv6_src(&mut data, src + 5));
        assert!(checksum::verify_with(pseudo(src + 5, final_destination), &data[l4..]), "src is");
        // At the last segment the Destination Address is the final one.
        assert!(h.set_ipv6_dst(&mut data, final_destination));
        data[14 + 40 + 3] = 0;
        let h = Headers::parse(&data);
        assert!(h.set_ipv6_dst(&mut data, 42));
        assert!(checksum::verify_with(pseudo(src + 5, 42), &data[l4..]));
    }

    #[test]
    fn headers_stay_small() {
        assert!(core::mem::size_of::<Headers>() <= 16);
    }
}
