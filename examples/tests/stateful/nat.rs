//! The NAT router: translation both ways with checksums etherparse
//! recomputes, endpoint-independent mapping and filtering, expiry, a full
//! port range, ICMP echo and errors, hairpinning.

use crate::support::*;
use etherparse::{Ipv4HeaderSlice, SlicedPacket, TransportSlice};
use nfc::runtime::state::FlowTimeouts;
use nfc::runtime::Outputs;
use nfc_examples::stateful::nat::{NatRouter, NatRouterConfig, INSIDE, OUTSIDE};
use nfc_examples::stateful::process_at;

const A: Host = host(0x0a, [10, 0, 0, 2]);
const B: Host = host(0x0b, [10, 0, 0, 3]);
/// The remote host, which is also the router's outside next hop.
const R: Host = host(0x12, [198, 51, 100, 7]);
const S: Host = host(0x12, [192, 0, 2, 33]);
const NAT_IN_MAC: [u8; 6] = mac(1);
const NAT_OUT: Host = host(2, [203, 0, 113, 1]);

/// `to`'s address through the router's inside MAC (the gateway).
const fn via_nat(to: Host) -> Host {
    Host { mac: NAT_IN_MAC, ip: to.ip }
}

fn nat(first_port: u16, last_port: u16) -> NatRouter {
    NatRouter::with_seed(NatRouterConfig { first_port, last_port, ..NatRouterConfig::default() }, 7).unwrap()
}

/// Sends `packet` in on `port` at `now`; it must leave on the other port;
/// returns what etherparse reads in it (checksums checked).
fn pass(nat: &mut NatRouter, now: u64, port: u8, packet: &[u8]) -> (Seen, Vec<u8>) {
    let (outputs, out) = process_at(nat, now, port, packet);
    let other = if port == INSIDE { OUTSIDE } else { INSIDE };
    assert_eq!(outputs, Outputs::port(other), "packet in on {port} at {now} ns");
    (seen(&out), out)
}

fn dropped(nat: &mut NatRouter, now: u64, port: u8, packet: &[u8]) {
    let (outputs, _) = process_at(nat, now, port, packet);
    assert_eq!(outputs, Outputs::DROP, "packet in on {port} at {now} ns must be dropped");
}

#[test]
fn tcp_is_translated_out_and_back_with_correct_checksums() {
    let mut n = nat(1024, 65535);
    let syn = tcp(A, via_nat(R), 40000, 443, SYN, b"");
    let (out, _) = pass(&mut n, 0, INSIDE, &syn);
    assert_eq!((out.src, out.dst, out.ttl), (NAT_OUT.ip, R.ip, 63));
    assert_eq!((out.src_mac, out.dst_mac), (NAT_OUT.mac, R.mac));
    let port = out.ports.0;
    assert!(port >= 1024 && out.ports.1 == 443, "{out:?}");
    let (back, _) = pass(&mut n, MS, OUTSIDE, &tcp(R, NAT_OUT, 443, port, SYN_ACK, b""));
    assert_eq!((back.src, back.dst, back.ports, back.ttl), (R.ip, A.ip, (443, 40000), 63));
    assert_eq!((back.src_mac, back.dst_mac), (NAT_IN_MAC, A.mac));
    let (data, _) = pass(&mut n, 2 * MS, INSIDE, &tcp(A, via_nat(R), 40000, 443, ACK, b"GET / HTTP/1.1"));
    assert_eq!((data.ports.0, data.payload.as_slice()), (port, &b"GET / HTTP/1.1"[..]));
    assert_eq!((n.packets("out/new_mapping"), n.packets("out/translated"), n.packets("in/translated")), (1, 2, 1));
}

#[test]
fn mappings_and_filtering_are_endpoint_independent() {
    let mut n = nat(1024, 65535);
    let (first, _) = pass(&mut n, 0, INSIDE, &udp(A, via_nat(R), 5000, 53, b"q"));
    let (second, _) = pass(&mut n, 1, INSIDE, &udp(A, via_nat(S), 5000, 123, b"q"));
    assert_eq!(first.ports.0, second.ports.0, "one mapping per internal endpoint (RFC 4787 REQ-1)");
    let (other, _) = pass(&mut n, 2, INSIDE, &udp(B, via_nat(R), 5000, 53, b"q"));
    let (another, _) = pass(&mut n, 2, INSIDE, &udp(A, via_nat(R), 5001, 53, b"q"));
    let ports = [first.ports.0, other.ports.0, another.ports.0];
    assert!(ports[0] != ports[1] && ports[0] != ports[2] && ports[1] != ports[2], "{ports:?}");
    // Any remote host may use the mapping (endpoint-independent filtering).
    let (in_, _) = pass(&mut n, 3, OUTSIDE, &udp(host(0x12, [100, 64, 0, 1]), NAT_OUT, 9999, first.ports.0, b"hi"));
    assert_eq!((in_.dst, in_.ports.1), (A.ip, 5000));
}

#[test]
fn unsolicited_inbound_is_dropped_silently() {
    let mut n = nat(1024, 65535);
    dropped(&mut n, 0, OUTSIDE, &tcp(R, NAT_OUT, 443, 2000, SYN, b""));
    dropped(&mut n, 0, OUTSIDE, &udp(R, NAT_OUT, 53, 1024, b""));
    dropped(&mut n, 0, OUTSIDE, &ping(R, NAT_OUT, 5, 1));
    assert_eq!(n.packets("drop/no_mapping"), 2);
    assert_eq!(n.packets("drop/untranslatable"), 1, "echo requests to the NAT are not translated");
    // A mapping of another protocol on the same port does not open it.
    let (out, _) = pass(&mut n, 1, INSIDE, &udp(A, via_nat(R), 5000, 53, b"q"));
    dropped(&mut n, 2, OUTSIDE, &tcp(R, NAT_OUT, 53, out.ports.0, SYN_ACK, b""));
}

#[test]
fn a_zero_udp_checksum_stays_zero() {
    let mut n = nat(1024, 65535);
    let mut packet = udp(A, via_nat(R), 5000, 53, b"no checksum");
    packet[40..42].copy_from_slice(&[0, 0]);
    let (_, out) = pass(&mut n, 0, INSIDE, &packet);
    assert_eq!(&out[40..42], &[0, 0]);
    let port = u16::from_be_bytes([out[34], out[35]]);
    let mut reply = udp(R, NAT_OUT, 53, port, b"none either");
    reply[40..42].copy_from_slice(&[0, 0]);
    let (_, back) = pass(&mut n, 1, OUTSIDE, &reply);
    assert_eq!((&back[40..42], &back[36..38]), (&[0u8, 0][..], &5000u16.to_be_bytes()[..]));
}

#[test]
fn echo_identifiers_are_translated() {
    let mut n = nat(1024, 65535);
    let (out, _) = pass(&mut n, 0, INSIDE, &ping(A, via_nat(R), 77, 1));
    assert_ne!(out.ports.0, 77);
    let (back, _) = pass(&mut n, 1, OUTSIDE, &pong(R, NAT_OUT, out.ports.0, 1));
    assert_eq!((back.dst, back.ports.0), (A.ip, 77));
    dropped(&mut n, 2, OUTSIDE, &pong(R, NAT_OUT, out.ports.0.wrapping_add(1), 1));
}

#[test]
fn mappings_expire_after_their_idle_timeout() {
    let t = FlowTimeouts::RFC;
    let mut n = nat(1024, 65535);
    let (out, _) = pass(&mut n, 0, INSIDE, &udp(A, via_nat(R), 5000, 53, b"q"));
    let reply = udp(R, NAT_OUT, 53, out.ports.0, b"a");
    pass(&mut n, t.udp_ns - 1, OUTSIDE, &reply);
    // The reply refreshed it (inbound refresh); a full idle timeout after it, gone.
    pass(&mut n, 2 * t.udp_ns - 2, OUTSIDE, &reply);
    dropped(&mut n, 3 * t.udp_ns - 2, OUTSIDE, &reply);
    // TCP: established mappings outlive the transitory timeout, RST brings it back.
    let mut n = nat(1024, 65535);
    let (out, _) = pass(&mut n, 0, INSIDE, &tcp(A, via_nat(R), 40000, 80, SYN, b""));
    let from_r = |flags| tcp(R, NAT_OUT, 80, out.ports.0, flags, b"");
    pass(&mut n, 1, OUTSIDE, &from_r(SYN_ACK));
    pass(&mut n, t.tcp_transitory_ns + 1, OUTSIDE, &from_r(ACK));
    pass(&mut n, t.tcp_transitory_ns + 2, OUTSIDE, &from_r(RST));
    pass(&mut n, 2 * t.tcp_transitory_ns + 1, OUTSIDE, &from_r(ACK));
    dropped(&mut n, 3 * t.tcp_transitory_ns + 1, OUTSIDE, &from_r(ACK));
    // An unanswered SYN's mapping lasts the transitory timeout.
    let mut n = nat(1024, 65535);
    let (out, _) = pass(&mut n, 0, INSIDE, &tcp(A, via_nat(R), 40000, 80, SYN, b""));
    dropped(&mut n, t.tcp_transitory_ns, OUTSIDE, &tcp(R, NAT_OUT, 80, out.ports.0, SYN_ACK, b""));
    assert_eq!(n.mappings(), 0);
}

#[test]
fn a_full_port_range_refuses_new_endpoints_and_keeps_the_mapped_ones() {
    let t = FlowTimeouts::RFC;
    let mut n = nat(2000, 2001);
    let (first, _) = pass(&mut n, 0, INSIDE, &udp(A, via_nat(R), 1, 53, b"q"));
    let (second, _) = pass(&mut n, 1, INSIDE, &udp(A, via_nat(R), 2, 53, b"q"));
    let mut ports = [first.ports.0, second.ports.0];
    ports.sort_unstable();
    assert_eq!(ports, [2000, 2001]);
    dropped(&mut n, 2, INSIDE, &udp(A, via_nat(R), 3, 53, b"q"));
    assert_eq!(n.packets("drop/full"), 1);
    pass(&mut n, 3, INSIDE, &udp(A, via_nat(R), 1, 53, b"again"));
    // Once the second mapping expires its port serves the new endpoint.
    let (third, _) = pass(&mut n, 1 + t.udp_ns, INSIDE, &udp(A, via_nat(R), 3, 53, b"q"));
    assert_eq!(third.ports.0, second.ports.0);
    // A TCP RST that would need a new mapping does not get one.
    dropped(&mut n, 2 + t.udp_ns, INSIDE, &tcp(B, via_nat(R), 9, 80, RST, b""));
}

/// The quoted IP header of an ICMP error as etherparse reads it (checksum
/// checked), and the quoted ports.
fn quote_of(error: &Seen) -> ([u8; 4], [u8; 4], u16, u16) {
    let quote = &error.payload;
    let header = Ipv4HeaderSlice::from_slice(quote).expect("a quoted IPv4 header").to_header();
    assert_eq!(header.header_checksum, header.calc_header_checksum(), "quoted IPv4 header checksum");
    let l4 = &quote[header.header_len()..];
    (header.source, header.destination, u16::from_be_bytes([l4[0], l4[1]]), u16::from_be_bytes([l4[2], l4[3]]))
}

#[test]
fn icmp_errors_are_translated_both_ways() {
    let mut n = nat(1024, 65535);
    let (out, translated) = pass(&mut n, 0, INSIDE, &udp(A, via_nat(R), 5000, 53, b"query"));
    let ext = out.ports.0;
    // In: R says port unreachable, quoting what it received (the whole packet).
    let router = host(0x12, [192, 0, 2, 1]);
    for (from, quote) in [(R, 500), (router, 8)] {
        let error = icmp_error(from, NAT_OUT, port_unreachable(), &translated, quote);
        let (back, _) = pass(&mut n, 1, OUTSIDE, &error);
        assert_eq!((back.dst, back.dst_mac), (A.ip, A.mac));
        assert_eq!(quote_of(&back), (A.ip, R.ip, 5000, 53));
        if quote == 500 {
            // The whole quoted datagram: its UDP checksum must still be right.
            let inner = SlicedPacket::from_ip(&back.payload).unwrap();
            let Some(TransportSlice::Udp(udp)) = inner.transport else { panic!("quoted UDP") };
            let Some(etherparse::NetSlice::Ipv4(ip)) = inner.net else { panic!("quoted IPv4") };
            let expected = udp.to_header().calc_checksum_ipv4(&ip.header().to_header(), udp.payload()).unwrap();
            assert_eq!(udp.checksum(), expected, "quoted UDP checksum");
        }
    }
    assert_eq!(n.packets("in/related"), 2);
    // Out: A says port unreachable about R's reply, which reached it translated.
    let (reply, delivered) = pass(&mut n, 2, OUTSIDE, &udp(R, NAT_OUT, 53, ext, b"answer"));
    assert_eq!(reply.ports.1, 5000);
    let error = icmp_error(A, via_nat(R), port_unreachable(), &delivered, 500);
    let (sent, _) = pass(&mut n, 3, INSIDE, &error);
    assert_eq!((sent.src, sent.dst), (NAT_OUT.ip, R.ip));
    assert_eq!(quote_of(&sent), (R.ip, NAT_OUT.ip, 53, ext));
    // Errors about nothing mapped, or with a broken checksum, are dropped.
    let unmapped = udp(NAT_OUT, R, ext.wrapping_add(1), 53, b"x");
    dropped(&mut n, 4, OUTSIDE, &icmp_error(R, NAT_OUT, port_unreachable(), &unmapped, 8));
    let mut corrupt = icmp_error(R, NAT_OUT, port_unreachable(), &translated, 8);
    corrupt[36] ^= 0xff;
    dropped(&mut n, 4, OUTSIDE, &corrupt);
    assert_eq!(n.packets("drop/bad_checksum"), 1);
}

#[test]
fn tcp_errors_quoting_eight_bytes_are_translated() {
    let mut n = nat(1024, 65535);
    let (out, translated) = pass(&mut n, 0, INSIDE, &tcp(A, via_nat(R), 40000, 443, SYN, b""));
    let error = icmp_error(host(0x12, [192, 0, 2, 1]), NAT_OUT, port_unreachable(), &translated, 8);
    let (back, _) = pass(&mut n, 1, OUTSIDE, &error);
    assert_eq!(quote_of(&back), (A.ip, R.ip, 40000, 443));
    assert_ne!(out.ports.0, 40000);
}

#[test]
fn inside_hosts_reach_each_other_through_the_external_address() {
    let mut n = nat(1024, 65535);
    let (a_out, _) = pass(&mut n, 0, INSIDE, &udp(A, via_nat(R), 5000, 53, b"open"));
    // B sends to A's external endpoint: it comes back in, from B's external endpoint.
    let (outputs, out) = process_at(&mut n, 1, INSIDE, &udp(B, via_nat(NAT_OUT), 6000, a_out.ports.0, b"hairpin"));
    assert_eq!(outputs, Outputs::port(INSIDE));
    let seen = seen(&out);
    assert_eq!((seen.src, seen.dst, seen.ports.1, seen.dst_mac), (NAT_OUT.ip, A.ip, 5000, A.mac));
    assert_ne!(seen.ports.0, 6000);
    assert_eq!(n.packets("hairpin"), 1);
}

#[test]
fn router_input_checks_arp_and_expiring_packets() {
    let mut n = nat(1024, 65535);
    let mut expiring = udp(A, via_nat(R), 5000, 53, b"q");
    expiring[22] = 1;
    expiring[24..26].copy_from_slice(&[0, 0]);
    let sum = nfc::runtime::wire::checksum::checksum(&expiring[14..34]);
    expiring[24..26].copy_from_slice(&sum.to_be_bytes());
    // TTL 1: time exceeded, from the router's inside address, back inside.
    let (outputs, out) = process_at(&mut n, 0, INSIDE, &expiring);
    assert_eq!(outputs, Outputs::port(INSIDE));
    let error = seen(&out);
    assert_eq!(
        (error.src, error.dst, error.ports, error.src_mac, error.dst_mac),
        ([10, 0, 0, 1], A.ip, (11, 0), NAT_IN_MAC, A.mac)
    );
    assert_eq!(&error.payload[..], &expiring[14..]);
    assert_eq!(n.mappings(), 0, "an expiring packet maps nothing");
    // ARP for the router's addresses, on each side.
    let (outputs, reply) = process_at(&mut n, 0, INSIDE, &arp_request(A, [10, 0, 0, 1]));
    assert_eq!((outputs, &reply[..6], &reply[6..12]), (Outputs::port(INSIDE), &A.mac[..], &NAT_IN_MAC[..]));
    let (outputs, reply) = process_at(&mut n, 0, OUTSIDE, &arp_request(R, NAT_OUT.ip));
    assert_eq!((outputs, &reply[..6], &reply[6..12]), (Outputs::port(OUTSIDE), &R.mac[..], &NAT_OUT.mac[..]));
    dropped(&mut n, 0, INSIDE, &arp_request(A, [10, 0, 0, 99]));
    dropped(&mut n, 0, OUTSIDE, &arp_request(R, [10, 0, 0, 1]));
    dropped(&mut n, 0, INSIDE, &udp(A, R, 5000, 53, b"not to the router's MAC"));
    dropped(&mut n, 0, OUTSIDE, &udp(R, host(2, [203, 0, 113, 99]), 53, 1024, b"not our address"));
    assert_eq!(
        [
            n.packets("icmp/time_exceeded"),
            n.packets("arp/answered"),
            n.packets("drop/not_for_us"),
            n.packets("drop/not_ipv4")
        ],
        [1, 2, 2, 2]
    );
}

#[test]
fn errors_about_pings_get_the_identifier_back() {
    let mut n = nat(1024, 65535);
    let (out, translated) = pass(&mut n, 0, INSIDE, &ping(A, via_nat(R), 77, 1));
    let time_exceeded =
        etherparse::Icmpv4Type::TimeExceeded(etherparse::icmpv4::TimeExceededCode::TtlExceededInTransit);
    let error = icmp_error(host(0x12, [192, 0, 2, 1]), NAT_OUT, time_exceeded, &translated, 500);
    let (back, _) = pass(&mut n, 1, OUTSIDE, &error);
    assert_eq!(back.dst, A.ip);
    let inner = SlicedPacket::from_ip(&back.payload).unwrap();
    let Some(TransportSlice::Icmpv4(echo)) = inner.transport else { panic!("quoted echo request") };
    let etherparse::Icmpv4Type::EchoRequest(header) = echo.icmp_type() else { panic!("an echo request") };
    assert_eq!(header.id, 77);
    assert_ne!(out.ports.0, 77);
    assert_eq!(echo.checksum(), echo.icmp_type().calc_checksum(echo.payload()), "quoted ICMP checksum");
}
