//! The reference interpreter: runs an `ir::Spec` directly.
//!
//! It is the oracle generated code is checked against, so it is written
//! independently and plainly: fields are read through one generic function,
//! every stage is searched linearly, metadata lives in a vector. It
//! implements `NetworkFunction`, so the CLI can run a spec on captures
//! without compiling it.

use crate::codegen::counter_names;
use crate::ir::{Action, Decision, Entry, EntryKey, Field, ReplyError, Spec, Stage, StageKind, Stateful, Target, Test};
use nfc_runtime::state::{
    Balancer, BucketLimits, ConnTracker, Direction, ExternalRange, FlowKey, FlowTimeouts, Learned, LearningTable, Napt,
    NatConfig, Pick, Policed, Policer, Translation, Verdict,
};
use nfc_runtime::wire::{icmp_error_in_place, IcmpError, Responder};
use nfc_runtime::{
    Frame, Headers, LoadedTable, NetworkFunction, Outputs, PortId, RuleCounter, TableBuilder, TtlOutcome,
};
use std::sync::Arc;

/// Expired entries reclaimed per table each time the time is set.
const EXPIRY_BUDGET: usize = 64;

/// What a stateful stage keeps, built from its IR when the interpreter is.
/// Keys are the interpreter's `u128` field values.
enum State {
    Stateless,
    Learn(LearningTable<u128, PortId>),
    Track(ConnTracker),
    Nat(Napt),
    Police(Policer<u128>),
    Balance(Balancer),
}

fn timeouts(ns: [u64; 5]) -> FlowTimeouts {
    FlowTimeouts {
        tcp_transitory_ns: ns[0],
        tcp_established_ns: ns[1],
        tcp_closing_ns: ns[2],
        udp_ns: ns[3],
        other_ns: ns[4],
    }
}

impl State {
    fn new(kind: &StageKind, seed: u64) -> State {
        let StageKind::Stateful(state) = kind else { return State::Stateless };
        let checked = "the frontend checked the stage's settings";
        match state {
            Stateful::Learn { capacity, timeout_ns, .. } => {
                State::Learn(LearningTable::new(*capacity as usize, *timeout_ns, seed).expect(checked))
            }
            Stateful::ConnTrack { capacity, timeouts_ns, .. } => {
                State::Track(ConnTracker::new(*capacity as usize, timeouts(*timeouts_ns), seed).expect(checked))
            }
            Stateful::Nat { external, timeouts_ns, .. } => {
                let external = external
                    .iter()
                    .map(|&(address, first_port, last_port)| ExternalRange { address, first_port, last_port })
                    .collect();
                State::Nat(Napt::new(&NatConfig { external, timeouts: timeouts(*timeouts_ns), seed }).expect(checked))
            }
            Stateful::Police { rate_bytes_per_s, burst_bytes, capacity, timeout_ns, .. } => {
                let limits = BucketLimits::new(*rate_bytes_per_s, *burst_bytes).expect(checked);
                State::Police(Policer::new(*capacity as usize, limits, *timeout_ns, seed).expect(checked))
            }
            Stateful::Balance { backends, capacity, timeout_ns, .. } => State::Balance(
                Balancer::new(backends, nfc_runtime::state::DEFAULT_TABLE_SIZE, *capacity as usize, *timeout_ns, seed)
                    .expect(checked),
            ),
        }
    }

    fn expire(&mut self, now: u64) {
        match self {
            State::Stateless => {}
            State::Learn(table) => {
                table.expire(now, EXPIRY_BUDGET);
            }
            State::Track(tracker) => {
                tracker.expire(now, EXPIRY_BUDGET);
            }
            State::Nat(nat) => {
                nat.expire(now, EXPIRY_BUDGET);
            }
            State::Police(policer) => {
                policer.expire(now, EXPIRY_BUDGET);
            }
            State::Balance(balancer) => {
                balancer.expire(now, EXPIRY_BUDGET);
            }
        }
    }
}

pub struct Interpreter {
    spec: Spec,
    names: &'static [&'static str],
    counters: Vec<RuleCounter>,
    /// Index of each stage's first counter.
    first_counter: Vec<usize>,
    /// The stages loaded at run time, in loaded-table order, and their names.
    loaded: Vec<usize>,
    loaded_names: &'static [&'static str],
    /// Per stage: what a stateful stage keeps.
    states: Vec<State>,
    now: u64,
}

impl Interpreter {
    /// An interpreter whose stateful stages use seed 0: hash seeds and the
    /// NAT's port order fixed (ports handed out in order), so runs repeat.
    pub fn new(spec: &Spec) -> Interpreter {
        Interpreter::with_seed(spec, 0)
    }

    /// An interpreter whose stateful stages use `seed`, as generated code's
    /// `with_seed`.
    pub fn with_seed(spec: &Spec, seed: u64) -> Interpreter {
        // The trait hands out `&'static` names; an interpreter lives as long
        // as the program that runs a spec, so leaking them once is fine.
        let names: Vec<&'static str> =
            counter_names(spec).into_iter().map(|n| &*Box::leak(n.into_boxed_str())).collect();
        let mut first_counter = Vec::new();
        let mut next = 0;
        for (index, stage) in spec.stages.iter().enumerate() {
            first_counter.push(next);
            next += match &stage.kind {
                _ if index == crate::ir::ENTRY => stage.entries.len() + 1,
                StageKind::Stateful(state) => state.counters().len(),
                _ => 2,
            };
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
            states: spec.stages.iter().map(|stage| State::new(&stage.kind, seed)).collect(),
            now: 0,
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
                Action::ArpReply { address, mac } => {
                    let ours = |requested: u32| (requested == address).then_some(mac);
                    if nfc_runtime::wire::arp::answer_request(&self.headers, self.frame.data_mut(), ours).is_none() {
                        return false;
                    }
                }
                Action::IcmpError { error, mac, ipv4, ipv6 } => {
                    let error = match error {
                        ReplyError::TimeExceeded => IcmpError::TimeExceeded,
                        ReplyError::NetUnreachable => IcmpError::NetUnreachable,
                        ReplyError::HostUnreachable => IcmpError::HostUnreachable,
                        ReplyError::PortUnreachable => IcmpError::PortUnreachable,
                        ReplyError::AdminProhibited => IcmpError::AdminProhibited,
                    };
                    let responder = Responder { mac, ipv4, ipv6 };
                    if icmp_error_in_place(self.frame, &self.headers, error, &responder).is_err() {
                        return false;
                    }
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
        StageKind::Stateful(_) => unreachable!("stateful stages are not searched"),
    }
}

/// What a stateful stage does with a packet: the counter (relative to the
/// stage's first) of its result, and the outcome whose decision follows
/// (`None`: the default). Learning events are counted here too.
fn run_state(
    state: &mut State,
    kind: &Stateful,
    packet: &mut Packet,
    now: u64,
    counters: &mut [RuleCounter],
    arrival_len: usize,
) -> (usize, Option<usize>) {
    let input = packet.input;
    let inside = |ports: u32| ports & (1 << input) != 0;
    match (state, kind) {
        (State::Learn(table), Stateful::Learn { learn, lookup, into, .. }) => {
            if let Some(source) = packet.read(*learn) {
                let event = match table.learn(source, input, now) {
                    Learned::New => Some(3),
                    Learned::Moved => Some(4),
                    Learned::Full => Some(5),
                    Learned::Refreshed => None,
                };
                if let Some(event) = event {
                    counters[event].record(arrival_len);
                }
            }
            match packet.read(*lookup).and_then(|destination| table.lookup(&destination, now)) {
                Some(port) => {
                    packet.metadata[usize::from(into.index)] = u128::from(port) & Field::Meta(*into).full_mask();
                    if port == input {
                        (1, Some(1))
                    } else {
                        (0, Some(0))
                    }
                }
                None => (2, None),
            }
        }
        (State::Track(tracker), Stateful::ConnTrack { inside: ports, .. }) => {
            let direction = if inside(*ports) { Direction::Outbound } else { Direction::Inbound };
            match tracker.track(&packet.headers, packet.frame.data(), direction, now) {
                Verdict::Opened => (0, Some(0)),
                Verdict::Tracked => (1, Some(0)),
                Verdict::Closed => (2, Some(0)),
                Verdict::Related => (3, Some(0)),
                Verdict::Untracked => (4, Some(0)),
                Verdict::Unsolicited => (5, None),
                Verdict::Full => (6, None),
                Verdict::Untrackable => (7, None),
            }
        }
        (State::Nat(nat), Stateful::Nat { inside: ports, .. }) => {
            let outbound = inside(*ports);
            let translation = if outbound {
                nat.outbound(&packet.headers, packet.frame.data_mut(), now)
            } else {
                nat.inbound(&packet.headers, packet.frame.data_mut(), now)
            };
            let direction = if outbound { 0 } else { 1 };
            match translation {
                Translation::Mapped { new: true, .. } if outbound => (0, Some(0)),
                Translation::Mapped { .. } if outbound => (1, Some(0)),
                Translation::Mapped { .. } => (2, Some(1)),
                Translation::Related { .. } => (3, Some(direction)),
                Translation::NoMapping => (4, None),
                Translation::Full => (5, None),
                Translation::Untranslatable => (6, None),
                Translation::BadChecksum => (7, None),
            }
        }
        (State::Police(policer), Stateful::Police { key, .. }) => match packet.read(*key) {
            None => (4, None),
            Some(value) => match policer.police(value, packet.frame.len(), now) {
                Policed::Conform => (0, Some(0)),
                Policed::New => (1, Some(0)),
                Policed::Exceed => (2, None),
                Policed::Full => (3, None),
            },
        },
        (State::Balance(balancer), Stateful::Balance { backends, into, .. }) => {
            let Some(key) = FlowKey::from_headers(&packet.headers, packet.frame.data()) else { return (5, None) };
            let pick = balancer.pick(key, now);
            if let Some(backend) = pick.backend() {
                packet.metadata[usize::from(into.index)] = u128::from(backends[usize::from(backend)]);
            }
            match pick {
                Pick::Affinity(_) => (0, Some(0)),
                Pick::New(_) => (1, Some(0)),
                Pick::Repicked(_) => (2, Some(0)),
                Pick::NoAffinity(_) => (3, Some(0)),
                Pick::NoBackend => (4, None),
            }
        }
        _ => unreachable!("each stateful stage has its state"),
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
            let first = self.first_counter[stage_index];
            let (counter, decision): (usize, &Decision) = if let StageKind::Stateful(kind) = &stage.kind {
                let counters = &mut self.counters[first..];
                let state = &mut self.states[stage_index];
                let (result, outcome) = run_state(state, kind, &mut packet, self.now, counters, arrival_len);
                (first + result, outcome.map_or(&stage.default, |i| &stage.entries[i].decision))
            } else {
                let entry = search(stage, &packet);
                match (entry, stage_index == crate::ir::ENTRY) {
                    (Some(entry), true) => (
                        first + stage.entries.iter().position(|e| std::ptr::eq(e, entry)).expect("in the stage"),
                        &entry.decision,
                    ),
                    (None, true) => (first + stage.entries.len(), &stage.default),
                    (Some(entry), false) => (first, &entry.decision),
                    (None, false) => (first + 1, &stage.default),
                }
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

    /// Whatever the spec: a spec without stateful stages ignores the time.
    const USES_TIME: bool = true;

    fn set_time(&mut self, now_ns: u64) {
        self.now = now_ns;
        for state in &mut self.states {
            state.expire(now_ns);
        }
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
