//! The Maglev load balancer: spread, flow affinity, backend removal keeps
//! most flows, expiry, a full flow table.

use crate::support::*;
use nfc::runtime::{NetworkFunction, Outputs};
use nfc_examples::stateful::lb::{LbConfig, LoadBalancer, BACKENDS, CLIENTS};
use nfc_examples::stateful::process_at;
use std::collections::HashMap;

const VIP: Host = host(0x10, [192, 0, 2, 10]);

fn lb(flows: usize) -> LoadBalancer {
    LoadBalancer::new(LbConfig {
        vip: u32::from_be_bytes(VIP.ip),
        mac: 0x0200_0000_0010,
        backend_macs: (1..=4).map(|i| 0x0200_0000_0100 + i).collect(),
        flows,
        idle_timeout_ns: 60 * SECOND,
        table_size: 65_537,
    })
    .unwrap()
}

fn client(i: u32) -> Host {
    Host { mac: mac(0x20), ip: (0x6440_0000 + i).to_be_bytes() }
}

/// The backend (last octet of its MAC) a client's flow goes to at `now`.
fn backend_of(lb: &mut LoadBalancer, now: u64, i: u32) -> u8 {
    let packet = tcp(client(i), VIP, 10_000 + (i % 50_000) as u16, 80, ACK, b"x");
    let (outputs, out) = process_at(lb, now, CLIENTS, &packet);
    assert_eq!(outputs, Outputs::port(BACKENDS));
    let seen = seen(&out);
    assert_eq!((seen.src, seen.dst, seen.ports), (client(i).ip, VIP.ip, (10_000 + (i % 50_000) as u16, 80)));
    assert_eq!(seen.src_mac, mac(0x10));
    assert_eq!(&seen.dst_mac[..5], &[2, 0, 0, 0, 1]);
    assert_eq!(&out[14..], &packet[14..], "only the MACs change");
    seen.dst_mac[5]
}

#[test]
fn flows_spread_evenly_and_keep_their_backend() {
    let mut b = lb(65_536);
    let first: Vec<u8> = (0..4000).map(|i| backend_of(&mut b, 0, i)).collect();
    let mut shares: HashMap<u8, usize> = HashMap::new();
    first.iter().for_each(|&x| *shares.entry(x).or_default() += 1);
    assert_eq!(shares.len(), 4);
    assert!(shares.values().all(|&n| (850..=1150).contains(&n)), "{shares:?}");
    for (i, &backend) in first.iter().enumerate() {
        assert_eq!(backend_of(&mut b, SECOND, i as u32), backend);
    }
    assert_eq!((b.packets("affinity/new"), b.packets("affinity/hit")), (4000, 4000));
}

#[test]
fn removing_a_backend_moves_only_its_flows_and_adding_it_back_keeps_the_moved_ones() {
    let mut b = lb(65_536);
    let before: Vec<u8> = (0..2000).map(|i| backend_of(&mut b, 0, i)).collect();
    assert!(b.set_backend_enabled(1, false) && !b.set_backend_enabled(9, false));
    let after: Vec<u8> = (0..2000).map(|i| backend_of(&mut b, SECOND, i)).collect();
    for (old, new) in before.iter().zip(&after) {
        if *old == 2 {
            assert_ne!(*new, 2, "flows of the removed backend move");
        } else {
            assert_eq!(old, new, "other flows keep their backend");
        }
    }
    assert_eq!(b.packets("affinity/repicked") as usize, before.iter().filter(|&&x| x == 2).count());
    b.set_backend_enabled(1, true);
    let back: Vec<u8> = (0..2000).map(|i| backend_of(&mut b, 2 * SECOND, i)).collect();
    assert_eq!(back, after, "affinity keeps the moved flows where they went");
}

#[test]
fn without_affinity_maglev_alone_keeps_almost_every_flow() {
    // A flow table of 1: nearly every flow relies on Maglev alone.
    let mut b = lb(1);
    let before: Vec<u8> = (0..3000).map(|i| backend_of(&mut b, 0, i)).collect();
    assert!(b.packets("affinity/full") >= 2999);
    b.set_backend_enabled(3, false);
    let after: Vec<u8> = (0..3000).map(|i| backend_of(&mut b, 0, i)).collect();
    let moved = before.iter().zip(&after).filter(|(o, n)| **o != 4 && o != n).count();
    assert!(moved < 60, "{moved} of 3000 flows on surviving backends moved");
}

#[test]
fn idle_flows_expire_and_are_chosen_again() {
    let mut b = lb(16);
    let first = backend_of(&mut b, 0, 7);
    assert_eq!(b.flows(), 1);
    b.set_time(60 * SECOND);
    assert_eq!(b.flows(), 0);
    assert_eq!(backend_of(&mut b, 60 * SECOND, 7), first, "Maglev chooses the same backend again");
    assert_eq!(b.packets("affinity/new"), 2);
}

#[test]
fn other_traffic() {
    let mut b = lb(16);
    let not_vip = tcp(client(1), host(0x10, [192, 0, 2, 11]), 1, 80, SYN, b"");
    assert_eq!(process_at(&mut b, 0, CLIENTS, &not_vip).0, Outputs::DROP);
    let reply = tcp(VIP, client(1), 80, 1, SYN_ACK, b"");
    assert_eq!(process_at(&mut b, 0, BACKENDS, &reply), (Outputs::port(CLIENTS), reply.clone()));
    for backend in 0..4 {
        b.set_backend_enabled(backend, false);
    }
    assert_eq!(process_at(&mut b, 0, CLIENTS, &tcp(client(1), VIP, 1, 80, SYN, b"")).0, Outputs::DROP);
    assert_eq!([b.packets("drop/not_vip"), b.packets("backend_to_client"), b.packets("drop/no_backend")], [1, 1, 1]);
}
