//! From the syntax tree to the checked IR, for every frontend.
//!
//! Every problem is reported at its position and lowering goes on, so one
//! run shows every error. A problem whose cause was already reported is not
//! reported again: without valid ports, no port name is "undefined"; a table
//! of unknown kind or key has no entries to check. The semantic checks
//! (`check`) then run on the whole spec; shadowing only on a spec that
//! lowered cleanly, where a rule cannot look broader than it is.

mod decisions;
mod stages;
mod stateful;
mod tests;

pub(crate) use decisions::fill;

use super::ast::*;
use super::values;
use crate::check::{self, Subject};
use crate::diag::Severity;
use crate::ir::*;

/// Where diagnostics go, in the frontend's own terms.
pub trait Sink<P> {
    fn report(&mut self, severity: Severity, at: P, message: String);
    /// A problem inside an entries file: its own file, line and column.
    fn report_in_file(&mut self, severity: Severity, file: &str, line: usize, column: usize, message: String);
    fn has_errors(&self) -> bool;
    /// The 1-based line of a position (0 when the frontend cannot tell).
    fn line(&self, at: P) -> usize;
}

/// Reads the entries files a spec names, relative to the spec: the name to
/// use in diagnostics and the text, or why it cannot be read.
pub type ReadFile<'a> = &'a dyn Fn(&str) -> Result<(String, String), String>;

/// Lower `ast`; errors and warnings go to `sink`. The spec is only usable
/// when the sink has no errors.
pub fn lower<P: Copy>(ast: &SpecAst<P>, sink: &mut dyn Sink<P>, read_file: ReadFile) -> Spec {
    let mut lowering = Lowering {
        sink,
        read_file,
        ports: Vec::new(),
        ports_valid: true,
        metadata: Vec::new(),
        table_names: ast.tables.iter().map(|t| t.name.as_ref().map_or("table", |n| &n.value).to_owned()).collect(),
        templates: Vec::new(),
        errors: 0,
        test_time: 0,
    };
    let name = match &ast.name {
        Some(name) => name.value.clone(),
        None => {
            lowering.error(ast.at, "found no `name`, expected `name = \"...\"` at the top of the spec");
            "nf".to_owned()
        }
    };
    lowering.ports(ast);
    lowering.metadata(&ast.metadata);
    for definition in &ast.actions {
        let template = lowering.action_definition(definition);
        lowering.templates.push((definition.name.value.clone(), template));
    }
    let mut stage_at = vec![ast.at];
    let mut stages = vec![lowering.rule_list(&ast.rules, ast.default.as_ref())];
    for table in &ast.tables {
        stage_at.push(table.name.as_ref().map_or(table.at, |n| n.at));
        stages.push(lowering.table(table));
    }
    let tests = ast.tests.iter().map(|t| lowering.test(t)).collect();
    let ports = lowering.ports.iter().map(|name| Port { name: name.clone() }).collect();
    let mut spec = Spec { name, ports, metadata: lowering.metadata.clone(), stages, tests };

    // The semantic checks, each finding at the position of what it is about.
    let rule_at: Vec<P> = ast.rules.iter().map(|r| r.at).collect();
    let at = |subject: Subject| match subject {
        Subject::Rule(rule) => rule_at.get(rule).copied().unwrap_or(ast.at),
        Subject::Stage(stage) => stage_at.get(stage).copied().unwrap_or(ast.at),
        Subject::Meta(meta) => ast.metadata.get(meta).map_or(ast.at, |(name, _)| name.at),
        Subject::Test(test) => ast.tests.get(test).map_or(ast.at, |t| t.packet.as_ref().map_or(t.at, PacketAst::at)),
        Subject::TestExpectation(test) => {
            ast.tests.get(test).map_or(ast.at, |t| t.expect.as_ref().map_or(t.at, PacketAst::at))
        }
    };
    let mut findings = check::names(&spec);
    findings.extend(check::cycles(&spec));
    findings.extend(check::test_packets(&spec));
    let clean =
        lowering.errors == 0 && !lowering.sink.has_errors() && findings.iter().all(|f| f.severity != Severity::Error);
    if clean {
        findings.extend(check::warnings(&spec));
    }
    for finding in findings {
        lowering.sink.report(finding.severity, at(finding.about), finding.message);
    }
    if !lowering.sink.has_errors() {
        check::order_stages(&mut spec);
    }
    spec
}

pub(crate) struct Lowering<'s, P> {
    sink: &'s mut dyn Sink<P>,
    read_file: ReadFile<'s>,
    ports: Vec<String>,
    /// False when `ports` is missing or not a list: every port name would
    /// then be "undefined", which says nothing new.
    ports_valid: bool,
    metadata: Vec<MetaField>,
    /// Table `i` is stage `i + 1`.
    table_names: Vec<String>,
    /// The `[[action]]` definitions by name (`None`: it did not lower).
    templates: Vec<(String, Option<ActionTemplate>)>,
    /// Errors reported so far, to tell whether a part lowered cleanly.
    errors: usize,
    /// The time of the last test case lowered (cases run in order).
    test_time: u64,
}

pub(crate) use super::hints::suggestion;

/// Names users give (ports, metadata, tables, actions) appear in command
/// lines and generated identifiers.
fn is_identifier(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic()) && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl<P: Copy> Lowering<'_, P> {
    fn error(&mut self, at: P, message: impl Into<String>) {
        self.errors += 1;
        self.sink.report(Severity::Error, at, message.into());
    }

    /// Something allowed but likely wrong, where it is written.
    fn warning(&mut self, at: P, message: impl Into<String>) {
        self.sink.report(Severity::Warning, at, message.into());
    }

    fn ports(&mut self, ast: &SpecAst<P>) {
        let Some(list) = &ast.ports else {
            self.error(ast.at, "found no `ports`, expected `ports = [\"name\", ...]` naming at least one port");
            self.ports_valid = false;
            return;
        };
        if !matches!(list.value, Value::List(_)) {
            self.error(list.at, format!("found {}, expected an array of port names", list.value.kind()));
            self.ports_valid = false;
            return;
        }
        let Some(names) = self.names(list, "an array of port names") else {
            self.ports_valid = false;
            return;
        };
        for name in &names {
            if self.ports.contains(&name.value) {
                self.error(name.at, format!("found port `{}` twice, expected unique port names", name.value));
                continue;
            }
            // Port names appear in command lines (`--pcap-in lan=FILE`) and the DSL.
            let identifier = name.value.starts_with(|c: char| c.is_ascii_alphabetic())
                && name.value.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !identifier {
                self.error(
                    name.at,
                    format!(
                        "found port name `{}`, expected letters, digits, `_` or `-`, starting with a letter",
                        name.value
                    ),
                );
            }
            self.ports.push(name.value.clone());
        }
        if self.ports.is_empty() {
            self.error(list.at, "found no ports, expected at least one");
            self.ports_valid = false;
        }
        if self.ports.len() > nfc_runtime::MAX_PORTS {
            self.error(
                list.at,
                format!("found {} ports, expected at most {}", self.ports.len(), nfc_runtime::MAX_PORTS),
            );
        }
    }

    /// A port by name; an error (unless the ports themselves are broken)
    /// when there is none.
    fn port(&mut self, name: &At<String, P>) -> Option<u8> {
        let index = self.ports.iter().position(|p| *p == name.value);
        if index.is_none() && self.ports_valid {
            let hint = suggestion(&name.value, self.ports.iter().map(String::as_str));
            self.error(
                name.at,
                format!("found undefined port `{}`, expected one of {}{hint}", name.value, self.ports.join(", ")),
            );
        }
        index.map(|i| i as u8)
    }

    fn metadata(&mut self, pairs: &Pairs<P>) {
        for (name, width) in pairs {
            if !is_identifier(&name.value) {
                self.error(
                    name.at,
                    format!(
                        "found metadata field name `{}`, expected letters, digits or `_`, starting with a letter",
                        name.value
                    ),
                );
                continue;
            }
            if self.metadata.iter().any(|m| m.name == name.value) {
                self.error(name.at, format!("found metadata field `{}` twice, expected unique names", name.value));
                continue;
            }
            let width = match width.value {
                Value::Integer(bits @ 1..=128) => bits as u8,
                ref other => {
                    let found = match other {
                        Value::Integer(bits) => format!("width {bits}"),
                        other => other.kind().to_owned(),
                    };
                    self.error(width.at, format!("found {found}, expected a width in bits, 1 to 128"));
                    continue;
                }
            };
            if self.metadata.len() == usize::from(u8::MAX) {
                self.error(name.at, "found more than 255 metadata fields, expected fewer");
                continue;
            }
            self.metadata.push(MetaField { name: name.value.clone(), width });
        }
    }

    /// A list of strings (a single string is a list of one); `None` and an
    /// error when it is something else.
    fn names(&mut self, value: &At<Value<P>, P>, what: &str) -> Option<Vec<At<String, P>>> {
        let items = match &value.value {
            Value::Text(text) => return Some(vec![At::new(text.clone(), value.at)]),
            Value::List(items) => items,
            other => {
                self.error(value.at, format!("found {}, expected {what}", other.kind()));
                return None;
            }
        };
        let mut names = Vec::new();
        for item in items {
            match &item.value {
                Value::Text(text) => names.push(At::new(text.clone(), item.at)),
                other => self.error(item.at, format!("found {}, expected a string", other.kind())),
            }
        }
        Some(names)
    }

    /// A field by the name users write: a packet field or `meta.NAME`.
    fn field(&mut self, path: &At<String, P>) -> Option<Field> {
        if let Some(name) = path.value.strip_prefix("meta.") {
            let index = self.metadata.iter().position(|m| m.name == name);
            if index.is_none() {
                let names: Vec<String> = self.metadata.iter().map(|m| format!("meta.{}", m.name)).collect();
                let hint = suggestion(&path.value, names.iter().map(String::as_str));
                let declared = if self.metadata.is_empty() {
                    "a field declared in `metadata = { name = width, ... }`".to_owned()
                } else {
                    format!("one of {}", names.join(", "))
                };
                self.error(
                    path.at,
                    format!("found unknown metadata field `{}`, expected {declared}{hint}", path.value),
                );
            }
            return index.map(|i| Field::Meta(MetaId { index: i as u8, width: self.metadata[i].width }));
        }
        let field = Field::from_path(&path.value);
        if field.is_none() {
            let hint = suggestion(&path.value, Field::ALL.iter().map(|f| f.path()));
            self.error(
                path.at,
                format!("found unknown field `{}`, expected a field such as ipv4.dst or tcp.dst{hint}", path.value),
            );
        }
        field
    }

    fn field_name(&self, field: Field) -> String {
        match field {
            Field::Meta(meta) => format!("meta.{}", self.metadata[usize::from(meta.index)].name),
            other => other.path().to_owned(),
        }
    }

    /// A value as the text the value parsers read.
    fn text(&mut self, value: &At<Value<P>, P>, field: Field) -> Option<String> {
        match &value.value {
            Value::Text(text) => Some(text.clone()),
            Value::Integer(number) if *number >= 0 => Some(number.to_string()),
            other => {
                let found = match other {
                    Value::Integer(number) => format!("{number}"),
                    other => other.kind().to_owned(),
                };
                self.error(value.at, format!("found {found}, expected {}", values::expected(field)));
                None
            }
        }
    }

    /// One value of `field`: an action's value, an exact key, a test
    /// packet's field. Metadata fields also take port names (their numbers).
    fn scalar(&mut self, field: Field, value: &At<Value<P>, P>) -> Option<u128> {
        let text = self.text(value, field)?;
        let name = self.field_name(field);
        let ports: Vec<&str> = self.port_names_for(field);
        values::scalar(field, &name, &ports, &text).map_err(|message| self.error(value.at, message)).ok()
    }

    /// The port names a field's values may use: metadata fields only.
    fn port_names_for(&self, field: Field) -> Vec<&str> {
        match field {
            Field::Meta(_) => self.ports.iter().map(String::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// A condition on `field`: exact value, prefix, range or value/mask
    /// (`in_port`: a port name).
    fn condition(&mut self, field: Field, value: &At<Value<P>, P>) -> Option<Condition> {
        if field == Field::InPort {
            let Value::Text(name) = &value.value else {
                self.error(value.at, format!("found {}, expected a port name", value.value.kind()));
                return None;
            };
            let port = self.port(&At::new(name.clone(), value.at))?;
            return Some(Condition { field, test: Test::Masked { value: port.into(), mask: 0xff } });
        }
        let text = self.text(value, field)?;
        let name = self.field_name(field);
        let ports: Vec<&str> = self.port_names_for(field);
        match values::test(field, &name, &ports, &text) {
            Ok(test) => Some(Condition { field, test }),
            Err(message) => {
                self.error(value.at, message);
                None
            }
        }
    }

    /// `field = value` pairs as conditions.
    fn conditions(&mut self, pairs: &Pairs<P>) -> Vec<Condition> {
        let mut conditions = Vec::new();
        for (path, value) in pairs {
            let Some(field) = self.field(path) else { continue };
            if let Some(condition) = self.condition(field, value) {
                conditions.push(condition);
            }
        }
        conditions
    }

    /// A table (as a stage index) by name.
    fn stage(&mut self, name: &At<String, P>) -> Option<usize> {
        let index = self.table_names.iter().position(|t| *t == name.value);
        if index.is_none() {
            let hint = suggestion(&name.value, self.table_names.iter().map(String::as_str));
            self.error(name.at, format!("found undefined table `{}`, expected a [[table]] name{hint}", name.value));
        }
        index.map(|i| i + 1)
    }
}
