//! Table lookups.
//!
//! A small table becomes `match` expressions over the key: for longest
//! prefix, one `match` per prefix length, longest first; for exact match one
//! `match`. rustc turns each into a decision tree over constants, so a
//! lookup costs a few comparisons per prefix length in use. A large table
//! (see `engines`) is a `runtime::tables` engine decoded from static data.

use super::fields::{literal, read};
use super::{actions, engines, outputs};
use crate::ir::{Decision, Spec, TableKind, Target};
use proc_macro2::TokenStream;
use quote::quote;
use std::collections::BTreeMap;

/// Look the packet up in `spec.tables[table]`; the key is read after the
/// rule's actions ran. Hits count on `hit_counter`, misses on the next one.
pub(super) fn lookup(spec: &Spec, table: usize, hit_counter: usize) -> TokenStream {
    if engines::is_large(&spec.tables[table]) {
        return engines::lookup(spec, table, hit_counter);
    }
    let table = &spec.tables[table];
    let miss_counter = hit_counter + 1;
    let (field, by_length) = match table.kind {
        TableKind::Exact(field) => {
            (field, group_by_length(table.entries.iter().map(|e| (field.width() as u8, e.key, &e.decision))))
        }
        TableKind::LongestPrefix(field) => {
            (field, group_by_length(table.entries.iter().map(|e| (e.prefix_len, e.key, &e.decision))))
        }
    };
    let read = read(field);
    let probes = by_length.iter().rev().map(|(&length, entries)| {
        let mask = literal(field, prefix_mask(field.width(), length));
        let arms = entries.iter().map(|&(key, decision)| {
            let key = literal(field, key);
            let decide = entry(spec, hit_counter, decision);
            quote! { #key => { #decide } }
        });
        quote! {
            match key & #mask {
                #(#arms)*
                _ => {}
            }
        }
    });
    let miss = entry(spec, miss_counter, &table.default);
    quote! {
        if let ::core::option::Option::Some(key) = #read {
            #(#probes)*
        }
        #miss
    }
}

/// Entries by prefix length (ascending; lookups probe it in reverse). A key
/// given twice keeps its first entry, as first match would.
fn group_by_length<'a>(
    entries: impl Iterator<Item = (u8, u128, &'a Decision)>,
) -> BTreeMap<u8, Vec<(u128, &'a Decision)>> {
    let mut groups: BTreeMap<u8, Vec<(u128, &Decision)>> = BTreeMap::new();
    for (length, key, decision) in entries {
        let group = groups.entry(length).or_default();
        if !group.iter().any(|&(k, _)| k == key) {
            group.push((key, decision));
        }
    }
    groups
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

/// A table entry's (or default's) decision: count, act, output.
pub(super) fn entry(spec: &Spec, counter: usize, decision: &Decision) -> TokenStream {
    let actions = actions::sequence(&decision.actions);
    let outputs = match decision.target {
        Target::Table(_) => unreachable!("the checker rejects table entries targeting tables"),
        target => outputs(spec, target),
    };
    quote! {
        self.counters[#counter].record(arrival_len);
        #actions
        return #outputs;
    }
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
