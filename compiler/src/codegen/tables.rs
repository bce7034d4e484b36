//! Table lookups.
//!
//! A small table becomes inline code: for longest prefix, one `match` per
//! prefix length, longest first; for exact match one `match` over the key
//! fields; for ternary and range tables, one `if` per entry in priority
//! order. rustc turns each `match` into a decision tree over constants, so
//! a lookup costs a few comparisons per prefix length in use. A large table
//! (see `engines`) is a `runtime::tables` engine decoded from static data.

use super::decision;
use super::fields::{conjunction, literal, read};
use crate::ir::{Decision, EntryKey, Spec, StageKind};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeMap;

/// Look the packet up in `spec.stages[stage]`; the key is read as earlier
/// stages left the packet. Hits count on `hit_counter`, misses on the next.
pub(super) fn lookup(spec: &Spec, stage: usize, hit_counter: usize) -> TokenStream {
    let table = &spec.stages[stage];
    let miss_counter = hit_counter + 1;
    let hit = |d: &Decision| decision(spec, stage, quote! { #hit_counter }, d);
    let probes = match &table.kind {
        StageKind::LongestPrefix { key: field } => {
            let mut by_length: BTreeMap<u8, Vec<(u128, &Decision)>> = BTreeMap::new();
            for entry in &table.entries {
                let EntryKey::Prefix { value, len } = entry.key else { unreachable!("lpm entries are prefixes") };
                by_length.entry(len).or_default().push((value, &entry.decision));
            }
            let read = read(*field);
            let probes = by_length.iter().rev().map(|(&length, entries)| {
                let mask = literal(*field, prefix_mask(field.width(), length));
                let arms = entries.iter().map(|&(key, decision)| {
                    let key = literal(*field, key);
                    let decide = hit(decision);
                    quote! { #key => { #decide } }
                });
                quote! {
                    match key & #mask {
                        #(#arms)*
                        _ => {}
                    }
                }
            });
            quote! {
                if let ::core::option::Option::Some(key) = #read {
                    #(#probes)*
                }
            }
        }
        StageKind::Exact { key } => {
            let names: Vec<_> = (0..key.len()).map(|i| quote::format_ident!("key_{}", i)).collect();
            let reads = key.iter().map(|&f| read(f));
            let arms = table.entries.iter().map(|entry| {
                let EntryKey::Exact(values) = &entry.key else { unreachable!("exact entries are values") };
                let values = key.iter().zip(values).map(|(&f, &v)| literal(f, v));
                let decide = hit(&entry.decision);
                quote! { (#(#values,)*) => { #decide } }
            });
            quote! {
                if let (#(::core::option::Option::Some(#names),)*) = (#(#reads,)*) {
                    match (#(#names,)*) {
                        #(#arms)*
                        _ => {}
                    }
                }
            }
        }
        StageKind::FirstMatch { .. } => {
            let each = table.entries.iter().map(|entry| {
                let EntryKey::Conditions(conditions) = &entry.key else { unreachable!("ternary entries test") };
                let condition = conjunction(conditions);
                let decide = hit(&entry.decision);
                quote! { if #condition { #decide } }
            });
            quote! { #(#each)* }
        }
    };
    let miss = decision(spec, stage, quote! { #miss_counter }, &table.default);
    quote! {
        #probes
        #miss
    }
}

/// The leading `length` bits of a `width`-bit field.
pub(super) fn prefix_mask(width: u32, length: u8) -> u128 {
    let length = u32::from(length).min(width);
    if length == 0 {
        return 0;
    }
    let full = if width == 128 { u128::MAX } else { (1u128 << width) - 1 };
    full & !full.checked_shr(length).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::prefix_mask;

    #[test]
    fn prefix_masks_keep_the_leading_bits() {
        assert_eq!(prefix_mask(32, 0), 0);
        assert_eq!(prefix_mask(32, 8), 0xff00_0000);
        assert_eq!(prefix_mask(32, 32), 0xffff_ffff);
        assert_eq!(prefix_mask(128, 128), u128::MAX);
        assert_eq!(prefix_mask(128, 1), 1 << 127);
        assert_eq!(prefix_mask(48, 48), 0xffff_ffff_ffff);
    }
}
