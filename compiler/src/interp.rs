//! The reference interpreter: runs an `ir::Spec` directly.
//!
//! It is the oracle generated code is checked against, so it is written
//! independently and plainly: fields are read through one generic function,
//! tables are searched linearly. It implements `NetworkFunction`, so the CLI
//! can run a spec on captures without compiling it.

use crate::codegen::counter_names;
use crate::ir::{Action, Decision, Field, Spec, TableKind, Target, Test};
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
    }
}

/// Rewrite a writable field through the wire setters (which fix checksums).
fn set_field(headers: &Headers, data: &mut [u8], field: Field, value: u128) {
    match field {
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
        Field::InPort | Field::EthType | Field::IpProto | Field::TcpFlags | Field::IcmpType | Field::IcmpCode => {
            unreachable!("the checker rejects writes to read-only field {}", field.path())
        }
    };
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
    Expired,
}

fn run_actions(actions: &[Action], headers: &mut Headers, frame: &mut Frame<'_>) -> Fate {
    for action in actions {
        match *action {
            Action::Set { field, value } => set_field(headers, frame.data_mut(), field, value),
            Action::DecrementTtl => {
                if let TtlOutcome::Expired = headers.decrement_ttl(frame.data_mut()) {
                    return Fate::Expired;
                }
            }
            Action::SwapMacs => {
                headers.swap_macs(frame.data_mut());
            }
            Action::PushVlan { vid, pcp } => {
                headers.push_vlan(frame, vid, pcp);
            }
            Action::PopVlan => {
                headers.pop_vlan(frame);
            }
        }
    }
    Fate::Continue
}

impl Interpreter {
    fn target_outputs(&self, target: Target, input: PortId) -> Outputs {
        match target {
            Target::Drop => Outputs::DROP,
            Target::Ports(bits) => Outputs::from_bits(bits),
            Target::Flood => Outputs::flood(input, self.spec.ports.len()),
            Target::InPort => Outputs::port(input),
            Target::Table(_) => unreachable!("tables never target tables"),
        }
    }

    /// Index of the entry of `table` matching `key`: for LPM the longest
    /// prefix (the first listed among equals), for exact tables the first.
    fn search(&self, table: usize, key: u128) -> Option<usize> {
        let table = &self.spec.tables[table];
        let field = match table.kind {
            TableKind::LongestPrefix(field) | TableKind::Exact(field) => field,
        };
        let width = field.width();
        let mut best: Option<(usize, u8)> = None;
        for (index, entry) in table.entries.iter().enumerate() {
            let length = match table.kind {
                TableKind::LongestPrefix(_) => entry.prefix_len,
                TableKind::Exact(_) => width as u8,
            };
            let host_bits = width - u32::from(length).min(width);
            let matches = host_bits >= 128 || (key >> host_bits) == (entry.key >> host_bits);
            if matches && best.is_none_or(|(_, best_length)| length > best_length) {
                best = Some((index, length));
            }
        }
        best.map(|(index, _)| index)
    }

    fn decide(&mut self, counter: usize, decision: &Decision, input: PortId, headers: &mut Headers, frame: &mut Frame<'_>, arrival_len: usize) -> Outputs {
        self.counters[counter].record(arrival_len);
        if let Fate::Expired = run_actions(&decision.actions, headers, frame) {
            return Outputs::DROP;
        }
        let Target::Table(table) = decision.target else {
            return self.target_outputs(decision.target, input);
        };
        let field = match self.spec.tables[table].kind {
            TableKind::LongestPrefix(field) | TableKind::Exact(field) => field,
        };
        let hit_counter = self.spec.rules.len() + 1 + 2 * table;
        let entry = field_value(headers, frame.data(), field, input).and_then(|key| self.search(table, key));
        let (counter, decision) = match entry {
            Some(index) => (hit_counter, self.spec.tables[table].entries[index].decision.clone()),
            None => (hit_counter + 1, self.spec.tables[table].default.clone()),
        };
        self.decide(counter, &decision, input, headers, frame, arrival_len)
    }
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
            Some(index) => (index, self.spec.rules[index].decision.clone()),
            None => (self.spec.rules.len(), self.spec.default.clone()),
        };
        self.decide(counter, &decision, input, &mut headers, frame, arrival_len)
    }

    fn counter_names(&self) -> &'static [&'static str] {
        self.names
    }

    fn counters(&self) -> &[RuleCounter] {
        &self.counters
    }
}
