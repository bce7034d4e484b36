//! The fault table: every way the hardware or the host can let a deployment
//! down, played against the real binary (the 82599 faults through the
//! software model, `--model-fault`), each ending in one clear sentence and
//! exit code 1 within a bound, never a hang. Run with `--nocapture` to see
//! the table with the time each fault took to report.

use std::process::Command;
use std::time::{Duration, Instant};

struct Row {
    fault: &'static str,
    args: Vec<String>,
    /// Run as `nobody` instead of the test's user.
    unprivileged: bool,
    /// The error, after `nop: `.
    expected: String,
    bound: Duration,
}

fn run(row: &Row) -> (i32, String, Duration) {
    let nop = env!("CARGO_BIN_EXE_nop");
    let mut command = if row.unprivileged {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", nop]);
        c
    } else {
        Command::new(nop)
    };
    let start = Instant::now();
    let output = command.args(&row.args).arg("--quiet").output().expect("nop runs");
    let elapsed = start.elapsed();
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stderr).trim().to_owned(), elapsed)
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// The first PCI device of this machine, which is not an 82599 here.
fn some_pci_device() -> Option<(String, String)> {
    let mut devices: Vec<_> =
        std::fs::read_dir("/sys/bus/pci/devices").ok()?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
    devices.sort();
    devices.into_iter().find_map(|path| {
        let id = |file: &str| {
            std::fs::read_to_string(path.join(file)).ok().map(|s| s.trim().trim_start_matches("0x").to_owned())
        };
        let (vendor, device) = (id("vendor")?, id("device")?);
        (vendor != "8086"
            || ![
                "10fb", "10fc", "1557", "154d", "10f7", "1517", "10f8", "10f9", "151c", "1529", "152a", "1507", "154a",
                "1558", "1514", "154f",
            ]
            .contains(&device.as_str()))
        .then(|| (path.file_name().unwrap().to_string_lossy().into_owned(), format!("{vendor}:{device}")))
    })
}

fn hugepages_free() -> bool {
    std::fs::read_to_string("/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages")
        .is_ok_and(|n| n.trim().parse::<u64>().unwrap_or(0) >= 1)
}

fn model(fault: &str) -> Vec<String> {
    vec!["--model-fault".into(), fault.into(), "--packets".into(), "1000000".into()]
}

#[test]
fn every_fault_is_one_sentence_and_exit_code_1_in_bounded_time() {
    let mut rows = vec![
        Row {
            fault: "reset that never completes",
            args: model("reset-never-completes"),
            unprivileged: false,
            expected: "82599 did not finish global reset within 1000 ms (datasheet 4.6.3.2)".into(),
            bound: Duration::from_secs(3),
        },
        Row {
            fault: "link that never comes up",
            args: model("link-never-up"),
            unprivileged: false,
            expected: "82599 did not bring the link up within 10000 ms (datasheet 4.6.4)".into(),
            bound: Duration::from_secs(13),
        },
        Row {
            fault: "device vanishes mid-run (registers read all ones)",
            args: model("vanish"),
            unprivileged: false,
            expected: "82599 port 0 vanished: its registers read all ones".into(),
            bound: Duration::from_secs(5),
        },
    ];
    if is_root() {
        rows.push(Row {
            fault: "not root",
            args: vec!["--pci".into(), "0000:01:00.0".into(), "--pci".into(), "0000:01:00.1".into()],
            unprivileged: true,
            expected: "driving an 82599 needs root (hugepages, physical addresses, PCI configuration space)".into(),
            bound: Duration::from_secs(1),
        });
    } else {
        eprintln!("not root: the `not root` row is the whole table's precondition; the hugepage and PCI rows skip");
    }
    if is_root() && !hugepages_free() {
        rows.push(Row {
            fault: "DMA memory unavailable (no hugepages)",
            args: vec!["--pci".into(), "0000:01:00.0".into(), "--pci".into(), "0000:01:00.1".into()],
            unprivileged: false,
            expected: "needs 1 free 2 MiB hugepage(s), and the kernel has fewer: as root, run `echo 8 > /proc/sys/vm/nr_hugepages`".into(),
            bound: Duration::from_secs(1),
        });
    }
    if is_root() && hugepages_free() {
        rows.push(Row {
            fault: "no such PCI device",
            args: vec!["--pci".into(), "ffff:ff:1f.7".into(), "--pci".into(), "ffff:ff:1f.6".into()],
            unprivileged: false,
            expected: "there is no PCI device ffff:ff:1f.7 (list them with `lspci -D`)".into(),
            bound: Duration::from_secs(1),
        });
    }
    match some_pci_device() {
        Some((address, ids)) if is_root() && hugepages_free() => rows.push(Row {
            fault: "a PCI device that is not an 82599",
            args: vec!["--pci".into(), address.clone(), "--pci".into(), address.clone()],
            unprivileged: false,
            expected: format!("PCI device {address} is {ids}, not an Intel 82599 (8086:10fb and its siblings)"),
            bound: Duration::from_secs(1),
        }),
        _ => eprintln!("skipped the not-an-82599 row: needs root, a free hugepage and a PCI device"),
    }

    println!("| fault | error | exit code | time to error |");
    println!("|---|---|---|---|");
    let mut failures = Vec::new();
    for row in &rows {
        let (code, stderr, elapsed) = run(row);
        println!("| {} | {} | {} | {:.3} s |", row.fault, stderr, code, elapsed.as_secs_f64());
        if code != 1 || stderr != format!("nop: {}", row.expected) || elapsed > row.bound {
            failures.push(format!("{}: exit {code} after {elapsed:?} (bound {:?}): {stderr}", row.fault, row.bound));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// DMA memory the kernel cannot give (far more hugepages than exist): one
/// sentence, from the same call the 82599 path makes.
#[test]
fn dma_memory_that_cannot_be_had_is_a_clear_error() {
    if !is_root() {
        eprintln!("skipped: mapping hugepages needs root");
        return;
    }
    let start = Instant::now();
    let error = nfc_runtime::env::hugepage_memory(1 << 40).err().expect("a terabyte of hugepages is not there");
    println!("| DMA memory unavailable (1 TiB asked) | {error} | 1 | {:.3} s |", start.elapsed().as_secs_f64());
    assert_eq!(error.to_string(), "needs 524288 free 2 MiB hugepage(s), and the kernel has fewer: as root, run `echo 524288 > /proc/sys/vm/nr_hugepages`");
    assert!(start.elapsed() < Duration::from_secs(1));
}

/// SIGTERM (and SIGINT, the same handler) mid-run on the model: the run
/// stops, the driver stops every port before its DMA memory is released
/// (the model backend then offers frames and would report any DMA into the
/// released memory, exit 1), the summary is printed, exit 0.
#[test]
fn a_signal_stops_the_run_and_the_device_before_memory_is_released() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_nop"))
        .args(["--packets", "1000000000", "--quiet"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("nop runs");
    std::thread::sleep(Duration::from_millis(1500));
    let sent = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(sent.success());
    let start = Instant::now();
    let output = loop {
        if child.try_wait().expect("wait").is_some() {
            break child.wait_with_output().expect("output");
        }
        if start.elapsed() > Duration::from_secs(10) {
            let _ = child.kill();
            panic!("nop did not stop within 10 s of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "stdout: {stdout}\nstderr: {stderr}");
    assert!(stdout.contains("nop: stopped after"), "{stdout}");
    assert!(stderr.is_empty(), "{stderr}");
}
