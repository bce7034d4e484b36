//! Entries files: a table's entries kept apart from the spec, one per line.
//!
//! ```text
//! # prefix,        action,  its arguments in the action's order
//! 10.1.0.0/16,     forward, 02:00:00:00:01:01, lan
//! 0.0.0.0/0,       drop
//! ```
//! A line holds the key (one column per key field), then the name of an
//! action, then its arguments; `#` starts a comment. The compiler reads
//! such files at build time (`entries_file`), and a deployment binary reads
//! them when it starts and whenever it is told to reload (`load =
//! "runtime"`): both with this code, so a file means the same to both.
//! Every error names the file, line and column; all of them are reported.

use super::text::{self, Context, Match, ValueKind};
use std::collections::HashMap;
use std::fmt;

/// How a key column matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Matching {
    Exact,
    /// A prefix; a bare address is a full-length one.
    Prefix,
    /// An exact value, value/mask, prefix, range, or `*` for any.
    Ternary,
}

/// One key column: the field it is (for messages) and how it matches.
#[derive(Clone, Copy, Debug)]
pub struct KeyColumn<'a> {
    pub field: &'a str,
    pub kind: ValueKind,
    pub matching: Matching,
}

/// What an action's argument is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param<'a> {
    /// A value of a field (named for messages).
    Value { field: &'a str, kind: ValueKind },
    /// An output port, by name: its bit in a port set (`1 << port`).
    Port,
}

/// An action a line may name, with its parameters in order.
#[derive(Clone, Copy, Debug)]
pub struct ActionColumns<'a> {
    pub name: &'a str,
    pub params: &'a [Param<'a>],
}

/// What a file's lines must hold.
#[derive(Clone, Copy, Debug)]
pub struct Schema<'a> {
    pub key: &'a [KeyColumn<'a>],
    pub actions: &'a [ActionColumns<'a>],
    /// Port names, for `Param::Port` and `ValueKind::PortOrNumber`.
    pub ports: &'a [&'a str],
}

/// One key column of an entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyValue {
    Exact(u128),
    Prefix {
        value: u128,
        len: u8,
    },
    Test(Match),
    /// `*`: any value, and an absent field too.
    Any,
}

impl KeyValue {
    /// The value of an exact column (0 for any other).
    pub fn exact(self) -> u128 {
        match self {
            KeyValue::Exact(value) => value,
            _ => 0,
        }
    }

    /// The prefix of a prefix column.
    pub fn prefix(self) -> Option<(u128, u8)> {
        match self {
            KeyValue::Prefix { value, len } => Some((value, len)),
            _ => None,
        }
    }
}

/// Exact key columns packed into one u128, the first in the highest bits
/// (as generated code packs the fields it reads).
pub fn pack(key: &[KeyValue], widths: &[u32]) -> u128 {
    key.iter().zip(widths).fold(0u128, |packed, (value, &width)| packed.checked_shl(width).unwrap_or(0) | value.exact())
}

/// An entry's key as classifier matches, one dimension per column; `*`
/// tests nothing.
pub fn field_matches(key: &[KeyValue], widths: &[u32]) -> Vec<super::FieldMatch> {
    let full = |width: u32| u128::MAX.checked_shr(128 - width).unwrap_or(0);
    key.iter()
        .zip(widths)
        .enumerate()
        .filter_map(|(dimension, (value, &width))| {
            let dimension = dimension as u8;
            let (mask, low, high) = match *value {
                KeyValue::Exact(v) => (full(width), v, v),
                KeyValue::Test(Match::Masked { value, mask }) => (mask, value, value),
                KeyValue::Test(Match::Range { low, high }) => (full(width), low, high),
                KeyValue::Prefix { value, len } => {
                    (full(width) & !full(width).checked_shr(u32::from(len)).unwrap_or(0), value, value)
                }
                KeyValue::Any => return None,
            };
            Some(super::FieldMatch { dimension, mask, low, high })
        })
        .collect()
}

/// Every error of a file, one per line, for `NetworkFunction` loaders.
pub fn describe(errors: &[FileError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n")
}

/// An entry as read: key, the index of its action, the arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    /// The line it came from, 1-based.
    pub line: usize,
    pub key: Vec<KeyValue>,
    pub action: usize,
    pub args: Vec<u128>,
}

/// A problem at a place in an entries file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}: error: {}", self.file, self.line, self.column, self.message)
    }
}

/// At most this many errors are reported for one file: past it, the file is
/// the wrong one, and more lines would only bury the first.
pub const MAX_ERRORS: usize = 50;

/// Read every entry of `text` (named `file` in errors) as `schema` says.
pub fn parse(file: &str, text: &str, schema: &Schema) -> Result<Vec<FileEntry>, Vec<FileError>> {
    let mut entries = Vec::new();
    let mut errors = Vec::new();
    // Exact and prefix keys must be unique: the line each was first on.
    let mut seen: HashMap<Vec<KeyValue>, usize> = HashMap::new();
    let unique_keys = schema.key.iter().all(|k| k.matching != Matching::Ternary);
    for line in text::lines(text) {
        if errors.len() >= MAX_ERRORS {
            break;
        }
        let mut error = |column: usize, message: String| {
            errors.push(FileError { file: file.to_owned(), line: line.number, column, message });
        };
        let keys = schema.key.len();
        if line.columns.len() <= keys {
            let last = line.columns.last().map_or(1, |&(column, text)| column + text.chars().count());
            let noun = if line.columns.len() == 1 { "column" } else { "columns" };
            error(last, format!("found {} {noun}, expected the key ({keys}) and then an action", line.columns.len()));
            continue;
        }
        let mut key = Vec::with_capacity(keys);
        let mut valid = true;
        for (column, &(at, written)) in schema.key.iter().zip(&line.columns) {
            let context = Context { field: column.field, ports: schema.ports };
            let value = match column.matching {
                Matching::Exact => text::scalar(column.kind, context, written).map(KeyValue::Exact),
                Matching::Prefix => {
                    text::prefix(column.kind, context, written).map(|(value, len)| KeyValue::Prefix { value, len })
                }
                Matching::Ternary if written == "*" => Ok(KeyValue::Any),
                Matching::Ternary => text::test(column.kind, context, written).map(KeyValue::Test),
            };
            match value {
                Ok(value) => key.push(value),
                Err(message) => {
                    error(at, message);
                    valid = false;
                }
            }
        }
        let (action_at, action_name) = line.columns[keys];
        let Some(action) = schema.actions.iter().position(|a| a.name == action_name) else {
            let names: Vec<&str> = schema.actions.iter().map(|a| a.name).collect();
            error(action_at, format!("found action `{action_name}`, expected one of {}", names.join(", ")));
            continue;
        };
        let params = schema.actions[action].params;
        let given = &line.columns[keys + 1..];
        if given.len() != params.len() {
            let at = given.get(params.len()).map_or_else(
                || line.columns.last().map_or(1, |&(column, text)| column + text.chars().count()),
                |&(column, _)| column,
            );
            let noun = if given.len() == 1 { "argument" } else { "arguments" };
            error(at, format!("found {} {noun} for `{action_name}`, expected {}", given.len(), params.len()));
            continue;
        }
        let mut args = Vec::with_capacity(params.len());
        for (param, &(at, written)) in params.iter().zip(given) {
            let value = match *param {
                Param::Value { field, kind } => text::scalar(kind, Context { field, ports: schema.ports }, written),
                Param::Port => match schema.ports.iter().position(|p| *p == written) {
                    Some(port) => Ok(1u128 << port),
                    None => Err(format!("found port `{written}`, expected one of {}", schema.ports.join(", "))),
                },
            };
            match value {
                Ok(value) => args.push(value),
                Err(message) => {
                    error(at, message);
                    valid = false;
                }
            }
        }
        if !valid {
            continue;
        }
        if unique_keys {
            if let Some(first) = seen.insert(key.clone(), line.number) {
                error(line.columns[0].0, format!("found the key of line {first} again, expected unique keys"));
                continue;
            }
        }
        entries.push(FileEntry { line: line.number, key, action, args });
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORWARD: [Param<'static>; 2] = [Param::Value { field: "eth.dst", kind: ValueKind::Mac }, Param::Port];
    const SCHEMA: Schema = Schema {
        key: &[KeyColumn { field: "ipv4.dst", kind: ValueKind::Ipv4, matching: Matching::Prefix }],
        actions: &[ActionColumns { name: "forward", params: &FORWARD }, ActionColumns { name: "drop", params: &[] }],
        ports: &["lan", "wan"],
    };

    #[test]
    fn reads_keys_actions_and_arguments() {
        let text = "# routes\n10.1.0.0/16, forward, 02:00:00:00:01:01, wan\n0.0.0.0/0,drop\n";
        let entries = parse("r.csv", text, &SCHEMA).unwrap();
        assert_eq!(
            entries,
            vec![
                FileEntry {
                    line: 2,
                    key: vec![KeyValue::Prefix { value: 0x0a01_0000, len: 16 }],
                    action: 0,
                    args: vec![0x0200_0000_0101, 0b10],
                },
                FileEntry { line: 3, key: vec![KeyValue::Prefix { value: 0, len: 0 }], action: 1, args: vec![] },
            ]
        );
    }

    #[test]
    fn every_error_with_its_line_and_column() {
        let text = "10.1.0.1/16, forward, 02:00:00:00:01:01, wan\n\
                    10.2.0.0/16, fwd\n\
                    10.3.0.0/16, forward, 02:00:00:00:01:01\n\
                    10.4.0.0/16, forward, 02:00:00:00:01, dmz\n\
                    10.5.0.0/16\n\
                    10.6.0.0/16, drop\n\
                    10.6.0.0/16, drop\n";
        let errors: Vec<String> = parse("r.csv", text, &SCHEMA).unwrap_err().iter().map(ToString::to_string).collect();
        assert_eq!(
            errors,
            [
                "r.csv:1:1: error: found `10.1.0.1/16` with host bits set, expected a prefix whose bits past /16 are zero",
                "r.csv:2:14: error: found action `fwd`, expected one of forward, drop",
                "r.csv:3:40: error: found 1 argument for `forward`, expected 2",
                "r.csv:4:23: error: found `02:00:00:00:01`, expected a MAC address such as 02:00:00:00:00:01 for `eth.dst`",
                "r.csv:4:39: error: found port `dmz`, expected one of lan, wan",
                "r.csv:5:12: error: found 1 column, expected the key (1) and then an action",
                "r.csv:7:1: error: found the key of line 6 again, expected unique keys",
            ]
        );
    }

    #[test]
    fn ternary_keys_take_wildcards_and_may_repeat() {
        let schema = Schema {
            key: &[
                KeyColumn { field: "in_port", kind: ValueKind::PortOrNumber { bits: 8 }, matching: Matching::Exact },
                KeyColumn { field: "tcp.dst", kind: ValueKind::Unsigned { bits: 16 }, matching: Matching::Ternary },
            ],
            actions: &[ActionColumns { name: "drop", params: &[] }],
            ports: &["lan", "wan"],
        };
        let entries = parse("acl.csv", "wan, 1024-2047, drop\nwan, *, drop\nwan, *, drop\n", &schema).unwrap();
        assert_eq!(entries[0].key, vec![KeyValue::Exact(1), KeyValue::Test(Match::Range { low: 1024, high: 2047 })]);
        assert_eq!(entries[1].key, vec![KeyValue::Exact(1), KeyValue::Any]);
        assert_eq!(entries.len(), 3);
    }
}
