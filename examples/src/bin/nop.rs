//! NOP forwarder (port 0 <-> port 1): by default on the software 82599
//! model; `--help` lists the 82599, Linux-interface and capture backends.
use nfc_examples::specs::nop::Nop;

fn main() -> std::process::ExitCode {
    nfc::runtime::app::main("nop", Nop::PORTS, Nop::new())
}
