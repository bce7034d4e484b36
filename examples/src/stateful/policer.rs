//! A policer between a LAN and a WAN (Vigor's policer): traffic from the
//! WAN to each LAN host (keyed by destination IPv4 address) is limited to
//! a rate and a burst by a token bucket (`runtime::state::Policer`); traffic
//! from the LAN passes untouched.
//!
//! From the WAN: IPv4 is policed per destination (`pass/conform`,
//! `pass/new`, `drop/exceed`, `drop/full`); ARP passes (`pass/arp`);
//! anything else is dropped (`drop/not_ipv4`: IPv6 would go round the
//! policer). The length policed is the Ethernet frame's.

use super::{expose_counters, Counters, EXPIRY_BUDGET, SECOND_NS};
use nfc::runtime::state::{random_seed, BucketLimits, Policed, Policer, StateError};
use nfc::runtime::{Frame, Headers, NetworkFunction, Outputs, PortId};

pub const LAN: PortId = 0;
pub const WAN: PortId = 1;

#[derive(Clone, Copy, Debug)]
pub struct PolicerConfig {
    pub rate_bytes_per_s: u64,
    pub burst_bytes: u64,
    /// LAN hosts tracked at once.
    pub capacity: usize,
    /// A host's bucket is forgotten after this long without traffic (at
    /// least the time to fill it).
    pub idle_timeout_ns: u64,
}

impl Default for PolicerConfig {
    /// 100 Mbit/s (12.5 MB/s) with a 1 MB burst per host, 65,536 hosts,
    /// 10 s idle timeout.
    fn default() -> PolicerConfig {
        PolicerConfig {
            rate_bytes_per_s: 12_500_000,
            burst_bytes: 1_000_000,
            capacity: 65_536,
            idle_timeout_ns: 10 * SECOND_NS,
        }
    }
}

const NAMES: [&str; 7] =
    ["lan_to_wan", "pass/conform", "pass/new", "pass/arp", "drop/exceed", "drop/full", "drop/not_ipv4"];
const LAN_TO_WAN: usize = 0;
const PASS_ARP: usize = 3;
const DROP_NOT_IPV4: usize = 6;

#[inline]
const fn counter(policed: Policed) -> usize {
    match policed {
        Policed::Conform => 1,
        Policed::New => 2,
        Policed::Exceed => 4,
        Policed::Full => 5,
    }
}

pub struct RatePolicer {
    policer: Policer<u32>,
    now: u64,
    counters: Counters<7>,
}

impl RatePolicer {
    pub const PORTS: &'static [&'static str] = &["lan", "wan"];

    pub fn new(config: PolicerConfig) -> Result<RatePolicer, StateError> {
        let limits = BucketLimits::new(config.rate_bytes_per_s, config.burst_bytes)?;
        Ok(RatePolicer {
            policer: Policer::new(config.capacity, limits, config.idle_timeout_ns, random_seed())?,
            now: 0,
            counters: Counters::new(&NAMES),
        })
    }

    pub fn packets(&self, name: &str) -> u64 {
        self.counters.packets(name)
    }

    /// Hosts with a bucket (expired ones not yet reclaimed included).
    pub fn hosts(&self) -> usize {
        self.policer.len()
    }
}

impl NetworkFunction for RatePolicer {
    // Inlined into the driver's loop like a generated NF's, so the
    // comparison with nfc's code is fair (and .ci/loop-shape checks it).
    #[inline(always)]
    fn process(&mut self, input: PortId, frame: &mut Frame<'_>) -> Outputs {
        let (len, data) = (frame.len(), frame.data());
        if input == LAN {
            return self.counters.count(LAN_TO_WAN, len, Outputs::port(WAN));
        }
        let headers = Headers::parse(data);
        let Some(dst) = headers.ipv4_dst(data) else {
            if headers.eth_type(data) == Some(0x0806) {
                return self.counters.count(PASS_ARP, len, Outputs::port(LAN));
            }
            return self.counters.count(DROP_NOT_IPV4, len, Outputs::DROP);
        };
        let policed = self.policer.police(dst, len, self.now);
        let outputs = if policed.passes() { Outputs::port(LAN) } else { Outputs::DROP };
        self.counters.count(counter(policed), len, outputs)
    }

    expose_counters!();

    const USES_TIME: bool = true;

    #[inline]
    fn set_time(&mut self, now_ns: u64) {
        self.now = now_ns;
        self.policer.expire(now_ns, EXPIRY_BUDGET);
    }
}
