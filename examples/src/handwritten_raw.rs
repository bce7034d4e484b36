//! The shipped specs written by hand on raw bytes, the way DPDK's l2fwd or
//! TinyNF's network functions are: fixed offsets, one length check per read,
//! no parse result kept, nothing read that the decision does not need. The
//! floor `bench/nf-cost` measures the generated code against.
//!
//! Each does exactly what its spec says on every frame, malformed ones
//! included (the differential tests check outputs, bytes and counters
//! against the interpreter), so each keeps its spec's counters, as DPDK's
//! l2fwd keeps per-port statistics. Two library helpers stand in for code
//! such an NF would carry anyway: the RFC 1624 checksum update
//! (`wire::checksum::update16`) and the bounded IPv6 extension-header walk
//! (`wire::ipv6_ext::walk`, only the firewall, only for IPv6 packets with
//! extension headers).

use nfc::runtime::wire::checksum;
use nfc::runtime::wire::ipv6_ext::{self, ext, frag};
use nfc::runtime::{Frame, NetworkFunction, Outputs, PortId, RuleCounter};

/// The views version of nop already reads no byte.
pub use crate::handwritten::Nop;

const ETH_LEN: usize = 14;
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const PROTO_ICMP: u8 = 1;
const PROTO_TCP: u8 = 6;
const PROTO_UDP: u8 = 17;
const PROTO_ICMPV6: u8 = 58;

/// The big-endian 16-bit word at `at`, if the frame holds it.
#[inline]
fn be16(data: &[u8], at: usize) -> Option<u16> {
    data.get(at..)?.first_chunk::<2>().map(|b| u16::from_be_bytes(*b))
}

#[inline]
fn be32(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..)?.first_chunk::<4>().map(|b| u32::from_be_bytes(*b))
}

/// Whether an 802.1Q/802.1ad tag whose TPID is at `at` is there: the TPID,
/// its TCI and the type field after it all fit (nfc's rule for a tag).
#[inline]
fn tag_at(data: &[u8], at: usize) -> bool {
    matches!(be16(data, at), Some(0x8100 | 0x88a8)) && data.len() >= at + 6
}

/// The EtherType after up to two tags and where the layer-3 header starts.
#[inline]
fn ethertype(data: &[u8]) -> Option<(u16, usize)> {
    let mut at = 12;
    for _ in 0..2 {
        if !tag_at(data, at) {
            break;
        }
        at += 4;
    }
    Some((be16(data, at)?, at + 2))
}

/// The IPv4 header at `l3` if it is one nfc accepts: version 4, IHL >= 5,
/// header length <= total length <= the bytes there. Returns the header
/// length and total length.
#[inline]
fn ipv4_at(data: &[u8], l3: usize) -> Option<(usize, usize)> {
    let ip = data.get(l3..)?;
    let fixed = ip.first_chunk::<20>()?;
    let header_len = usize::from(fixed[0] & 0x0f) * 4;
    let total_len = usize::from(u16::from_be_bytes([fixed[2], fixed[3]]));
    let ok = fixed[0] >> 4 == 4 && header_len >= 20 && header_len <= total_len && total_len <= ip.len();
    ok.then_some((header_len, total_len))
}

#[derive(Default)]
pub struct L2fwd {
    counters: [RuleCounter; 3],
}

impl L2fwd {
    /// Counts the frame, writes the next hop's MACs into a frame long enough
    /// to have an Ethernet header, and sends it out of `out`.
    #[inline(always)]
    fn forward(&mut self, counter: usize, frame: &mut Frame<'_>, dst: [u8; 6], src: [u8; 6], out: PortId) -> Outputs {
        self.counters[counter].record(frame.len());
        if let Some(header) = frame.data_mut().first_chunk_mut::<ETH_LEN>() {
            header[..6].copy_from_slice(&dst);
            header[6..12].copy_from_slice(&src);
        }
        Outputs::port(out)
    }
}

impl NetworkFunction for L2fwd {
    #[inline]
    fn process(&mut self, input: PortId, frame: &mut Frame<'_>) -> Outputs {
        match input {
            0 => self.forward(0, frame, [2, 0, 0, 0, 1, 1], [2, 0, 0, 0, 1, 0], 1),
            1 => self.forward(1, frame, [2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 0], 0),
            _ => {
                self.counters[2].record(frame.len());
                Outputs::DROP
            }
        }
    }
    crate::handwritten::counters!("p0_to_p1", "p1_to_p0", "default");
}

#[derive(Default)]
pub struct Router {
    counters: [RuleCounter; 4],
}

impl NetworkFunction for Router {
    #[inline]
    fn process(&mut self, _input: PortId, frame: &mut Frame<'_>) -> Outputs {
        let len = frame.len();
        let data = frame.data_mut();
        let Some((ETHERTYPE_IPV4, l3)) = ethertype(data) else {
            self.counters[1].record(len);
            return Outputs::DROP;
        };
        self.counters[0].record(len);
        let Some(dst) = ipv4_at(data, l3).and_then(|_| be32(data, l3 + 16)) else {
            self.counters[3].record(len);
            return Outputs::DROP;
        };
        self.counters[2].record(len);
        // Longest prefix first: 10.1.200/24, 10.1/16, 192.168/16, default.
        let (src_mac, dst_mac, port) = if dst & 0xffff_ff00 == 0x0a01_c800 {
            ([2, 0, 0, 0, 0, 3], [2, 0, 0, 0, 3, 1], 2)
        } else if dst & 0xffff_0000 == 0x0a01_0000 {
            ([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 1, 1], 0)
        } else if dst & 0xffff_0000 == 0xc0a8_0000 {
            ([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 1, 2], 0)
        } else {
            ([2, 0, 0, 0, 0, 2], [2, 0, 0, 0, 2, 1], 1)
        };
        let Some(header) = data.get_mut(..l3 + 20) else { return Outputs::DROP };
        header[..6].copy_from_slice(&dst_mac);
        header[6..12].copy_from_slice(&src_mac);
        // TTL and protocol share a checksummed word (RFC 1624 update).
        let (ttl, protocol) = (header[l3 + 8], header[l3 + 9]);
        if ttl <= 1 {
            return Outputs::DROP;
        }
        header[l3 + 8] = ttl - 1;
        let old = u16::from_be_bytes([header[l3 + 10], header[l3 + 11]]);
        let sum = checksum::update16(old, u16::from_be_bytes([ttl, protocol]), u16::from_be_bytes([ttl - 1, protocol]));
        header[l3 + 10..l3 + 12].copy_from_slice(&sum.to_be_bytes());
        Outputs::port(port)
    }
    crate::handwritten::counters!("ipv4", "default", "routes/hit", "routes/miss");
}

/// What the firewall's rules read, found on raw bytes.
#[derive(Default)]
struct Seen {
    /// Source and destination of a valid IPv4 header.
    ipv4: Option<(u32, u32)>,
    /// `ip.frag`, when there is an IP header.
    fragment: Option<u8>,
    /// `ip.proto`.
    protocol: Option<u8>,
    /// The TCP header's offset, when complete.
    tcp: Option<usize>,
    /// The UDP header's offset, when complete.
    udp: Option<usize>,
}

impl Seen {
    fn of(data: &[u8]) -> Seen {
        let mut seen = Seen::default();
        match ethertype(data) {
            Some((ETHERTYPE_IPV4, l3)) => seen.ipv4(data, l3),
            Some((ETHERTYPE_IPV6, l3)) => seen.ipv6(data, l3),
            _ => {}
        }
        seen
    }

    fn ipv4(&mut self, data: &[u8], l3: usize) {
        let Some((header_len, total_len)) = ipv4_at(data, l3) else { return };
        let (Some(src), Some(dst)) = (be32(data, l3 + 12), be32(data, l3 + 16)) else { return };
        self.ipv4 = Some((src, dst));
        let protocol = data[l3 + 9];
        self.protocol = Some(protocol);
        let flags_offset = be16(data, l3 + 6).unwrap_or(0);
        self.fragment = Some(frag::NONE);
        if flags_offset & 0x1fff != 0 {
            self.fragment = Some(frag::LATER);
            return;
        }
        let complete = self.layer4(data, protocol, PROTO_ICMP, l3 + header_len, total_len - header_len);
        if flags_offset & 0x2000 != 0 {
            self.fragment = Some(if complete { frag::FIRST } else { frag::TINY });
        }
    }

    fn ipv6(&mut self, data: &[u8], l3: usize) {
        let Some(fixed) = data.get(l3..).and_then(|ip| ip.first_chunk::<40>()) else { return };
        if fixed[0] >> 4 != 6 {
            return;
        }
        let start = l3 + 40;
        let available = usize::from(u16::from_be_bytes([fixed[4], fixed[5]])).min(data.len() - start);
        self.fragment = Some(frag::NONE);
        let next = fixed[6];
        if matches!(next, PROTO_TCP | PROTO_UDP | PROTO_ICMPV6) {
            self.protocol = Some(next);
            self.layer4(data, next, PROTO_ICMPV6, start, available);
            return;
        }
        let chain = ipv6_ext::walk(next, &data[start..start + available]);
        self.fragment = Some(chain.fragment);
        let mut complete = chain.flags & ext::BAD == 0;
        if let Some(protocol) = chain.protocol {
            self.protocol = Some(protocol);
            if chain.fragment != frag::LATER {
                complete &= self.layer4(data, protocol, PROTO_ICMPV6, start + chain.upper, available - chain.upper);
            }
        }
        if chain.fragment == frag::FIRST && !complete {
            self.fragment = Some(frag::TINY);
        }
    }

    /// Notes a complete TCP or UDP header at `l4` (within `available`
    /// bytes); false when the protocol is TCP, UDP or this family's ICMP but
    /// its header is not complete.
    fn layer4(&mut self, data: &[u8], protocol: u8, icmp: u8, l4: usize, available: usize) -> bool {
        match protocol {
            PROTO_TCP => {
                let header_len = data.get(l4 + 12).map_or(0, |&b| usize::from(b >> 4) * 4);
                let complete = header_len >= 20 && header_len <= available;
                self.tcp = complete.then_some(l4);
                complete
            }
            PROTO_UDP => {
                let complete = available >= 8;
                self.udp = complete.then_some(l4);
                complete
            }
            p if p == icmp => available >= 4,
            _ => true,
        }
    }
}

#[derive(Default)]
pub struct Firewall {
    counters: [RuleCounter; 10],
}

impl Firewall {
    #[inline]
    fn count(&mut self, rule: usize, len: usize, outputs: Outputs) -> Outputs {
        self.counters[rule].record(len);
        outputs
    }
}

impl NetworkFunction for Firewall {
    #[inline]
    fn process(&mut self, input: PortId, frame: &mut Frame<'_>) -> Outputs {
        const INSIDE: PortId = 0;
        const OUTSIDE: PortId = 1;
        const ACK: u8 = 0x10;
        const SYN: u8 = 0x02;
        let (len, data) = (frame.len(), frame.data());
        let seen = Seen::of(data);
        if seen.fragment == Some(frag::TINY) {
            return self.count(0, len, Outputs::DROP);
        }
        if input == OUTSIDE && seen.fragment == Some(frag::LATER) {
            return self.count(1, len, Outputs::DROP);
        }
        let tcp_dst = seen.tcp.and_then(|l4| be16(data, l4 + 2));
        if tcp_dst == Some(23) {
            return self.count(2, len, Outputs::DROP);
        }
        if seen.protocol == Some(PROTO_ICMP) {
            return self.count(3, len, Outputs::flood(input, 2));
        }
        let Some((src, dst)) = seen.ipv4 else { return self.count(9, len, Outputs::DROP) };
        if input == INSIDE && src >> 24 == 10 {
            return self.count(4, len, Outputs::port(OUTSIDE));
        }
        if input == OUTSIDE && dst >> 24 == 10 {
            let to_services = dst >> 8 == 0x0a_0001;
            if to_services && tcp_dst == Some(22) {
                return self.count(5, len, Outputs::port(INSIDE));
            }
            if to_services && tcp_dst.is_some_and(|port| (80..=443).contains(&port)) {
                return self.count(6, len, Outputs::port(INSIDE));
            }
            let flags = seen.tcp.and_then(|l4| data.get(l4 + 13));
            if flags.is_some_and(|f| f & (ACK | SYN) == ACK) {
                return self.count(7, len, Outputs::port(INSIDE));
            }
            if seen.udp.and_then(|l4| be16(data, l4)) == Some(53) {
                return self.count(8, len, Outputs::port(INSIDE));
            }
        }
        self.count(9, len, Outputs::DROP)
    }
    crate::handwritten::counters!(
        "tiny_fragments",
        "later_fragments_in",
        "no_telnet",
        "ping",
        "outbound",
        "inbound_services",
        "inbound_web",
        "inbound_replies",
        "inbound_dns",
        "default"
    );
}

#[derive(Default)]
pub struct Vlan {
    counters: [RuleCounter; 3],
}

impl NetworkFunction for Vlan {
    #[inline]
    fn process(&mut self, input: PortId, frame: &mut Frame<'_>) -> Outputs {
        let len = frame.len();
        let data = frame.data();
        if input == 0 {
            self.counters[0].record(len);
            // No Ethernet header, or two tags already (a third would hide
            // the IP layer): refused.
            if len < ETH_LEN || (tag_at(data, 12) && tag_at(data, 16)) {
                return Outputs::DROP;
            }
            let Ok(gap) = frame.insert_gap(12, 4) else { return Outputs::DROP };
            // TPID 0x8100, PCP 3, VID 100.
            gap.copy_from_slice(&[0x81, 0x00, 0x60, 100]);
            return Outputs::port(1);
        }
        if input == 1 && tag_at(data, 12) && be16(data, 14).is_some_and(|tci| tci & 0x0fff == 100) {
            self.counters[1].record(len);
            // The tag is there, so the range is in the frame.
            let _ = frame.remove_range(12, 4);
            return Outputs::port(0);
        }
        self.counters[2].record(len);
        Outputs::DROP
    }
    crate::handwritten::counters!("tag", "untag", "default");
}
