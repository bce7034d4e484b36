//! The router's in-place replies against etherparse: ARP replies (RFC 826)
//! and ICMP errors (RFC 792, 1812, 4443) are parsed by etherparse, which
//! recomputes every checksum; the quote is the original IP packet, cut at
//! 576 (IPv4) / 1280 (IPv6) bytes; the cases that must get no reply get
//! none and leave the frame unchanged.

use etherparse::{
    icmpv4, icmpv6, Icmpv4Type, Icmpv6Type, LinkSlice, NetSlice, PacketBuilder, SlicedPacket, TransportSlice,
};
use nfc_runtime::wire::arp::{self, ArpPacket};
use nfc_runtime::wire::{icmp_error_in_place, IcmpError, NoReply, Responder};
use nfc_runtime::{Frame, Headers};
use proptest::prelude::*;

const HOST_MAC: [u8; 6] = [2, 0, 0, 0, 0, 0x0a];
const ROUTER_MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];
const ROUTER: Responder =
    Responder { mac: 0x0200_0000_0001, ipv4: 0x0a00_0001, ipv6: 0x2001_0db8_0000_0000_0000_0000_0000_0001 };
const HOST_V6: u128 = 0x2001_0db8_0000_0000_0000_0000_0000_000a;
const FAR_V6: u128 = 0x2001_0db8_ffff_0000_0000_0000_0000_0009;

fn udp4(src: [u8; 4], dst: [u8; 4], ttl: u8, payload_len: usize) -> Vec<u8> {
    let builder = PacketBuilder::ethernet2(HOST_MAC, ROUTER_MAC).ipv4(src, dst, ttl).udp(5000, 33434);
    let mut out = Vec::new();
    builder.write(&mut out, &vec![0x61; payload_len]).unwrap();
    out
}

fn udp6(src: u128, dst: u128, payload_len: usize) -> Vec<u8> {
    let builder =
        PacketBuilder::ethernet2(HOST_MAC, ROUTER_MAC).ipv6(src.to_be_bytes(), dst.to_be_bytes(), 1).udp(5000, 33434);
    let mut out = Vec::new();
    builder.write(&mut out, &vec![0x62; payload_len]).unwrap();
    out
}

/// Runs the helper on `packet` in a 2 KiB buffer; the frame after it.
fn reply(packet: &[u8], error: IcmpError) -> Result<Vec<u8>, NoReply> {
    let mut buffer = packet.to_vec();
    buffer.resize(2048, 0);
    let mut frame = Frame::new(&mut buffer, packet.len());
    let headers = Headers::parse(frame.data());
    let result = icmp_error_in_place(&mut frame, &headers, error, &ROUTER);
    if result.is_err() {
        assert_eq!(frame.data(), packet, "no reply: the frame is unchanged");
    }
    result.map(|()| frame.data().to_vec())
}

/// Checks an ICMPv4 error with etherparse: addresses, checksums, size, and
/// that the quote is the start of `original`'s IP packet. Returns (type, code).
fn check_v4(out: &[u8], original: &[u8]) -> (u8, u8) {
    let sliced = SlicedPacket::from_ethernet(out).expect("etherparse parses the error");
    let Some(LinkSlice::Ethernet2(eth)) = &sliced.link else { panic!("Ethernet") };
    assert_eq!((eth.destination(), eth.source()), (HOST_MAC, ROUTER_MAC));
    let Some(NetSlice::Ipv4(ip)) = &sliced.net else { panic!("IPv4") };
    let header = ip.header().to_header();
    assert_eq!(header.header_checksum, header.calc_header_checksum(), "IPv4 header checksum");
    assert_eq!(
        (header.source, header.destination),
        ([10, 0, 0, 1], [original[26], original[27], original[28], original[29]])
    );
    assert_eq!((header.time_to_live, header.protocol.0, header.dscp.value() << 2), (64, 1, 0xc0));
    assert!(usize::from(header.total_len) <= 576);
    let Some(TransportSlice::Icmpv4(icmp)) = &sliced.transport else { panic!("ICMP") };
    assert_eq!(icmp.checksum(), icmp.icmp_type().calc_checksum(icmp.payload()), "ICMP checksum");
    let original_ip = &original[14..14 + usize::from(u16::from_be_bytes([original[16], original[17]]))];
    let quote = icmp.payload();
    assert_eq!(quote, &original_ip[..quote.len()], "the quote is the original packet's start");
    assert_eq!(quote.len(), original_ip.len().min(548), "as much as fits in 576 bytes");
    (icmp.type_u8(), icmp.code_u8())
}

fn check_v6(out: &[u8], original: &[u8]) -> (u8, u8) {
    let sliced = SlicedPacket::from_ethernet(out).expect("etherparse parses the error");
    let Some(NetSlice::Ipv6(ip)) = &sliced.net else { panic!("IPv6") };
    let header = ip.header().to_header();
    assert_eq!(
        (u128::from_be_bytes(header.source), header.destination),
        (ROUTER.ipv6, original[22..38].try_into().unwrap())
    );
    assert!(40 + usize::from(header.payload_length) <= 1280);
    let Some(TransportSlice::Icmpv6(icmp)) = &sliced.transport else { panic!("ICMPv6") };
    let expected = icmp.icmp_type().calc_checksum(header.source, header.destination, icmp.payload()).unwrap();
    assert_eq!(icmp.checksum(), expected, "ICMPv6 checksum");
    let original_ip = &original[14..14 + 40 + usize::from(u16::from_be_bytes([original[18], original[19]]))];
    let quote = icmp.payload();
    assert_eq!(quote, &original_ip[..quote.len()]);
    assert_eq!(quote.len(), original_ip.len().min(1232), "as much as fits in 1280 bytes");
    (icmp.type_u8(), icmp.code_u8())
}

#[test]
fn time_exceeded_and_unreachable_for_ipv4() {
    let packet = udp4([10, 0, 0, 10], [198, 51, 100, 9], 1, 100);
    let out = reply(&packet, IcmpError::TimeExceeded).unwrap();
    assert_eq!(check_v4(&out, &packet), (11, 0));
    let sliced = SlicedPacket::from_ethernet(&out).unwrap();
    let Some(TransportSlice::Icmpv4(icmp)) = sliced.transport else { panic!() };
    assert_eq!(icmp.icmp_type(), Icmpv4Type::TimeExceeded(icmpv4::TimeExceededCode::TtlExceededInTransit));
    for (error, code) in [
        (IcmpError::NetUnreachable, 0),
        (IcmpError::HostUnreachable, 1),
        (IcmpError::PortUnreachable, 3),
        (IcmpError::AdminProhibited, 13),
    ] {
        assert_eq!(check_v4(&reply(&packet, error).unwrap(), &packet), (3, code));
    }
}

#[test]
fn ipv6_errors_quote_up_to_1280_bytes() {
    for len in [0, 100, 1400] {
        let packet = udp6(HOST_V6, FAR_V6, len);
        let out = reply(&packet, IcmpError::TimeExceeded).unwrap();
        assert_eq!(check_v6(&out, &packet), (3, 0));
        let sliced = SlicedPacket::from_ethernet(&out).unwrap();
        let Some(TransportSlice::Icmpv6(icmp)) = sliced.transport else { panic!() };
        assert_eq!(icmp.icmp_type(), Icmpv6Type::TimeExceeded(icmpv6::TimeExceededCode::HopLimitExceeded));
    }
    let packet = udp6(HOST_V6, FAR_V6, 10);
    assert_eq!(check_v6(&reply(&packet, IcmpError::PortUnreachable).unwrap(), &packet), (1, 4));
}

#[test]
fn padding_is_not_quoted_and_tags_are_kept() {
    let mut packet = udp4([10, 0, 0, 10], [198, 51, 100, 9], 1, 0);
    packet.resize(60, 0xee);
    let out = reply(&packet, IcmpError::TimeExceeded).unwrap();
    check_v4(&out, &packet);
    assert_eq!(out.len(), 14 + 28 + 28);
    // With a VLAN tag: the reply keeps it.
    let builder = PacketBuilder::ethernet2(HOST_MAC, ROUTER_MAC)
        .single_vlan(etherparse::VlanId::try_new(42).unwrap())
        .ipv4([10, 0, 0, 10], [198, 51, 100, 9], 1)
        .udp(1, 2);
    let mut tagged = Vec::new();
    builder.write(&mut tagged, b"tagged").unwrap();
    let out = reply(&tagged, IcmpError::TimeExceeded).unwrap();
    let sliced = SlicedPacket::from_ethernet(&out).unwrap();
    let Some(etherparse::VlanSlice::SingleVlan(tag)) = &sliced.vlan else { panic!("the tag is kept") };
    assert_eq!(tag.vlan_identifier().value(), 42);
    let Some(TransportSlice::Icmpv4(icmp)) = &sliced.transport else { panic!() };
    assert_eq!(icmp.payload(), &tagged[18..]);
}

#[test]
fn no_errors_about_errors_groups_fragments_or_bad_sources() {
    let far = [198, 51, 100, 9];
    let host = [10, 0, 0, 10];
    // An ICMP error: none. An echo request: yes.
    for (kind, expected) in [
        (Icmpv4Type::DestinationUnreachable(icmpv4::DestUnreachableHeader::Port), Err(NoReply::AboutAnError)),
        (Icmpv4Type::TimeExceeded(icmpv4::TimeExceededCode::TtlExceededInTransit), Err(NoReply::AboutAnError)),
        (Icmpv4Type::EchoRequest(etherparse::IcmpEchoHeader { id: 1, seq: 1 }), Ok(())),
    ] {
        let builder = PacketBuilder::ethernet2(HOST_MAC, ROUTER_MAC).ipv4(host, far, 1).icmpv4(kind);
        let mut packet = Vec::new();
        builder.write(&mut packet, &[0x45; 28]).unwrap();
        assert_eq!(reply(&packet, IcmpError::TimeExceeded).map(|_| ()), expected);
    }
    // Group destinations, link or IP.
    let mut broadcast = udp4(host, far, 1, 10);
    broadcast[..6].copy_from_slice(&[0xff; 6]);
    assert_eq!(reply(&broadcast, IcmpError::TimeExceeded), Err(NoReply::ToGroup));
    for dst in [[224, 0, 0, 251], [255, 255, 255, 255]] {
        assert_eq!(reply(&udp4(host, dst, 1, 10), IcmpError::TimeExceeded), Err(NoReply::ToGroup));
    }
    // Sources that are not one host.
    for src in [[0, 0, 0, 0], [127, 0, 0, 1], [224, 1, 2, 3], [255, 255, 255, 255], [240, 0, 0, 1]] {
        assert_eq!(reply(&udp4(src, far, 1, 10), IcmpError::TimeExceeded), Err(NoReply::InvalidSource));
    }
    // A later fragment.
    let mut fragment = udp4(host, far, 1, 10);
    fragment[20..22].copy_from_slice(&[0x00, 0x10]);
    fragment[24..26].copy_from_slice(&[0, 0]);
    let sum = nfc_runtime::wire::checksum::checksum(&fragment[14..34]);
    fragment[24..26].copy_from_slice(&sum.to_be_bytes());
    assert_eq!(reply(&fragment, IcmpError::TimeExceeded), Err(NoReply::NonFirstFragment));
    // IPv6: multicast destination, unspecified source, an ICMPv6 error, extension headers.
    assert_eq!(reply(&udp6(HOST_V6, 0xff02 << 112 | 1, 8), IcmpError::TimeExceeded), Err(NoReply::ToGroup));
    assert_eq!(reply(&udp6(0, FAR_V6, 8), IcmpError::TimeExceeded), Err(NoReply::InvalidSource));
    let builder = PacketBuilder::ethernet2(HOST_MAC, ROUTER_MAC)
        .ipv6(HOST_V6.to_be_bytes(), FAR_V6.to_be_bytes(), 1)
        .icmpv6(Icmpv6Type::DestinationUnreachable(icmpv6::DestUnreachableCode::Port));
    let mut error6 = Vec::new();
    builder.write(&mut error6, &[0x60; 48]).unwrap();
    assert_eq!(reply(&error6, IcmpError::TimeExceeded), Err(NoReply::AboutAnError));
    let mut hop_by_hop = udp6(HOST_V6, FAR_V6, 8);
    hop_by_hop[20] = 0;
    assert_eq!(reply(&hop_by_hop, IcmpError::TimeExceeded), Err(NoReply::AboutAnError));
    // Not IP, and no address of the family.
    assert_eq!(reply(&[0u8; 60], IcmpError::TimeExceeded), Err(NoReply::NotIp));
    let mut buffer = udp6(HOST_V6, FAR_V6, 8);
    let len = buffer.len();
    buffer.resize(2048, 0);
    let mut frame = Frame::new(&mut buffer, len);
    let headers = Headers::parse(frame.data());
    let v4_only = Responder { ipv6: 0, ..ROUTER };
    assert_eq!(icmp_error_in_place(&mut frame, &headers, IcmpError::TimeExceeded, &v4_only), Err(NoReply::NoAddress));
}

#[test]
fn a_buffer_without_room_gets_no_reply() {
    let packet = udp4([10, 0, 0, 10], [198, 51, 100, 9], 1, 10);
    let mut buffer = packet.clone();
    buffer.resize(packet.len() + 27, 0);
    let mut frame = Frame::new(&mut buffer, packet.len());
    let headers = Headers::parse(frame.data());
    assert_eq!(icmp_error_in_place(&mut frame, &headers, IcmpError::TimeExceeded, &ROUTER), Err(NoReply::NoRoom));
    assert_eq!(frame.data(), &packet[..]);
}

proptest! {
    /// Any IPv4 or IPv6 UDP packet of any size from a host: the error
    /// etherparse reads is right, with as much quoted as fits.
    #[test]
    fn errors_for_packets_of_every_size(len in 0usize..1480, v6 in any::<bool>(), ttl in 0u8..3) {
        if v6 {
            let packet = udp6(HOST_V6, FAR_V6, len.min(1440));
            check_v6(&reply(&packet, IcmpError::TimeExceeded).unwrap(), &packet);
        } else {
            let packet = udp4([10, 0, 0, 10], [198, 51, 100, 9], ttl, len.min(1472));
            check_v4(&reply(&packet, IcmpError::HostUnreachable).unwrap(), &packet);
        }
    }
}

/// An ARP request built byte by byte from RFC 826's layout.
fn arp_request(sender: [u8; 4], target: [u8; 4], tag: Option<u16>) -> Vec<u8> {
    let mut out = vec![0xff; 6];
    out.extend_from_slice(&HOST_MAC);
    if let Some(vid) = tag {
        out.extend_from_slice(&[0x81, 0x00]);
        out.extend_from_slice(&vid.to_be_bytes());
    }
    out.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1]);
    out.extend_from_slice(&HOST_MAC);
    out.extend_from_slice(&sender);
    out.extend_from_slice(&[0; 6]);
    out.extend_from_slice(&target);
    out.resize(out.len().max(60), 0);
    out
}

fn answer(packet: &[u8]) -> Option<(u32, Vec<u8>)> {
    let mut data = packet.to_vec();
    let headers = Headers::parse(&data);
    let ours = |ip: u32| match ip {
        0x0a00_0001 => Some(0x0200_0000_0001),
        0xcb00_7101 => Some(0x0200_0000_0002),
        _ => None,
    };
    let answered = arp::answer_request(&headers, &mut data, ours);
    if answered.is_none() {
        assert_eq!(data, packet);
    }
    answered.map(|ip| (ip, data))
}

#[test]
fn arp_requests_for_our_addresses_are_answered() {
    for (target, mac) in [([10, 0, 0, 1], ROUTER_MAC), ([203, 0, 113, 1], [2, 0, 0, 0, 0, 2])] {
        let request = arp_request([10, 0, 0, 10], target, None);
        let (ip, out) = answer(&request).unwrap();
        assert_eq!(ip, u32::from_be_bytes(target));
        // etherparse reads the Ethernet header; the ARP fields are RFC 826's.
        let sliced = SlicedPacket::from_ethernet(&out).unwrap();
        let Some(LinkSlice::Ethernet2(eth)) = &sliced.link else { panic!() };
        assert_eq!((eth.destination(), eth.source(), eth.ether_type().0), (HOST_MAC, mac, 0x0806));
        let reply = ArpPacket::new_checked(&out[14..]).unwrap();
        assert_eq!(reply.operation(), arp::operation::REPLY);
        assert_eq!((reply.sender_hardware().to_be_bytes()[2..].to_vec(), reply.sender_protocol()), (mac.to_vec(), ip));
        assert_eq!((reply.target_hardware(), reply.target_protocol()), (0x0200_0000_000a, 0x0a00_000a));
        assert_eq!(out.len(), request.len());
    }
    // Behind a VLAN tag, the tag stays.
    let (_, out) = answer(&arp_request([10, 0, 0, 10], [10, 0, 0, 1], Some(7))).unwrap();
    assert_eq!(&out[12..16], &[0x81, 0x00, 0, 7]);
    assert_eq!(ArpPacket::new_checked(&out[18..]).unwrap().operation(), arp::operation::REPLY);
}

#[test]
fn other_arp_is_not_answered() {
    assert!(answer(&arp_request([10, 0, 0, 10], [10, 0, 0, 99], None)).is_none(), "not ours");
    assert!(answer(&arp_request([10, 0, 0, 1], [10, 0, 0, 1], None)).is_none(), "gratuitous");
    let mut reply = arp_request([10, 0, 0, 10], [10, 0, 0, 1], None);
    reply[21] = 2;
    assert!(answer(&reply).is_none(), "a reply");
    let mut group_sender = arp_request([10, 0, 0, 10], [10, 0, 0, 1], None);
    group_sender[22] = 0x01;
    assert!(answer(&group_sender).is_none(), "a group sender MAC");
    let mut not_ipv4 = arp_request([10, 0, 0, 10], [10, 0, 0, 1], None);
    not_ipv4[16] = 0x86;
    assert!(answer(&not_ipv4).is_none(), "another protocol type");
    assert!(answer(&arp_request([10, 0, 0, 10], [10, 0, 0, 1], None)[..40]).is_none(), "truncated");
    assert!(answer(&udp4([10, 0, 0, 10], [10, 0, 0, 1], 64, 8)).is_none(), "not ARP");
}

/// `packet` (IPv6, no extension headers) with an 8-byte header of type
/// `kind` (Hop-by-Hop 0 or Fragment 44 with `fragment_offset`) put in front
/// of its upper layer.
fn with_extension_header(packet: &[u8], kind: u8, fragment_offset: u16) -> Vec<u8> {
    let mut out = packet[..54].to_vec();
    let upper = out[20];
    out[20] = kind;
    let payload = u16::from_be_bytes([out[18], out[19]]) + 8;
    out[18..20].copy_from_slice(&payload.to_be_bytes());
    match kind {
        // Next header, length 0 (8 bytes), PadN of 4.
        0 => out.extend_from_slice(&[upper, 0, 1, 4, 0, 0, 0, 0]),
        _ => {
            let offset = fragment_offset << 3;
            out.extend_from_slice(&[upper, 0, (offset >> 8) as u8, offset as u8 | 1, 0, 0, 0, 7]);
        }
    }
    out.extend_from_slice(&packet[54..]);
    out
}

#[test]
fn ipv6_extension_headers_are_looked_through() {
    // UDP behind a Hop-by-Hop header: an error, quoting the header too.
    let udp = with_extension_header(&udp6(HOST_V6, FAR_V6, 20), 0, 0);
    assert_eq!(check_v6(&reply(&udp, IcmpError::TimeExceeded).unwrap(), &udp), (3, 0));
    // An ICMPv6 error behind it: none.
    let builder = PacketBuilder::ethernet2(HOST_MAC, ROUTER_MAC)
        .ipv6(HOST_V6.to_be_bytes(), FAR_V6.to_be_bytes(), 1)
        .icmpv6(Icmpv6Type::DestinationUnreachable(icmpv6::DestUnreachableCode::Port));
    let mut error6 = Vec::new();
    builder.write(&mut error6, &[0x60; 48]).unwrap();
    let hidden = with_extension_header(&error6, 0, 0);
    assert_eq!(reply(&hidden, IcmpError::TimeExceeded), Err(NoReply::AboutAnError));
    // Fragments: the first gets an error, a later one does not.
    let first = with_extension_header(&udp6(HOST_V6, FAR_V6, 20), 44, 0);
    assert!(reply(&first, IcmpError::TimeExceeded).is_ok());
    let later = with_extension_header(&udp6(HOST_V6, FAR_V6, 20), 44, 100);
    assert_eq!(reply(&later, IcmpError::TimeExceeded), Err(NoReply::NonFirstFragment));
}
