//! The stateful firewall (examples/src/stateful/firewall.rs), ports inside
//! and outside, 65,536 flows: by default on the software 82599 model;
//! `--help` lists the other backends.
use nfc_examples::stateful::firewall::{FirewallConfig, StatefulFirewall};
use std::process::ExitCode;

fn main() -> ExitCode {
    match StatefulFirewall::new(FirewallConfig::default()) {
        Ok(firewall) => nfc::runtime::app::main("stateful_firewall", StatefulFirewall::PORTS, firewall),
        Err(error) => {
            eprintln!("stateful_firewall: {error}");
            ExitCode::FAILURE
        }
    }
}
