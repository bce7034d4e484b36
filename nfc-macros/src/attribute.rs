//! `#[network_function(ports = [..], counters = [..])]`: a Rust fn becomes a
//! `NetworkFunction` type with what a compiled spec has: `PORTS`, `new()`,
//! named counters, and (when the fn takes one) state kept between packets.
//!
//! The fn's parameters say which form it is:
//!
//! ```text
//! fn name([state: &mut State,] [counters: &mut NameCounters,] input: PortId, frame: &mut Frame<'_>) -> Outputs
//! ```
//!
//! The counters parameter is there exactly when `counters = [..]` is given;
//! a parameter before it (or before `input`) is the state.

use proc_macro2::{Ident, Span, TokenStream};
use quote::{format_ident, quote};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{FnArg, ItemFn, LitStr, ReturnType, Type};

const EXPECTED: &str =
    "expected `fn name([state: &mut State,] [counters: &mut NameCounters,] input: PortId, frame: &mut Frame<'_>) -> Outputs`";

/// The attribute's arguments.
struct Arguments {
    ports: Vec<(String, Span)>,
    counters: Vec<Ident>,
}

pub fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let attr_span = attr.span();
    let arguments = arguments(attr, attr_span)?;
    let function: ItemFn = syn::parse2(item)?;
    let state = check_signature(&function, !arguments.counters.is_empty())?;
    let name = &function.sig.ident;
    let ty = format_ident!("{}", nfc_compiler::codegen::type_name(&name.to_string()), span = name.span());
    let counters_ty = format_ident!("{}Counters", ty, span = name.span());
    let vis = &function.vis;
    let ports = arguments.ports.iter().map(|(port, _)| port);
    let counter_names = arguments.counters.iter().map(Ident::to_string);
    let counter_count = arguments.counters.len();

    let (fields, construct, state_access) = match (&state, counter_count) {
        (None, 0) => (quote! {}, quote! { #ty }, quote! {}),
        _ => {
            let state_field = state.as_ref().map(|state| quote! { state: #state, });
            let counters_field = (counter_count > 0).then(|| quote! { counters: #counters_ty, });
            let state_init = state.as_ref().map(|_| quote! { state, });
            let counters_init = (counter_count > 0).then(|| quote! { counters: #counters_ty::default(), });
            let access = state.as_ref().map(|state| {
                quote! {
                    /// The function's state, kept between packets.
                    pub fn state(&self) -> &#state {
                        &self.state
                    }

                    pub fn state_mut(&mut self) -> &mut #state {
                        &mut self.state
                    }
                }
            });
            (
                quote! { { #state_field #counters_field } },
                quote! { #ty { #state_init #counters_init } },
                quote! { #access },
            )
        }
    };
    let item = if fields.is_empty() {
        quote! {
            #[derive(Clone, Copy, Debug, Default)]
            #vis struct #ty;
        }
    } else {
        quote! { #vis struct #ty #fields }
    };
    let constructors = match &state {
        None => quote! {
            /// Builds the function.
            pub fn new() -> Self {
                #construct
            }
        },
        Some(state) => quote! {
            /// Builds the function with its state's `Default`.
            pub fn new() -> Self {
                Self::with_state(<#state as ::core::default::Default>::default())
            }

            /// Builds the function around a given state.
            pub fn with_state(state: #state) -> Self {
                #construct
            }
        },
    };
    let default = (!fields.is_empty()).then(|| {
        quote! {
            impl ::core::default::Default for #ty {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    });
    let call_state = state.as_ref().map(|_| quote! { &mut self.state, });
    let call_counters = (counter_count > 0).then(|| quote! { &mut self.counters, });
    let counters = (counter_count > 0).then(|| {
        let accessors = arguments.counters.iter().enumerate().map(|(index, counter)| {
            let doc = format!("The `{counter}` counter: `.record(frame.len())` counts a packet.");
            quote! {
                #[doc = #doc]
                #[inline]
                pub fn #counter(&mut self) -> &mut ::nfc::runtime::RuleCounter {
                    &mut self.0[#index]
                }
            }
        });
        let doc = format!("The named counters of `{ty}`, one `RuleCounter` each.");
        quote! {
            #[doc = #doc]
            #[derive(Clone, Copy, Debug, Default)]
            #vis struct #counters_ty([::nfc::runtime::RuleCounter; #counter_count]);

            impl #counters_ty {
                #(#accessors)*
            }
        }
    });
    let counters_slice = if counter_count > 0 {
        quote! { &self.counters.0 }
    } else {
        quote! { &[] }
    };
    let doc = format!("Network function calling `{name}` for every packet.");
    Ok(quote! {
        #function

        #[doc = #doc]
        #item

        impl #ty {
            /// Port names, in runtime port order.
            pub const PORTS: &'static [&'static str] = &[#(#ports),*];
            /// Names of the counters, in `counters()` order.
            pub const COUNTER_NAMES: &'static [&'static str] = &[#(#counter_names),*];

            #constructors
            #state_access
        }

        #default

        impl ::nfc::runtime::NetworkFunction for #ty {
            #[inline]
            fn process(
                &mut self,
                input: ::nfc::runtime::PortId,
                frame: &mut ::nfc::runtime::Frame<'_>,
            ) -> ::nfc::runtime::Outputs {
                #name(#call_state #call_counters input, frame)
            }

            fn counter_names(&self) -> &'static [&'static str] {
                Self::COUNTER_NAMES
            }

            fn counters(&self) -> &[::nfc::runtime::RuleCounter] {
                #counters_slice
            }
        }

        #counters
    })
}

/// `ports = [a, b]` (names or strings; required) and `counters = [x, y]`
/// (identifiers: each becomes an accessor).
fn arguments(attr: TokenStream, span: Span) -> syn::Result<Arguments> {
    let mut ports: Option<Vec<(String, Span)>> = None;
    let mut counters: Vec<Ident> = Vec::new();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("ports") {
            let list = names(meta.value()?)?;
            if list.is_empty() {
                return Err(meta.error("found no ports, expected `ports = [name, ...]` with at least one port"));
            }
            if list.len() > nfc_runtime::MAX_PORTS {
                return Err(meta.error(format!(
                    "found {} ports, expected at most {}",
                    list.len(),
                    nfc_runtime::MAX_PORTS
                )));
            }
            ports = Some(list);
            Ok(())
        } else if meta.path.is_ident("counters") {
            for (name, span) in names(meta.value()?)? {
                if syn::parse_str::<Ident>(&name).is_err() {
                    let message = format!("found counter name `{name}`, expected an identifier (it names an accessor)");
                    return Err(syn::Error::new(span, message));
                }
                counters.push(Ident::new(&name, span));
            }
            Ok(())
        } else {
            Err(meta.error("found an unknown argument, expected `ports = [...]` or `counters = [...]`"))
        }
    });
    parser.parse2(attr)?;
    let Some(ports) = ports else {
        return Err(syn::Error::new(
            span,
            "found no ports, expected `#[network_function(ports = [name, ...])]` naming the ports in runtime order",
        ));
    };
    duplicates(ports.iter().map(|(name, span)| (name.clone(), *span)), "port")?;
    duplicates(counters.iter().map(|c| (c.to_string(), c.span())), "counter")?;
    Ok(Arguments { ports, counters })
}

/// `[a, "b-c", d]`: identifiers or string literals.
fn names(input: ParseStream) -> syn::Result<Vec<(String, Span)>> {
    let content;
    syn::bracketed!(content in input);
    let mut list = Vec::new();
    while !content.is_empty() {
        if content.peek(LitStr) {
            let literal: LitStr = content.parse()?;
            list.push((literal.value(), literal.span()));
        } else {
            let ident = Ident::parse_any(&content)?;
            list.push((ident.to_string(), ident.span()));
        }
        if content.is_empty() {
            break;
        }
        content.parse::<syn::Token![,]>()?;
    }
    Ok(list)
}

fn duplicates(list: impl Iterator<Item = (String, Span)>, what: &str) -> syn::Result<()> {
    let mut seen = Vec::new();
    for (name, span) in list {
        if seen.contains(&name) {
            return Err(syn::Error::new(span, format!("found {what} `{name}` twice, expected unique {what} names")));
        }
        seen.push(name);
    }
    Ok(())
}

/// Checks the parameter count (2, plus counters, plus an optional state)
/// and returns the state type; the types themselves are checked by rustc at
/// the call in the generated impl, pointing at the mismatch.
fn check_signature(function: &ItemFn, has_counters: bool) -> syn::Result<Option<Type>> {
    let sig = &function.sig;
    if let Some(asyncness) = sig.asyncness {
        return Err(syn::Error::new(asyncness.span(), format!("a network function cannot be async; {EXPECTED}")));
    }
    if !sig.generics.params.is_empty() {
        return Err(syn::Error::new(sig.generics.span(), format!("a network function cannot be generic; {EXPECTED}")));
    }
    if let Some(receiver) = sig.inputs.iter().find(|arg| matches!(arg, FnArg::Receiver(_))) {
        return Err(syn::Error::new(receiver.span(), format!("found `self`; {EXPECTED}")));
    }
    let without_state = 2 + usize::from(has_counters);
    let count = sig.inputs.len();
    if count != without_state && count != without_state + 1 {
        let counters = if has_counters { " (counters = [..] adds the counters parameter)" } else { "" };
        return Err(syn::Error::new(sig.inputs.span(), format!("found {count} parameter(s){counters}; {EXPECTED}")));
    }
    if let ReturnType::Default = sig.output {
        return Err(syn::Error::new(sig.ident.span(), format!("missing return type; {EXPECTED}")));
    }
    if count == without_state {
        return Ok(None);
    }
    let Some(FnArg::Typed(first)) = sig.inputs.first() else { unreachable!("receivers were refused") };
    match &*first.ty {
        Type::Reference(reference) if reference.mutability.is_some() => Ok(Some((*reference.elem).clone())),
        other => Err(syn::Error::new(other.span(), format!("found a state parameter that is not `&mut`; {EXPECTED}"))),
    }
}
