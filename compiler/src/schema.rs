//! What an entries file's lines hold for a table: the key columns and each
//! action's parameters, as the runtime's file reader takes them. The
//! frontend reads `entries_file`s with it; the code generator emits it for
//! tables loaded at run time, so both read a file alike.

use crate::frontend::lower::fill;
use crate::frontend::values;
use crate::ir::{Action, ActionTemplate, Condition, Entry, EntryKey, Field, Hole, StageKind, Test};
use nfc_runtime::tables::file::{self, ActionColumns, FileError, KeyColumn, KeyValue, Matching, Param};
use nfc_runtime::tables::text::{Match, ValueKind};

/// The key columns of a table: field name, value kind, how it matches.
pub fn key_columns(kind: &StageKind, name_of: &impl Fn(Field) -> String) -> Vec<(String, ValueKind, Matching)> {
    let matching = match kind {
        StageKind::LongestPrefix { .. } => Matching::Prefix,
        StageKind::Exact { .. } => Matching::Exact,
        StageKind::FirstMatch { .. } => Matching::Ternary,
        // No key and no entries file (the frontend rejects one).
        StageKind::Stateful(_) => Matching::Exact,
    };
    kind.key_fields().iter().map(|&f| (name_of(f), values::kind(f), matching)).collect()
}

/// An action's parameters in order: the field each fills (named) with its
/// kind of value, or `None` for an output port.
pub fn params(action: &ActionTemplate, name_of: &impl Fn(Field) -> String) -> Vec<(String, Option<ValueKind>)> {
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

/// The entries of an entries file for a table of `kind` whose lines name
/// `actions`, each with the decision its action and arguments make; or
/// every error, at the file's own lines and columns.
pub fn entries_from_file(
    path: &str,
    text: &str,
    kind: &StageKind,
    actions: &[ActionTemplate],
    ports: &[&str],
    name_of: impl Fn(Field) -> String,
) -> Result<Vec<Entry>, Vec<FileError>> {
    let key_columns = key_columns(kind, &name_of);
    let params: Vec<Vec<(String, Option<ValueKind>)>> = actions.iter().map(|action| params(action, &name_of)).collect();
    let key: Vec<KeyColumn> = key_columns
        .iter()
        .map(|(field, kind, matching)| KeyColumn { field, kind: *kind, matching: *matching })
        .collect();
    let param_lists: Vec<Vec<Param>> = params
        .iter()
        .map(|list| {
            list.iter().map(|(field, kind)| kind.map_or(Param::Port, |kind| Param::Value { field, kind })).collect()
        })
        .collect();
    let columns: Vec<ActionColumns> =
        actions.iter().zip(&param_lists).map(|(action, params)| ActionColumns { name: &action.name, params }).collect();
    let entries = file::parse(path, text, &file::Schema { key: &key, actions: &columns, ports })?;
    let fields = kind.key_fields();
    Ok(entries
        .into_iter()
        .map(|entry| {
            let key = match kind {
                StageKind::LongestPrefix { .. } => {
                    let (value, len) = entry.key[0].prefix().expect("prefix columns read prefixes");
                    EntryKey::Prefix { value, len }
                }
                StageKind::Exact { .. } => EntryKey::Exact(entry.key.iter().map(|k| k.exact()).collect()),
                StageKind::Stateful(_) => unreachable!("stateful stages take no entries file"),
                StageKind::FirstMatch { .. } => EntryKey::Conditions(
                    fields
                        .iter()
                        .zip(&entry.key)
                        .filter_map(|(&field, key)| match *key {
                            KeyValue::Test(Match::Masked { value, mask }) => {
                                Some(Condition { field, test: Test::Masked { value, mask } })
                            }
                            KeyValue::Test(Match::Range { low, high }) => {
                                Some(Condition { field, test: Test::Range { low, high } })
                            }
                            _ => None,
                        })
                        .collect(),
                ),
            };
            Entry { name: String::new(), key, decision: fill(&actions[entry.action], &entry.args) }
        })
        .collect())
}
