//! The Maglev load balancer of `nf-specs/lb.toml`, compiled: clients to the
//! virtual IP 192.0.2.10 spread over three backends, 65,536 flows with
//! affinity. By default on the software 82599 model; `--help` lists the
//! other backends.
use nfc_examples::specs::lb::Lb;
use std::process::ExitCode;

fn main() -> ExitCode {
    nfc::runtime::app::main("lb_spec", Lb::PORTS, Lb::new())
}
