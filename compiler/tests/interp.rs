//! The interpreter on hand-built IR, packets built and checked with etherparse.

use etherparse::{NetSlice, PacketBuilder, SlicedPacket};
use nfc_compiler::interp::Interpreter;
use nfc_compiler::ir::*;
use nfc_runtime::{Frame, NetworkFunction};
use proptest::prelude::*;

fn exact(field: Field, value: u128) -> Condition {
    Condition { field, test: Test::Masked { value, mask: field.full_mask() } }
}

fn decision(actions: Vec<Action>, target: Target) -> Decision {
    Decision { actions, target }
}

fn rule(name: &str, conditions: Vec<Condition>, decision: Decision) -> Entry {
    Entry { name: name.into(), key: EntryKey::Conditions(conditions), decision }
}

fn prefix(value: u128, len: u8, decision: Decision) -> Entry {
    Entry { name: String::new(), key: EntryKey::Prefix { value, len }, decision }
}

fn spec(rules: Vec<Entry>, tables: Vec<Stage>) -> Spec {
    let rules = Stage {
        name: "rules".into(),
        kind: StageKind::FirstMatch { key: vec![] },
        entries: rules,
        default: Decision::DROP,
        loaded: None,
    };
    Spec {
        name: "t".into(),
        ports: ["a", "b", "c", "d"].iter().map(|n| Port { name: n.to_string() }).collect(),
        metadata: vec![],
        stages: std::iter::once(rules).chain(tables).collect(),
        tests: vec![],
    }
}

fn udp(dst: [u8; 4], ttl: u8, dport: u16) -> Vec<u8> {
    let mut out = Vec::new();
    PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4([10, 0, 0, 1], dst, ttl)
        .udp(1000, dport)
        .write(&mut out, &[1, 2, 3, 4])
        .unwrap();
    out
}

fn run(nf: &mut Interpreter, input: u8, packet: &[u8]) -> (u32, Vec<u8>) {
    let mut buffer = packet.to_vec();
    buffer.resize(packet.len() + 8, 0);
    let mut frame = Frame::new(&mut buffer, packet.len());
    let out = nf.process(input, &mut frame);
    (out.bits(), frame.data().to_vec())
}

fn router() -> Spec {
    let route = |port: u32, mac: u128| {
        decision(vec![Action::Set { field: Field::EthDst, value: mac }, Action::DecrementTtl], Target::Ports(1 << port))
    };
    spec(
        vec![
            rule("dns", vec![exact(Field::UdpDst, 53)], decision(vec![], Target::InPort)),
            rule("ipv4", vec![exact(Field::EthType, 0x0800)], decision(vec![], Target::Goto(1))),
        ],
        vec![Stage {
            name: "routes".into(),
            kind: StageKind::LongestPrefix { key: Field::Ipv4Dst },
            entries: vec![
                prefix(0x0a00_0000, 8, route(1, 0x0200_0000_00aa)),
                prefix(0x0a01_0000, 16, route(2, 0x0200_0000_00bb)),
            ],
            default: Decision::DROP,
            loaded: None,
        }],
    )
}

#[test]
fn longest_prefix_wins_and_rewrites_keep_checksums_valid() {
    let mut nf = Interpreter::new(&router());
    let (outputs, bytes) = run(&mut nf, 0, &udp([10, 1, 2, 3], 64, 1234));
    assert_eq!(outputs, 1 << 2);
    let parsed = SlicedPacket::from_ethernet(&bytes).unwrap();
    let Some(NetSlice::Ipv4(ip)) = parsed.net else { panic!("not IPv4") };
    assert_eq!(ip.header().ttl(), 63);
    let header = ip.header().to_header();
    assert_eq!(header.calc_header_checksum(), header.header_checksum);
    assert_eq!(&bytes[..6], &[2, 0, 0, 0, 0, 0xbb]);

    let (outputs, _) = run(&mut nf, 0, &udp([10, 9, 9, 9], 64, 1234));
    assert_eq!(outputs, 1 << 1, "only the /8 covers 10.9.9.9");
    let (outputs, _) = run(&mut nf, 0, &udp([11, 0, 0, 1], 64, 1234));
    assert_eq!(outputs, 0, "a miss takes the table default");
}

#[test]
fn expired_ttl_drops_and_counters_follow_the_contract() {
    let mut nf = Interpreter::new(&router());
    let packet = udp([10, 1, 2, 3], 1, 1234);
    assert_eq!(run(&mut nf, 0, &packet).0, 0);
    run(&mut nf, 3, &udp([8, 8, 8, 8], 64, 53));
    run(&mut nf, 0, &[0u8; 10]);
    assert_eq!(nf.counter_names(), ["dns", "ipv4", "default", "routes/hit", "routes/miss"]);
    let packets: Vec<u64> = nf.counters().iter().map(|c| c.packets).collect();
    assert_eq!(packets, [1, 1, 1, 1, 0]);
    assert_eq!(nf.counters()[1].bytes, packet.len() as u64);
}

#[test]
fn hairpin_flood_and_vlan_push() {
    let mut spec = router();
    spec.stages[0].entries.insert(
        0,
        rule(
            "flood",
            vec![exact(Field::InPort, 3)],
            decision(vec![Action::PushVlan { vid: 7, pcp: 1 }], Target::Flood),
        ),
    );
    let mut nf = Interpreter::new(&spec);
    let packet = udp([1, 1, 1, 1], 64, 53);
    assert_eq!(run(&mut nf, 2, &packet).0, 1 << 2, "DNS goes back out of its input port");
    let (outputs, bytes) = run(&mut nf, 3, &packet);
    assert_eq!(outputs, 0b0111);
    assert_eq!(&bytes[12..16], &[0x81, 0x00, 0x20, 0x07]);
    assert_eq!(&bytes[16..], &packet[12..]);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..128), input in 0u8..4) {
        let mut nf = Interpreter::new(&router());
        let (outputs, _) = run(&mut nf, input, &bytes);
        prop_assert!(outputs < 16);
    }
}
