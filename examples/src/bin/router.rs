//! The IPv4 router spec on the software 82599 model.
use nfc_examples::specs::router::Router;

fn main() -> std::process::ExitCode {
    nfc_examples::run_on_model("router", Router::PORTS.len(), Router::new())
}
