use super::*;
use crate::ir::*;

fn router() -> Spec {
    let forward = |port: u32| Decision { actions: vec![Action::DecrementTtl], target: Target::Ports(1 << port) };
    Spec {
        name: "edge_router".into(),
        ports: vec![Port { name: "lan".into() }, Port { name: "wan".into() }],
        rules: vec![
            Rule {
                name: "telnet".into(),
                conditions: vec![Condition { field: Field::TcpDst, test: Test::Masked { value: 23, mask: 0xffff } }],
                decision: Decision { actions: vec![], target: Target::Drop },
            },
            Rule {
                name: "ipv4".into(),
                conditions: vec![Condition {
                    field: Field::EthType,
                    test: Test::Masked { value: 0x0800, mask: 0xffff },
                }],
                decision: Decision { actions: vec![], target: Target::Table(0) },
            },
        ],
        tables: vec![Table {
            name: "routes".into(),
            kind: TableKind::LongestPrefix(Field::Ipv4Dst),
            entries: vec![
                TableEntry { key: 0x0a00_0000, prefix_len: 8, decision: forward(0) },
                TableEntry { key: 0, prefix_len: 0, decision: forward(1) },
            ],
            default: Decision { actions: vec![], target: Target::Drop },
        }],
        default: Decision { actions: vec![], target: Target::Drop },
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
    let forward = spec.tables[0].entries[0].decision.clone();
    spec.tables[0].entries = (0..=LARGE as u128)
        .map(|i| TableEntry { key: 0x0a00_0000 | i << 8, prefix_len: 24, decision: forward.clone() })
        .collect();
    let telnet = spec.rules[0].clone();
    spec.rules = (0..=LARGE as u128)
        .map(|i| Rule {
            name: format!("r{i}"),
            conditions: vec![Condition { field: Field::TcpDst, test: Test::Masked { value: i, mask: 0xffff } }],
            ..telnet.clone()
        })
        .collect();
    spec.rules[LARGE].decision = Decision { actions: vec![], target: Target::Table(0) };
    let text = generate(&spec).to_string();
    assert!(text.contains("Lpm4 :: from_bytes (Self :: TABLE_0_DATA)"), "{text}");
    assert!(text.contains("Classifier :: from_bytes (Self :: RULES_DATA)"));
    // The 65 prefixes share one decision: one arm, no per-entry code.
    assert_eq!(text.matches("decrement_ttl").count(), 1, "{text}");
    assert!(!text.contains("match key &"), "no per-length probes: {text}");
    assert!(!text.contains("unsafe"));
}
