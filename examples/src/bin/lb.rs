//! The Maglev load balancer (examples/src/stateful/lb.rs), ports clients and
//! backends: VIP 10.0.0.2, four backends 02:00:00:00:01:01-04, 65,536
//! flows. By default on the software 82599 model; `--help` lists the other
//! backends.
use nfc_examples::stateful::lb::{LbConfig, LoadBalancer};
use std::process::ExitCode;

fn main() -> ExitCode {
    match LoadBalancer::new(LbConfig::default()) {
        Ok(lb) => nfc::runtime::app::main("lb", LoadBalancer::PORTS, lb),
        Err(error) => {
            eprintln!("lb: {error}");
            ExitCode::FAILURE
        }
    }
}
