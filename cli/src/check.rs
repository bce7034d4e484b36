//! `nfc check`: every diagnostic of every spec, for people (`file:line:col:
//! error: ...` on stderr) or, with `--message-format json`, for editors and
//! CI: one JSON object per line on stdout.
//!
//! ```text
//! {"type":"diagnostic","severity":"error","file":"r.toml","line":7,"column":23,"message":"found range `53-21`, expected low <= high"}
//! {"type":"summary","file":"r.toml","ok":false,"errors":8,"warnings":0}
//! ```
//!
//! A spec that compiles gets a summary with its rule, table and test-case
//! counts; one that does not, the number of errors.

use nfc_compiler::diag::{Diagnostic, Severity};
use serde::Serialize;
use std::path::Path;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum MessageFormat {
    /// `file:line:column: error: message` on stderr, `file: ok (...)` on stdout.
    Human,
    /// One JSON object per line on stdout: `"type": "diagnostic"` or `"summary"`.
    Json,
}

#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Message<'a> {
    Diagnostic {
        severity: &'static str,
        file: &'a str,
        line: usize,
        column: usize,
        message: &'a str,
    },
    Summary {
        file: String,
        ok: bool,
        errors: usize,
        warnings: usize,
        #[serde(skip_serializing_if = "Option::is_none")]
        rules: Option<usize>,
        #[serde(skip_serializing_if = "Option::is_none")]
        tables: Option<usize>,
        #[serde(skip_serializing_if = "Option::is_none")]
        tests: Option<usize>,
    },
}

fn print(message: &Message<'_>) {
    println!("{}", serde_json::to_string(message).expect("diagnostics serialise"));
}

fn diagnostic(d: &Diagnostic) -> Message<'_> {
    Message::Diagnostic {
        severity: match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        },
        file: &d.file,
        line: d.line,
        column: d.column,
        message: &d.message,
    }
}

/// Checks one spec; true when it compiles.
pub fn check(path: &Path, format: MessageFormat) -> bool {
    let file = path.display().to_string();
    match (nfc_compiler::compile_file(path), format) {
        (Ok(checked), MessageFormat::Human) => {
            checked.warnings.iter().for_each(|w| eprintln!("{w}"));
            let spec = &checked.spec;
            println!(
                "{file}: ok ({} rules, {} tables, {} test cases)",
                spec.rules().entries.len(),
                (spec.stages.len() - 1),
                spec.tests.len()
            );
            true
        }
        (Ok(checked), MessageFormat::Json) => {
            checked.warnings.iter().for_each(|w| print(&diagnostic(w)));
            let spec = &checked.spec;
            print(&Message::Summary {
                file,
                ok: true,
                errors: 0,
                warnings: checked.warnings.len(),
                rules: Some(spec.rules().entries.len()),
                tables: Some(spec.stages.len() - 1),
                tests: Some(spec.tests.len()),
            });
            true
        }
        (Err(errors), MessageFormat::Human) => {
            errors.iter().for_each(|e| eprintln!("{e}"));
            eprintln!("{file}: {} error(s)", errors.len());
            false
        }
        (Err(diagnostics), MessageFormat::Json) => {
            diagnostics.iter().for_each(|d| print(&diagnostic(d)));
            let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
            print(&Message::Summary {
                file,
                ok: false,
                errors,
                warnings: diagnostics.len() - errors,
                rules: None,
                tables: None,
                tests: None,
            });
            false
        }
    }
}
