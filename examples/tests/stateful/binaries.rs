//! Every stateful example binary runs on the default backend (the software
//! 82599 model) and ends with its summary, counters included.

use std::process::Command;

/// Runs `binary` on the model with `packets` frames per port; its stdout.
fn run_on_the_model(binary: &str, packets: u32) -> String {
    let output =
        Command::new(binary).args(["--packets", &packets.to_string(), "--quiet"]).output().expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.success(), "{binary} failed: {stdout}{}", String::from_utf8_lossy(&output.stderr));
    stdout
}

#[test]
fn bridge_runs_on_the_model() {
    let out = run_on_the_model(env!("CARGO_BIN_EXE_bridge"), 3000);
    for port in ["p0", "p1", "p2"] {
        assert!(out.contains(&format!("port {port}: rx 3000 packets")), "{out}");
    }
    // The model sends one source address on every port: learned once, then moving.
    assert!(out.contains("rule learn/new: 1 packets"), "{out}");
}

#[test]
fn stateful_firewall_runs_on_the_model() {
    // The model's frames all go 10.0.0.1:1024 -> 10.0.0.2:80 on every port:
    // one flow, opened from inside, whose "replies" from outside are spoofs.
    let out = run_on_the_model(env!("CARGO_BIN_EXE_stateful_firewall"), 3000);
    assert!(out.contains("port inside: rx 3000 packets"), "{out}");
    assert!(out.contains("rule drop/unsolicited: "), "{out}");
}

#[test]
fn nat_runs_on_the_model() {
    // The model's frames are not addressed to the router's MACs.
    let out = run_on_the_model(env!("CARGO_BIN_EXE_nat"), 3000);
    assert!(out.contains("port outside: rx 3000 packets"), "{out}");
    assert!(out.contains("rule drop/not_for_us: 6000 packets"), "{out}");
}

#[test]
fn policer_runs_on_the_model() {
    let out = run_on_the_model(env!("CARGO_BIN_EXE_policer"), 3000);
    assert!(out.contains("rule lan_to_wan: 3000 packets"), "{out}");
    assert!(out.contains("rule pass/new: 1 packets"), "{out}");
}

#[test]
fn lb_runs_on_the_model() {
    // One flow from the model's traffic to the default VIP: new once, then affinity.
    let out = run_on_the_model(env!("CARGO_BIN_EXE_lb"), 3000);
    assert!(out.contains("rule affinity/new: 1 packets"), "{out}");
    assert!(out.contains("rule affinity/hit: 2999 packets"), "{out}");
    assert!(out.contains("rule backend_to_client: 3000 packets"), "{out}");
}

// The compiled stateful specs: their binaries are the ones `.ci/loop-shape`
// checks for a per-packet loop that cannot panic.

#[test]
fn bridge_spec_runs_on_the_model() {
    let out = run_on_the_model(env!("CARGO_BIN_EXE_bridge_spec"), 3000);
    for port in ["p0", "p1", "p2"] {
        assert!(out.contains(&format!("port {port}: rx 3000 packets")), "{out}");
    }
    assert!(out.contains("rule stations/learn/new: 1 packets"), "{out}");
}

#[test]
fn stateful_firewall_spec_runs_on_the_model() {
    // One flow, opened from inside; the same frames from outside are spoofs.
    let out = run_on_the_model(env!("CARGO_BIN_EXE_stateful_firewall_spec"), 3000);
    assert!(out.contains("rule flows/opened: 1 packets"), "{out}");
    assert!(out.contains("rule flows/tracked: 2999 packets"), "{out}");
    assert!(out.contains("rule flows/unsolicited: 3000 packets"), "{out}");
}

#[test]
fn policer_spec_runs_on_the_model() {
    // One LAN host: a full bucket, and the model's rate conforms.
    let out = run_on_the_model(env!("CARGO_BIN_EXE_policer_spec"), 3000);
    assert!(out.contains("rule lan_to_wan: 3000 packets"), "{out}");
    assert!(out.contains("rule per_host/new: 1 packets"), "{out}");
    assert!(out.contains("rule per_host/conform: 2999 packets"), "{out}");
}

#[test]
fn lb_spec_runs_on_the_model() {
    // The model's frames are not to the virtual IP: only the backends' pass.
    let out = run_on_the_model(env!("CARGO_BIN_EXE_lb_spec"), 3000);
    assert!(out.contains("rule from_backends: 3000 packets"), "{out}");
    assert!(out.contains("rule default: 3000 packets"), "{out}");
    assert!(out.contains("port clients: rx 3000 packets"), "{out}");
}

#[test]
fn nat_spec_runs_on_the_model() {
    let out = run_on_the_model(env!("CARGO_BIN_EXE_nat_spec"), 3000);
    assert!(out.contains("port outside: rx 3000 packets"), "{out}");
}
