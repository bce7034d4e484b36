//! The NAT of `nf-specs/nat.toml`, compiled: inside 10.0.0.1 at
//! 02:00:00:00:00:01 (hosts 10.0.0.2 at 02:00:00:00:00:10 and 10.0.0.3 at
//! 02:00:00:00:00:11), external address 203.0.113.1 at 02:00:00:00:00:02,
//! next hop 02:00:00:00:00:12, ports 1024-65535. By default on the software
//! 82599 model; `--help` lists the other backends.
use nfc_examples::specs::nat::Nat;
use std::process::ExitCode;

fn main() -> ExitCode {
    nfc::runtime::app::main("nat_spec", Nat::PORTS, Nat::new())
}
