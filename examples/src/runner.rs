//! Running a network function for the example binaries: on 82599s given
//! with `--pci ADDR` (one per port), or by default on the software 82599
//! model, whose DMA engines generate and sink 64-byte UDP frames. Both run
//! the same driver and TinyNF agent.

use nfc_runtime::backend::Backend;
use nfc_runtime::driver::{Device, Pipeline};
use nfc_runtime::env::{self, Mmio, PciDevice};
use nfc_runtime::model::{ModelBackend, TrafficConfig};
use nfc_runtime::NetworkFunction;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// Run `nf` on the ports given with `--pci`, or on the model with `ports` ports.
pub fn run<N: NetworkFunction>(name: &str, ports: usize, nf: N) -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut pci = Vec::new();
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        match (arg.as_str(), rest.clone().next()) {
            ("--pci", Some(address)) => {
                pci.push(address.clone());
                rest.next();
            }
            _ => {
                eprintln!("{name}: found argument `{arg}`, expected `--pci ADDR` once per port, or nothing to run on the software 82599 model");
                return ExitCode::FAILURE;
            }
        }
    }
    if pci.is_empty() {
        return run_on_model(name, ports, nf);
    }
    if pci.len() != ports {
        eprintln!("{name}: found {} --pci ports, expected {ports} (one per port of the spec)", pci.len());
        return ExitCode::FAILURE;
    }
    match run_on_hardware(name, &pci, nf) {
        Ok(never) => match never {},
        Err(error) => {
            eprintln!("{name}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Bring every port up and forward until killed, printing counters each second.
fn run_on_hardware<N: NetworkFunction>(name: &str, pci: &[String], mut nf: N) -> Result<std::convert::Infallible, String> {
    if !env::is_root() {
        return Err("driving an 82599 needs root (hugepages, physical addresses, PCI configuration space)".into());
    }
    let memory = env::hugepage_memory(Pipeline::<Mmio>::dma_bytes(pci.len())).map_err(|e| e.to_string())?;
    let mut devices = Vec::new();
    for address in pci {
        let registers = PciDevice::open(address).and_then(|device| device.map_registers()).map_err(|e| e.to_string())?;
        devices.push(Device::init(registers).map_err(|e| format!("{address}: {e}"))?);
    }
    let mut pipeline = Pipeline::new(devices, memory).map_err(|e| e.to_string())?;
    println!("{name}: forwarding on {}", pci.join(", "));
    let mut last = Instant::now();
    let mut forwarded = 0u64;
    loop {
        forwarded += pipeline.poll(&mut nf).map_err(|e| e.to_string())? as u64;
        if last.elapsed() >= Duration::from_secs(1) {
            let stats = pipeline.stats();
            let line: Vec<String> = stats.iter().enumerate().map(|(p, s)| format!("port {p}: rx {} tx {} drop {} missed {}", s.rx_packets, s.tx_packets, s.nf_dropped, s.missed)).collect();
            println!("{} | {:.2} Mpps", line.join(" | "), forwarded as f64 / last.elapsed().as_secs_f64() / 1e6);
            forwarded = 0;
            last = Instant::now();
        }
    }
}

const PACKETS_PER_PORT: u64 = 2_000_000;

/// Forward `PACKETS_PER_PORT` frames on each of `ports` ports through `nf`;
/// print per-port counters, the NF's counters and Mpps.
fn run_on_model<N: NetworkFunction>(name: &str, ports: usize, mut nf: N) -> ExitCode {
    let traffic = TrafficConfig { ports, frame_sizes: vec![60], packets_per_port: Some(PACKETS_PER_PORT), threaded: true };
    let mut backend = match ModelBackend::new(traffic) {
        Ok(backend) => backend,
        Err(error) => {
            eprintln!("{name}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let start = Instant::now();
    while !backend.finished() {
        if let Err(error) = backend.poll(&mut nf) {
            eprintln!("{name}: {error}");
            return ExitCode::FAILURE;
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    let stats = backend.stats();
    let forwarded: u64 = stats.iter().map(|s| s.tx_packets).sum();
    let missed: u64 = stats.iter().map(|s| s.missed).sum();
    println!("{name} on the software 82599 model: {ports} ports, 64-byte frames");
    for (port, s) in stats.iter().enumerate() {
        println!("  port {port}: rx {} tx {} nf-dropped {} missed {}", s.rx_packets, s.tx_packets, s.nf_dropped, s.missed);
    }
    for (counter, value) in nf.counter_names().iter().zip(nf.counters()) {
        println!("  rule {counter}: {} packets, {} bytes", value.packets, value.bytes);
    }
    println!(
        "forwarded {forwarded} packets ({missed} missed) in {seconds:.3} s: {:.2} Mpps (driver on this core, the model in a thread of its own)",
        forwarded as f64 / seconds / 1e6
    );
    ExitCode::SUCCESS
}
