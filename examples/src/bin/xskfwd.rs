//! A bare AF_XDP forwarder: every frame that arrives on one interface
//! leaves by another, unchanged, with nothing else done. It is the baseline
//! `bench/linux-forwarding` sets beside the nfc router on AF_XDP: the same
//! socket layer (`env::XskSocket`, one UMEM, copy or zero-copy as the
//! driver allows), without the backend's ports, statistics or network
//! function, so the difference between the two is what the backend and the
//! NF cost.
//!
//! One socket per interface, on queue 0 (veth has one). Per round: take
//! back what the output finished sending, give the input's fill ring what
//! is free, move up to a burst of received frames to the output's transmit
//! ring, and wake the kernel to send them. Runs until SIGINT or SIGTERM,
//! then prints how many frames it forwarded.
use clap::Parser;
use nfc_runtime::env::{self, BpfMap, CopyMode, Umem, XdpProgram, XskSocket, RING_SIZE};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(
    about = "Forward every frame from one interface to another through AF_XDP, nothing else (a baseline)",
    after_help = "Example: taskset -c 1 xskfwd fw-lan fw-wan"
)]
struct Options {
    /// The interface frames arrive on.
    input: String,
    /// The interface they leave by.
    output: String,
}

/// Frames moved per round, as the nfc backend does.
const BURST: u32 = 64;

fn run(options: &Options) -> Result<u64, env::EnvError> {
    env::install_stop_handler()?;
    let mut ifindex = [0; 2];
    for (index, name) in ifindex.iter_mut().zip([&options.input, &options.output]) {
        *index = env::interface_index(name)?;
        env::wait_for_link(name, Duration::from_secs(5))?;
    }
    // Enough chunks for both fill rings and both transmit rings.
    let open = |mode| -> Result<_, env::EnvError> {
        let (umem, free) = Umem::new(4 * RING_SIZE)?;
        let input = XskSocket::open(&umem, None, ifindex[0], &options.input, 0, mode)?;
        let output = XskSocket::open(&umem, Some(&input), ifindex[1], &options.output, 0, mode)?;
        Ok((umem, free, input, output))
    };
    let (_umem, mut free, mut input, mut output) = open(CopyMode::ZeroCopy).or_else(|_| open(CopyMode::Copy))?;
    let sockets = BpfMap::sockets(1)?;
    sockets.set_socket(0, input.fd())?;
    let program = XdpProgram::redirect_to_sockets(&sockets)?;
    let _link = program.attach(ifindex[0], &options.input, None)?;
    eprintln!("xskfwd: {} -> {} ({:?})", options.input, options.output, input.mode());

    let mut forwarded = 0u64;
    while !env::stop_requested() {
        output.reclaim(&mut free);
        input.refill(&mut free);
        let ready = input.received().min(BURST);
        for _ in 0..ready {
            let Some(packet) = input.receive() else { continue };
            match output.send(packet) {
                Ok(()) => forwarded += 1,
                Err(packet) => free.push(packet.into_chunk()),
            }
        }
        input.finish_receiving();
        output.kick()?;
    }
    Ok(forwarded)
}

fn main() -> ExitCode {
    let options = Options::parse();
    match run(&options) {
        Ok(forwarded) => {
            println!("xskfwd: forwarded {forwarded} frames");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("xskfwd: {error}");
            ExitCode::FAILURE
        }
    }
}
