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
        stderr.contains("needs root") || stderr.contains("hugepages") || stderr.contains("there is no PCI device ffff:ff:1f.7"),
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
fn a_missing_interface_is_one_clear_error() {
    let (code, stderr) = nop(&["--iface", "nfc-nope0", "--iface", "nfc-nope1"]);
    assert_eq!(code, 1);
    assert_eq!(stderr.trim(), "nop: interface nfc-nope0 does not exist (see `ip link`)");
}

#[test]
fn the_model_run_ends_with_a_summary_of_ports_and_rules() {
    let output = Command::new(env!("CARGO_BIN_EXE_nop")).args(["--packets", "5000", "--quiet"]).output().expect("nop runs");
    assert!(output.status.success());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("port left: rx 5000 packets (300000 bytes), tx 5000 packets"), "{stdout}");
    assert!(stdout.contains("rule left_to_right: 5000 packets, 300000 bytes"), "{stdout}");
    assert!(stdout.contains("transmitted 10000 packets"), "{stdout}");
}
