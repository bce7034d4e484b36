//! A layer-4 load balancer in direct server return (Maglev's data plane
//! with MAC rewriting instead of GRE): packets from clients to the virtual
//! address (VIP) go to one backend, chosen by Maglev consistent hashing of
//! the flow's 5-tuple and then remembered per flow (flow affinity), so a
//! flow keeps its backend when the set of backends changes. Backends hold
//! the VIP themselves and answer clients directly; what they send through
//! the balancer's `backends` port is passed to `clients` unchanged.
//!
//! From `clients`: IPv4 to the VIP with a flow key (TCP, UDP, ...) gets the
//! backend's MAC as destination and the balancer's MAC as source, out of
//! `backends`:
//! - a flow seen within the idle timeout keeps its backend (`affinity/hit`);
//!   if that backend has been disabled since, Maglev picks again and the
//!   flow follows (`affinity/repicked`);
//! - a new flow takes Maglev's choice (`affinity/new`); when the flow
//!   table is full the packet still goes to Maglev's choice, without
//!   affinity (`affinity/full`): Maglev alone keeps almost every flow on
//!   its backend as long as the backends do not change;
//! - no backend enabled (`drop/no_backend`); not for the VIP, or no flow
//!   key (`drop/not_vip`).

use super::{expose_counters, Counters, EXPIRY_BUDGET, SECOND_NS};
use nfc::runtime::state::{random_seed, FlowKey, FlowTable, Maglev, StateError, TableKey, DEFAULT_TABLE_SIZE};
use nfc::runtime::{Frame, Headers, NetworkFunction, Outputs, PortId};

pub const CLIENTS: PortId = 0;
pub const BACKENDS: PortId = 1;

#[derive(Clone, Debug)]
pub struct LbConfig {
    pub vip: u32,
    pub mac: u64,
    /// Each backend's MAC (also its Maglev name).
    pub backend_macs: Vec<u64>,
    pub flows: usize,
    pub idle_timeout_ns: u64,
    /// Maglev table size (a prime).
    pub table_size: usize,
}

impl Default for LbConfig {
    /// VIP 10.0.0.2 (the address the software model's traffic goes to),
    /// MAC 02:00:00:00:00:10, backends 02:00:00:00:01:01 to :04, 65,536
    /// flows, 60 s idle, Maglev table 65,537.
    fn default() -> LbConfig {
        LbConfig {
            vip: 0x0a00_0002,
            mac: 0x0200_0000_0010,
            backend_macs: (1..=4).map(|i| 0x0200_0000_0100 + i).collect(),
            flows: 65_536,
            idle_timeout_ns: 60 * SECOND_NS,
            table_size: DEFAULT_TABLE_SIZE,
        }
    }
}

const NAMES: [&str; 7] = [
    "affinity/hit",
    "affinity/new",
    "affinity/repicked",
    "affinity/full",
    "backend_to_client",
    "drop/no_backend",
    "drop/not_vip",
];
const HIT: usize = 0;
const NEW: usize = 1;
const REPICKED: usize = 2;
const FULL: usize = 3;
const BACKEND_TO_CLIENT: usize = 4;
const NO_BACKEND: usize = 5;
const NOT_VIP: usize = 6;

pub struct LoadBalancer {
    vip: u32,
    mac: u64,
    backend_macs: Box<[u64]>,
    maglev: Maglev,
    flows: FlowTable<FlowKey, u16>,
    seed: u64,
    now: u64,
    counters: Counters<7>,
}

impl LoadBalancer {
    pub const PORTS: &'static [&'static str] = &["clients", "backends"];

    pub fn new(config: LbConfig) -> Result<LoadBalancer, StateError> {
        let seed = random_seed();
        Ok(LoadBalancer {
            vip: config.vip,
            mac: config.mac,
            maglev: Maglev::new(&config.backend_macs, config.table_size, seed)?,
            backend_macs: config.backend_macs.into_boxed_slice(),
            flows: FlowTable::with_timeout(config.flows, config.idle_timeout_ns, seed)?,
            seed,
            now: 0,
            counters: Counters::new(&NAMES),
        })
    }

    pub fn packets(&self, name: &str) -> u64 {
        self.counters.packets(name)
    }

    /// Takes backend `index` out of service (or back); false if there is
    /// no such backend. Its flows move on their next packet.
    pub fn set_backend_enabled(&mut self, index: usize, enabled: bool) -> bool {
        self.maglev.set_enabled(index, enabled)
    }

    /// Flows with affinity (expired ones not yet reclaimed included).
    pub fn flows(&self) -> usize {
        self.flows.len()
    }

    /// The backend for a client packet and the counter for how it was chosen.
    #[inline]
    fn backend(&mut self, key: FlowKey) -> Result<(u16, usize), usize> {
        let now = self.now;
        if let Some(id) = self.flows.find(&key, now) {
            self.flows.touch(id, now);
            let backend = *self.flows.value(id);
            if self.maglev.is_enabled(usize::from(backend)) {
                return Ok((backend, HIT));
            }
            let backend = self.maglev.lookup(key.hash_with(self.seed)).ok_or(NO_BACKEND)?;
            *self.flows.value_mut(id) = backend;
            return Ok((backend, REPICKED));
        }
        let backend = self.maglev.lookup(key.hash_with(self.seed)).ok_or(NO_BACKEND)?;
        match self.flows.find_or_insert(key, 0, now, || backend) {
            Ok(_) => Ok((backend, NEW)),
            Err(_) => Ok((backend, FULL)),
        }
    }
}

impl NetworkFunction for LoadBalancer {
    // Inlined into the driver's loop like a generated NF's, so the
    // comparison with nfc's code is fair (and .ci/loop-shape checks it).
    #[inline(always)]
    fn process(&mut self, input: PortId, frame: &mut Frame<'_>) -> Outputs {
        let len = frame.len();
        if input != CLIENTS {
            return self.counters.count(BACKEND_TO_CLIENT, len, Outputs::port(CLIENTS));
        }
        let headers = Headers::parse(frame.data());
        let key = match FlowKey::from_headers(&headers, frame.data()) {
            Some(key) if headers.ipv4_dst(frame.data()) == Some(self.vip) => key,
            _ => return self.counters.count(NOT_VIP, len, Outputs::DROP),
        };
        match self.backend(key) {
            Ok((backend, counter)) => {
                // Maglev only picks backends it was built with.
                let Some(&backend_mac) = self.backend_macs.get(usize::from(backend)) else {
                    return self.counters.count(NO_BACKEND, len, Outputs::DROP);
                };
                let data = frame.data_mut();
                headers.set_eth_dst(data, backend_mac);
                headers.set_eth_src(data, self.mac);
                self.counters.count(counter, len, Outputs::port(BACKENDS))
            }
            Err(counter) => self.counters.count(counter, len, Outputs::DROP),
        }
    }

    expose_counters!();

    const USES_TIME: bool = true;

    #[inline]
    fn set_time(&mut self, now_ns: u64) {
        self.now = now_ns;
        self.flows.expire(now_ns, EXPIRY_BUDGET);
    }
}
