//! Generates the scale specs (a 1,000-prefix router and a 1,000-rule ACL,
//! large enough to go through the static-data engines) and compiles them
//! with the build-script API, the way a user with generated specs would.

use std::path::Path;

fn main() {
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let out_dir = Path::new(&out_dir);
    for (name, source) in [
        ("router_scale", nfc_compiler::synth::router(1000, 1)),
        ("acl_scale", nfc_compiler::synth::acl(1000, 2)),
        ("pipeline_scale", nfc_compiler::synth::pipeline(1000, 3)),
    ] {
        let spec_path = out_dir.join(format!("{name}.toml"));
        std::fs::write(&spec_path, &source).expect("OUT_DIR is writable");
        nfc_compiler::build::compile_source(&spec_path.display().to_string(), &source, out_dir)
            .unwrap_or_else(|e| e.exit());
    }
    println!("cargo:rerun-if-changed=build.rs");
}
