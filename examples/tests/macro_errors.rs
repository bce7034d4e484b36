//! Compile errors of the macros, pinned: a wrong `#[network_function]`
//! signature points at what is wrong. (Broken specs are pinned by the
//! compiler's UI tests, `compiler/tests/ui/`, which `spec!` reports verbatim.)

#[test]
fn macro_errors_are_pinned() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
