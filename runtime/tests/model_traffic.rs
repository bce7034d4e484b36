//! The model's traffic: generated frames of every protocol are valid to an
//! independent parser (etherparse), and what the model offers, generated or
//! replayed from a capture, is what reaches the network function and leaves
//! through the driver, frame for frame.

use etherparse::{Icmpv4Header, Icmpv6Header, NetSlice, SlicedPacket, TransportSlice};
use nfc_runtime::backend::Backend;
use nfc_runtime::capture::PcapWriter;
use nfc_runtime::model::generator::{generated_frames, MixEntry, Protocol};
use nfc_runtime::model::replay::load_replay;
use nfc_runtime::model::{ModelBackend, TrafficConfig};
use nfc_runtime::{Frame, Outputs, PortId};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PROTOCOLS: [Protocol; 7] =
    [Protocol::Udp, Protocol::Tcp, Protocol::Icmp, Protocol::Arp, Protocol::Udp6, Protocol::Tcp6, Protocol::Icmp6];

/// What etherparse makes of a generated frame: its protocol, with every
/// checksum recomputed by etherparse and compared with the frame's.
fn parse_and_check(frame: &[u8]) -> Protocol {
    if frame[12..14] == [0x08, 0x06] {
        // etherparse has no ARP: the fields by hand (RFC 826).
        assert_eq!(&frame[..6], &[0xff; 6], "broadcast");
        assert_eq!(&frame[14..22], &[0, 1, 8, 0, 6, 4, 0, 1], "Ethernet/IPv4 request");
        assert_eq!(&frame[22..28], &frame[6..12], "sender hardware address is the source");
        return Protocol::Arp;
    }
    let packet = SlicedPacket::from_ethernet(frame).unwrap_or_else(|e| panic!("{e}: {frame:02x?}"));
    let length = |declared: usize| assert_eq!(declared, frame.len(), "lengths fill the frame");
    match (packet.net.expect("IP"), packet.transport.expect("layer 4")) {
        (NetSlice::Ipv4(ip), transport) => {
            let header = ip.header().to_header();
            assert_eq!(header.calc_header_checksum(), header.header_checksum, "IPv4 header checksum");
            length(14 + usize::from(header.total_len));
            let (src, dst) = (header.source, header.destination);
            match transport {
                TransportSlice::Udp(udp) => {
                    let checksum = udp.to_header().calc_checksum_ipv4(&header, udp.payload()).unwrap();
                    assert_eq!(checksum, udp.checksum(), "UDP checksum");
                    Protocol::Udp
                }
                TransportSlice::Tcp(tcp) => {
                    assert_eq!(tcp.calc_checksum_ipv4(src, dst).unwrap(), tcp.checksum(), "TCP checksum");
                    Protocol::Tcp
                }
                TransportSlice::Icmpv4(icmp) => {
                    let expected = Icmpv4Header::with_checksum(icmp.icmp_type(), icmp.payload()).checksum;
                    assert_eq!(expected, icmp.checksum(), "ICMP checksum");
                    assert!(matches!(icmp.icmp_type(), etherparse::Icmpv4Type::EchoRequest(_)));
                    Protocol::Icmp
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        (NetSlice::Ipv6(ip), transport) => {
            let header = ip.header().to_header();
            length(54 + usize::from(header.payload_length));
            let (src, dst) = (header.source, header.destination);
            match transport {
                TransportSlice::Udp(udp) => {
                    let checksum = udp.to_header().calc_checksum_ipv6(&header, udp.payload()).unwrap();
                    assert_eq!(checksum, udp.checksum(), "UDP/IPv6 checksum");
                    Protocol::Udp6
                }
                TransportSlice::Tcp(tcp) => {
                    assert_eq!(tcp.calc_checksum_ipv6(src, dst).unwrap(), tcp.checksum(), "TCP/IPv6 checksum");
                    Protocol::Tcp6
                }
                TransportSlice::Icmpv6(icmp) => {
                    let expected = Icmpv6Header::with_checksum(icmp.icmp_type(), src, dst, icmp.payload()).unwrap();
                    assert_eq!(expected.checksum, icmp.checksum(), "ICMPv6 checksum");
                    assert!(matches!(icmp.icmp_type(), etherparse::Icmpv6Type::EchoRequest(_)));
                    Protocol::Icmp6
                }
                other => panic!("unexpected {other:?}"),
            }
        }
    }
}

#[test]
fn every_generated_frame_parses_with_the_right_checksums() {
    for protocol in PROTOCOLS {
        for size in [0, 60, 61, 64, 75, 128, 999, 1514, 9000] {
            let frame = protocol.frame(size);
            assert_eq!(frame.len(), size.clamp(protocol.min_size(), 1514), "{protocol:?} {size}");
            assert_eq!(parse_and_check(&frame), protocol, "{protocol:?} of {size} bytes");
        }
    }
}

/// Rewrites the first byte of the destination MAC to say which port the
/// frame came in on, and sends it out of the other port.
fn mark_and_cross(port: PortId, frame: &mut Frame<'_>) -> Outputs {
    frame.data_mut()[0] = 0xa0 | port;
    Outputs::port(port ^ 1)
}

/// Runs `traffic` through the driver and `mark_and_cross` until the model's
/// traffic is exhausted; what each port transmitted.
fn run(traffic: TrafficConfig) -> Vec<Vec<Vec<u8>>> {
    let ports = traffic.ports;
    let mut backend = ModelBackend::new(TrafficConfig { record_frames: true, ..traffic }).expect("init");
    let mut nf = mark_and_cross;
    let start = Instant::now();
    let mut sent: Vec<Vec<Vec<u8>>> = vec![Vec::new(); ports];
    while !backend.finished() {
        backend.poll(&mut nf).expect("poll");
        for (port, frames) in sent.iter_mut().enumerate() {
            frames.extend(backend.model().transmitted(port));
        }
        assert!(start.elapsed() < Duration::from_secs(60), "the run must end");
    }
    backend.shutdown().expect("clean shutdown");
    for (port, frames) in sent.iter_mut().enumerate() {
        frames.extend(backend.model().transmitted(port));
    }
    sent
}

/// `frames` cycled to `count`, as `mark_and_cross` leaves them coming in on `port`.
fn expected(frames: &[Vec<u8>], count: usize, port: u8) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = frames.iter().cycle().take(count).cloned().collect();
    for frame in &mut out {
        frame[0] = 0xa0 | port;
    }
    out
}

#[test]
fn a_generated_mix_reaches_the_function_in_order_and_cycled() {
    let mix: Vec<MixEntry> =
        ["udp", "tcp:2", "icmp", "arp", "icmp6"].iter().map(|m| MixEntry::parse(m).unwrap()).collect();
    let sizes = vec![60, 300];
    let frames = generated_frames(&mix, &sizes);
    assert_eq!(frames.len(), 12);
    let sent = run(TrafficConfig {
        ports: 2,
        frame_sizes: sizes,
        mix,
        packets_per_port: Some(100),
        ..TrafficConfig::default()
    });
    assert_eq!(sent[1], expected(&frames, 100, 0));
    assert_eq!(sent[0], expected(&frames, 100, 1));
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("nfc-model-traffic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write_capture(path: &Path, frames: &[Vec<u8>]) {
    let mut writer = PcapWriter::create(path).unwrap();
    for (i, frame) in frames.iter().enumerate() {
        writer.write(1_000_000 * i as u64, frame).unwrap();
    }
    writer.flush().unwrap();
}

#[test]
fn a_replayed_capture_per_port_reaches_the_function_frame_for_frame() {
    let dir = scratch();
    // Three frames on port 0 (one a 42-byte ARP request, as captured before
    // the sender's NIC pads it), two on port 1, a third port with none.
    let arp = Protocol::Arp.frame(0);
    assert_eq!(arp.len(), 42);
    let lan = vec![Protocol::Tcp.frame(100), arp.clone(), Protocol::Udp6.frame(1514)];
    let wan = vec![Protocol::Icmp.frame(64), Protocol::Udp.frame(61)];
    write_capture(&dir.join("lan.pcap"), &lan);
    write_capture(&dir.join("wan.pcap"), &wan);
    let ports = ["lan", "wan", "spare"];
    let arguments =
        [format!("lan={}", dir.join("lan.pcap").display()), format!("1={}", dir.join("wan.pcap").display())];
    let replay = load_replay(&arguments, &ports).expect("captures load");
    let sent = run(TrafficConfig {
        ports: 3,
        replay: Some(replay),
        packets_per_port: Some(10),
        // Sizes and mix are for generated traffic: ignored here.
        frame_sizes: vec![1000],
        ..TrafficConfig::default()
    });
    let mut padded = arp;
    padded.resize(60, 0);
    let lan_padded = vec![lan[0].clone(), padded, lan[2].clone()];
    assert_eq!(sent[1], expected(&lan_padded, 10, 0), "lan's frames leave on wan");
    assert_eq!(sent[0], expected(&wan, 10, 1), "wan's frames leave on lan");
    assert!(sent[2].is_empty(), "spare receives nothing, and nothing is sent to it");
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn without_a_count_a_replay_runs_until_stopped_and_empty_ports_stay_idle() {
    let frames: Vec<Arc<[u8]>> = vec![Arc::from(Protocol::Udp.frame(60))];
    let mut backend = ModelBackend::new(TrafficConfig {
        ports: 2,
        replay: Some(vec![frames, Vec::new()]),
        packets_per_port: None,
        ..TrafficConfig::default()
    })
    .expect("init");
    let mut nf = mark_and_cross;
    for _ in 0..2000 {
        backend.poll(&mut nf).expect("poll");
    }
    assert!(!backend.finished());
    let stats = backend.stats();
    assert!(stats[0].rx_packets > 1000, "{stats:?}");
    assert_eq!(stats[1].rx_packets, 0);
}
