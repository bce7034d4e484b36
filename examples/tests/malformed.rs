//! The malformed-packet corpus through every shipped NF: each spec's own
//! test packets (built by etherparse), broken in every way the docs list
//! (docs/SPEC_LANGUAGE.md, "Malformed packets"). For each (spec, kind of
//! damage) the outcome is pinned: dropped, passed unchanged, or forwarded
//! with the spec's rewrites; and the generated code agrees with the
//! interpreter byte for byte on every frame. A panic fails the test.

use nfc_compiler::interp::Interpreter;
use nfc_compiler::ir::Spec;
use nfc_compiler::testpkt;
use nfc_examples::{process_copy, specs};
use nfc_runtime::NetworkFunction;
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Dropped,
    /// Out of at least one port, byte for byte as it came in.
    Unchanged,
    /// Out of at least one port, rewritten.
    Rewritten,
}

/// One kind of damage: a name and the broken frames made from a well-formed one.
struct Damage {
    name: &'static str,
    break_frame: fn(&[u8]) -> Vec<Vec<u8>>,
    /// Damage the NFs do not look at: the frame must leave by the same
    /// ports as the undamaged one.
    harmless: bool,
}

fn is_ipv4(frame: &[u8]) -> bool {
    frame.len() >= 34 && frame[12..14] == [0x08, 0x00] && frame[14] >> 4 == 4
}

fn with_ipv4(frame: &[u8], change: impl Fn(&mut Vec<u8>)) -> Vec<Vec<u8>> {
    if !is_ipv4(frame) {
        return vec![];
    }
    let mut broken = frame.to_vec();
    change(&mut broken);
    vec![broken]
}

fn ipv4_l4(frame: &[u8]) -> usize {
    14 + usize::from(frame[14] & 0x0f) * 4
}

fn vlan_tags(frame: &[u8], vids: &[u16]) -> Vec<u8> {
    let mut tagged = frame[..12].to_vec();
    for vid in vids {
        tagged.extend_from_slice(&[0x81, 0x00]);
        tagged.extend_from_slice(&vid.to_be_bytes());
    }
    tagged.extend_from_slice(&frame[12..]);
    tagged
}

const DAMAGES: &[Damage] = &[
    Damage { name: "zero-length frame", break_frame: |_| vec![vec![]], harmless: false },
    Damage {
        name: "cut inside the Ethernet header",
        break_frame: |f| (1..14.min(f.len())).map(|n| f[..n].to_vec()).collect(),
        harmless: false,
    },
    Damage {
        // Every cut of an IPv4 packet after its Ethernet header: the IPv4
        // total length then exceeds the frame.
        name: "IPv4 packet cut at any later byte",
        break_frame: |f| if is_ipv4(f) { (14..f.len()).map(|n| f[..n].to_vec()).collect() } else { vec![] },
        harmless: false,
    },
    Damage {
        name: "IPv4 IHL below 5",
        break_frame: |f| (0..5).flat_map(|ihl| with_ipv4(f, move |b| b[14] = 0x40 | ihl)).collect(),
        harmless: false,
    },
    Damage {
        name: "IPv4 IHL past the frame",
        break_frame: |f| {
            with_ipv4(f, |b| {
                b.truncate(14 + 40);
                b[14] = 0x4f;
                b[16..18].copy_from_slice(&40u16.to_be_bytes());
            })
        },
        harmless: false,
    },
    Damage {
        name: "IPv4 total length beyond the frame",
        break_frame: |f| {
            [1usize, 2, 100, 65535usize.saturating_sub(f.len().saturating_sub(14))]
                .into_iter()
                .flat_map(|extra| {
                    with_ipv4(f, move |b| {
                        let claimed = (b.len() - 14 + extra).min(65535) as u16;
                        b[16..18].copy_from_slice(&claimed.to_be_bytes());
                    })
                })
                .collect()
        },
        harmless: false,
    },
    Damage { name: "bad IPv4 header checksum", break_frame: |f| with_ipv4(f, |b| b[24] ^= 0x5a), harmless: true },
    Damage {
        name: "bad TCP/UDP/ICMP checksum",
        break_frame: |f| {
            with_ipv4(f, |b| {
                let at = ipv4_l4(b)
                    + match b[23] {
                        6 => 16,
                        17 => 6,
                        _ => 2,
                    };
                if at + 1 < b.len() {
                    b[at] ^= 0xa5;
                }
            })
        },
        harmless: true,
    },
    Damage {
        name: "two VLAN tags (QinQ)",
        break_frame: |f| if f.len() >= 14 { vec![vlan_tags(f, &[100, 200])] } else { vec![] },
        harmless: false,
    },
    Damage {
        name: "three VLAN tags",
        break_frame: |f| if f.len() >= 14 { vec![vlan_tags(f, &[100, 200, 300])] } else { vec![] },
        harmless: false,
    },
];

fn load(name: &str) -> Spec {
    let path = format!("{}/../nf-specs/{name}.toml", env!("CARGO_MANIFEST_DIR"));
    nfc_compiler::compile_file(path.as_ref()).unwrap_or_else(|e| panic!("{name}: {e:?}")).spec
}

/// Folded one's-complement sum of an IPv4 header (0xffff when its checksum is right).
fn header_sum(frame: &[u8]) -> u16 {
    let header = &frame[14..ipv4_l4(frame)];
    let mut sum: u32 = header.chunks(2).map(|w| u32::from(u16::from_be_bytes([w[0], w[1]]))).sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

/// What happened to each kind of damage arriving on each port.
type Table = Vec<(&'static str, String, Vec<Outcome>)>;

/// Runs the corpus through `nf` and the interpreter.
fn outcomes<N: NetworkFunction>(name: &str, mut nf: N) -> Table {
    let spec = load(name);
    let mut interpreter = Interpreter::new(&spec);
    let mut table = Vec::new();
    for damage in DAMAGES {
        for (port, port_name) in spec.ports.iter().enumerate() {
            let port = port as u8;
            let mut outcomes = BTreeSet::new();
            for case in &spec.tests {
                let good = testpkt::build(&case.packet);
                let good_outputs = process_copy(&mut Interpreter::new(&spec), port, &good).0;
                for broken in (damage.break_frame)(&good) {
                    let (outputs, bytes) = process_copy(&mut nf, port, &broken);
                    let reference = process_copy(&mut interpreter, port, &broken);
                    assert_eq!(
                        (outputs, &bytes),
                        (reference.0, &reference.1),
                        "{name}, {}: generated and interpreter differ on {broken:02x?}",
                        damage.name
                    );
                    if damage.harmless {
                        assert_eq!(
                            outputs, good_outputs,
                            "{name}, {}: {broken:02x?} left by other ports than the undamaged frame",
                            damage.name
                        );
                    }
                    let outcome = match (outputs, bytes == broken) {
                        (0, _) => Outcome::Dropped,
                        (_, true) => Outcome::Unchanged,
                        (_, false) => Outcome::Rewritten,
                    };
                    if damage.name == "bad IPv4 header checksum" && outcome == Outcome::Rewritten && is_ipv4(&bytes) {
                        // The incremental update keeps the error: the receiver still sees it.
                        assert_eq!(
                            header_sum(&bytes),
                            header_sum(&broken),
                            "{name}: a rewrite repaired or changed a bad checksum"
                        );
                        assert_ne!(header_sum(&bytes), 0xffff);
                    }
                    outcomes.insert(outcome);
                }
            }
            table.push((damage.name, port_name.name.clone(), outcomes.into_iter().collect()));
        }
    }
    assert_eq!(nf.counters(), interpreter.counters(), "{name}: counters differ");
    table
}

/// `expected`: per kind of damage, the outcomes on each port in port order.
fn check<N: NetworkFunction>(name: &str, nf: N, expected: &[(&str, &[&[Outcome]])]) {
    let got = outcomes(name, nf);
    let ports = load(name).ports;
    let expected: Table = expected
        .iter()
        .flat_map(|(damage, per_port)| {
            per_port.iter().zip(&ports).map(|(outcomes, port)| (*damage, port.name.clone(), outcomes.to_vec()))
        })
        .map(|(damage, port, outcomes)| {
            (DAMAGES.iter().find(|d| d.name == damage).expect("a listed damage").name, port, outcomes)
        })
        .collect();
    assert_eq!(got, expected, "{name}: outcomes per kind of damage and input port");
}

use Outcome::*;

const D: &[Outcome] = &[Dropped];
const U: &[Outcome] = &[Unchanged];
const R: &[Outcome] = &[Rewritten];
/// Like the undamaged frame: some test packets are forwarded (rewritten or
/// not), others dropped by their rule.
const DR: &[Outcome] = &[Dropped, Rewritten];
const DU: &[Outcome] = &[Dropped, Unchanged];

#[test]
fn nop_passes_everything_unchanged() {
    let every: Vec<(&str, &[&[Outcome]])> = DAMAGES.iter().map(|d| (d.name, &[U, U][..])).collect();
    check("nop", specs::nop::Nop::new(), &every);
}

#[test]
fn l2fwd_rewrites_the_macs_of_whatever_has_an_ethernet_header() {
    check(
        "l2fwd",
        specs::l2fwd::L2fwd::new(),
        &[
            ("zero-length frame", &[U, U]),
            ("cut inside the Ethernet header", &[U, U]),
            ("IPv4 packet cut at any later byte", &[R, R]),
            ("IPv4 IHL below 5", &[R, R]),
            ("IPv4 IHL past the frame", &[R, R]),
            ("IPv4 total length beyond the frame", &[R, R]),
            ("bad IPv4 header checksum", &[R, R]),
            ("bad TCP/UDP/ICMP checksum", &[R, R]),
            ("two VLAN tags (QinQ)", &[R, R]),
            ("three VLAN tags", &[R, R]),
        ],
    );
}

#[test]
fn router_drops_every_malformed_ipv4_packet() {
    check(
        "router",
        specs::router::Router::new(),
        &[
            ("zero-length frame", &[D, D, D]),
            ("cut inside the Ethernet header", &[D, D, D]),
            ("IPv4 packet cut at any later byte", &[D, D, D]),
            ("IPv4 IHL below 5", &[D, D, D]),
            ("IPv4 IHL past the frame", &[D, D, D]),
            ("IPv4 total length beyond the frame", &[D, D, D]),
            ("bad IPv4 header checksum", &[DR, DR, DR]),
            ("bad TCP/UDP/ICMP checksum", &[DR, DR, DR]),
            ("two VLAN tags (QinQ)", &[DR, DR, DR]),
            ("three VLAN tags", &[D, D, D]),
        ],
    );
}

#[test]
fn firewall_drops_what_it_cannot_classify() {
    check(
        "firewall",
        specs::firewall::Firewall::new(),
        &[
            ("zero-length frame", &[D, D]),
            ("cut inside the Ethernet header", &[D, D]),
            ("IPv4 packet cut at any later byte", &[D, D]),
            ("IPv4 IHL below 5", &[D, D]),
            ("IPv4 IHL past the frame", &[D, D]),
            ("IPv4 total length beyond the frame", &[D, D]),
            ("bad IPv4 header checksum", &[DU, DU]),
            ("bad TCP/UDP/ICMP checksum", &[DU, DU]),
            ("two VLAN tags (QinQ)", &[DU, DU]),
            ("three VLAN tags", &[D, D]),
        ],
    );
}

/// A tag that cannot be pushed (no Ethernet header, two tags already) drops
/// the frame rather than leak it untagged or under an outer tag the sender
/// chose (double-tagging VLAN hopping).
#[test]
fn vlan_tags_only_what_it_can_and_drops_the_rest() {
    check(
        "vlan",
        specs::vlan::Vlan::new(),
        &[
            ("zero-length frame", &[D, D]),
            ("cut inside the Ethernet header", &[D, D]),
            ("IPv4 packet cut at any later byte", &[R, D]),
            ("IPv4 IHL below 5", &[R, D]),
            ("IPv4 IHL past the frame", &[R, D]),
            ("IPv4 total length beyond the frame", &[R, D]),
            ("bad IPv4 header checksum", &[R, D]),
            ("bad TCP/UDP/ICMP checksum", &[R, D]),
            ("two VLAN tags (QinQ)", &[D, R]),
            ("three VLAN tags", &[D, R]),
        ],
    );
}
