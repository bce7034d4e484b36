//! Packets for spec test cases, built from a few fields.
//!
//! A test case names only the fields it cares about; the layers they imply
//! are built around them with fixed defaults, and checksums are computed, so
//! a test reads like `{ "ipv4.dst" = "10.1.2.3", "ip.ttl" = 64 }`.
//!
//! Layers: a `vlan.*` field adds one 802.1Q tag; an `ipv6.*` field makes the
//! packet IPv6, any other IP or L4 field (or `eth.type` 0x0800) IPv4; `tcp.*`
//! gives TCP, `icmp.*` ICMP (ICMPv6 over IPv6), otherwise an IP packet
//! carries UDP unless `ip.proto` names another protocol, whose payload is
//! then raw bytes. Without IP, `eth.type` (default 0x88b5, local
//! experimental) is followed by the payload.
//!
//! Defaults: eth.src 02:00:00:00:00:01, eth.dst 02:00:00:00:00:02,
//! 10.0.0.1 → 10.0.0.2, fd00::1 → fd00::2, TTL/hop limit 64, ports
//! 1024 → 80, TCP flags ACK, ICMP echo request (8/0, 128/0 over IPv6); the
//! payload is `payload_len` bytes 0, 1, 2, …
//!
//! Fragments and extension headers: `ip.frag` = first sets MF (IPv6: a
//! Fragment header, offset 0, M set); later puts the packet at offset 1480
//! (the layer-4 bytes are then just data); tiny is a first fragment cut
//! inside its layer-4 header (8 bytes of TCP, 4 of UDP, 2 of ICMP).
//! `ipv6.ext` bits build a chain in RFC 8200 order of 8-byte headers: hop,
//! dest, route (Segment Routing, no segments left), frag (an atomic fragment
//! unless `ip.frag` says otherwise), ah (16 bytes); esp or nonext end the
//! chain before the layer-4 bytes; unrep repeats the Destination Options
//! header, unseq adds a Hop-by-Hop header last, bad adds a Destination
//! Options header that runs past the packet (so these imply dest, hop, dest).

use crate::ir::{Field, TestPacket};
use nfc_runtime::wire::checksum;
use nfc_runtime::wire::ipv6_ext::{ext, frag, next_header};

const DEFAULT_ETH_TYPE: u16 = 0x88b5;

/// The bytes of a test packet.
pub fn build(packet: &TestPacket) -> Vec<u8> {
    match packet {
        TestPacket::Bytes(bytes) => bytes.clone(),
        TestPacket::Fields { fields, payload_len } => from_fields(fields, *payload_len),
    }
}

/// The expected output of a test case whose expectation overrides some of
/// the input's fields: the input's fields, then the overrides.
pub fn merged(input: &TestPacket, overrides: &TestPacket) -> TestPacket {
    match (input, overrides) {
        (TestPacket::Fields { fields, payload_len }, TestPacket::Fields { fields: changed, .. }) => {
            let mut merged = fields.clone();
            for &(field, value) in changed {
                merged.retain(|&(f, _)| f != field);
                merged.push((field, value));
            }
            TestPacket::Fields { fields: merged, payload_len: *payload_len }
        }
        (_, overrides) => overrides.clone(),
    }
}

#[derive(PartialEq)]
enum L4 {
    Tcp,
    Udp,
    Icmp,
    Raw(u8),
}

fn from_fields(fields: &[(Field, u128)], payload_len: usize) -> Vec<u8> {
    let get = |field: Field| fields.iter().rev().find(|(f, _)| *f == field).map(|&(_, v)| v);
    let has = |test: &dyn Fn(Field) -> bool| fields.iter().any(|(f, _)| test(*f));
    let eth_type = get(Field::EthType).map(|v| v as u16);
    let ipv6 = has(&|f| matches!(f, Field::Ipv6Src | Field::Ipv6Dst | Field::Ipv6Ext)) || eth_type == Some(0x86dd);
    let fragment = get(Field::IpFrag).map_or(frag::NONE, |v| v as u8);
    let ipv4 = !ipv6
        && (eth_type == Some(0x0800)
            || has(&|f| {
                !matches!(
                    f,
                    Field::InPort | Field::EthDst | Field::EthSrc | Field::EthType | Field::VlanId | Field::VlanPcp
                )
            }));
    let l4 = if has(&|f| matches!(f, Field::TcpSrc | Field::TcpDst | Field::TcpFlags)) {
        L4::Tcp
    } else if has(&|f| matches!(f, Field::IcmpType | Field::IcmpCode)) {
        L4::Icmp
    } else {
        match get(Field::IpProto).map(|v| v as u8) {
            None | Some(17) => L4::Udp,
            Some(6) => L4::Tcp,
            Some(1) | Some(58) => L4::Icmp,
            Some(other) => L4::Raw(other),
        }
    };

    let payload: Vec<u8> = (0..payload_len).map(|i| i as u8).collect();
    let mut packet = Vec::new();
    packet.extend_from_slice(&mac(get(Field::EthDst).unwrap_or(0x02_00_00_00_00_02)));
    packet.extend_from_slice(&mac(get(Field::EthSrc).unwrap_or(0x02_00_00_00_00_01)));
    if get(Field::VlanId).is_some() || get(Field::VlanPcp).is_some() {
        let tci = (get(Field::VlanPcp).unwrap_or(0) as u16) << 13 | get(Field::VlanId).unwrap_or(0) as u16 & 0x0fff;
        packet.extend_from_slice(&0x8100u16.to_be_bytes());
        packet.extend_from_slice(&tci.to_be_bytes());
    }
    if !ipv4 && !ipv6 {
        packet.extend_from_slice(&eth_type.unwrap_or(DEFAULT_ETH_TYPE).to_be_bytes());
        packet.extend_from_slice(&payload);
        return packet;
    }

    let icmp_proto = if ipv6 { 58 } else { 1 };
    let proto = match l4 {
        L4::Tcp => 6,
        L4::Udp => 17,
        L4::Icmp => icmp_proto,
        L4::Raw(p) => p,
    };
    let segment_len = payload.len()
        + match l4 {
            L4::Tcp => 20,
            L4::Udp => 8,
            L4::Icmp => 8,
            L4::Raw(_) => 0,
        };
    let ttl = get(Field::IpTtl).unwrap_or(64) as u8;
    let dscp = get(Field::IpDscp).unwrap_or(0) as u8;
    // A tiny first fragment keeps only part of its layer-4 header.
    let kept = match (fragment == frag::TINY, &l4) {
        (false, _) | (true, L4::Raw(_)) => segment_len,
        (true, L4::Tcp) => 8,
        (true, L4::Udp) => 4,
        (true, L4::Icmp) => 2,
    };
    let pseudo = if ipv6 {
        let src = get(Field::Ipv6Src).unwrap_or(0xfd00 << 112 | 1);
        let dst = get(Field::Ipv6Dst).unwrap_or(0xfd00 << 112 | 2);
        let (first, chain) = ipv6_chain(get(Field::Ipv6Ext).map_or(0, |v| v as u16), fragment, proto, dst);
        packet.extend_from_slice(&0x86ddu16.to_be_bytes());
        let first_word = 6u32 << 28 | u32::from(dscp) << 22;
        packet.extend_from_slice(&first_word.to_be_bytes());
        packet.extend_from_slice(&((chain.len() + kept) as u16).to_be_bytes());
        packet.extend_from_slice(&[first, ttl]);
        packet.extend_from_slice(&src.to_be_bytes());
        packet.extend_from_slice(&dst.to_be_bytes());
        packet.extend_from_slice(&chain);
        checksum::pseudo_header_ipv6(src, dst, proto, segment_len as u32)
    } else {
        let src = get(Field::Ipv4Src).unwrap_or(0x0a00_0001) as u32;
        let dst = get(Field::Ipv4Dst).unwrap_or(0x0a00_0002) as u32;
        packet.extend_from_slice(&0x0800u16.to_be_bytes());
        let start = packet.len();
        packet.extend_from_slice(&[0x45, dscp << 2]);
        packet.extend_from_slice(&((20 + kept) as u16).to_be_bytes());
        let flags_offset: [u8; 2] = match fragment {
            frag::FIRST | frag::TINY => [0x20, 0x00],
            frag::LATER => [0x00, 0xb9],
            _ => [0x40, 0x00],
        };
        packet.extend_from_slice(&[0x12, 0x34, flags_offset[0], flags_offset[1], ttl, proto, 0, 0]);
        packet.extend_from_slice(&src.to_be_bytes());
        packet.extend_from_slice(&dst.to_be_bytes());
        let sum = checksum::checksum(&packet[start..]);
        packet[start + 10..start + 12].copy_from_slice(&sum.to_be_bytes());
        checksum::pseudo_header_ipv4(src, dst, proto, segment_len as u16)
    };

    let l4_start = packet.len();
    let checksum_at = match l4 {
        L4::Tcp => {
            packet.extend_from_slice(&(get(Field::TcpSrc).unwrap_or(1024) as u16).to_be_bytes());
            packet.extend_from_slice(&(get(Field::TcpDst).unwrap_or(80) as u16).to_be_bytes());
            packet.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0, 0x50, get(Field::TcpFlags).unwrap_or(0x10) as u8]);
            packet.extend_from_slice(&[0xff, 0xff, 0, 0, 0, 0]);
            Some(l4_start + 16)
        }
        L4::Udp => {
            packet.extend_from_slice(&(get(Field::UdpSrc).unwrap_or(1024) as u16).to_be_bytes());
            packet.extend_from_slice(&(get(Field::UdpDst).unwrap_or(80) as u16).to_be_bytes());
            packet.extend_from_slice(&(segment_len as u16).to_be_bytes());
            packet.extend_from_slice(&[0, 0]);
            Some(l4_start + 6)
        }
        L4::Icmp => {
            let echo_request = if ipv6 { 128 } else { 8 };
            packet.push(get(Field::IcmpType).unwrap_or(echo_request) as u8);
            packet.push(get(Field::IcmpCode).unwrap_or(0) as u8);
            packet.extend_from_slice(&[0, 0, 0x00, 0x01, 0x00, 0x01]);
            Some(l4_start + 2)
        }
        L4::Raw(_) => None,
    };
    packet.extend_from_slice(&payload);
    if let Some(at) = checksum_at {
        // ICMPv4's checksum has no pseudo-header; every other one does.
        let pseudo = if l4 == L4::Icmp && !ipv6 { 0 } else { pseudo };
        let mut sum = checksum::checksum_with(pseudo, &packet[l4_start..]);
        if sum == 0 && l4 == L4::Udp {
            sum = 0xffff;
        }
        packet[at..at + 2].copy_from_slice(&sum.to_be_bytes());
    }
    packet.truncate(l4_start + kept);
    packet
}

/// The extension headers `bits` (and `fragment`) ask for, and the Next
/// Header naming the first of them; the last names `upper`.
fn ipv6_chain(bits: u16, fragment: u8, upper: u8, destination: u128) -> (u8, Vec<u8>) {
    let fragmented = fragment != frag::NONE;
    let mut headers: Vec<(u8, Vec<u8>)> = Vec::new();
    let options = |len_units: u8| {
        let mut header = vec![0u8; (usize::from(len_units) + 1) * 8];
        header[1] = len_units;
        header
    };
    if bits & ext::HOP != 0 {
        headers.push((next_header::HOP_BY_HOP, options(0)));
    }
    let dest = bits & (ext::DEST | ext::UNREP | ext::BAD) != 0;
    if dest {
        headers.push((next_header::DESTINATION_OPTIONS, options(0)));
    }
    if bits & ext::UNREP != 0 {
        headers.push((next_header::DESTINATION_OPTIONS, options(0)));
    }
    if bits & ext::ROUTE != 0 {
        // Segment Routing (type 4), the destination as its one segment, none left.
        let mut routing = options(2);
        routing[2] = 4;
        routing[8..24].copy_from_slice(&destination.to_be_bytes());
        headers.push((next_header::ROUTING, routing));
    }
    if bits & ext::FRAG != 0 || fragmented {
        let offset_more: u16 = match fragment {
            frag::FIRST | frag::TINY => 1,
            frag::LATER => 185 << 3 | 1,
            _ => 0,
        };
        let mut header = vec![0u8; 8];
        header[2..4].copy_from_slice(&offset_more.to_be_bytes());
        header[4..8].copy_from_slice(&0x1234u32.to_be_bytes());
        headers.push((next_header::FRAGMENT, header));
    }
    if bits & ext::AH != 0 {
        let mut header = vec![0u8; 16];
        header[1] = 2;
        headers.push((next_header::AH, header));
    }
    if bits & ext::UNSEQ != 0 {
        headers.push((next_header::HOP_BY_HOP, options(0)));
    }
    if bits & ext::BAD != 0 {
        headers.push((next_header::DESTINATION_OPTIONS, options(255)));
    }
    let last = if bits & ext::ESP != 0 {
        next_header::ESP
    } else if bits & ext::NONEXT != 0 {
        next_header::NO_NEXT_HEADER
    } else {
        upper
    };
    let mut chain = Vec::new();
    for (i, (_, header)) in headers.iter().enumerate() {
        let mut header = header.clone();
        header[0] = headers.get(i + 1).map_or(last, |(kind, _)| *kind);
        if i + 1 == headers.len() && bits & ext::BAD != 0 {
            // Only its first 8 bytes: the rest would run past the packet anyway.
            header.truncate(8);
        }
        chain.extend_from_slice(&header);
    }
    (headers.first().map_or(last, |(kind, _)| *kind), chain)
}

fn mac(value: u128) -> [u8; 6] {
    let bytes = (value as u64).to_be_bytes();
    [bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::{NetSlice, SlicedPacket, TransportSlice};

    fn fields(list: &[(Field, u128)], payload_len: usize) -> Vec<u8> {
        build(&TestPacket::Fields { fields: list.to_vec(), payload_len })
    }

    #[test]
    fn ipv4_udp_with_defaults_has_valid_checksums() {
        let bytes = fields(&[(Field::Ipv4Dst, 0x0a01_0203), (Field::IpTtl, 7)], 10);
        let packet = SlicedPacket::from_ethernet(&bytes).expect("etherparse accepts it");
        let Some(NetSlice::Ipv4(ip)) = packet.net else { panic!("not IPv4") };
        assert_eq!(ip.header().destination(), [10, 1, 2, 3]);
        assert_eq!(ip.header().ttl(), 7);
        let header = ip.header().to_header();
        assert_eq!(header.calc_header_checksum(), header.header_checksum);
        let Some(TransportSlice::Udp(udp)) = packet.transport else { panic!("not UDP") };
        let expected = udp.to_header().calc_checksum_ipv4(&header, udp.payload()).unwrap();
        assert_eq!(udp.checksum(), expected);
        assert_eq!(udp.payload().len(), 10);
    }

    #[test]
    fn tcp_over_vlan_over_ipv6() {
        let bytes =
            fields(&[(Field::VlanId, 42), (Field::Ipv6Dst, 1), (Field::TcpDst, 443), (Field::TcpFlags, 0x02)], 0);
        let packet = SlicedPacket::from_ethernet(&bytes).expect("etherparse accepts it");
        let Some(NetSlice::Ipv6(ip)) = &packet.net else { panic!("not IPv6") };
        let Some(TransportSlice::Tcp(tcp)) = &packet.transport else { panic!("not TCP") };
        assert_eq!(tcp.destination_port(), 443);
        assert!(tcp.syn() && !tcp.ack());
        let expected = tcp.to_header().calc_checksum_ipv6(&ip.header().to_header(), tcp.payload()).unwrap();
        assert_eq!(tcp.checksum(), expected);
    }

    #[test]
    fn extension_headers_are_built_in_order_and_tcp_checksums_hold() {
        use nfc_runtime::Headers;
        let cases: [(u16, u16, bool); 9] = [
            (0, 0, true),
            (ext::HOP, ext::HOP, true),
            (ext::DEST | ext::ROUTE | ext::FRAG | ext::AH, ext::DEST | ext::ROUTE | ext::FRAG | ext::AH, true),
            (ext::HOP | ext::DEST | ext::ROUTE, ext::HOP | ext::DEST | ext::ROUTE, true),
            (ext::UNREP, ext::DEST | ext::UNREP, true),
            (ext::UNSEQ | ext::DEST, ext::HOP | ext::DEST | ext::UNSEQ, true),
            (ext::ESP, ext::ESP, false),
            (ext::HOP | ext::NONEXT, ext::HOP | ext::NONEXT, false),
            (ext::BAD, ext::DEST | ext::BAD, false),
        ];
        for (asked, seen, tcp) in cases {
            let bytes = fields(&[(Field::Ipv6Ext, asked.into()), (Field::TcpDst, 23)], 5);
            let h = Headers::parse(&bytes);
            assert_eq!(h.ipv6_ext(&bytes), Some(seen), "asked {asked:#x}");
            assert_eq!(h.tcp_dst(&bytes), tcp.then_some(23), "asked {asked:#x}");
            if !tcp || asked & ext::UNSEQ != 0 {
                // (etherparse refuses a Hop-by-Hop header that is not first.)
                continue;
            }
            // etherparse walks the same chain to the same TCP header, whose
            // checksum it recomputes.
            let packet = SlicedPacket::from_ethernet(&bytes).expect("etherparse accepts it");
            let Some(NetSlice::Ipv6(ip)) = &packet.net else { panic!("not IPv6") };
            assert_eq!(ip.payload().ip_number.0, 6);
            let l4 = h.l4_offset().unwrap();
            let tcp = etherparse::TcpSlice::from_slice(&bytes[l4..]).unwrap();
            let expected = tcp.to_header().calc_checksum_ipv6(&ip.header().to_header(), tcp.payload()).unwrap();
            assert_eq!(tcp.checksum(), expected, "asked {asked:#x}");
        }
    }

    #[test]
    fn fragments_first_tiny_and_later() {
        use nfc_runtime::Headers;
        for family in [Field::Ipv4Dst, Field::Ipv6Dst] {
            for (state, l4) in [(frag::NONE, true), (frag::FIRST, true), (frag::TINY, false), (frag::LATER, false)] {
                for transport in [Field::TcpDst, Field::UdpDst, Field::IcmpType] {
                    let bytes = fields(&[(family, 1), (Field::IpFrag, state.into()), (transport, 8)], 12);
                    let h = Headers::parse(&bytes);
                    assert_eq!(h.ip_frag(&bytes), Some(state), "{family:?} {transport:?}");
                    assert_eq!(h.l4_offset().is_some(), l4, "{family:?} {state} {transport:?}");
                    assert!(h.ip_proto(&bytes).is_some());
                }
            }
        }
    }

    #[test]
    fn non_ip_frames_carry_the_given_ether_type() {
        let bytes = fields(&[(Field::EthType, 0x0806), (Field::EthDst, 0xffff_ffff_ffff)], 28);
        assert_eq!(bytes.len(), 14 + 28);
        assert_eq!(&bytes[..6], &[0xff; 6]);
        assert_eq!(&bytes[12..14], &[0x08, 0x06]);
    }

    #[test]
    fn overrides_replace_fields_and_keep_the_rest() {
        let input = TestPacket::Fields { fields: vec![(Field::Ipv4Dst, 1), (Field::IpTtl, 64)], payload_len: 4 };
        let expect = TestPacket::Fields { fields: vec![(Field::IpTtl, 63)], payload_len: 0 };
        let TestPacket::Fields { fields, payload_len } = merged(&input, &expect) else { unreachable!() };
        assert_eq!(fields, vec![(Field::Ipv4Dst, 1), (Field::IpTtl, 63)]);
        assert_eq!(payload_len, 4);
    }
}
