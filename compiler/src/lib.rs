//! The nfc compiler: specs (TOML, DSL, annotated fns) → checked IR → Rust.
//!
//! Frontends lower syntax to `ir::Spec` and collect every error with its
//! position; `check` adds the semantic checks; only a spec that passed them
//! reaches `codegen` or `interp`, which never re-validate.
#![forbid(unsafe_code)]

pub mod build;
pub mod check;
pub mod codegen;
pub mod diag;
pub mod frontend;
pub mod interp;
pub mod ir;
pub mod schema;
pub mod synth;
pub mod testcase;
pub mod testpkt;

use diag::{Diagnostic, Severity};
use std::path::Path;

/// A spec that passed every check, with the warnings it raised.
#[derive(Clone, Debug)]
pub struct Checked {
    pub spec: ir::Spec,
    pub warnings: Vec<Diagnostic>,
    /// The entries files the spec read: a build depends on them as on the spec.
    pub inputs: Vec<std::path::PathBuf>,
}

/// Read and compile a TOML spec file.
pub fn compile_file(path: &Path) -> Result<Checked, Vec<Diagnostic>> {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Ok(source) => frontend::toml::parse(&file, &source),
        Err(error) => Err(vec![Diagnostic {
            severity: Severity::Error,
            file,
            line: 1,
            column: 1,
            message: format!("cannot read the spec: {error}"),
        }]),
    }
}
