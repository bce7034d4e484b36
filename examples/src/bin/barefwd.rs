//! A bare forwarder: every frame that arrives on one interface leaves by
//! another, unchanged, with nothing else done, on AF_XDP or AF_PACKET. It
//! is the baseline `bench/linux-forwarding` sets beside the nfc router: the
//! same socket layer (`env::XskSocket` on one UMEM, or `env::PacketSocket`
//! with mapped rings) without the backend's ports, statistics or network
//! function, so the difference between the two is what the backend and the
//! NF cost, and the bare pair shows what each kind of socket can do.
//!
//! Per round: up to a burst of received frames moves to the output, then
//! the kernel is woken to send them (AF_XDP: one socket per interface on
//! queue 0, which is all veth has; chunks the output finished sending go
//! back to the input's fill ring). Runs until SIGINT or SIGTERM, then
//! prints how many frames it forwarded.
use clap::{Parser, ValueEnum};
use nfc_runtime::env::{self, BpfMap, CopyMode, EnvError, PacketSocket, Umem, XdpProgram, XskSocket, RING_SIZE};
use std::process::ExitCode;
use std::time::Duration;

#[derive(Clone, Copy, ValueEnum)]
enum Socket {
    AfXdp,
    AfPacket,
}

#[derive(Parser)]
#[command(
    about = "Forward every frame from one interface to another, nothing else (a baseline for bench/linux-forwarding)",
    after_help = "Example: taskset -c 1 barefwd --socket af-xdp fw-lan fw-wan"
)]
struct Options {
    /// The sockets.
    #[arg(long, value_enum)]
    socket: Socket,
    /// The interface frames arrive on.
    input: String,
    /// The interface they leave by.
    output: String,
}

/// Frames moved per round, as the nfc backends do.
const BURST: u32 = 64;

fn forward_af_xdp(options: &Options) -> Result<u64, EnvError> {
    let ifindex = [env::interface_index(&options.input)?, env::interface_index(&options.output)?];
    // Enough chunks for both fill rings and both transmit rings.
    let open = |mode| -> Result<_, EnvError> {
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
    eprintln!("barefwd: {} -> {} on AF_XDP ({:?})", options.input, options.output, input.mode());
    let mut forwarded = 0u64;
    while !env::stop_requested() {
        output.reclaim(&mut free);
        input.refill(&mut free);
        for _ in 0..input.received().min(BURST) {
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

fn forward_af_packet(options: &Options) -> Result<u64, EnvError> {
    let mut input = PacketSocket::open(&options.input)?;
    let mut output = PacketSocket::open(&options.output)?;
    eprintln!("barefwd: {} -> {} on AF_PACKET", options.input, options.output);
    let mut buffer = [0u8; 2048];
    let mut forwarded = 0u64;
    while !env::stop_requested() {
        for _ in 0..BURST {
            let Some(len) = input.receive(&mut buffer) else { break };
            forwarded += u64::from(output.send(&buffer[..len]));
        }
        output.flush()?;
    }
    Ok(forwarded)
}

fn main() -> ExitCode {
    let options = Options::parse();
    let run = || -> Result<u64, EnvError> {
        env::install_stop_handler()?;
        for name in [&options.input, &options.output] {
            env::wait_for_link(name, Duration::from_secs(5))?;
        }
        match options.socket {
            Socket::AfXdp => forward_af_xdp(&options),
            Socket::AfPacket => forward_af_packet(&options),
        }
    };
    match run() {
        Ok(forwarded) => {
            println!("barefwd: forwarded {forwarded} frames");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("barefwd: {error}");
            ExitCode::FAILURE
        }
    }
}
