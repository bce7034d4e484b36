//! Network address and port translation (NAPT, RFC 3022 §2.2) of IPv4
//! source addresses: hosts inside share the external addresses; each
//! internal endpoint gets an external port while it is in use.
//!
//! # Behaviour (RFC 4787 for UDP, RFC 5382 for TCP, RFC 5508 for ICMP)
//!
//! - **Mapping**: endpoint-independent (RFC 4787 REQ-1, RFC 5382 REQ-1):
//!   one mapping per internal (address, port, protocol), whatever the
//!   destination. The "port" of an ICMP echo request is its identifier
//!   (RFC 5508 REQ-2); the echo reply carries it back.
//! - **Ports** come from the configured ranges (per external address); the
//!   mapping's slot in the index allocator *is* its external (address,
//!   port), so reverse translation needs no hash lookup and a port is never
//!   handed to two mappings (no port overloading, RFC 4787 REQ-3). Ports are
//!   handed out in an order drawn from the seed at construction, then
//!   least recently freed first (RFC 6056's concern: not predictable, not
//!   reused soon). No port preservation or parity, and **arbitrary address
//!   pooling** (RFC 4787 REQ-2 recommends paired: with several external
//!   addresses, one host's mappings may use different ones).
//! - **Filtering**: endpoint-independent (RFC 4787 REQ-8 and RFC 5382 REQ-3
//!   allow it, for transparency): once a mapping exists, any remote host may
//!   send to it. Packets to an external port without a live mapping of their
//!   protocol are dropped silently (RFC 5382 REQ-4: never answered).
//! - **Refresh**: packets in both directions refresh a mapping (RFC 4787
//!   REQ-6 requires outbound refresh; inbound is allowed).
//! - **Timeouts** (`FlowTimeouts::RFC`): UDP 5 min (REQ-5), ICMP query 60 s
//!   (RFC 5508 REQ-1), TCP established 2 h 4 min and transitory (SYN one
//!   way, FIN both ways, or RST) 4 min (RFC 5382 REQ-5). TCP state is kept
//!   per mapping (see `TcpState`), exact when an internal endpoint has one
//!   connection at a time, as clients do. A TCP RST without a mapping is
//!   dropped rather than opening one.
//! - **Hairpinning** (RFC 4787 REQ-9, RFC 5382 REQ-2) is the caller's: an
//!   outbound packet to an external address is translated outbound, then
//!   inbound ([`Napt::is_external`]).
//! - **ICMP errors** (RFC 5508 REQ-3, RFC 5382 REQ-6) are translated both
//!   ways: an inbound error quoting an outbound-translated packet goes to
//!   the internal host with the quote translated back; an outbound error
//!   from an internal host quoting an inbound-translated packet leaves with
//!   the external address. The quoted IP header checksum and the quoted
//!   TCP/UDP/ICMP checksum (when quoted) are updated incrementally, the
//!   ICMP checksum recomputed (errors are rare; the original is verified
//!   first, so a corrupt error is not made valid). Errors do not refresh.
//! - **Full** (every external port of the ranges in a live mapping): a new
//!   internal endpoint is refused and its packet dropped, counted; live
//!   mappings are never evicted (that would break their connections).
//! - Not translated (dropped, `Untranslatable`): non-IPv4, IPv4 fragments
//!   after the first (no ports; RFC 4787 REQ-14 asks for fragment handling
//!   this NAT does not do), protocols other than TCP, UDP and ICMP, ICMP
//!   other than echo and the errors above, inbound echo requests.
//!
//! Checksums: TCP and UDP through the pseudo-header and the port, a UDP
//! checksum of 0 (none) stays 0, ICMP echo through the identifier; all
//! incremental (RFC 1624).

use super::flow_key::{icmp_echo_id, ipv4_of};
use super::related::{is_icmp_error, outer_ip_end, quoted_flow, QuotedFlow};
use super::tcp_state::{is_reset, TcpState};
use super::timeouts::FlowTimeouts;
use super::{HashIndex, IndexAllocator, KeyHasher, StateError, TableKey};
use crate::wire::{checksum, ip_protocol, Headers};

const ICMP_ECHO_REPLY: u8 = 0;
const ICMP_ECHO_REQUEST: u8 = 8;

/// External ports `first..=last` on `address`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExternalRange {
    pub address: u32,
    pub first_port: u16,
    pub last_port: u16,
}

/// NAT settings.
#[derive(Clone, Debug)]
pub struct NatConfig {
    /// The external port ranges; their total size is the NAT's capacity.
    pub external: Vec<ExternalRange>,
    pub timeouts: FlowTimeouts,
    /// Hash seed and port order; use `random_seed()` in deployments (never
    /// 0). Seed 0 hands ports out in order, the first of the first range
    /// first: for tests that expect a port.
    pub seed: u64,
}

/// An internal (address, port, protocol); for ICMP echo the port is the
/// identifier.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Hash)]
pub struct Endpoint {
    pub address: u32,
    pub port: u16,
    pub protocol: u8,
}

impl TableKey for Endpoint {
    #[inline]
    fn hash_with(&self, seed: u64) -> u64 {
        let word = (u64::from(self.address) << 24) | (u64::from(self.port) << 8) | u64::from(self.protocol);
        KeyHasher::new(seed).word(word).finish()
    }
}

/// What the NAT did with a packet.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Translation {
    /// Translated with the mapping in slot `index` (< capacity; new or not).
    Mapped { index: u32, new: bool },
    /// An ICMP error about the mapping in slot `index`, translated.
    Related { index: u32 },
    /// Drop: no live mapping for it (inbound), or an outbound TCP RST
    /// without one.
    NoMapping,
    /// Drop: a new mapping was needed and every external port is in use.
    Full,
    /// Drop: not something this NAT translates (see the module documentation).
    Untranslatable,
    /// Drop: an ICMP error whose checksum is wrong.
    BadChecksum,
}

impl Translation {
    /// The mapping slot, when the packet was translated.
    #[inline]
    pub const fn index(self) -> Option<u32> {
        match self {
            Translation::Mapped { index, .. } | Translation::Related { index } => Some(index),
            _ => None,
        }
    }
}

/// Events since construction.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct NatStats {
    pub mappings_created: u64,
    pub mappings_expired: u64,
    pub refused_full: u64,
}

#[derive(Clone, Copy, Debug, Default)]
struct Mapping {
    internal: Endpoint,
    external_address: u32,
    external_port: u16,
    tcp: TcpState,
}

#[derive(Clone, Copy, Debug)]
struct Range {
    address: u32,
    first_port: u16,
    last_port: u16,
    first_index: u32,
}

/// Source NAPT of fixed capacity (the size of the external port ranges).
#[derive(Clone, Debug)]
pub struct Napt {
    /// One slot per external (address, port), holding its mapping.
    allocator: IndexAllocator<Mapping>,
    internal: HashIndex,
    ranges: Box<[Range]>,
    seed: u64,
    stats: NatStats,
}

impl Napt {
    pub fn new(config: &NatConfig) -> Result<Napt, StateError> {
        if config.external.is_empty() {
            return Err(StateError::Invalid("found no external port range, expected at least one".into()));
        }
        let mut ranges: Vec<Range> = Vec::new();
        let mut capacity = 0usize;
        for r in &config.external {
            if r.first_port == 0 || r.first_port > r.last_port {
                return Err(StateError::Invalid(format!(
                    "found external ports {}-{}, expected 1 <= first <= last",
                    r.first_port, r.last_port
                )));
            }
            if ranges
                .iter()
                .any(|o| o.address == r.address && r.first_port <= o.last_port && o.first_port <= r.last_port)
            {
                return Err(StateError::Invalid(format!(
                    "found overlapping external port ranges on {}, expected disjoint ones",
                    std::net::Ipv4Addr::from(r.address)
                )));
            }
            ranges.push(Range {
                address: r.address,
                first_port: r.first_port,
                last_port: r.last_port,
                first_index: capacity as u32,
            });
            capacity += usize::from(r.last_port - r.first_port) + 1;
        }
        let mut allocator: IndexAllocator<Mapping> = IndexAllocator::new(capacity, &config.timeouts.classes())?;
        // Seed 0 keeps ports in order, first port first (deterministic tests).
        if config.seed != 0 {
            allocator.shuffle_free(config.seed);
        }
        for range in &ranges {
            for port in range.first_port..=range.last_port {
                let m = allocator.payload_mut(range.first_index + u32::from(port - range.first_port));
                m.external_address = range.address;
                m.external_port = port;
            }
        }
        Ok(Napt {
            allocator,
            internal: HashIndex::with_capacity(capacity),
            ranges: ranges.into_boxed_slice(),
            seed: config.seed,
            stats: NatStats::default(),
        })
    }

    /// External ports in all (the most mappings at once).
    #[inline]
    pub fn capacity(&self) -> usize {
        self.allocator.capacity()
    }

    /// Mappings held (expired ones not yet reclaimed included).
    #[inline]
    pub fn len(&self) -> usize {
        self.allocator.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.allocator.is_empty()
    }

    #[inline]
    pub fn stats(&self) -> NatStats {
        self.stats
    }

    /// Whether `address` is one of the external addresses.
    #[inline]
    pub fn is_external(&self, address: u32) -> bool {
        self.ranges.iter().any(|r| r.address == address)
    }

    /// The internal endpoint of a live mapping slot.
    #[inline]
    pub fn internal_of(&self, index: u32) -> Option<Endpoint> {
        self.allocator.is_allocated(index).then(|| self.allocator.payload(index).internal)
    }

    /// The external (address, port) of a mapping slot.
    #[inline]
    pub fn external_of(&self, index: u32) -> Option<(u32, u16)> {
        (index < self.allocator.capacity() as u32).then(|| {
            let m = self.allocator.payload(index);
            (m.external_address, m.external_port)
        })
    }

    /// The slot of external (address, port).
    #[inline]
    fn slot_of(&self, address: u32, port: u16) -> Option<u32> {
        let r = self.ranges.iter().find(|r| r.address == address && (r.first_port..=r.last_port).contains(&port))?;
        Some(r.first_index + u32::from(port - r.first_port))
    }

    /// The live mapping of an internal endpoint (an expired one is reclaimed).
    #[inline]
    fn find_internal(&mut self, endpoint: &Endpoint, now: u64) -> Option<u32> {
        let hash = endpoint.hash_with(self.seed);
        let slots = &self.allocator;
        let index = self.internal.find(hash, |i| slots.payload(i).internal == *endpoint)?;
        if self.allocator.is_expired(index, now) {
            self.release(index);
            return None;
        }
        Some(index)
    }

    /// The live mapping in `slot` for `protocol` (an expired one is reclaimed).
    #[inline]
    fn find_external(&mut self, slot: u32, protocol: u8, now: u64) -> Option<u32> {
        if !self.allocator.is_allocated(slot) {
            return None;
        }
        if self.allocator.is_expired(slot, now) {
            self.release(slot);
            return None;
        }
        (self.allocator.payload(slot).internal.protocol == protocol).then_some(slot)
    }

    #[inline]
    fn release(&mut self, index: u32) {
        let endpoint = self.allocator.payload(index).internal;
        self.internal.remove(endpoint.hash_with(self.seed), index);
        self.allocator.free(index);
        self.stats.mappings_expired += 1;
    }

    /// A new mapping for `endpoint`, or `None` when every port is in use.
    #[inline]
    fn create(&mut self, endpoint: Endpoint, class: u8, tcp: TcpState, now: u64) -> Option<u32> {
        let index = match self.allocator.allocate(class, now) {
            Some(index) => index,
            None => {
                let expired = self.allocator.expired(now)?;
                self.release(expired);
                self.allocator.allocate(class, now)?
            }
        };
        let mapping = self.allocator.payload_mut(index);
        mapping.internal = endpoint;
        mapping.tcp = tcp;
        self.internal.insert(endpoint.hash_with(self.seed), index);
        self.stats.mappings_created += 1;
        Some(index)
    }

    /// Refreshes a mapping for a packet with TCP `flags` (if TCP).
    #[inline]
    fn refresh(&mut self, index: u32, flags: Option<u8>, outbound: bool, now: u64) {
        match flags {
            Some(flags) => {
                let phase = self.allocator.payload_mut(index).tcp.update(flags, outbound);
                self.allocator.reclass(index, phase.class(), now);
            }
            None => self.allocator.touch(index, now),
        }
    }

    /// Translates a packet from inside: source address and port (or echo
    /// identifier) to the mapping's external ones, creating the mapping if
    /// needed; or an ICMP error from an internal host.
    #[inline]
    pub fn outbound(&mut self, headers: &Headers, data: &mut [u8], now: u64) -> Translation {
        let Some((src, protocol, port, flags)) = self.endpoint_fields(headers, data, true) else {
            return self.outbound_error(headers, data, now);
        };
        let endpoint = Endpoint { address: src, port, protocol };
        let (index, new) = match self.find_internal(&endpoint, now) {
            Some(index) => {
                self.refresh(index, flags, true, now);
                (index, false)
            }
            None => {
                if flags.is_some_and(is_reset) {
                    return Translation::NoMapping;
                }
                let (tcp, class) = match flags {
                    Some(flags) => {
                        let tcp = TcpState::first(flags);
                        (tcp, tcp.phase().class())
                    }
                    None => (TcpState::default(), FlowTimeouts::class_of_protocol(protocol)),
                };
                let Some(index) = self.create(endpoint, class, tcp, now) else {
                    self.stats.refused_full += 1;
                    return Translation::Full;
                };
                (index, true)
            }
        };
        let m = *self.allocator.payload(index);
        rewrite_endpoint(headers, data, protocol, true, m.external_address, m.external_port);
        Translation::Mapped { index, new }
    }

    /// Translates a packet from outside to an external address: destination
    /// address and port (or echo identifier) back to the internal endpoint;
    /// or an ICMP error about an outbound-translated packet.
    #[inline]
    pub fn inbound(&mut self, headers: &Headers, data: &mut [u8], now: u64) -> Translation {
        let Some((dst, protocol, port, flags)) = self.endpoint_fields(headers, data, false) else {
            return self.inbound_error(headers, data, now);
        };
        let Some(index) = self.slot_of(dst, port).and_then(|slot| self.find_external(slot, protocol, now)) else {
            return Translation::NoMapping;
        };
        self.refresh(index, flags, false, now);
        let internal = self.allocator.payload(index).internal;
        rewrite_endpoint(headers, data, protocol, false, internal.address, internal.port);
        Translation::Mapped { index, new: false }
    }

    /// (address, protocol, port, TCP flags) of the inside endpoint of a
    /// packet: its source when `outbound`, else its destination. `None`
    /// for what is not TCP, UDP or the right ICMP echo over unfragmented
    /// (or first-fragment) IPv4.
    #[inline]
    fn endpoint_fields(&self, headers: &Headers, data: &[u8], outbound: bool) -> Option<(u32, u8, u16, Option<u8>)> {
        let address = if outbound { headers.ipv4_src(data)? } else { headers.ipv4_dst(data)? };
        if headers.has_tcp() {
            let port = if outbound { headers.tcp_src(data)? } else { headers.tcp_dst(data)? };
            return Some((address, ip_protocol::TCP, port, headers.tcp_flags(data)));
        }
        if headers.has_udp() {
            let port = if outbound { headers.udp_src(data)? } else { headers.udp_dst(data)? };
            return Some((address, ip_protocol::UDP, port, None));
        }
        let echo = if outbound { ICMP_ECHO_REQUEST } else { ICMP_ECHO_REPLY };
        if headers.icmp_type(data)? == echo {
            return Some((address, ip_protocol::ICMP, icmp_echo_id(headers, data)?, None));
        }
        None
    }

    /// An ICMP error from inside about a packet that came in through a
    /// mapping: the quote's destination is the internal endpoint.
    #[inline]
    fn outbound_error(&mut self, headers: &Headers, data: &mut [u8], now: u64) -> Translation {
        let Some((quoted, src)) = self.quoted_ipv4(headers, data) else { return Translation::Untranslatable };
        let Some(internal) = ipv4_of(quoted.key.dst) else { return Translation::Untranslatable };
        if src != internal {
            return Translation::NoMapping;
        }
        let endpoint = Endpoint { address: internal, port: quoted.key.dst_port, protocol: quoted.key.protocol };
        let Some(index) = self.find_internal(&endpoint, now) else { return Translation::NoMapping };
        if !icmp_checksum_ok(headers, data) {
            return Translation::BadChecksum;
        }
        let m = *self.allocator.payload(index);
        headers.set_ipv4_src(data, m.external_address);
        rewrite_quote(data, &quoted, false, m.external_address, m.external_port);
        refill_icmp_checksum(headers, data);
        Translation::Related { index }
    }

    /// An ICMP error from outside about a packet that left through a
    /// mapping: the quote's source is the external endpoint.
    #[inline]
    fn inbound_error(&mut self, headers: &Headers, data: &mut [u8], now: u64) -> Translation {
        let Some((quoted, _)) = self.quoted_ipv4(headers, data) else { return Translation::Untranslatable };
        let Some(external) = ipv4_of(quoted.key.src) else { return Translation::Untranslatable };
        if headers.ipv4_dst(data) != Some(external) {
            return Translation::NoMapping;
        }
        let Some(index) = self
            .slot_of(external, quoted.key.src_port)
            .and_then(|slot| self.find_external(slot, quoted.key.protocol, now))
        else {
            return Translation::NoMapping;
        };
        if !icmp_checksum_ok(headers, data) {
            return Translation::BadChecksum;
        }
        let internal = self.allocator.payload(index).internal;
        headers.set_ipv4_dst(data, internal.address);
        rewrite_quote(data, &quoted, true, internal.address, internal.port);
        refill_icmp_checksum(headers, data);
        Translation::Related { index }
    }

    /// The quote of an ICMPv4 error about a TCP, UDP or ICMP echo packet,
    /// and the error's source address.
    #[inline]
    fn quoted_ipv4(&self, headers: &Headers, data: &[u8]) -> Option<(QuotedFlow, u32)> {
        if !headers.has_ipv4() || !is_icmp_error(headers, data) {
            return None;
        }
        let quoted = quoted_flow(headers, data)?;
        let portful = matches!(quoted.key.protocol, ip_protocol::TCP | ip_protocol::UDP | ip_protocol::ICMP);
        (quoted.ipv4 && portful).then_some((quoted, headers.ipv4_src(data)?))
    }

    /// Reclaims up to `budget` expired mappings (once per burst).
    #[inline]
    pub fn expire(&mut self, now: u64, budget: usize) -> usize {
        let mut done = 0;
        while done < budget {
            let Some(index) = self.allocator.expired(now) else { break };
            self.release(index);
            done += 1;
        }
        done
    }
}

/// Writes the inside endpoint's address and port (or echo identifier): the
/// source when `source`, else the destination. One RFC 1624 update per
/// checksum for both fields: the IPv4 header checksum for the address; the
/// TCP or UDP checksum for the address (pseudo-header) and the port
/// together (a UDP checksum of 0 stays 0, a result of 0 is stored as
/// `0xffff`); the ICMP checksum for the identifier.
#[inline]
fn rewrite_endpoint(headers: &Headers, data: &mut [u8], protocol: u8, source: bool, address: u32, port: u16) {
    let (Some(l3), Some(l4)) = (headers.l3_offset(), headers.l4_offset()) else { return };
    let address_at = l3 + if source { 12 } else { 16 };
    let port_at = match protocol {
        ip_protocol::TCP | ip_protocol::UDP => l4 + if source { 0 } else { 2 },
        _ => l4 + 4,
    };
    let (Some(old_address), Some(old_port)) = (read32(data, address_at), read16(data, port_at)) else { return };
    let checksum_at = match protocol {
        ip_protocol::TCP => l4 + 16,
        ip_protocol::UDP => l4 + 6,
        _ => l4 + 2,
    };
    if checksum_at + 2 > data.len() {
        return;
    }
    write_bytes(data, address_at, &address.to_be_bytes());
    write_bytes(data, port_at, &port.to_be_bytes());
    update_checksum_at(data, l3 + 10, false, |c| checksum::update32(c, old_address, address));
    let words = |v: u32| (v >> 16) + (v & 0xffff);
    let port_delta = u32::from(!old_port) + u32::from(port);
    let delta = match protocol {
        ip_protocol::TCP | ip_protocol::UDP => words(!old_address) + words(address) + port_delta,
        // ICMP has no pseudo-header: only the identifier.
        _ => port_delta,
    };
    update_checksum_at(data, checksum_at, protocol == ip_protocol::UDP, |c| !checksum::fold(u32::from(!c) + delta));
}

#[inline]
fn read16(data: &[u8], at: usize) -> Option<u16> {
    data.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]))
}

/// Rewrites the quoted packet's source (`source`) or destination address
/// and port, updating the quoted IPv4 header checksum and the quoted
/// TCP/UDP (pseudo-header and port) or ICMP echo (identifier) checksum when
/// the quote holds it. The outer ICMP checksum is the caller's.
#[inline]
fn rewrite_quote(data: &mut [u8], quoted: &QuotedFlow, source: bool, address: u32, port: u16) {
    let address_at = quoted.ip_at + if source { 12 } else { 16 };
    let Some(old_address) = read32(data, address_at) else { return };
    write_bytes(data, address_at, &address.to_be_bytes());
    update_checksum_at(data, quoted.ip_at + 10, false, |c| checksum::update32(c, old_address, address));
    let l4 = quoted.l4_at;
    // Where the quoted layer 4 keeps its checksum, if quoted at all.
    let (checksum_at, udp, pseudo) = match quoted.key.protocol {
        ip_protocol::TCP => (l4 + 16, false, true),
        ip_protocol::UDP => (l4 + 6, true, true),
        _ => (l4 + 2, false, false),
    };
    let l4_checksum = (checksum_at + 2 <= l4 + quoted.l4_len).then_some((checksum_at, udp));
    if pseudo {
        if let Some((at, udp)) = l4_checksum {
            update_checksum_at(data, at, udp, |c| checksum::update32(c, old_address, address));
        }
        replace16(data, l4 + if source { 0 } else { 2 }, port, l4_checksum);
    } else {
        // ICMP echo: the identifier.
        replace16(data, l4 + 4, port, l4_checksum);
    }
}

/// Whether the ICMP message (to the end of the outer IP packet) sums right.
#[inline]
fn icmp_checksum_ok(headers: &Headers, data: &[u8]) -> bool {
    match (headers.l4_offset(), outer_ip_end(headers, data)) {
        (Some(l4), Some(end)) if l4 < end => data.get(l4..end).is_some_and(checksum::verify),
        _ => false,
    }
}

#[inline]
fn refill_icmp_checksum(headers: &Headers, data: &mut [u8]) {
    let (Some(l4), Some(end)) = (headers.l4_offset(), outer_ip_end(headers, data)) else { return };
    // `outer_ip_end` is within `data`, so `get_mut` finds the message.
    let Some(icmp) = data.get_mut(l4..end) else { return };
    let Some(sum_field) = icmp.get_mut(2..4) else { return };
    sum_field.fill(0);
    let value = checksum::checksum(icmp);
    if let Some(sum_field) = icmp.get_mut(2..4) {
        sum_field.copy_from_slice(&value.to_be_bytes());
    }
}

/// Replaces the 16-bit word at `at`, updating the checksum at `checksum`
/// (and whether it is UDP's, where 0 means none) incrementally.
#[inline]
fn replace16(data: &mut [u8], at: usize, value: u16, checksum: Option<(usize, bool)>) {
    let Some(old) = data.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]])) else { return };
    write_bytes(data, at, &value.to_be_bytes());
    if let Some((checksum_at, udp)) = checksum {
        update_checksum_at(data, checksum_at, udp, |c| checksum::update16(c, old, value));
    }
}

#[inline]
fn update_checksum_at(data: &mut [u8], at: usize, udp: bool, update: impl FnOnce(u16) -> u16) {
    let Some(bytes) = data.get_mut(at..at + 2) else { return };
    let old = u16::from_be_bytes([bytes[0], bytes[1]]);
    if udp && old == 0 {
        return;
    }
    let mut new = update(old);
    if udp && new == 0 {
        new = 0xffff;
    }
    bytes.copy_from_slice(&new.to_be_bytes());
}

#[inline]
fn read32(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

#[inline]
fn write_bytes(data: &mut [u8], at: usize, bytes: &[u8]) {
    if let Some(slot) = data.get_mut(at..at + bytes.len()) {
        slot.copy_from_slice(bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn napt(ranges: &[(u32, u16, u16)]) -> Result<Napt, StateError> {
        Napt::new(&NatConfig {
            external: ranges
                .iter()
                .map(|&(address, first_port, last_port)| ExternalRange { address, first_port, last_port })
                .collect(),
            timeouts: FlowTimeouts::RFC,
            seed: 1,
        })
    }

    #[test]
    fn ranges_are_checked_and_sized() {
        assert!(napt(&[]).is_err());
        assert!(napt(&[(1, 0, 10)]).is_err());
        assert!(napt(&[(1, 10, 9)]).is_err());
        assert!(napt(&[(1, 10, 20), (1, 20, 30)]).is_err());
        let nat = napt(&[(1, 10, 20), (2, 10, 20), (1, 21, 21)]).unwrap();
        assert_eq!(nat.capacity(), 23);
        assert_eq!(nat.external_of(22), Some((1, 21)));
        assert_eq!(nat.slot_of(2, 15), Some(16));
        assert_eq!((nat.slot_of(3, 15), nat.slot_of(1, 22)), (None, None));
        assert!(nat.is_external(2) && !nat.is_external(3));
    }
}
