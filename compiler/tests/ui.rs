//! Pinned diagnostics: every broken spec in tests/ui/ must fail with exactly
//! the messages in its `.stderr` file (file:line:column, found, expected).
//! `NFC_BLESS=1 cargo test --test ui` rewrites the expectations.

use std::fs;
use std::path::Path;

#[test]
fn broken_specs_fail_with_pinned_diagnostics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui");
    let bless = std::env::var_os("NFC_BLESS").is_some();
    let mut specs: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    specs.sort();
    assert!(specs.len() >= 40, "the UI corpus went missing");
    let mut mismatches = Vec::new();
    for spec in specs {
        let name = format!("tests/ui/{}", spec.file_name().unwrap().to_string_lossy());
        let source = fs::read_to_string(&spec).unwrap();
        // The compiler must not panic on any of them: a panic fails here.
        // Specs that only warn compile; their warnings are pinned the same way.
        let diagnostics = match nfc_compiler::frontend::toml::parse(&name, &source) {
            Ok(checked) if name.contains("warning") => checked.warnings,
            Ok(_) => {
                mismatches.push(format!("{name} compiled, but every UI spec is broken on purpose"));
                continue;
            }
            Err(diagnostics) => diagnostics,
        };
        let got: String = diagnostics.iter().map(|d| format!("{d}\n")).collect();
        let expected_path = spec.with_extension("stderr");
        if bless {
            fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let expected = fs::read_to_string(&expected_path).unwrap_or_default();
        if got != expected {
            mismatches.push(format!("{name}\n--- expected\n{expected}--- got\n{got}"));
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}
