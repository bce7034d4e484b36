//! Exact packet accounting under overload: the compiled router runs in the
//! real driver against the software 82599, fed in bursts that overflow the
//! receive ring and the device's packet buffer. Every frame offered is
//! either missed by the device (packet buffer full: MPC; ring full with
//! SRRCTL.DROP_EN: QPRDC) or received; every received frame is either
//! transmitted or dropped by the NF, as its rule counters say; and every
//! transmitted frame is, byte for byte and in order, what the reference
//! interpreter makes of the same frame.
//!
//! `NFC_ACCOUNTING_PACKETS=100000000 cargo test --release -p nfc-examples
//! --test accounting -- --nocapture` is the long run (the default is short).

use nfc_compiler::interp::Interpreter;
use nfc_compiler::testpkt;
use nfc_examples::process_copy;
use nfc_examples::specs::router::Router;
use nfc_runtime::backend::Backend;
use nfc_runtime::dma::DmaMemory;
use nfc_runtime::driver::{Device, Pipeline, Timeouts};
use nfc_runtime::model::{Model, ModelConfig, ModelRegisters};
use nfc_runtime::NetworkFunction;
use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

const PORTS: usize = 3;
/// Frames offered on one input port before the input changes; each phase
/// ends with the rings drained, so the order on every output is known.
const PHASE: u64 = 20_000;

/// A small deterministic generator (xorshift64), so a failure replays.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn ipv4_checksum(frame: &mut [u8]) {
    frame[24..26].fill(0);
    let mut sum: u32 = frame[14..34].chunks(2).map(|w| u32::from(u16::from_be_bytes([w[0], w[1]]))).sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    frame[24..26].copy_from_slice(&(!(sum as u16)).to_be_bytes());
}

/// The router spec's test packets, readdressed to every route and the
/// default one, with TTLs that expire, plus non-IPv4 and truncated frames.
fn frame_pool() -> Vec<Vec<u8>> {
    let spec = nfc_compiler::compile_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../nf-specs/router.toml").as_ref())
        .unwrap()
        .spec;
    let mut pool = Vec::new();
    for case in &spec.tests {
        let base = testpkt::build(&case.packet);
        if base.len() < 34 || base[12..14] != [0x08, 0x00] {
            pool.push(base);
            continue;
        }
        for dst in [[10, 1, 2, 3], [10, 1, 200, 9], [192, 168, 7, 7], [8, 8, 8, 8], [172, 16, 0, 2]] {
            for ttl in [64, 30, 2, 1] {
                let mut frame = base.clone();
                frame[30..34].copy_from_slice(&dst);
                frame[22] = ttl;
                ipv4_checksum(&mut frame);
                pool.push(frame);
            }
        }
        let mut arp = base.clone();
        arp[12..14].copy_from_slice(&[0x08, 0x06]);
        pool.push(arp);
        pool.push(base[..30].to_vec());
    }
    pool
}

#[test]
fn every_packet_is_accounted_for_and_every_transmitted_byte_is_the_nfs() {
    let packets: u64 = std::env::var("NFC_ACCOUNTING_PACKETS").ok().and_then(|n| n.parse().ok()).unwrap_or(200_000);
    let spec = nfc_compiler::compile_file(concat!(env!("CARGO_MANIFEST_DIR"), "/../nf-specs/router.toml").as_ref())
        .unwrap()
        .spec;
    let mut reference = Interpreter::new(&spec);
    let mut nf = Router::new();
    let pool = frame_pool();

    let memory = Arc::new(DmaMemory::simulated(Pipeline::<ModelRegisters>::dma_bytes(PORTS), 0x3_0000_0000));
    let model = Model::new(PORTS, &memory, ModelConfig::default());
    let devices =
        (0..PORTS).map(|p| Device::init_with(model.registers(p), Timeouts::default()).expect("init")).collect();
    let mut pipeline = Pipeline::new(devices, memory).expect("pipeline");

    let mut expected: Vec<VecDeque<Vec<u8>>> = vec![VecDeque::new(); PORTS];
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut offered, mut missed, mut dropped, mut transmitted) = (0u64, 0u64, 0u64, 0u64);
    let (mut accepted, mut received) = (0u64, 0u64);
    let start = Instant::now();

    // What the NF must make of every frame the device wrote into a receive
    // ring (the model records them in order): the reference's output.
    let mut take_received = |model: &Model, expected: &mut Vec<VecDeque<Vec<u8>>>| {
        for input in 0..PORTS {
            for frame in model.received(input) {
                received += 1;
                let (outputs, bytes) = process_copy(&mut reference, input as u8, &frame);
                if outputs == 0 {
                    dropped += 1;
                }
                for (port, queue) in expected.iter_mut().enumerate() {
                    if outputs & (1 << port) != 0 {
                        queue.push_back(bytes.clone());
                    }
                }
            }
        }
    };

    // Compares what left each port with what the reference made, in order.
    let check_transmitted = |model: &Model, expected: &mut Vec<VecDeque<Vec<u8>>>, transmitted: &mut u64| {
        for (port, queue) in expected.iter_mut().enumerate() {
            for frame in model.transmitted(port) {
                let want = queue
                    .pop_front()
                    .unwrap_or_else(|| panic!("port {port} sent a frame the NF never made: {frame:02x?}"));
                assert_eq!(frame, want, "port {port}: frame {transmitted} differs from the NF's");
                *transmitted += 1;
            }
        }
    };

    while offered < packets {
        let input = ((offered / PHASE) % PORTS as u64) as usize;
        let phase_end = (offered / PHASE + 1) * PHASE;
        while offered < phase_end.min(packets) {
            // Mostly less than one poll takes (FLUSH_PERIOD), now and then a
            // burst of up to twice the packet buffer, which overflows it.
            let burst = if rng.below(200) == 0 { rng.below(700) } else { rng.below(10) };
            let burst = burst.min(phase_end.min(packets) - offered);
            for _ in 0..burst {
                let frame = &pool[rng.below(pool.len() as u64) as usize];
                offered += 1;
                if model.inject(input, frame) {
                    accepted += 1;
                } else {
                    missed += 1;
                }
            }
            model.step();
            take_received(&model, &mut expected);
            pipeline.poll(&mut nf).expect("poll");
            model.step();
            take_received(&model, &mut expected);
            check_transmitted(&model, &mut expected, &mut transmitted);
        }
        // Drain the phase: everything received goes out before the input changes.
        let mut idle = 0;
        while idle < 3 {
            model.step();
            take_received(&model, &mut expected);
            let n = pipeline.poll(&mut nf).expect("poll");
            model.step();
            take_received(&model, &mut expected);
            check_transmitted(&model, &mut expected, &mut transmitted);
            idle = if n == 0 { idle + 1 } else { 0 };
        }
        assert!(expected.iter().all(VecDeque::is_empty), "frames the NF made never left the device");
        assert_eq!(model.violations(), Vec::<String>::new());
    }

    let stats = pipeline.stats();
    let sum = |f: fn(&nfc_runtime::backend::PortStats) -> u64| stats.iter().map(f).sum::<u64>();
    let (rx, tx, nf_dropped, device_missed) =
        (sum(|s| s.rx_packets), sum(|s| s.tx_packets), sum(|s| s.nf_dropped), sum(|s| s.missed));
    let names = nf.counter_names();
    let counter = |name: &str| nf.counters()[names.iter().position(|n| *n == name).unwrap()].packets;
    println!(
        "{offered} offered in {:.1} s: {rx} received + {device_missed} missed by the device; {tx} transmitted + {nf_dropped} dropped by the NF",
        start.elapsed().as_secs_f64()
    );
    // Two ways to lose a frame before the NF: the packet buffer is full
    // (MPC), or the ring is and SRRCTL.DROP_EN drops it (QPRDC).
    let ring_full = accepted - received;
    assert!(missed > 0, "the bursts must overflow the packet buffer");
    assert!(ring_full > 0, "the bursts must overflow the receive ring");
    assert_eq!(device_missed, missed + ring_full, "the device's counters, MPC + QPRDC");
    assert_eq!(rx, received);
    assert_eq!(rx + device_missed, offered);
    assert_eq!(rx, tx + nf_dropped);
    assert_eq!(tx, transmitted);
    assert_eq!(nf_dropped, dropped);
    // The rule counters see every received frame once; the table splits its rule's.
    assert_eq!(counter("ipv4") + counter("default"), rx);
    assert_eq!(counter("routes/hit") + counter("routes/miss"), counter("ipv4"));
    assert_eq!(nf.counters(), reference.counters());
}
