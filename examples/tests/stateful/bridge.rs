//! The learning bridge: what it learns, forwards, floods, filters and
//! forgets, and how it behaves when its table is full.

use crate::support::*;
use nfc::runtime::{NetworkFunction, Outputs};
use nfc_examples::stateful::bridge::{Bridge, BridgeConfig};
use nfc_examples::stateful::process_at;

fn bridge(capacity: usize) -> Bridge {
    Bridge::new(BridgeConfig { ports: 3, capacity, ageing_ns: 300 * SECOND }).unwrap()
}

const A: [u8; 6] = mac(0xa);
const B: [u8; 6] = mac(0xb);
const C: [u8; 6] = mac(0xc);
const D: [u8; 6] = mac(0xd);

/// Sends `src -> dst` in on `port` at `now`; the frame must come out
/// unchanged on `expected`.
fn step(bridge: &mut Bridge, now: u64, port: u8, src: [u8; 6], dst: [u8; 6], expected: Outputs) {
    let packet = frame(src, dst);
    let (outputs, out) = process_at(bridge, now, port, &packet);
    assert_eq!(outputs, expected, "{src:02x?} -> {dst:02x?} in on {port} at {now} ns");
    assert_eq!(out, packet, "a bridge does not change frames");
}

#[test]
fn learns_sources_and_forwards_to_them() {
    let mut b = bridge(16);
    let (p0, p1, p2) = (Outputs::port(0), Outputs::port(1), Outputs::port(2));
    step(&mut b, 0, 0, A, BROADCAST, p1.with(2));
    step(&mut b, MS, 1, B, A, p0);
    step(&mut b, 2 * MS, 0, A, B, p1);
    // C unknown: flooded (only this one frame), until C speaks.
    step(&mut b, 3 * MS, 0, A, C, p1.with(2));
    step(&mut b, 4 * MS, 2, C, A, p0);
    step(&mut b, 5 * MS, 0, A, C, p2);
    step(&mut b, 6 * MS, 1, B, C, p2);
    assert_eq!(b.packets("flood/unknown"), 1);
    assert_eq!(b.packets("flood/group"), 1);
    assert_eq!(b.packets("forward"), 5);
    assert_eq!(b.packets("learn/new"), 3);
}

#[test]
fn a_station_that_moves_is_followed() {
    let mut b = bridge(16);
    step(&mut b, 0, 0, A, BROADCAST, Outputs::flood(0, 3));
    step(&mut b, 1, 1, B, A, Outputs::port(0));
    step(&mut b, 2, 2, B, A, Outputs::port(0));
    step(&mut b, 3, 0, A, B, Outputs::port(2));
    assert_eq!(b.packets("learn/moved"), 1);
}

#[test]
fn stations_on_the_input_segment_are_filtered() {
    let mut b = bridge(16);
    step(&mut b, 0, 0, A, BROADCAST, Outputs::flood(0, 3));
    step(&mut b, 1, 0, D, A, Outputs::DROP);
    assert_eq!(b.packets("filter/same_port"), 1);
}

#[test]
fn addresses_age_out_after_the_ageing_time_without_frames_from_them() {
    let mut b = bridge(16);
    step(&mut b, 0, 0, A, BROADCAST, Outputs::flood(0, 3));
    step(&mut b, 10 * SECOND, 1, B, A, Outputs::port(0));
    // Frames *to* A do not refresh it; frames *from* B do.
    step(&mut b, 300 * SECOND - 1, 1, B, A, Outputs::port(0));
    step(&mut b, 300 * SECOND, 1, B, A, Outputs::flood(1, 3));
    step(&mut b, 300 * SECOND + 1, 2, C, B, Outputs::port(1));
    assert_eq!(b.packets("flood/unknown"), 1);
}

#[test]
fn expiry_is_reclaimed_in_bounded_steps_per_burst() {
    let mut b = bridge(1000);
    for i in 0..1000u16 {
        let src = [0x02, 0, 0, 0, (i >> 8) as u8, i as u8];
        step(&mut b, 0, (i % 3) as u8, src, BROADCAST, Outputs::flood((i % 3) as u8, 3));
    }
    assert_eq!(b.learned(), 1000);
    b.set_time(301 * SECOND);
    assert_eq!(b.learned(), 1000 - nfc_examples::stateful::EXPIRY_BUDGET, "one budget per burst");
    for burst in 0..20 {
        b.set_time(301 * SECOND + burst);
    }
    assert_eq!(b.learned(), 0);
}

#[test]
fn a_full_table_keeps_its_stations_and_floods_to_new_ones() {
    let mut b = bridge(2);
    step(&mut b, 0, 0, A, BROADCAST, Outputs::flood(0, 3));
    step(&mut b, 1, 1, B, A, Outputs::port(0));
    // C cannot be learned: frames to it keep being flooded.
    step(&mut b, 2, 2, C, A, Outputs::port(0));
    step(&mut b, 3, 0, A, C, Outputs::flood(0, 3));
    step(&mut b, 4, 0, A, B, Outputs::port(1));
    assert_eq!(b.packets("learn/full"), 1);
    // Once B ages out, C is learned.
    step(&mut b, 300 * SECOND, 0, A, BROADCAST, Outputs::flood(0, 3));
    step(&mut b, 300 * SECOND + 2, 2, C, A, Outputs::port(0));
    step(&mut b, 300 * SECOND + 3, 0, A, C, Outputs::port(2));
}

#[test]
fn group_sources_reserved_destinations_and_runts_are_dropped() {
    let mut b = bridge(16);
    let multicast_source = [0x01, 0, 0x5e, 0, 0, 1];
    step(&mut b, 0, 0, multicast_source, A, Outputs::DROP);
    step(&mut b, 0, 0, A, [0x01, 0x80, 0xc2, 0, 0, 0x0e], Outputs::DROP);
    step(&mut b, 0, 0, A, [0x01, 0x00, 0x5e, 0, 0, 0x01], Outputs::flood(0, 3));
    let (outputs, _) = process_at(&mut b, 0, 0, &[0xff; 13]);
    assert_eq!(outputs, Outputs::DROP);
    assert_eq!(
        [b.packets("drop/bad_source"), b.packets("drop/reserved"), b.packets("drop/runt"), b.packets("flood/group")],
        [1, 1, 1, 1]
    );
}

#[test]
fn counters_are_named_and_keep_time() {
    let b = bridge(4);
    assert_eq!(b.counter_names().len(), b.counters().len());
    const { assert!(Bridge::USES_TIME) };
}
