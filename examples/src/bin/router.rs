//! The IPv4 router spec (nf-specs/router.toml): by default on the software
//! 82599 model; `--help` lists the 82599, Linux-interface and capture backends.
use nfc_examples::specs::router::Router;

fn main() -> std::process::ExitCode {
    nfc::runtime::app::main("router", Router::PORTS, Router::new())
}
