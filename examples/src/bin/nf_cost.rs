//! Per-packet cost of a shipped spec: generated code, the same NF written by
//! hand (with the packet views, or on raw bytes) or the reference
//! interpreter, over the same packet mix held in memory.
//!
//! `nf_cost SPEC generated|handwritten|raw|interpreter|empty PACKETS` processes PACKETS packets and
//! prints ns/packet. Run under `valgrind --tool=callgrind` twice with
//! different PACKETS (see `bench/nf-cost`) to get instructions per packet
//! without start-up costs.

use nfc_compiler::interp::Interpreter;
use nfc_compiler::ir::Spec;
use nfc_compiler::testpkt;
use nfc_examples::{handwritten, handwritten_raw, specs};
use nfc_runtime::{Frame, NetworkFunction, Outputs, PortId};
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

/// The packet mix: every test case's input packet of the spec, so each rule
/// and table path the spec's author cared about is exercised.
fn packet_mix(spec: &Spec) -> Vec<(u8, Vec<u8>)> {
    spec.tests.iter().map(|case| (case.in_port, testpkt::build(&case.packet))).collect()
}

/// Every variant runs as a function of its own, whatever its inlining
/// attribute (generated `process` is `#[inline(always)]`, for the driver's
/// loop). Inlined into this loop, whose frame `black_box` makes escape, an
/// NF's byte writes could alias the frame's length for all the compiler
/// knows, and each setter would reload and recheck it: a cost of this
/// harness, not of the NF.
#[inline(never)]
fn call<N: NetworkFunction>(nf: &mut N, port: PortId, frame: &mut Frame<'_>) -> Outputs {
    nf.process(port, frame)
}

fn run<N: NetworkFunction>(mut nf: N, mix: &[(u8, Vec<u8>)], packets: usize) -> f64 {
    let mut buffer = [0u8; 2048];
    let start = Instant::now();
    for i in 0..packets {
        let (port, packet) = &mix[i % mix.len()];
        buffer[..packet.len()].copy_from_slice(packet);
        let mut frame = Frame::new(&mut buffer, packet.len());
        black_box(call(&mut nf, *port, black_box(&mut frame)));
    }
    start.elapsed().as_nanos() as f64 / packets as f64
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, name, variant, packets] = args.as_slice() else {
        eprintln!(
            "usage: nf_cost SPEC generated|handwritten|raw|interpreter|empty PACKETS (SPEC: nop, l2fwd, router, firewall, vlan)"
        );
        return ExitCode::FAILURE;
    };
    let Ok(packets) = packets.parse::<usize>() else {
        eprintln!("nf_cost: found `{packets}`, expected a packet count");
        return ExitCode::FAILURE;
    };
    let path = format!("{}/../nf-specs/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let spec = match nfc_compiler::compile_file(path.as_ref()) {
        Ok(checked) => checked.spec,
        Err(errors) => {
            errors.iter().for_each(|e| eprintln!("{e}"));
            return ExitCode::FAILURE;
        }
    };
    let mix = packet_mix(&spec);
    let ns = match (name.as_str(), variant.as_str()) {
        (_, "interpreter") => run(Interpreter::new(&spec), &mix, packets),
        // The harness alone (copy the packet in, build the frame, call an NF
        // that does nothing): subtracted to get the NFs' own cost.
        (_, "empty") => run(|_: u8, _: &mut Frame<'_>| nfc_runtime::Outputs::DROP, &mix, packets),
        ("nop", "generated") => run(specs::nop::Nop::new(), &mix, packets),
        ("l2fwd", "generated") => run(specs::l2fwd::L2fwd::new(), &mix, packets),
        ("router", "generated") => run(specs::router::Router::new(), &mix, packets),
        ("firewall", "generated") => run(specs::firewall::Firewall::new(), &mix, packets),
        ("vlan", "generated") => run(specs::vlan::Vlan::new(), &mix, packets),
        ("nop", "handwritten") => run(handwritten::Nop::default(), &mix, packets),
        ("l2fwd", "handwritten") => run(handwritten::L2fwd::default(), &mix, packets),
        ("router", "handwritten") => run(handwritten::Router::default(), &mix, packets),
        ("firewall", "handwritten") => run(handwritten::Firewall::default(), &mix, packets),
        ("vlan", "handwritten") => run(handwritten::Vlan::default(), &mix, packets),
        ("nop", "raw") => run(handwritten_raw::Nop::default(), &mix, packets),
        ("l2fwd", "raw") => run(handwritten_raw::L2fwd::default(), &mix, packets),
        ("router", "raw") => run(handwritten_raw::Router::default(), &mix, packets),
        ("firewall", "raw") => run(handwritten_raw::Firewall::default(), &mix, packets),
        ("vlan", "raw") => run(handwritten_raw::Vlan::default(), &mix, packets),
        _ => {
            eprintln!(
                "nf_cost: found `{name} {variant}`, expected a shipped spec and generated|handwritten|raw|interpreter|empty"
            );
            return ExitCode::FAILURE;
        }
    };
    println!("{name} {variant}: {ns:.1} ns/packet over {packets} packets ({} packets in the mix)", mix.len());
    ExitCode::SUCCESS
}
