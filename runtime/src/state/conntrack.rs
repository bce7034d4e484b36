//! Connection tracking for a stateful firewall: traffic from the protected
//! side opens flows, replies to them pass, anything else from outside is
//! dropped.
//!
//! [`ConnTracker::track`] decides per packet, given the side it came from:
//! - **Outbound** (protected side): a packet of a tracked flow updates it
//!   (`Tracked`); one of a new flow opens it (`Opened`): its origin is the
//!   protected side. Exceptions, which pass without opening anything
//!   (`Untracked`): packets without a flow key (ICMP errors, IPv4
//!   fragments after the first, IPv6 with extension headers, non-IP), a TCP
//!   RST of no tracked flow, and a packet of a tracked flow travelling in
//!   the reply direction (the protected host posing as the remote one).
//! - **Inbound**: passes only as a reply on a tracked flow (`Tracked`), or
//!   as an ICMP error whose quoted packet was sent by a tracked flow's
//!   protected host, addressed to that host (`Related`; it does not refresh
//!   the flow). Everything else is dropped: no flow (`Unsolicited`), a
//!   packet posing as the flow's origin from outside (`Unsolicited`), no
//!   flow key and not a related error (`Untrackable`).
//! - **TCP** (see `TcpState`): the flow's timeout class follows its phase
//!   (opening: transitory, 4 min; established: 2 h 4 min; FIN seen both
//!   ways: closing, 10 s by default); an RST from either side passes and
//!   removes the flow at once (`Closed`), so later packets of it are
//!   unsolicited inbound (and open a new flow outbound).
//! - **UDP**, ICMP echo and other protocols: one timeout each (5 min, 60 s
//!   by default), refreshed by packets in either direction.
//! - **Full** (`capacity` live flows): a new outbound flow is refused and
//!   its packet dropped (`Full`): passing it would be pointless, as its
//!   replies would be unsolicited. Tracked flows are never evicted for it.
//!
//! Flows are keyed by the symmetric 5-tuple, so one lookup serves both
//! directions; each flow remembers which orientation its origin had.

use super::flow_key::FlowKey;
use super::related::quoted_flow;
use super::tcp_state::{is_reset, TcpPhase, TcpState};
use super::timeouts::FlowTimeouts;
use super::{EntryId, FlowTable, StateError, TableStats};
use crate::wire::{ip_protocol, Headers};

/// Which side a packet comes from.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Direction {
    /// From the protected side: may open flows.
    Outbound,
    /// From outside: only replies and related errors pass.
    Inbound,
}

/// The tracker's decision about one packet.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Verdict {
    /// Pass: the packet opened a flow.
    Opened,
    /// Pass: a packet of a tracked flow.
    Tracked,
    /// Pass: a TCP RST; its flow is gone.
    Closed,
    /// Pass: an ICMP error about a tracked flow.
    Related,
    /// Pass: outbound, without state.
    Untracked,
    /// Drop: inbound, not a reply to a tracked flow.
    Unsolicited,
    /// Drop: outbound, a new flow, and the table is full of live flows.
    Full,
    /// Drop: inbound, no flow key, not a related ICMP error.
    Untrackable,
}

impl Verdict {
    #[inline]
    pub const fn passes(self) -> bool {
        matches!(self, Verdict::Opened | Verdict::Tracked | Verdict::Closed | Verdict::Related | Verdict::Untracked)
    }
}

#[derive(Clone, Copy, Debug, Default)]
struct Connection {
    /// Whether the origin's packets have the reversed (non-canonical) key.
    origin_swapped: bool,
    tcp: TcpState,
}

/// A connection tracker of fixed capacity.
#[derive(Clone, Debug)]
pub struct ConnTracker {
    table: FlowTable<FlowKey, Connection>,
}

impl ConnTracker {
    pub fn new(capacity: usize, timeouts: FlowTimeouts, seed: u64) -> Result<ConnTracker, StateError> {
        Ok(ConnTracker { table: FlowTable::new(capacity, &timeouts.classes(), seed)? })
    }

    /// Decides about the packet `data` (parsed as `headers`) coming from
    /// `direction` at `now`; see the module documentation.
    #[inline]
    pub fn track(&mut self, headers: &Headers, data: &[u8], direction: Direction, now: u64) -> Verdict {
        let Some(key) = FlowKey::from_headers(headers, data) else {
            return match direction {
                Direction::Outbound => Verdict::Untracked,
                Direction::Inbound => self.related(headers, data, now),
            };
        };
        let flags = headers.tcp_flags(data);
        let (canonical, swapped) = key.symmetric();
        let Some(id) = self.table.find(&canonical, now) else {
            return match direction {
                Direction::Inbound => Verdict::Unsolicited,
                Direction::Outbound if flags.is_some_and(is_reset) => Verdict::Untracked,
                Direction::Outbound => self.open(canonical, swapped, flags, now),
            };
        };
        let from_origin = swapped == self.table.value(id).origin_swapped;
        match (direction, from_origin) {
            (Direction::Inbound, true) => Verdict::Unsolicited,
            (Direction::Outbound, false) => Verdict::Untracked,
            _ => self.update(id, flags, from_origin, now),
        }
    }

    #[inline]
    fn open(&mut self, canonical: FlowKey, swapped: bool, flags: Option<u8>, now: u64) -> Verdict {
        let (tcp, class) = match flags {
            Some(flags) => {
                let tcp = TcpState::first(flags);
                (tcp, tcp.phase().class())
            }
            None => (TcpState::default(), FlowTimeouts::class_of_protocol(canonical.protocol)),
        };
        match self.table.find_or_insert(canonical, class, now, || Connection { origin_swapped: swapped, tcp }) {
            Ok(_) => Verdict::Opened,
            Err(_) => Verdict::Full,
        }
    }

    #[inline]
    fn update(&mut self, id: EntryId, flags: Option<u8>, from_origin: bool, now: u64) -> Verdict {
        let Some(flags) = flags else {
            self.table.touch(id, now);
            return Verdict::Tracked;
        };
        match self.table.value_mut(id).tcp.update(flags, from_origin) {
            TcpPhase::Reset => {
                self.table.remove(id);
                Verdict::Closed
            }
            phase => {
                self.table.set_class(id, phase.class(), now);
                Verdict::Tracked
            }
        }
    }

    /// An inbound packet without a flow key: an ICMP error about a tracked
    /// flow whose protected host sent the quoted packet and is the error's
    /// destination passes.
    #[inline]
    fn related(&mut self, headers: &Headers, data: &[u8], now: u64) -> Verdict {
        let Some(quoted) = quoted_flow(headers, data) else { return Verdict::Untrackable };
        let destination =
            if headers.has_ipv4() { headers.ipv4_dst(data).map(super::ipv4_mapped) } else { headers.ipv6_dst(data) };
        if destination != Some(quoted.key.src) {
            return Verdict::Unsolicited;
        }
        let (canonical, swapped) = quoted.key.symmetric();
        match self.table.find(&canonical, now) {
            Some(id) if self.table.value(id).origin_swapped == swapped => Verdict::Related,
            _ => Verdict::Unsolicited,
        }
    }

    /// Reclaims up to `budget` expired flows (once per burst).
    #[inline]
    pub fn expire(&mut self, now: u64, budget: usize) -> usize {
        self.table.expire(now, budget)
    }

    /// Flows held (expired ones not yet reclaimed included).
    #[inline]
    pub fn len(&self) -> usize {
        self.table.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    #[inline]
    pub fn capacity(&self) -> usize {
        self.table.capacity()
    }

    #[inline]
    pub fn stats(&self) -> TableStats {
        self.table.stats()
    }

    /// Whether a flow is tracked for `key` (either orientation) at `now`.
    pub fn is_tracked(&mut self, key: &FlowKey, now: u64) -> bool {
        self.table.find(&key.symmetric().0, now).is_some()
    }
}

/// Whether an ICMPv6 message is neighbour discovery (RFC 4861 types
/// 133-137: router and neighbour solicitation and advertisement, redirect),
/// which a firewall must let through both ways for IPv6 to work on a link.
#[inline]
pub fn is_neighbor_discovery(headers: &Headers, data: &[u8]) -> bool {
    headers.has_ipv6()
        && headers.ip_proto(data) == Some(ip_protocol::ICMPV6)
        && headers.icmp_type(data).is_some_and(|t| (133..=137).contains(&t))
}
