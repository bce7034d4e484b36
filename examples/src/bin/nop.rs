//! NOP forwarder (port 0 <-> port 1) on the software 82599 model.
fn main() -> std::process::ExitCode {
    nfc_examples::run_on_model("nop", nfc_examples::specs::nop::Nop::new())
}
