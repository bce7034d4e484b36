//! Semantic checks on a lowered spec, shared by every frontend.

mod layers;

use crate::diag::Severity;
use crate::ir::{
    Action, Condition, Decision, EntryKey, Field, Layer, Spec, StageKind, Target, Test, TestPacket, ENTRY,
};
use layers::{contradiction, describe, header_name, Guarantee, Universe};

/// Something the checks found, about a rule or stage by index, so each
/// frontend can point at it in its own syntax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub about: Subject,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    /// A rule of the top-level rule list.
    Rule(usize),
    /// A stage; tables are stages 1.. in the order written.
    Stage(usize),
    /// A metadata field.
    Meta(usize),
    /// A `[[test]]` case's packet, by index.
    Test(usize),
    /// A `[[test]]` case's expected packet, by index.
    TestExpectation(usize),
}

/// Every warning about a spec that lowered without errors: rules and
/// entries that never match or are shadowed, `set`s on headers a rule does
/// not guarantee, tables nothing goes to, metadata nothing sets.
pub fn warnings(spec: &Spec) -> Vec<Finding> {
    let mut findings = never_matching(spec);
    findings.extend(shadowing(spec));
    findings.extend(unguaranteed_sets(spec));
    findings.extend(unused_tables(spec));
    findings.extend(metadata(spec));
    findings
}

/// An entry's conditions (none for exact and prefix keys).
fn conditions_of(key: &EntryKey) -> &[Condition] {
    match key {
        EntryKey::Conditions(conditions) => conditions,
        _ => &[],
    }
}

/// Rules (and entries of ternary tables) whose conditions no packet
/// satisfies together (warnings): TCP and UDP fields, `eth.type = ipv6` with
/// an IPv4 field, `ip.frag = later` with a port, ...
pub fn never_matching(spec: &Spec) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (stage_index, stage) in spec.stages.iter().enumerate() {
        for (index, entry) in stage.entries.iter().enumerate() {
            let Some(blamed) = contradiction(conditions_of(&entry.key), Universe::Parsed) else { continue };
            let blamed: Vec<String> = blamed.iter().map(describe).collect();
            let (about, what) = if stage_index == ENTRY {
                (Subject::Rule(index), format!("rule `{}`", entry.name))
            } else {
                (Subject::Stage(stage_index), format!("entry {} of table `{}`", index + 1, stage.name))
            };
            findings.push(Finding {
                severity: Severity::Warning,
                about,
                message: format!("{what} never matches: no packet satisfies {} together", join_and(&blamed)),
            });
        }
    }
    findings
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// How to make a rule say which packets a header's `set` is for.
fn how_to_require(layer: Layer) -> &'static str {
    match layer {
        Layer::Ethernet => "",
        Layer::Vlan => "match a `vlan.*` field (or push_vlan first)",
        Layer::Ipv4 => "match `eth.type = \"ipv4\"` or an IPv4 field",
        Layer::Ipv6 => "match `eth.type = \"ipv6\"` or an IPv6 field",
        Layer::Ip => "match `eth.type` or an IP field",
        Layer::Tcp => "match `ip.proto = \"tcp\"` or a TCP field",
        Layer::Udp => "match `ip.proto = \"udp\"` or a UDP field",
        Layer::Icmp => "match `ip.proto = \"icmp\"` or an ICMP field",
    }
}

fn set_message(field: Field, guarantee: Guarantee, place: &str) -> String {
    let header = header_name(field.layer());
    match guarantee {
        Guarantee::None => {
            format!("`set {}` {place} never does anything: no packet it applies to has {header}", field.path())
        }
        _ => format!(
            "`set {}` {place} does nothing on packets without {header}, which the rule does not exclude: {} to say \
             which packets it is for",
            field.path(),
            how_to_require(field.layer())
        ),
    }
}

/// `set` actions on a header that some packets a rule matches lack, where
/// they do nothing (warnings; the docs promise them). The decisions of a
/// table a rule goes to are checked for that rule: a hit also guarantees
/// the key's headers (and the entry's own conditions).
pub fn unguaranteed_sets(spec: &Spec) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    let mut add = |finding: Finding| {
        if !findings.contains(&finding) {
            findings.push(finding);
        }
    };
    let rules = spec.rules();
    for (index, rule) in rules.entries.iter().enumerate() {
        let conditions = conditions_of(&rule.key);
        let place = format!("in rule `{}`", rule.name);
        for (field, guarantee) in layers::unguaranteed_sets(conditions, &rule.decision.actions) {
            add(Finding {
                severity: Severity::Warning,
                about: Subject::Rule(index),
                message: set_message(field, guarantee, &place),
            });
        }
        let Target::Goto(stage_index) = rule.decision.target else { continue };
        let Some(table) = spec.stages.get(stage_index) else { continue };
        let key_present = table
            .kind
            .key_fields()
            .iter()
            .filter(|_| !matches!(table.kind, StageKind::FirstMatch { .. }))
            .map(|&field| Condition { field, test: Test::Masked { value: 0, mask: 0 } });
        let mut hit: Vec<Condition> = conditions.to_vec();
        hit.extend(key_present);
        let entries = table.entries.iter().map(|e| {
            let mut conditions = hit.clone();
            conditions.extend_from_slice(conditions_of(&e.key));
            (conditions, &e.decision, "an entry of")
        });
        let default = std::iter::once((conditions.to_vec(), &table.default, "the default of"));
        for (conditions, decision, which) in entries.chain(default) {
            let Decision { actions: own, .. } = decision;
            let actions: Vec<Action> = rule.decision.actions.iter().chain(own).copied().collect();
            let place = format!("in {which} table `{}` (after rule `{}`)", table.name, rule.name);
            for (field, guarantee) in layers::unguaranteed_sets(&conditions, &actions) {
                if own.iter().any(|a| matches!(a, Action::Set { field: f, .. } if *f == field)) {
                    add(Finding {
                        severity: Severity::Warning,
                        about: Subject::Stage(stage_index),
                        message: set_message(field, guarantee, &place),
                    });
                }
            }
        }
    }
    findings
}

/// Test packets whose fields no one packet has: IPv4 and IPv6 fields, TCP
/// and UDP ones, `eth.type = arp` with an IP field (errors: the packet
/// builder would have to drop some of them).
pub fn test_packets(spec: &Spec) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, case) in spec.tests.iter().enumerate() {
        // The expected packet is the input with the `expect` fields replaced.
        let expected = case.expect_packet.as_ref().map(|expect| crate::testpkt::merged(&case.packet, expect));
        let places = [
            (Subject::Test(index), "packet", Some(&case.packet)),
            (Subject::TestExpectation(index), "expect", expected.as_ref()),
        ];
        for (about, what, packet) in places {
            let Some(TestPacket::Fields { fields, .. }) = packet else { continue };
            let conditions: Vec<Condition> = fields
                .iter()
                .filter(|(field, _)| *field != Field::InPort)
                .map(|&(field, value)| Condition { field, test: Test::Masked { value, mask: field.full_mask() } })
                .collect();
            let Some(blamed) = contradiction(&conditions, Universe::Built) else { continue };
            let blamed: Vec<String> = blamed.iter().map(describe).collect();
            findings.push(Finding {
                severity: Severity::Error,
                about,
                message: format!(
                    "found {} in the `{what}` of test `{}`, expected the fields of one packet (IPv4 or IPv6; TCP, UDP \
                     or ICMP)",
                    join_and(&blamed),
                    case.name
                ),
            });
        }
    }
    findings
}

/// Every decision of a stage: its entries', then its default.
fn decisions(spec: &Spec, stage: usize) -> impl Iterator<Item = &Decision> {
    let stage = &spec.stages[stage];
    stage
        .entries
        .iter()
        .map(|e| &e.decision)
        .chain(Some(&stage.default))
        .chain(stage.loaded.iter().flat_map(|l| l.actions.iter().map(|a| &a.decision)))
}

/// The stages a stage's decisions go to, each once, in index order.
pub fn successors(spec: &Spec, stage: usize) -> Vec<usize> {
    let mut next: Vec<usize> = decisions(spec, stage)
        .filter_map(|d| match d.target {
            Target::Goto(to) => Some(to),
            _ => None,
        })
        .collect();
    next.sort_unstable();
    next.dedup();
    next
}

/// Duplicate rule and table names (counters are named after them).
pub fn names(spec: &Spec) -> Vec<Finding> {
    let mut findings = Vec::new();
    let rules = &spec.rules().entries;
    for (j, rule) in rules.iter().enumerate() {
        if rules[..j].iter().any(|earlier| earlier.name == rule.name) {
            findings.push(Finding {
                severity: Severity::Error,
                about: Subject::Rule(j),
                message: format!(
                    "found rule name `{}` twice, expected unique rule names (counters are named after them)",
                    rule.name
                ),
            });
        }
    }
    for (j, table) in spec.tables() {
        if spec.stages[1..j].iter().any(|earlier| earlier.name == table.name) {
            findings.push(Finding {
                severity: Severity::Error,
                about: Subject::Stage(j),
                message: format!("found table name `{}` twice, expected unique table names", table.name),
            });
        }
    }
    findings
}

/// A cycle in the stage graph is an error: a packet would loop.
pub fn cycles(spec: &Spec) -> Vec<Finding> {
    let mut findings = Vec::new();
    // Depth-first from every stage; `state` 1 = on the current path, 2 = done.
    let mut state = vec![0u8; spec.stages.len()];
    let mut path = Vec::new();
    for start in 0..spec.stages.len() {
        if state[start] == 0 {
            find_cycles(spec, start, &mut state, &mut path, &mut findings);
        }
    }
    findings
}

/// A table no decision goes to never runs: a warning.
pub fn unused_tables(spec: &Spec) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut reached = vec![false; spec.stages.len()];
    let mut pending = vec![ENTRY];
    while let Some(stage) = pending.pop() {
        if !std::mem::replace(&mut reached[stage], true) {
            pending.extend(successors(spec, stage));
        }
    }
    for (index, table) in spec.tables() {
        if !reached[index] {
            findings.push(Finding {
                severity: Severity::Warning,
                about: Subject::Stage(index),
                message: format!(
                    "table `{}` is never used: no rule or table goes to it (`goto = \"{}\"`)",
                    table.name, table.name
                ),
            });
        }
    }
    findings
}

fn find_cycles(spec: &Spec, stage: usize, state: &mut [u8], path: &mut Vec<usize>, findings: &mut Vec<Finding>) {
    state[stage] = 1;
    path.push(stage);
    for next in successors(spec, stage) {
        match state[next] {
            0 => find_cycles(spec, next, state, path, findings),
            1 => {
                let start = path.iter().position(|&s| s == next).expect("on the path");
                let names: Vec<&str> =
                    path[start..].iter().chain(Some(&next)).map(|&s| spec.stages[s].name.as_str()).collect();
                findings.push(Finding {
                    severity: Severity::Error,
                    about: Subject::Stage(next),
                    message: format!(
                        "found a cycle of tables: {}, expected every goto to lead to a table the packet has not \
                         been through",
                        names.join(" -> ")
                    ),
                });
            }
            _ => {}
        }
    }
    path.pop();
    state[stage] = 2;
}

/// Renumber the stages of an acyclic spec so that every goto leads to a
/// later stage, keeping the order written wherever the gotos allow (the
/// entry stays first): the code generator and the interpreter then run the
/// stages as one pass in index order.
pub fn order_stages(spec: &mut Spec) {
    let count = spec.stages.len();
    let mut incoming = vec![0usize; count];
    for stage in 0..count {
        for next in successors(spec, stage) {
            incoming[next] += 1;
        }
    }
    let mut order = Vec::with_capacity(count);
    let mut ready: std::collections::BTreeSet<usize> = (0..count).filter(|&s| incoming[s] == 0).collect();
    // The entry first, whatever else is ready.
    ready.remove(&ENTRY);
    let mut next_stage = Some(ENTRY);
    while let Some(stage) = next_stage.take().or_else(|| ready.pop_first()) {
        order.push(stage);
        for next in successors(spec, stage) {
            incoming[next] -= 1;
            if incoming[next] == 0 {
                ready.insert(next);
            }
        }
    }
    debug_assert_eq!(order.len(), count, "order_stages needs an acyclic spec");
    if order.iter().enumerate().all(|(i, &s)| i == s) {
        return;
    }
    let mut new_index = vec![0; count];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let mut stages: Vec<Option<crate::ir::Stage>> = std::mem::take(&mut spec.stages).into_iter().map(Some).collect();
    spec.stages = order.iter().map(|&old| stages[old].take().expect("each stage once")).collect();
    for stage in &mut spec.stages {
        let loaded = stage.loaded.iter_mut().flat_map(|l| l.actions.iter_mut().map(|a| &mut a.decision));
        for decision in stage.entries.iter_mut().map(|e| &mut e.decision).chain(Some(&mut stage.default)).chain(loaded)
        {
            if let Target::Goto(to) = &mut decision.target {
                *to = new_index[*to];
            }
        }
    }
}

/// Rules that can never match because an earlier rule matches everything
/// they do (warnings), in the rule list and in ternary and range tables.
/// Only meaningful on a spec that lowered without errors.
pub fn shadowing(spec: &Spec) -> Vec<Finding> {
    let mut findings = Vec::new();
    let conditions = |key: &EntryKey| match key {
        EntryKey::Conditions(conditions) => conditions.clone(),
        _ => Vec::new(),
    };
    // Rules that never match at all are left to `never_matching`.
    let matches_something = |conditions: &[Condition]| contradiction(conditions, Universe::Parsed).is_none();
    let rules = &spec.rules().entries;
    for (j, rule) in rules.iter().enumerate() {
        let later = conditions(&rule.key);
        if !matches_something(&later) {
            continue;
        }
        let shadowing = rules[..j].iter().position(|earlier| {
            let earlier = conditions(&earlier.key);
            matches_something(&earlier) && covers(&earlier, &later)
        });
        if let Some(i) = shadowing {
            findings.push(Finding {
                severity: Severity::Warning,
                about: Subject::Rule(j),
                message: format!(
                    "rule `{}` is shadowed by earlier rule `{}`: every packet it matches is matched there first",
                    rule.name, rules[i].name
                ),
            });
        }
    }
    for (index, table) in spec.tables() {
        if !matches!(table.kind, crate::ir::StageKind::FirstMatch { .. }) {
            continue;
        }
        for (j, entry) in table.entries.iter().enumerate() {
            let later = conditions(&entry.key);
            if !matches_something(&later) {
                continue;
            }
            let shadowing = table.entries[..j].iter().position(|earlier| {
                let earlier = conditions(&earlier.key);
                matches_something(&earlier) && covers(&earlier, &later)
            });
            if let Some(i) = shadowing {
                findings.push(Finding {
                    severity: Severity::Warning,
                    about: Subject::Stage(index),
                    message: format!(
                        "entry {} of table `{}` is shadowed by entry {}: every packet it matches is matched there \
                         first (entries in priority order)",
                        j + 1,
                        table.name,
                        i + 1
                    ),
                });
            }
        }
    }
    findings
}

/// Metadata matched or used but never written is always zero: a warning.
pub fn metadata(spec: &Spec) -> Vec<Finding> {
    let mut written = vec![false; spec.metadata.len()];
    let mut read = vec![false; spec.metadata.len()];
    let note_read = |field: Field, read: &mut Vec<bool>| {
        if let Field::Meta(meta) = field {
            read[usize::from(meta.index)] = true;
        }
    };
    for stage in 0..spec.stages.len() {
        for field in spec.stages[stage].kind.key_fields() {
            note_read(*field, &mut read);
        }
        if let crate::ir::StageKind::Stateful(state) = &spec.stages[stage].kind {
            for field in state.fields() {
                note_read(field, &mut read);
            }
            if let Some(meta) = state.writes() {
                written[usize::from(meta.index)] = true;
            }
        }
        for entry in &spec.stages[stage].entries {
            if let EntryKey::Conditions(conditions) = &entry.key {
                for condition in conditions {
                    note_read(condition.field, &mut read);
                }
            }
        }
        for decision in decisions(spec, stage) {
            for action in &decision.actions {
                match *action {
                    crate::ir::Action::Set { field: Field::Meta(meta), .. } => written[usize::from(meta.index)] = true,
                    crate::ir::Action::Copy { to, from } => {
                        if let Field::Meta(meta) = to {
                            written[usize::from(meta.index)] = true;
                        }
                        note_read(from, &mut read);
                    }
                    _ => {}
                }
            }
            if let Target::MetaPort(meta) = decision.target {
                read[usize::from(meta.index)] = true;
            }
        }
    }
    spec.metadata
        .iter()
        .enumerate()
        .filter(|&(i, _)| read[i] && !written[i])
        .map(|(i, meta)| Finding {
            severity: Severity::Warning,
            about: Subject::Meta(i),
            message: format!("metadata field `meta.{}` is read but no action sets it: it is always 0", meta.name),
        })
        .collect()
}

/// Whether every packet satisfying `later` also satisfies `earlier`: each of
/// the earlier rule's conditions is implied by one of the later rule's.
fn covers(earlier: &[Condition], later: &[Condition]) -> bool {
    earlier.iter().all(|e| later.iter().any(|l| l.field == e.field && implies(l.test, e.test, e.field.full_mask())))
}

/// Whether `a` holding implies `b` holding, on a field of mask `full`.
fn implies(a: Test, b: Test, full: u128) -> bool {
    match (a, b) {
        (Test::Masked { value: va, mask: ma }, Test::Masked { value: vb, mask: mb }) => mb & !ma == 0 && va & mb == vb,
        (Test::Range { low: la, high: ha }, Test::Range { low: lb, high: hb }) => lb <= la && ha <= hb,
        (Test::Masked { value, mask }, Test::Range { low, high }) => mask == full && low <= value && value <= high,
        (Test::Range { low, high }, Test::Masked { value, mask }) => low == high && low & mask == value,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containment_of_masks_and_ranges() {
        let full = 0xffff_ffff;
        let slash8 = Test::Masked { value: 0x0a00_0000, mask: 0xff00_0000 };
        let slash16 = Test::Masked { value: 0x0a01_0000, mask: 0xffff_0000 };
        assert!(implies(slash16, slash8, full));
        assert!(!implies(slash8, slash16, full));
        assert!(implies(Test::Range { low: 10, high: 20 }, Test::Range { low: 0, high: 30 }, full));
        assert!(implies(Test::Masked { value: 15, mask: full }, Test::Range { low: 10, high: 20 }, full));
        assert!(!implies(Test::Range { low: 10, high: 20 }, Test::Masked { value: 15, mask: full }, full));
    }
}
