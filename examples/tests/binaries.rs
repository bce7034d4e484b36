//! The example binaries' failure modes: one clear sentence and exit code 1.

use std::process::Command;

fn nop(args: &[&str]) -> (i32, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_nop")).args(args).output().expect("nop runs");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).into())
}

#[test]
fn a_missing_pci_device_is_one_clear_error() {
    let (code, stderr) = nop(&["--pci", "ffff:ff:1f.7", "--pci", "ffff:ff:1f.6"]);
    assert_eq!(code, 1);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // Which check fails first depends on the machine: root, then hugepages, then the device.
    assert!(
        stderr.contains("needs root")
            || stderr.contains("hugepages")
            || stderr.contains("there is no PCI device ffff:ff:1f.7"),
        "{stderr}"
    );
}

#[test]
fn wrong_arguments_say_what_was_expected() {
    let (code, stderr) = nop(&["--pci", "0000:01:00.0"]);
    assert_eq!(code, 1);
    assert_eq!(stderr.trim(), "nop: found 1 --pci arguments, expected 2 (one per port: left, right)");
    // Usage errors are clap's: exit code 2, the offending argument named.
    let (code, stderr) = nop(&["--fast"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unexpected argument '--fast'"), "{stderr}");
    let (code, stderr) = nop(&["--pci", "0000:01:00.0", "--iface", "eth0"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("cannot be used with"), "{stderr}");
}

#[test]
fn help_names_the_ports_and_every_backend() {
    let output = Command::new(env!("CARGO_BIN_EXE_nop")).arg("--help").output().expect("nop runs");
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(help.contains("Runs the network function `nop` (ports left (0), right (1))"), "{help}");
    for backend in ["software 82599 model", "--pci ADDR per port", "--iface NAME per port", "--pcap-in PORT=FILE"] {
        assert!(help.contains(backend), "{backend}: {help}");
    }
}

/// Every stdout line of a `--stats json` run is one JSON object.
fn json_lines(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not one JSON object ({e}): {line}")))
        .collect()
}

#[test]
fn stats_json_prints_start_per_second_stats_and_the_summary_as_json_lines() {
    let output = Command::new(env!("CARGO_BIN_EXE_nop"))
        .args(["--stats", "json", "--packets", "1000000000", "--duration", "1.5"])
        .output()
        .expect("nop runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let lines = json_lines(&output.stdout);
    assert_eq!(
        lines[0],
        serde_json::json!({"event": "start", "name": "nop", "backend": "the software 82599 model", "ports": ["left", "right"]})
    );
    let stats: Vec<&serde_json::Value> = lines.iter().filter(|l| l["event"] == "stats").collect();
    assert!(!stats.is_empty(), "a stats line after a second: {lines:?}");
    assert_eq!(stats[0]["ports"][1]["port"], "right");
    assert!(stats[0]["ports"][0]["rx_packets"].is_u64() && stats[0]["mpps"].is_f64(), "{:?}", stats[0]);
    let summary = lines.last().unwrap();
    assert_eq!(summary["event"], "summary");
    let port_tx: u64 = (0..2).map(|p| summary["ports"][p]["tx_packets"].as_u64().unwrap()).sum();
    assert_eq!(summary["transmitted"].as_u64(), Some(port_tx));
    let forwarded =
        summary["counters"][0]["packets"].as_u64().unwrap() + summary["counters"][1]["packets"].as_u64().unwrap();
    assert_eq!(summary["counters"][0]["name"], "left_to_right");
    assert_eq!(summary["counters"][1]["name"], "default");
    assert_eq!(forwarded, port_tx, "nop forwards every frame it counts");
    assert!(summary["rate_note"].as_str().is_some_and(|note| note.contains("model")), "{summary}");
}

#[test]
fn stats_json_summary_of_the_bundled_capture_has_every_port_and_rule() {
    let (lan, wan) = (capture("router-lan-in.pcap"), capture("router-wan-in.pcap"));
    let output = Command::new(env!("CARGO_BIN_EXE_router"))
        .args(["--stats", "json", "--quiet", "--pcap-in"])
        .arg(format!("lan={}", lan.display()))
        .arg("--pcap-in")
        .arg(format!("wan={}", wan.display()))
        .output()
        .expect("router runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let lines = json_lines(&output.stdout);
    assert_eq!(lines.len(), 2, "start and summary");
    let summary = &lines[1];
    assert_eq!(
        summary["ports"][0],
        serde_json::json!({"port": "lan", "rx_packets": 54, "rx_bytes": 51467, "tx_packets": 53, "tx_bytes": 3685, "nf_dropped": 0, "missed": 0})
    );
    assert_eq!(summary["ports"][2]["port"], "dmz");
    assert_eq!(summary["counters"][2], serde_json::json!({"name": "routes/hit", "packets": 107, "bytes": 55152}));
    assert_eq!(summary["transmitted"], 107);
    assert!(summary.get("rate_note").is_none(), "a capture's rate is what it is: {summary}");
}

#[test]
fn a_missing_interface_is_one_clear_error() {
    let (code, stderr) = nop(&["--iface", "nfc-nope0", "--iface", "nfc-nope1"]);
    assert_eq!(code, 1);
    assert_eq!(stderr.trim(), "nop: interface nfc-nope0 does not exist (see `ip link`)");
}

#[test]
fn the_model_run_ends_with_a_summary_of_ports_and_rules() {
    let output =
        Command::new(env!("CARGO_BIN_EXE_nop")).args(["--packets", "5000", "--quiet"]).output().expect("nop runs");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("port left: rx 5000 packets (300000 bytes), tx 5000 packets"), "{stdout}");
    assert!(stdout.contains("rule left_to_right: 5000 packets, 300000 bytes"), "{stdout}");
    assert!(stdout.contains("transmitted 10000 packets"), "{stdout}");
}

fn capture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("captures").join(name)
}

/// The bundled capture forwarded by nop: every frame comes out unchanged,
/// in a pcap that tshark (code we did not write) reads, when it is here.
#[test]
fn nop_forwards_a_capture_into_a_pcap_that_tshark_reads() {
    let input = capture("router-lan-in.pcap");
    let output = std::env::temp_dir().join(format!("nfc-nop-out-{}.pcap", std::process::id()));
    let run = Command::new(env!("CARGO_BIN_EXE_nop"))
        .arg("--pcap-in")
        .arg(format!("left={}", input.display()))
        .arg("--pcap-out")
        .arg(format!("right={}", output.display()))
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("rule left_to_right: 54 packets, 51467 bytes"), "{stdout}");
    let tshark = |file: &std::path::Path| {
        Command::new("tshark")
            .arg("-r")
            .arg(file)
            .args(["-T", "fields", "-e", "frame.len", "-e", "frame.protocols", "-e", "data.data", "-e", "ip.checksum"])
            .output()
    };
    match tshark(&output) {
        Ok(ours) if ours.status.success() => {
            let theirs = tshark(&input).unwrap();
            let ours = String::from_utf8_lossy(&ours.stdout).into_owned();
            assert_eq!(ours.lines().count(), 54, "{ours}");
            assert_eq!(ours, String::from_utf8_lossy(&theirs.stdout), "tshark sees other frames than went in");
        }
        _ => {
            eprintln!("tshark is not installed: checked the summary only (apt-get install tshark)")
        }
    }
    std::fs::remove_file(output).unwrap();
}

/// A capture cut in the middle of a record, and one cut inside the file
/// header: one sentence naming the file and byte offset, exit code 1.
#[test]
fn a_truncated_capture_names_the_file_and_offset() {
    let whole = std::fs::read(capture("router-lan-in.pcap")).unwrap();
    for (cut, offset, what) in
        [(1000, 939, "the record here needs 146 more bytes"), (10, 4, "the pcap file header here needs 14 more bytes")]
    {
        let file = std::env::temp_dir().join(format!("nfc-truncated-{cut}-{}.pcap", std::process::id()));
        std::fs::write(&file, &whole[..cut]).unwrap();
        let (code, stderr) = nop(&["--pcap-in", &format!("left={}", file.display()), "--quiet"]);
        assert_eq!(code, 1, "{stderr}");
        assert_eq!(
            stderr.trim(),
            format!(
                "nop: {}: at byte offset {offset}: the capture is truncated: {what} than the file has",
                file.display()
            )
        );
        std::fs::remove_file(file).unwrap();
    }
}

#[test]
fn a_reader_that_leaves_early_stops_the_run_cleanly() {
    // `nop | head -1`: the reader closes the pipe after the first line. The
    // run must end by itself (no packet limit given), exit 0 and say nothing
    // on stderr, instead of panicking on the next line it prints.
    let mut nop = Command::new(env!("CARGO_BIN_EXE_nop"))
        .args(["--stats", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("nop runs");
    let mut stdout = std::io::BufReader::new(nop.stdout.take().expect("piped"));
    let mut first = String::new();
    std::io::BufRead::read_line(&mut stdout, &mut first).expect("a first line");
    assert!(first.contains("\"start\""), "{first}");
    drop(stdout);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let status = loop {
        if let Some(status) = nop.try_wait().expect("wait") {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = nop.kill();
            panic!("nop kept running for 60 s after its reader left");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut nop.stderr.take().expect("piped"), &mut stderr).expect("stderr");
    assert!(status.success(), "{status}: {stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}
