//! Reading a field in generated code, and conditions over it.

use crate::ir::{Condition, Field, Test};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

/// The `Headers` getter reading `field`, typed as the getter returns it;
/// `in_port` is the `input` argument, always present.
pub(super) fn read(field: Field) -> TokenStream {
    match field {
        Field::InPort => return quote! { ::core::option::Option::Some(input) },
        Field::Meta(meta) => {
            let variable = meta_variable(usize::from(meta.index));
            return quote! { ::core::option::Option::Some(#variable) };
        }
        _ => {}
    }
    let getter = Ident::new(&accessor(field), Span::call_site());
    quote! { headers.#getter(frame.data()) }
}

/// `eth.dst` → `eth_dst`, the name of the wire getter (setters add `set_`).
pub(super) fn accessor(field: Field) -> String {
    field.path().replace('.', "_")
}

/// The local variable holding metadata field `index`.
pub(super) fn meta_variable(index: usize) -> Ident {
    Ident::new(&format!("meta_{index}"), Span::call_site())
}

/// The narrowest unsigned type holding `width` bits.
pub(super) fn meta_type(width: u32) -> TokenStream {
    match width {
        0..=8 => quote! { u8 },
        9..=16 => quote! { u16 },
        17..=32 => quote! { u32 },
        33..=64 => quote! { u64 },
        _ => quote! { u128 },
    }
}

/// The Rust type of a field's values in generated code.
pub(super) fn value_type(field: Field) -> TokenStream {
    match field {
        Field::Meta(meta) => meta_type(u32::from(meta.width)),
        Field::EthDst | Field::EthSrc => quote! { u64 },
        Field::Ipv4Src | Field::Ipv4Dst => quote! { u32 },
        Field::Ipv6Src | Field::Ipv6Dst => quote! { u128 },
        Field::EthType
        | Field::VlanId
        | Field::TcpSrc
        | Field::TcpDst
        | Field::UdpSrc
        | Field::UdpDst
        | Field::Ipv6Ext => quote! { u16 },
        _ => quote! { u8 },
    }
}

/// A literal of the Rust type the field's getter returns.
pub(super) fn literal(field: Field, value: u128) -> Literal {
    match field {
        Field::Meta(meta) => match meta.width {
            0..=8 => Literal::u8_suffixed(value as u8),
            9..=16 => Literal::u16_suffixed(value as u16),
            17..=32 => Literal::u32_suffixed(value as u32),
            33..=64 => Literal::u64_suffixed(value as u64),
            _ => Literal::u128_suffixed(value),
        },
        Field::EthDst | Field::EthSrc => Literal::u64_suffixed(value as u64),
        Field::Ipv4Src | Field::Ipv4Dst => Literal::u32_suffixed(value as u32),
        Field::Ipv6Src | Field::Ipv6Dst => Literal::u128_suffixed(value),
        Field::EthType
        | Field::VlanId
        | Field::TcpSrc
        | Field::TcpDst
        | Field::UdpSrc
        | Field::UdpDst
        | Field::Ipv6Ext => Literal::u16_suffixed(value as u16),
        Field::InPort
        | Field::VlanPcp
        | Field::IpProto
        | Field::IpTtl
        | Field::IpDscp
        | Field::TcpFlags
        | Field::IcmpType
        | Field::IcmpCode
        | Field::IpFrag => Literal::u8_suffixed(value as u8),
    }
}

/// One condition: false when the field's layer is absent.
fn condition(condition: &Condition) -> TokenStream {
    let field = condition.field;
    let read = read(field);
    let test = match condition.test {
        // A /0 prefix: the field is there.
        Test::Masked { mask: 0, .. } => return quote! { ::core::option::Option::is_some(&#read) },
        Test::Masked { value, mask } if mask == field.full_mask() => {
            let value = literal(field, value);
            quote! { v == #value }
        }
        Test::Masked { value, mask } => {
            let (value, mask) = (literal(field, value), literal(field, mask));
            quote! { v & #mask == #value }
        }
        Test::Range { low, high } => {
            let (low, high) = (literal(field, low), literal(field, high));
            quote! { (#low..=#high).contains(&v) }
        }
    };
    quote! { ::core::matches!(#read, ::core::option::Option::Some(v) if #test) }
}

/// All conditions of a rule; an empty list matches every frame.
pub(super) fn conjunction(conditions: &[Condition]) -> TokenStream {
    if conditions.is_empty() {
        return quote! { true };
    }
    let each = conditions.iter().map(condition);
    quote! { #(#each)&&* }
}
