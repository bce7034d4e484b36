//! Stateful network functions written by hand on `runtime::state`: the
//! baselines for compiled stateful stages (issue 14), and deployable
//! binaries (`examples/src/bin/{bridge,stateful_firewall,nat,policer,lb}.rs`).
//!
//! Each keeps time (`USES_TIME = true`): `set_time` stores the burst's time
//! and reclaims at most [`EXPIRY_BUDGET`] expired entries, so expiry work is
//! bounded per burst; lookups check deadlines themselves, so an entry is gone
//! at its timeout whether or not it was reclaimed yet. Every outcome has a
//! counter (packets and bytes), in the order of `counter_names`.

pub mod bridge;
pub mod firewall;
pub mod lb;
pub mod nat;
pub mod policer;

use nfc::runtime::{NetworkFunction, Outputs, PortId, RuleCounter};

/// Expired entries reclaimed per burst (per `set_time`): enough to keep up
/// with a table that gains at most one entry per packet of a 32-packet
/// burst, and a bounded cost when many entries expire at once.
pub const EXPIRY_BUDGET: usize = 64;

/// One second in the nanoseconds the functions keep time in.
pub const SECOND_NS: u64 = 1_000_000_000;

/// Runs `nf` on a copy of `packet` arriving on `port` at time `now_ns` (one
/// packet per burst); returns the outputs and the frame as the NF left it.
/// The tests drive packet sequences with timestamps through it.
pub fn process_at<N: NetworkFunction>(nf: &mut N, now_ns: u64, port: PortId, packet: &[u8]) -> (Outputs, Vec<u8>) {
    nf.set_time(now_ns);
    let (bits, bytes) = crate::process_copy(nf, port, packet);
    (Outputs::from_bits(bits), bytes)
}

/// A fixed set of named packet counters, one per outcome.
#[derive(Clone, Debug)]
pub struct Counters<const N: usize> {
    names: &'static [&'static str; N],
    values: [RuleCounter; N],
}

impl<const N: usize> Counters<N> {
    pub const fn new(names: &'static [&'static str; N]) -> Counters<N> {
        Counters { names, values: [RuleCounter { packets: 0, bytes: 0 }; N] }
    }

    /// Counts a packet of `len` bytes under `counter` and passes `outputs` on.
    #[inline]
    pub fn count(&mut self, counter: usize, len: usize, outputs: Outputs) -> Outputs {
        self.record(counter, len);
        outputs
    }

    /// Counts a packet of `len` bytes under `counter` (an event besides the
    /// packet's outcome, such as learning an address).
    #[inline]
    pub fn record(&mut self, counter: usize, len: usize) {
        if let Some(c) = self.values.get_mut(counter) {
            c.record(len);
        }
    }

    pub fn names(&self) -> &'static [&'static str] {
        self.names
    }

    pub fn values(&self) -> &[RuleCounter] {
        &self.values
    }

    /// The packets counted under `name` (tests and summaries).
    pub fn packets(&self, name: &str) -> u64 {
        self.names.iter().position(|n| *n == name).map_or(0, |i| self.values[i].packets)
    }
}

/// `counter_names` and `counters` from a `counters: Counters<N>` field.
macro_rules! expose_counters {
    () => {
        fn counter_names(&self) -> &'static [&'static str] {
            self.counters.names()
        }
        fn counters(&self) -> &[nfc::runtime::RuleCounter] {
            self.counters.values()
        }
    };
}
pub(crate) use expose_counters;

/// Reads a 48-bit MAC address at `at` as the low bits of a `u64`.
#[inline]
pub(crate) fn mac_at(data: &[u8], at: usize) -> Option<u64> {
    let bytes = data.get(at..at + 6)?;
    Some(bytes.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// Whether a MAC address (as from `mac_at`) is a group address (multicast
/// or broadcast): the I/G bit, the least significant bit of the first octet.
#[inline]
pub(crate) const fn is_group(mac: u64) -> bool {
    mac & (1 << 40) != 0
}
