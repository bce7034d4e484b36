//! The L2 forwarder spec (nf-specs/l2fwd.toml): by default on the software
//! 82599 model; `--help` lists the other backends.
use nfc_examples::specs::l2fwd::L2fwd;

fn main() -> std::process::ExitCode {
    nfc::runtime::app::main("l2fwd", L2fwd::PORTS, L2fwd::new())
}
