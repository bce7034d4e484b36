//! A MAC-learning bridge (IEEE 802.1Q §8.7-8.8 in miniature): learn each
//! frame's source address on its input port, forward to the port its
//! destination was learned on, flood what is unknown.
//!
//! - Source addresses are learned (and refreshed) on every frame; an
//!   address seen on another port moves. A group (multicast) source is not
//!   a station: the frame is dropped (`drop/bad_source`).
//! - Destination a group address (multicast, broadcast): flooded to every
//!   port but the input (`flood/group`). The reserved 01:80:c2:00:00:0x
//!   addresses (STP, LACP, 802.1X...) are never forwarded by a bridge
//!   (802.1Q Table 8-1): dropped (`drop/reserved`).
//! - Known unicast destination: out of its port (`forward`), or dropped when
//!   that is the input port (`filter/same_port`: both stations sit on the
//!   same segment). Unknown unicast: flooded (`flood/unknown`).
//! - Ageing: an address not seen as a source for the ageing time (default
//!   300 s, 802.1Q's recommended default) is forgotten.
//! - Full table: a new address is not learned (`learn/full`) and frames to
//!   it are flooded; learned stations keep their entries (see
//!   `runtime::state::LearningTable`).
//! - Frames shorter than an Ethernet header: dropped (`drop/runt`).

use super::{expose_counters, is_group, mac_at, Counters, EXPIRY_BUDGET, SECOND_NS};
use nfc::runtime::state::{random_seed, Learned, LearningTable, StateError};
use nfc::runtime::{Frame, NetworkFunction, Outputs, PortId, MAX_PORTS};

/// Bridge settings.
#[derive(Clone, Copy, Debug)]
pub struct BridgeConfig {
    /// Ports, at most `MAX_PORTS`.
    pub ports: usize,
    /// Addresses the table can hold.
    pub capacity: usize,
    /// Ageing time in nanoseconds.
    pub ageing_ns: u64,
}

impl Default for BridgeConfig {
    /// Vigor's configuration: 65,536 addresses; 802.1Q's 300 s ageing.
    fn default() -> BridgeConfig {
        BridgeConfig { ports: 3, capacity: 65_536, ageing_ns: 300 * SECOND_NS }
    }
}

const NAMES: [&str; 10] = [
    "forward",
    "flood/unknown",
    "flood/group",
    "filter/same_port",
    "drop/reserved",
    "drop/bad_source",
    "drop/runt",
    "learn/new",
    "learn/moved",
    "learn/full",
];
const FORWARD: usize = 0;
const FLOOD_UNKNOWN: usize = 1;
const FLOOD_GROUP: usize = 2;
const FILTER_SAME_PORT: usize = 3;
const DROP_RESERVED: usize = 4;
const DROP_BAD_SOURCE: usize = 5;
const DROP_RUNT: usize = 6;
const LEARN_NEW: usize = 7;
const LEARN_MOVED: usize = 8;
const LEARN_FULL: usize = 9;

/// 01:80:c2:00:00:00 to 01:80:c2:00:00:0f.
const RESERVED: u64 = 0x0180_c200_0000;

pub struct Bridge {
    ports: usize,
    table: LearningTable<u64, PortId>,
    now: u64,
    counters: Counters<10>,
}

impl Bridge {
    /// The port names the example binary uses.
    pub const PORTS: &'static [&'static str] = &["p0", "p1", "p2"];

    pub fn new(config: BridgeConfig) -> Result<Bridge, StateError> {
        if config.ports == 0 || config.ports > MAX_PORTS {
            return Err(StateError::Invalid(format!(
                "found {} ports, expected between 1 and {MAX_PORTS}",
                config.ports
            )));
        }
        Ok(Bridge {
            ports: config.ports,
            table: LearningTable::new(config.capacity, config.ageing_ns, random_seed())?,
            now: 0,
            counters: Counters::new(&NAMES),
        })
    }

    /// Packets counted under `name`.
    pub fn packets(&self, name: &str) -> u64 {
        self.counters.packets(name)
    }

    /// Addresses currently held (expired ones not yet reclaimed included).
    pub fn learned(&self) -> usize {
        self.table.len()
    }
}

impl NetworkFunction for Bridge {
    // Inlined into the driver's loop like a generated NF's, so the
    // comparison with nfc's code is fair (and .ci/loop-shape checks it).
    #[inline(always)]
    fn process(&mut self, input: PortId, frame: &mut Frame<'_>) -> Outputs {
        let (len, data) = (frame.len(), frame.data());
        let (Some(dst), Some(src), true) = (mac_at(data, 0), mac_at(data, 6), len >= 14) else {
            return self.counters.count(DROP_RUNT, len, Outputs::DROP);
        };
        if is_group(src) {
            return self.counters.count(DROP_BAD_SOURCE, len, Outputs::DROP);
        }
        match self.table.learn(src, input, self.now) {
            Learned::New => self.counters.record(LEARN_NEW, len),
            Learned::Moved => self.counters.record(LEARN_MOVED, len),
            Learned::Full => self.counters.record(LEARN_FULL, len),
            Learned::Refreshed => {}
        }
        if is_group(dst) {
            if dst & !0xf == RESERVED {
                return self.counters.count(DROP_RESERVED, len, Outputs::DROP);
            }
            return self.counters.count(FLOOD_GROUP, len, Outputs::flood(input, self.ports));
        }
        match self.table.lookup(&dst, self.now) {
            Some(port) if port == input => self.counters.count(FILTER_SAME_PORT, len, Outputs::DROP),
            Some(port) => self.counters.count(FORWARD, len, Outputs::port(port)),
            None => self.counters.count(FLOOD_UNKNOWN, len, Outputs::flood(input, self.ports)),
        }
    }

    expose_counters!();

    const USES_TIME: bool = true;

    #[inline]
    fn set_time(&mut self, now_ns: u64) {
        self.now = now_ns;
        self.table.expire(now_ns, EXPIRY_BUDGET);
    }
}
