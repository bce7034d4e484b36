//! The stateful firewall of `nf-specs/stateful_firewall.toml`, compiled:
//! connections opened from `inside` only, their replies (and ICMP errors
//! about them) back in, ARP and neighbour discovery both ways. By default on
//! the software 82599 model; `--help` lists the other backends.
use nfc_examples::specs::stateful_firewall::StatefulFirewall;
use std::process::ExitCode;

fn main() -> ExitCode {
    nfc::runtime::app::main("stateful_firewall_spec", StatefulFirewall::PORTS, StatefulFirewall::new())
}
