//! Action data: a large table's decisions as code once per shape and data
//! per entry, as P4 compiles actions and their action data.
//!
//! A shape is a decision with holes where its constants were: `set eth.dst
//! = ?, dec_ttl, output ?`. Entries whose decisions differ only in those
//! constants share a shape; the code for it is generated once, reading the
//! constants from a small struct of the entry's parameters. Equal parameter
//! tuples are stored once, so a table whose 100,000 routes go to 16 next
//! hops keeps 16 tuples, and one whose every host route has its own MAC
//! keeps 100,000 — as static bytes, which rustc compiles in a blink.

use super::fields::value_type;
use crate::ir::{Action, Decision, Hole, Target};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use std::collections::HashMap;

/// A decision with holes; the holes' values are zero in `decision`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) struct Shape {
    pub decision: Decision,
    pub holes: Vec<Hole>,
}

/// Every constant of `decision` made a hole: its shape and the values.
pub(super) fn shape_of(decision: &Decision) -> (Shape, Vec<u128>) {
    let mut template = decision.clone();
    let mut holes = Vec::new();
    let mut values = Vec::new();
    for (index, action) in template.actions.iter_mut().enumerate() {
        match action {
            Action::Set { value, .. } => {
                holes.push(Hole::SetValue(index));
                values.push(std::mem::take(value));
            }
            Action::PushVlan { vid, pcp } => {
                holes.extend([Hole::PushVid(index), Hole::PushPcp(index)]);
                values.extend([u128::from(std::mem::take(vid)), u128::from(std::mem::take(pcp))]);
            }
            Action::Copy { .. }
            | Action::DecrementTtl
            | Action::SwapMacs
            | Action::PopVlan
            | Action::ArpReply { .. }
            | Action::IcmpError { .. } => {}
        }
    }
    match &mut template.target {
        Target::Ports(bits) => {
            holes.push(Hole::Ports);
            values.push(u128::from(std::mem::replace(bits, 0)));
        }
        Target::Goto(stage) => {
            holes.push(Hole::Goto);
            values.push(std::mem::take(stage) as u128);
        }
        Target::Drop | Target::Flood | Target::InPort | Target::MetaPort(_) => {}
    }
    (Shape { decision: template, holes }, values)
}

/// A large stage's decisions as shapes: each shape's distinct parameter
/// tuples, and per entry the value its engine yields, `shape << 24 | tuple`.
pub(super) struct Shaped {
    pub shapes: Vec<Shape>,
    pub tuples: Vec<Vec<Vec<u128>>>,
    pub values: Vec<u32>,
}

/// Bits of an engine value that number the tuple within its shape.
pub(super) const TUPLE_BITS: u32 = 24;

pub(super) fn shaped<'a>(decisions: impl Iterator<Item = &'a Decision>) -> Shaped {
    let mut shapes: Vec<Shape> = Vec::new();
    let mut shape_ids: HashMap<Shape, usize> = HashMap::new();
    let mut tuples: Vec<Vec<Vec<u128>>> = Vec::new();
    let mut tuple_ids: Vec<HashMap<Vec<u128>, usize>> = Vec::new();
    let mut values = Vec::new();
    for decision in decisions {
        let (shape, tuple) = shape_of(decision);
        let shape_id = *shape_ids.entry(shape.clone()).or_insert_with(|| {
            shapes.push(shape);
            tuples.push(Vec::new());
            tuple_ids.push(HashMap::new());
            shapes.len() - 1
        });
        let tuple_id = *tuple_ids[shape_id].entry(tuple.clone()).or_insert_with(|| {
            tuples[shape_id].push(tuple);
            tuples[shape_id].len() - 1
        });
        assert!(shape_id < 256 && tuple_id < 1 << TUPLE_BITS, "a table has at most 256 shapes of 2^24 entries");
        values.push((shape_id as u32) << TUPLE_BITS | tuple_id as u32);
    }
    Shaped { shapes, tuples, values }
}

/// The Rust type and byte width of a hole's value.
pub(super) fn hole_type(decision: &Decision, hole: Hole) -> (TokenStream, usize) {
    match hole {
        Hole::SetValue(index) => match decision.actions[index] {
            Action::Set { field, .. } => {
                let width = (field.width() as usize).div_ceil(8).next_power_of_two();
                (value_type(field), width)
            }
            _ => unreachable!("a set hole is a set"),
        },
        Hole::PushVid(_) => (quote! { u16 }, 2),
        Hole::PushPcp(_) | Hole::Goto => (quote! { u8 }, 1),
        Hole::Ports => (quote! { u32 }, 4),
    }
}

/// The field of the parameter struct holding hole `index`.
pub(super) fn param_field(index: usize) -> Ident {
    format_ident!("p{}", index)
}

/// `struct NAME { p0: T0, .. }`: one entry's parameters of `shape`.
pub(super) fn params_struct(name: &Ident, shape: &Shape) -> TokenStream {
    let fields = shape.holes.iter().enumerate().map(|(index, &hole)| {
        let field = param_field(index);
        let (ty, _) = hole_type(&shape.decision, hole);
        quote! { #field: #ty }
    });
    quote! {
        #[doc(hidden)]
        #[derive(Clone, Copy, Debug)]
        struct #name { #(#fields,)* }
    }
}

/// The tuples of a shape as bytes, in the order `decode` reads them.
pub(super) fn tuple_bytes(shape: &Shape, tuples: &[Vec<u128>]) -> Vec<u8> {
    let widths: Vec<usize> = shape.holes.iter().map(|&h| hole_type(&shape.decision, h).1).collect();
    let mut bytes = Vec::with_capacity(tuples.len() * widths.iter().sum::<usize>());
    for tuple in tuples {
        for (&value, &width) in tuple.iter().zip(&widths) {
            nfc_runtime::tables::push_param(&mut bytes, value, width);
        }
    }
    bytes
}

/// An expression building the `Box<[NAME]>` of a shape's tuples from `data`
/// (an expression of type `&[u8]` laid out by `tuple_bytes`).
pub(super) fn decode(name: &Ident, shape: &Shape, data: TokenStream) -> TokenStream {
    let fields = shape.holes.iter().enumerate().map(|(index, &hole)| {
        let field = param_field(index);
        let (ty, width) = hole_type(&shape.decision, hole);
        quote! { #field: data.take(#width) as #ty }
    });
    quote! {
        {
            let mut data = ::nfc::runtime::tables::Params::new(#data);
            let mut tuples = ::std::vec::Vec::new();
            while !data.is_empty() {
                tuples.push(#name { #(#fields,)* });
            }
            tuples.into_boxed_slice()
        }
    }
}

/// The value expression of each hole, read from the parameters `p`.
pub(super) fn hole_values(shape: &Shape) -> Vec<(Hole, TokenStream)> {
    shape
        .holes
        .iter()
        .enumerate()
        .map(|(index, &hole)| {
            let field = param_field(index);
            (hole, quote! { p.#field })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Field;

    fn route(mac: u128, port: u32) -> Decision {
        Decision {
            actions: vec![Action::Set { field: Field::EthDst, value: mac }, Action::DecrementTtl],
            target: Target::Ports(1 << port),
        }
    }

    #[test]
    fn decisions_differing_in_constants_share_a_shape_and_equal_tuples_are_kept_once() {
        let decisions = [route(1, 0), route(2, 1), route(1, 0), Decision::DROP];
        let shaped = shaped(decisions.iter());
        assert_eq!(shaped.shapes.len(), 2);
        assert_eq!(shaped.shapes[0].holes, vec![Hole::SetValue(0), Hole::Ports]);
        assert_eq!(shaped.tuples[0], vec![vec![1, 1], vec![2, 2]]);
        assert_eq!(shaped.tuples[1], vec![Vec::<u128>::new()]);
        assert_eq!(shaped.values, vec![0, 1, 0, 1 << TUPLE_BITS]);
    }

    #[test]
    fn tuples_are_written_at_their_types_widths() {
        let (shape, values) = shape_of(&route(0x0200_0000_0001, 2));
        let bytes = tuple_bytes(&shape, &[values]);
        assert_eq!(bytes, [1, 0, 0, 0, 0, 2, 0, 0, 4, 0, 0, 0], "u64 MAC, u32 port set");
    }
}
