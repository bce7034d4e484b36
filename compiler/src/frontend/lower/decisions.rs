//! Decisions: actions, targets, and named actions with parameters.
//!
//! A named action (`[[action]]`) is a decision whose values may be `$param`
//! holes; a call (`action = "name"` with arguments) fills them in and is from
//! then on an ordinary decision. Tables loaded at run time keep the
//! templates, since their entries only arrive with the file.

use super::{suggestion, Lowering};
use crate::frontend::ast::*;
use crate::ir::*;

/// Where a `$param` is being lowered: its name in the template being built.
pub(super) struct Params<'a> {
    names: &'a [String],
    /// The hole each parameter fills, once seen.
    holes: Vec<Option<Hole>>,
    /// Whether each parameter is written somewhere, rightly or not: one
    /// written wrongly is reported there, not as unused too.
    mentioned: Vec<bool>,
}

impl Params<'_> {
    fn mention(&mut self, text: &str) {
        if let Some(index) = text.strip_prefix('$').and_then(|name| self.names.iter().position(|p| p == name)) {
            self.mentioned[index] = true;
        }
    }
}

const ACTION_NAMES: [&str; 6] = ["dec_ttl", "swap_macs", "pop_vlan", "set", "copy", "push_vlan"];

impl<P: Copy> Lowering<'_, P> {
    /// `actions` and `output`/`goto` of a rule, table entry or default, or a
    /// call of a named action; `what` names it in errors.
    pub(super) fn decision(&mut self, ast: &DecisionAst<P>, what: &str) -> Decision {
        if let Some((name, arguments)) = &ast.call {
            if !ast.actions.is_empty() || ast.target.is_some() {
                self.error(
                    name.at,
                    format!(
                        "found `action = \"{}\"` beside actions or an output in {what}, expected one or the other",
                        name.value
                    ),
                );
            }
            return self.call(name, arguments).unwrap_or(Decision::DROP);
        }
        self.plain_decision(ast, what, None)
    }

    fn plain_decision(&mut self, ast: &DecisionAst<P>, what: &str, mut params: Option<&mut Params>) -> Decision {
        let actions = self.actions(&ast.actions, params.as_deref_mut());
        let target = match &ast.target {
            Some(target) => self.target(target, params),
            None => {
                self.error(
                    ast.at,
                    format!(
                        "found no `output` in {what}, expected a port, a list of ports, \"drop\", \"flood\", \
                         \"in_port\", meta.NAME or goto = \"table\""
                    ),
                );
                Target::Drop
            }
        };
        if matches!(target, Target::Goto(_)) && actions.iter().any(Action::is_reply) {
            self.error(
                ast.at,
                format!(
                    "found a goto after arp_reply or icmp_error in {what}, expected an output (usually \"in_port\"): \
                     the reply is made"
                ),
            );
        }
        Decision { actions, target }
    }

    /// `arp_reply = { address, mac }` or `icmp_error = { type, mac, ipv4,
    /// ipv6 }`, every argument checked.
    fn reply(&mut self, kind: &str, arguments: &Pairs<P>, at: P) -> Option<Action> {
        let known: &[&str] = if kind == "arp_reply" { &["address", "mac"] } else { &["type", "mac", "ipv4", "ipv6"] };
        let mut values: Vec<(&str, &At<Value<P>, P>)> = Vec::new();
        // Names a misspelt argument was probably meant as: not "missing" too.
        let mut meant: Vec<&str> = Vec::new();
        for (key, value) in arguments {
            match known.iter().find(|k| **k == key.value) {
                Some(k) => values.push((k, value)),
                None => {
                    let hint = suggestion(&key.value, known.iter().copied());
                    meant.extend(known.iter().filter(|k| hint.contains(&format!("`{k}`"))));
                    self.error(
                        key.at,
                        format!("found `{}` in {kind}, expected one of {}{hint}", key.value, known.join(", ")),
                    );
                }
            }
        }
        let get = |name: &str| values.iter().find(|(k, _)| *k == name).map(|(_, v)| *v);
        let value_of = |lowering: &mut Self, name: &str, field: Field, required: bool| -> Option<u128> {
            match get(name) {
                Some(value) => {
                    let text = lowering.text(value, field)?;
                    crate::frontend::values::scalar(field, name, &[], &text)
                        .map_err(|message| lowering.error(value.at, message))
                        .ok()
                }
                None if required && !meant.contains(&name) => {
                    lowering.error(
                        at,
                        format!("found no `{name}` in {kind}, expected {}", crate::frontend::values::expected(field)),
                    );
                    None
                }
                None => Some(0),
            }
        };
        if kind == "arp_reply" {
            let address = value_of(self, "address", Field::Ipv4Dst, true);
            let mac = value_of(self, "mac", Field::EthSrc, true);
            return Some(Action::ArpReply { address: address? as u32, mac: mac? as u64 });
        }
        let error = match get("type").map(|v| &v.value) {
            Some(Value::Text(name)) => match ReplyError::ALL.iter().find(|(n, _)| n == name) {
                Some((_, error)) => Some(*error),
                None => {
                    let hint = suggestion(name, ReplyError::ALL.iter().map(|(n, _)| *n));
                    let names: Vec<&str> = ReplyError::ALL.iter().map(|(n, _)| *n).collect();
                    self.error(
                        get("type").expect("given").at,
                        format!("found error type `{name}`, expected one of {}{hint}", names.join(", ")),
                    );
                    None
                }
            },
            Some(other) => {
                self.error(get("type").expect("given").at, format!("found {}, expected an error type", other.kind()));
                None
            }
            None => {
                self.error(at, "found no `type` in icmp_error, expected e.g. type = \"time_exceeded\"");
                None
            }
        };
        let mac = value_of(self, "mac", Field::EthSrc, true);
        let ipv4 = value_of(self, "ipv4", Field::Ipv4Src, false);
        let ipv6 = value_of(self, "ipv6", Field::Ipv6Src, false);
        if get("ipv4").is_none() && get("ipv6").is_none() {
            self.error(at, "found no address in icmp_error, expected ipv4 = \"..\", ipv6 = \"..\" or both");
        }
        Some(Action::IcmpError { error: error?, mac: mac? as u64, ipv4: ipv4? as u32, ipv6: ipv6? })
    }

    /// `$name` in a template: the parameter's index, noting the hole it
    /// fills; an error outside templates or for unknown names.
    fn parameter(&mut self, text: &str, at: P, hole: Hole, params: Option<&mut Params>) -> Option<Option<usize>> {
        let Some(name) = text.strip_prefix('$') else { return Some(None) };
        let Some(params) = params else {
            self.error(at, format!("found parameter `{text}` outside an [[action]], expected a value"));
            return None;
        };
        params.mention(text);
        let Some(index) = params.names.iter().position(|p| p == name) else {
            let mut names: Vec<String> = Vec::new();
            for name in params.names.iter().map(|p| format!("${p}")) {
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            let hint = suggestion(text, names.iter().map(String::as_str));
            let expected = if names.is_empty() { "no parameters".to_owned() } else { names.join(", ") };
            self.error(at, format!("found undeclared parameter `{text}`, expected one of {expected}{hint}"));
            return None;
        };
        if params.holes[index].is_some() {
            self.error(at, format!("found parameter `{text}` used twice, expected each parameter in one place"));
            return None;
        }
        params.holes[index] = Some(hole);
        Some(Some(index))
    }

    fn actions(&mut self, list: &[At<ActionAst<P>, P>], mut params: Option<&mut Params>) -> Vec<Action> {
        let mut actions = Vec::new();
        let mut set_fields: Vec<Field> = Vec::new();
        for action in list {
            let at = action.at;
            match &action.value {
                ActionAst::Named(name) => match name.as_str() {
                    "dec_ttl" => actions.push(Action::DecrementTtl),
                    "swap_macs" => actions.push(Action::SwapMacs),
                    "pop_vlan" => actions.push(Action::PopVlan),
                    other => {
                        let hint = suggestion(other, ACTION_NAMES);
                        self.error(
                            at,
                            format!(
                                "found unknown action `{other}`, expected dec_ttl, swap_macs, pop_vlan, \
                                 {{ set = ... }}, {{ copy = ... }} or {{ push_vlan = ... }}{hint}"
                            ),
                        );
                    }
                },
                ActionAst::Set(pairs) => {
                    for (path, value) in pairs {
                        let Some(field) = self.writable(path) else { continue };
                        if set_fields.contains(&field) {
                            self.error(
                                value.at,
                                format!("found `{}` set twice, expected one value per field", path.value),
                            );
                        }
                        set_fields.push(field);
                        let hole = Hole::SetValue(actions.len());
                        if let Value::Text(text) = &value.value {
                            match self.parameter(text, value.at, hole, params.as_deref_mut()) {
                                Some(Some(_)) => {
                                    actions.push(Action::Set { field, value: 0 });
                                    continue;
                                }
                                Some(None) => {}
                                None => continue,
                            }
                        }
                        if let Some(value) = self.scalar(field, value) {
                            actions.push(Action::Set { field, value });
                        }
                    }
                }
                ActionAst::Copy(pairs) => {
                    for (to_path, from) in pairs {
                        let Some(to) = self.writable(to_path) else { continue };
                        let Value::Text(from_path) = &from.value else {
                            self.error(from.at, format!("found {}, expected a field to copy from", from.value.kind()));
                            continue;
                        };
                        let Some(from_field) = self.field(&At::new(from_path.clone(), from.at)) else { continue };
                        if from_field.width() > to.width() {
                            self.error(
                                from.at,
                                format!(
                                    "found a copy of {}-bit `{from_path}` into {}-bit `{}`, expected a destination \
                                     at least as wide as its source",
                                    from_field.width(),
                                    to.width(),
                                    to_path.value
                                ),
                            );
                            continue;
                        }
                        if set_fields.contains(&to) {
                            self.error(
                                to_path.at,
                                format!("found `{}` set twice, expected one value per field", to_path.value),
                            );
                        }
                        set_fields.push(to);
                        actions.push(Action::Copy { to, from: from_field });
                    }
                }
                ActionAst::Reply(kind, arguments) => {
                    if let Some(reply) = self.reply(kind, arguments, at) {
                        actions.push(reply);
                    }
                }
                ActionAst::PushVlan { vid, pcp } => {
                    let index = actions.len();
                    let vid = self.bounded(vid.as_ref(), "vid", 4095, at, Hole::PushVid(index), params.as_deref_mut());
                    let pcp = match pcp {
                        None => Some(0),
                        Some(pcp) => self.bounded(Some(pcp), "pcp", 7, at, Hole::PushPcp(index), params.as_deref_mut()),
                    };
                    if let (Some(vid), Some(pcp)) = (vid, pcp) {
                        actions.push(Action::PushVlan { vid: vid as u16, pcp: pcp as u8 });
                    }
                }
            }
        }
        // On what was written, so a reply that did not lower still counts.
        if let Some(position) = list.iter().position(|a| matches!(a.value, ActionAst::Reply(..))) {
            if position + 1 < list.len() {
                let at = list[position + 1].at;
                self.error(
                    at,
                    "found an action after arp_reply or icmp_error, expected it last: it rewrites the whole frame",
                );
            }
        }
        let pushes = actions.iter().any(|a| matches!(a, Action::PushVlan { .. }));
        let pops = actions.iter().any(|a| matches!(a, Action::PopVlan));
        if pushes && pops {
            let at = list[0].at;
            self.error(at, "found push_vlan and pop_vlan in one action list, expected at most one of them");
        }
        actions
    }

    /// The field a `set` or `copy` writes, if it may be written.
    fn writable(&mut self, path: &At<String, P>) -> Option<Field> {
        let field = self.field(path)?;
        if !field.is_writable() {
            self.error(
                path.at,
                format!(
                    "found a write to `{}`, which is read-only; expected a writable field (MACs, IPs, ports, \
                     vlan.id, vlan.pcp, ip.ttl, ip.dscp, meta.*)",
                    path.value
                ),
            );
            return None;
        }
        Some(field)
    }

    /// An integer argument in 0..=max (or a parameter), reported at the
    /// value or, when missing, at `at`.
    fn bounded(
        &mut self,
        value: Option<&At<Value<P>, P>>,
        key: &str,
        max: i128,
        at: P,
        hole: Hole,
        params: Option<&mut Params>,
    ) -> Option<i128> {
        let Some(value) = value else {
            self.error(at, format!("found no `{key}`, expected {key} = 0..={max}"));
            return None;
        };
        match &value.value {
            Value::Integer(number @ 0..) if *number <= max => Some(*number),
            Value::Integer(number) => {
                self.error(value.at, format!("found {key} = {number}, expected {key} in 0..={max}"));
                None
            }
            Value::Text(text) if text.starts_with('$') => {
                self.parameter(text, value.at, hole, params).flatten().map(|_| 0)
            }
            other => {
                self.error(value.at, format!("found {}, expected an integer {key} in 0..={max}", other.kind()));
                None
            }
        }
    }

    pub(super) fn target(&mut self, target: &TargetAst<P>, params: Option<&mut Params>) -> Target {
        match target {
            TargetAst::One(text) => match text.value.as_str() {
                "drop" => Target::Drop,
                "flood" => Target::Flood,
                "in_port" => Target::InPort,
                meta if meta.starts_with("meta.") => match self.field(text) {
                    Some(Field::Meta(meta)) => Target::MetaPort(meta),
                    _ => Target::Drop,
                },
                param if param.starts_with('$') => match self.parameter(param, text.at, Hole::Ports, params) {
                    Some(Some(_)) => Target::Ports(1),
                    _ => Target::Drop,
                },
                _ => self.port(text).map_or(Target::Drop, |p| Target::Ports(1 << p)),
            },
            TargetAst::Ports(list) => {
                if list.value.is_empty() {
                    self.error(list.at, "found an empty list of ports, expected at least one port (or \"drop\")");
                }
                let bits = list.value.iter().filter_map(|name| self.port(name)).fold(0u32, |bits, p| bits | 1 << p);
                if bits == 0 {
                    Target::Drop
                } else {
                    Target::Ports(bits)
                }
            }
            TargetAst::Goto(name) => {
                if name.value.starts_with('$') {
                    if let Some(params) = params {
                        params.mention(&name.value);
                    }
                    self.error(
                        name.at,
                        format!(
                            "found `{}` as the table to go to, expected a table name: where a packet goes next is \
                             part of an action, not of its data",
                            name.value
                        ),
                    );
                    return Target::Drop;
                }
                self.stage(name).map_or(Target::Drop, Target::Goto)
            }
        }
    }

    /// An `[[action]]` definition as a template; `None` when it is broken
    /// (the error is reported, and calls of it are not checked further).
    pub(super) fn action_definition(&mut self, definition: &ActionDefAst<P>) -> Option<ActionTemplate> {
        let name = &definition.name;
        let errors_before = self.errors;
        if !super::is_identifier(&name.value) {
            self.error(
                name.at,
                format!("found action name `{}`, expected letters, digits or `_`, starting with a letter", name.value),
            );
        }
        if self.templates.iter().any(|(n, _)| *n == name.value) {
            self.error(name.at, format!("found action `{}` twice, expected unique action names", name.value));
        }
        let names: Vec<String> = definition.params.iter().map(|p| p.value.clone()).collect();
        let mut duplicate = vec![false; names.len()];
        for (i, param) in definition.params.iter().enumerate() {
            if definition.params[..i].iter().any(|p| p.value == param.value) {
                self.error(param.at, format!("found parameter `{}` twice, expected unique names", param.value));
                duplicate[i] = true;
            }
        }
        let mut params = Params { names: &names, holes: vec![None; names.len()], mentioned: vec![false; names.len()] };
        let what = format!("action `{}`", name.value);
        let decision = self.plain_decision(&definition.decision, &what, Some(&mut params));
        let mut holes = Vec::new();
        for (i, (param, hole)) in definition.params.iter().zip(&params.holes).enumerate() {
            match hole {
                Some(hole) => holes.push(*hole),
                None if duplicate[i] || params.mentioned[i] => {}
                None => self.error(
                    param.at,
                    format!(
                        "found parameter `{}` that the action never uses, expected `${}` in it",
                        param.value, param.value
                    ),
                ),
            }
        }
        if self.errors > errors_before {
            return None;
        }
        Some(ActionTemplate { name: name.value.clone(), decision, holes, params: names })
    }

    /// A call of a named action: its decision with the arguments filled in.
    fn call(&mut self, name: &At<String, P>, arguments: &Pairs<P>) -> Option<Decision> {
        let Some(position) = self.templates.iter().position(|(n, _)| *n == name.value) else {
            let hint = suggestion(&name.value, self.templates.iter().map(|(n, _)| n.as_str()));
            let names: Vec<&str> = self.templates.iter().map(|(n, _)| n.as_str()).collect();
            let expected = if names.is_empty() {
                "an [[action]] defined in the spec".to_owned()
            } else {
                format!("one of {}", names.join(", "))
            };
            self.error(name.at, format!("found undefined action `{}`, expected {expected}{hint}", name.value));
            return None;
        };
        // A broken definition was reported where it is written.
        let template = self.templates[position].1.clone()?;
        let mut values = vec![None; template.params.len()];
        for (key, value) in arguments {
            let Some(index) = template.params.iter().position(|p| *p == key.value) else {
                let hint = suggestion(&key.value, template.params.iter().map(String::as_str));
                self.error(
                    key.at,
                    format!(
                        "found argument `{}` that action `{}` does not take, expected {}{hint}",
                        key.value,
                        template.name,
                        if template.params.is_empty() { "none".to_owned() } else { template.params.join(", ") }
                    ),
                );
                continue;
            };
            values[index] = self.argument(&template, template.holes[index], value);
        }
        let missing: Vec<&str> =
            template.params.iter().zip(&values).filter(|(_, v)| v.is_none()).map(|(p, _)| p.as_str()).collect();
        let given: Vec<&str> = arguments.iter().map(|(k, _)| k.value.as_str()).collect();
        let unreported: Vec<&str> = missing.iter().copied().filter(|m| !given.contains(m)).collect();
        if !unreported.is_empty() {
            let noun = if unreported.len() == 1 { "argument" } else { "arguments" };
            self.error(
                name.at,
                format!(
                    "found no {noun} {} for action `{}`, expected one for each of its parameters ({})",
                    unreported.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", "),
                    template.name,
                    template.params.join(", ")
                ),
            );
        }
        if !missing.is_empty() {
            return None;
        }
        Some(fill(&template, &values.into_iter().map(Option::unwrap_or_default).collect::<Vec<_>>()))
    }

    /// One argument of a call, read as the hole it fills takes it.
    pub(super) fn argument(&mut self, template: &ActionTemplate, hole: Hole, value: &At<Value<P>, P>) -> Option<u128> {
        match hole {
            Hole::SetValue(i) => {
                let Action::Set { field, .. } = template.decision.actions[i] else { unreachable!("a set hole") };
                self.scalar(field, value)
            }
            Hole::PushVid(_) | Hole::PushPcp(_) => {
                let (key, max) = if matches!(hole, Hole::PushVid(_)) { ("vid", 4095) } else { ("pcp", 7) };
                match value.value {
                    Value::Integer(number @ 0..) if number <= max => Some(number as u128),
                    ref other => {
                        let found = match other {
                            Value::Integer(number) => format!("{key} = {number}"),
                            other => other.kind().to_owned(),
                        };
                        self.error(value.at, format!("found {found}, expected {key} in 0..={max}"));
                        None
                    }
                }
            }
            Hole::Ports => match &value.value {
                Value::Text(name) => self.port(&At::new(name.clone(), value.at)).map(|p| 1u128 << p),
                other => {
                    self.error(value.at, format!("found {}, expected a port name", other.kind()));
                    None
                }
            },
            Hole::Goto => unreachable!("templates have no goto holes"),
        }
    }
}

/// A template's decision with `values[i]` in hole `i`.
pub(crate) fn fill(template: &ActionTemplate, values: &[u128]) -> Decision {
    let mut decision = template.decision.clone();
    for (&hole, &value) in template.holes.iter().zip(values) {
        set_hole(&mut decision, hole, value);
    }
    decision
}

/// Write `value` into `hole` of `decision`.
pub(crate) fn set_hole(decision: &mut Decision, hole: Hole, value: u128) {
    match hole {
        Hole::SetValue(i) => {
            if let Action::Set { value: slot, .. } = &mut decision.actions[i] {
                *slot = value;
            }
        }
        Hole::PushVid(i) => {
            if let Action::PushVlan { vid, .. } = &mut decision.actions[i] {
                *vid = value as u16;
            }
        }
        Hole::PushPcp(i) => {
            if let Action::PushVlan { pcp, .. } = &mut decision.actions[i] {
                *pcp = value as u8;
            }
        }
        Hole::Ports => decision.target = Target::Ports(value as u32),
        Hole::Goto => decision.target = Target::Goto(value as usize),
    }
}
