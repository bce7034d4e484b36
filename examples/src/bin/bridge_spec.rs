//! The MAC-learning bridge of `nf-specs/bridge.toml`, compiled: three
//! ports, 65,536 stations aged after 300 s. By default on the software 82599
//! model; `--help` lists the other backends.
use nfc_examples::specs::bridge::Bridge;
use std::process::ExitCode;

fn main() -> ExitCode {
    nfc::runtime::app::main("bridge_spec", Bridge::PORTS, Bridge::new())
}
