//! Actions as calls to the wire setters, which keep checksums right.

use super::fields::{accessor, literal};
use crate::ir::Action;
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// The actions of a decision, in order. A TTL that expires, or a VLAN tag
/// that cannot be pushed, ends processing with a drop; everything else is a
/// no-op on frames without the layer.
pub(super) fn sequence(actions: &[Action]) -> TokenStream {
    let each = actions.iter().map(|action| match *action {
        Action::Set { field, value } => {
            let setter = Ident::new(&format!("set_{}", accessor(field)), Span::call_site());
            let value = literal(field, value);
            quote! { headers.#setter(frame.data_mut(), #value); }
        }
        Action::DecrementTtl => quote! {
            if let ::nfc::runtime::TtlOutcome::Expired = headers.decrement_ttl(frame.data_mut()) {
                return ::nfc::runtime::Outputs::DROP;
            }
        },
        Action::SwapMacs => quote! { headers.swap_macs(frame.data_mut()); },
        Action::PushVlan { vid, pcp } => quote! {
            if !headers.push_vlan(frame, #vid, #pcp) {
                return ::nfc::runtime::Outputs::DROP;
            }
        },
        Action::PopVlan => quote! { headers.pop_vlan(frame); },
    });
    quote! { #(#each)* }
}
