//! The IPv4 router spec on the software 82599 model, or on
//! 82599s with `--pci ADDR` per port (root and hugepages needed).
use nfc_examples::specs::router::Router;

fn main() -> std::process::ExitCode {
    nfc_examples::run("router", Router::PORTS.len(), Router::new())
}
