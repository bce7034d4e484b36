//! What an entries file's lines hold for a table: the key columns and each
//! action's parameters, as the runtime's file reader takes them. The
//! frontend reads `entries_file`s with it; the code generator emits it for
//! tables loaded at run time, so both read a file alike.

use crate::frontend::values;
use crate::ir::{Action, ActionTemplate, Field, Hole, StageKind};
use nfc_runtime::tables::file::Matching;
use nfc_runtime::tables::text::ValueKind;

/// The key columns of a table: field name, value kind, how it matches.
pub fn key_columns(kind: &StageKind, name_of: impl Fn(Field) -> String) -> Vec<(String, ValueKind, Matching)> {
    let matching = match kind {
        StageKind::LongestPrefix { .. } => Matching::Prefix,
        StageKind::Exact { .. } => Matching::Exact,
        StageKind::FirstMatch { .. } => Matching::Ternary,
    };
    kind.key_fields().iter().map(|&f| (name_of(f), values::kind(f), matching)).collect()
}

/// An action's parameters in order: the field each fills (named) with its
/// kind of value, or `None` for an output port.
pub fn params(action: &ActionTemplate, name_of: impl Fn(Field) -> String) -> Vec<(String, Option<ValueKind>)> {
    action
        .holes
        .iter()
        .map(|&hole| match hole {
            Hole::SetValue(i) => match action.decision.actions[i] {
                Action::Set { field, .. } => (name_of(field), Some(values::kind(field))),
                _ => unreachable!("a set hole is a set"),
            },
            Hole::PushVid(_) => ("push_vlan vid".to_owned(), Some(ValueKind::Unsigned { bits: 12 })),
            Hole::PushPcp(_) => ("push_vlan pcp".to_owned(), Some(ValueKind::Unsigned { bits: 3 })),
            Hole::Ports | Hole::Goto => ("output".to_owned(), None),
        })
        .collect()
}
