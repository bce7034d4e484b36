//! The reference interpreter: runs an `ir::Spec` directly.
//!
//! It is the oracle generated code is checked against, so it is written
//! independently and plainly: fields are read through one generic function,
//! tables are searched linearly. It implements `NetworkFunction`, so the CLI
//! can run a spec on captures without compiling it.

use crate::codegen::counter_names;
use crate::ir::{Action, Decision, Field, Spec, Table, TableEntry, TableKind, Target, Test};
use nfc_runtime::{Frame, Headers, NetworkFunction, Outputs, PortId, RuleCounter, TtlOutcome};

pub struct Interpreter {
    spec: Spec,
    names: &'static [&'static str],
    counters: Vec<RuleCounter>,
}

impl Interpreter {
    pub fn new(spec: &Spec) -> Interpreter {
        // The trait hands out `&'static` names; an interpreter lives as long
        // as the program that runs a spec, so leaking them once is fine.
        let names: Vec<&'static str> =
            counter_names(spec).into_iter().map(|n| &*Box::leak(n.into_boxed_str())).collect();
        Interpreter {
            spec: spec.clone(),
            counters: vec![RuleCounter::default(); names.len()],
            names: Box::leak(names.into_boxed_slice()),
        }
    }
}

/// The value of `field` in the frame, `None` when its layer is absent.
pub fn field_value(headers: &Headers, data: &[u8], field: Field, input: PortId) -> Option<u128> {
    match field {
        Field::InPort => Some(input.into()),
        Field::EthDst => headers.eth_dst(data).map(u128::from),
        Field::EthSrc => headers.eth_src(data).map(u128::from),
        Field::EthType => headers.eth_type(data).map(u128::from),
        Field::VlanId => headers.vlan_id(data).map(u128::from),
        Field::VlanPcp => headers.vlan_pcp(data).map(u128::from),
        Field::Ipv4Src => headers.ipv4_src(data).map(u128::from),
        Field::Ipv4Dst => headers.ipv4_dst(data).map(u128::from),
        Field::Ipv6Src => headers.ipv6_src(data),
        Field::Ipv6Dst => headers.ipv6_dst(data),
        Field::IpProto => headers.ip_proto(data).map(u128::from),
        Field::IpTtl => headers.ip_ttl(data).map(u128::from),
        Field::IpDscp => headers.ip_dscp(data).map(u128::from),
        Field::TcpSrc => headers.tcp_src(data).map(u128::from),
        Field::TcpDst => headers.tcp_dst(data).map(u128::from),
        Field::TcpFlags => headers.tcp_flags(data).map(u128::from),
        Field::UdpSrc => headers.udp_src(data).map(u128::from),
        Field::UdpDst => headers.udp_dst(data).map(u128::from),
        Field::IcmpType => headers.icmp_type(data).map(u128::from),
        Field::IcmpCode => headers.icmp_code(data).map(u128::from),
        Field::IpFrag => headers.ip_frag(data).map(u128::from),
        Field::Ipv6Ext => headers.ipv6_ext(data).map(u128::from),
    }
}

/// Rewrite a writable field through the wire setters (which fix checksums);
/// false when the setter refused although the field's header is there (an
/// address whose upper-layer checksum is out of reach).
fn set_field(headers: &Headers, data: &mut [u8], field: Field, value: u128) -> bool {
    let done = match field {
        Field::EthDst => headers.set_eth_dst(data, value as u64),
        Field::EthSrc => headers.set_eth_src(data, value as u64),
        Field::VlanId => headers.set_vlan_id(data, value as u16),
        Field::VlanPcp => headers.set_vlan_pcp(data, value as u8),
        Field::Ipv4Src => headers.set_ipv4_src(data, value as u32),
        Field::Ipv4Dst => headers.set_ipv4_dst(data, value as u32),
        Field::Ipv6Src => headers.set_ipv6_src(data, value),
        Field::Ipv6Dst => headers.set_ipv6_dst(data, value),
        Field::IpTtl => headers.set_ip_ttl(data, value as u8),
        Field::IpDscp => headers.set_ip_dscp(data, value as u8),
        Field::TcpSrc => headers.set_tcp_src(data, value as u16),
        Field::TcpDst => headers.set_tcp_dst(data, value as u16),
        Field::UdpSrc => headers.set_udp_src(data, value as u16),
        Field::UdpDst => headers.set_udp_dst(data, value as u16),
        Field::InPort
        | Field::EthType
        | Field::IpProto
        | Field::TcpFlags
        | Field::IcmpType
        | Field::IcmpCode
        | Field::IpFrag
        | Field::Ipv6Ext => {
            unreachable!("the checker rejects writes to read-only field {}", field.path())
        }
    };
    let present = match field {
        Field::Ipv4Src | Field::Ipv4Dst => headers.has_ipv4(),
        Field::Ipv6Src | Field::Ipv6Dst => headers.has_ipv6(),
        _ => false,
    };
    done || !present
}

fn holds(test: Test, value: u128) -> bool {
    match test {
        Test::Masked { value: expected, mask } => value & mask == expected,
        Test::Range { low, high } => low <= value && value <= high,
    }
}

/// What the actions did to the packet's fate.
enum Fate {
    Continue,
    /// Dropped: the TTL expired, a VLAN tag could not be pushed, or an
    /// address could not be rewritten with its checksum kept right.
    Dropped,
}

fn run_actions(actions: &[Action], headers: &mut Headers, frame: &mut Frame<'_>) -> Fate {
    for action in actions {
        match *action {
            Action::Set { field, value } => {
                if !set_field(headers, frame.data_mut(), field, value) {
                    return Fate::Dropped;
                }
            }
            Action::DecrementTtl => {
                if let TtlOutcome::Expired = headers.decrement_ttl(frame.data_mut()) {
                    return Fate::Dropped;
                }
            }
            Action::SwapMacs => {
                headers.swap_macs(frame.data_mut());
            }
            Action::PushVlan { vid, pcp } => {
                if !headers.push_vlan(frame, vid, pcp) {
                    return Fate::Dropped;
                }
            }
            Action::PopVlan => {
                headers.pop_vlan(frame);
            }
        }
    }
    Fate::Continue
}

fn target_outputs(spec: &Spec, target: Target, input: PortId) -> Outputs {
    match target {
        Target::Drop => Outputs::DROP,
        Target::Ports(bits) => Outputs::from_bits(bits),
        Target::Flood => Outputs::flood(input, spec.ports.len()),
        Target::InPort => Outputs::port(input),
        Target::Table(_) => unreachable!("tables never target tables"),
    }
}

fn table_field(table: &Table) -> Field {
    match table.kind {
        TableKind::LongestPrefix(field) | TableKind::Exact(field) => field,
    }
}

/// The entry of `table` matching `key`: for LPM the longest prefix (the
/// first listed among equals), for exact tables the first.
fn search(table: &Table, key: u128) -> Option<&TableEntry> {
    let width = table_field(table).width();
    let mut best: Option<(&TableEntry, u8)> = None;
    for entry in &table.entries {
        let length = match table.kind {
            TableKind::LongestPrefix(_) => entry.prefix_len,
            TableKind::Exact(_) => width as u8,
        };
        let host_bits = width - u32::from(length).min(width);
        let matches = host_bits >= 128 || (key >> host_bits) == (entry.key >> host_bits);
        if matches && best.is_none_or(|(_, best_length)| length > best_length) {
            best = Some((entry, length));
        }
    }
    best.map(|(entry, _)| entry)
}

/// Count on `counter`, run the decision's actions, then its target
/// (looking the packet up when the target is a table).
#[allow(clippy::too_many_arguments)] // the per-packet state, passed down a short recursion
fn decide(
    spec: &Spec,
    counters: &mut [RuleCounter],
    counter: usize,
    decision: &Decision,
    input: PortId,
    headers: &mut Headers,
    frame: &mut Frame<'_>,
    arrival_len: usize,
) -> Outputs {
    counters[counter].record(arrival_len);
    if let Fate::Dropped = run_actions(&decision.actions, headers, frame) {
        return Outputs::DROP;
    }
    let Target::Table(index) = decision.target else {
        return target_outputs(spec, decision.target, input);
    };
    let table = &spec.tables[index];
    let hit_counter = spec.rules.len() + 1 + 2 * index;
    let entry = field_value(headers, frame.data(), table_field(table), input).and_then(|key| search(table, key));
    let (counter, decision) = match entry {
        Some(entry) => (hit_counter, &entry.decision),
        None => (hit_counter + 1, &table.default),
    };
    decide(spec, counters, counter, decision, input, headers, frame, arrival_len)
}

impl NetworkFunction for Interpreter {
    fn process(&mut self, input: PortId, frame: &mut Frame<'_>) -> Outputs {
        let arrival_len = frame.len();
        let mut headers = Headers::parse(frame.data());
        let winner = self.spec.rules.iter().position(|rule| {
            rule.conditions.iter().all(|condition| {
                field_value(&headers, frame.data(), condition.field, input).is_some_and(|v| holds(condition.test, v))
            })
        });
        let (counter, decision) = match winner {
            Some(index) => (index, &self.spec.rules[index].decision),
            None => (self.spec.rules.len(), &self.spec.default),
        };
        decide(&self.spec, &mut self.counters, counter, decision, input, &mut headers, frame, arrival_len)
    }

    fn counter_names(&self) -> &'static [&'static str] {
        self.names
    }

    fn counters(&self) -> &[RuleCounter] {
        &self.counters
    }
}
