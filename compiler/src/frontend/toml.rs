//! The TOML spec format (see docs/SPEC_LANGUAGE.md): TOML to the syntax
//! tree, checking only the document's shape (known keys, the right kinds of
//! items); `lower` does the rest, as for every frontend.

use super::ast::*;
use super::lower::{self, suggestion, Sink};
use crate::diag::{Diagnostic, Reporter, Severity};
use crate::Checked;
use std::path::Path;
use toml_edit::{ImDocument, Item, TableLike, Value as TomlValue};

/// Lower a spec's source text; `file` names it in diagnostics, and entries
/// files are read relative to it.
pub fn parse(file: &str, source: &str) -> Result<Checked, Vec<Diagnostic>> {
    let mut reporter = Reporter::new(file, source);
    let document = match ImDocument::parse(source) {
        Ok(document) => document,
        Err(error) => {
            let offset = error.span().map_or(0, |s| s.start);
            reporter.error(offset, format!("invalid TOML: {}", error.message().trim().replace('\n', ": ")));
            return Err(reporter.diagnostics);
        }
    };
    let mut sink = TomlSink { reporter, files: Vec::new() };
    let ast = Parser { sink: &mut sink }.spec(document.as_table());
    let directory = Path::new(file).parent().map(Path::to_path_buf).unwrap_or_default();
    let inputs = std::cell::RefCell::new(Vec::new());
    let read_file = |name: &str| read_input(&directory, name, &inputs);
    let spec = lower::lower(&ast, &mut sink, &read_file);
    let inputs = inputs.into_inner();
    let mut diagnostics = sink.reporter.diagnostics;
    diagnostics.extend(sink.files);
    // Spec positions in order, then each entries file's.
    diagnostics
        .sort_by(|a, b| (a.file != file, &a.file, a.line, a.column).cmp(&(b.file != file, &b.file, b.line, b.column)));
    if diagnostics.iter().any(|d| d.severity == Severity::Error) {
        return Err(diagnostics);
    }
    Ok(Checked { spec, warnings: diagnostics, inputs })
}

/// Reads an entries file named in a spec, relative to `directory`, noting
/// its path among the spec's inputs.
pub(crate) fn read_input(
    directory: &Path,
    name: &str,
    inputs: &std::cell::RefCell<Vec<std::path::PathBuf>>,
) -> Result<(String, String), String> {
    let path = directory.join(name);
    inputs.borrow_mut().push(path.clone());
    std::fs::read_to_string(&path)
        .map(|text| (path.display().to_string(), text))
        .map_err(|error| format!("cannot read {}: {error}", path.display()))
}

struct TomlSink<'a> {
    reporter: Reporter<'a>,
    /// Diagnostics about entries files.
    files: Vec<Diagnostic>,
}

impl Sink<usize> for TomlSink<'_> {
    fn report(&mut self, severity: Severity, at: usize, message: String) {
        self.reporter.report(severity, at, message);
    }

    fn report_in_file(&mut self, severity: Severity, file: &str, line: usize, column: usize, message: String) {
        self.files.push(Diagnostic { severity, file: file.to_owned(), line, column, message });
    }

    fn has_errors(&self) -> bool {
        self.reporter.has_errors() || self.files.iter().any(|d| d.severity == Severity::Error)
    }

    fn line(&self, at: usize) -> usize {
        self.reporter.position(at).0
    }
}

struct Parser<'s, 'a> {
    sink: &'s mut TomlSink<'a>,
}

fn offset(item: &Item) -> usize {
    item.span().map_or(0, |s| s.start)
}

fn value_offset(value: &TomlValue) -> usize {
    value.span().map_or(0, |s| s.start)
}

fn table_offset(table: &toml_edit::Table) -> usize {
    table.span().map_or(0, |s| s.start)
}

/// Where a key of a table is written (or its value, when the key has no span).
fn key_offset(table: &dyn TableLike, key: &str, item: &Item) -> usize {
    table.get_key_value(key).and_then(|(k, _)| k.span()).map_or(offset(item), |s| s.start)
}

fn value(value: &TomlValue) -> At<Value<usize>, usize> {
    let at = value_offset(value);
    let value = match value {
        TomlValue::String(s) => Value::Text(s.value().clone()),
        TomlValue::Integer(i) => Value::Integer(i128::from(*i.value())),
        TomlValue::Array(array) => Value::List(array.iter().map(self::value).collect()),
        other => Value::Other(other.type_name()),
    };
    At::new(value, at)
}

fn item_value(item: &Item) -> At<Value<usize>, usize> {
    match item.as_value() {
        Some(v) => value(v),
        None => At::new(Value::Other(item.type_name()), offset(item)),
    }
}

impl Parser<'_, '_> {
    fn error(&mut self, at: usize, message: impl Into<String>) {
        self.sink.reporter.error(at, message);
    }

    /// Report keys of `table` not in `known`.
    fn known_keys(&mut self, table: &dyn TableLike, what: &str, known: &[&str]) {
        for (key, item) in table.iter() {
            if !known.contains(&key) {
                let hint = suggestion(key, known.iter().copied());
                self.error(
                    key_offset(table, key, item),
                    format!("found unknown key `{key}` in {what}, expected one of {}{hint}", known.join(", ")),
                );
            }
        }
    }

    fn string(&mut self, item: &Item, what: &str) -> Option<At<String, usize>> {
        match item.as_str() {
            Some(text) => Some(At::new(text.to_owned(), offset(item))),
            None => {
                self.error(offset(item), format!("found {}, expected {what} as a string", item.type_name()));
                None
            }
        }
    }

    fn optional_string(&mut self, table: &dyn TableLike, key: &str, what: &str) -> Option<At<String, usize>> {
        table.get(key).and_then(|item| self.string(item, what))
    }

    /// One string or a list of strings (ports, key fields).
    fn strings(&mut self, item: &Item, what: &str) -> Option<At<Vec<At<String, usize>>, usize>> {
        if let Some(text) = item.as_str() {
            return Some(At::new(vec![At::new(text.to_owned(), offset(item))], offset(item)));
        }
        let Some(array) = item.as_array() else {
            self.error(offset(item), format!("found {}, expected {what}", item.type_name()));
            return None;
        };
        let mut strings = Vec::new();
        for value in array.iter() {
            match value.as_str() {
                Some(text) => strings.push(At::new(text.to_owned(), value_offset(value))),
                None => self.error(value_offset(value), format!("found {}, expected a string", value.type_name())),
            }
        }
        Some(At::new(strings, offset(item)))
    }

    /// `{ field = value, ... }`.
    fn pairs(&mut self, item: &Item, what: &str) -> Pairs<usize> {
        let Some(table) = item.as_table_like() else {
            self.error(offset(item), format!("found {}, expected {what}", item.type_name()));
            return Vec::new();
        };
        table
            .iter()
            .map(|(key, item)| (At::new(key.to_owned(), key_offset(table, key, item)), item_value(item)))
            .collect()
    }

    fn array_of_tables<'i>(&mut self, root: &'i toml_edit::Table, key: &str) -> Vec<&'i toml_edit::Table> {
        match root.get(key) {
            None => Vec::new(),
            Some(Item::ArrayOfTables(array)) => array.iter().collect(),
            Some(item) => {
                self.error(offset(item), format!("found {}, expected `[[{key}]]` sections", item.type_name()));
                Vec::new()
            }
        }
    }

    fn spec(&mut self, root: &toml_edit::Table) -> SpecAst<usize> {
        self.known_keys(root, "the spec", &["name", "ports", "metadata", "action", "rule", "table", "default", "test"]);
        let name = self.optional_string(root, "name", "the network function's name");
        let ports = root.get("ports").map(item_value);
        let metadata = root
            .get("metadata")
            .map(|item| self.pairs(item, "a table of metadata fields, name = width in bits"))
            .unwrap_or_default();
        let actions = self.array_of_tables(root, "action").into_iter().filter_map(|t| self.action(t)).collect();
        let rules = self.array_of_tables(root, "rule").into_iter().map(|t| self.rule(t)).collect();
        let tables = self.array_of_tables(root, "table").into_iter().map(|t| self.table(t)).collect();
        let default = root.get("default").and_then(|item| match item.as_table_like() {
            Some(table) => {
                self.known_keys(table, "[default]", &["actions", "output", "goto", "action"]);
                Some(self.decision(table, offset(item), &[]))
            }
            None => {
                self.error(offset(item), format!("found {}, expected a [default] table", item.type_name()));
                None
            }
        });
        let tests = self.array_of_tables(root, "test").into_iter().map(|t| self.test(t)).collect();
        SpecAst { at: 0, name, ports, metadata, actions, rules, default, tables, tests }
    }

    fn action(&mut self, table: &toml_edit::Table) -> Option<ActionDefAst<usize>> {
        self.known_keys(table, "an [[action]]", &["name", "params", "actions", "output", "goto"]);
        let at = table_offset(table);
        let Some(name) = self.optional_string(table, "name", "the action's name") else {
            if table.get("name").is_none() {
                self.error(at, "found an [[action]] without `name`, expected name = \"...\"");
            }
            return None;
        };
        let params = match table.get("params") {
            Some(item) => self.strings(item, "a list of parameter names").map(|p| p.value).unwrap_or_default(),
            None => Vec::new(),
        };
        let decision = self.decision(table, at, &[]);
        Some(ActionDefAst { at, name, params, decision })
    }

    fn rule(&mut self, table: &toml_edit::Table) -> RuleAst<usize> {
        // A call takes every other key as an argument, which `lower` checks.
        if table.get("action").is_none() {
            self.known_keys(table, "a rule", &["name", "match", "actions", "output", "goto", "action"]);
        }
        let at = table_offset(table);
        let name = self.optional_string(table, "name", "the rule's name");
        let matches = table.get("match").map(|item| self.pairs(item, "a table of field = value")).unwrap_or_default();
        let decision = self.decision(table, at, &["name", "match"]);
        RuleAst { at, name, matches, decision }
    }

    /// The decision keys of `table`; `other_keys` are the table's own keys
    /// (a call takes every other key as an argument).
    fn decision(&mut self, table: &dyn TableLike, at: usize, other_keys: &[&str]) -> DecisionAst<usize> {
        let mut decision = DecisionAst::empty(at);
        if let Some(item) = table.get("actions") {
            decision.actions = self.actions(item);
        }
        decision.target = match (table.get("output"), table.get("goto")) {
            (Some(output), Some(goto)) => {
                self.error(offset(goto), "found both `output` and `goto`, expected one of them");
                self.target(output)
            }
            (Some(output), None) => self.target(output),
            (None, Some(goto)) => self.string(goto, "a table name").map(TargetAst::Goto),
            (None, None) => None,
        };
        if let Some(item) = table.get("action") {
            if item.as_array().is_some() {
                let hint = if table.get("actions").is_none() { " (did you mean `actions`?)" } else { "" };
                self.error(
                    offset(item),
                    format!("found an array in `action`, expected the name of an [[action]]{hint}"),
                );
            } else if let Some(name) = self.string(item, "the name of an [[action]]") {
                let known = ["actions", "output", "goto", "action"];
                let arguments = table
                    .iter()
                    .filter(|(key, _)| !known.contains(key) && !other_keys.contains(key))
                    .map(|(key, item)| (At::new(key.to_owned(), key_offset(table, key, item)), item_value(item)))
                    .collect();
                decision.call = Some((name, arguments));
            }
        }
        decision
    }

    fn actions(&mut self, item: &Item) -> Vec<At<ActionAst<usize>, usize>> {
        let Some(array) = item.as_array() else {
            self.error(offset(item), format!("found {}, expected an array of actions", item.type_name()));
            return Vec::new();
        };
        let mut actions = Vec::new();
        for value in array.iter() {
            let at = value_offset(value);
            match value {
                TomlValue::String(s) => actions.push(At::new(ActionAst::Named(s.value().clone()), at)),
                TomlValue::InlineTable(inline) if inline.len() == 1 => {
                    let (kind, argument) = inline.iter().next().expect("one entry");
                    let pairs = |argument: &TomlValue| {
                        argument.as_inline_table().map(|table| {
                            table
                                .iter()
                                .map(|(key, v)| {
                                    let key_at =
                                        table.key(key).and_then(|k| k.span()).map_or(value_offset(v), |s| s.start);
                                    (At::new(key.to_owned(), key_at), self::value(v))
                                })
                                .collect::<Pairs<usize>>()
                        })
                    };
                    match (kind, pairs(argument)) {
                        ("set", Some(sets)) => actions.push(At::new(ActionAst::Set(sets), at)),
                        ("copy", Some(copies)) => actions.push(At::new(ActionAst::Copy(copies), at)),
                        ("arp_reply" | "icmp_error", Some(arguments)) => {
                            actions.push(At::new(ActionAst::Reply(kind.to_owned(), arguments), at))
                        }
                        ("push_vlan", Some(_)) => {
                            let args = argument.as_inline_table().expect("an inline table");
                            self.known_keys(args, "push_vlan", &["vid", "pcp"]);
                            actions.push(At::new(
                                ActionAst::PushVlan {
                                    vid: args.get("vid").map(self::value),
                                    pcp: args.get("pcp").map(self::value),
                                },
                                at,
                            ));
                        }
                        _ => self.error(
                            at,
                            format!(
                                "found action `{kind}`, expected {{ set = {{ field = value }} }}, \
                                 {{ copy = {{ to = \"from\" }} }}, {{ push_vlan = {{ vid = N }} }}, \
                                 {{ arp_reply = {{ .. }} }} or {{ icmp_error = {{ .. }} }}"
                            ),
                        ),
                    }
                }
                other => self.error(at, format!("found {}, expected an action", other.type_name())),
            }
        }
        actions
    }

    fn target(&mut self, item: &Item) -> Option<TargetAst<usize>> {
        let at = offset(item);
        if let Some(text) = item.as_str() {
            return Some(TargetAst::One(At::new(text.to_owned(), at)));
        }
        if item.as_array().is_some() {
            return self.strings(item, "a list of ports").map(TargetAst::Ports);
        }
        // `output = { table = "routes" }`, the form before `goto`.
        if let Some(table) = item.as_table_like().and_then(|t| t.get("table")) {
            return self.string(table, "a table name").map(TargetAst::Goto);
        }
        self.error(
            at,
            format!(
                "found {}, expected a port, a list of ports, \"drop\", \"flood\", \"in_port\" or meta.NAME",
                item.type_name()
            ),
        );
        None
    }

    fn table(&mut self, table: &toml_edit::Table) -> TableAst<usize> {
        let kind = table.get("kind").and_then(|item| item.as_str());
        if let Some(kind) = kind.filter(|k| STATEFUL_KINDS.contains(k)) {
            return self.stateful_table(table, kind);
        }
        self.known_keys(
            table,
            "a table",
            &["name", "kind", "key", "entries", "entries_file", "load", "actions", "default"],
        );
        let at = table_offset(table);
        let name = self.optional_string(table, "name", "the table's name");
        let kind = table.get("kind").map(item_value);
        let key = table.get("key").map(item_value);
        let mut entries = Vec::new();
        if let Some(item) = table.get("entries") {
            match item.as_array() {
                Some(array) => {
                    for value in array.iter() {
                        let at = value_offset(value);
                        let Some(entry) = value.as_inline_table() else {
                            self.error(
                                at,
                                format!("found {}, expected {{ key = ..., output = ... }}", value.type_name()),
                            );
                            continue;
                        };
                        let own = ["key", "priority"];
                        if entry.get("action").is_none() {
                            self.known_keys(
                                entry,
                                "a table entry",
                                &["key", "priority", "actions", "output", "goto", "action"],
                            );
                        }
                        entries.push(EntryAst {
                            at,
                            key: entry.get("key").map(self::value),
                            priority: entry.get("priority").map(self::value),
                            decision: self.decision(entry, at, &own),
                        });
                    }
                }
                None => self.error(offset(item), format!("found {}, expected an array of entries", item.type_name())),
            }
        }
        let default = table.get("default").and_then(|item| match item.as_table_like() {
            Some(default) => {
                self.known_keys(default, "a table default", &["actions", "output", "goto", "action"]);
                Some(self.decision(default, offset(item), &[]))
            }
            None => {
                self.error(offset(item), format!("found {}, expected {{ output = ... }}", item.type_name()));
                None
            }
        });
        TableAst {
            key,
            entries,
            entries_file: self.optional_string(table, "entries_file", "a file name"),
            load: self.optional_string(table, "load", "\"runtime\""),
            actions: table.get("actions").and_then(|item| self.strings(item, "a list of [[action]] names")),
            default,
            ..TableAst::new(at, name, kind)
        }
    }

    /// A stateful stage: every key but `name`, `kind` and `default` is a
    /// setting or, when its value is a table, an outcome's decision (the
    /// lowering knows which names each kind takes).
    fn stateful_table(&mut self, table: &toml_edit::Table, kind: &str) -> TableAst<usize> {
        let at = table_offset(table);
        let name = self.optional_string(table, "name", "the table's name");
        let mut ast = TableAst::new(at, name, table.get("kind").map(item_value));
        for (key, item) in table.iter() {
            let key_at = key_offset(table, key, item);
            match key {
                "name" | "kind" => {}
                _ if item.is_table_like() => {
                    let decision_table = item.as_table_like().expect("a table");
                    self.known_keys(
                        decision_table,
                        &format!("the `{key}` of a {kind} table"),
                        &["actions", "output", "goto", "action"],
                    );
                    let decision = self.decision(decision_table, offset(item), &[]);
                    if key == "default" {
                        ast.default = Some(decision);
                    } else {
                        ast.outcomes.push((At::new(key.to_owned(), key_at), decision));
                    }
                }
                _ => ast.settings.push((At::new(key.to_owned(), key_at), item_value(item))),
            }
        }
        ast
    }

    fn test(&mut self, table: &toml_edit::Table) -> TestAst<usize> {
        self.known_keys(
            table,
            "a test",
            &["name", "time", "in_port", "packet", "packet_hex", "expect_output", "expect", "expect_hex"],
        );
        let at = table_offset(table);
        let packet = |parser: &mut Self, fields: &str, hex: &str| {
            if let Some(item) = table.get(hex) {
                return parser.string(item, "hex bytes").map(PacketAst::Hex);
            }
            let item = table.get(fields)?;
            if item.as_table_like().is_none() {
                parser.error(offset(item), format!("found {}, expected a table of field = value", item.type_name()));
                return None;
            }
            Some(PacketAst::Fields(At::new(parser.pairs(item, "a table of field = value"), offset(item))))
        };
        TestAst {
            at,
            name: self.optional_string(table, "name", "the test's name"),
            in_port: self.optional_string(table, "in_port", "a port name"),
            packet: packet(self, "packet", "packet_hex"),
            expect_output: table.get("expect_output").and_then(|item| self.target(item)),
            expect: packet(self, "expect", "expect_hex"),
            time: table.get("time").map(item_value),
        }
    }
}
