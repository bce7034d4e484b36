//! Large rule lists and tables as `runtime::tables` engines.
//!
//! Past `LARGE` entries, branches stop paying: 100,000 `match` arms take
//! rustc minutes and gigabytes, and a long `if` chain costs one test per
//! rule. Such a table is instead built here with the runtime's own builder,
//! serialised, and emitted as one byte-string constant that the function
//! decodes in `new()`. Entries map to small decision ids; the distinct
//! decisions (few: a router has as many as next hops) stay generated code,
//! one `match` arm each, so actions are still inlined, never dispatched.

use super::decision;
use super::fields::read;
use crate::ir::{Decision, EntryKey, Field, Spec, Stage, StageKind, Test, ENTRY};
use nfc_runtime::tables::{ClassifierBuilder, ExactTableBuilder, FieldMatch, Lpm4Builder, Lpm6Builder};
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use std::collections::HashMap;

/// Above this many entries (or rules) a table (or the rule list) becomes an
/// engine over static data.
pub const LARGE: usize = 64;

pub(super) fn is_large(stage: &Stage) -> bool {
    stage.entries.len() > LARGE
}

/// A struct field holding an engine, with its static data and constructor.
pub(super) struct Engine {
    pub field: Ident,
    pub ty: TokenStream,
    /// The associated constants the constructor decodes.
    pub data: TokenStream,
    pub init: TokenStream,
}

/// How a large stage is looked up.
enum Lookup {
    Lpm4(Field),
    Lpm6(Field),
    /// Exact on key fields packed into one u128 (first field highest).
    Exact(Vec<Field>),
    /// First match over the key fields as classifier dimensions; exact
    /// tables wider than 128 bits are looked up this way too.
    Classify(Vec<Field>),
}

fn lookup_kind(stage: &Stage) -> Lookup {
    match &stage.kind {
        StageKind::LongestPrefix { key: key @ (Field::Ipv4Src | Field::Ipv4Dst) } => Lookup::Lpm4(*key),
        StageKind::LongestPrefix { key } => Lookup::Lpm6(*key),
        StageKind::Exact { key } if key.iter().map(|f| f.width()).sum::<u32>() <= 128 => Lookup::Exact(key.clone()),
        StageKind::Exact { key } | StageKind::FirstMatch { key } => Lookup::Classify(key.clone()),
    }
}

/// Every engine the spec needs.
pub(super) fn fields(spec: &Spec) -> Vec<Engine> {
    spec.stages.iter().enumerate().filter(|(_, s)| is_large(s)).map(|(i, s)| engine(i, s)).collect()
}

fn engine_field(stage: usize) -> Ident {
    format_ident!("stage_{}", stage)
}

fn engine(index: usize, stage: &Stage) -> Engine {
    let (_, ids) = distinct(stage.entries.iter().map(|e| &e.decision));
    let (ty, bytes) = match lookup_kind(stage) {
        Lookup::Lpm4(_) => {
            let mut builder = Lpm4Builder::new();
            for (entry, &id) in stage.entries.iter().zip(&ids) {
                let EntryKey::Prefix { value, len } = entry.key else { unreachable!("lpm entries are prefixes") };
                builder.insert(value as u32, len, id);
            }
            (quote! { ::nfc::runtime::tables::Lpm4 }, builder.to_bytes())
        }
        Lookup::Lpm6(_) => {
            let mut builder = Lpm6Builder::new();
            for (entry, &id) in stage.entries.iter().zip(&ids) {
                let EntryKey::Prefix { value, len } = entry.key else { unreachable!("lpm entries are prefixes") };
                builder.insert(value, len, id);
            }
            (quote! { ::nfc::runtime::tables::Lpm6 }, builder.to_bytes())
        }
        Lookup::Exact(key) => {
            let mut builder = ExactTableBuilder::new();
            for (entry, &id) in stage.entries.iter().zip(&ids) {
                let EntryKey::Exact(values) = &entry.key else { unreachable!("exact entries are values") };
                builder.insert(pack(&key, values), id);
            }
            (quote! { ::nfc::runtime::tables::ExactTable }, builder.to_bytes())
        }
        Lookup::Classify(key) => {
            let widths: Vec<u32> = key.iter().map(|f| f.width()).collect();
            let mut builder = ClassifierBuilder::new(&widths);
            for entry in &stage.entries {
                builder.push(&field_matches(&key, &entry.key));
            }
            (quote! { ::nfc::runtime::tables::Classifier }, builder.to_bytes())
        }
    };
    let classifies = matches!(lookup_kind(stage), Lookup::Classify(_));
    let constant = format_ident!("STAGE_{}_DATA", index);
    let decisions_constant = format_ident!("STAGE_{}_DECISIONS", index);
    let doc = format!("`{}` ({} entries), serialised by the compiler.", stage.name, stage.entries.len());
    let bytes = Literal::byte_string(&bytes);
    let expect = format!("nfc emitted `{}` itself", stage.name);
    // A classifier finds an entry; a static array maps it to its decision.
    let decisions = classifies.then(|| {
        quote! {
            /// Each entry's decision id.
            pub const #decisions_constant: &'static [u32] = &[#(#ids),*];
        }
    });
    Engine {
        field: engine_field(index),
        data: quote! {
            #[doc = #doc]
            pub const #constant: &'static [u8] = #bytes;
            #decisions
        },
        init: quote! { #ty::from_bytes(Self::#constant).expect(#expect) },
        ty,
    }
}

/// Key fields packed into one u128, the first field in the highest bits.
fn pack(key: &[Field], values: &[u128]) -> u128 {
    key.iter().zip(values).fold(0u128, |packed, (field, &value)| packed.checked_shl(field.width()).unwrap_or(0) | value)
}

/// The code packing the key fields read from the packet (`key_i`).
fn pack_code(key: &[Field]) -> TokenStream {
    let mut shift = 0u32;
    let mut parts = Vec::new();
    for (index, field) in key.iter().enumerate().rev() {
        let name = format_ident!("key_{}", index);
        parts.push(if shift == 0 {
            quote! { (#name as u128) }
        } else {
            quote! { ((#name as u128) << #shift) }
        });
        shift += field.width();
    }
    quote! { #(#parts)|* }
}

/// An entry as classifier field matches, dimension = position in `key`.
fn field_matches(key: &[Field], entry: &EntryKey) -> Vec<FieldMatch> {
    let dimension = |field: Field| key.iter().position(|&f| f == field).expect("a key field") as u8;
    match entry {
        EntryKey::Conditions(conditions) => conditions
            .iter()
            .map(|condition| match condition.test {
                Test::Masked { value, mask } => {
                    FieldMatch { dimension: dimension(condition.field), mask, low: value, high: value }
                }
                Test::Range { low, high } => {
                    FieldMatch { dimension: dimension(condition.field), mask: condition.field.full_mask(), low, high }
                }
            })
            .collect(),
        EntryKey::Exact(values) => key
            .iter()
            .zip(values)
            .map(|(&field, &value)| FieldMatch {
                dimension: dimension(field),
                mask: field.full_mask(),
                low: value,
                high: value,
            })
            .collect(),
        EntryKey::Prefix { .. } => unreachable!("prefixes go to LPM engines"),
    }
}

/// A large table's lookup: the engine finds the entry's decision id, a
/// `match` on the id runs that decision; a miss runs the default.
pub(super) fn lookup(spec: &Spec, index: usize, hit_counter: usize) -> TokenStream {
    let stage = &spec.stages[index];
    let (decisions, _) = distinct(stage.entries.iter().map(|e| &e.decision));
    let engine = engine_field(index);
    let arms = id_arms(&decisions, |d| decision(spec, index, quote! { #hit_counter }, d));
    let miss_counter = hit_counter + 1;
    let miss = decision(spec, index, quote! { #miss_counter }, &stage.default);
    let found = match lookup_kind(stage) {
        Lookup::Lpm4(field) | Lookup::Lpm6(field) => {
            let read = read(field);
            quote! {
                if let ::core::option::Option::Some(key) = #read {
                    if let ::core::option::Option::Some(id) = self.#engine.lookup(key) {
                        match id { #arms }
                    }
                }
            }
        }
        Lookup::Exact(key) => {
            let names: Vec<_> = (0..key.len()).map(|i| format_ident!("key_{}", i)).collect();
            let reads = key.iter().map(|&f| read(f));
            let packed = pack_code(&key);
            quote! {
                if let (#(::core::option::Option::Some(#names),)*) = (#(#reads,)*) {
                    if let ::core::option::Option::Some(id) = self.#engine.lookup(#packed) {
                        match id { #arms }
                    }
                }
            }
        }
        Lookup::Classify(key) => {
            // Every field widened to u128, whatever its getter returns.
            let reads = key.iter().map(|&field| {
                let read = read(field);
                quote! { #read.map(u128::from) }
            });
            let decisions_constant = format_ident!("STAGE_{}_DECISIONS", index);
            quote! {
                let key = [#(#reads),*];
                if let ::core::option::Option::Some(entry) = self.#engine.classify(&key) {
                    if let ::core::option::Option::Some(&id) = Self::#decisions_constant.get(entry as usize) {
                        match id { #arms }
                    }
                }
            }
        }
    };
    quote! {
        #found
        #miss
    }
}

/// First match over a large rule list through the classifier; the matching
/// rule's index is its counter.
pub(super) fn classify_rules(spec: &Spec) -> TokenStream {
    let stage = &spec.stages[ENTRY];
    let StageKind::FirstMatch { key } = &stage.kind else { unreachable!("the rule list is first match") };
    let reads = key.iter().map(|&field| {
        let read = read(field);
        quote! { #read.map(u128::from) }
    });
    let (decisions, _) = distinct(stage.entries.iter().map(|e| &e.decision));
    let arms = id_arms(&decisions, |d| decision(spec, ENTRY, quote! { rule }, d));
    let engine = engine_field(ENTRY);
    let decisions_constant = format_ident!("STAGE_{}_DECISIONS", ENTRY);
    let default_counter = stage.entries.len();
    let default = decision(spec, ENTRY, quote! { #default_counter }, &stage.default);
    quote! {
        let key = [#(#reads),*];
        if let ::core::option::Option::Some(rule) = self.#engine.classify(&key) {
            let rule = rule as usize;
            if let ::core::option::Option::Some(&id) = Self::#decisions_constant.get(rule) {
                match id { #arms }
            }
        }
        #default
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
