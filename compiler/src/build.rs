//! The build-script entry point, for users who prefer `build.rs` to the
//! `spec!` macro: compile a spec into `$OUT_DIR` and `include!` it.
//!
//! ```ignore
//! // build.rs
//! fn main() {
//!     nfc_compiler::build::compile_spec("nf-specs/router.toml").unwrap_or_else(|e| e.exit());
//! }
//! // src/main.rs
//! include!(concat!(env!("OUT_DIR"), "/router.rs"));
//! ```
//!
//! The generated file holds the same code the macro expands to, the spec's
//! `[[test]]` cases as `#[cfg(test)]` tests included; cargo reruns the
//! script when the spec changes, diagnostics go to the build output with
//! file, line and column, warnings as `cargo:warning`.

use crate::diag::Diagnostic;
use crate::{codegen, frontend, Checked};
use std::fmt;
use std::path::{Path, PathBuf};

/// A spec that did not compile: every diagnostic, or why its output could
/// not be written.
#[derive(Debug)]
pub enum BuildError {
    Spec(Vec<Diagnostic>),
    Io { path: PathBuf, error: std::io::Error },
    NoOutDir,
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Spec(diagnostics) => {
                for diagnostic in diagnostics {
                    writeln!(f, "{diagnostic}")?;
                }
                Ok(())
            }
            BuildError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            BuildError::NoOutDir => f.write_str("OUT_DIR is not set: compile_spec runs from a cargo build script"),
        }
    }
}

impl std::error::Error for BuildError {}

impl BuildError {
    /// Print every diagnostic and end the build script with failure.
    pub fn exit(self) -> ! {
        eprint!("{self}");
        std::process::exit(1)
    }
}

/// Compile the spec at `path` (relative to the package, as cargo runs build
/// scripts there) into `$OUT_DIR/<spec name>.rs`; returns that path.
pub fn compile_spec(path: impl AsRef<Path>) -> Result<PathBuf, BuildError> {
    let path = path.as_ref();
    println!("cargo:rerun-if-changed={}", path.display());
    let source = std::fs::read_to_string(path).map_err(|error| BuildError::Io { path: path.to_owned(), error })?;
    let out_dir = std::env::var_os("OUT_DIR").ok_or(BuildError::NoOutDir)?;
    compile_source(&path.display().to_string(), &source, Path::new(&out_dir))
}

/// Compile spec text (named `file` in diagnostics) into `out_dir`; for
/// build scripts that generate their specs.
pub fn compile_source(file: &str, source: &str, out_dir: &Path) -> Result<PathBuf, BuildError> {
    let Checked { spec, warnings, inputs } = frontend::toml::parse(file, source).map_err(BuildError::Spec)?;
    for warning in warnings {
        println!("cargo:warning={warning}");
    }
    for input in inputs {
        println!("cargo:rerun-if-changed={}", input.display());
    }
    let mut code = codegen::generate(&spec);
    code.extend(codegen::spec_tests::generate(&spec, file));
    let code = code.to_string();
    let out = out_dir.join(format!("{}.rs", spec.name));
    std::fs::write(&out, code).map_err(|error| BuildError::Io { path: out.clone(), error })?;
    Ok(out)
}
