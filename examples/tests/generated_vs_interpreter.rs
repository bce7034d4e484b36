//! Every shipped spec, compiled by `nfc::spec!`, against the reference
//! interpreter of the same IR: their test cases pass on both, and on random,
//! realistic and malformed packets both agree on the outputs, every byte of
//! the rewritten packet and every counter.

use nfc_compiler::interp::Interpreter;
use nfc_compiler::ir::{EntryKey, Field, Spec, Test, TestPacket};
use nfc_compiler::{testcase, testpkt};
use nfc_examples::specs;
use nfc_runtime::NetworkFunction;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::cell::RefCell;

fn load(name: &str) -> Spec {
    let shipped = format!("{}/../nf-specs/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let bench = format!("{}/specs/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    let path = if std::path::Path::new(&shipped).exists() { shipped } else { bench };
    match nfc_compiler::compile_file(path.as_ref()) {
        Ok(checked) => checked.spec,
        Err(errors) => panic!("{name}: {errors:?}"),
    }
}

/// Values worth trying per field: the spec's own constants and their
/// neighbours, so random packets hit rules, miss them and land on edges.
fn interesting_values(spec: &Spec) -> Vec<(Field, u128)> {
    let mut values = Vec::new();
    let mut add = |field: Field, value: u128| {
        if field.is_in_packet() {
            for v in [value, value.wrapping_add(1), value.wrapping_sub(1)] {
                values.push((field, v & field.full_mask()));
            }
        }
    };
    for stage in &spec.stages {
        for entry in &stage.entries {
            match &entry.key {
                EntryKey::Conditions(conditions) => {
                    for condition in conditions {
                        match condition.test {
                            Test::Masked { value, .. } => add(condition.field, value),
                            Test::Range { low, high } => {
                                add(condition.field, low);
                                add(condition.field, high);
                            }
                        }
                    }
                }
                EntryKey::Exact(key) => {
                    for (&field, &value) in stage.kind.key_fields().iter().zip(key) {
                        add(field, value);
                    }
                }
                &EntryKey::Prefix { value, len } => {
                    let field = stage.kind.key_fields()[0];
                    add(field, value);
                    let host_bits = field.width() - u32::from(len).min(field.width());
                    if host_bits > 0 && host_bits < 128 {
                        add(field, value | ((1u128 << host_bits) - 1));
                    }
                }
                // Stateful stages are tried with sequences (tests/stateful/specs.rs).
                EntryKey::Outcome(_) => {}
            }
        }
    }
    for (field, v) in [(Field::IpTtl, 0), (Field::IpTtl, 1), (Field::IpTtl, 2), (Field::IpTtl, 64)] {
        values.push((field, v));
    }
    values
}

#[derive(Debug, Clone)]
struct Case {
    in_port: u8,
    packet: Vec<u8>,
}

/// For each entry of every stage, packet field values that satisfy it
/// (range ends and middles), so that big rule lists and tables are hit
/// entry by entry, not only by luck.
fn satisfying_values(spec: &Spec) -> Vec<Vec<(Field, u128)>> {
    let mut all = Vec::new();
    for stage in &spec.stages {
        for entry in &stage.entries {
            let fields: Vec<(Field, u128)> = match &entry.key {
                EntryKey::Conditions(conditions) => conditions
                    .iter()
                    .map(|c| match c.test {
                        Test::Masked { value, .. } => (c.field, value),
                        Test::Range { low, high } => (c.field, low + (high - low) / 2),
                    })
                    .collect(),
                EntryKey::Exact(key) => stage.kind.key_fields().iter().copied().zip(key.iter().copied()).collect(),
                &EntryKey::Prefix { value, .. } => vec![(stage.kind.key_fields()[0], value)],
                EntryKey::Outcome(_) => Vec::new(),
            };
            all.push(fields.into_iter().filter(|(f, _)| f.is_in_packet()).collect());
        }
    }
    all
}

fn cases(spec: &Spec) -> impl Strategy<Value = Case> {
    let ports = spec.ports.len() as u8;
    let pool = interesting_values(spec);
    let per_rule = satisfying_values(spec);
    let pool_again = pool.clone();
    let targeted =
        (any::<prop::sample::Index>(), proptest::collection::vec(any::<prop::sample::Index>(), 0..2), 0usize..40)
            .prop_map(move |(rule, extra, payload_len)| {
                let mut fields = per_rule.get(rule.index(per_rule.len().max(1))).cloned().unwrap_or_default();
                fields.extend(
                    extra.iter().map(|i| pool_again[i.index(pool_again.len())]).filter(|(f, _)| *f != Field::InPort),
                );
                testpkt::build(&TestPacket::Fields { fields, payload_len })
            });
    let realistic = (proptest::collection::vec(any::<prop::sample::Index>(), 0..6), 0usize..40).prop_map(
        move |(picks, payload_len)| {
            let fields = picks.iter().map(|i| pool[i.index(pool.len())]).filter(|(f, _)| *f != Field::InPort).collect();
            testpkt::build(&TestPacket::Fields { fields, payload_len })
        },
    );
    let packet = prop_oneof![
        4 => realistic.clone(),
        3 => targeted,
        2 => (realistic, any::<prop::sample::Index>()).prop_map(|(p, cut)| p[..cut.index(p.len() + 1)].to_vec()),
        1 => proptest::collection::vec(any::<u8>(), 0..80),
    ];
    (0..ports, packet).prop_map(|(in_port, packet)| Case { in_port, packet })
}

fn run(nf: &mut impl NetworkFunction, case: &Case) -> (u32, Vec<u8>) {
    nfc_examples::process_copy(nf, case.in_port, &case.packet)
}

fn check<N: NetworkFunction>(name: &str, make: fn() -> N) {
    let spec = load(name);
    assert!(!spec.tests.is_empty(), "{name} ships test cases");
    check_spec(name, &spec, make);
}

fn check_spec<N: NetworkFunction>(name: &str, spec: &Spec, make: fn() -> N) {
    let spec = spec.clone();
    let failures = testcase::run(&spec, &mut make());
    assert!(failures.is_empty(), "{name}, generated code: {failures:#?}");
    let failures = testcase::run(&spec, &mut Interpreter::new(&spec));
    assert!(failures.is_empty(), "{name}, interpreter: {failures:#?}");

    // The runner's closure is `Fn`; both NFs keep their counters across cases.
    let generated = RefCell::new(make());
    let interpreter = RefCell::new(Interpreter::new(&spec));
    assert_eq!(generated.borrow().counter_names(), interpreter.borrow().counter_names());
    let mut runner = TestRunner::new(Config { cases: 2000, ..Config::default() });
    runner
        .run(&cases(&spec), |case| {
            let (mut generated, mut interpreter) = (generated.borrow_mut(), interpreter.borrow_mut());
            let expected = run(&mut *interpreter, &case);
            let got = run(&mut *generated, &case);
            prop_assert_eq!(&got, &expected, "outputs and bytes for {:02x?}", case);
            prop_assert_eq!(generated.counters(), interpreter.counters());
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{name}: {e}"));
}

#[test]
fn nop() {
    check("nop", specs::nop::Nop::new);
}

/// The hand-written baselines of `bench/nf-cost` do exactly what the specs
/// say (same outputs, bytes and counters), so the comparison is fair.
#[test]
fn hand_written_baselines_match_their_specs() {
    use nfc_examples::handwritten;
    check("nop", handwritten::Nop::default);
    check("l2fwd", handwritten::L2fwd::default);
    check("router", handwritten::Router::default);
    check("firewall", handwritten::Firewall::default);
    check("vlan", handwritten::Vlan::default);
}

/// The raw-bytes baselines too: same outputs, bytes and counters (they keep
/// their specs' counters) on test cases, random and malformed frames.
#[test]
fn raw_byte_baselines_match_their_specs() {
    use nfc_examples::handwritten_raw;
    check("nop", handwritten_raw::Nop::default);
    check("l2fwd", handwritten_raw::L2fwd::default);
    check("router", handwritten_raw::Router::default);
    check("firewall", handwritten_raw::Firewall::default);
    check("vlan", handwritten_raw::Vlan::default);
}

/// Generated code parses only as deep as its spec reads (`codegen::depth`);
/// the interpreter always parses in full. Specs of every depth are held to
/// the interpreter here: the depth each one gets is pinned, so a change to
/// the depth rule cannot quietly leave a depth untested.
#[test]
fn specs_of_every_parse_depth_are_checked() {
    let depth = |name: &str| {
        let code = nfc_compiler::codegen::generate(&load(name)).to_string();
        ["Ethernet", "Ip", "Full"].into_iter().find(|d| code.contains(&format!("ParseDepth :: {d}")))
    };
    let depths: Vec<_> =
        ["nop", "l2fwd", "vlan", "depth_ethernet", "depth_ip", "router", "firewall", "core_router", "deny_telnet"]
            .into_iter()
            .map(|name| (name, depth(name)))
            .collect();
    assert_eq!(
        depths,
        [
            ("nop", None),
            ("l2fwd", Some("Ethernet")),
            ("vlan", Some("Ethernet")),
            ("depth_ethernet", Some("Ethernet")),
            ("depth_ip", Some("Ip")),
            ("router", Some("Ip")),
            ("firewall", Some("Full")),
            ("core_router", Some("Full")),
            ("deny_telnet", Some("Full")),
        ]
    );
}

/// Tags read from the frame after each push, pop and set, across stages.
#[test]
fn depth_ethernet() {
    check("depth_ethernet", nfc_examples::depths::DepthEthernet::new);
}

/// IP fields behind tags pushed and popped, across stages.
#[test]
fn depth_ip() {
    check("depth_ip", nfc_examples::depths::DepthIp::new);
}

#[test]
fn l2fwd() {
    check("l2fwd", specs::l2fwd::L2fwd::new);
}

#[test]
fn router() {
    check("router", specs::router::Router::new);
}

#[test]
fn firewall() {
    check("firewall", specs::firewall::Firewall::new);
}

#[test]
fn vlan() {
    check("vlan", specs::vlan::Vlan::new);
}

/// Four stages, metadata between them, named actions with parameters.
#[test]
fn core_router() {
    check("core_router", specs::core_router::CoreRouter::new);
}

/// The scale specs go through the static-data engines (LPM trie and rule
/// classifier) instead of inline branches; same oracle, same bar.
#[test]
fn router_with_a_thousand_prefixes() {
    let spec =
        nfc_compiler::frontend::toml::parse("router_scale.toml", nfc_examples::scale::router::SPEC).unwrap().spec;
    assert!(spec.stages[1].entries.len() > nfc_compiler::codegen::LARGE);
    check_spec("router_scale", &spec, nfc_examples::scale::router::RouterScale::new);
}

#[test]
fn acl_with_a_thousand_rules() {
    let spec = nfc_compiler::frontend::toml::parse("acl_scale.toml", nfc_examples::scale::acl::SPEC).unwrap().spec;
    assert!(spec.rules().entries.len() > nfc_compiler::codegen::LARGE);
    check_spec("acl_scale", &spec, nfc_examples::scale::acl::AclScale::new);
}

/// A pipeline whose tables are large and whose entries each carry their own
/// parameters: shapes with action data in an LPM trie, an exact table on
/// metadata and a ternary classifier (MACs, ports, VLAN ids, DSCP and next
/// stages as data).
#[test]
fn pipeline_with_action_data() {
    let spec = nfc_compiler::frontend::toml::parse("pipeline_scale.toml", nfc_examples::scale::pipeline::SPEC)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .spec;
    assert_eq!(spec.stages.len(), 4);
    assert!(spec.stages.iter().skip(1).all(|s| s.entries.len() > nfc_compiler::codegen::LARGE));
    let code = nfc_compiler::codegen::generate(&spec).to_string();
    assert!(code.contains("PipelineScaleStage2Shape0"), "the routes are shapes with action data");
    check_spec("pipeline_scale", &spec, nfc_examples::scale::pipeline::PipelineScale::new);
}

#[test]
fn attribute_macro_makes_a_network_function() {
    let mut nf = nfc_examples::CrossConnect;
    let case = Case { in_port: 1, packet: vec![0; 60] };
    assert_eq!(run(&mut nf, &case).0, 1);
}

#[test]
fn generated_code_has_no_unsafe() {
    for name in ["nop", "l2fwd", "router", "firewall", "vlan", "core_router"] {
        let code = nfc_compiler::codegen::generate(&load(name)).to_string();
        assert!(!code.contains("unsafe"), "{name}");
    }
}

/// The pipeline written with `nf!` (examples/src/lib.rs, `dsl_router`),
/// parsed from the same text, against the interpreter; its test cases pass.
#[test]
fn dsl_pipeline_matches_its_interpreted_ir() {
    let spec = nfc_compiler::frontend::dsl::parse(
        r#"
        name: dsl_router;
        ports: [lan, wan];
        metadata: { hop: 8 };
        action forward(mac, port) => [set eth.dst = $mac, dec_ttl] $port;
        rule arp { eth.type == arp } => flood;
        rule ipv4 { eth.type == ipv4 } => goto acl;
        default => drop;
        table acl: ternary(in_port, tcp.dst) {
            (wan, "0-1023") priority 10 => drop;
            (wan, 22) priority 20 => goto routes;
            (*, *) => goto routes;
        }
        table routes: lpm(ipv4.dst) {
            "10.0.0.0/8" => [set meta.hop = 1] goto hops;
            "0.0.0.0/0" => forward(mac = "02:00:00:00:02:01", port = wan);
            default => drop;
        }
        table hops: exact(meta.hop) {
            1 => forward(mac = "02:00:00:00:01:01", port = lan);
        }
        test "inside via the next-hop table" {
            in_port: wan,
            packet: { ipv4.dst: "10.1.2.3", tcp.dst: 22, ip.ttl: 64 },
            expect_output: lan,
            expect: { ip.ttl: 63, eth.dst: "02:00:00:00:01:01" },
        }
        test "low ports from the internet are dropped" {
            in_port: wan,
            packet: { ipv4.dst: "10.1.2.3", tcp.dst: 80 },
            expect_output: drop,
        }
        test "out by the default route" {
            in_port: lan,
            packet: { ipv4.dst: "8.8.8.8", udp.dst: 53 },
            expect_output: wan,
            expect: { ip.ttl: 63, eth.dst: "02:00:00:00:02:01" },
        }
        "#
        .parse()
        .unwrap(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .spec;
    assert_eq!(spec.tests.len(), 3);
    check_spec("dsl_router", &spec, nfc_examples::dsl_router::DslRouter::new);
}

#[test]
fn dsl_network_function_matches_its_interpreted_ir() {
    let spec = nfc_compiler::frontend::dsl::parse(
        r#"
        name: edge;
        ports: [inside, outside];
        rule no_telnet { tcp.dst == 23 } => drop;
        rule ping { ip.proto == icmp } => flood;
        rule outbound { in_port == inside, ipv4.src == "10.0.0.0/8" } => [dec_ttl] outside;
        rule web { in_port == outside, ipv4.dst == "10.0.1.0/24", tcp.dst == "80-443" } => [dec_ttl] inside;
        default => drop;
        "#
        .parse()
        .unwrap(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
    .spec;
    let generated = RefCell::new(nfc_examples::edge::Edge::new());
    let interpreter = RefCell::new(Interpreter::new(&spec));
    let mut runner = TestRunner::new(Config { cases: 2000, ..Config::default() });
    runner
        .run(&cases(&spec), |case| {
            let (mut generated, mut interpreter) = (generated.borrow_mut(), interpreter.borrow_mut());
            prop_assert_eq!(run(&mut *generated, &case), run(&mut *interpreter, &case));
            prop_assert_eq!(generated.counters(), interpreter.counters());
            Ok(())
        })
        .unwrap();
    assert!(generated.borrow().counters()[2].packets > 0, "random packets reach the outbound rule");
}
