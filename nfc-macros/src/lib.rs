//! Procedural macros of nfc: thin wrappers over `nfc-compiler`.
//!
//! Each macro lowers its input to the checked IR through the compiler's
//! frontends and expands it with the one code generator; no macro validates
//! anything itself.
#![forbid(unsafe_code)]

mod attribute;

use proc_macro::TokenStream;
use quote::quote;
use std::path::PathBuf;

/// Compile a TOML spec file into a network function type.
///
/// The path is relative to the crate's `Cargo.toml` directory. Every error in
/// the spec fails the build at once, each with the spec's file, line and
/// column; cargo rebuilds when the spec file changes.
///
/// The spec's `[[test]]` cases come with it as `#[cfg(test)] mod
/// <name>_spec_tests`, one `#[test]` per case, so `cargo test` runs them
/// against the compiled type; a failure names the case's line in the spec
/// and the fields that differ.
#[proc_macro]
pub fn spec(input: TokenStream) -> TokenStream {
    let literal = syn::parse_macro_input!(input as syn::LitStr);
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_default();
    let path = manifest_dir.join(literal.value());
    let checked = match nfc_compiler::compile_file(&path) {
        Ok(checked) => checked,
        Err(errors) => {
            let messages = errors.iter().map(|error| {
                let message = error.to_string();
                quote::quote_spanned! { literal.span() => ::core::compile_error!(#message); }
            });
            return quote! { #(#messages)* }.into();
        }
    };
    let generated = nfc_compiler::codegen::generate(&checked.spec);
    let tests = nfc_compiler::codegen::spec_tests::generate(&checked.spec, &literal.value());
    let warnings = checked.warnings.iter().enumerate().map(|(index, warning)| {
        // Stable Rust has no way for a proc macro to emit a warning; using a
        // deprecated item is the established workaround and shows the text.
        let note = warning.to_string();
        let name = quote::format_ident!("__nfc_spec_warning_{}", index);
        quote::quote_spanned! { literal.span() =>
            const _: () = {
                #[deprecated(note = #note)]
                #[allow(non_camel_case_types)]
                struct #name;
                let _ = #name;
            };
        }
    });
    let path_text = path.to_string_lossy().into_owned();
    let inputs = checked.inputs.iter().map(|input| input.to_string_lossy().into_owned());
    quote! {
        // Makes cargo rebuild this crate when the spec or an entries file changes.
        const _: &[u8] = ::core::include_bytes!(#path_text);
        #(const _: &[u8] = ::core::include_bytes!(#inputs);)*
        #(#warnings)*
        #generated
        #tests
    }
    .into()
}

/// A network function written in the spec language as Rust tokens (see
/// `nfc_compiler::frontend::dsl`). Named `nf!` because the macro namespace
/// already holds the `#[network_function]` attribute.
///
/// ```ignore
/// nfc::nf! {
///     name: edge;
///     ports: [inside, outside];
///     rule no_telnet { tcp.dst == 23 } => drop;
///     rule out { in_port == inside } => [dec_ttl] outside;
///     default => inside;
/// }
/// ```
#[proc_macro]
pub fn nf(input: TokenStream) -> TokenStream {
    // Entries files (`from "routes.csv"`) are relative to the crate, as `spec!` paths are.
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from).unwrap_or_default();
    let checked = match nfc_compiler::frontend::dsl::parse_in(input.into(), &manifest_dir) {
        Ok(checked) => checked,
        Err(error) => return error.into_compile_error().into(),
    };
    let warnings = checked.warnings.iter().enumerate().map(|(index, (span, message))| {
        let name = quote::format_ident!("__nfc_warning_{}", index, span = *span);
        quote::quote_spanned! { *span =>
            const _: () = {
                #[deprecated(note = #message)]
                #[allow(non_camel_case_types)]
                struct #name;
                let _ = #name;
            };
        }
    });
    let generated = nfc_compiler::codegen::generate(&checked.spec);
    // Test cases come along as with `spec!`; failures name the line in the
    // source file where the `test` is written.
    let tests = nfc_compiler::codegen::spec_tests::generate(&checked.spec, "nf!");
    let inputs = checked.inputs.iter().map(|input| input.to_string_lossy().into_owned());
    quote! {
        #(const _: &[u8] = ::core::include_bytes!(#inputs);)*
        #(#warnings)*
        #generated
        #tests
    }
    .into()
}

/// Turn a per-packet fn into a network function type named after it in
/// CamelCase, with `PORTS`, `COUNTER_NAMES`, `new()` and `Default`, like a
/// compiled spec:
///
/// ```ignore
/// #[nfc::network_function(ports = [left, right])]
/// fn cross(input: PortId, frame: &mut Frame<'_>) -> Outputs { Outputs::port(input ^ 1) }
///
/// #[nfc::network_function(ports = [clients, a, b], counters = [to_a, to_b, replies])]
/// fn round_robin(turn: &mut Turn, counters: &mut RoundRobinCounters, input: PortId, frame: &mut Frame<'_>) -> Outputs {
///     counters.replies().record(frame.len());
///     ...
/// }
/// ```
///
/// Parameters: `[state: &mut State,] [counters: &mut <Type>Counters,] input,
/// frame`. `ports` is required; `counters = [..]` generates `<Type>Counters`
/// with one `RuleCounter` accessor per name; a state parameter makes the
/// type keep a `State` between packets (`new()` uses its `Default`,
/// `with_state` takes one; `state()`, `state_mut()`). The `nfc` crate's
/// documentation has the three forms as tested examples.
#[proc_macro_attribute]
pub fn network_function(attr: TokenStream, item: TokenStream) -> TokenStream {
    attribute::expand(attr.into(), item.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}
