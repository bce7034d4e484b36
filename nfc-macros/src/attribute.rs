//! `#[network_function]`: a Rust fn becomes a `NetworkFunction` type.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, ReturnType};

const EXPECTED: &str = "expected `fn name(input: PortId, frame: &mut Frame<'_>) -> Outputs`";

pub fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    if !attr.is_empty() {
        return Err(syn::Error::new(attr.span(), "#[network_function] takes no arguments"));
    }
    let function: ItemFn = syn::parse2(item)?;
    check_signature(&function)?;
    let name = &function.sig.ident;
    let ty = format_ident!("{}", nfc_compiler::codegen::type_name(&name.to_string()), span = name.span());
    let vis = &function.vis;
    let doc = format!("Network function calling `{name}` for every packet.");
    Ok(quote! {
        #function

        #[doc = #doc]
        #[derive(Clone, Copy, Debug, Default)]
        #vis struct #ty;

        impl ::nfc::runtime::NetworkFunction for #ty {
            #[inline]
            fn process(
                &mut self,
                input: ::nfc::runtime::PortId,
                frame: &mut ::nfc::runtime::Frame<'_>,
            ) -> ::nfc::runtime::Outputs {
                #name(input, frame)
            }
        }
    })
}

/// Two plain arguments and a return value; the types themselves are checked
/// by rustc at the call in the generated impl, pointing at the mismatch.
fn check_signature(function: &ItemFn) -> syn::Result<()> {
    let sig = &function.sig;
    if let Some(asyncness) = sig.asyncness {
        return Err(syn::Error::new(asyncness.span(), format!("a network function cannot be async; {EXPECTED}")));
    }
    if !sig.generics.params.is_empty() {
        return Err(syn::Error::new(sig.generics.span(), format!("a network function cannot be generic; {EXPECTED}")));
    }
    if sig.inputs.len() != 2 || sig.inputs.iter().any(|arg| matches!(arg, FnArg::Receiver(_))) {
        return Err(syn::Error::new(sig.inputs.span(), format!("found {} parameter(s); {EXPECTED}", sig.inputs.len())));
    }
    if let ReturnType::Default = sig.output {
        return Err(syn::Error::new(sig.ident.span(), format!("missing return type; {EXPECTED}")));
    }
    Ok(())
}
