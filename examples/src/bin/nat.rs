//! The NAT router (examples/src/stateful/nat.rs): inside 10.0.0.1 at
//! 02:00:00:00:00:01, external address 203.0.113.1 at 02:00:00:00:00:02,
//! next hop 02:00:00:00:00:12, ports 1024-65535. By default on the software
//! 82599 model; `--help` lists the other backends.
use nfc_examples::stateful::nat::{NatRouter, NatRouterConfig};
use std::process::ExitCode;

fn main() -> ExitCode {
    match NatRouter::new(NatRouterConfig::default()) {
        Ok(nat) => nfc::runtime::app::main("nat", NatRouter::PORTS, nat),
        Err(error) => {
            eprintln!("nat: {error}");
            ExitCode::FAILURE
        }
    }
}
