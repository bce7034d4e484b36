use super::*;
use crate::ir::*;

fn rule(name: &str, field: Field, value: u128, target: Target) -> Entry {
    Entry {
        name: name.into(),
        key: EntryKey::Conditions(vec![Condition { field, test: Test::Masked { value, mask: field.full_mask() } }]),
        decision: Decision { actions: vec![], target },
    }
}

fn prefix(value: u128, len: u8, decision: Decision) -> Entry {
    Entry { name: String::new(), key: EntryKey::Prefix { value, len }, decision }
}

fn router() -> Spec {
    let forward = |port: u32| Decision { actions: vec![Action::DecrementTtl], target: Target::Ports(1 << port) };
    let rules =
        vec![rule("telnet", Field::TcpDst, 23, Target::Drop), rule("ipv4", Field::EthType, 0x0800, Target::Goto(1))];
    Spec {
        name: "edge_router".into(),
        ports: vec![Port { name: "lan".into() }, Port { name: "wan".into() }],
        metadata: vec![],
        stages: vec![
            Stage {
                name: "rules".into(),
                kind: StageKind::FirstMatch { key: vec![Field::EthType, Field::TcpDst] },
                entries: rules,
                default: Decision::DROP,
                loaded: None,
            },
            Stage {
                name: "routes".into(),
                kind: StageKind::LongestPrefix { key: Field::Ipv4Dst },
                entries: vec![prefix(0x0a00_0000, 8, forward(0)), prefix(0, 0, forward(1))],
                default: Decision::DROP,
                loaded: None,
            },
        ],
        tests: vec![],
    }
}

#[test]
fn type_names_are_camel_case_identifiers() {
    assert_eq!(type_name("edge_router"), "EdgeRouter");
    assert_eq!(type_name("l2fwd"), "L2fwd");
    assert_eq!(type_name("vlan-tagger"), "VlanTagger");
    assert_eq!(type_name("10k_acl"), "Nf10kAcl");
}

#[test]
fn counters_are_rules_then_default_then_table_hits_and_misses() {
    assert_eq!(counter_names(&router()), ["telnet", "ipv4", "default", "routes/hit", "routes/miss"]);
}

#[test]
fn generated_code_is_a_valid_item_list_without_unsafe_or_dyn() {
    let code = generate(&router());
    let file: syn::File = syn::parse2(code.clone()).expect("generated code parses as Rust items");
    assert_eq!(file.items.len(), 4, "struct, inherent impl, Default, NetworkFunction");
    let text = code.to_string();
    assert!(!text.contains("unsafe"), "{text}");
    assert!(!text.contains("dyn"), "{text}");
    assert!(text.contains("pub struct EdgeRouter"));
}

#[test]
fn longest_prefixes_are_probed_first() {
    let text = generate(&router()).to_string();
    let slash8 = text.find("4278190080u32").expect("the /8 mask");
    let slash0 = text.find("key & 0u32").expect("the /0 mask");
    assert!(slash8 < slash0, "the /8 probe must come before the default route");
}

#[test]
fn large_tables_and_rule_lists_become_engines_over_static_data() {
    let mut spec = router();
    let forward = spec.stages[1].entries[0].decision.clone();
    spec.stages[1].entries = (0..=LARGE as u128).map(|i| prefix(0x0a00_0000 | i << 8, 24, forward.clone())).collect();
    spec.stages[0].entries =
        (0..=LARGE as u128).map(|i| rule(&format!("r{i}"), Field::TcpDst, i, Target::Drop)).collect();
    spec.stages[0].entries[LARGE].decision.target = Target::Goto(1);
    let text = generate(&spec).to_string();
    assert!(text.contains("Lpm4 :: from_bytes (Self :: STAGE_1_DATA)"), "{text}");
    assert!(text.contains("Classifier :: from_bytes (Self :: STAGE_0_DATA)"));
    // The 65 prefixes share one decision: one arm, no per-entry code.
    assert_eq!(text.matches("decrement_ttl").count(), 1, "{text}");
    assert!(!text.contains("match key &"), "no per-length probes: {text}");
    assert!(!text.contains("unsafe"));
}
