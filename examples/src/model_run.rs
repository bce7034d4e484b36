//! Running a network function on the software 82599 model, for the example
//! binaries: the real driver and TinyNF agent, with the model's DMA engines
//! generating and sinking 64-byte UDP frames on every port.

use nfc_runtime::backend::Backend;
use nfc_runtime::model::{ModelBackend, TrafficConfig};
use nfc_runtime::NetworkFunction;
use std::process::ExitCode;
use std::time::Instant;

const PACKETS_PER_PORT: u64 = 2_000_000;

/// Forward `PACKETS_PER_PORT` frames on each of `ports` ports through `nf`;
/// print per-port counters, the NF's counters and Mpps.
pub fn run_on_model<N: NetworkFunction>(name: &str, ports: usize, mut nf: N) -> ExitCode {
    if std::env::args().any(|a| a == "--pci") {
        eprintln!("{name}: the hardware backend (--pci) is not part of this build yet; run without arguments to use the software 82599 model");
        return ExitCode::FAILURE;
    }
    let traffic = TrafficConfig { ports, frame_sizes: vec![60], packets_per_port: Some(PACKETS_PER_PORT) };
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
        "forwarded {forwarded} packets ({missed} missed) in {seconds:.3} s: {:.2} Mpps (model and driver on one core)",
        forwarded as f64 / seconds / 1e6
    );
    ExitCode::SUCCESS
}
