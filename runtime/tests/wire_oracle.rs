//! `Headers` against etherparse: random packets are built with etherparse's
//! header types (its serialisation and checksum code), IPv6 ones with chains
//! of extension headers (Hop-by-Hop, Destination Options, Segment Routing,
//! Fragment, AH), then every getter is compared with etherparse's parse, and
//! after every setter etherparse re-parses the frame and recomputes each
//! checksum from scratch (over IPv6 with the final destination in the
//! pseudo-header, RFC 8200 §8.1).

use etherparse::{
    EtherType, Ethernet2Header, Icmpv4Type, Icmpv6Type, IpAuthHeader, IpFragOffset, IpNumber, Ipv4Dscp, Ipv4Ecn,
    Ipv4Header, Ipv6ExtensionSlice, Ipv6FlowLabel, Ipv6Header, Ipv6RawExtHeader, LinkSlice, NetSlice, SingleVlanHeader,
    SlicedPacket, TcpHeader, TcpSlice, UdpHeader, UdpSlice, VlanId, VlanPcp, VlanSlice,
};
use nfc_runtime::wire::ipv6_ext::{ext, frag, MAX_EXT_BYTES, MAX_EXT_HEADERS};
use nfc_runtime::wire::{
    checksum, EthernetFrame, IcmpPacket, Ipv4Packet, Ipv6Packet, TcpPacket, UdpPacket, VlanTag, WireError,
};
use nfc_runtime::{Frame, Headers, TtlOutcome};
use proptest::prelude::*;

// ---------------------------------------------------------------------------
// Packet generation

#[derive(Clone, Debug)]
struct Tag {
    tpid: u16,
    pcp: u8,
    dei: bool,
    vid: u16,
}

#[derive(Clone, Debug)]
enum L4 {
    Tcp {
        src: u16,
        dst: u16,
        seq: u32,
        ack: u32,
        flags: u8,
        window: u16,
        urgent: u16,
        options: Vec<u8>,
    },
    Udp {
        src: u16,
        dst: u16,
        no_checksum: bool,
    },
    Icmp {
        type_u8: u8,
        code_u8: u8,
        rest: [u8; 4],
    },
    /// A protocol nfc does not parse (never an IPv6 extension header or AH).
    Other(u8),
}

#[derive(Clone, Debug)]
struct Ipv4 {
    dscp: u8,
    ecn: u8,
    ident: u16,
    dont_fragment: bool,
    more_fragments: bool,
    fragment_offset: u16,
    ttl: u8,
    src: [u8; 4],
    dst: [u8; 4],
    options: Vec<u8>,
}

#[derive(Clone, Debug)]
struct Ipv6 {
    traffic_class: u8,
    flow_label: u32,
    hop_limit: u8,
    src: [u8; 16],
    dst: [u8; 16],
    chain: Vec<Ext>,
}

/// One IPv6 extension header.
#[derive(Clone, Debug)]
enum Ext {
    /// Options bytes (6 + 8k).
    HopByHop(Vec<u8>),
    DestinationOptions(Vec<u8>),
    /// A Segment Routing header (type 4): the segment list, last segment
    /// first, and how many segments are left.
    Routing {
        left: u8,
        segments: Vec<[u8; 16]>,
    },
    Fragment {
        offset: u16,
        more: bool,
    },
    /// An Authentication Header with an ICV of this many bytes.
    Auth {
        icv: Vec<u8>,
    },
}

impl Ext {
    fn number(&self) -> u8 {
        match self {
            Ext::HopByHop(_) => 0,
            Ext::DestinationOptions(_) => 60,
            Ext::Routing { .. } => 43,
            Ext::Fragment { .. } => 44,
            Ext::Auth { .. } => 51,
        }
    }
}

impl Ipv6 {
    /// The destination the upper-layer checksum covers: behind a Routing
    /// header with segments left, the last segment (RFC 8200 §8.1).
    fn final_destination(&self) -> [u8; 16] {
        self.chain
            .iter()
            .find_map(|e| match e {
                Ext::Routing { left, segments } if *left > 0 => Some(segments[0]),
                _ => None,
            })
            .unwrap_or(self.dst)
    }
}

#[derive(Clone, Debug)]
enum Net {
    V4(Ipv4, L4),
    V6(Ipv6, L4),
    /// A non-IP EtherType (ARP, MPLS, ...) and its raw payload.
    Other(u16),
}

#[derive(Clone, Debug)]
struct Packet {
    dst: [u8; 6],
    src: [u8; 6],
    tags: Vec<Tag>,
    /// A third tag: parse must stop at it.
    third_tag: bool,
    net: Net,
    payload: Vec<u8>,
    /// Ethernet padding after the IP packet.
    padding: Vec<u8>,
}

fn tag() -> impl Strategy<Value = Tag> {
    (prop_oneof![Just(0x8100u16), Just(0x88a8u16)], 0u8..8, any::<bool>(), 0u16..4096)
        .prop_map(|(tpid, pcp, dei, vid)| Tag { tpid, pcp, dei, vid })
}

fn words(max_words: usize) -> impl Strategy<Value = Vec<u8>> {
    (0..=max_words).prop_flat_map(|n| proptest::collection::vec(any::<u8>(), n * 4))
}

fn l4() -> impl Strategy<Value = L4> {
    prop_oneof![
        (any::<(u16, u16, u32, u32, u8, u16, u16)>(), words(10)).prop_map(
            |((src, dst, seq, ack, flags, window, urgent), options)| L4::Tcp {
                src,
                dst,
                seq,
                ack,
                flags,
                window,
                urgent,
                options
            }
        ),
        (any::<u16>(), any::<u16>(), any::<bool>()).prop_map(|(src, dst, no_checksum)| L4::Udp {
            src,
            dst,
            no_checksum
        }),
        (any::<u8>(), any::<u8>(), any::<[u8; 4]>()).prop_map(|(type_u8, code_u8, rest)| L4::Icmp {
            type_u8,
            code_u8,
            rest
        }),
        prop_oneof![Just(47u8), Just(89u8), Just(132u8), Just(253u8)].prop_map(L4::Other),
    ]
}

fn ipv4() -> impl Strategy<Value = Ipv4> {
    (
        (0u8..64, 0u8..4, any::<u16>(), any::<bool>()),
        // Mostly unfragmented; sometimes a first fragment (MF, offset 0) or a later one.
        prop_oneof![3 => Just((false, 0u16)), 1 => Just((true, 0u16)), 1 => (any::<bool>(), 1u16..8192)],
        any::<u8>(),
        any::<[u8; 4]>(),
        any::<[u8; 4]>(),
        words(10),
    )
        .prop_map(
            |((dscp, ecn, ident, dont_fragment), (more_fragments, fragment_offset), ttl, src, dst, options)| Ipv4 {
                dscp,
                ecn,
                ident,
                dont_fragment,
                more_fragments,
                fragment_offset,
                ttl,
                src,
                dst,
                options,
            },
        )
}

fn options() -> impl Strategy<Value = Vec<u8>> {
    (0usize..3).prop_flat_map(|k| proptest::collection::vec(any::<u8>(), 6 + 8 * k))
}

fn extension() -> impl Strategy<Value = Ext> {
    prop_oneof![
        options().prop_map(Ext::HopByHop),
        options().prop_map(Ext::DestinationOptions),
        proptest::collection::vec(any::<[u8; 16]>(), 1..4).prop_flat_map(|segments| {
            (0..=segments.len() as u8).prop_map(move |left| Ext::Routing { left, segments: segments.clone() })
        }),
        (prop_oneof![3 => Just(0u16), 1 => 1u16..8192], any::<bool>())
            .prop_map(|(offset, more)| Ext::Fragment { offset, more }),
        (0usize..3)
            .prop_flat_map(|k| proptest::collection::vec(any::<u8>(), 4 + 8 * k))
            .prop_map(|icv| Ext::Auth { icv }),
    ]
}

/// A chain as senders build them, give or take order and repeats: a
/// Hop-by-Hop header only first (etherparse rejects it elsewhere), at most
/// one Routing header, nothing after a later fragment's Fragment header.
fn chain() -> impl Strategy<Value = Vec<Ext>> {
    prop_oneof![
        2 => Just(Vec::new()),
        3 => proptest::collection::vec(extension(), 1..5),
    ]
    .prop_map(|raw| {
        let mut chain = Vec::new();
        for (i, e) in raw.into_iter().enumerate() {
            let e = match e {
                Ext::HopByHop(o) if i > 0 => Ext::DestinationOptions(o),
                Ext::Routing { .. } if chain.iter().any(|c: &Ext| c.number() == 43) => {
                    Ext::DestinationOptions(vec![0; 6])
                }
                e => e,
            };
            let later = matches!(e, Ext::Fragment { offset, .. } if offset != 0);
            chain.push(e);
            if later {
                break;
            }
        }
        chain
    })
}

fn ipv6() -> impl Strategy<Value = Ipv6> {
    (any::<u8>(), 0u32..(1 << 20), any::<u8>(), any::<[u8; 16]>(), any::<[u8; 16]>(), chain()).prop_map(
        |(traffic_class, flow_label, hop_limit, src, dst, chain)| Ipv6 {
            traffic_class,
            flow_label,
            hop_limit,
            src,
            dst,
            chain,
        },
    )
}

/// The bytes of a chain whose last header names `upper`.
fn build_chain(chain: &[Ext], upper: u8) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, e) in chain.iter().enumerate() {
        let next = IpNumber(chain.get(i + 1).map_or(upper, Ext::number));
        match e {
            Ext::HopByHop(o) | Ext::DestinationOptions(o) => {
                out.extend_from_slice(&Ipv6RawExtHeader::new_raw(next, o).unwrap().to_bytes())
            }
            Ext::Routing { left, segments } => {
                let mut data = vec![4, *left, segments.len() as u8 - 1, 0, 0, 0];
                segments.iter().for_each(|s| data.extend_from_slice(s));
                out.extend_from_slice(&Ipv6RawExtHeader::new_raw(next, &data).unwrap().to_bytes());
            }
            Ext::Fragment { offset, more } => {
                // RFC 8200 §4.5 by hand: etherparse 0.16 puts the offset's low
                // bits and the M flag in the wrong places (its issue #150,
                // fixed in 0.20); its length and Next Header are right.
                let [a, b] = (offset << 3 | u16::from(*more)).to_be_bytes();
                out.extend_from_slice(&[next.0, 0, a, b, 0, 0, 0x12, 0x34]);
            }
            Ext::Auth { icv } => out.extend_from_slice(&IpAuthHeader::new(next, 0x100, 1, icv).unwrap().to_bytes()),
        }
    }
    out
}

fn net() -> impl Strategy<Value = Net> {
    prop_oneof![
        4 => (ipv4(), l4()).prop_map(|(ip, l4)| Net::V4(ip, l4)),
        3 => (ipv6(), l4()).prop_map(|(ip, l4)| Net::V6(ip, l4)),
        1 => prop_oneof![Just(0x0806u16), Just(0x8847u16), Just(0x88ccu16)].prop_map(Net::Other),
    ]
}

fn packet() -> impl Strategy<Value = Packet> {
    (
        any::<[u8; 6]>(),
        any::<[u8; 6]>(),
        proptest::collection::vec(tag(), 0..=2),
        proptest::bool::weighted(0.1),
        net(),
        proptest::collection::vec(any::<u8>(), 0..40),
        prop_oneof![3 => Just(Vec::new()), 1 => proptest::collection::vec(any::<u8>(), 1..20)],
    )
        .prop_map(|(dst, src, tags, third_tag, net, payload, padding)| Packet {
            dst,
            src,
            third_tag: third_tag && tags.len() == 2,
            tags,
            net,
            payload,
            padding,
        })
}

fn ip_number(l4: &L4, icmp: u8) -> u8 {
    match l4 {
        L4::Tcp { .. } => 6,
        L4::Udp { .. } => 17,
        L4::Icmp { .. } => icmp,
        L4::Other(p) => *p,
    }
}

/// The layer-4 bytes with a correct checksum for the given pseudo-header.
fn build_l4(l4: &L4, payload: &[u8], v4: Option<&Ipv4Header>, v6: Option<&Ipv6Header>) -> Vec<u8> {
    let mut out = Vec::new();
    match l4 {
        L4::Tcp { src, dst, seq, ack, flags, window, urgent, options } => {
            let mut tcp = TcpHeader::new(*src, *dst, *seq, *window);
            tcp.acknowledgment_number = *ack;
            tcp.fin = flags & 0x01 != 0;
            tcp.syn = flags & 0x02 != 0;
            tcp.rst = flags & 0x04 != 0;
            tcp.psh = flags & 0x08 != 0;
            tcp.ack = flags & 0x10 != 0;
            tcp.urg = flags & 0x20 != 0;
            tcp.ece = flags & 0x40 != 0;
            tcp.cwr = flags & 0x80 != 0;
            tcp.urgent_pointer = *urgent;
            tcp.set_options_raw(options).unwrap();
            tcp.checksum = match (v4, v6) {
                (Some(ip), _) => tcp.calc_checksum_ipv4(ip, payload).unwrap(),
                (_, Some(ip)) => tcp.calc_checksum_ipv6(ip, payload).unwrap(),
                _ => unreachable!(),
            };
            out.extend_from_slice(&tcp.to_bytes());
        }
        L4::Udp { src, dst, no_checksum } => {
            let udp = match (v4, v6) {
                (Some(_), _) if *no_checksum => UdpHeader::without_ipv4_checksum(*src, *dst, payload.len()).unwrap(),
                (Some(ip), _) => UdpHeader::with_ipv4_checksum(*src, *dst, ip, payload).unwrap(),
                (_, Some(ip)) => UdpHeader::with_ipv6_checksum(*src, *dst, ip, payload).unwrap(),
                _ => unreachable!(),
            };
            out.extend_from_slice(&udp.to_bytes());
        }
        L4::Icmp { type_u8, code_u8, rest } => {
            let checksum = match (v4, v6) {
                (Some(_), _) => Icmpv4Type::Unknown { type_u8: *type_u8, code_u8: *code_u8, bytes5to8: *rest }
                    .calc_checksum(payload),
                (_, Some(ip)) => Icmpv6Type::Unknown { type_u8: *type_u8, code_u8: *code_u8, bytes5to8: *rest }
                    .calc_checksum(ip.source, ip.destination, payload)
                    .unwrap(),
                _ => unreachable!(),
            };
            out.extend_from_slice(&[*type_u8, *code_u8]);
            out.extend_from_slice(&checksum.to_be_bytes());
            out.extend_from_slice(rest);
        }
        L4::Other(_) => {}
    }
    out.extend_from_slice(payload);
    out
}

fn build(p: &Packet) -> Vec<u8> {
    let net_type = match &p.net {
        Net::V4(..) => 0x0800,
        Net::V6(..) => 0x86dd,
        Net::Other(t) => *t,
    };
    // Each type field names what follows it.
    let mut types: Vec<u16> = p.tags.iter().map(|t| t.tpid).collect();
    if p.third_tag {
        types.push(0x8100);
    }
    types.push(net_type);
    let mut out = Vec::new();
    let eth = Ethernet2Header { source: p.src, destination: p.dst, ether_type: EtherType(types[0]) };
    out.extend_from_slice(&eth.to_bytes());
    for (i, t) in p.tags.iter().enumerate() {
        let vlan = SingleVlanHeader {
            pcp: VlanPcp::try_new(t.pcp).unwrap(),
            drop_eligible_indicator: t.dei,
            vlan_id: VlanId::try_new(t.vid).unwrap(),
            ether_type: EtherType(types[i + 1]),
        };
        out.extend_from_slice(&vlan.to_bytes());
    }
    if p.third_tag {
        out.extend_from_slice(&[0x20, 0x05]);
        out.extend_from_slice(&net_type.to_be_bytes());
    }
    match &p.net {
        Net::V4(ip, l4) => {
            let l4_len = build_l4(l4, &p.payload, Some(&Ipv4Header::default()), None).len();
            let mut header =
                Ipv4Header::new(l4_len as u16, ip.ttl, IpNumber(ip_number(l4, 1)), ip.src, ip.dst).unwrap();
            header.dscp = Ipv4Dscp::try_new(ip.dscp).unwrap();
            header.ecn = Ipv4Ecn::try_new(ip.ecn).unwrap();
            header.identification = ip.ident;
            header.dont_fragment = ip.dont_fragment;
            header.more_fragments = ip.more_fragments;
            header.fragment_offset = IpFragOffset::try_new(ip.fragment_offset).unwrap();
            header.options = ip.options.as_slice().try_into().unwrap();
            header.total_len = (header.header_len() + l4_len) as u16;
            header.header_checksum = header.calc_header_checksum();
            out.extend_from_slice(&header.to_bytes());
            out.extend_from_slice(&build_l4(l4, &p.payload, Some(&header), None));
        }
        Net::V6(ip, l4) => {
            let upper = ip_number(l4, 58);
            let mut header = Ipv6Header {
                traffic_class: ip.traffic_class,
                flow_label: Ipv6FlowLabel::try_new(ip.flow_label).unwrap(),
                payload_length: 0,
                next_header: IpNumber(ip.chain.first().map_or(upper, Ext::number)),
                hop_limit: ip.hop_limit,
                source: ip.src,
                destination: ip.dst,
            };
            let covered = Ipv6Header { destination: ip.final_destination(), ..header.clone() };
            let mut body = build_chain(&ip.chain, upper);
            body.extend(build_l4(l4, &p.payload, None, Some(&covered)));
            header.payload_length = body.len() as u16;
            out.extend_from_slice(&header.to_bytes());
            out.extend_from_slice(&body);
        }
        Net::Other(_) => out.extend_from_slice(&p.payload),
    }
    out.extend_from_slice(&p.padding);
    out
}

// ---------------------------------------------------------------------------
// The oracle: what etherparse says each getter must return

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Fields {
    eth_dst: Option<u64>,
    eth_src: Option<u64>,
    eth_type: Option<u16>,
    vlan_id: Option<u16>,
    vlan_pcp: Option<u8>,
    ipv4_src: Option<u32>,
    ipv4_dst: Option<u32>,
    ipv6_src: Option<u128>,
    ipv6_dst: Option<u128>,
    ip_proto: Option<u8>,
    ip_ttl: Option<u8>,
    ip_dscp: Option<u8>,
    tcp_src: Option<u16>,
    tcp_dst: Option<u16>,
    tcp_flags: Option<u8>,
    udp_src: Option<u16>,
    udp_dst: Option<u16>,
    icmp_type: Option<u8>,
    icmp_code: Option<u8>,
    ip_frag: Option<u8>,
    ipv6_ext: Option<u16>,
}

fn mac(bytes: [u8; 6]) -> u64 {
    let mut b = [0u8; 8];
    b[2..].copy_from_slice(&bytes);
    u64::from_be_bytes(b)
}

/// Checksum equality in one's complement: 0x0000 and 0xffff are both zero.
fn same_checksum(a: u16, b: u16) -> bool {
    a == b || (a | b == 0xffff && (a == 0 || b == 0))
}

/// Layer-4 bytes as nfc's rules define them: IP payload of a packet whose
/// fragment offset is 0 (etherparse itself skips every fragmented payload,
/// first fragments included, so layer 4 is sliced here with etherparse's
/// slice types).
struct Ip<'a> {
    v4: Option<Ipv4Header>,
    v6: Option<Ipv6Header>,
    /// The IPv6 header as the upper-layer pseudo-header sees it: with the
    /// final destination.
    v6_pseudo: Option<Ipv6Header>,
    protocol: u8,
    payload: Option<&'a [u8]>,
    fragment: u8,
    ext: Option<u16>,
}

/// RFC 8200 §4.1 as nfc reads it: `UNREP` when a header occurs more often than
/// allowed (each once, Destination Options once before a Routing header and
/// once after), `UNSEQ` when one comes out of the order Hop-by-Hop,
/// Destination Options, Routing, Fragment, AH, ESP, Destination Options, or a
/// Hop-by-Hop header is not first.
fn order_flags(kinds: &[u8]) -> u16 {
    const ORDER: [u8; 7] = [0, 60, 43, 44, 51, 50, 60];
    let mut flags = 0;
    let mut used = [false; 7];
    let mut position = 0;
    for (i, &kind) in kinds.iter().enumerate() {
        // The slot of this header: a Destination Options header takes the
        // first slot until something that belongs after a Routing header
        // has been seen.
        let slot = match kind {
            60 if position <= 1 => 1,
            60 => 6,
            k => ORDER.iter().position(|&o| o == k).unwrap(),
        };
        if used[slot] {
            flags |= ext::UNREP;
        }
        used[slot] = true;
        if slot < position || (kind == 0 && i > 0) {
            flags |= ext::UNSEQ;
        }
        position = position.max(slot);
    }
    flags
}

fn ip_of<'a>(sliced: &SlicedPacket<'a>) -> Option<Ip<'a>> {
    match sliced.net.as_ref()? {
        NetSlice::Ipv4(ip) => {
            let header = ip.header().to_header();
            let first = header.fragment_offset.value() == 0;
            assert!(ip.extensions().auth.is_none(), "generator never builds AH");
            let fragment = match (first, header.more_fragments) {
                (false, _) => frag::LATER,
                (true, true) => frag::FIRST,
                (true, false) => frag::NONE,
            };
            Some(Ip {
                protocol: header.protocol.0,
                v4: Some(header),
                v6: None,
                v6_pseudo: None,
                payload: first.then_some(ip.payload().payload),
                fragment,
                ext: None,
            })
        }
        NetSlice::Ipv6(ip) => {
            let header = ip.header().to_header();
            let mut pseudo = header.clone();
            let (mut fragment, mut later, mut flags, mut kinds) = (frag::NONE, false, 0, Vec::new());
            for extension in ip.extensions().clone() {
                let (kind, flag) = match &extension {
                    Ipv6ExtensionSlice::HopByHop(_) => (0, ext::HOP),
                    Ipv6ExtensionSlice::DestinationOptions(_) => (60, ext::DEST),
                    Ipv6ExtensionSlice::Routing(routing) => {
                        let data = routing.payload();
                        if data[1] != 0 {
                            // Segment List[0], after the 6 bytes of type, left, last entry, flags and tag.
                            pseudo.destination = data[6..22].try_into().unwrap();
                        }
                        (43, ext::ROUTE)
                    }
                    Ipv6ExtensionSlice::Fragment(f) => {
                        // The offset read by hand, see `build_chain`.
                        later = u16::from_be_bytes([f.slice()[2], f.slice()[3]]) >> 3 != 0;
                        fragment = if later { frag::LATER } else { frag::FIRST };
                        (44, ext::FRAG)
                    }
                    Ipv6ExtensionSlice::Authentication(_) => (51, ext::AH),
                };
                kinds.push(kind);
                flags |= flag;
            }
            let protocol = ip.payload().ip_number.0;
            flags |= order_flags(&kinds);
            Some(Ip {
                protocol,
                v4: None,
                v6: Some(header),
                v6_pseudo: Some(pseudo),
                payload: (!later).then_some(ip.payload().payload),
                fragment,
                ext: Some(flags),
            })
        }
    }
}

fn oracle(data: &[u8]) -> Fields {
    let mut f = Fields::default();
    let sliced = SlicedPacket::from_ethernet(data).expect("generated packets are valid for etherparse");
    let Some(LinkSlice::Ethernet2(eth)) = &sliced.link else { panic!("no ethernet") };
    f.eth_dst = Some(mac(eth.destination()));
    f.eth_src = Some(mac(eth.source()));
    f.eth_type = Some(eth.ether_type().0);
    match &sliced.vlan {
        Some(VlanSlice::SingleVlan(v)) => {
            f.vlan_id = Some(v.vlan_identifier().value());
            f.vlan_pcp = Some(v.priority_code_point().value());
            f.eth_type = Some(v.ether_type().0);
        }
        Some(VlanSlice::DoubleVlan(v)) => {
            f.vlan_id = Some(v.outer().vlan_identifier().value());
            f.vlan_pcp = Some(v.outer().priority_code_point().value());
            f.eth_type = Some(v.inner().ether_type().0);
        }
        None => {}
    }
    let Some(ip) = ip_of(&sliced) else { return f };
    f.ip_proto = Some(ip.protocol);
    f.ip_frag = Some(ip.fragment);
    f.ipv6_ext = ip.ext;
    if let Some(h) = &ip.v4 {
        f.ipv4_src = Some(u32::from_be_bytes(h.source));
        f.ipv4_dst = Some(u32::from_be_bytes(h.destination));
        f.ip_ttl = Some(h.time_to_live);
        f.ip_dscp = Some(h.dscp.value());
    }
    if let Some(h) = &ip.v6 {
        f.ipv6_src = Some(u128::from_be_bytes(h.source));
        f.ipv6_dst = Some(u128::from_be_bytes(h.destination));
        f.ip_ttl = Some(h.hop_limit);
        f.ip_dscp = Some(h.traffic_class >> 2);
    }
    let Some(payload) = ip.payload else { return f };
    let icmp = if ip.v4.is_some() { 1 } else { 58 };
    match ip.protocol {
        6 => {
            let tcp = TcpSlice::from_slice(payload).unwrap();
            f.tcp_src = Some(tcp.source_port());
            f.tcp_dst = Some(tcp.destination_port());
            f.tcp_flags = Some(tcp.slice()[13]);
        }
        17 => {
            let udp = UdpSlice::from_slice(payload).unwrap();
            f.udp_src = Some(udp.source_port());
            f.udp_dst = Some(udp.destination_port());
        }
        p if p == icmp => {
            f.icmp_type = Some(payload[0]);
            f.icmp_code = Some(payload[1]);
        }
        _ => {}
    }
    f
}

fn ours(h: &Headers, data: &[u8]) -> Fields {
    Fields {
        eth_dst: h.eth_dst(data),
        eth_src: h.eth_src(data),
        eth_type: h.eth_type(data),
        vlan_id: h.vlan_id(data),
        vlan_pcp: h.vlan_pcp(data),
        ipv4_src: h.ipv4_src(data),
        ipv4_dst: h.ipv4_dst(data),
        ipv6_src: h.ipv6_src(data),
        ipv6_dst: h.ipv6_dst(data),
        ip_proto: h.ip_proto(data),
        ip_ttl: h.ip_ttl(data),
        ip_dscp: h.ip_dscp(data),
        tcp_src: h.tcp_src(data),
        tcp_dst: h.tcp_dst(data),
        tcp_flags: h.tcp_flags(data),
        udp_src: h.udp_src(data),
        udp_dst: h.udp_dst(data),
        icmp_type: h.icmp_type(data),
        icmp_code: h.icmp_code(data),
        ip_frag: h.ip_frag(data),
        ipv6_ext: h.ipv6_ext(data),
    }
}

/// Every checksum in `data`, recomputed from scratch by etherparse, matches
/// the stored one. `udp_had_checksum` says whether a UDP/IPv4 checksum of 0
/// must stay 0.
fn assert_checksums(data: &[u8], udp_no_checksum: bool) {
    let sliced = SlicedPacket::from_ethernet(data).unwrap();
    let Some(ip) = ip_of(&sliced) else { return };
    if let Some(h) = &ip.v4 {
        assert!(same_checksum(h.header_checksum, h.calc_header_checksum()), "IPv4 header checksum");
    }
    let Some(payload) = ip.payload else { return };
    match ip.protocol {
        6 => {
            let tcp = TcpSlice::from_slice(payload).unwrap();
            let header = tcp.to_header();
            let expected = match (&ip.v4, &ip.v6_pseudo) {
                (Some(v4), _) => header.calc_checksum_ipv4(v4, tcp.payload()).unwrap(),
                (_, Some(v6)) => header.calc_checksum_ipv6(v6, tcp.payload()).unwrap(),
                _ => unreachable!(),
            };
            assert!(same_checksum(tcp.checksum(), expected), "TCP checksum {:04x} vs {expected:04x}", tcp.checksum());
        }
        17 => {
            let udp = UdpSlice::from_slice(payload).unwrap();
            if udp_no_checksum {
                assert_eq!(udp.checksum(), 0, "UDP/IPv4 without checksum must stay without");
                return;
            }
            let header = udp.to_header();
            let expected = match (&ip.v4, &ip.v6_pseudo) {
                (Some(v4), _) => header.calc_checksum_ipv4(v4, udp.payload()).unwrap(),
                (_, Some(v6)) => header.calc_checksum_ipv6(v6, udp.payload()).unwrap(),
                _ => unreachable!(),
            };
            // etherparse stores a computed 0 as 0xffff, and so must we.
            assert_eq!(udp.checksum(), expected, "UDP checksum");
        }
        1 if ip.v4.is_some() => {
            let [t, c, _, _, r0, r1, r2, r3] = payload[..8].try_into().unwrap();
            let stored = u16::from_be_bytes([payload[2], payload[3]]);
            let expected = Icmpv4Type::Unknown { type_u8: t, code_u8: c, bytes5to8: [r0, r1, r2, r3] }
                .calc_checksum(&payload[8..]);
            assert!(same_checksum(stored, expected), "ICMPv4 checksum");
        }
        58 if ip.v6.is_some() => {
            let v6 = ip.v6_pseudo.as_ref().unwrap();
            let [t, c, _, _, r0, r1, r2, r3] = payload[..8].try_into().unwrap();
            let stored = u16::from_be_bytes([payload[2], payload[3]]);
            let expected = Icmpv6Type::Unknown { type_u8: t, code_u8: c, bytes5to8: [r0, r1, r2, r3] }
                .calc_checksum(v6.source, v6.destination, &payload[8..])
                .unwrap();
            assert!(same_checksum(stored, expected), "ICMPv6 checksum");
        }
        _ => {}
    }
}

fn udp_no_checksum(p: &Packet) -> bool {
    matches!(&p.net, Net::V4(ip, L4::Udp { no_checksum: true, .. }) if ip.fragment_offset == 0)
}

// ---------------------------------------------------------------------------
// Setters

#[derive(Clone, Debug)]
enum Edit {
    EthDst(u64),
    EthSrc(u64),
    VlanId(u16),
    VlanPcp(u8),
    Ipv4Src(u32),
    Ipv4Dst(u32),
    Ipv6Src(u128),
    Ipv6Dst(u128),
    IpTtl(u8),
    IpDscp(u8),
    TcpSrc(u16),
    TcpDst(u16),
    UdpSrc(u16),
    UdpDst(u16),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (0u64..1 << 48).prop_map(Edit::EthDst),
        (0u64..1 << 48).prop_map(Edit::EthSrc),
        (0u16..4096).prop_map(Edit::VlanId),
        (0u8..8).prop_map(Edit::VlanPcp),
        any::<u32>().prop_map(Edit::Ipv4Src),
        any::<u32>().prop_map(Edit::Ipv4Dst),
        any::<u128>().prop_map(Edit::Ipv6Src),
        any::<u128>().prop_map(Edit::Ipv6Dst),
        any::<u8>().prop_map(Edit::IpTtl),
        (0u8..64).prop_map(Edit::IpDscp),
        any::<u16>().prop_map(Edit::TcpSrc),
        any::<u16>().prop_map(Edit::TcpDst),
        any::<u16>().prop_map(Edit::UdpSrc),
        any::<u16>().prop_map(Edit::UdpDst),
    ]
}

/// Applies `edit` and returns whether it reported success, after changing the
/// expected fields the way the edit must.
fn apply(h: &Headers, data: &mut [u8], edit: &Edit, expected: &mut Fields) -> bool {
    fn expect<T>(slot: &mut Option<T>, value: T) {
        if slot.is_some() {
            *slot = Some(value);
        }
    }
    let (done, present) = match *edit {
        Edit::EthDst(v) => (h.set_eth_dst(data, v), {
            expect(&mut expected.eth_dst, v);
            expected.eth_dst.is_some()
        }),
        Edit::EthSrc(v) => (h.set_eth_src(data, v), {
            expect(&mut expected.eth_src, v);
            expected.eth_src.is_some()
        }),
        Edit::VlanId(v) => (h.set_vlan_id(data, v), {
            expect(&mut expected.vlan_id, v);
            expected.vlan_id.is_some()
        }),
        Edit::VlanPcp(v) => (h.set_vlan_pcp(data, v), {
            expect(&mut expected.vlan_pcp, v);
            expected.vlan_pcp.is_some()
        }),
        Edit::Ipv4Src(v) => (h.set_ipv4_src(data, v), {
            expect(&mut expected.ipv4_src, v);
            expected.ipv4_src.is_some()
        }),
        Edit::Ipv4Dst(v) => (h.set_ipv4_dst(data, v), {
            expect(&mut expected.ipv4_dst, v);
            expected.ipv4_dst.is_some()
        }),
        Edit::Ipv6Src(v) => (h.set_ipv6_src(data, v), {
            expect(&mut expected.ipv6_src, v);
            expected.ipv6_src.is_some()
        }),
        Edit::Ipv6Dst(v) => (h.set_ipv6_dst(data, v), {
            expect(&mut expected.ipv6_dst, v);
            expected.ipv6_dst.is_some()
        }),
        Edit::IpTtl(v) => (h.set_ip_ttl(data, v), {
            expect(&mut expected.ip_ttl, v);
            expected.ip_ttl.is_some()
        }),
        Edit::IpDscp(v) => (h.set_ip_dscp(data, v), {
            expect(&mut expected.ip_dscp, v);
            expected.ip_dscp.is_some()
        }),
        Edit::TcpSrc(v) => (h.set_tcp_src(data, v), {
            expect(&mut expected.tcp_src, v);
            expected.tcp_src.is_some()
        }),
        Edit::TcpDst(v) => (h.set_tcp_dst(data, v), {
            expect(&mut expected.tcp_dst, v);
            expected.tcp_dst.is_some()
        }),
        Edit::UdpSrc(v) => (h.set_udp_src(data, v), {
            expect(&mut expected.udp_src, v);
            expected.udp_src.is_some()
        }),
        Edit::UdpDst(v) => (h.set_udp_dst(data, v), {
            expect(&mut expected.udp_dst, v);
            expected.udp_dst.is_some()
        }),
    };
    assert_eq!(done, present, "setter result must say whether the layer is present");
    done
}

fn ipv4_ecn(data: &[u8]) -> Option<u8> {
    let sliced = SlicedPacket::from_ethernet(data).ok()?;
    match sliced.net? {
        NetSlice::Ipv4(ip) => Some(ip.header().ecn().value()),
        NetSlice::Ipv6(ip) => Some(ip.header().traffic_class() & 3),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn getters_match_etherparse(p in packet()) {
        let data = build(&p);
        let h = Headers::parse(&data);
        prop_assert_eq!(ours(&h, &data), oracle(&data));
        prop_assert_eq!(reference(&data), oracle(&data), "the two oracles agree on valid packets");
        prop_assert_eq!(h.has_vlan(), !p.tags.is_empty());
        prop_assert_eq!(h.vlan_count(), p.tags.len());
        // The generator's checksums are right to begin with (tests the test).
        assert_checksums(&data, udp_no_checksum(&p));
    }

    #[test]
    fn setters_change_one_field_and_keep_checksums(p in packet(), edits in proptest::collection::vec(edit(), 1..6)) {
        let mut data = build(&p);
        let h = Headers::parse(&data);
        let mut expected = oracle(&data);
        let ecn = ipv4_ecn(&data);
        let len = data.len();
        for e in &edits {
            apply(&h, &mut data, e, &mut expected);
            prop_assert_eq!(data.len(), len);
            prop_assert_eq!(&oracle(&data), &expected, "after {:?}", e);
            prop_assert_eq!(&ours(&h, &data), &expected);
            prop_assert_eq!(Headers::parse(&data), h, "a field edit never moves a layer");
            prop_assert_eq!(ipv4_ecn(&data), ecn, "DSCP edits keep ECN");
            assert_checksums(&data, udp_no_checksum(&p));
        }
    }

    #[test]
    fn decrement_ttl_keeps_checksums(p in packet()) {
        let mut data = build(&p);
        let h = Headers::parse(&data);
        let before = data.clone();
        let mut expected = oracle(&data);
        let outcome = h.decrement_ttl(&mut data);
        match expected.ip_ttl {
            None => prop_assert_eq!(outcome, TtlOutcome::NotIp),
            Some(0 | 1) => prop_assert_eq!(outcome, TtlOutcome::Expired),
            Some(ttl) => {
                prop_assert_eq!(outcome, TtlOutcome::Decremented);
                expected.ip_ttl = Some(ttl - 1);
            }
        }
        if outcome != TtlOutcome::Decremented {
            prop_assert_eq!(&data, &before, "nothing written");
        }
        prop_assert_eq!(oracle(&data), expected);
        assert_checksums(&data, udp_no_checksum(&p));
    }

    #[test]
    fn swap_macs_swaps(p in packet()) {
        let mut data = build(&p);
        let h = Headers::parse(&data);
        let mut expected = oracle(&data);
        prop_assert!(h.swap_macs(&mut data));
        std::mem::swap(&mut expected.eth_dst, &mut expected.eth_src);
        prop_assert_eq!(oracle(&data), expected);
    }

    #[test]
    fn push_then_pop_vlan_round_trips(p in packet(), vid in 0u16..4096, pcp in 0u8..8, spare in 0usize..8) {
        let original = build(&p);
        let mut buffer = original.clone();
        buffer.resize(original.len() + spare, 0xee);
        let mut frame = Frame::new(&mut buffer, original.len());
        let mut h = Headers::parse(frame.data());
        let before = oracle(frame.data());
        let pushed = h.push_vlan(&mut frame, vid, pcp);
        prop_assert_eq!(pushed, spare >= 4 && p.tags.len() < 2);
        prop_assert_eq!(h, Headers::parse(frame.data()), "push keeps Headers in step with the frame");
        if !pushed {
            prop_assert_eq!(frame.data(), &original[..]);
            return Ok(());
        }
        let after = oracle(frame.data());
        // The new tag is outermost; everything else is where it was.
        let mut expected = before.clone();
        expected.vlan_id = Some(vid);
        expected.vlan_pcp = Some(pcp);
        prop_assert_eq!(&after, &expected);
        prop_assert_eq!(&frame.data()[12..16], &[0x81, 0x00, (pcp << 5) | (vid >> 8) as u8, vid as u8][..]);
        assert_checksums(frame.data(), udp_no_checksum(&p));
        // A setter after the push writes at the shifted offsets.
        h.set_vlan_pcp(frame.data_mut(), 7 - pcp);
        prop_assert_eq!(oracle(frame.data()).vlan_pcp, Some(7 - pcp));
        h.set_vlan_pcp(frame.data_mut(), pcp);
        prop_assert!(h.pop_vlan(&mut frame));
        prop_assert_eq!(frame.data(), &original[..]);
        prop_assert_eq!(h, Headers::parse(frame.data()));
    }

    #[test]
    fn pop_vlan_removes_the_outermost_tag(p in packet()) {
        let original = build(&p);
        let mut buffer = original.clone();
        let mut frame = Frame::new(&mut buffer, original.len());
        let mut h = Headers::parse(frame.data());
        let popped = h.pop_vlan(&mut frame);
        prop_assert_eq!(popped, !p.tags.is_empty());
        prop_assert_eq!(h, Headers::parse(frame.data()), "pop keeps Headers in step with the frame");
        if !popped {
            prop_assert_eq!(frame.data(), &original[..]);
            return Ok(());
        }
        let mut expected = original[..12].to_vec();
        expected.extend_from_slice(&original[16..]);
        prop_assert_eq!(frame.data(), &expected[..]);
        prop_assert_eq!(h.vlan_count(), p.tags.len() - 1 + usize::from(p.third_tag));
        if !p.third_tag {
            let after = oracle(frame.data());
            let outer = p.tags.get(1);
            prop_assert_eq!(after.vlan_id, outer.map(|t| t.vid));
            prop_assert_eq!(after.vlan_pcp, outer.map(|t| t.pcp));
            prop_assert_eq!(after.ip_ttl, oracle(&original).ip_ttl);
            assert_checksums(frame.data(), udp_no_checksum(&p));
        }
    }
}

// ---------------------------------------------------------------------------
// A second, deliberately naive reference for malformed input (etherparse
// rejects those outright): the documented rules spelled out with nfc's own
// typed views, one layer at a time.

fn reference(data: &[u8]) -> Fields {
    let mut f = Fields::default();
    let Ok(eth) = EthernetFrame::new_checked(data) else { return f };
    f.eth_dst = Some(mac(eth.dst_addr()));
    f.eth_src = Some(mac(eth.src_addr()));
    let mut ethertype = eth.ethertype();
    let mut rest = eth.payload();
    for depth in 0..2 {
        if ethertype != 0x8100 && ethertype != 0x88a8 {
            break;
        }
        let Ok(tag) = VlanTag::new_checked(rest) else { break };
        if depth == 0 {
            f.vlan_id = Some(tag.vid());
            f.vlan_pcp = Some(tag.pcp());
        }
        ethertype = tag.ethertype();
        rest = &rest[4..];
    }
    f.eth_type = Some(ethertype);
    let (protocol, icmp, l4): (u8, u8, &[u8]) = match ethertype {
        0x0800 => {
            let Ok(ip) = Ipv4Packet::new_checked(rest) else { return f };
            f.ipv4_src = Some(ip.src_addr());
            f.ipv4_dst = Some(ip.dst_addr());
            f.ip_proto = Some(ip.protocol());
            f.ip_ttl = Some(ip.ttl());
            f.ip_dscp = Some(ip.dscp());
            if ip.fragment_offset() != 0 {
                f.ip_frag = Some(frag::LATER);
                return f;
            }
            f.ip_frag = Some(if ip.more_fragments() { frag::FIRST } else { frag::NONE });
            (ip.protocol(), 1, &rest[ip.header_len()..usize::from(ip.total_len())])
        }
        0x86dd => {
            // The view insists on the payload length fitting; the rules do not.
            let ip = match Ipv6Packet::new_checked(rest) {
                Ok(ip) => ip,
                Err(WireError::Truncated) if rest.len() >= 40 && rest[0] >> 4 == 6 => Ipv6Packet::new_unchecked(rest),
                Err(_) => return f,
            };
            f.ipv6_src = Some(ip.src_addr());
            f.ipv6_dst = Some(ip.dst_addr());
            f.ip_ttl = Some(ip.hop_limit());
            f.ip_dscp = Some(ip.dscp());
            let end = (40 + usize::from(ip.payload_len())).min(rest.len());
            let payload = &rest[40..end];
            // The chain, header by header.
            let (mut next, mut at, mut kinds, mut flags) = (ip.next_header(), 0usize, Vec::new(), 0u16);
            let mut fragment = frag::NONE;
            let mut bad = false;
            while matches!(next, 0 | 43 | 44 | 51 | 60) {
                let len = match (next, payload.get(at + 1)) {
                    (44, _) => Some(8),
                    (51, Some(&words)) if words > 0 => Some((usize::from(words) + 2) * 4),
                    (0 | 43 | 60, Some(&units)) => Some((usize::from(units) + 1) * 8),
                    _ => None,
                };
                flags |= match next {
                    0 => ext::HOP,
                    43 => ext::ROUTE,
                    44 => ext::FRAG,
                    51 => ext::AH,
                    _ => ext::DEST,
                };
                let fits = len.filter(|len| {
                    kinds.len() < MAX_EXT_HEADERS && at + len <= MAX_EXT_BYTES && at + len <= payload.len()
                });
                let Some(len) = fits else {
                    bad = true;
                    break;
                };
                kinds.push(next);
                let header = &payload[at..at + len];
                next = header[0];
                at += len;
                if kinds.last() == Some(&44) {
                    let later = u16::from_be_bytes([header[2], header[3]]) >> 3 != 0;
                    fragment = if later { frag::LATER } else { frag::FIRST };
                    if later {
                        break;
                    }
                }
            }
            flags |= order_flags(&kinds);
            match next {
                50 if !bad => flags |= ext::ESP,
                59 if !bad => flags |= ext::NONEXT,
                _ => {}
            }
            if bad {
                flags |= ext::BAD;
            }
            f.ipv6_ext = Some(flags);
            f.ip_frag = Some(if fragment == frag::FIRST && bad { frag::TINY } else { fragment });
            if bad {
                return f;
            }
            f.ip_proto = Some(next);
            if fragment == frag::LATER {
                return f;
            }
            (next, 58, &payload[at..])
        }
        _ => return f,
    };
    match protocol {
        6 => {
            if let Ok(tcp) = TcpPacket::new_checked(l4) {
                f.tcp_src = Some(tcp.src_port());
                f.tcp_dst = Some(tcp.dst_port());
                f.tcp_flags = Some(tcp.flags());
            }
        }
        // The rules need the 8 header bytes only, not a consistent length field.
        17 if l4.len() >= 8 => {
            let udp = UdpPacket::new_unchecked(l4);
            f.udp_src = Some(udp.src_port());
            f.udp_dst = Some(udp.dst_port());
        }
        p if p == icmp => {
            if let Ok(icmp) = IcmpPacket::new_checked(l4) {
                f.icmp_type = Some(icmp.msg_type());
                f.icmp_code = Some(icmp.msg_code());
            }
        }
        _ => {}
    }
    // A first fragment of a protocol with a header nfc reads, without it.
    let read = f.tcp_src.is_some() || f.udp_src.is_some() || f.icmp_type.is_some();
    let readable = protocol == 6 || protocol == 17 || protocol == icmp;
    if f.ip_frag == Some(frag::FIRST) && readable && !read {
        f.ip_frag = Some(frag::TINY);
    }
    f
}

// ---------------------------------------------------------------------------
// Robustness: nothing panics and nothing outside the frame is touched.

/// Runs every getter and setter (and push/pop) on `data` inside a larger
/// buffer whose bytes past the frame are a known pattern.
fn exercise(data: &[u8], value: u128) {
    const GUARD: usize = 16;
    let mut buffer = data.to_vec();
    buffer.extend(std::iter::repeat_n(0xa5u8, GUARD));
    let len = data.len();
    let h = Headers::parse(&buffer[..len]);
    assert_eq!(ours(&h, &buffer[..len]), reference(&buffer[..len]), "getters vs the naive reference");
    // Getters on a shorter slice than parse saw must not panic either.
    let _ = ours(&h, &buffer[..len / 2]);
    let (frame_bytes, guard) = buffer.split_at_mut(len);
    let v = value;
    h.set_eth_dst(frame_bytes, v as u64);
    h.set_eth_src(frame_bytes, (v >> 8) as u64);
    h.set_vlan_id(frame_bytes, v as u16);
    h.set_vlan_pcp(frame_bytes, v as u8);
    h.set_ipv4_src(frame_bytes, v as u32);
    h.set_ipv4_dst(frame_bytes, (v >> 32) as u32);
    h.set_ipv6_src(frame_bytes, v);
    h.set_ipv6_dst(frame_bytes, !v);
    h.set_ip_ttl(frame_bytes, v as u8);
    h.set_ip_dscp(frame_bytes, (v >> 8) as u8);
    h.set_tcp_src(frame_bytes, v as u16);
    h.set_tcp_dst(frame_bytes, (v >> 16) as u16);
    h.set_udp_src(frame_bytes, v as u16);
    h.set_udp_dst(frame_bytes, (v >> 16) as u16);
    h.decrement_ttl(frame_bytes);
    h.swap_macs(frame_bytes);
    assert!(guard.iter().all(|&b| b == 0xa5), "a setter wrote past the frame");
    // Setters given a shorter slice than parse saw write nothing past it.
    let short = len / 2;
    let snapshot = frame_bytes[short..].to_vec();
    h.set_tcp_src(&mut frame_bytes[..short], 1);
    h.set_ipv6_dst(&mut frame_bytes[..short], 1);
    h.set_ipv4_dst(&mut frame_bytes[..short], 1);
    h.set_udp_dst(&mut frame_bytes[..short], 1);
    h.decrement_ttl(&mut frame_bytes[..short]);
    assert_eq!(&frame_bytes[short..], &snapshot[..]);
    // Push and pop inside a frame whose buffer has exactly the guard as room.
    let mut frame = Frame::new(&mut buffer, len);
    let mut h = Headers::parse(frame.data());
    let before = frame.data().to_vec();
    if h.push_vlan(&mut frame, v as u16, (v >> 16) as u8) {
        assert_eq!(frame.len(), len + 4);
        assert_eq!(h, Headers::parse(frame.data()));
        assert!(h.pop_vlan(&mut frame));
        assert_eq!(frame.data(), &before[..]);
    }
    while h.pop_vlan(&mut frame) {
        assert_eq!(h, Headers::parse(frame.data()));
    }
    assert_eq!(h, Headers::parse(frame.data()));
    assert!(!h.has_vlan());
    // A push may move the frame's tail into 4 bytes of the room (that is what
    // the room is for); nothing beyond them is touched.
    assert!(buffer[len + 4..].iter().all(|&b| b == 0xa5), "push/pop wrote past the frame");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..128), value in any::<u128>()) {
        exercise(&data, value);
    }

    /// Random bytes behind a plausible prefix, so deep layers get exercised.
    #[test]
    fn plausible_prefixes_never_panic(
        prefix in prop_oneof![
            Just(vec![0x08, 0x00, 0x45]),
            Just(vec![0x08, 0x00, 0x46]),
            Just(vec![0x86, 0xdd, 0x60]),
            Just(vec![0x81, 0x00, 0x00, 0x01, 0x08, 0x00, 0x45]),
            Just(vec![0x88, 0xa8, 0x00, 0x01, 0x81, 0x00, 0x00, 0x02, 0x86, 0xdd, 0x60]),
            Just(vec![0x88, 0xa8, 0x00, 0x01, 0x81, 0x00, 0x00, 0x02, 0x81, 0x00, 0x00, 0x03, 0x08, 0x00]),
        ],
        rest in proptest::collection::vec(any::<u8>(), 0..120),
        value in any::<u128>(),
    ) {
        let mut data = vec![0u8; 12];
        data.extend_from_slice(&prefix);
        data.extend_from_slice(&rest);
        exercise(&data, value);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    /// Valid packets with a few bytes overwritten (often a version, IHL,
    /// length or data offset) reach the deep rules where random bytes rarely do.
    #[test]
    fn corrupted_valid_packets_follow_the_rules(
        p in packet(),
        // Small values make length fields too short, which is where rules bite.
        corruptions in proptest::collection::vec(
            (any::<prop::sample::Index>(), prop_oneof![any::<u8>(), 0u8..48]),
            1..4,
        ),
        value in any::<u128>(),
    ) {
        let mut data = build(&p);
        for (index, byte) in corruptions {
            let at = index.index(data.len().min(80));
            data[at] = byte;
        }
        exercise(&data, value);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn every_truncation_of_a_valid_packet_is_safe(p in packet(), value in any::<u128>()) {
        let data = build(&p);
        for len in 0..=data.len() {
            exercise(&data[..len], value);
        }
    }
}

/// A literal UDP/IPv4 packet whose port rewrite makes the incremental
/// checksum land on 0: it must be stored as 0xffff.
#[test]
fn udp_checksum_that_becomes_zero_is_stored_as_ffff() {
    // Find a source port for which the updated checksum would be 0x0000.
    let base = build(&Packet {
        dst: [2, 0, 0, 0, 0, 1],
        src: [2, 0, 0, 0, 0, 2],
        tags: vec![],
        third_tag: false,
        net: Net::V4(
            Ipv4 {
                dscp: 0,
                ecn: 0,
                ident: 1,
                dont_fragment: true,
                more_fragments: false,
                fragment_offset: 0,
                ttl: 64,
                src: [10, 0, 0, 1],
                dst: [10, 0, 0, 2],
                options: vec![],
            },
            L4::Udp { src: 1000, dst: 53, no_checksum: false },
        ),
        payload: vec![1, 2, 3, 4],
        padding: vec![],
    });
    let h = Headers::parse(&base);
    let l4 = h.l4_offset().unwrap();
    let stored = u16::from_be_bytes([base[l4 + 6], base[l4 + 7]]);
    // Changing the port by d changes the sum by d: pick the port that makes
    // the one's-complement sum all ones, i.e. checksum 0.
    let sum_without_port = checksum::fold(
        (!stored as u32) + (!1000u16 as u32), // remove the old port from ~checksum
    );
    let new_port = !sum_without_port; // ~C + ~old + new == 0xffff
    let mut data = base.clone();
    assert!(h.set_udp_src(&mut data, new_port));
    assert_eq!(u16::from_be_bytes([data[l4 + 6], data[l4 + 7]]), 0xffff);
    assert_checksums(&data, false);
}
