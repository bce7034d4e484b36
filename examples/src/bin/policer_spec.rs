//! The policer of `nf-specs/policer.toml`, compiled: WAN-to-LAN traffic
//! held to a token bucket per LAN host, 65,536 hosts. By default on the
//! software 82599 model; `--help` lists the other backends.
use nfc_examples::specs::policer::Policer;
use std::process::ExitCode;

fn main() -> ExitCode {
    nfc::runtime::app::main("policer_spec", Policer::PORTS, Policer::new())
}
