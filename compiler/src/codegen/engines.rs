//! Large rule lists and tables as `runtime::tables` engines.
//!
//! Past `LARGE` entries, branches stop paying: 100,000 `match` arms take
//! rustc minutes and gigabytes, and a long `if` chain costs one test per
//! rule. Such a table is instead built here with the runtime's own builder,
//! serialised, and emitted as one byte-string constant that the function
//! decodes in `new()`. Entries map to small decision ids; the distinct
//! decisions (few: a router has as many as next hops) stay generated code,
//! one `match` arm each, so actions are still inlined, never dispatched.

use super::fields::read;
use super::{decision, tables};
use crate::ir::{Decision, Field, Spec, Table, TableKind, Test};
use nfc_runtime::tables::{ClassifierBuilder, ExactTableBuilder, FieldMatch, Lpm4Builder, Lpm6Builder};
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use std::collections::{BTreeSet, HashMap};

/// Above this many entries (or rules) a table (or the rule list) becomes an
/// engine over static data.
pub const LARGE: usize = 64;

pub(super) fn is_large(table: &Table) -> bool {
    table.entries.len() > LARGE
}

pub(super) fn rules_need_classifier(spec: &Spec) -> bool {
    spec.rules.len() > LARGE
}

/// A struct field holding an engine, with its static data and constructor.
pub(super) struct Engine {
    pub field: Ident,
    pub ty: TokenStream,
    /// The associated constants the constructor decodes.
    pub data: TokenStream,
    pub init: TokenStream,
}

/// Every engine the spec needs.
pub(super) fn fields(spec: &Spec) -> Vec<Engine> {
    let mut engines: Vec<Engine> =
        spec.tables.iter().enumerate().filter(|(_, t)| is_large(t)).map(|(i, t)| table_engine(i, t)).collect();
    if rules_need_classifier(spec) {
        engines.push(rule_classifier(spec));
    }
    engines
}

fn table_field(index: usize) -> Ident {
    format_ident!("table_{}", index)
}

fn table_engine(index: usize, table: &Table) -> Engine {
    let (_, ids) = distinct(table.entries.iter().map(|e| &e.decision));
    let (ty, bytes) = match table.kind {
        TableKind::LongestPrefix(Field::Ipv4Src | Field::Ipv4Dst) => {
            let mut builder = Lpm4Builder::new();
            for (entry, &id) in table.entries.iter().zip(&ids) {
                builder.insert(entry.key as u32, entry.prefix_len, id);
            }
            (quote! { ::nfc::runtime::tables::Lpm4 }, builder.to_bytes())
        }
        TableKind::LongestPrefix(_) => {
            let mut builder = Lpm6Builder::new();
            for (entry, &id) in table.entries.iter().zip(&ids) {
                builder.insert(entry.key, entry.prefix_len, id);
            }
            (quote! { ::nfc::runtime::tables::Lpm6 }, builder.to_bytes())
        }
        TableKind::Exact(_) => {
            let mut builder = ExactTableBuilder::new();
            for (entry, &id) in table.entries.iter().zip(&ids) {
                builder.insert(entry.key, id);
            }
            (quote! { ::nfc::runtime::tables::ExactTable }, builder.to_bytes())
        }
    };
    let constant = format_ident!("TABLE_{}_DATA", index);
    let doc = format!("Table `{}` ({} entries), serialised by the compiler.", table.name, table.entries.len());
    let bytes = Literal::byte_string(&bytes);
    let expect = format!("nfc emitted table `{}` itself", table.name);
    Engine {
        field: table_field(index),
        data: quote! {
            #[doc = #doc]
            pub const #constant: &'static [u8] = #bytes;
        },
        init: quote! { #ty::from_bytes(Self::#constant).expect(#expect) },
        ty,
    }
}

/// A large table's lookup: the engine finds the entry's decision id, a
/// `match` on the id runs that decision.
pub(super) fn lookup(spec: &Spec, index: usize, hit_counter: usize) -> TokenStream {
    let table = &spec.tables[index];
    let (decisions, _) = distinct(table.entries.iter().map(|e| &e.decision));
    let (key_field, key) = match table.kind {
        TableKind::LongestPrefix(field) => (field, quote! { key }),
        TableKind::Exact(field) => (field, quote! { u128::from(key) }),
    };
    let read = read(key_field);
    let engine = table_field(index);
    let arms = id_arms(&decisions, |d| tables::entry(spec, hit_counter, d));
    let miss = tables::entry(spec, hit_counter + 1, &table.default);
    quote! {
        if let ::core::option::Option::Some(key) = #read {
            if let ::core::option::Option::Some(id) = self.#engine.lookup(#key) {
                match id { #arms }
            }
        }
        #miss
    }
}

/// The key dimensions of the rule classifier: every field a rule tests.
fn dimensions(spec: &Spec) -> Vec<Field> {
    let fields: BTreeSet<Field> = spec.rules.iter().flat_map(|r| r.conditions.iter().map(|c| c.field)).collect();
    fields.into_iter().collect()
}

fn rule_classifier(spec: &Spec) -> Engine {
    let dimensions = dimensions(spec);
    let widths: Vec<u32> = dimensions.iter().map(|f| f.width()).collect();
    let mut builder = ClassifierBuilder::new(&widths);
    for rule in &spec.rules {
        let tests: Vec<FieldMatch> = rule
            .conditions
            .iter()
            .map(|condition| {
                let dimension = dimensions.iter().position(|&f| f == condition.field).expect("collected above") as u8;
                match condition.test {
                    Test::Masked { value, mask } => FieldMatch { dimension, mask, low: value, high: value },
                    Test::Range { low, high } => FieldMatch { dimension, mask: condition.field.full_mask(), low, high },
                }
            })
            .collect();
        builder.push(&tests);
    }
    let (_, ids) = distinct(spec.rules.iter().map(|r| &r.decision));
    let bytes = Literal::byte_string(&builder.to_bytes());
    let doc = format!("The {} rules, serialised by the compiler.", spec.rules.len());
    Engine {
        field: format_ident!("rules"),
        ty: quote! { ::nfc::runtime::tables::Classifier },
        data: quote! {
            #[doc = #doc]
            pub const RULES_DATA: &'static [u8] = #bytes;
            /// Each rule's decision id.
            pub const RULE_DECISIONS: &'static [u32] = &[#(#ids),*];
        },
        init: quote! { ::nfc::runtime::tables::Classifier::from_bytes(Self::RULES_DATA).expect("nfc emitted the rules itself") },
    }
}

/// First match over the rules through the classifier; the matching rule's
/// index is its counter.
pub(super) fn classify_rules(spec: &Spec) -> TokenStream {
    // Every field widened to u128, whatever its getter returns.
    let key = dimensions(spec).into_iter().map(|field| {
        let read = read(field);
        quote! { #read.map(u128::from) }
    });
    let (decisions, _) = distinct(spec.rules.iter().map(|r| &r.decision));
    let arms = id_arms(&decisions, |d| decision(spec, quote! { rule }, d));
    quote! {
        let key = [#(#key),*];
        if let ::core::option::Option::Some(rule) = self.rules.classify(&key) {
            let rule = rule as usize;
            match Self::RULE_DECISIONS[rule] { #arms }
        }
    }
}

/// `match` arms over decision ids; the last id takes `_` so the `match` is
/// exhaustive without a panic path.
fn id_arms(decisions: &[&Decision], body: impl Fn(&Decision) -> TokenStream) -> TokenStream {
    let last = decisions.len().saturating_sub(1);
    let arms = decisions.iter().enumerate().map(|(id, d)| {
        let body = body(d);
        if id == last {
            quote! { _ => { #body } }
        } else {
            let id = id as u32;
            quote! { #id => { #body } }
        }
    });
    quote! { #(#arms)* }
}

/// The distinct decisions, in first-seen order, and each item's id in them.
fn distinct<'a>(decisions: impl Iterator<Item = &'a Decision>) -> (Vec<&'a Decision>, Vec<u32>) {
    let mut unique: Vec<&Decision> = Vec::new();
    let mut ids = Vec::new();
    let mut seen: HashMap<&Decision, u32> = HashMap::new();
    for d in decisions {
        let id = *seen.entry(d).or_insert_with(|| {
            unique.push(d);
            (unique.len() - 1) as u32
        });
        ids.push(id);
    }
    (unique, ids)
}
