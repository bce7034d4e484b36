//! Stages: the top-level rule list and the tables.

use super::{suggestion, Lowering};
use crate::diag::Severity;
use crate::frontend::ast::*;
use crate::frontend::values;
use crate::ir::*;
use std::collections::{BTreeSet, HashSet};

/// How a table matches, as the spec names it.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Lpm,
    Exact,
    /// `ternary` and `range`: first match by priority, each key field of an
    /// entry an exact value, value/mask, prefix, range or `*`.
    Ternary,
}

const KINDS: [&str; 9] = ["lpm", "exact", "ternary", "range", "learn", "conntrack", "nat", "policer", "maglev"];

impl<P: Copy> Lowering<'_, P> {
    /// The top-level `[[rule]]` list and `[default]`: the entry stage.
    pub(super) fn rule_list(&mut self, rules: &[RuleAst<P>], default: Option<&DecisionAst<P>>) -> Stage {
        let mut entries = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            let name = rule.name.as_ref().map_or_else(|| format!("rule{index}"), |n| n.value.clone());
            let conditions = self.conditions(&rule.matches);
            let decision = self.decision(&rule.decision, &format!("rule `{name}`"));
            entries.push(Entry { name, key: EntryKey::Conditions(conditions), decision });
        }
        let default = default.map_or(Decision::DROP, |d| self.decision(d, "[default]"));
        let key = tested_fields(&entries);
        Stage { name: "rules".to_owned(), kind: StageKind::FirstMatch { key }, entries, default, loaded: None }
    }

    pub(super) fn table(&mut self, ast: &TableAst<P>) -> Stage {
        let name = ast.name.as_ref().map_or_else(|| "table".to_owned(), |n| n.value.clone());
        if let Some(given) = &ast.name {
            if !super::is_identifier(&given.value) {
                self.error(
                    given.at,
                    format!("found table name `{name}`, expected letters, digits or `_`, starting with a letter"),
                );
            }
        }
        if let Some(At { value: Value::Text(kind), .. }) = &ast.kind {
            if let Some(kind) = STATEFUL_KINDS.iter().find(|k| **k == kind) {
                return self.stateful_table(ast, name, kind);
            }
        }
        let kind = self.kind(ast, &name);
        let key = self.key(ast, &name, kind);
        let default = ast.default.as_ref().map_or(Decision::DROP, |d| self.decision(d, "a table default"));
        let stage_kind = match (kind, &key) {
            (Some(Kind::Lpm), Some(key)) => StageKind::LongestPrefix { key: key[0] },
            (Some(Kind::Exact), Some(key)) => StageKind::Exact { key: key.clone() },
            (Some(Kind::Ternary), Some(key)) => StageKind::FirstMatch { key: key.clone() },
            // The cause is reported; the entries' keys would only repeat it,
            // but their decisions stand on their own.
            _ => {
                for entry in &ast.entries {
                    self.decision(&entry.decision, "a table entry");
                }
                return Stage {
                    name,
                    kind: StageKind::FirstMatch { key: vec![] },
                    entries: vec![],
                    default,
                    loaded: None,
                };
            }
        };
        let mut entries: Vec<(i128, Entry)> = Vec::new();
        let mut seen = HashSet::new();
        for entry in &ast.entries {
            if let Some(lowered) = self.entry(entry, &stage_kind, &name, &mut seen) {
                entries.push(lowered);
            }
        }
        let mut loaded = None;
        if let Some(load) = &ast.load {
            if load.value != "runtime" {
                self.error(load.at, format!("found load = \"{}\", expected load = \"runtime\"", load.value));
            } else if !ast.entries.is_empty() || ast.entries_file.is_some() {
                self.error(
                    load.at,
                    format!(
                        "found entries in table `{name}`, which is loaded at run time, expected its entries only \
                         in the file given when the binary starts"
                    ),
                );
            } else {
                loaded = Some(LoadedEntries { actions: self.allowed_actions(ast, &name) });
            }
        }
        if let Some(file) = &ast.entries_file {
            let actions = self.allowed_actions(ast, &name);
            entries.extend(self.file_entries(file, &stage_kind, &actions).into_iter().map(|e| (0, e)));
        } else if ast.actions.is_some() && ast.load.is_none() {
            let at = ast.actions.as_ref().map_or(ast.at, |a| a.at);
            self.error(
                at,
                "found `actions` in a table whose entries are in the spec, expected it only with entries_file or load",
            );
        }
        // Higher priority first; among equals, the order written.
        entries.sort_by_key(|(priority, _)| std::cmp::Reverse(*priority));
        Stage { name, kind: stage_kind, entries: entries.into_iter().map(|(_, e)| e).collect(), default, loaded }
    }

    /// The actions an entries file may name: the table's `actions`, or every
    /// `[[action]]` of the spec.
    fn allowed_actions(&mut self, ast: &TableAst<P>, table: &str) -> Vec<ActionTemplate> {
        let lowered = |templates: &[(String, Option<ActionTemplate>)], name: &str| {
            templates.iter().find(|(n, _)| n == name).map(|(_, t)| t.clone())
        };
        let Some(names) = &ast.actions else {
            let all: Vec<ActionTemplate> = self.templates.iter().filter_map(|(_, t)| t.clone()).collect();
            if self.templates.is_empty() {
                self.error(
                    ast.at,
                    format!("found no [[action]] for the lines of table `{table}` to name, expected at least one"),
                );
            }
            return all;
        };
        let mut actions = Vec::new();
        for name in &names.value {
            match lowered(&self.templates, &name.value) {
                Some(Some(template)) => actions.push(template),
                // Broken where it is defined, and reported there.
                Some(None) => {}
                None => {
                    let hint = suggestion(&name.value, self.templates.iter().map(|(n, _)| n.as_str()));
                    self.error(
                        name.at,
                        format!("found undefined action `{}`, expected an [[action]] name{hint}", name.value),
                    );
                }
            }
        }
        actions
    }

    /// The entries of an entries file, each with the decision its action
    /// and arguments make; errors point into the file.
    fn file_entries(&mut self, file: &At<String, P>, kind: &StageKind, actions: &[ActionTemplate]) -> Vec<Entry> {
        let (path, text) = match (self.read_file)(&file.value) {
            Ok(read) => read,
            Err(message) => {
                self.error(
                    file.at,
                    format!("found entries_file = \"{}\" that {message}, expected a readable file", file.value),
                );
                return Vec::new();
            }
        };
        let ports: Vec<&str> = self.ports.iter().map(String::as_str).collect();
        let name_of = |field| self.field_name(field);
        match crate::schema::entries_from_file(&path, &text, kind, actions, &ports, name_of) {
            Ok(entries) => entries,
            Err(errors) => {
                for error in errors {
                    self.errors += 1;
                    self.sink.report_in_file(Severity::Error, &error.file, error.line, error.column, error.message);
                }
                Vec::new()
            }
        }
    }

    fn kind(&mut self, ast: &TableAst<P>, name: &str) -> Option<Kind> {
        let Some(kind) = &ast.kind else {
            self.error(
                ast.at,
                format!(
                    "found no `kind` in table `{name}`, expected kind = \"lpm\", \"exact\", \"ternary\" or \"range\""
                ),
            );
            return None;
        };
        let Value::Text(text) = &kind.value else {
            self.error(
                kind.at,
                format!(
                    "found {} as the table kind, expected kind = \"lpm\", \"exact\", \"ternary\" or \"range\"",
                    kind.value.kind()
                ),
            );
            return None;
        };
        match text.as_str() {
            "lpm" => Some(Kind::Lpm),
            "exact" => Some(Kind::Exact),
            "ternary" | "range" => Some(Kind::Ternary),
            other => {
                let hint = suggestion(other, KINDS);
                self.error(
                    kind.at,
                    format!(
                        "found table kind `{other}`, expected kind = \"lpm\", \"exact\", \"ternary\" or \"range\" (or a stateful kind: \"learn\", \"conntrack\", \"nat\", \"policer\", \"maglev\"){hint}"
                    ),
                );
                None
            }
        }
    }

    /// The key fields; `None` when missing or wrong for the kind (reported).
    fn key(&mut self, ast: &TableAst<P>, name: &str, kind: Option<Kind>) -> Option<Vec<Field>> {
        let Some(key) = &ast.key else {
            self.error(ast.at, format!("found no `key` in table `{name}`, expected e.g. key = \"ipv4.dst\""));
            return None;
        };
        let paths = self.names(key, "a key field, or a list of them")?;
        let mut fields = Vec::new();
        let mut valid = true;
        for path in &paths {
            match self.field(path) {
                Some(field) if fields.contains(&field) => {
                    self.error(path.at, format!("found key field `{}` twice, expected each field once", path.value));
                    valid = false;
                }
                Some(field) => fields.push(field),
                None => valid = false,
            }
        }
        if paths.is_empty() {
            self.error(key.at, "found an empty key, expected at least one field");
            valid = false;
        }
        if kind == Some(Kind::Lpm) && valid {
            let address = |f: &Field| matches!(f, Field::Ipv4Src | Field::Ipv4Dst | Field::Ipv6Src | Field::Ipv6Dst);
            if fields.len() != 1 || !address(&fields[0]) {
                let found: Vec<String> = fields.iter().map(|&f| self.field_name(f)).collect();
                self.error(
                    paths[0].at,
                    format!(
                        "found lpm key `{}`, expected one address field (ipv4.src/dst, ipv6.src/dst)",
                        found.join(", ")
                    ),
                );
                valid = false;
            }
        }
        valid.then_some(fields)
    }

    /// One entry and its priority; `None` when its key did not lower.
    fn entry(
        &mut self,
        ast: &EntryAst<P>,
        kind: &StageKind,
        table: &str,
        seen: &mut HashSet<EntryKey>,
    ) -> Option<(i128, Entry)> {
        let decision = self.decision(&ast.decision, "a table entry");
        let Some(key_value) = &ast.key else {
            self.error(ast.at, "found an entry without `key`, expected { key = ..., output = ... }");
            return None;
        };
        let priority = match (&ast.priority, kind) {
            (None, _) => 0,
            (Some(priority), StageKind::FirstMatch { .. }) => match priority.value {
                Value::Integer(n) => n,
                ref other => {
                    self.error(priority.at, format!("found {}, expected an integer priority", other.kind()));
                    0
                }
            },
            (Some(priority), _) => {
                self.error(
                    priority.at,
                    "found a priority in a table whose entries cannot overlap, expected priorities only in ternary and range tables",
                );
                0
            }
        };
        let fields = kind.key_fields();
        let values: Vec<&At<Value<P>, P>> = match &key_value.value {
            Value::List(list) if fields.len() > 1 || list.len() == 1 => list.iter().collect(),
            _ => vec![key_value],
        };
        if values.len() != fields.len() {
            let names: Vec<String> = fields.iter().map(|&f| self.field_name(f)).collect();
            self.error(
                key_value.at,
                format!(
                    "found {} key value{}, expected {} in the order of the table's key ({})",
                    values.len(),
                    if values.len() == 1 { "" } else { "s" },
                    fields.len(),
                    names.join(", ")
                ),
            );
            return None;
        }
        let key = match kind {
            StageKind::LongestPrefix { key: field } => {
                let text = self.text(values[0], *field)?;
                let name = self.field_name(*field);
                let (value, len) =
                    values::prefix(*field, &name, &text).map_err(|message| self.error(values[0].at, message)).ok()?;
                EntryKey::Prefix { value, len }
            }
            StageKind::Exact { key } => {
                let mut exact = Vec::new();
                for (&field, value) in key.iter().zip(&values) {
                    exact.push(self.exact_value(field, value)?);
                }
                EntryKey::Exact(exact)
            }
            StageKind::Stateful(_) => unreachable!("stateful stages have outcomes, not entries"),
            StageKind::FirstMatch { key } => {
                let mut conditions = Vec::new();
                let mut valid = true;
                for (&field, value) in key.iter().zip(&values) {
                    if matches!(&value.value, Value::Text(t) if t == "*") {
                        continue;
                    }
                    match self.condition(field, value) {
                        Some(condition) => conditions.push(condition),
                        None => valid = false,
                    }
                }
                if !valid {
                    return None;
                }
                EntryKey::Conditions(conditions)
            }
        };
        // A set, not a scan of the earlier entries: tables have 100,000.
        let duplicate = !matches!(key, EntryKey::Conditions(_)) && !seen.insert(key.clone());
        if duplicate {
            let written = match &key_value.value {
                Value::Text(text) => format!("\"{text}\""),
                Value::Integer(n) => n.to_string(),
                _ => "this key".to_owned(),
            };
            self.error(key_value.at, format!("found key `{written}` twice in table `{table}`, expected unique keys"));
        }
        Some((priority, Entry { name: String::new(), key, decision }))
    }

    /// An exact key value: a port name for `in_port`.
    fn exact_value(&mut self, field: Field, value: &At<Value<P>, P>) -> Option<u128> {
        if field == Field::InPort {
            let Value::Text(name) = &value.value else {
                self.error(value.at, format!("found {}, expected a port name", value.value.kind()));
                return None;
            };
            return self.port(&At::new(name.clone(), value.at)).map(u128::from);
        }
        self.scalar(field, value)
    }
}

/// The fields a rule list tests, in field order: its classifier's dimensions.
pub(crate) fn tested_fields(entries: &[Entry]) -> Vec<Field> {
    let fields: BTreeSet<Field> = entries
        .iter()
        .flat_map(|e| match &e.key {
            EntryKey::Conditions(conditions) => conditions.iter().map(|c| c.field).collect(),
            _ => Vec::new(),
        })
        .collect();
    fields.into_iter().collect()
}
