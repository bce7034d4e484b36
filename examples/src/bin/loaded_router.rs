//! A router whose routes come from a file (examples/specs/loaded_router.toml):
//! `loaded_router --table routes=routes.csv [backend options]`; SIGHUP reads
//! the file again and swaps the new routes in.
use nfc_examples::loaded::LoadedRouter;

fn main() -> std::process::ExitCode {
    nfc::runtime::app::main("loaded_router", LoadedRouter::PORTS, LoadedRouter::new())
}
