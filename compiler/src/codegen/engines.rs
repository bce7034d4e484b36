//! Large rule lists and tables as `runtime::tables` engines.
//!
//! Past `LARGE` entries, branches stop paying: 100,000 `match` arms take
//! rustc minutes and gigabytes, and a long `if` chain costs one test per
//! rule. Such a table is instead built here with the runtime's own builder,
//! serialised, and emitted as one byte-string constant that the function
//! decodes in `new()`. What an entry does is found from the value the
//! engine yields:
//! - when the table's entries take few distinct decisions (a router's
//!   next hops), the value is a decision id and each decision is a `match`
//!   arm of its own, constants and all;
//! - when they take many (each host route with its own MAC), the decisions
//!   are grouped by shape (`shapes`): one arm per shape, reading the entry's
//!   parameters from static data. Either way actions are inlined, never
//!   dispatched.
//!
//! A table loaded at run time is a large table whose entries arrive with a
//! file: its shapes are the spec's `[[action]]`s, and the generated type
//! carries the loader that reads the file and builds the same structure.
//! Each such stage is one struct (engine, per-entry values, the shapes'
//! parameters), so a reload swaps it whole.

use super::fields::read;
use super::shapes::{self, Shaped, TUPLE_BITS};
use super::{decision, decision_with, type_name};
use crate::ir::{Decision, EntryKey, Field, Spec, Stage, StageKind, Test, ENTRY};
use nfc_runtime::tables::file::Matching;
use nfc_runtime::tables::text::ValueKind;
use nfc_runtime::tables::{ClassifierBuilder, ExactTableBuilder, FieldMatch, Lpm4Builder, Lpm6Builder};
use proc_macro2::{Ident, Literal, TokenStream};
use quote::{format_ident, quote};
use std::collections::HashMap;

/// Above this many entries (or rules) a table (or the rule list) becomes an
/// engine over static data; above this many distinct decisions, its
/// decisions become shapes with action data.
pub const LARGE: usize = 64;

pub(super) fn is_large(stage: &Stage) -> bool {
    !matches!(stage.kind, StageKind::Stateful(_)) && (stage.entries.len() > LARGE || stage.loaded.is_some())
}

/// What a large stage adds to the generated type: struct fields (with their
/// types and constructors), associated constants, items beside it, and the
/// stage's per-packet code.
pub(super) struct Engine {
    /// The struct field holding the stage, its type and its constructor.
    pub field: (Ident, TokenStream, TokenStream),
    /// Associated items: constants the constructor decodes, the loader.
    pub data: TokenStream,
    /// Items beside the type: the stage's struct, its shapes' parameters.
    pub items: TokenStream,
    /// The lookup and what follows it, the body of the stage's block.
    pub code: TokenStream,
    /// For a table loaded at run time: its name, and the arms of
    /// `table_builder` and `install_table` for it.
    pub loaded: Option<(String, TokenStream, TokenStream)>,
    /// Bytes of static data emitted for it.
    pub static_bytes: usize,
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
        StageKind::Stateful(_) => unreachable!("stateful stages are not tables (see `stateful`)"),
    }
}

/// How the value an engine yields becomes a decision.
enum Dispatch<'s> {
    /// The value is an index into these distinct decisions.
    Decisions(Vec<&'s Decision>),
    /// The value is `shape << 24 | tuple`.
    Shapes(Shaped),
}

impl Dispatch<'_> {
    fn new(stage: &Stage) -> (Dispatch<'_>, Vec<u32>) {
        if let Some(loaded) = &stage.loaded {
            let shapes = loaded
                .actions
                .iter()
                .map(|action| shapes::Shape { decision: action.decision.clone(), holes: action.holes.clone() })
                .collect();
            return (Dispatch::Shapes(Shaped { shapes, tuples: Vec::new(), values: Vec::new() }), Vec::new());
        }
        let (decisions, ids) = distinct(stage.entries.iter().map(|e| &e.decision));
        if decisions.len() <= LARGE {
            return (Dispatch::Decisions(decisions), ids);
        }
        let shaped = shapes::shaped(stage.entries.iter().map(|e| &e.decision));
        let values = shaped.values.clone();
        (Dispatch::Shapes(shaped), values)
    }
}

/// The engine of every large stage, by stage index.
pub(super) fn engines(spec: &Spec) -> Vec<Option<Engine>> {
    spec.stages.iter().enumerate().map(|(i, s)| is_large(s).then(|| engine(spec, i, s))).collect()
}

/// The field of the function's struct holding stage `stage`.
fn stage_field(stage: usize) -> Ident {
    format_ident!("stage_{}", stage)
}

/// The type of that field: the stage's engine, values and parameters.
fn stage_struct(spec: &Spec, stage: usize) -> Ident {
    format_ident!("{}Stage{}", type_name(&spec.name), stage)
}

fn shape_field(shape: usize) -> Ident {
    format_ident!("shape_{}", shape)
}

fn shape_struct(spec: &Spec, stage: usize, shape: usize) -> Ident {
    format_ident!("{}Stage{}Shape{}", type_name(&spec.name), stage, shape)
}

/// The engine type of a lookup.
fn engine_type(lookup: &Lookup) -> TokenStream {
    match lookup {
        Lookup::Lpm4(_) => quote! { ::nfc::runtime::tables::Lpm4 },
        Lookup::Lpm6(_) => quote! { ::nfc::runtime::tables::Lpm6 },
        Lookup::Exact(_) => quote! { ::nfc::runtime::tables::ExactTable },
        Lookup::Classify(_) => quote! { ::nfc::runtime::tables::Classifier },
    }
}

fn engine(spec: &Spec, index: usize, stage: &Stage) -> Engine {
    let (dispatch, values) = Dispatch::new(stage);
    let lookup = lookup_kind(stage);
    let name = stage_struct(spec, index);
    let engine_ty = engine_type(&lookup);
    let classifies = matches!(lookup, Lookup::Classify(_));
    let Dispatch::Shapes(shaped) = &dispatch else {
        return compiled(spec, index, stage, &dispatch, &values);
    };
    let mut items = TokenStream::new();
    // The stage's struct and its shapes' parameter structs.
    let mut fields = vec![quote! { engine: #engine_ty }];
    if classifies {
        fields.push(quote! { values: ::std::boxed::Box<[u32]> });
    }
    for (shape_index, shape) in shaped.shapes.iter().enumerate() {
        let params = shape_struct(spec, index, shape_index);
        items.extend(shapes::params_struct(&params, shape));
        let field = shape_field(shape_index);
        fields.push(quote! { #field: ::std::boxed::Box<[#params]> });
    }
    let doc = format!("Stage `{}`: its lookup engine and its entries' parameters.", stage.name);
    items.extend(quote! {
        #[doc = #doc]
        #[doc(hidden)]
        #[derive(Clone, Debug)]
        struct #name { #(#fields,)* }
    });
    let field = stage_field(index);
    let mut static_bytes = 0;
    let (data, init, loaded) = match &stage.loaded {
        None => {
            let (data, init, bytes) = compiled_data(index, stage, &lookup, shaped, &values, &name);
            static_bytes = bytes;
            (data, init, None)
        }
        Some(_) => {
            let (data, empty, build, install) = loader(spec, index, stage, &lookup, shaped, &name);
            let table_index = spec.stages[..index].iter().filter(|s| s.loaded.is_some()).count();
            let builder_arm = quote! {
                #table_index => Self::#build(file, text)
                    .map(|table| ::std::boxed::Box::new(table) as ::nfc::runtime::LoadedTable),
            };
            let install_arm = quote! { #table_index => { #install } };
            (data, empty, Some((stage.name.clone(), builder_arm, install_arm)))
        }
    };
    Engine {
        field: (field, quote! { #name }, init),
        data,
        items,
        code: code(spec, index, &dispatch),
        loaded,
        static_bytes,
    }
}

/// A compiled stage whose entries take few distinct decisions: the engine
/// yields decision ids (and a classifier's entries map to them).
fn compiled(spec: &Spec, index: usize, stage: &Stage, dispatch: &Dispatch, values: &[u32]) -> Engine {
    let lookup = lookup_kind(stage);
    let name = stage_struct(spec, index);
    let engine_ty = engine_type(&lookup);
    let constant = format_ident!("STAGE_{}_DATA", index);
    let engine_bytes = engine_bytes(stage, &lookup, values);
    let mut static_bytes = engine_bytes.len();
    let bytes = Literal::byte_string(&engine_bytes);
    let doc = format!("`{}` ({} entries), serialised by the compiler.", stage.name, stage.entries.len());
    let expect = format!("nfc emitted `{}` itself", stage.name);
    let mut data = quote! {
        #[doc = #doc]
        pub const #constant: &'static [u8] = #bytes;
    };
    let mut fields = vec![quote! { engine: #engine_ty }];
    let mut inits = vec![quote! { engine: #engine_ty::from_bytes(Self::#constant).expect(#expect) }];
    if matches!(lookup, Lookup::Classify(_)) {
        let (values_data, values_init) = values_constant(index, values);
        static_bytes += 4 * values.len();
        data.extend(values_data);
        fields.push(quote! { values: ::std::boxed::Box<[u32]> });
        inits.push(quote! { values: #values_init });
    }
    let doc = format!("Stage `{}`: its lookup engine.", stage.name);
    Engine {
        field: (stage_field(index), quote! { #name }, quote! { #name { #(#inits,)* } }),
        data,
        items: quote! {
            #[doc = #doc]
            #[doc(hidden)]
            #[derive(Clone, Debug)]
            struct #name { #(#fields,)* }
        },
        code: code(spec, index, dispatch),
        loaded: None,
        static_bytes,
    }
}

/// The serialised engine of a compiled stage, each entry yielding `values[i]`.
fn engine_bytes(stage: &Stage, lookup: &Lookup, values: &[u32]) -> Vec<u8> {
    match lookup {
        Lookup::Lpm4(_) => {
            let mut builder = Lpm4Builder::new();
            for (entry, &value) in stage.entries.iter().zip(values) {
                let EntryKey::Prefix { value: prefix, len } = entry.key else {
                    unreachable!("lpm entries are prefixes")
                };
                builder.insert(prefix as u32, len, value);
            }
            builder.to_bytes()
        }
        Lookup::Lpm6(_) => {
            let mut builder = Lpm6Builder::new();
            for (entry, &value) in stage.entries.iter().zip(values) {
                let EntryKey::Prefix { value: prefix, len } = entry.key else {
                    unreachable!("lpm entries are prefixes")
                };
                builder.insert(prefix, len, value);
            }
            builder.to_bytes()
        }
        Lookup::Exact(key) => {
            let mut builder = ExactTableBuilder::new();
            for (entry, &value) in stage.entries.iter().zip(values) {
                let EntryKey::Exact(keys) = &entry.key else { unreachable!("exact entries are values") };
                builder.insert(pack(key, keys), value);
            }
            builder.to_bytes()
        }
        Lookup::Classify(key) => {
            let widths: Vec<u32> = key.iter().map(|f| f.width()).collect();
            let mut builder = ClassifierBuilder::new(&widths);
            for entry in &stage.entries {
                builder.push(&field_matches(key, &entry.key));
            }
            builder.to_bytes()
        }
    }
}

/// A classifier's per-entry values as a constant, and their decoding.
fn values_constant(index: usize, values: &[u32]) -> (TokenStream, TokenStream) {
    let constant = format_ident!("STAGE_{}_VALUES", index);
    let mut bytes = Vec::with_capacity(values.len() * 4);
    for &value in values {
        nfc_runtime::tables::push_param(&mut bytes, u128::from(value), 4);
    }
    let bytes = Literal::byte_string(&bytes);
    let data = quote! {
        /// What each entry does, as the value an engine yields.
        pub const #constant: &'static [u8] = #bytes;
    };
    let init = quote! {
        {
            let mut data = ::nfc::runtime::tables::Params::new(Self::#constant);
            let mut values = ::std::vec::Vec::new();
            while !data.is_empty() {
                values.push(data.take(4) as u32);
            }
            values.into_boxed_slice()
        }
    };
    (data, init)
}

/// The constants and constructor of a compiled stage with action data, and
/// how many bytes of static data they hold.
fn compiled_data(
    index: usize,
    stage: &Stage,
    lookup: &Lookup,
    shaped: &Shaped,
    values: &[u32],
    name: &Ident,
) -> (TokenStream, TokenStream, usize) {
    let engine_ty = engine_type(lookup);
    let constant = format_ident!("STAGE_{}_DATA", index);
    let engine_bytes = engine_bytes(stage, lookup, values);
    let mut static_bytes = engine_bytes.len();
    let bytes = Literal::byte_string(&engine_bytes);
    let doc = format!("`{}` ({} entries), serialised by the compiler.", stage.name, stage.entries.len());
    let expect = format!("nfc emitted `{}` itself", stage.name);
    let mut data = quote! {
        #[doc = #doc]
        pub const #constant: &'static [u8] = #bytes;
    };
    let mut inits = vec![quote! { engine: #engine_ty::from_bytes(Self::#constant).expect(#expect) }];
    if matches!(lookup, Lookup::Classify(_)) {
        let (values_data, values_init) = values_constant(index, values);
        static_bytes += 4 * values.len();
        data.extend(values_data);
        inits.push(quote! { values: #values_init });
    }
    for (shape_index, (shape, tuples)) in shaped.shapes.iter().zip(&shaped.tuples).enumerate() {
        let params = format_ident!("{}Shape{}", name, shape_index);
        let tuples_constant = format_ident!("STAGE_{}_SHAPE_{}", index, shape_index);
        let tuple_bytes = shapes::tuple_bytes(shape, tuples);
        static_bytes += tuple_bytes.len();
        let tuple_bytes = Literal::byte_string(&tuple_bytes);
        let doc = format!("The parameters of `{}` entries of shape {shape_index}.", stage.name);
        data.extend(quote! {
            #[doc = #doc]
            pub const #tuples_constant: &'static [u8] = #tuple_bytes;
        });
        let field = shape_field(shape_index);
        let decode = shapes::decode(&params, shape, quote! { Self::#tuples_constant });
        inits.push(quote! { #field: #decode });
    }
    (data, quote! { #name { #(#inits,)* } }, static_bytes)
}

/// A table loaded at run time: the file's schema, the loader building the
/// stage's struct from a file, an empty stage to start with, and the name of
/// the loader and the `install_table` arm.
fn loader(
    spec: &Spec,
    index: usize,
    stage: &Stage,
    lookup: &Lookup,
    shaped: &Shaped,
    name: &Ident,
) -> (TokenStream, TokenStream, Ident, TokenStream) {
    let name_of = |field| spec.field_name(field);
    let key_columns = crate::schema::key_columns(&stage.kind, &name_of);
    let loaded = stage.loaded.as_ref().expect("a loaded stage");
    let columns = key_columns.iter().map(|(field, kind, matching)| {
        let kind = value_kind(*kind);
        let matching = match matching {
            Matching::Exact => quote! { Exact },
            Matching::Prefix => quote! { Prefix },
            Matching::Ternary => quote! { Ternary },
        };
        quote! {
            ::nfc::runtime::tables::file::KeyColumn {
                field: #field,
                kind: #kind,
                matching: ::nfc::runtime::tables::file::Matching::#matching,
            }
        }
    });
    let actions = loaded.actions.iter().map(|action| {
        let action_name = &action.name;
        let params = crate::schema::params(action, &name_of).into_iter().map(|(field, kind)| match kind {
            Some(kind) => {
                let kind = value_kind(kind);
                quote! { ::nfc::runtime::tables::file::Param::Value { field: #field, kind: #kind } }
            }
            None => quote! { ::nfc::runtime::tables::file::Param::Port },
        });
        quote! { ::nfc::runtime::tables::file::ActionColumns { name: #action_name, params: &[#(#params),*] } }
    });
    let ports = spec.ports.iter().map(|p| p.name.as_str());
    let schema = format_ident!("STAGE_{}_SCHEMA", index);
    let build = format_ident!("build_stage_{}", index);
    let (builder, insert, finish) = match lookup {
        Lookup::Lpm4(_) => (
            quote! { ::nfc::runtime::tables::Lpm4Builder::new() },
            quote! {
                if let ::core::option::Option::Some((prefix, len)) = entry.key.first().and_then(|k| k.prefix()) {
                    builder.insert(prefix as u32, len, value);
                }
            },
            quote! { builder.build() },
        ),
        Lookup::Lpm6(_) => (
            quote! { ::nfc::runtime::tables::Lpm6Builder::new() },
            quote! {
                if let ::core::option::Option::Some((prefix, len)) = entry.key.first().and_then(|k| k.prefix()) {
                    builder.insert(prefix, len, value);
                }
            },
            quote! { builder.build() },
        ),
        Lookup::Exact(key) => {
            let widths = key.iter().map(|f| f.width());
            (
                quote! { ::nfc::runtime::tables::ExactTableBuilder::new() },
                quote! { builder.insert(::nfc::runtime::tables::file::pack(&entry.key, &[#(#widths),*]), value); },
                quote! { builder.build() },
            )
        }
        Lookup::Classify(key) => {
            let widths: Vec<u32> = key.iter().map(|f| f.width()).collect();
            (
                quote! { ::nfc::runtime::tables::ClassifierBuilder::new(&[#(#widths),*]) },
                quote! {
                    builder.push(&::nfc::runtime::tables::file::field_matches(&entry.key, &[#(#widths),*]));
                    values.push(value);
                },
                quote! { builder.build() },
            )
        }
    };
    let classifies = matches!(lookup, Lookup::Classify(_));
    let shape_names: Vec<Ident> = (0..shaped.shapes.len()).map(shape_field).collect();
    let arms = shaped.shapes.iter().enumerate().map(|(shape_index, shape)| {
        let params = format_ident!("{}Shape{}", name, shape_index);
        let field = shape_field(shape_index);
        let values = shape.holes.iter().enumerate().map(|(hole_index, &hole)| {
            let param = shapes::param_field(hole_index);
            let (ty, _) = shapes::hole_type(&shape.decision, hole);
            quote! { #param: entry.args.get(#hole_index).copied().unwrap_or(0) as #ty }
        });
        let shape_index = shape_index as u32;
        quote! {
            #shape_index => {
                #field.push(#params { #(#values,)* });
                (#field.len() - 1, #shape_index)
            }
        }
    });
    let values_init = classifies.then(|| quote! { values: values.into_boxed_slice(), });
    let empty_values = classifies.then(|| quote! { values: ::std::boxed::Box::new([]), });
    let empty_builder = match lookup {
        Lookup::Classify(key) => {
            let widths: Vec<u32> = key.iter().map(|f| f.width()).collect();
            quote! { ::nfc::runtime::tables::ClassifierBuilder::new(&[#(#widths),*]).build() }
        }
        _ => quote! { #builder.build() },
    };
    let mask_bits = TUPLE_BITS;
    let table = &stage.name;
    let data = quote! {
        #[doc = "What the lines of the table's entries file hold."]
        pub const #schema: ::nfc::runtime::tables::file::Schema<'static> = ::nfc::runtime::tables::file::Schema {
            key: &[#(#columns),*],
            actions: &[#(#actions),*],
            ports: &[#(#ports),*],
        };

        #[doc = concat!("Reads the entries of table `", #table, "` from a file's text and builds the table.")]
        pub fn #build(file: &str, text: &str) -> ::core::result::Result<#name, ::std::string::String> {
            let entries = ::nfc::runtime::tables::file::parse(file, text, &Self::#schema)
                .map_err(|errors| ::nfc::runtime::tables::file::describe(&errors))?;
            let mut builder = #builder;
            let mut values: ::std::vec::Vec<u32> = ::std::vec::Vec::new();
            #(let mut #shape_names = ::std::vec::Vec::new();)*
            for entry in &entries {
                let (tuple, shape) = match entry.action as u32 {
                    #(#arms)*
                    _ => continue,
                };
                if tuple >= 1 << #mask_bits {
                    return ::core::result::Result::Err(::std::format!(
                        "{}:{}:1: error: found more than 2^24 entries of one action, expected fewer",
                        file, entry.line
                    ));
                }
                let value = shape << #mask_bits | tuple as u32;
                #insert
            }
            let _ = &values;
            ::core::result::Result::Ok(#name {
                engine: #finish,
                #values_init
                #(#shape_names: #shape_names.into_boxed_slice(),)*
            })
        }
    };
    let empty = quote! {
        #name {
            engine: #empty_builder,
            #empty_values
            #(#shape_names: ::std::boxed::Box::new([]),)*
        }
    };
    let field = stage_field(index);
    let install = quote! {
        if let ::core::result::Result::Ok(table) = table.downcast::<#name>() {
            self.#field = *table;
        }
    };
    (data, empty, build, install)
}

/// A `ValueKind` as a path in generated code.
fn value_kind(kind: ValueKind) -> TokenStream {
    let path = quote! { ::nfc::runtime::tables::text::ValueKind };
    match kind {
        ValueKind::Mac => quote! { #path::Mac },
        ValueKind::Ipv4 => quote! { #path::Ipv4 },
        ValueKind::Ipv6 => quote! { #path::Ipv6 },
        ValueKind::Unsigned { bits } => quote! { #path::Unsigned { bits: #bits } },
        ValueKind::EtherType => quote! { #path::EtherType },
        ValueKind::IpProto => quote! { #path::IpProto },
        ValueKind::TcpFlags => quote! { #path::TcpFlags },
        ValueKind::FragState => quote! { #path::FragState },
        ValueKind::Ipv6Ext => quote! { #path::Ipv6Ext },
        ValueKind::PortOrNumber { bits } => quote! { #path::PortOrNumber { bits: #bits } },
    }
}

/// The stage's per-packet code: the rule list's or a table's.
fn code(spec: &Spec, index: usize, dispatch: &Dispatch) -> TokenStream {
    if index == ENTRY {
        classify_rules(spec, dispatch)
    } else {
        lookup(spec, index, super::first_counter(spec, index), dispatch)
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
            quote! { #name as u128 }
        } else {
            quote! { (#name as u128) << #shift }
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
        EntryKey::Outcome(_) => unreachable!("outcomes are not table entries"),
    }
}

/// The code running the decision the engine's `value` names; `counter` is
/// the counter expression (the table's hit counter, or the rule's index).
fn dispatch(spec: &Spec, index: usize, dispatch: &Dispatch, counter: TokenStream) -> TokenStream {
    match dispatch {
        Dispatch::Decisions(decisions) => {
            let arms = id_arms(decisions, |d| decision(spec, index, counter.clone(), d));
            quote! { match value { #arms } }
        }
        Dispatch::Shapes(shaped) => {
            let stage = stage_field(index);
            let arms = shaped.shapes.iter().enumerate().map(|(shape_index, shape)| {
                let field = shape_field(shape_index);
                let body = decision_with(spec, index, counter.clone(), &shape.decision, &shapes::hole_values(shape));
                let shape_index = shape_index as u32;
                quote! {
                    #shape_index => {
                        if let ::core::option::Option::Some(&p) = self.#stage.#field.get(tuple) {
                            #body
                        }
                    }
                }
            });
            let mask = (1u32 << TUPLE_BITS) - 1;
            quote! {
                let tuple = (value & #mask) as usize;
                match value >> #TUPLE_BITS {
                    #(#arms)*
                    _ => {}
                }
            }
        }
    }
}

/// A large table's lookup: the engine's value names the entry's decision;
/// a miss runs the default.
fn lookup(spec: &Spec, index: usize, hit_counter: usize, how: &Dispatch) -> TokenStream {
    let stage = &spec.stages[index];
    let field = stage_field(index);
    let engine = quote! { #field.engine };
    let run = dispatch(spec, index, how, quote! { #hit_counter });
    let miss_counter = hit_counter + 1;
    let miss = decision(spec, index, quote! { #miss_counter }, &stage.default);
    let found = match lookup_kind(stage) {
        Lookup::Lpm4(field) | Lookup::Lpm6(field) => {
            let read = read(field);
            quote! {
                if let ::core::option::Option::Some(key) = #read {
                    if let ::core::option::Option::Some(value) = self.#engine.lookup(key) {
                        #run
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
                    if let ::core::option::Option::Some(value) = self.#engine.lookup(#packed) {
                        #run
                    }
                }
            }
        }
        Lookup::Classify(key) => {
            let reads = key.iter().map(|&field| {
                let read = read(field);
                quote! { #read.map(u128::from) }
            });
            quote! {
                let key = [#(#reads),*];
                if let ::core::option::Option::Some(entry) = self.#engine.classify(&key) {
                    if let ::core::option::Option::Some(&value) = self.#field.values.get(entry as usize) {
                        #run
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
fn classify_rules(spec: &Spec, how: &Dispatch) -> TokenStream {
    let stage = &spec.stages[ENTRY];
    let StageKind::FirstMatch { key } = &stage.kind else { unreachable!("the rule list is first match") };
    let reads = key.iter().map(|&field| {
        let read = read(field);
        quote! { #read.map(u128::from) }
    });
    let run = dispatch(spec, ENTRY, how, quote! { rule });
    let field = stage_field(ENTRY);
    let default_counter = stage.entries.len();
    let default = decision(spec, ENTRY, quote! { #default_counter }, &stage.default);
    quote! {
        let key = [#(#reads),*];
        if let ::core::option::Option::Some(rule) = self.#field.engine.classify(&key) {
            let rule = rule as usize;
            if let ::core::option::Option::Some(&value) = self.#field.values.get(rule) {
                #run
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
