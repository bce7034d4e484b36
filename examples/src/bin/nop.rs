//! NOP forwarder (port 0 <-> port 1) on the software 82599 model, or on
//! 82599s with `--pci ADDR` per port (root and hugepages needed).
use nfc_examples::specs::nop::Nop;

fn main() -> std::process::ExitCode {
    nfc_examples::run("nop", Nop::PORTS.len(), Nop::new())
}
