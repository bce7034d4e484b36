//! A 64-byte UDP generator for throughput runs on Linux interfaces: one
//! valid frame (built by the compiler's test-packet builder), sent as fast
//! as a packet socket's mapped transmit ring takes it. Prints frames sent.
use clap::Parser;
use nfc_compiler::ir::{Field, TestPacket};
use nfc_runtime::env::PacketSocket;
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    about = "Send 64-byte UDP frames (60 bytes + CRC) on an interface as fast as it takes them",
    long_about = "Send 64-byte UDP frames (60 bytes + CRC) on an interface as fast as its packet socket's \
                  mapped transmit ring takes them, for throughput runs (bench/linux-forwarding). Every frame \
                  is the same IPv4/UDP packet, port 9 (discard) to port 9, with 18 bytes of payload and valid \
                  checksums. Needs root or CAP_NET_RAW. Prints the number of frames sent.",
    after_help = "Example: udpgen --iface veth0 --src-mac 02:00:00:00:00:01 --dst-mac 02:00:00:00:01:01 \
                  --src-ip 10.0.0.1 --dst-ip 10.1.0.1 --seconds 5"
)]
struct Options {
    /// The interface to send on (e.g. one end of a veth pair).
    #[arg(long, value_name = "NAME")]
    iface: String,
    /// Ethernet source address of every frame.
    #[arg(long, value_name = "MAC", value_parser = parse_mac)]
    src_mac: u64,
    /// Ethernet destination address: the next hop's MAC (e.g. the NF's port).
    #[arg(long, value_name = "MAC", value_parser = parse_mac)]
    dst_mac: u64,
    /// IPv4 source address.
    #[arg(long, value_name = "ADDR")]
    src_ip: Ipv4Addr,
    /// IPv4 destination address (what a router routes on).
    #[arg(long, value_name = "ADDR")]
    dst_ip: Ipv4Addr,
    /// How long to send.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    seconds: f64,
}

fn parse_mac(text: &str) -> Result<u64, String> {
    let bytes: Vec<u8> =
        text.split(':').map(|b| u8::from_str_radix(b, 16)).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    if bytes.len() != 6 {
        return Err(format!("found `{text}`, expected a MAC like 02:00:00:00:01:01"));
    }
    Ok(bytes.iter().fold(0, |mac, &b| mac << 8 | u64::from(b)))
}

fn main() -> std::process::ExitCode {
    let options = Options::parse();
    let frame = nfc_compiler::testpkt::build(&TestPacket::Fields {
        fields: vec![
            (Field::EthSrc, options.src_mac.into()),
            (Field::EthDst, options.dst_mac.into()),
            (Field::Ipv4Src, u32::from(options.src_ip).into()),
            (Field::Ipv4Dst, u32::from(options.dst_ip).into()),
            (Field::UdpSrc, 9),
            (Field::UdpDst, 9),
        ],
        payload_len: 18,
    });
    assert_eq!(frame.len(), 60, "14 + 20 + 8 + 18 bytes");
    let mut socket = match PacketSocket::open(&options.iface) {
        Ok(socket) => socket,
        Err(error) => {
            eprintln!("udpgen: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let (start, duration) = (Instant::now(), Duration::from_secs_f64(options.seconds));
    let mut sent = 0u64;
    while start.elapsed() < duration {
        for _ in 0..256 {
            if !socket.send(&frame) {
                break;
            }
            sent += 1;
        }
        if let Err(error) = socket.flush() {
            eprintln!("udpgen: {error}");
            return std::process::ExitCode::FAILURE;
        }
    }
    println!("{sent}");
    std::process::ExitCode::SUCCESS
}
