//! Actions as calls to the wire setters, which keep checksums right.

use super::fields::{accessor, literal, meta_variable, read, value_type};
use crate::ir::{Action, Field, Hole, ReplyError};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, ToTokens};

/// The actions of a decision, in order. A TTL that expires, a VLAN tag
/// that cannot be pushed, or an address that cannot be rewritten with its
/// upper-layer checksum kept right ends processing with a drop; everything
/// else is a no-op on frames without the layer.
///
/// `holes` gives the values that are not constants (action data): the
/// expression each hole reads instead of the action's own value.
pub(super) fn sequence(actions: &[Action], holes: &[(Hole, TokenStream)]) -> TokenStream {
    let hole = |wanted: Hole| holes.iter().find(|(h, _)| *h == wanted).map(|(_, value)| value.clone());
    let each = actions.iter().enumerate().map(|(index, action)| match *action {
        Action::Set { field, value } => {
            let value = hole(Hole::SetValue(index)).unwrap_or_else(|| literal(field, value).into_token_stream());
            write(field, value)
        }
        Action::Copy { to, from } => {
            // Zero-extension: the checker made `to` at least as wide.
            let read = read(from);
            let ty = value_type(to);
            let write = write(to, quote! { value as #ty });
            quote! {
                if let ::core::option::Option::Some(value) = #read {
                    #write
                }
            }
        }
        Action::DecrementTtl => quote! {
            if let ::nfc::runtime::TtlOutcome::Expired = headers.decrement_ttl(frame.data_mut()) {
                return ::nfc::runtime::Outputs::DROP;
            }
        },
        Action::SwapMacs => quote! { headers.swap_macs(frame.data_mut()); },
        Action::PushVlan { vid, pcp } => {
            let vid = hole(Hole::PushVid(index)).unwrap_or_else(|| quote! { #vid });
            let pcp = hole(Hole::PushPcp(index)).unwrap_or_else(|| quote! { #pcp });
            quote! {
                if !headers.push_vlan(frame, #vid, #pcp) {
                    return ::nfc::runtime::Outputs::DROP;
                }
            }
        }
        Action::PopVlan => quote! { headers.pop_vlan(frame); },
        Action::ArpReply { address, mac } => quote! {
            let ours = |requested: u32| if requested == #address { ::core::option::Option::Some(#mac) } else { ::core::option::Option::None };
            if ::nfc::runtime::wire::arp::answer_request(&headers, frame.data_mut(), ours).is_none() {
                return ::nfc::runtime::Outputs::DROP;
            }
        },
        Action::IcmpError { error, mac, ipv4, ipv6 } => {
            let error = match error {
                ReplyError::TimeExceeded => quote! { TimeExceeded },
                ReplyError::NetUnreachable => quote! { NetUnreachable },
                ReplyError::HostUnreachable => quote! { HostUnreachable },
                ReplyError::PortUnreachable => quote! { PortUnreachable },
                ReplyError::AdminProhibited => quote! { AdminProhibited },
            };
            quote! {
                let responder = ::nfc::runtime::wire::Responder { mac: #mac, ipv4: #ipv4, ipv6: #ipv6 };
                let error = ::nfc::runtime::wire::IcmpError::#error;
                if ::nfc::runtime::wire::icmp_error_in_place(frame, &headers, error, &responder).is_err() {
                    return ::nfc::runtime::Outputs::DROP;
                }
            }
        }
    });
    quote! { #(#each)* }
}

/// Write `value` (an expression of the field's type) into `field`: a
/// metadata variable, or the packet through the setter that keeps
/// checksums right (and does nothing when the layer is absent). An address
/// whose upper-layer checksum is out of reach (a broken IPv6 chain, a cut
/// TCP header) cannot be rewritten right: the packet is dropped rather than
/// forwarded with a wrong checksum.
fn write(field: Field, value: TokenStream) -> TokenStream {
    let setter = Ident::new(&format!("set_{}", accessor(field)), Span::call_site());
    match field {
        Field::Meta(meta) => {
            let variable = meta_variable(usize::from(meta.index));
            quote! { #variable = #value; }
        }
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
