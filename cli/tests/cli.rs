//! The `nfc` binary as users run it.

use std::path::Path;
use std::process::Command;

fn nfc(args: &[&str]) -> (bool, String, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new(env!("CARGO_BIN_EXE_nfc")).args(args).current_dir(root).output().expect("nfc runs");
    (output.status.success(), String::from_utf8_lossy(&output.stdout).into(), String::from_utf8_lossy(&output.stderr).into())
}

#[test]
fn test_runs_every_shipped_specs_cases() {
    let specs = ["nf-specs/nop.toml", "nf-specs/l2fwd.toml", "nf-specs/router.toml", "nf-specs/firewall.toml", "nf-specs/vlan.toml"];
    let mut args = vec!["test"];
    args.extend(specs);
    let (ok, stdout, stderr) = nfc(&args);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.trim().ends_with(" passed, 0 failed"), "{stdout}");
}

#[test]
fn check_reports_every_error_with_its_position_and_fails() {
    let (ok, _, stderr) = nfc(&["check", "compiler/tests/ui/every_error_at_once.toml"]);
    assert!(!ok);
    assert!(stderr.contains("compiler/tests/ui/every_error_at_once.toml:7:23: error: found range `53-21`, expected low <= high"), "{stderr}");
    assert!(stderr.contains("8 error(s)"), "{stderr}");
}

#[test]
fn expand_prints_the_generated_network_function() {
    let (ok, stdout, _) = nfc(&["expand", "nf-specs/router.toml"]);
    assert!(ok);
    assert!(stdout.contains("pub struct Router"));
    assert!(stdout.contains("impl ::nfc::runtime::NetworkFunction for Router"));
    assert!(!stdout.contains("unsafe"));
}

#[test]
fn a_missing_spec_is_one_clear_error() {
    let (ok, _, stderr) = nfc(&["check", "nf-specs/missing.toml"]);
    assert!(!ok);
    assert!(stderr.contains("nf-specs/missing.toml:1:1: error: cannot read the spec"), "{stderr}");
}
