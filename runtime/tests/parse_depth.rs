//! `Headers::parse_to` against `Headers::parse`: at every depth, on
//! well-formed frames (headers serialised by etherparse), on the same frames
//! damaged (bytes overwritten, cut anywhere) and on random bytes, every
//! getter within the depth returns what the full parse's returns, and every
//! setter within it (VLAN push and pop included) returns the same result
//! and leaves the same bytes.

use etherparse::{IpFragOffset, IpNumber, Ipv4Dscp, Ipv4Header, Ipv6FlowLabel, Ipv6Header};
use nfc_runtime::{Frame, Headers, ParseDepth, TtlOutcome};
use proptest::prelude::*;

const DEPTHS: [ParseDepth; 3] = [ParseDepth::Ethernet, ParseDepth::Ip, ParseDepth::Full];

// ---------------------------------------------------------------------------
// Frames

#[derive(Clone, Debug)]
enum Network {
    V4 {
        header: Ipv4Header,
        options_words: usize,
    },
    /// The fixed header and the extension headers' bytes in front of the
    /// upper layer.
    V6 {
        header: Ipv6Header,
        chain: Vec<u8>,
    },
    Other(u16),
}

fn tag() -> impl Strategy<Value = [u8; 4]> {
    (prop_oneof![3 => Just(0x8100u16), 2 => Just(0x88a8u16), 1 => any::<u16>()], any::<u16>()).prop_map(
        |(tpid, tci)| {
            let ([a, b], [c, d]) = (tpid.to_be_bytes(), tci.to_be_bytes());
            [a, b, c, d]
        },
    )
}

fn protocol() -> impl Strategy<Value = u8> {
    prop_oneof![Just(1u8), Just(6), Just(17), Just(58), Just(47), any::<u8>()]
}

fn ipv4() -> impl Strategy<Value = Network> {
    (any::<(u8, u8, [u8; 4], [u8; 4], bool)>(), 0u8..64, prop_oneof![3 => Just(0u16), 1 => 1u16..8192], 0usize..=10)
        .prop_map(|((ttl, protocol, src, dst, more), dscp, offset, options_words)| {
            let mut header = Ipv4Header::new(0, ttl, IpNumber(protocol), src, dst).unwrap();
            header.dscp = Ipv4Dscp::try_new(dscp).unwrap();
            header.more_fragments = more;
            header.fragment_offset = IpFragOffset::try_new(offset).unwrap();
            Network::V4 { header, options_words }
        })
}

/// An extension header of each kind the walk knows, 8 bytes (AH 12), its
/// Next Header filled in later.
fn extension() -> impl Strategy<Value = (u8, Vec<u8>)> {
    prop_oneof![
        Just((0u8, vec![0, 0, 1, 4, 0, 0, 0, 0])),
        Just((60u8, vec![0, 0, 1, 4, 0, 0, 0, 0])),
        (0u8..2).prop_map(|left| (43u8, vec![0, 0, 0, left, 0, 0, 0, 0])),
        (0u16..3, any::<bool>()).prop_map(|(offset, more)| {
            let [a, b] = (offset << 3 | u16::from(more)).to_be_bytes();
            (44u8, vec![0, 0, a, b, 0, 0, 0, 1])
        }),
        Just((51u8, vec![0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1])),
    ]
}

fn ipv6() -> impl Strategy<Value = Network> {
    (any::<(u8, u8, [u8; 16], [u8; 16])>(), 0u32..(1 << 20), proptest::collection::vec(extension(), 0..4), protocol())
        .prop_map(|((traffic_class, hop_limit, source, destination), flow, extensions, upper)| {
            let mut chain = Vec::new();
            for (i, (_, bytes)) in extensions.iter().enumerate() {
                let mut bytes = bytes.clone();
                bytes[0] = extensions.get(i + 1).map_or(upper, |e| e.0);
                chain.extend_from_slice(&bytes);
            }
            let header = Ipv6Header {
                traffic_class,
                flow_label: Ipv6FlowLabel::try_new(flow).unwrap(),
                payload_length: 0,
                next_header: IpNumber(extensions.first().map_or(upper, |e| e.0)),
                hop_limit,
                source,
                destination,
            };
            Network::V6 { header, chain }
        })
}

fn network() -> impl Strategy<Value = Network> {
    prop_oneof![
        3 => ipv4(),
        3 => ipv6(),
        1 => prop_oneof![Just(0x0806u16), any::<u16>()].prop_map(Network::Other),
    ]
}

/// A frame as a sender builds it: MACs, up to three tags, an IPv4 or IPv6
/// header (lengths consistent), a TCP-, UDP- or ICMP-sized upper layer of
/// random bytes with a sane TCP data offset, optional padding.
fn well_formed() -> impl Strategy<Value = Vec<u8>> {
    (
        any::<[u8; 12]>(),
        proptest::collection::vec(tag(), 0..=3),
        network(),
        prop_oneof![Just(0usize), Just(4), Just(8), Just(20), Just(32), 0usize..48],
        proptest::collection::vec(any::<u8>(), 0..8),
    )
        .prop_map(|(macs, tags, network, upper_len, padding)| {
            let mut upper = vec![0x5a; upper_len];
            if upper_len >= 13 {
                upper[12] = 0x50;
            }
            let mut out = macs.to_vec();
            tags.iter().for_each(|t| out.extend_from_slice(t));
            match network {
                Network::V4 { mut header, options_words } => {
                    out.extend_from_slice(&[0x08, 0x00]);
                    header.options = vec![1; options_words * 4].as_slice().try_into().unwrap();
                    header.total_len = (header.header_len() + upper.len()) as u16;
                    out.extend_from_slice(&header.to_bytes());
                }
                Network::V6 { mut header, chain } => {
                    out.extend_from_slice(&[0x86, 0xdd]);
                    header.payload_length = (chain.len() + upper.len()) as u16;
                    out.extend_from_slice(&header.to_bytes());
                    out.extend_from_slice(&chain);
                }
                Network::Other(ethertype) => out.extend_from_slice(&ethertype.to_be_bytes()),
            }
            out.extend_from_slice(&upper);
            out.extend_from_slice(&padding);
            out
        })
}

/// Well-formed frames, the same damaged, and random bytes.
fn frame() -> impl Strategy<Value = Vec<u8>> {
    let damaged = (
        well_formed(),
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4),
        any::<prop::sample::Index>(),
        any::<bool>(),
    )
        .prop_map(|(mut frame, edits, cut, do_cut)| {
            for (at, value) in edits {
                let at = at.index(frame.len());
                frame[at] = value;
            }
            if do_cut {
                frame.truncate(cut.index(frame.len() + 1));
            }
            frame
        });
    prop_oneof![
        3 => well_formed(),
        3 => damaged,
        1 => proptest::collection::vec(any::<u8>(), 0..96),
    ]
}

// ---------------------------------------------------------------------------
// What a depth offers

/// Every getter and presence test within `depth`, as numbers.
fn view(h: &Headers, data: &[u8], depth: ParseDepth) -> Vec<Option<u128>> {
    let n = |v: Option<u64>| v.map(u128::from);
    let b = |v: bool| Some(u128::from(v));
    let mut out = vec![
        b(h.has_eth()),
        n(h.eth_dst(data)),
        n(h.eth_src(data)),
        h.eth_type(data).map(u128::from),
        h.vlan_id(data).map(u128::from),
        h.vlan_pcp(data).map(u128::from),
    ];
    if depth >= ParseDepth::Ip {
        out.extend([
            b(h.has_vlan()),
            Some(h.vlan_count() as u128),
            b(h.has_ipv4()),
            b(h.has_ipv6()),
            b(h.has_ip()),
            h.l3_offset().map(|o| o as u128),
            h.ipv4_src(data).map(u128::from),
            h.ipv4_dst(data).map(u128::from),
            h.ipv6_src(data),
            h.ipv6_dst(data),
            h.ip_ttl(data).map(u128::from),
            h.ip_dscp(data).map(u128::from),
        ]);
    }
    if depth >= ParseDepth::Full {
        out.extend([
            h.ip_proto(data).map(u128::from),
            h.ip_frag(data).map(u128::from),
            h.ipv6_ext(data).map(u128::from),
            h.tcp_src(data).map(u128::from),
            h.tcp_dst(data).map(u128::from),
            h.tcp_flags(data).map(u128::from),
            h.udp_src(data).map(u128::from),
            h.udp_dst(data).map(u128::from),
            h.icmp_type(data).map(u128::from),
            h.icmp_code(data).map(u128::from),
            h.l4_offset().map(|o| o as u128),
        ]);
    }
    out
}

/// A setter within a depth, applied to a frame through some headers.
#[derive(Clone, Copy, Debug)]
enum Edit {
    EthDst(u64),
    EthSrc(u64),
    SwapMacs,
    VlanId(u16),
    VlanPcp(u8),
    Push(u16, u8),
    Pop,
    Ttl(u8),
    Dscp(u8),
    DecrementTtl,
}

impl Edit {
    fn depth(self) -> ParseDepth {
        match self {
            Edit::EthDst(_)
            | Edit::EthSrc(_)
            | Edit::SwapMacs
            | Edit::VlanId(_)
            | Edit::VlanPcp(_)
            | Edit::Push(..)
            | Edit::Pop => ParseDepth::Ethernet,
            Edit::Ttl(_) | Edit::Dscp(_) | Edit::DecrementTtl => ParseDepth::Ip,
        }
    }

    /// Applies the edit; what the setter returned, as a number.
    fn apply(self, h: &mut Headers, frame: &mut Frame<'_>) -> u8 {
        let data = frame.data_mut();
        let done = match self {
            Edit::EthDst(v) => h.set_eth_dst(data, v),
            Edit::EthSrc(v) => h.set_eth_src(data, v),
            Edit::SwapMacs => h.swap_macs(data),
            Edit::VlanId(v) => h.set_vlan_id(data, v),
            Edit::VlanPcp(v) => h.set_vlan_pcp(data, v),
            Edit::Ttl(v) => h.set_ip_ttl(data, v),
            Edit::Dscp(v) => h.set_ip_dscp(data, v),
            Edit::Push(vid, pcp) => h.push_vlan(frame, vid, pcp),
            Edit::Pop => h.pop_vlan(frame),
            Edit::DecrementTtl => {
                return match h.decrement_ttl(data) {
                    TtlOutcome::Decremented => 2,
                    TtlOutcome::Expired => 3,
                    TtlOutcome::NotIp => 4,
                }
            }
        };
        u8::from(done)
    }
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<u64>().prop_map(Edit::EthDst),
        any::<u64>().prop_map(Edit::EthSrc),
        Just(Edit::SwapMacs),
        any::<u16>().prop_map(Edit::VlanId),
        any::<u8>().prop_map(Edit::VlanPcp),
        (any::<u16>(), any::<u8>()).prop_map(|(vid, pcp)| Edit::Push(vid, pcp)),
        Just(Edit::Pop),
        prop_oneof![Just(0u8), Just(1), Just(2), any::<u8>()].prop_map(Edit::Ttl),
        any::<u8>().prop_map(Edit::Dscp),
        Just(Edit::DecrementTtl),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn a_partial_parse_reads_as_the_full_parse_within_its_depth(data in frame()) {
        let full = Headers::parse(&data);
        prop_assert_eq!(full.depth(), ParseDepth::Full);
        for depth in DEPTHS {
            let partial = Headers::parse_to(&data, depth);
            prop_assert_eq!(partial.depth(), depth);
            prop_assert_eq!(view(&partial, &data, depth), view(&full, &data, depth), "at {:?}", depth);
        }
        prop_assert_eq!(Headers::parse_to(&data, ParseDepth::Full), full);
    }

    /// A sequence of edits, each at the depth it needs or deeper, gives the
    /// same results and bytes through a partial parse as through the full
    /// one, and the headers keep reading the same as the frame changes.
    #[test]
    fn a_partial_parse_writes_as_the_full_parse_within_its_depth(
        data in frame(),
        edits in proptest::collection::vec(edit(), 1..5),
        spare in 0usize..10,
    ) {
        for depth in DEPTHS {
            let edits: Vec<Edit> = edits.iter().copied().filter(|e| e.depth() <= depth).collect();
            let mut through_partial = data.clone();
            through_partial.resize(data.len() + spare, 0);
            let mut through_full = through_partial.clone();
            let mut partial_frame = Frame::new(&mut through_partial, data.len());
            let mut full_frame = Frame::new(&mut through_full, data.len());
            let mut partial = Headers::parse_to(partial_frame.data(), depth);
            let mut full = Headers::parse(full_frame.data());
            for edit in edits {
                let done = edit.apply(&mut partial, &mut partial_frame);
                prop_assert_eq!(done, edit.apply(&mut full, &mut full_frame), "{:?} at {:?}", edit, depth);
                prop_assert_eq!(partial_frame.data(), full_frame.data(), "{:?} at {:?}", edit, depth);
                let now = partial_frame.data();
                prop_assert_eq!(view(&partial, now, depth), view(&full, now, depth), "{:?} at {:?}", edit, depth);
                prop_assert_eq!(partial, Headers::parse_to(now, depth), "{:?} at {:?}: in step with the frame", edit, depth);
            }
        }
    }
}

/// A frame with every layer, for the edge cases below.
fn tagged_ipv4_udp() -> Vec<u8> {
    let mut header = Ipv4Header::new(8, 64, IpNumber(17), [10, 0, 0, 1], [10, 0, 0, 2]).unwrap();
    header.header_checksum = header.calc_header_checksum();
    let mut frame = vec![2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x81, 0x00, 0x00, 0x64, 0x08, 0x00];
    frame.extend_from_slice(&header.to_bytes());
    frame.extend_from_slice(&[0, 53, 0, 53, 0, 8, 0, 0]);
    frame
}

#[test]
fn each_depth_stops_where_it_says() {
    let data = tagged_ipv4_udp();
    let ethernet = Headers::parse_to(&data, ParseDepth::Ethernet);
    assert_eq!(ethernet.eth_src(&data), Some(0x0200_0000_0002));
    assert_eq!((ethernet.vlan_id(&data), ethernet.eth_type(&data)), (Some(100), Some(0x0800)), "tags read on demand");
    let ip = Headers::parse_to(&data, ParseDepth::Ip);
    assert_eq!((ip.vlan_count(), ip.vlan_id(&data)), (1, Some(100)));
    assert_eq!((ip.ipv4_dst(&data), ip.ip_ttl(&data)), (Some(0x0a00_0002), Some(64)));
    // Nothing past a depth is read: bytes there do not change the result.
    let mut past_ethernet = data.clone();
    past_ethernet[14..].fill(0xff);
    assert_eq!(Headers::parse_to(&past_ethernet, ParseDepth::Ethernet), ethernet);
    let mut past_ip = data.clone();
    past_ip[18 + 20..].fill(0xff);
    assert_eq!(Headers::parse_to(&past_ip, ParseDepth::Ip), ip);
    assert_ne!(Headers::parse(&past_ip).udp_dst(&past_ip), Headers::parse(&data).udp_dst(&data));
    // Shorter than an Ethernet header: nothing at any depth.
    for depth in DEPTHS {
        assert!(!Headers::parse_to(&data[..13], depth).has_eth());
    }
}

/// Asking headers for more than they parsed is a bug in the caller, loud in
/// debug builds (the tests), so a code generator that picks too shallow a
/// depth cannot go unnoticed.
#[test]
#[cfg(debug_assertions)]
fn reading_past_the_depth_is_caught() {
    let data = tagged_ipv4_udp();
    let past = [
        std::panic::catch_unwind(|| Headers::parse_to(&data, ParseDepth::Ethernet).vlan_count()).is_err(),
        std::panic::catch_unwind(|| Headers::parse_to(&data, ParseDepth::Ethernet).ipv4_dst(&data)).is_err(),
        std::panic::catch_unwind(|| Headers::parse_to(&data, ParseDepth::Ip).udp_dst(&data)).is_err(),
        std::panic::catch_unwind(|| Headers::parse_to(&data, ParseDepth::Ip).ip_proto(&data)).is_err(),
        std::panic::catch_unwind(|| {
            let mut copy = data.clone();
            Headers::parse_to(&data, ParseDepth::Ip).set_ipv4_dst(&mut copy, 1)
        })
        .is_err(),
    ];
    assert_eq!(past, [true; 5]);
}
