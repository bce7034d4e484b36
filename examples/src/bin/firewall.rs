//! The stateless firewall spec (nf-specs/firewall.toml): by default on the
//! software 82599 model; `--help` lists the other backends.
use nfc_examples::specs::firewall::Firewall;

fn main() -> std::process::ExitCode {
    nfc::runtime::app::main("firewall", Firewall::PORTS, Firewall::new())
}
