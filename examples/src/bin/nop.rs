//! NOP forwarder (port 0 <-> port 1) on the software 82599 model.
use nfc_examples::specs::nop::Nop;

fn main() -> std::process::ExitCode {
    nfc_examples::run_on_model("nop", Nop::PORTS.len(), Nop::new())
}
