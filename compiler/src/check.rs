//! Semantic checks on a lowered spec, shared by every frontend.

use crate::diag::Reporter;
use crate::ir::{Condition, Spec, Test};

/// Report duplicate rule and table names; `rule_offsets[i]` is where rule
/// `i` starts in the source.
pub fn names(spec: &Spec, rule_offsets: &[usize], reporter: &mut Reporter) {
    for (j, rule) in spec.rules.iter().enumerate() {
        if spec.rules[..j].iter().any(|earlier| earlier.name == rule.name) {
            let at = rule_offsets.get(j).copied().unwrap_or(0);
            reporter.error(at, format!("found rule name `{}` twice, expected unique rule names (counters are named after them)", rule.name));
        }
    }
    for (j, table) in spec.tables.iter().enumerate() {
        if spec.tables[..j].iter().any(|earlier| earlier.name == table.name) {
            reporter.error(0, format!("found table name `{}` twice, expected unique table names", table.name));
        }
    }
}

/// Warn about rules that can never match because an earlier rule matches
/// everything they do. Only meaningful on a spec that lowered without errors.
pub fn shadowing(spec: &Spec, rule_offsets: &[usize], reporter: &mut Reporter) {
    let at = |i: usize| rule_offsets.get(i).copied().unwrap_or(0);
    for (j, rule) in spec.rules.iter().enumerate() {
        if let Some(i) = spec.rules[..j].iter().position(|earlier| covers(&earlier.conditions, &rule.conditions)) {
            reporter.warning(at(j), format!("rule `{}` is shadowed by earlier rule `{}`: every packet it matches is matched there first", rule.name, spec.rules[i].name));
        }
    }
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
