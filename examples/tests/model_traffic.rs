//! Deployment binaries on the software model with its traffic chosen on the
//! command line (`--model-traffic`, `--model-mix`): the replayed frames
//! reach the function exactly as the same capture does through the capture
//! backend (`--pcap-in`), and bad options are one clear error.

use etherparse::PacketBuilder;
use nfc_runtime::capture::{CaptureReader, PcapWriter};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn captures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("captures")
}

fn frames_in(path: &Path) -> u64 {
    let mut reader = CaptureReader::open(path).unwrap();
    let (mut count, mut data) = (0, Vec::new());
    while reader.next_into(&mut data).unwrap().is_some() {
        count += 1;
    }
    count
}

/// The `--stats json` summary of a successful run of `binary` with `args`.
fn summary(binary: &str, args: &[String]) -> Value {
    let output = Command::new(binary).args(["--stats", "json", "--quiet"]).args(args).output().expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{args:?}: {stderr}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let last = stdout.lines().last().expect("a summary");
    let summary: Value = serde_json::from_str(last).expect("JSON");
    assert_eq!(summary["event"], "summary");
    summary
}

/// Packet counts of a summary: each port's rx, tx, dropped and missed, and
/// each counter, by name.
fn packets(summary: &Value) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for port in summary["ports"].as_array().unwrap() {
        for field in ["rx_packets", "tx_packets", "nf_dropped", "missed"] {
            out.push((format!("{}.{field}", port["port"].as_str().unwrap()), port[field].as_u64().unwrap()));
        }
    }
    for counter in summary["counters"].as_array().unwrap() {
        out.push((counter["name"].as_str().unwrap().to_owned(), counter["packets"].as_u64().unwrap()));
    }
    out
}

fn scaled(counts: &[(String, u64)], factor: u64) -> Vec<(String, u64)> {
    counts.iter().map(|(name, n)| (name.clone(), n * factor)).collect()
}

fn sum(a: &[(String, u64)], b: &[(String, u64)]) -> Vec<(String, u64)> {
    a.iter().zip(b).map(|((name, x), (other, y))| (assert_eq!(name, other), (name.clone(), x + y)).1).collect()
}

#[test]
fn the_router_on_replayed_captures_counts_what_the_capture_backend_counts() {
    let router = env!("CARGO_BIN_EXE_router");
    let (lan, wan) = (captures().join("router-lan-in.pcap"), captures().join("router-wan-in.pcap"));
    let (lan_frames, wan_frames) = (frames_in(&lan), frames_in(&wan));
    assert_ne!(lan_frames, wan_frames, "the cycles below tell the ports apart");
    // The router keeps no state, so a capture cycled k times counts k times
    // what one pass through the capture backend counts.
    let once = |port: &str, file: &Path| packets(&summary(router, &[format!("--pcap-in={port}={}", file.display())]));
    let per_port = lan_frames * wan_frames;
    let expected = sum(&scaled(&once("lan", &lan), wan_frames), &scaled(&once("wan", &wan), lan_frames));
    let model = summary(
        router,
        &[
            format!("--model-traffic=lan={}", lan.display()),
            format!("--model-traffic=wan={}", wan.display()),
            format!("--packets={per_port}"),
        ],
    );
    assert_eq!(packets(&model), expected);
}

/// A 42-byte ARP request (as captured before the sender pads it).
fn arp_request(sender_mac: [u8; 6], sender: [u8; 4], target: [u8; 4]) -> Vec<u8> {
    let mut frame = vec![0xff; 6];
    frame.extend_from_slice(&sender_mac);
    frame.extend_from_slice(&[0x08, 0x06, 0, 1, 0x08, 0x00, 6, 4, 0, 1]);
    frame.extend_from_slice(&sender_mac);
    frame.extend_from_slice(&sender);
    frame.extend_from_slice(&[0; 6]);
    frame.extend_from_slice(&target);
    frame
}

#[test]
fn the_nat_answers_arp_and_expiring_pings_of_a_replayed_capture() {
    let nat = env!("CARGO_BIN_EXE_nat");
    let dir = std::env::temp_dir().join(format!("nfc-examples-model-traffic-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (host_mac, nat_mac, host, far) = ([2, 0, 0, 0, 0, 0x11], [2, 0, 0, 0, 0, 1], [10, 0, 0, 2], [198, 51, 100, 7]);
    let mut ping = Vec::new();
    PacketBuilder::ethernet2(host_mac, nat_mac)
        .ipv4(host, far, 1)
        .icmpv4_echo_request(7, 1)
        .write(&mut ping, &[0x55; 56])
        .unwrap();
    let mut udp = Vec::new();
    PacketBuilder::ethernet2(host_mac, nat_mac).ipv4(host, far, 64).udp(5000, 53).write(&mut udp, &[1; 30]).unwrap();
    let frames = [
        arp_request(host_mac, host, [10, 0, 0, 1]),
        ping,
        udp,
        // For an address not the NAT's: not answered.
        arp_request(host_mac, host, [10, 0, 0, 9]),
    ];
    let inside = dir.join("inside.pcap");
    let mut writer = PcapWriter::create(&inside).unwrap();
    for (i, frame) in frames.iter().enumerate() {
        writer.write(i as u64 * 1_000_000, frame).unwrap();
    }
    writer.flush().unwrap();
    let model = summary(nat, &[format!("--model-traffic=inside={}", inside.display()), "--packets=4".into()]);
    let replayed = summary(nat, &[format!("--pcap-in=inside={}", inside.display())]);
    assert_eq!(packets(&model), packets(&replayed));
    let count = |name: &str| packets(&model).into_iter().find(|(n, _)| n == name).map(|(_, n)| n);
    for (name, expected) in [
        ("inside.rx_packets", 4),
        ("inside.tx_packets", 2),
        ("outside.rx_packets", 0),
        ("outside.tx_packets", 1),
        ("arp/answered", 1),
        ("icmp/time_exceeded", 1),
        ("out/translated", 1),
        ("out/new_mapping", 1),
        ("drop/not_ipv4", 1),
    ] {
        assert_eq!(count(name), Some(expected), "{name}: {model}");
    }
    // The model's wire pads the two 42-byte ARP requests to 60 bytes.
    let rx_bytes = |summary: &Value| summary["ports"][0]["rx_bytes"].as_u64().unwrap();
    assert_eq!(rx_bytes(&model), rx_bytes(&replayed) + 2 * 18);
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_protocol_mix_reaches_the_function() {
    // Per size, UDP twice, then TCP, ICMP and ARP: 10 frames per cycle, 300 per port.
    let output = summary(
        env!("CARGO_BIN_EXE_nop"),
        &["--model-mix=udp:2,tcp,icmp,arp".into(), "--frame-size=60,200".into(), "--packets=300".into()],
    );
    for port in 0..2 {
        assert_eq!(output["ports"][port]["rx_packets"], 300, "{output}");
        assert_eq!(output["ports"][port]["tx_packets"], 300, "{output}");
        // Bytes: each cycle of 10 frames holds 5 of 60 bytes and 5 of 200.
        assert_eq!(output["ports"][port]["rx_bytes"], 30 * (5 * 60 + 5 * 200), "{output}");
    }
}

/// Exit code and stderr of `nop` with `args`.
fn nop_fails(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_nop")).args(args).output().expect("nop runs");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into_owned())
}

#[test]
fn bad_model_traffic_is_one_sentence_and_exit_1() {
    let dir = std::env::temp_dir().join(format!("nfc-examples-model-traffic-errors-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let empty = dir.join("empty.pcap");
    PcapWriter::create(&empty).unwrap().flush().unwrap();
    let garbage = dir.join("garbage.pcap");
    std::fs::write(&garbage, "not a capture at all").unwrap();
    let missing = dir.join("missing.pcap");
    let lan = captures().join("router-lan-in.pcap");
    for (args, expected) in [
        (vec![format!("--model-traffic={}", missing.display())], format!("nop: {}: cannot open:", missing.display())),
        (
            vec![format!("--model-traffic={}", empty.display())],
            format!("nop: {}: the capture holds no frames; the model needs at least one to replay", empty.display()),
        ),
        (vec![format!("--model-traffic={}", garbage.display())], format!("nop: {}: at byte offset 0:", garbage.display())),
        (
            vec![format!("--model-traffic=left={}", lan.display()), format!("--model-traffic=0={}", lan.display())],
            "nop: port left is given twice in --model-traffic".to_owned(),
        ),
        (
            vec!["--model-traffic=lfet=x.pcap".to_owned()],
            "nop: lfet=x.pcap: cannot open: No such file or directory (os error 2) (nor is `lfet` a port: expected one of left, right or a number)".to_owned(),
        ),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (code, stderr) = nop_fails(&args);
        assert_eq!(code, 1, "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with(&expected), "{args:?}: {stderr}");
    }
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn model_options_that_cannot_go_together_are_usage_errors() {
    let lan = captures().join("router-lan-in.pcap").display().to_string();
    let traffic = format!("--model-traffic={lan}");
    for (args, expected) in [
        (vec!["--model-mix=udp,gre"], "found protocol `gre`, expected one of udp, tcp, icmp, arp, udp6, tcp6, icmp6"),
        (vec!["--model-mix=tcp:0"], "found weight `0`, expected a whole number from 1 to 100"),
        (vec![&traffic, "--frame-size=100"], "cannot be used with"),
        (vec![&traffic, "--model-mix=tcp"], "cannot be used with"),
        (vec!["--model-mix=tcp", "--pcap-in=0=x.pcap"], "cannot be used with"),
    ] {
        let (code, stderr) = nop_fails(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    let output = Command::new(env!("CARGO_BIN_EXE_nop")).arg("--help").output().expect("nop runs");
    let help = String::from_utf8_lossy(&output.stdout);
    for option in ["--model-traffic [PORT=]FILE", "--model-mix", "icmp6"] {
        assert!(help.contains(option), "{option}: {help}");
    }
}
