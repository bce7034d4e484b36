//! Semantic checks on a lowered spec, shared by every frontend.

use crate::diag::Severity;
use crate::ir::{Condition, Spec, Test};

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
pub fn shadowing(spec: &Spec) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (j, rule) in spec.rules.iter().enumerate() {
        if let Some(i) = spec.rules[..j].iter().position(|earlier| covers(&earlier.conditions, &rule.conditions)) {
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
