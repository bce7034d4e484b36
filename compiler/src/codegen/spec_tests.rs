//! A spec's `[[test]]` cases as `#[test]` functions beside the generated
//! type, so `cargo test` runs them against the compiled code.
//!
//! `spec!` and the build-script API emit them after the type:
//!
//! ```text
//! #[cfg(test)]
//! mod router_spec_tests {
//!     #[test]
//!     fn lan_route() { SpecTest { file: "router.toml", line: 27, .. }.assert_passes(&mut super::Router::new()) }
//! }
//! ```
//!
//! The packets are built here, at compile time, by the same builder `nfc
//! test` uses; the runtime's `spec_test` runs the case and names the fields
//! that differ, so the test binary does not need the compiler.

use crate::codegen::type_name;
use crate::ir::Spec;
use crate::testcase;
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

/// `#[cfg(test)] mod <name>_spec_tests { .. }` with one test per case of
/// `spec`, or nothing when it has none. `file` is the spec's path as
/// failures should show it.
pub fn generate(spec: &Spec, file: &str) -> TokenStream {
    if spec.tests.is_empty() {
        return TokenStream::new();
    }
    let ty = Ident::new(&type_name(&spec.name), Span::call_site());
    let module = Ident::new(&format!("{}_spec_tests", snake_case(&spec.name)), Span::call_site());
    let case = |case: &crate::ir::TestCase| {
        let (packet, expect_packet) = testcase::packets(case);
        let (packet, expect_packet) = (Literal::byte_string(&packet), Literal::byte_string(&expect_packet));
        let (name, line, in_port, expect_outputs) = (&case.name, case.line, case.in_port, case.expect_outputs);
        let time_ns = case.time_ns;
        quote! {
            ::nfc::runtime::spec_test::SpecTest {
                file: #file,
                line: #line,
                name: #name,
                ports: super::#ty::PORTS,
                in_port: #in_port,
                packet: #packet,
                expect_outputs: #expect_outputs,
                expect_packet: #expect_packet,
                time_ns: #time_ns,
            }
        }
    };
    let tests: Vec<TokenStream> = if spec.uses_time() {
        // State carries from case to case: one test runs them in order on
        // one instance, with the seed that makes runs repeat.
        let cases = spec.tests.iter().map(case);
        let doc = format!("`{file}`: every case, in order, on one `{ty}` (its state carries over)");
        vec![quote! {
            #[doc = #doc]
            #[test]
            fn cases_in_order() {
                let mut nf = super::#ty::with_seed(0);
                #(#cases.assert_passes(&mut nf);)*
            }
        }]
    } else {
        let mut names: Vec<String> = Vec::new();
        spec.tests
            .iter()
            .map(|test| {
                let function = Ident::new(&unique(&mut names, &test.name), Span::call_site());
                let doc = format!("`{file}` line {}: {}", test.line, test.name);
                let case = case(test);
                quote! {
                    #[doc = #doc]
                    #[test]
                    fn #function() {
                        #case.assert_passes(&mut super::#ty::new());
                    }
                }
            })
            .collect()
    };
    let doc = format!("The `[[test]]` cases of `{file}`, run against `{ty}` by `cargo test`.");
    quote! {
        #[doc = #doc]
        #[cfg(test)]
        mod #module {
            #(#tests)*
        }
    }
}

/// `lan route` → `lan_route`: lower case, words joined by `_`.
fn snake_case(text: &str) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_ascii_lowercase)
        .collect();
    let mut name = words.join("_");
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "case_");
    }
    name
}

/// A function name for a case, distinct from those already taken and never
/// a keyword (`match` → `match_`).
fn unique(taken: &mut Vec<String>, case_name: &str) -> String {
    let mut base = snake_case(case_name);
    if syn::parse_str::<Ident>(&base).is_err() {
        base.push('_');
    }
    let mut name = base.clone();
    let mut n = 2;
    while taken.contains(&name) {
        name = format!("{base}_{n}");
        n += 1;
    }
    taken.push(name.clone());
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_names_become_distinct_identifiers() {
        let mut taken = Vec::new();
        let names: Vec<String> = ["lan route", "lan route", "IPv6 is dropped", "match", "10.0.0.0/8 hits", "!!"]
            .iter()
            .map(|n| unique(&mut taken, n))
            .collect();
        assert_eq!(names, ["lan_route", "lan_route_2", "ipv6_is_dropped", "match_", "case_10_0_0_0_8_hits", "case_"]);
    }

    #[test]
    fn every_case_becomes_a_test_of_the_generated_type_with_its_line() {
        let source = "name = \"edge-fw\"\nports = [\"a\", \"b\"]\n\n[[test]]\nname = \"to b\"\nin_port = \"a\"\npacket_hex = \"0102\"\nexpect_output = \"b\"\n";
        let spec = crate::frontend::toml::parse("edge.toml", source).unwrap().spec;
        let code = generate(&spec, "specs/edge.toml");
        let file: syn::File = syn::parse2(code.clone()).expect("valid Rust");
        assert_eq!(file.items.len(), 1);
        let text = code.to_string();
        assert!(text.contains("mod edge_fw_spec_tests"), "{text}");
        assert!(text.contains("fn to_b ()"), "{text}");
        assert!(text.contains("line : 4usize"), "{text}");
        assert!(text.contains("file : \"specs/edge.toml\""), "{text}");
        assert!(text.contains("packet : b\"\\x01\\x02\""), "{text}");
        assert!(text.contains("super :: EdgeFw :: new ()"), "{text}");
        assert!(!text.contains("unsafe"));
    }

    #[test]
    fn a_spec_without_cases_adds_nothing() {
        let spec = crate::frontend::toml::parse("n.toml", "name = \"n\"\nports = [\"a\"]\n").unwrap().spec;
        assert!(generate(&spec, "n.toml").is_empty());
    }
}
