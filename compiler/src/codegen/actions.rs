//! Actions as calls to the wire setters, which keep checksums right.

use super::fields::{accessor, literal};
use crate::ir::{Action, Field};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// The actions of a decision, in order. A TTL that expires, a VLAN tag
/// that cannot be pushed, or an address that cannot be rewritten with its
/// upper-layer checksum kept right ends processing with a drop; everything
/// else is a no-op on frames without the layer.
pub(super) fn sequence(actions: &[Action]) -> TokenStream {
    let each = actions.iter().map(|action| match *action {
        Action::Set { field, value } => {
            let setter = Ident::new(&format!("set_{}", accessor(field)), Span::call_site());
            let value = literal(field, value);
            match field {
                Field::Ipv4Src | Field::Ipv4Dst => quote! {
                    if !headers.#setter(frame.data_mut(), #value) && headers.has_ipv4() {
                        return ::nfc::runtime::Outputs::DROP;
                    }
                },
                Field::Ipv6Src | Field::Ipv6Dst => quote! {
                    if !headers.#setter(frame.data_mut(), #value) && headers.has_ipv6() {
                        return ::nfc::runtime::Outputs::DROP;
                    }
                },
                _ => quote! { headers.#setter(frame.data_mut(), #value); },
            }
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
