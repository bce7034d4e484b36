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

use crate::ir::{Field, TestPacket};
use nfc_runtime::wire::checksum;

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
    let ipv6 = has(&|f| matches!(f, Field::Ipv6Src | Field::Ipv6Dst)) || eth_type == Some(0x86dd);
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
    let pseudo = if ipv6 {
        let src = get(Field::Ipv6Src).unwrap_or(0xfd00 << 112 | 1);
        let dst = get(Field::Ipv6Dst).unwrap_or(0xfd00 << 112 | 2);
        packet.extend_from_slice(&0x86ddu16.to_be_bytes());
        let first_word = 6u32 << 28 | u32::from(dscp) << 22;
        packet.extend_from_slice(&first_word.to_be_bytes());
        packet.extend_from_slice(&(segment_len as u16).to_be_bytes());
        packet.extend_from_slice(&[proto, ttl]);
        packet.extend_from_slice(&src.to_be_bytes());
        packet.extend_from_slice(&dst.to_be_bytes());
        checksum::pseudo_header_ipv6(src, dst, proto, segment_len as u32)
    } else {
        let src = get(Field::Ipv4Src).unwrap_or(0x0a00_0001) as u32;
        let dst = get(Field::Ipv4Dst).unwrap_or(0x0a00_0002) as u32;
        packet.extend_from_slice(&0x0800u16.to_be_bytes());
        let start = packet.len();
        packet.extend_from_slice(&[0x45, dscp << 2]);
        packet.extend_from_slice(&((20 + segment_len) as u16).to_be_bytes());
        packet.extend_from_slice(&[0x12, 0x34, 0x40, 0x00, ttl, proto, 0, 0]);
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
    packet
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
