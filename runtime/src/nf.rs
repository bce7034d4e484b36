//! The one interface the driver loop calls for every packet.
//!
//! The loop is generic over `N: NetworkFunction`, so a call to `process` is a
//! direct, inlinable call: no trait objects or function pointers on the
//! per-packet path.

use crate::frame::Frame;

/// Index of a port (an 82599 PCI function) as the runtime numbers them: 0..N.
pub type PortId = u8;

/// Most ports one deployment can drive; `Outputs` is a bitmask of this width.
pub const MAX_PORTS: usize = 32;

/// Where a processed packet goes: a set of output ports.
///
/// Empty means drop, several bits mean multicast or flood, and the input port's
/// own bit sends the packet back where it came from (hairpin).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Outputs(u32);

impl Outputs {
    /// Send the packet nowhere.
    pub const DROP: Outputs = Outputs(0);

    /// Exactly one port.
    #[inline]
    pub const fn port(port: PortId) -> Outputs {
        Outputs(1 << port)
    }

    /// A raw bitmask, bit `i` for port `i`.
    #[inline]
    pub const fn from_bits(bits: u32) -> Outputs {
        Outputs(bits)
    }

    /// Every one of the first `port_count` ports.
    #[inline]
    pub const fn all(port_count: usize) -> Outputs {
        if port_count >= MAX_PORTS {
            Outputs(u32::MAX)
        } else {
            Outputs((1u32 << port_count) - 1)
        }
    }

    /// Every one of the first `port_count` ports except `input`.
    #[inline]
    pub const fn flood(input: PortId, port_count: usize) -> Outputs {
        Outputs(Outputs::all(port_count).0 & !(1 << input))
    }

    /// This set plus `port`.
    #[inline]
    #[must_use]
    pub const fn with(self, port: PortId) -> Outputs {
        Outputs(self.0 | (1 << port))
    }

    #[inline]
    pub const fn bits(self) -> u32 {
        self.0
    }

    #[inline]
    pub const fn contains(self, port: PortId) -> bool {
        self.0 & (1 << port) != 0
    }

    #[inline]
    pub const fn is_drop(self) -> bool {
        self.0 == 0
    }

    /// Number of ports in the set.
    #[inline]
    pub const fn count(self) -> u32 {
        self.0.count_ones()
    }

    /// The ports in the set, lowest first: one step per port in the set,
    /// not per possible port.
    #[inline]
    pub fn iter(self) -> impl Iterator<Item = PortId> {
        let mut rest = self.0;
        core::iter::from_fn(move || {
            if rest == 0 {
                return None;
            }
            let port = rest.trailing_zeros() as PortId;
            rest &= rest - 1;
            Some(port)
        })
    }
}

impl core::fmt::Debug for Outputs {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        if self.is_drop() {
            return f.write_str("Outputs(drop)");
        }
        f.debug_set().entries(self.iter()).finish()
    }
}

/// Packets and bytes that one rule (or table) of a network function matched.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct RuleCounter {
    pub packets: u64,
    pub bytes: u64,
}

impl RuleCounter {
    #[inline]
    pub fn record(&mut self, frame_len: usize) {
        self.packets += 1;
        self.bytes += frame_len as u64;
    }
}

/// A table built off the per-packet path, for `NetworkFunction::install_table`:
/// only the function that built it knows its type.
pub type LoadedTable = Box<dyn core::any::Any + Send>;

/// Builds loaded table `index` from the text of its file (named in errors):
/// the table, or every error in the file, one `file:line:column: error:
/// message` per line.
pub type TableBuilder = std::sync::Arc<dyn Fn(usize, &str, &str) -> Result<LoadedTable, String> + Send + Sync>;

/// A network function: looks at one frame, may rewrite it in place, and says
/// which ports it goes out on.
pub trait NetworkFunction {
    /// Decides the fate of one frame received on `input`.
    ///
    /// The frame may be rewritten and may grow or shrink (VLAN push/pop); the
    /// driver transmits `frame.len()` bytes on every port in the result.
    fn process(&mut self, input: PortId, frame: &mut Frame<'_>) -> Outputs;

    /// Names of the counters `counters` returns, in the same order.
    fn counter_names(&self) -> &'static [&'static str] {
        &[]
    }

    /// Per-rule counters, readable while the function runs.
    fn counters(&self) -> &[RuleCounter] {
        &[]
    }

    /// Whether the function keeps time (idle timeouts, token buckets). Only
    /// then do backends read a clock, once per burst, and call `set_time`.
    const USES_TIME: bool = false;

    /// Names of the tables whose entries are loaded from files when the
    /// binary starts (`--table NAME=FILE`) and again on SIGHUP, in index
    /// order.
    fn loaded_tables(&self) -> &'static [&'static str] {
        &[]
    }

    /// What reads and builds a loaded table from a file's text: all the
    /// work but the swap, callable on any thread, off the per-packet path.
    fn table_builder(&self) -> Option<TableBuilder> {
        None
    }

    /// Swaps in a table `table_builder` built (between bursts).
    fn install_table(&mut self, index: usize, table: LoadedTable) {
        let _ = (index, table);
    }

    /// The time of the packets that follow, in nanoseconds: a monotonic
    /// clock read once per burst on live backends, the packet's timestamp
    /// for capture files (so a capture run is deterministic). Never goes
    /// backwards across calls.
    #[inline]
    fn set_time(&mut self, now_ns: u64) {
        let _ = now_ns;
    }
}

/// Any closure is a network function, which keeps tests and small tools short.
impl<F> NetworkFunction for F
where
    F: FnMut(PortId, &mut Frame<'_>) -> Outputs,
{
    #[inline]
    fn process(&mut self, input: PortId, frame: &mut Frame<'_>) -> Outputs {
        self(input, frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flood_excludes_the_input_port_only() {
        let out = Outputs::flood(1, 4);
        assert_eq!(out.iter().collect::<Vec<_>>(), vec![0, 2, 3]);
        assert!(!out.contains(1));
        assert_eq!(out.count(), 3);
    }

    #[test]
    fn all_handles_the_full_width() {
        assert_eq!(Outputs::all(32).bits(), u32::MAX);
        assert_eq!(Outputs::all(0), Outputs::DROP);
        assert_eq!(Outputs::all(3).bits(), 0b111);
    }

    #[test]
    fn with_adds_ports_and_drop_is_empty() {
        assert!(Outputs::DROP.is_drop());
        let out = Outputs::port(0).with(5);
        assert!(out.contains(0) && out.contains(5) && !out.contains(1));
        assert_eq!(format!("{out:?}"), "{0, 5}");
    }
}
