//! The four-stage router (nf-specs/core_router.toml: ingress ACL, routes,
//! next hops, egress ACL): by default on the software 82599 model; `--help`
//! lists the 82599, Linux-interface and capture backends.
use nfc_examples::specs::core_router::CoreRouter;

fn main() -> std::process::ExitCode {
    nfc::runtime::app::main("core_router", CoreRouter::PORTS, CoreRouter::new())
}
