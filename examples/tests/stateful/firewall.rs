//! The stateful firewall: outbound opens, replies pass, unsolicited inbound
//! is dropped, RST and FIN close, idle flows expire, a full table refuses.

use crate::support::*;
use nfc::runtime::state::FlowTimeouts;
use nfc::runtime::Outputs;
use nfc_examples::stateful::firewall::{FirewallConfig, StatefulFirewall, INSIDE, OUTSIDE};
use nfc_examples::stateful::process_at;

const IN: Host = host(1, [10, 0, 0, 2]);
const OUT: Host = host(2, [198, 51, 100, 7]);
const OTHER: Host = host(3, [203, 0, 113, 9]);

fn firewall(capacity: usize) -> StatefulFirewall {
    StatefulFirewall::new(FirewallConfig { capacity, timeouts: FlowTimeouts::FIREWALL }).unwrap()
}

/// Sends `packet` in on `port` at `now`: it must be passed to the other
/// port unchanged (`true`) or dropped.
fn expect(fw: &mut StatefulFirewall, now: u64, port: u8, packet: &[u8], passes: bool) {
    let (outputs, out) = process_at(fw, now, port, packet);
    let expected = if !passes {
        Outputs::DROP
    } else if port == INSIDE {
        Outputs::port(OUTSIDE)
    } else {
        Outputs::port(INSIDE)
    };
    assert_eq!(outputs, expected, "packet in on port {port} at {now} ns");
    assert_eq!(out, packet, "the firewall does not change packets");
}

#[test]
fn a_syn_out_opens_the_flow_and_the_replies_pass() {
    let mut fw = firewall(16);
    expect(&mut fw, 0, INSIDE, &tcp(IN, OUT, 40000, 443, SYN, &[]), true);
    expect(&mut fw, MS, OUTSIDE, &tcp(OUT, IN, 443, 40000, SYN_ACK, &[]), true);
    expect(&mut fw, 2 * MS, INSIDE, &tcp(IN, OUT, 40000, 443, ACK, b"GET /"), true);
    expect(&mut fw, 3 * MS, OUTSIDE, &tcp(OUT, IN, 443, 40000, ACK, b"200 OK"), true);
    assert_eq!((fw.packets("open"), fw.packets("tracked")), (1, 3));
    // Another port of the same hosts is another flow: unsolicited.
    expect(&mut fw, 4 * MS, OUTSIDE, &tcp(OUT, IN, 443, 40001, ACK, &[]), false);
    // And so is the same port from another host.
    expect(&mut fw, 4 * MS, OUTSIDE, &tcp(OTHER, IN, 443, 40000, ACK, &[]), false);
}

#[test]
fn unsolicited_inbound_is_dropped() {
    let mut fw = firewall(16);
    expect(&mut fw, 0, OUTSIDE, &tcp(OUT, IN, 5555, 22, SYN, &[]), false);
    expect(&mut fw, 0, OUTSIDE, &udp(OUT, IN, 53, 5353, b"x"), false);
    expect(&mut fw, 0, OUTSIDE, &ping(OUT, IN, 7, 1), false);
    assert_eq!(fw.packets("drop/unsolicited"), 3);
    assert_eq!(fw.flows(), 0, "inbound never opens a flow");
}

#[test]
fn pings_out_are_answered_and_pings_in_are_not() {
    let mut fw = firewall(16);
    expect(&mut fw, 0, INSIDE, &ping(IN, OUT, 7, 1), true);
    expect(&mut fw, MS, OUTSIDE, &pong(OUT, IN, 7, 1), true);
    expect(&mut fw, MS, OUTSIDE, &pong(OUT, IN, 8, 1), false);
    expect(&mut fw, MS, OUTSIDE, &ping(OUT, IN, 7, 1), false);
}

#[test]
fn a_packet_posing_as_the_inside_host_from_outside_is_dropped() {
    let mut fw = firewall(16);
    expect(&mut fw, 0, INSIDE, &udp(IN, OUT, 1000, 53, b"q"), true);
    expect(&mut fw, 1, OUTSIDE, &udp(IN, OUT, 1000, 53, b"spoofed"), false);
}

#[test]
fn flows_expire_after_their_idle_timeout() {
    let t = FlowTimeouts::FIREWALL;
    let mut fw = firewall(16);
    expect(&mut fw, 0, INSIDE, &udp(IN, OUT, 1000, 53, b"q"), true);
    expect(&mut fw, t.udp_ns - 1, OUTSIDE, &udp(OUT, IN, 53, 1000, b"a"), true);
    // The reply refreshed it; a full idle timeout later it is gone.
    let gone = 2 * t.udp_ns - 1;
    expect(&mut fw, gone - 1, OUTSIDE, &udp(OUT, IN, 53, 1000, b"a"), true);
    expect(&mut fw, gone - 1 + t.udp_ns, OUTSIDE, &udp(OUT, IN, 53, 1000, b"late"), false);
    // A SYN that was never answered: the SYN-ACK after the transitory timeout is unsolicited.
    let mut fw = firewall(16);
    expect(&mut fw, 0, INSIDE, &tcp(IN, OUT, 40000, 80, SYN, &[]), true);
    expect(&mut fw, t.tcp_transitory_ns, OUTSIDE, &tcp(OUT, IN, 80, 40000, SYN_ACK, &[]), false);
    // Established connections last much longer.
    let mut fw = firewall(16);
    expect(&mut fw, 0, INSIDE, &tcp(IN, OUT, 40000, 80, SYN, &[]), true);
    expect(&mut fw, 1, OUTSIDE, &tcp(OUT, IN, 80, 40000, SYN_ACK, &[]), true);
    expect(&mut fw, t.tcp_transitory_ns + 1, OUTSIDE, &tcp(OUT, IN, 80, 40000, ACK, &[]), true);
    expect(&mut fw, t.tcp_transitory_ns + t.tcp_established_ns + 1, OUTSIDE, &tcp(OUT, IN, 80, 40000, ACK, &[]), false);
}

#[test]
fn rst_closes_at_once() {
    let mut fw = firewall(16);
    expect(&mut fw, 0, INSIDE, &tcp(IN, OUT, 40000, 80, SYN, &[]), true);
    expect(&mut fw, 1, OUTSIDE, &tcp(OUT, IN, 80, 40000, RST, &[]), true);
    expect(&mut fw, 2, OUTSIDE, &tcp(OUT, IN, 80, 40000, ACK, &[]), false);
    assert_eq!(fw.packets("closed"), 1);
    // A RST from inside for a flow nobody tracks passes without opening one.
    expect(&mut fw, 3, INSIDE, &tcp(IN, OUT, 40000, 80, RST, &[]), true);
    assert_eq!((fw.flows(), fw.packets("untracked")), (0, 1));
}

#[test]
fn fin_from_both_sides_leaves_the_closing_timeout() {
    let t = FlowTimeouts::FIREWALL;
    let mut fw = firewall(16);
    expect(&mut fw, 0, INSIDE, &tcp(IN, OUT, 40000, 80, SYN, &[]), true);
    expect(&mut fw, 1, OUTSIDE, &tcp(OUT, IN, 80, 40000, SYN_ACK, &[]), true);
    // Half-closed: the outside may go on sending past the closing timeout.
    expect(&mut fw, 2, INSIDE, &tcp(IN, OUT, 40000, 80, FIN_ACK, &[]), true);
    expect(&mut fw, 2 + t.tcp_closing_ns, OUTSIDE, &tcp(OUT, IN, 80, 40000, ACK, b"more"), true);
    let closed_at = 3 + t.tcp_closing_ns;
    expect(&mut fw, closed_at, OUTSIDE, &tcp(OUT, IN, 80, 40000, FIN_ACK, &[]), true);
    expect(&mut fw, closed_at + t.tcp_closing_ns - 1, INSIDE, &tcp(IN, OUT, 40000, 80, ACK, &[]), true);
    let last = closed_at + t.tcp_closing_ns - 1;
    expect(&mut fw, last + t.tcp_closing_ns, OUTSIDE, &tcp(OUT, IN, 80, 40000, ACK, &[]), false);
}

#[test]
fn a_full_table_refuses_new_flows_and_keeps_the_old_ones() {
    let mut fw = firewall(2);
    expect(&mut fw, 0, INSIDE, &udp(IN, OUT, 1, 53, b"q"), true);
    expect(&mut fw, 0, INSIDE, &udp(IN, OUT, 2, 53, b"q"), true);
    expect(&mut fw, 1, INSIDE, &udp(IN, OUT, 3, 53, b"q"), false);
    expect(&mut fw, 2, OUTSIDE, &udp(OUT, IN, 53, 3, b"a"), false);
    expect(&mut fw, 2, OUTSIDE, &udp(OUT, IN, 53, 1, b"a"), true);
    assert_eq!(fw.packets("drop/full"), 1);
    // Once a flow expires there is room again.
    let later = FlowTimeouts::FIREWALL.udp_ns;
    expect(&mut fw, later, INSIDE, &udp(IN, OUT, 3, 53, b"q"), true);
}

#[test]
fn icmp_errors_about_tracked_flows_come_back_in() {
    let mut fw = firewall(16);
    let query = udp(IN, OUT, 1000, 53, b"query");
    expect(&mut fw, 0, INSIDE, &query, true);
    let router = host(9, [192, 0, 2, 1]);
    expect(&mut fw, 1, OUTSIDE, &icmp_error(OUT, IN, port_unreachable(), &query, 8), true);
    expect(&mut fw, 1, OUTSIDE, &icmp_error(router, IN, port_unreachable(), &query, 500), true);
    assert_eq!(fw.packets("related"), 2);
    // About a flow never opened, addressed elsewhere, or with a short quote: dropped.
    let unknown = udp(IN, OUT, 1001, 53, b"query");
    expect(&mut fw, 2, OUTSIDE, &icmp_error(OUT, IN, port_unreachable(), &unknown, 8), false);
    expect(&mut fw, 2, OUTSIDE, &icmp_error(OUT, OTHER, port_unreachable(), &query, 8), false);
    expect(&mut fw, 2, OUTSIDE, &icmp_error(OUT, IN, port_unreachable(), &query, 3), false);
    // Errors from inside pass without state.
    expect(&mut fw, 3, INSIDE, &icmp_error(IN, OUT, port_unreachable(), &udp(OUT, IN, 5, 6, b""), 8), true);
}

#[test]
fn ipv6_flows_are_tracked_and_arp_passes() {
    let mut fw = firewall(16);
    let (inside, outside) = (0x2001_0db8_0000_0000_0000_0000_0000_0002, 0x2001_0db8_ffff_0000_0000_0000_0000_0007);
    expect(&mut fw, 0, INSIDE, &tcp6(IN.mac, OUT.mac, inside, outside, (40000, 443), SYN), true);
    expect(&mut fw, 1, OUTSIDE, &tcp6(OUT.mac, IN.mac, outside, inside, (443, 40000), SYN_ACK), true);
    expect(&mut fw, 1, OUTSIDE, &tcp6(OUT.mac, IN.mac, outside, inside, (443, 40001), SYN), false);
    // Behind a Hop-by-Hop header it is the same flow.
    let hidden = with_hop_by_hop(&tcp6(OUT.mac, IN.mac, outside, inside, (443, 40000), ACK));
    expect(&mut fw, 1, OUTSIDE, &hidden, true);
    let hidden = with_hop_by_hop(&tcp6(OUT.mac, IN.mac, outside, inside, (443, 40002), ACK));
    expect(&mut fw, 1, OUTSIDE, &hidden, false);
    expect(&mut fw, 2, OUTSIDE, &arp_request(OUT, IN.ip), true);
    expect(&mut fw, 2, INSIDE, &arp_request(IN, OUT.ip), true);
    assert_eq!(fw.packets("pass/non_ip"), 2);
}
