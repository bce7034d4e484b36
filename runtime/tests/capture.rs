//! Capture files against code we did not write: the `pcap-file` crate writes
//! what our reader must read, and reads what our writer writes; the pcap
//! backend interleaves inputs by timestamp and writes every output.

use nfc_runtime::capture::{CaptureReader, PcapBackend, PcapWriter, PortFile, Record};
use nfc_runtime::{Backend, Frame, NetworkFunction, Outputs, PortId};
use pcap_file::pcap::{PcapHeader, PcapPacket, PcapReader as OracleReader, PcapWriter as OracleWriter};
use pcap_file::pcapng::blocks::enhanced_packet::EnhancedPacketBlock;
use pcap_file::pcapng::blocks::interface_description::{InterfaceDescriptionBlock, InterfaceDescriptionOption};
use pcap_file::pcapng::blocks::name_resolution::NameResolutionBlock;
use pcap_file::pcapng::blocks::section_header::SectionHeaderBlock;
use pcap_file::pcapng::PcapNgWriter;
use pcap_file::{DataLink, Endianness, TsResolution};
use proptest::prelude::*;
use std::borrow::Cow;
use std::time::Duration;

#[derive(Clone, Debug, PartialEq, Eq)]
struct Packet {
    timestamp_ns: u64,
    original_len: u32,
    data: Vec<u8>,
}

fn packets() -> impl Strategy<Value = Vec<Packet>> {
    let packet = (0u64..4_000_000_000_000_000_000, proptest::collection::vec(any::<u8>(), 0..1600), 0u32..100)
        .prop_map(|(timestamp_ns, data, extra)| Packet { timestamp_ns, original_len: data.len() as u32 + extra, data });
    proptest::collection::vec(packet, 0..20)
}

fn read_ours(bytes: &[u8]) -> Vec<Packet> {
    let mut reader = CaptureReader::new("oracle", bytes).expect("header");
    let mut data = Vec::new();
    let mut out = Vec::new();
    while let Some(Record { timestamp_ns, original_len }) = reader.next_into(&mut data).expect("record") {
        out.push(Packet { timestamp_ns, original_len, data: data.clone() });
    }
    out
}

fn endianness(big: bool) -> Endianness {
    if big {
        Endianness::Big
    } else {
        Endianness::Little
    }
}

proptest! {
    #[test]
    fn reads_pcap_as_pcap_file_writes_it(packets in packets(), big in any::<bool>(), nanos in any::<bool>()) {
        let resolution = if nanos { TsResolution::NanoSecond } else { TsResolution::MicroSecond };
        let header = PcapHeader { endianness: endianness(big), ts_resolution: resolution, snaplen: 65535, ..PcapHeader::default() };
        let mut writer = OracleWriter::with_header(Vec::new(), header).unwrap();
        let mut expected = packets.clone();
        for packet in &mut expected {
            if !nanos {
                packet.timestamp_ns -= packet.timestamp_ns % 1000;
            }
            writer.write_packet(&PcapPacket::new(Duration::from_nanos(packet.timestamp_ns), packet.original_len, &packet.data)).unwrap();
        }
        prop_assert_eq!(read_ours(&writer.into_writer()), expected);
    }

    /// Two interfaces, the second not Ethernet (its packets are skipped), a
    /// name-resolution block in between; timestamps in nanoseconds
    /// (if_tsresol 9), which is what pcap-file writes.
    #[test]
    fn reads_pcapng_as_pcap_file_writes_it(packets in packets(), big in any::<bool>(), other_link in proptest::collection::vec(any::<bool>(), 20)) {
        let section = SectionHeaderBlock { endianness: endianness(big), ..SectionHeaderBlock::default() };
        let mut writer = PcapNgWriter::with_section_header(Vec::new(), section).unwrap();
        for linktype in [DataLink::ETHERNET, DataLink::LINUX_SLL] {
            let options = vec![InterfaceDescriptionOption::IfTsResol(9)];
            writer.write_pcapng_block(InterfaceDescriptionBlock { linktype, snaplen: 0, options }).unwrap();
        }
        writer.write_pcapng_block(NameResolutionBlock { records: vec![], options: vec![] }).unwrap();
        let mut expected = Vec::new();
        for (packet, &other) in packets.iter().zip(&other_link) {
            writer.write_pcapng_block(EnhancedPacketBlock {
                interface_id: u32::from(other),
                timestamp: Duration::from_nanos(packet.timestamp_ns),
                original_len: packet.original_len,
                data: Cow::Borrowed(&packet.data),
                options: vec![],
            }).unwrap();
            if !other {
                expected.push(packet.clone());
            }
        }
        prop_assert_eq!(read_ours(&writer.into_inner()), expected);
    }

    #[test]
    fn pcap_file_reads_what_we_write(packets in packets()) {
        let mut writer = PcapWriter::new("out", Vec::new()).unwrap();
        for packet in &packets {
            writer.write(packet.timestamp_ns, &packet.data).unwrap();
        }
        let bytes = writer.into_inner();
        let mut reader = OracleReader::new(&bytes[..]).unwrap();
        prop_assert_eq!(reader.header().datalink, DataLink::ETHERNET);
        let mut read = Vec::new();
        while let Some(packet) = reader.next_packet() {
            let packet = packet.unwrap();
            read.push((packet.timestamp.as_nanos() as u64, packet.orig_len, packet.data.into_owned()));
        }
        let expected: Vec<_> = packets.iter().map(|p| (p.timestamp_ns, p.data.len() as u32, p.data.clone())).collect();
        prop_assert_eq!(read, expected);
    }
}

/// Sends port 0 to port 1 and port 1 to both ports, tagging each frame's
/// first byte with the input port so the outputs show what came from where.
struct Tagger;

impl NetworkFunction for Tagger {
    fn process(&mut self, input: PortId, frame: &mut Frame<'_>) -> Outputs {
        if let Some(first) = frame.data_mut().first_mut() {
            *first = input;
        }
        if input == 0 {
            Outputs::port(1)
        } else {
            Outputs::port(0).with(1)
        }
    }
}

fn write_capture(path: &std::path::Path, frames: &[(u64, Vec<u8>)]) {
    let mut writer = PcapWriter::create(path).unwrap();
    for (timestamp, data) in frames {
        writer.write(*timestamp, data).unwrap();
    }
    writer.flush().unwrap();
}

fn read_capture(path: &std::path::Path) -> Vec<(u64, Vec<u8>)> {
    let mut reader = CaptureReader::open(path).unwrap();
    let mut data = Vec::new();
    let mut out = Vec::new();
    while let Some(record) = reader.next_into(&mut data).unwrap() {
        out.push((record.timestamp_ns, data.clone()));
    }
    out
}

#[test]
fn the_backend_interleaves_inputs_by_timestamp_and_writes_every_output() {
    let dir = std::env::temp_dir().join(format!("nfc-capture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (a, b, out0, out1) = (dir.join("a.pcap"), dir.join("b.pcap"), dir.join("out0.pcap"), dir.join("out1.pcap"));
    write_capture(&a, &[(10, vec![0xaa, 1]), (30, vec![0xaa, 2]), (50, vec![0xaa, 3])]);
    write_capture(&b, &[(20, vec![0xbb, 1]), (30, vec![0xbb, 2]), (60, vec![])]);
    let ports = ["in", "out"];
    let inputs = [
        PortFile::parse(&format!("in={}", a.display()), &ports).unwrap(),
        PortFile::parse(&format!("1={}", b.display()), &ports).unwrap(),
    ];
    let outputs = [
        PortFile::parse(&format!("0={}", out0.display()), &ports).unwrap(),
        PortFile::parse(&format!("out={}", out1.display()), &ports).unwrap(),
    ];
    let mut backend = PcapBackend::open(2, &inputs, &outputs).unwrap();
    let mut processed = 0;
    while !backend.finished() {
        processed += backend.poll(&mut Tagger).unwrap();
    }
    backend.shutdown().unwrap();
    assert_eq!(processed, 6);
    // Port 1's frames go to both outputs; on a timestamp tie port 0 is first.
    assert_eq!(read_capture(&out0), vec![(20, vec![1, 1]), (30, vec![1, 2]), (60, vec![])]);
    assert_eq!(
        read_capture(&out1),
        vec![(10, vec![0, 1]), (20, vec![1, 1]), (30, vec![0, 2]), (30, vec![1, 2]), (50, vec![0, 3]), (60, vec![])]
    );
    let stats = backend.stats();
    assert_eq!((stats[0].rx_packets, stats[0].tx_packets, stats[1].rx_packets, stats[1].tx_packets), (3, 3, 3, 6));
    assert_eq!((stats[0].rx_bytes, stats[1].rx_bytes, stats[1].tx_bytes), (6, 4, 10));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Records the time it is given before each packet.
#[derive(Default)]
struct TimeKeeper {
    seen: Vec<(u64, u8)>,
    now: u64,
}

impl NetworkFunction for TimeKeeper {
    const USES_TIME: bool = true;

    fn set_time(&mut self, now_ns: u64) {
        self.now = now_ns;
    }

    fn process(&mut self, _input: PortId, frame: &mut Frame<'_>) -> Outputs {
        self.seen.push((self.now, frame.data()[0]));
        Outputs::DROP
    }
}

#[test]
fn capture_timestamps_are_the_network_functions_clock_and_never_go_back() {
    let dir = std::env::temp_dir().join(format!("nfc-capture-time-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("in.pcap");
    // The third record is older than the second: the clock stays put.
    write_capture(&input, &[(1_000, vec![1]), (5_000, vec![2]), (4_000, vec![3]), (9_000, vec![4])]);
    let ports = ["only"];
    let inputs = [PortFile::parse(&format!("only={}", input.display()), &ports).unwrap()];
    let mut backend = PcapBackend::open(1, &inputs, &[]).unwrap();
    let mut nf = TimeKeeper::default();
    while !backend.finished() {
        backend.poll(&mut nf).unwrap();
    }
    assert_eq!(nf.seen, vec![(1_000, 1), (5_000, 2), (5_000, 3), (9_000, 4)]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn port_arguments_are_checked_with_clear_errors() {
    let ports = ["left", "right"];
    assert_eq!(PortFile::parse("right=x.pcap", &ports).unwrap().port, 1);
    assert_eq!(
        PortFile::parse("middle=x.pcap", &ports).unwrap_err(),
        "found port `middle` in `middle=x.pcap`, expected one of left, right or a number below 2"
    );
    assert_eq!(
        PortFile::parse("2=x.pcap", &ports).unwrap_err(),
        "found port `2` in `2=x.pcap`, expected one of left, right or a number below 2"
    );
    assert_eq!(
        PortFile::parse("x.pcap", &ports).unwrap_err(),
        "found `x.pcap`, expected PORT=FILE (ports: left, right)"
    );
    assert_eq!(PortFile::parse("left=", &ports).unwrap_err(), "found `left=` with no file name, expected PORT=FILE");
    let twice = [PortFile::parse("0=a", &ports).unwrap(), PortFile::parse("left=b", &ports).unwrap()];
    assert_eq!(PcapBackend::open(2, &twice, &[]).err().unwrap(), "port 0 is given twice in --pcap-in");
    let missing = [PortFile::parse("0=/nonexistent/nfc.pcap", &ports).unwrap()];
    assert!(PcapBackend::open(2, &missing, &[])
        .err()
        .unwrap()
        .starts_with("/nonexistent/nfc.pcap: cannot open: No such file"));
}
