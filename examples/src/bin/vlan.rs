//! The VLAN tagger spec (nf-specs/vlan.toml): by default on the software
//! 82599 model; `--help` lists the other backends.
use nfc_examples::specs::vlan::Vlan;

fn main() -> std::process::ExitCode {
    nfc::runtime::app::main("vlan", Vlan::PORTS, Vlan::new())
}
