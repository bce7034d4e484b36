//! Packets for the sequences, built by etherparse, and the checks on what
//! the functions emit, made by etherparse.

#![allow(dead_code)]

use etherparse::{Icmpv4Type, LinkSlice, NetSlice, PacketBuilder, SlicedPacket, TransportSlice};

pub const MS: u64 = 1_000_000;
pub const SECOND: u64 = 1_000_000_000;

/// A locally administered unicast MAC whose last octet is `n`.
pub const fn mac(n: u8) -> [u8; 6] {
    [0x02, 0, 0, 0, 0, n]
}

pub const BROADCAST: [u8; 6] = [0xff; 6];

/// TCP flags for `tcp`.
#[derive(Clone, Copy, Default)]
pub struct Flags {
    pub syn: bool,
    pub ack: bool,
    pub fin: bool,
    pub rst: bool,
}

pub const SYN: Flags = Flags { syn: true, ack: false, fin: false, rst: false };
pub const SYN_ACK: Flags = Flags { syn: true, ack: true, fin: false, rst: false };
pub const ACK: Flags = Flags { syn: false, ack: true, fin: false, rst: false };
pub const FIN_ACK: Flags = Flags { syn: false, ack: true, fin: true, rst: false };
pub const RST: Flags = Flags { syn: false, ack: false, fin: false, rst: true };

/// An IPv4 endpoint: MAC, address, port.
#[derive(Clone, Copy, Debug)]
pub struct Host {
    pub mac: [u8; 6],
    pub ip: [u8; 4],
}

pub const fn host(n: u8, ip: [u8; 4]) -> Host {
    Host { mac: mac(n), ip }
}

pub fn tcp(from: Host, to: Host, src_port: u16, dst_port: u16, flags: Flags, payload: &[u8]) -> Vec<u8> {
    let mut builder =
        PacketBuilder::ethernet2(from.mac, to.mac).ipv4(from.ip, to.ip, 64).tcp(src_port, dst_port, 1000, 64240);
    if flags.syn {
        builder = builder.syn();
    }
    if flags.ack {
        builder = builder.ack(2000);
    }
    if flags.fin {
        builder = builder.fin();
    }
    if flags.rst {
        builder = builder.rst();
    }
    let mut out = Vec::with_capacity(builder.size(payload.len()));
    builder.write(&mut out, payload).unwrap();
    out
}

pub fn udp(from: Host, to: Host, src_port: u16, dst_port: u16, payload: &[u8]) -> Vec<u8> {
    let builder = PacketBuilder::ethernet2(from.mac, to.mac).ipv4(from.ip, to.ip, 64).udp(src_port, dst_port);
    let mut out = Vec::with_capacity(builder.size(payload.len()));
    builder.write(&mut out, payload).unwrap();
    out
}

pub fn ping(from: Host, to: Host, id: u16, seq: u16) -> Vec<u8> {
    let builder = PacketBuilder::ethernet2(from.mac, to.mac).ipv4(from.ip, to.ip, 64).icmpv4_echo_request(id, seq);
    let mut out = Vec::new();
    builder.write(&mut out, b"0123456789abcdef").unwrap();
    out
}

pub fn pong(from: Host, to: Host, id: u16, seq: u16) -> Vec<u8> {
    let builder = PacketBuilder::ethernet2(from.mac, to.mac).ipv4(from.ip, to.ip, 64).icmpv4_echo_reply(id, seq);
    let mut out = Vec::new();
    builder.write(&mut out, b"0123456789abcdef").unwrap();
    out
}

/// An Ethernet frame from `src` to `dst` carrying a small UDP datagram.
pub fn frame(src: [u8; 6], dst: [u8; 6]) -> Vec<u8> {
    udp(Host { mac: src, ip: [10, 0, 0, 1] }, Host { mac: dst, ip: [10, 0, 0, 2] }, 1000, 2000, b"hello")
}

/// What etherparse reads in a frame (IPv4 with TCP, UDP or ICMP).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Seen {
    pub src_mac: [u8; 6],
    pub dst_mac: [u8; 6],
    pub src: [u8; 4],
    pub dst: [u8; 4],
    pub ttl: u8,
    /// TCP/UDP ports; ICMP echo: (identifier, identifier); other ICMP: (type, code).
    pub ports: (u16, u16),
    pub payload: Vec<u8>,
}

/// Parses an IPv4 frame with etherparse and recomputes every checksum
/// from scratch (IPv4 header, TCP, UDP unless it is 0, ICMP), panicking on
/// any mismatch.
pub fn seen(data: &[u8]) -> Seen {
    let sliced = SlicedPacket::from_ethernet(data).expect("etherparse parses the output");
    let Some(LinkSlice::Ethernet2(eth)) = &sliced.link else { panic!("no Ethernet header") };
    let Some(NetSlice::Ipv4(ip)) = &sliced.net else { panic!("no IPv4 header") };
    let header = ip.header().to_header();
    assert_eq!(header.header_checksum, header.calc_header_checksum(), "IPv4 header checksum");
    let (ports, payload) = match &sliced.transport {
        Some(TransportSlice::Tcp(tcp)) => {
            let expected = tcp.to_header().calc_checksum_ipv4(&header, tcp.payload()).unwrap();
            assert_eq!(tcp.checksum(), expected, "TCP checksum");
            ((tcp.source_port(), tcp.destination_port()), tcp.payload().to_vec())
        }
        Some(TransportSlice::Udp(udp)) => {
            if udp.checksum() != 0 {
                let expected = udp.to_header().calc_checksum_ipv4(&header, udp.payload()).unwrap();
                assert_eq!(udp.checksum(), expected, "UDP checksum");
            }
            ((udp.source_port(), udp.destination_port()), udp.payload().to_vec())
        }
        Some(TransportSlice::Icmpv4(icmp)) => {
            let expected = icmp.icmp_type().calc_checksum(icmp.payload());
            assert_eq!(icmp.checksum(), expected, "ICMP checksum");
            let ports = match icmp.icmp_type() {
                Icmpv4Type::EchoRequest(echo) | Icmpv4Type::EchoReply(echo) => (echo.id, echo.id),
                _ => (u16::from(icmp.type_u8()), u16::from(icmp.code_u8())),
            };
            (ports, icmp.payload().to_vec())
        }
        other => panic!("unexpected transport {other:?}"),
    };
    Seen {
        src_mac: eth.source(),
        dst_mac: eth.destination(),
        src: header.source,
        dst: header.destination,
        ttl: header.time_to_live,
        ports,
        payload,
    }
}

/// An ICMPv4 error from `from` to `to` quoting the IP packet of `original`
/// (an Ethernet frame): its header and the first `quote` bytes after it
/// at most.
pub fn icmp_error(from: Host, to: Host, kind: Icmpv4Type, original: &[u8], quote: usize) -> Vec<u8> {
    let ip = &original[14..];
    let header_len = usize::from(ip[0] & 0x0f) * 4;
    let total = usize::from(u16::from_be_bytes([ip[2], ip[3]]));
    let quoted = &ip[..total.min(header_len + quote)];
    let builder = PacketBuilder::ethernet2(from.mac, to.mac).ipv4(from.ip, to.ip, 64).icmpv4(kind);
    let mut out = Vec::new();
    builder.write(&mut out, quoted).unwrap();
    out
}

/// Destination unreachable, port unreachable (RFC 792 code 3).
pub fn port_unreachable() -> Icmpv4Type {
    Icmpv4Type::DestinationUnreachable(etherparse::icmpv4::DestUnreachableHeader::Port)
}

/// A TCP segment over IPv6 between two addresses.
pub fn tcp6(src_mac: [u8; 6], dst_mac: [u8; 6], src: u128, dst: u128, ports: (u16, u16), flags: Flags) -> Vec<u8> {
    let mut builder = PacketBuilder::ethernet2(src_mac, dst_mac)
        .ipv6(src.to_be_bytes(), dst.to_be_bytes(), 64)
        .tcp(ports.0, ports.1, 1, 1000);
    if flags.syn {
        builder = builder.syn();
    }
    if flags.ack {
        builder = builder.ack(1);
    }
    if flags.rst {
        builder = builder.rst();
    }
    let mut out = Vec::new();
    builder.write(&mut out, &[]).unwrap();
    out
}

/// An ARP request (RFC 826) from `from` for `target`, broadcast.
pub fn arp_request(from: Host, target: [u8; 4]) -> Vec<u8> {
    let mut out = BROADCAST.to_vec();
    out.extend_from_slice(&from.mac);
    out.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1]);
    out.extend_from_slice(&from.mac);
    out.extend_from_slice(&from.ip);
    out.extend_from_slice(&[0; 6]);
    out.extend_from_slice(&target);
    out.resize(60, 0);
    out
}

/// An IPv6 frame (no extension headers) with a Hop-by-Hop header (PadN
/// only) put in front of its upper layer.
pub fn with_hop_by_hop(packet: &[u8]) -> Vec<u8> {
    let mut out = packet[..54].to_vec();
    let upper = out[20];
    out[20] = 0;
    let payload = u16::from_be_bytes([out[18], out[19]]) + 8;
    out[18..20].copy_from_slice(&payload.to_be_bytes());
    out.extend_from_slice(&[upper, 0, 1, 4, 0, 0, 0, 0]);
    out.extend_from_slice(&packet[54..]);
    out
}
