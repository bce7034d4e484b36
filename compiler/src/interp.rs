//! The reference interpreter: runs an `ir::Spec` directly.
//!
//! It is the oracle generated code is checked against, so it is written
//! independently and plainly: fields are read through one generic function,
//! every stage is searched linearly, metadata lives in a vector. It
//! implements `NetworkFunction`, so the CLI can run a spec on captures
//! without compiling it.

use crate::codegen::counter_names;
use crate::ir::{Action, Decision, Entry, EntryKey, Field, Spec, Stage, StageKind, Target, Test};
use nfc_runtime::{
    Frame, Headers, LoadedTable, NetworkFunction, Outputs, PortId, RuleCounter, TableBuilder, TtlOutcome,
};
use std::sync::Arc;

pub struct Interpreter {
    spec: Spec,
    names: &'static [&'static str],
    counters: Vec<RuleCounter>,
    /// Index of each stage's first counter.
    first_counter: Vec<usize>,
    /// The stages loaded at run time, in loaded-table order, and their names.
    loaded: Vec<usize>,
    loaded_names: &'static [&'static str],
}

impl Interpreter {
    pub fn new(spec: &Spec) -> Interpreter {
        // The trait hands out `&'static` names; an interpreter lives as long
        // as the program that runs a spec, so leaking them once is fine.
        let names: Vec<&'static str> =
            counter_names(spec).into_iter().map(|n| &*Box::leak(n.into_boxed_str())).collect();
        let mut first_counter = Vec::new();
        let mut next = 0;
        for (index, stage) in spec.stages.iter().enumerate() {
            first_counter.push(next);
            next += if index == crate::ir::ENTRY { stage.entries.len() + 1 } else { 2 };
        }
        let loaded: Vec<usize> = (0..spec.stages.len()).filter(|&i| spec.stages[i].loaded.is_some()).collect();
        let loaded_names: Vec<&'static str> =
            loaded.iter().map(|&i| &*Box::leak(spec.stages[i].name.clone().into_boxed_str())).collect();
        Interpreter {
            spec: spec.clone(),
            counters: vec![RuleCounter::default(); names.len()],
            names: Box::leak(names.into_boxed_slice()),
            first_counter,
            loaded,
            loaded_names: Box::leak(loaded_names.into_boxed_slice()),
        }
    }
}

/// One packet on its way through the pipeline.
struct Packet<'f, 'b> {
    input: PortId,
    headers: Headers,
    frame: &'f mut Frame<'b>,
    metadata: Vec<u128>,
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
        Field::Meta(_) => unreachable!("metadata is the interpreter's, not the frame's"),
    }
}

impl Packet<'_, '_> {
    fn read(&self, field: Field) -> Option<u128> {
        match field {
            Field::Meta(meta) => Some(self.metadata[usize::from(meta.index)]),
            field => field_value(&self.headers, self.frame.data(), field, self.input),
        }
    }

    /// Write a writable field through the wire setters (which fix checksums
    /// and do nothing when the field's layer is absent); false when a setter
    /// refused although the field's header is there (an address whose
    /// upper-layer checksum is out of reach): the packet is then dropped.
    fn write(&mut self, field: Field, value: u128) -> bool {
        let (headers, data) = (&self.headers, self.frame.data_mut());
        let done = match field {
            Field::Meta(meta) => {
                self.metadata[usize::from(meta.index)] = value & field.full_mask();
                true
            }
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
            | Field::Ipv6Ext => unreachable!("the checker rejects writes to read-only field {}", field.path()),
        };
        let present = match field {
            Field::Ipv4Src | Field::Ipv4Dst => self.headers.has_ipv4(),
            Field::Ipv6Src | Field::Ipv6Dst => self.headers.has_ipv6(),
            _ => false,
        };
        done || !present
    }

    /// Run `actions` in order; false when the packet is dropped (a TTL
    /// expired, a VLAN tag could not be pushed).
    fn act(&mut self, actions: &[Action]) -> bool {
        for action in actions {
            match *action {
                Action::Set { field, value } => {
                    if !self.write(field, value) {
                        return false;
                    }
                }
                Action::Copy { to, from } => {
                    // An absent source writes nothing; an absent destination
                    // is not written by its setter.
                    if let Some(value) = self.read(from) {
                        if !self.write(to, value) {
                            return false;
                        }
                    }
                }
                Action::DecrementTtl => {
                    if let TtlOutcome::Expired = self.headers.decrement_ttl(self.frame.data_mut()) {
                        return false;
                    }
                }
                Action::SwapMacs => {
                    self.headers.swap_macs(self.frame.data_mut());
                }
                Action::PushVlan { vid, pcp } => {
                    if !self.headers.push_vlan(self.frame, vid, pcp) {
                        return false;
                    }
                }
                Action::PopVlan => {
                    self.headers.pop_vlan(self.frame);
                }
            }
        }
        true
    }
}

fn holds(test: Test, value: u128) -> bool {
    match test {
        Test::Masked { value: expected, mask } => value & mask == expected,
        Test::Range { low, high } => low <= value && value <= high,
    }
}

/// The entry of `stage` the packet matches: the first whose conditions
/// hold, the one with equal key fields, or the longest prefix (the first
/// listed among equals). `None` when a key field is absent or nothing matches.
fn search<'s>(stage: &'s Stage, packet: &Packet) -> Option<&'s Entry> {
    match &stage.kind {
        StageKind::FirstMatch { .. } => stage.entries.iter().find(|entry| match &entry.key {
            EntryKey::Conditions(conditions) => {
                conditions.iter().all(|c| packet.read(c.field).is_some_and(|v| holds(c.test, v)))
            }
            _ => false,
        }),
        StageKind::Exact { key } => {
            let values: Option<Vec<u128>> = key.iter().map(|&f| packet.read(f)).collect();
            let values = values?;
            stage.entries.iter().find(|entry| matches!(&entry.key, EntryKey::Exact(k) if *k == values))
        }
        StageKind::LongestPrefix { key } => {
            let address = packet.read(*key)?;
            let width = key.width();
            let mut best: Option<(&Entry, u8)> = None;
            for entry in &stage.entries {
                let EntryKey::Prefix { value, len } = entry.key else { continue };
                let host_bits = width - u32::from(len).min(width);
                let matches = host_bits >= 128 || (address >> host_bits) == (value >> host_bits);
                if matches && best.is_none_or(|(_, best_len)| len > best_len) {
                    best = Some((entry, len));
                }
            }
            best.map(|(entry, _)| entry)
        }
    }
}

impl NetworkFunction for Interpreter {
    fn process(&mut self, input: PortId, frame: &mut Frame<'_>) -> Outputs {
        let arrival_len = frame.len();
        let headers = Headers::parse(frame.data());
        let metadata = vec![0; self.spec.metadata.len()];
        let mut packet = Packet { input, headers, frame, metadata };
        let mut stage_index = crate::ir::ENTRY;
        // Every goto leads to a later stage, so this ends within one pass.
        loop {
            let stage = &self.spec.stages[stage_index];
            let entry = search(stage, &packet);
            let first = self.first_counter[stage_index];
            let (counter, decision): (usize, &Decision) = match (entry, stage_index == crate::ir::ENTRY) {
                (Some(entry), true) => (
                    first + stage.entries.iter().position(|e| std::ptr::eq(e, entry)).expect("in the stage"),
                    &entry.decision,
                ),
                (None, true) => (first + stage.entries.len(), &stage.default),
                (Some(entry), false) => (first, &entry.decision),
                (None, false) => (first + 1, &stage.default),
            };
            self.counters[counter].record(arrival_len);
            if !packet.act(&decision.actions) {
                return Outputs::DROP;
            }
            let ports = self.spec.ports.len();
            return match decision.target {
                Target::Drop => Outputs::DROP,
                Target::Ports(bits) => Outputs::from_bits(bits),
                Target::Flood => Outputs::flood(input, ports),
                Target::InPort => Outputs::port(input),
                Target::MetaPort(meta) => match packet.metadata[usize::from(meta.index)] {
                    port if port < ports as u128 => Outputs::port(port as PortId),
                    _ => Outputs::DROP,
                },
                Target::Goto(next) => {
                    assert!(next > stage_index, "the checker orders stages so gotos go forward");
                    stage_index = next;
                    continue;
                }
            };
        }
    }

    fn counter_names(&self) -> &'static [&'static str] {
        self.names
    }

    fn counters(&self) -> &[RuleCounter] {
        &self.counters
    }

    fn loaded_tables(&self) -> &'static [&'static str] {
        self.loaded_names
    }

    /// Reads a loaded table's file into the IR's entries, with the reader
    /// the compiler uses for `entries_file`.
    fn table_builder(&self) -> Option<TableBuilder> {
        let spec = Arc::new(self.spec.clone());
        let loaded = self.loaded.clone();
        Some(Arc::new(move |index: usize, file: &str, text: &str| {
            let stage =
                loaded.get(index).map(|&i| &spec.stages[i]).ok_or_else(|| format!("no loaded table {index}"))?;
            let actions = stage.loaded.as_ref().map_or(&[][..], |l| &l.actions);
            let ports: Vec<&str> = spec.ports.iter().map(|p| p.name.as_str()).collect();
            crate::schema::entries_from_file(file, text, &stage.kind, actions, &ports, |f| spec.field_name(f))
                .map(|entries| Box::new(entries) as LoadedTable)
                .map_err(|errors| nfc_runtime::tables::file::describe(&errors))
        }))
    }

    fn install_table(&mut self, index: usize, table: LoadedTable) {
        if let (Some(&stage), Ok(entries)) = (self.loaded.get(index), table.downcast::<Vec<Entry>>()) {
            self.spec.stages[stage].entries = *entries;
        }
    }
}
