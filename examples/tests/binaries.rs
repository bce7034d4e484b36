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
    assert_eq!(stderr.trim(), "nop: found 1 --pci ports, expected 2 (one per port of the spec)");
    let (code, stderr) = nop(&["--fast"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("found argument `--fast`, expected `--pci ADDR` once per port"), "{stderr}");
}
