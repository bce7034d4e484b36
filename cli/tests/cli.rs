//! The `nfc` binary as users run it.

use std::path::Path;
use std::process::Command;

fn nfc(args: &[&str]) -> (bool, String, String) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let output = Command::new(env!("CARGO_BIN_EXE_nfc")).args(args).current_dir(root).output().expect("nfc runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into(),
        String::from_utf8_lossy(&output.stderr).into(),
    )
}

#[test]
fn test_runs_every_shipped_specs_cases() {
    let specs = [
        "nf-specs/nop.toml",
        "nf-specs/l2fwd.toml",
        "nf-specs/router.toml",
        "nf-specs/firewall.toml",
        "nf-specs/vlan.toml",
    ];
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
    assert!(
        stderr.contains(
            "compiler/tests/ui/every_error_at_once.toml:7:23: error: found range `53-21`, expected low <= high"
        ),
        "{stderr}"
    );
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

/// Every frame of a capture, in order (timestamps aside).
fn frames(path: &Path) -> Vec<Vec<u8>> {
    let mut reader = nfc_runtime::capture::CaptureReader::open(path).unwrap();
    let mut frames = Vec::new();
    let mut frame = Vec::new();
    while reader.next_into(&mut frame).unwrap().is_some() {
        frames.push(frame.clone());
    }
    frames
}

/// examples/captures holds what the hosts sent the compiled router and what
/// they received from it, live, in the netns test. The interpreter, run on
/// the same inputs through the pcap backend, must output the same frames.
#[test]
fn run_interprets_a_spec_on_captures_like_the_compiled_router_did_live() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let out = std::env::temp_dir().join(format!("nfc-cli-run-{}", std::process::id()));
    std::fs::create_dir_all(&out).unwrap();
    let (lan_out, wan_out) = (out.join("lan.pcap"), out.join("wan.pcap"));
    let (ok, stdout, stderr) = nfc(&[
        "run",
        "nf-specs/router.toml",
        "--pcap-in",
        "lan=examples/captures/router-lan-in.pcap",
        "--pcap-in",
        "wan=examples/captures/router-wan-in.pcap",
        "--pcap-out",
        &format!("lan={}", lan_out.display()),
        "--pcap-out",
        &format!("wan={}", wan_out.display()),
        "--quiet",
    ]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("rule routes/hit: "), "{stdout}");
    for (ours, live) in [(&lan_out, "router-lan-live-out.pcap"), (&wan_out, "router-wan-live-out.pcap")] {
        let expected = frames(&root.join("examples/captures").join(live));
        assert!(expected.len() >= 8, "{live} holds too little traffic");
        assert!(frames(ours) == expected, "{} differs from {live}", ours.display());
    }
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn run_shows_the_runtime_options_under_the_spec_name() {
    let (ok, stdout, _) = nfc(&["run", "nf-specs/router.toml", "--help"]);
    assert!(ok);
    assert!(stdout.contains("Usage: nfc run nf-specs/router.toml"), "{stdout}");
    assert!(stdout.contains("Runs the network function `router` (ports lan (0), wan (1), dmz (2))"), "{stdout}");
    for backend in ["software 82599 model", "--pci ADDR per port", "--iface NAME per port", "--pcap-in PORT=FILE"] {
        assert!(stdout.contains(backend), "{backend}: {stdout}");
    }
}

#[test]
fn run_help_works_without_a_spec_and_run_without_one_is_a_usage_error() {
    let (ok, stdout, stderr) = nfc(&["run", "--help"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Usage: nfc run SPEC [OPTIONS]"), "{stdout}");
    assert!(stdout.contains("--pcap-in <PORT=FILE>"), "{stdout}");
    assert!(stdout.contains("`nfc run SPEC --help` names its ports"), "{stdout}");
    let (ok, _, stderr) = nfc(&["run"]);
    assert!(!ok);
    assert!(stderr.contains("error: nfc run needs a SPEC"), "{stderr}");
}

#[test]
fn check_and_expand_take_several_specs_and_report_each() {
    let (ok, stdout, stderr) =
        nfc(&["check", "nf-specs/nop.toml", "compiler/tests/ui/every_error_at_once.toml", "nf-specs/router.toml"]);
    assert!(!ok, "one spec is broken");
    assert!(stdout.contains("nf-specs/nop.toml: ok (1 rules, 0 tables, 3 test cases)"), "{stdout}");
    assert!(stdout.contains("nf-specs/router.toml: ok (1 rules, 1 tables, 6 test cases)"), "{stdout}");
    assert!(stderr.contains("every_error_at_once.toml: 8 error(s)"), "{stderr}");
    let (ok, stdout, _) = nfc(&["expand", "nf-specs/nop.toml", "nf-specs/router.toml"]);
    assert!(ok);
    assert!(stdout.contains("// nf-specs/nop.toml") && stdout.contains("// nf-specs/router.toml"), "{stdout}");
    assert!(stdout.contains("pub struct Nop") && stdout.contains("pub struct Router"), "{stdout}");
}

#[test]
fn check_emits_json_lines_for_editors_and_ci() {
    let (ok, stdout, stderr) = nfc(&[
        "check",
        "--message-format",
        "json",
        "compiler/tests/ui/every_error_at_once.toml",
        "nf-specs/router.toml",
    ]);
    assert!(!ok);
    assert!(stderr.is_empty(), "everything goes to stdout as JSON: {stderr}");
    let lines: Vec<serde_json::Value> =
        stdout.lines().map(|line| serde_json::from_str(line).expect("each line is one JSON object")).collect();
    assert_eq!(lines.len(), 8 + 1 + 1, "8 diagnostics and a summary per spec: {stdout}");
    assert_eq!(
        lines[2],
        serde_json::json!({
            "type": "diagnostic",
            "severity": "error",
            "file": "compiler/tests/ui/every_error_at_once.toml",
            "line": 7,
            "column": 23,
            "message": "found range `53-21`, expected low <= high",
        })
    );
    assert_eq!(
        lines[8],
        serde_json::json!({
            "type": "summary", "file": "compiler/tests/ui/every_error_at_once.toml", "ok": false, "errors": 8, "warnings": 0,
        })
    );
    assert_eq!(
        lines[9],
        serde_json::json!({
            "type": "summary", "file": "nf-specs/router.toml", "ok": true, "errors": 0, "warnings": 0,
            "rules": 1, "tables": 1, "tests": 6,
        })
    );
}

#[test]
fn run_refuses_a_broken_spec_before_touching_any_port() {
    let (ok, _, stderr) = nfc(&["run", "compiler/tests/ui/every_error_at_once.toml", "--packets", "10"]);
    assert!(!ok);
    assert!(stderr.contains("8 error(s)"), "{stderr}");
}

#[test]
fn a_failing_test_case_names_its_line_and_the_field_that_differs() {
    let dir = std::env::temp_dir().join(format!("nfc-cli-failing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let spec = dir.join("wrong.toml");
    std::fs::write(
        &spec,
        r#"name = "wrong"
ports = ["a", "b"]

[[rule]]
name = "all"
actions = [{ set = { "eth.src" = "02:00:00:00:00:09" } }]
output = "b"

[[test]]
name = "keeps its source"
packet = { "udp.dst" = 53 }
expect_output = "b"
expect = { "eth.src" = "02:00:00:00:00:01" }
"#,
    )
    .unwrap();
    let (ok, stdout, stderr) = nfc(&["test", spec.to_str().unwrap()]);
    assert!(!ok);
    assert!(
        stderr.contains(&format!(
            "FAIL {}:9: test `keeps its source`: eth.src: expected 02:00:00:00:00:01, got 02:00:00:00:00:09",
            spec.display()
        )),
        "{stderr}"
    );
    assert!(stdout.contains("0 passed, 1 failed"), "{stdout}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A fresh directory under the system's temp dir, removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(what: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("nfc-cli-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The crate is checked file by file here; `.ci/new-crate` builds such
/// crates, runs their tests and runs one on the bundled capture.
#[test]
fn new_makes_a_deployment_crate_from_a_spec_depending_on_the_checkout() {
    let tmp = TempDir::new("new-router");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").canonicalize().unwrap();
    let dir = tmp.0.join("edge-router");
    let (ok, stdout, stderr) =
        nfc(&["new", dir.to_str().unwrap(), "--spec", "nf-specs/router.toml", "--nfc-path", root.to_str().unwrap()]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("router.toml (type Router, ports lan, wan, dmz, 6 test case(s))"), "{stdout}");
    assert!(stdout.contains("cargo test"), "{stdout}");

    let manifest: toml_edit::DocumentMut = read(&dir.join("Cargo.toml")).parse().expect("Cargo.toml is TOML");
    assert_eq!(manifest["package"]["name"].as_str(), Some("edge-router"));
    assert_eq!(manifest["dependencies"]["nfc"]["path"].as_str(), Some(root.join("nfc").to_str().unwrap()));
    assert!(manifest.get("workspace").is_some(), "a workspace of its own, so it builds anywhere");
    assert_eq!(read(&dir.join("router.toml")), read(&root.join("nf-specs/router.toml")));
    assert_eq!(read(&dir.join("Cargo.lock")), read(&root.join("Cargo.lock")));
    let main = read(&dir.join("src/main.rs"));
    assert!(main.contains("nfc::spec!(\"router.toml\");"), "{main}");
    assert!(main.contains("nfc::runtime::app::main(\"router\", Router::PORTS, Router::new())"), "{main}");
    assert_eq!(main.lines().filter(|l| !l.starts_with("//") && !l.trim().is_empty()).count(), 4, "{main}");

    let (ok, _, stderr) = nfc(&["new", dir.to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains("already exists"), "{stderr}");
}

#[test]
fn new_without_a_spec_starts_from_a_commented_spec_whose_tests_pass() {
    let tmp = TempDir::new("new-starter");
    let dir = tmp.0.join("my_fw");
    let (ok, stdout, stderr) = nfc(&["new", dir.to_str().unwrap()]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("type MyFw, ports inside, outside"), "{stdout}");
    let spec = dir.join("my_fw.toml");
    assert!(read(&spec).contains("name = \"my_fw\""));
    assert!(read(&spec).lines().filter(|l| l.trim_start().starts_with('#')).count() >= 10, "a commented starter");
    let (ok, stdout, stderr) = nfc(&["test", spec.to_str().unwrap()]);
    assert!(ok, "{stdout}{stderr}");
    assert!(stdout.contains("4 passed, 0 failed"), "{stdout}");
    let (ok, _, stderr) = nfc(&["check", spec.to_str().unwrap()]);
    assert!(ok && stderr.is_empty(), "the starter raises no warning: {stderr}");
}

#[test]
fn new_refuses_a_broken_spec_or_a_bad_checkout_and_leaves_nothing() {
    let tmp = TempDir::new("new-refused");
    let dir = tmp.0.join("broken");
    let (ok, _, stderr) = nfc(&["new", dir.to_str().unwrap(), "--spec", "compiler/tests/ui/every_error_at_once.toml"]);
    assert!(!ok);
    assert!(stderr.contains("every_error_at_once.toml:7:23: error: found range `53-21`"), "{stderr}");
    assert!(stderr.contains("8 error(s); no crate created"), "{stderr}");
    assert!(!dir.exists());
    let (ok, _, stderr) = nfc(&["new", dir.to_str().unwrap(), "--nfc-path", tmp.0.to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains("is neither an nfc checkout nor its `nfc` crate directory"), "{stderr}");
    assert!(!dir.exists());
    let (ok, _, stderr) = nfc(&["new", tmp.0.join("9lives").to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains("found crate name `9lives`"), "{stderr}");
}

/// `nfc packets` writes each port's test packets; replayed on the model,
/// the interpreter sends and drops per port what the spec's cases expect,
/// each case counted as often as its capture is cycled.
#[test]
fn a_specs_test_packets_replayed_on_the_model_go_where_its_cases_expect() {
    for name in ["router", "firewall", "core_router", "vlan"] {
        let spec_path = format!("nf-specs/{name}.toml");
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let spec = nfc_compiler::compile_file(&root.join(&spec_path)).expect("shipped specs compile").spec;
        let dir = TempDir::new(&format!("packets-{name}"));
        let out = dir.0.display().to_string();
        let (ok, stdout, stderr) = nfc(&["packets", &spec_path, "--out", &out]);
        assert!(ok, "{stderr}");
        let ports = spec.ports.len();
        let cases_into = |port: usize| spec.tests.iter().filter(|c| usize::from(c.in_port) == port).count();
        // Every port's captures cycle a whole number of times.
        let cycle: usize = (0..ports).map(cases_into).filter(|&n| n > 0).product();
        let mut replay = Vec::new();
        for (port, definition) in spec.ports.iter().enumerate() {
            let path = dir.0.join(format!("{}.pcap", definition.name));
            if cases_into(port) == 0 {
                assert!(!path.exists(), "{name}: no case sends into {}", definition.name);
                continue;
            }
            let line = format!("{}: {} test packet(s) into port {}", path.display(), cases_into(port), definition.name);
            assert!(stdout.contains(&line), "{name}: {line} in {stdout}");
            replay.push(format!("--model-traffic={}={}", definition.name, path.display()));
        }
        let packets = format!("--packets={cycle}");
        let mut args = vec!["run", &spec_path, "--stats", "json", "--quiet", &packets];
        args.extend(replay.iter().map(String::as_str));
        let (ok, stdout, stderr) = nfc(&args);
        assert!(ok, "{name}: {stderr}");
        let summary: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
        let (mut tx, mut dropped) = (vec![0u64; ports], vec![0u64; ports]);
        for case in &spec.tests {
            let port = usize::from(case.in_port);
            let repeats = (cycle / cases_into(port)) as u64;
            if case.expect_outputs == 0 {
                dropped[port] += repeats;
            }
            for (out, sent) in tx.iter_mut().enumerate() {
                if case.expect_outputs & (1 << out) != 0 {
                    *sent += repeats;
                }
            }
        }
        for port in 0..ports {
            let line = &summary["ports"][port];
            assert_eq!(line["tx_packets"].as_u64(), Some(tx[port]), "{name} port {port}: {summary}");
            assert_eq!(line["nf_dropped"].as_u64(), Some(dropped[port]), "{name} port {port}: {summary}");
            let rx = if cases_into(port) > 0 { cycle as u64 } else { 0 };
            assert_eq!(line["rx_packets"].as_u64(), Some(rx), "{name} port {port}: {summary}");
        }
    }
}

#[test]
fn packets_of_a_spec_without_test_cases_is_one_clear_error() {
    let dir = TempDir::new("packets-none");
    let spec = dir.0.join("bare.toml");
    std::fs::write(&spec, "name = \"bare\"\nports = [\"a\", \"b\"]\n\n[default]\noutput = \"drop\"\n").unwrap();
    let (spec, out) = (spec.display().to_string(), dir.0.join("out").display().to_string());
    let (ok, _, stderr) = nfc(&["packets", &spec, "--out", &out]);
    assert!(!ok);
    assert_eq!(stderr.trim(), "nfc packets: bare has no [[test]] cases, so no test packets to write");
}

/// Through the capture backend, which merges inputs by timestamp and takes
/// its clock from them, every shipped spec's test packets (stateful timed
/// sequences across ports included) leave each port as exactly the bytes
/// its cases expect, in spec order.
#[test]
fn a_specs_test_packets_through_the_capture_backend_give_the_expected_packets() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut specs: Vec<_> = std::fs::read_dir(root.join("nf-specs"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    specs.sort();
    assert!(specs.len() >= 6, "{specs:?}");
    for spec_path in specs {
        let spec = nfc_compiler::compile_file(&spec_path).expect("shipped specs compile").spec;
        let name = spec.name.clone();
        let dir = TempDir::new(&format!("packets-pcap-{name}"));
        let (spec_arg, out) = (spec_path.display().to_string(), dir.0.display().to_string());
        let (ok, _, stderr) = nfc(&["packets", &spec_arg, "--out", &out]);
        assert!(ok, "{name}: {stderr}");
        let mut args = vec!["run".to_owned(), spec_arg.clone(), "--quiet".to_owned()];
        for (port, definition) in spec.ports.iter().enumerate() {
            let input = dir.0.join(format!("{}.pcap", definition.name));
            if spec.tests.iter().any(|case| usize::from(case.in_port) == port) {
                args.push(format!("--pcap-in={}={}", definition.name, input.display()));
            }
            let output = dir.0.join(format!("{}-out.pcap", definition.name));
            args.push(format!("--pcap-out={}={}", definition.name, output.display()));
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let (ok, _, stderr) = nfc(&args);
        assert!(ok, "{name}: {stderr}");
        for (port, definition) in spec.ports.iter().enumerate() {
            let expected: Vec<Vec<u8>> = spec
                .tests
                .iter()
                .filter(|case| case.expect_outputs & (1 << port) != 0)
                .map(|case| nfc_compiler::testcase::packets(case).1)
                .collect();
            let sent = frames(&dir.0.join(format!("{}-out.pcap", definition.name)));
            assert_eq!(sent, expected, "{name}: port {}", definition.name);
        }
    }
}
