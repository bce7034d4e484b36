//! The driver loop against the software 82599 running in its own thread,
//! as a NIC runs beside the CPU: throughput, and per-packet latency from the
//! model's receive write-back to its transmit write-back.
//!
//! `driver_bench NF SIZES PACKETS [RATE_MPPS|latency|inline]`: NF is nop or
//! router, SIZES frame sizes without CRC cycled (`60`, or `imix` for 7:4:1
//! of 60, 590 and 1514 bytes), PACKETS per port. Without a fourth argument
//! frames are offered as fast as the driver takes them and only throughput
//! is measured; `latency` also times every frame (two clock reads per
//! frame in the model), as does RATE_MPPS, which paces the offered load over
//! all ports. `inline` steps the model in the driver's thread instead: no
//! idle polls for callgrind, counting instructions inside the agent's poll
//! only, and the time spent in the driver's poll alone is measured
//! (`driver_ns_per_packet`). `fake` runs the driver on the fake device
//! instead of the model (plain-memory registers, bursts of 8, no locks; the
//! first frame size only): the driver's loop alone, as TinyNF measured
//! theirs. Prints one line of `key=value` pairs for `bench/run`.

use nfc_examples::specs::{nop::Nop, router::Router};
use nfc_runtime::backend::Backend;
use nfc_runtime::dma::DmaMemory;
use nfc_runtime::driver::{Device, Pipeline};
use nfc_runtime::model::{udp_frame, FakeDevice, ModelBackend, PlainRegisters, TrafficConfig};
use nfc_runtime::NetworkFunction;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn measure<N: NetworkFunction>(
    mut nf: N,
    ports: usize,
    sizes: Vec<usize>,
    packets: u64,
    rate_mpps: Option<f64>,
    threaded: bool,
    latency: bool,
) -> Result<String, String> {
    let traffic = TrafficConfig {
        ports,
        frame_sizes: sizes,
        packets_per_port: Some(packets),
        threaded,
        fault: None,
        rate_pps: rate_mpps.map(|r| r * 1e6 / ports as f64),
        record_latency: latency,
        ..TrafficConfig::default()
    };
    let mut backend = ModelBackend::new(traffic).map_err(|e| e.to_string())?;
    if !threaded {
        backend.time_driver();
    }
    let mut latencies = Vec::with_capacity((packets as usize) * ports);
    let start = Instant::now();
    let mut polls = 0u64;
    while !backend.finished() {
        backend.poll(&mut nf).map_err(|e| e.to_string())?;
        polls += 1;
        if polls.is_multiple_of(1024) {
            latencies.extend(backend.model().latencies());
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    latencies.extend(backend.model().latencies());
    let stats = backend.stats();
    let transmitted: u64 = stats.iter().map(|s| s.tx_packets).sum();
    let missed: u64 = stats.iter().map(|s| s.missed).sum();
    latencies.sort_unstable();
    let percentile = |p: f64| latencies.get(((latencies.len() as f64 - 1.0) * p) as usize).copied().unwrap_or(0);
    let mpps = transmitted as f64 / elapsed / 1e6;
    // With the model in line, the driver's own share: its poll alone.
    let driver_ns = backend.driver_time().map_or(0.0, |t| t.as_nanos() as f64 / transmitted as f64);
    Ok(format!(
        "transmitted={transmitted} missed={missed} seconds={elapsed:.3} mpps={mpps:.3} ns_per_packet={:.1} driver_ns_per_packet={driver_ns:.1} latency_p50_ns={} latency_p99_ns={} latency_samples={}",
        1e3 / mpps,
        percentile(0.5),
        percentile(0.99),
        latencies.len()
    ))
}

/// The driver's loop on the fake device (`model::FakeDevice`: plain-memory
/// registers, no checks, no locks): each round every port receives a burst
/// of 8 frames, the pipeline polls once, every queue sends what it was
/// given. Only the poll is timed; the cost of the two clock reads around it
/// (measured on empty pairs) is subtracted.
fn fake<N: NetworkFunction>(mut nf: N, ports: usize, size: usize, packets: u64) -> Result<String, String> {
    const BURST: usize = 8;
    let memory = Arc::new(DmaMemory::simulated(Pipeline::<PlainRegisters>::dma_bytes(ports), 0x1_0000_0000));
    let device = FakeDevice::new(ports, &udp_frame(size));
    let devices = (0..ports).map(|p| Device::init(device.registers(p))).collect::<Result<Vec<_>, _>>();
    let mut pipeline =
        Pipeline::new(devices.map_err(|e| e.to_string())?, Arc::clone(&memory)).map_err(|e| e.to_string())?;
    let total = packets * ports as u64;
    let (mut processed, mut polls, mut driver) = (0u64, 0u64, Duration::ZERO);
    while processed < total {
        device.receive(&memory, BURST);
        let start = Instant::now();
        processed += pipeline.poll(&mut nf).map_err(|e| e.to_string())? as u64;
        driver += start.elapsed();
        device.transmit(&memory, ports as u32);
        polls += 1;
    }
    let timer = timer_cost();
    let ns = (driver.as_nanos() as f64 - timer * polls as f64) / processed as f64;
    Ok(format!("processed={processed} polls={polls} timer_ns={timer:.1} driver_ns_per_packet={ns:.2}"))
}

/// Nanoseconds two `Instant::now` calls and a subtraction take, the median of many.
fn timer_cost() -> f64 {
    let mut samples: Vec<f64> = (0..10_001)
        .map(|_| {
            let start = Instant::now();
            std::hint::black_box(start.elapsed()).as_nanos() as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: driver_bench nop|router 60|imix|SIZE,SIZE,... PACKETS [RATE_MPPS|latency|inline|fake]";
    let (Some(nf), Some(sizes), Some(packets)) =
        (args.get(1), args.get(2), args.get(3).and_then(|p| p.parse::<u64>().ok()))
    else {
        eprintln!("{usage}");
        return ExitCode::FAILURE;
    };
    let sizes: Vec<usize> = match sizes.as_str() {
        "imix" => [vec![60; 7], vec![590; 4], vec![1514]].concat(),
        list => match list.split(',').map(str::parse).collect() {
            Ok(sizes) => sizes,
            Err(_) => {
                eprintln!("{usage}");
                return ExitCode::FAILURE;
            }
        },
    };
    if args.get(4).map(String::as_str) == Some("fake") {
        let size = sizes.first().copied().unwrap_or(60);
        let result = match nf.as_str() {
            "nop" => fake(Nop::new(), Nop::PORTS.len(), size, packets),
            "router" => fake(Router::new(), Router::PORTS.len(), size, packets),
            other => Err(format!("found NF `{other}`, expected nop or router")),
        };
        return match result {
            Ok(line) => {
                println!("{line}");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("driver_bench: {error}");
                ExitCode::FAILURE
            }
        };
    }
    let threaded = args.get(4).map(String::as_str) != Some("inline");
    let rate = args.get(4).and_then(|r| r.parse::<f64>().ok());
    let latency = rate.is_some() || args.get(4).map(String::as_str) == Some("latency");
    let result = match nf.as_str() {
        "nop" => measure(Nop::new(), Nop::PORTS.len(), sizes, packets, rate, threaded, latency),
        "router" => measure(Router::new(), Router::PORTS.len(), sizes, packets, rate, threaded, latency),
        other => Err(format!("found NF `{other}`, expected nop or router")),
    };
    match result {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("driver_bench: {error}");
            ExitCode::FAILURE
        }
    }
}
