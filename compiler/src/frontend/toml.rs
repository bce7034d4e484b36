//! The TOML spec format (see docs/SPEC_LANGUAGE.md) lowered to IR.
//!
//! Every problem is reported with its position and lowering goes on, so one
//! run shows all errors; the shared checker then looks at the whole spec.

use super::hints::suggestion;
use super::values;
use crate::check;
use crate::diag::{Diagnostic, Reporter};
use crate::ir::*;
use crate::Checked;
use toml_edit::{ImDocument, Item, TableLike, Value};

/// Lower a spec's source text; `file` names it in diagnostics.
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
    let mut lowering = Lowering { reporter, ports: Vec::new(), table_names: Vec::new() };
    let (spec, offsets) = lowering.spec(document.as_table());
    let mut reporter = lowering.reporter;
    // A rule whose conditions failed to lower would look broader than it is:
    // the semantic checks only run on a spec that lowered cleanly.
    let mut findings = check::names(&spec);
    findings.extend(check::test_packets(&spec));
    if !reporter.has_errors() && findings.is_empty() {
        findings = check::warnings(&spec);
    }
    for finding in findings {
        let at = match finding.about {
            check::Subject::Rule(rule) => offsets.rules.get(rule),
            check::Subject::Table(table) => offsets.tables.get(table),
            check::Subject::Test(test) => offsets.tests.get(test),
            check::Subject::TestExpectation(test) => offsets.test_expectations.get(test),
        };
        let at = at.copied().unwrap_or(0);
        reporter.report(finding.severity, at, finding.message);
    }
    reporter.diagnostics.sort_by_key(|d| (d.line, d.column));
    if reporter.has_errors() {
        return Err(reporter.diagnostics);
    }
    Ok(Checked { spec, warnings: reporter.diagnostics })
}

/// Where each rule and table starts in the source, for the semantic checks.
#[derive(Default)]
struct Offsets {
    rules: Vec<usize>,
    tables: Vec<usize>,
    /// At each test's `packet` and `expect` (or the test, without one).
    tests: Vec<usize>,
    test_expectations: Vec<usize>,
}

struct Lowering<'a> {
    reporter: Reporter<'a>,
    ports: Vec<String>,
    table_names: Vec<String>,
}

fn offset(item: &Item) -> usize {
    item.span().map_or(0, |s| s.start)
}

fn value_offset(value: &Value) -> usize {
    value.span().map_or(0, |s| s.start)
}

impl Lowering<'_> {
    /// Report keys of `table` not in `known`.
    fn known_keys(&mut self, table: &dyn TableLike, what: &str, known: &[&str]) {
        for (key, item) in table.iter() {
            if !known.contains(&key) {
                let at = table.get_key_value(key).and_then(|(k, _)| k.span()).map_or(offset(item), |s| s.start);
                let hint = suggestion(key, known.iter().copied());
                self.reporter.error(
                    at,
                    format!("found unknown key `{key}` in {what}, expected one of {}{hint}", known.join(", ")),
                );
            }
        }
    }

    /// An integer argument in 0..=max, reported at the value or, when
    /// missing, at `at`.
    fn bounded(&mut self, value: Option<&Value>, key: &str, max: i64, at: usize) -> Option<i64> {
        match value.map(|v| (v, v.as_integer())) {
            Some((_, Some(number @ 0..))) if number <= max => Some(number),
            Some((value, Some(number))) => {
                self.reporter
                    .error(value_offset(value), format!("found {key} = {number}, expected {key} in 0..={max}"));
                None
            }
            Some((value, None)) => {
                self.reporter.error(
                    value_offset(value),
                    format!("found {}, expected an integer {key} in 0..={max}", value.type_name()),
                );
                None
            }
            None => {
                self.reporter.error(at, format!("found no `{key}`, expected {key} = 0..={max}"));
                None
            }
        }
    }

    fn string<'i>(&mut self, item: &'i Item, what: &str) -> Option<&'i str> {
        let text = item.as_str();
        if text.is_none() {
            self.reporter.error(offset(item), format!("found {}, expected {what} as a string", item.type_name()));
        }
        text
    }

    fn spec(&mut self, root: &toml_edit::Table) -> (Spec, Offsets) {
        self.known_keys(root, "the spec", &["name", "ports", "rule", "table", "default", "test"]);
        let name = match root.get("name") {
            Some(item) => self.string(item, "the network function's name").unwrap_or("nf").to_owned(),
            None => {
                self.reporter.error(0, "found no `name`, expected `name = \"...\"` at the top of the spec");
                "nf".to_owned()
            }
        };
        self.ports(root.get("ports"));
        self.table_names = self
            .array_of_tables(root, "table")
            .iter()
            .map(|t| t.get("name").and_then(Item::as_str).unwrap_or_default().to_owned())
            .collect();

        let mut offsets = Offsets::default();
        let mut rules = Vec::new();
        for table in self.array_of_tables(root, "rule") {
            offsets.rules.push(table.span().map_or(0, |s| s.start));
            rules.push(self.rule(table, rules.len()));
        }
        let mut tables = Vec::new();
        for table in self.array_of_tables(root, "table") {
            // At its name: that is what a duplicate-name error is about.
            offsets.tables.push(table.get("name").map_or(table.span().map_or(0, |s| s.start), offset));
            tables.push(self.table(table));
        }
        let default = match root.get("default") {
            Some(item) => match item.as_table_like() {
                Some(table) => {
                    self.known_keys(table, "[default]", &["actions", "output"]);
                    self.decision(table, offset(item), "[default]", true)
                }
                None => {
                    self.reporter
                        .error(offset(item), format!("found {}, expected a [default] table", item.type_name()));
                    Decision { actions: vec![], target: Target::Drop }
                }
            },
            None => Decision { actions: vec![], target: Target::Drop },
        };
        let test_tables = self.array_of_tables(root, "test");
        let at = |t: &toml_edit::Table, key: &str| t.get(key).map_or(t.span().map_or(0, |s| s.start), offset);
        offsets.tests = test_tables.iter().map(|t| at(t, "packet")).collect();
        offsets.test_expectations = test_tables.iter().map(|t| at(t, "expect")).collect();
        let tests = test_tables.into_iter().map(|t| self.test(t)).collect();
        let ports = self.ports.iter().map(|name| Port { name: name.clone() }).collect();
        (Spec { name, ports, rules, tables, default, tests }, offsets)
    }

    fn array_of_tables<'i>(&mut self, root: &'i toml_edit::Table, key: &str) -> Vec<&'i toml_edit::Table> {
        match root.get(key) {
            None => Vec::new(),
            Some(Item::ArrayOfTables(array)) => array.iter().collect(),
            Some(item) => {
                self.reporter.error(offset(item), format!("found {}, expected `[[{key}]]` sections", item.type_name()));
                Vec::new()
            }
        }
    }

    fn ports(&mut self, item: Option<&Item>) {
        let Some(item) = item else {
            self.reporter.error(0, "found no `ports`, expected `ports = [\"name\", ...]` naming at least one port");
            return;
        };
        let Some(array) = item.as_array() else {
            self.reporter.error(offset(item), format!("found {}, expected an array of port names", item.type_name()));
            return;
        };
        for value in array.iter() {
            match value.as_str() {
                Some(name) if self.ports.iter().any(|p| p == name) => self
                    .reporter
                    .error(value_offset(value), format!("found port `{name}` twice, expected unique port names")),
                Some(name) => {
                    // Port names appear in command lines (`--pcap-in lan=FILE`) and the DSL.
                    let identifier = name.starts_with(|c: char| c.is_ascii_alphabetic())
                        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if !identifier {
                        self.reporter.error(value_offset(value), format!("found port name `{name}`, expected letters, digits, `_` or `-`, starting with a letter"));
                    }
                    self.ports.push(name.to_owned());
                }
                None => self
                    .reporter
                    .error(value_offset(value), format!("found {}, expected a port name string", value.type_name())),
            }
        }
        if self.ports.is_empty() {
            self.reporter.error(offset(item), "found no ports, expected at least one");
        }
        if self.ports.len() > nfc_runtime::MAX_PORTS {
            self.reporter.error(
                offset(item),
                format!("found {} ports, expected at most {}", self.ports.len(), nfc_runtime::MAX_PORTS),
            );
        }
    }

    fn port(&mut self, name: &str, at: usize) -> Option<u8> {
        let index = self.ports.iter().position(|p| p == name);
        // Without a port list every use would fail too: `ports` is reported once.
        if index.is_none() && !self.ports.is_empty() {
            let hint = suggestion(name, self.ports.iter().map(String::as_str));
            self.reporter
                .error(at, format!("found undefined port `{name}`, expected one of {}{hint}", self.ports.join(", ")));
        }
        index.map(|i| i as u8)
    }

    fn field(&mut self, path: &str, at: usize) -> Option<Field> {
        let field = Field::from_path(path);
        if field.is_none() {
            let hint = suggestion(path, Field::ALL.iter().map(|f| f.path()));
            self.reporter
                .error(at, format!("found unknown field `{path}`, expected a field such as ipv4.dst or tcp.dst{hint}"));
        }
        field
    }

    /// A TOML value as the text the value parsers read.
    fn text(&mut self, value: &Value, field: Field) -> Option<String> {
        match value {
            Value::String(s) => Some(s.value().clone()),
            Value::Integer(i) if *i.value() >= 0 => Some(i.value().to_string()),
            other => {
                self.reporter.error(
                    value_offset(other),
                    format!("found {}, expected {}", other.type_name(), values::expected(field)),
                );
                None
            }
        }
    }

    fn rule(&mut self, table: &toml_edit::Table, index: usize) -> Rule {
        self.known_keys(table, "a rule", &["name", "match", "actions", "output"]);
        let at = table.span().map_or(0, |s| s.start);
        let name = match table.get("name") {
            Some(item) => self.string(item, "the rule's name").unwrap_or_default().to_owned(),
            None => format!("rule{index}"),
        };
        let mut conditions = Vec::new();
        if let Some(item) = table.get("match") {
            match item.as_table_like() {
                Some(matches) => {
                    for (path, value) in matches.iter() {
                        let value_at = offset(value);
                        let key_at =
                            matches.get_key_value(path).and_then(|(k, _)| k.span()).map_or(value_at, |s| s.start);
                        let Some(field) = self.field(path, key_at) else { continue };
                        let Some(value) = value.as_value() else { continue };
                        if field == Field::InPort {
                            if let Some(port) = value.as_str().and_then(|name| self.port(name, value_at)) {
                                conditions
                                    .push(Condition { field, test: Test::Masked { value: port.into(), mask: 0xff } });
                            } else if value.as_str().is_none() {
                                self.reporter
                                    .error(value_at, format!("found {}, expected a port name", value.type_name()));
                            }
                            continue;
                        }
                        let Some(text) = self.text(value, field) else { continue };
                        match values::test(field, &text) {
                            Ok(test) => conditions.push(Condition { field, test }),
                            Err(message) => self.reporter.error(value_at, message),
                        }
                    }
                }
                None => self
                    .reporter
                    .error(offset(item), format!("found {}, expected a table of field = value", item.type_name())),
            }
        }
        let decision = self.decision(table, at, &format!("rule `{name}`"), true);
        Rule { name, conditions, decision }
    }

    /// `actions` and `output` of a rule, table entry or default.
    fn decision(&mut self, table: &dyn TableLike, at: usize, what: &str, may_use_tables: bool) -> Decision {
        let actions = match table.get("actions") {
            Some(item) => self.actions(item),
            None => Vec::new(),
        };
        let target = match table.get("output") {
            Some(item) => self.target(item, may_use_tables),
            None => {
                self.reporter.error(at, format!("found no `output` in {what}, expected a port, a list of ports, \"drop\", \"flood\", \"in_port\" or {{ table = ... }}"));
                Target::Drop
            }
        };
        Decision { actions, target }
    }

    fn actions(&mut self, item: &Item) -> Vec<Action> {
        let Some(array) = item.as_array() else {
            self.reporter.error(offset(item), format!("found {}, expected an array of actions", item.type_name()));
            return Vec::new();
        };
        let mut actions = Vec::new();
        let mut set_fields: Vec<Field> = Vec::new();
        for value in array.iter() {
            let at = value_offset(value);
            match value {
                Value::String(s) => match s.value().as_str() {
                    "dec_ttl" => actions.push(Action::DecrementTtl),
                    "swap_macs" => actions.push(Action::SwapMacs),
                    "pop_vlan" => actions.push(Action::PopVlan),
                    other => {
                        let hint = suggestion(other, ["dec_ttl", "swap_macs", "pop_vlan", "set", "push_vlan"]);
                        self.reporter.error(at, format!("found unknown action `{other}`, expected dec_ttl, swap_macs, pop_vlan, {{ set = ... }} or {{ push_vlan = ... }}{hint}"));
                    }
                },
                Value::InlineTable(inline) if inline.len() == 1 => {
                    let (kind, argument) = inline.iter().next().expect("one entry");
                    match (kind, argument.as_inline_table()) {
                        ("set", Some(sets)) => {
                            for (path, value) in sets.iter() {
                                let value_at = value_offset(value);
                                let Some(field) = self.field(path, value_at) else { continue };
                                if !field.is_writable() {
                                    self.reporter.error(value_at, format!("found a write to `{path}`, which is read-only; expected a writable field (MACs, IPs, ports, vlan.id, vlan.pcp, ip.ttl, ip.dscp)"));
                                    continue;
                                }
                                if set_fields.contains(&field) {
                                    self.reporter.error(value_at, format!("found `{path}` set twice, expected one value per field"));
                                }
                                set_fields.push(field);
                                let Some(text) = self.text(value, field) else { continue };
                                match values::scalar(field, &text) {
                                    Ok(value) => actions.push(Action::Set { field, value }),
                                    Err(message) => self.reporter.error(value_at, message),
                                }
                            }
                        }
                        ("push_vlan", Some(args)) => {
                            self.known_keys(args, "push_vlan", &["vid", "pcp"]);
                            let vid = self.bounded(args.get("vid"), "vid", 4095, at);
                            let pcp = args.get("pcp").map_or(Some(0), |value| self.bounded(Some(value), "pcp", 7, at));
                            if let (Some(vid), Some(pcp)) = (vid, pcp) {
                                actions.push(Action::PushVlan { vid: vid as u16, pcp: pcp as u8 });
                            }
                        }
                        _ => self.reporter.error(at, format!("found action `{kind}`, expected {{ set = {{ field = value }} }} or {{ push_vlan = {{ vid = N }} }}")),
                    }
                }
                other => self.reporter.error(at, format!("found {}, expected an action", other.type_name())),
            }
        }
        let pushes = actions.iter().any(|a| matches!(a, Action::PushVlan { .. }));
        let pops = actions.iter().any(|a| matches!(a, Action::PopVlan));
        if pushes && pops {
            self.reporter
                .error(offset(item), "found push_vlan and pop_vlan in one action list, expected at most one of them");
        }
        actions
    }

    fn target(&mut self, item: &Item, may_use_tables: bool) -> Target {
        let at = offset(item);
        if let Some(text) = item.as_str() {
            return match text {
                "drop" => Target::Drop,
                "flood" => Target::Flood,
                "in_port" => Target::InPort,
                port => self.port(port, at).map_or(Target::Drop, |p| Target::Ports(1 << p)),
            };
        }
        if let Some(array) = item.as_array() {
            let mut bits = 0u32;
            for value in array.iter() {
                match value.as_str() {
                    Some(name) => bits |= self.port(name, value_offset(value)).map_or(0, |p| 1 << p),
                    None => self
                        .reporter
                        .error(value_offset(value), format!("found {}, expected a port name", value.type_name())),
                }
            }
            if array.is_empty() {
                self.reporter.error(at, "found an empty list of ports, expected at least one port (or \"drop\")");
            }
            return if bits == 0 { Target::Drop } else { Target::Ports(bits) };
        }
        if let Some(table) = item.as_table_like().and_then(|t| t.get("table")).and_then(Item::as_str) {
            if !may_use_tables {
                self.reporter.error(
                    at,
                    "found a table output inside a table, expected a port, \"drop\", \"flood\" or \"in_port\"",
                );
                return Target::Drop;
            }
            return match self.table_names.iter().position(|t| t == table) {
                Some(index) => Target::Table(index),
                None => {
                    let hint = suggestion(table, self.table_names.iter().map(String::as_str));
                    self.reporter
                        .error(at, format!("found undefined table `{table}`, expected a [[table]] name{hint}"));
                    Target::Drop
                }
            };
        }
        self.reporter.error(
            at,
            format!(
                "found {}, expected a port, a list of ports, \"drop\", \"flood\", \"in_port\" or {{ table = ... }}",
                item.type_name()
            ),
        );
        Target::Drop
    }

    fn table(&mut self, table: &toml_edit::Table) -> Table {
        self.known_keys(table, "a table", &["name", "kind", "key", "entries", "default"]);
        let at = table.span().map_or(0, |s| s.start);
        let name = table.get("name").and_then(|i| self.string(i, "the table's name")).unwrap_or("table").to_owned();
        let key_field = match table.get("key") {
            Some(item) => self.string(item, "the key field").and_then(|path| self.field(path, offset(item))),
            None => {
                self.reporter.error(at, format!("found no `key` in table `{name}`, expected e.g. key = \"ipv4.dst\""));
                None
            }
        };
        let field = key_field.unwrap_or(Field::Ipv4Dst);
        // Entry keys are read as the key field and kind say; without them
        // every key would fail against a guess: the root cause is reported once.
        let mut keys_readable = key_field.is_some();
        let kind = match table.get("kind").and_then(Item::as_str) {
            Some("lpm") => {
                if !matches!(field, Field::Ipv4Src | Field::Ipv4Dst | Field::Ipv6Src | Field::Ipv6Dst) {
                    let at = table.get("key").map_or(at, offset);
                    self.reporter.error(
                        at,
                        format!(
                            "found lpm key `{}`, expected an address field (ipv4.src/dst, ipv6.src/dst)",
                            field.path()
                        ),
                    );
                }
                TableKind::LongestPrefix(field)
            }
            Some("exact") => TableKind::Exact(field),
            other => {
                let found = match (other, table.get("kind")) {
                    (Some(kind), _) => format!("table kind `{kind}`"),
                    (None, Some(item)) => format!("{} as the table kind", item.type_name()),
                    (None, None) => format!("no `kind` in table `{name}`"),
                };
                let at = table.get("kind").map_or(at, offset);
                self.reporter.error(at, format!("found {found}, expected kind = \"lpm\" or \"exact\""));
                keys_readable = false;
                TableKind::Exact(field)
            }
        };
        let mut entries = Vec::new();
        if let Some(item) = table.get("entries") {
            match item.as_array() {
                Some(array) => {
                    for value in array.iter() {
                        let Some(entry) = value.as_inline_table() else {
                            self.reporter.error(
                                value_offset(value),
                                format!("found {}, expected {{ key = ..., output = ... }}", value.type_name()),
                            );
                            continue;
                        };
                        let entry_at = value_offset(value);
                        let Some(key_value) = entry.get("key") else {
                            self.reporter
                                .error(entry_at, "found an entry without `key`, expected { key = ..., output = ... }");
                            continue;
                        };
                        let decision = self.decision(entry, entry_at, "a table entry", false);
                        let key = if !keys_readable {
                            None
                        } else if field == Field::InPort {
                            key_value
                                .as_str()
                                .and_then(|p| self.port(p, value_offset(key_value)))
                                .map(|p| (u128::from(p), 8))
                        } else {
                            self.text(key_value, field).and_then(|text| {
                                let parsed = match kind {
                                    TableKind::LongestPrefix(_) => values::prefix(field, &text),
                                    TableKind::Exact(_) => {
                                        values::scalar(field, &text).map(|v| (v, field.width() as u8))
                                    }
                                };
                                parsed.map_err(|message| self.reporter.error(value_offset(key_value), message)).ok()
                            })
                        };
                        if let Some((key, prefix_len)) = key {
                            if entries.iter().any(|e: &TableEntry| e.key == key && e.prefix_len == prefix_len) {
                                self.reporter.error(
                                    value_offset(key_value),
                                    format!("found key `{}` twice in table `{name}`, expected unique keys", key_value),
                                );
                            }
                            entries.push(TableEntry { key, prefix_len, decision });
                        }
                    }
                }
                None => self
                    .reporter
                    .error(offset(item), format!("found {}, expected an array of entries", item.type_name())),
            }
        }
        let default = match table.get("default").and_then(Item::as_table_like) {
            Some(default) => self.decision(default, at, "a table default", false),
            None => Decision { actions: vec![], target: Target::Drop },
        };
        Table { name, kind, entries, default }
    }

    fn test(&mut self, table: &toml_edit::Table) -> TestCase {
        self.known_keys(
            table,
            "a test",
            &["name", "in_port", "packet", "packet_hex", "expect_output", "expect", "expect_hex"],
        );
        let at = table.span().map_or(0, |s| s.start);
        let name = table.get("name").and_then(|i| self.string(i, "the test's name")).unwrap_or("test").to_owned();
        let in_port = match table.get("in_port") {
            Some(item) => self.string(item, "a port name").and_then(|p| self.port(p, offset(item))).unwrap_or(0),
            None => 0,
        };
        let packet = self.test_packet(table.get("packet"), table.get("packet_hex")).unwrap_or_else(|| {
            self.reporter
                .error(at, format!("found no packet in test `{name}`, expected `packet = {{ ... }}` or `packet_hex`"));
            TestPacket::Bytes(Vec::new())
        });
        let expect_outputs = match table.get("expect_output") {
            Some(item) => match self.target(item, false) {
                Target::Drop => 0,
                Target::Ports(bits) => bits,
                Target::Flood => ((1u64 << self.ports.len()) - 1) as u32 & !(1 << in_port),
                Target::InPort => 1 << in_port,
                Target::Table(_) => 0,
            },
            None => {
                self.reporter.error(
                    at,
                    format!("found no `expect_output` in test `{name}`, expected a port, a list or \"drop\""),
                );
                0
            }
        };
        let expect_packet = self.test_packet(table.get("expect"), table.get("expect_hex"));
        let line = self.reporter.position(at).0;
        TestCase { name, line, in_port, packet, expect_outputs, expect_packet }
    }

    fn test_packet(&mut self, fields: Option<&Item>, hex: Option<&Item>) -> Option<TestPacket> {
        if let Some(item) = hex {
            let text: String = self.string(item, "hex bytes")?.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes: Option<Vec<u8>> = (0..text.len())
                .step_by(2)
                .map(|i| text.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok()))
                .collect();
            if bytes.is_none() {
                self.reporter.error(offset(item), "found invalid hex, expected pairs of hex digits");
            }
            return bytes.map(TestPacket::Bytes);
        }
        let item = fields?;
        let Some(table) = item.as_table_like() else {
            self.reporter.error(offset(item), format!("found {}, expected a table of field = value", item.type_name()));
            return None;
        };
        let mut fields = Vec::new();
        let mut payload_len = 0;
        for (path, value) in table.iter() {
            let at = offset(value);
            if path == "payload_len" {
                match value.as_integer() {
                    Some(n @ 0..=9000) => payload_len = n as usize,
                    _ => self.reporter.error(at, "found a bad payload_len, expected 0..=9000"),
                }
                continue;
            }
            let Some(field) = self.field(path, at) else { continue };
            let Some(value) = value.as_value() else { continue };
            let Some(text) = self.text(value, field) else { continue };
            match values::scalar(field, &text) {
                Ok(v) => fields.push((field, v)),
                Err(message) => self.reporter.error(at, message),
            }
        }
        Some(TestPacket::Fields { fields, payload_len })
    }
}
