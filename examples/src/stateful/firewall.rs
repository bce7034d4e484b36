//! A stateful firewall between a protected network (`inside`) and the rest
//! (`outside`), as a bump in the wire: connections may be opened from
//! inside only; replies and ICMP errors about them come back in; all other
//! traffic from outside is dropped. The rules are `runtime::state::ConnTracker`'s.
//!
//! Besides the tracker: frames that are not IP (ARP) and IPv6 neighbour
//! discovery pass both ways (`pass/non_ip`, `pass/neighbor_discovery`):
//! without them the hosts on the two sides could not find each other.
//! Flows: 65,536 by default, timeouts `FlowTimeouts::FIREWALL`.

use super::{expose_counters, Counters, EXPIRY_BUDGET};
use nfc::runtime::state::{
    is_neighbor_discovery, random_seed, ConnTracker, Direction, FlowTimeouts, StateError, Verdict,
};
use nfc::runtime::{Frame, Headers, NetworkFunction, Outputs, PortId};

pub const INSIDE: PortId = 0;
pub const OUTSIDE: PortId = 1;

#[derive(Clone, Copy, Debug)]
pub struct FirewallConfig {
    pub capacity: usize,
    pub timeouts: FlowTimeouts,
}

impl Default for FirewallConfig {
    fn default() -> FirewallConfig {
        FirewallConfig { capacity: 65_536, timeouts: FlowTimeouts::FIREWALL }
    }
}

const NAMES: [&str; 10] = [
    "open",
    "tracked",
    "closed",
    "related",
    "untracked",
    "pass/non_ip",
    "pass/neighbor_discovery",
    "drop/unsolicited",
    "drop/full",
    "drop/untrackable",
];
const PASS_NON_IP: usize = 5;
const PASS_ND: usize = 6;

/// The counter of each verdict, in `NAMES` order.
#[inline]
const fn counter(verdict: Verdict) -> usize {
    match verdict {
        Verdict::Opened => 0,
        Verdict::Tracked => 1,
        Verdict::Closed => 2,
        Verdict::Related => 3,
        Verdict::Untracked => 4,
        Verdict::Unsolicited => 7,
        Verdict::Full => 8,
        Verdict::Untrackable => 9,
    }
}

pub struct StatefulFirewall {
    tracker: ConnTracker,
    now: u64,
    counters: Counters<10>,
}

impl StatefulFirewall {
    pub const PORTS: &'static [&'static str] = &["inside", "outside"];

    pub fn new(config: FirewallConfig) -> Result<StatefulFirewall, StateError> {
        Ok(StatefulFirewall {
            tracker: ConnTracker::new(config.capacity, config.timeouts, random_seed())?,
            now: 0,
            counters: Counters::new(&NAMES),
        })
    }

    pub fn packets(&self, name: &str) -> u64 {
        self.counters.packets(name)
    }

    /// Flows held (expired ones not yet reclaimed included).
    pub fn flows(&self) -> usize {
        self.tracker.len()
    }
}

impl NetworkFunction for StatefulFirewall {
    // Inlined into the driver's loop like a generated NF's, so the
    // comparison with nfc's code is fair (and .ci/loop-shape checks it).
    #[inline(always)]
    fn process(&mut self, input: PortId, frame: &mut Frame<'_>) -> Outputs {
        let (len, data) = (frame.len(), frame.data());
        let (direction, other) = match input {
            INSIDE => (Direction::Outbound, OUTSIDE),
            _ => (Direction::Inbound, INSIDE),
        };
        let headers = Headers::parse(data);
        if !headers.has_ip() {
            return self.counters.count(PASS_NON_IP, len, Outputs::port(other));
        }
        if is_neighbor_discovery(&headers, data) {
            return self.counters.count(PASS_ND, len, Outputs::port(other));
        }
        let verdict = self.tracker.track(&headers, data, direction, self.now);
        let outputs = if verdict.passes() { Outputs::port(other) } else { Outputs::DROP };
        self.counters.count(counter(verdict), len, outputs)
    }

    expose_counters!();

    const USES_TIME: bool = true;

    #[inline]
    fn set_time(&mut self, now_ns: u64) {
        self.now = now_ns;
        self.tracker.expire(now_ns, EXPIRY_BUDGET);
    }
}
