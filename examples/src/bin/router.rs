//! The IPv4 router spec on the software 82599 model.
fn main() -> std::process::ExitCode {
    nfc_examples::run_on_model("router", nfc_examples::specs::router::Router::new())
}
