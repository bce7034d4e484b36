//! The policer: per-host rate and burst on WAN-to-LAN traffic, LAN traffic
//! untouched, idle buckets forgotten, a full table refuses new hosts.

use crate::support::*;
use nfc::runtime::Outputs;
use nfc_examples::stateful::policer::{PolicerConfig, RatePolicer, LAN, WAN};
use nfc_examples::stateful::process_at;

const H1: Host = host(1, [10, 0, 0, 1]);
const H2: Host = host(2, [10, 0, 0, 2]);
const REMOTE: Host = host(9, [198, 51, 100, 1]);

/// 1,000 bytes per second, 2,000-byte burst.
fn policer(capacity: usize) -> RatePolicer {
    RatePolicer::new(PolicerConfig {
        rate_bytes_per_s: 1000,
        burst_bytes: 2000,
        capacity,
        idle_timeout_ns: 10 * SECOND,
    })
    .unwrap()
}

/// A WAN-to-LAN frame of exactly `len` bytes.
fn to(host: Host, len: usize) -> Vec<u8> {
    let packet = udp(REMOTE, host, 53, 5000, &vec![0x5a; len - 42]);
    assert_eq!(packet.len(), len);
    packet
}

fn passes(p: &mut RatePolicer, now: u64, packet: &[u8]) -> bool {
    let (outputs, out) = process_at(p, now, WAN, packet);
    assert_eq!(out, packet, "the policer does not change packets");
    match outputs {
        o if o == Outputs::port(LAN) => true,
        o if o == Outputs::DROP => false,
        o => panic!("unexpected outputs {o:?}"),
    }
}

#[test]
fn a_burst_then_the_rate_per_host() {
    let mut p = policer(16);
    assert!(passes(&mut p, 0, &to(H1, 1000)));
    assert!(passes(&mut p, 0, &to(H1, 1000)));
    assert!(!passes(&mut p, 0, &to(H1, 100)), "the 2,000-byte burst is spent");
    // The other host has its own bucket.
    assert!(passes(&mut p, 0, &to(H2, 1000)));
    // 1,000 B/s: 100 bytes after 100 ms, not before.
    assert!(!passes(&mut p, 99 * MS, &to(H1, 100)));
    assert!(passes(&mut p, 100 * MS, &to(H1, 100)));
    // A dropped packet takes nothing: 60 ms later, 60 bytes.
    assert!(!passes(&mut p, 130 * MS, &to(H1, 100)));
    assert!(passes(&mut p, 160 * MS, &to(H1, 60)));
    assert_eq!((p.packets("pass/new"), p.packets("pass/conform"), p.packets("drop/exceed")), (2, 3, 3));
}

#[test]
fn a_sustained_flood_gets_the_rate_and_no_more() {
    let mut p = policer(16);
    let packet = to(H1, 100);
    let mut passed = 0u64;
    // 10,000 packets of 100 bytes over 10 s: 100 kB/s offered, 1 kB/s allowed.
    for i in 0..10_000u64 {
        if passes(&mut p, i * MS, &packet) {
            passed += 100;
        }
    }
    assert!((10_000..=2000 + 10_000).contains(&passed), "{passed} bytes passed");
}

#[test]
fn lan_traffic_and_arp_pass_and_other_protocols_do_not() {
    let mut p = policer(16);
    let big = udp(H1, REMOTE, 5000, 53, &[0; 1400]);
    for _ in 0..10 {
        assert_eq!(process_at(&mut p, 0, LAN, &big).0, Outputs::port(WAN));
    }
    assert_eq!(process_at(&mut p, 0, WAN, &arp_request(REMOTE, H1.ip)).0, Outputs::port(LAN));
    let v6 = tcp6(REMOTE.mac, H1.mac, 1, 2, (1, 2), SYN);
    assert_eq!(process_at(&mut p, 0, WAN, &v6).0, Outputs::DROP);
    assert_eq!([p.packets("lan_to_wan"), p.packets("pass/arp"), p.packets("drop/not_ipv4")], [10, 1, 1]);
}

#[test]
fn idle_buckets_are_forgotten_and_a_full_table_refuses_new_hosts() {
    let mut p = policer(1);
    assert!(passes(&mut p, 0, &to(H1, 2000)));
    assert!(!passes(&mut p, SECOND, &to(H2, 60)), "no room for a second host");
    assert_eq!(p.packets("drop/full"), 1);
    // H1's bucket, idle for the 10 s timeout, is gone; H2 gets a fresh one.
    assert!(passes(&mut p, 10 * SECOND, &to(H2, 2000)));
    assert_eq!(p.hosts(), 1);
}
