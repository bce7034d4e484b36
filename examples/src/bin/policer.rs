//! The policer (examples/src/stateful/policer.rs), ports lan and wan:
//! 100 Mbit/s with a 1 MB burst per LAN host for WAN-to-LAN traffic. By
//! default on the software 82599 model; `--help` lists the other backends.
use nfc_examples::stateful::policer::{PolicerConfig, RatePolicer};
use std::process::ExitCode;

fn main() -> ExitCode {
    match RatePolicer::new(PolicerConfig::default()) {
        Ok(policer) => nfc::runtime::app::main("policer", RatePolicer::PORTS, policer),
        Err(error) => {
            eprintln!("policer: {error}");
            ExitCode::FAILURE
        }
    }
}
