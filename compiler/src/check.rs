//! Semantic checks on a lowered spec, shared by every frontend.

mod layers;

use crate::diag::Severity;
use crate::ir::{Action, Condition, Decision, Field, Layer, Spec, Target, Test, TestPacket};
use layers::{contradiction, describe, header_name, Guarantee, Universe};

/// Something the checks found, about a rule or table by index, so each
/// frontend can point at it in its own syntax.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub about: Subject,
    pub message: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Subject {
    Rule(usize),
    Table(usize),
    /// A `[[test]]` case's packet, by index.
    Test(usize),
    /// A `[[test]]` case's expected packet, by index.
    TestExpectation(usize),
}

/// Every warning about a spec that lowered without errors: rules that never
/// match, shadowed rules, `set`s on headers a rule does not guarantee.
pub fn warnings(spec: &Spec) -> Vec<Finding> {
    let mut findings = never_matching(spec);
    findings.extend(shadowing(spec));
    findings.extend(unguaranteed_sets(spec));
    findings
}

/// Rules whose conditions no packet satisfies together (warnings): TCP and
/// UDP fields, `eth.type = ipv6` with an IPv4 field, `ip.frag = later` with a
/// port, ...
pub fn never_matching(spec: &Spec) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (index, rule) in spec.rules.iter().enumerate() {
        let Some(blamed) = contradiction(&rule.conditions, Universe::Parsed) else { continue };
        let blamed: Vec<String> = blamed.iter().map(describe).collect();
        findings.push(Finding {
            severity: Severity::Warning,
            about: Subject::Rule(index),
            message: format!("rule `{}` never matches: no packet satisfies {} together", rule.name, join_and(&blamed)),
        });
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
            "`set {}` {place} does nothing on packets without {header}, which the rule does not exclude: {} to say which packets it is for",
            field.path(),
            how_to_require(field.layer())
        ),
    }
}

/// `set` actions on a header that some packets a rule matches lack, where
/// they do nothing (warnings; the docs promise them). A table's entries are
/// checked for each rule that reaches the table: a hit also guarantees the
/// key's header.
pub fn unguaranteed_sets(spec: &Spec) -> Vec<Finding> {
    let mut findings: Vec<Finding> = Vec::new();
    let mut add = |finding: Finding| {
        if !findings.contains(&finding) {
            findings.push(finding);
        }
    };
    for (index, rule) in spec.rules.iter().enumerate() {
        let place = format!("in rule `{}`", rule.name);
        for (field, guarantee) in layers::unguaranteed_sets(&rule.conditions, &rule.decision.actions) {
            add(Finding {
                severity: Severity::Warning,
                about: Subject::Rule(index),
                message: set_message(field, guarantee, &place),
            });
        }
        let Target::Table(table_index) = rule.decision.target else { continue };
        let Some(table) = spec.tables.get(table_index) else { continue };
        let key = match table.kind {
            crate::ir::TableKind::LongestPrefix(field) | crate::ir::TableKind::Exact(field) => field,
        };
        let key_present = Condition { field: key, test: Test::Masked { value: 0, mask: 0 } };
        let mut hit = rule.conditions.clone();
        hit.push(key_present);
        let decisions = table.entries.iter().map(|e| (&hit, &e.decision, "an entry of")).chain(std::iter::once((
            &rule.conditions,
            &table.default,
            "the default of",
        )));
        for (conditions, decision, which) in decisions {
            let Decision { actions: own, .. } = decision;
            let actions: Vec<Action> = rule.decision.actions.iter().chain(own).copied().collect();
            let place = format!("in {which} table `{}` (after rule `{}`)", table.name, rule.name);
            for (field, guarantee) in layers::unguaranteed_sets(conditions, &actions) {
                if own.iter().any(|a| matches!(a, Action::Set { field: f, .. } if *f == field)) {
                    add(Finding {
                        severity: Severity::Warning,
                        about: Subject::Table(table_index),
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
                    "found {} in the `{what}` of test `{}`, expected the fields of one packet (IPv4 or IPv6; TCP, UDP or ICMP)",
                    join_and(&blamed),
                    case.name
                ),
            });
        }
    }
    findings
}

/// Duplicate rule and table names (counters are named after them).
pub fn names(spec: &Spec) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (j, rule) in spec.rules.iter().enumerate() {
        if spec.rules[..j].iter().any(|earlier| earlier.name == rule.name) {
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
    for (j, table) in spec.tables.iter().enumerate() {
        if spec.tables[..j].iter().any(|earlier| earlier.name == table.name) {
            findings.push(Finding {
                severity: Severity::Error,
                about: Subject::Table(j),
                message: format!("found table name `{}` twice, expected unique table names", table.name),
            });
        }
    }
    findings
}

/// Rules that can never match because an earlier rule matches everything
/// they do (warnings). Only meaningful on a spec that lowered without errors.
/// Rules that never match at all are left to `never_matching`.
pub fn shadowing(spec: &Spec) -> Vec<Finding> {
    let mut findings = Vec::new();
    let matches_something = |conditions: &[Condition]| contradiction(conditions, Universe::Parsed).is_none();
    for (j, rule) in spec.rules.iter().enumerate() {
        if !matches_something(&rule.conditions) {
            continue;
        }
        let shadowing = spec.rules[..j].iter().position(|earlier| {
            matches_something(&earlier.conditions) && covers(&earlier.conditions, &rule.conditions)
        });
        if let Some(i) = shadowing {
            findings.push(Finding {
                severity: Severity::Warning,
                about: Subject::Rule(j),
                message: format!(
                    "rule `{}` is shadowed by earlier rule `{}`: every packet it matches is matched there first",
                    rule.name, spec.rules[i].name
                ),
            });
        }
    }
    findings
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
