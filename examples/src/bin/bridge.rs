//! The MAC-learning bridge (examples/src/stateful/bridge.rs) on three ports,
//! 65,536 addresses, 300 s ageing: by default on the software 82599 model;
//! `--help` lists the other backends.
use nfc_examples::stateful::bridge::{Bridge, BridgeConfig};
use std::process::ExitCode;

fn main() -> ExitCode {
    match Bridge::new(BridgeConfig::default()) {
        Ok(bridge) => nfc::runtime::app::main("bridge", Bridge::PORTS, bridge),
        Err(error) => {
            eprintln!("bridge: {error}");
            ExitCode::FAILURE
        }
    }
}
