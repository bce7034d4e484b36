//! A source NAT router between a private network (`inside`) and the
//! Internet (`outside`), on `runtime::state::Napt` (RFC 3022 NAPT; the
//! behaviour and its RFC 4787/5382/5508 choices are documented there).
//!
//! As a router it owns a MAC and an address on each side:
//! - On each side it answers ARP requests for its address there
//!   (`arp/answered`, RFC 826), and turns a packet whose TTL runs out into
//!   an ICMP time exceeded back to its sender from that address
//!   (`icmp/time_exceeded`; `drop/ttl` where RFC 1812 forbids the error).
//! - Inside, hosts use it as their gateway: frames addressed to its inside
//!   MAC (others: `drop/not_for_us`) carrying IPv4 are translated, their
//!   TTL decremented, and sent to the outside next hop (`gateway_mac`)
//!   from the outside MAC. The internal host's MAC is remembered per
//!   mapping, for the replies.
//! - Outside, frames to its outside MAC for the external address are
//!   translated back (no mapping: `drop/no_mapping`, silently) and sent to
//!   the internal host's MAC.
//! - Inside hosts reaching the external address itself (hairpinning,
//!   RFC 4787 REQ-9) are translated both ways and sent back inside.
//! - Not IPv4 (`drop/not_ipv4`: IPv6, ARP other than requests for its
//!   addresses), not translatable (`drop/untranslatable`), no free
//!   external port (`drop/full`), an ICMP error with a wrong checksum
//!   (`drop/bad_checksum`): dropped.

use super::{expose_counters, mac_at, Counters, EXPIRY_BUDGET};
use nfc::runtime::state::{random_seed, ExternalRange, FlowTimeouts, Napt, NatConfig, StateError, Translation};
use nfc::runtime::wire::{arp, icmp_error_in_place, IcmpError, Responder};
use nfc::runtime::{Frame, Headers, NetworkFunction, Outputs, PortId, TtlOutcome};

pub const INSIDE: PortId = 0;
pub const OUTSIDE: PortId = 1;

/// The router's addresses and the translation's settings.
#[derive(Clone, Debug)]
pub struct NatRouterConfig {
    pub inside_mac: u64,
    pub inside_address: u32,
    pub outside_mac: u64,
    /// The external address, also the router's own outside.
    pub outside_address: u32,
    /// The outside next hop every translated packet is sent to.
    pub gateway_mac: u64,
    /// External ports on `outside_address` (the capacity in mappings).
    pub first_port: u16,
    pub last_port: u16,
    pub timeouts: FlowTimeouts,
}

impl Default for NatRouterConfig {
    /// The example binary's (and the netns test's) network: inside
    /// 10.0.0.1/24 at 02:00:00:00:00:01, outside 203.0.113.1/24 at
    /// 02:00:00:00:00:02, next hop 02:00:00:00:00:12 (203.0.113.2), ports
    /// 1024-65535, the RFC timeouts.
    fn default() -> NatRouterConfig {
        NatRouterConfig {
            inside_mac: 0x0200_0000_0001,
            inside_address: 0x0a00_0001,
            outside_mac: 0x0200_0000_0002,
            outside_address: 0xcb00_7101,
            gateway_mac: 0x0200_0000_0012,
            first_port: 1024,
            last_port: 65535,
            timeouts: FlowTimeouts::RFC,
        }
    }
}

const NAMES: [&str; 15] = [
    "out/translated",
    "out/new_mapping",
    "out/related",
    "in/translated",
    "in/related",
    "hairpin",
    "drop/no_mapping",
    "drop/full",
    "drop/untranslatable",
    "drop/bad_checksum",
    "drop/ttl",
    "drop/not_for_us",
    "drop/not_ipv4",
    "arp/answered",
    "icmp/time_exceeded",
];
const OUT_TRANSLATED: usize = 0;
const OUT_NEW_MAPPING: usize = 1;
const OUT_RELATED: usize = 2;
const IN_TRANSLATED: usize = 3;
const IN_RELATED: usize = 4;
const HAIRPIN: usize = 5;
const DROP_NO_MAPPING: usize = 6;
const DROP_FULL: usize = 7;
const DROP_UNTRANSLATABLE: usize = 8;
const DROP_BAD_CHECKSUM: usize = 9;
const DROP_TTL: usize = 10;
const DROP_NOT_FOR_US: usize = 11;
const DROP_NOT_IPV4: usize = 12;
const ARP_ANSWERED: usize = 13;
const TIME_EXCEEDED: usize = 14;

pub struct NatRouter {
    config: NatRouterConfig,
    napt: Napt,
    /// The internal host's MAC per mapping slot.
    host_macs: Box<[u64]>,
    now: u64,
    counters: Counters<15>,
}

impl NatRouter {
    pub const PORTS: &'static [&'static str] = &["inside", "outside"];

    pub fn new(config: NatRouterConfig) -> Result<NatRouter, StateError> {
        NatRouter::with_seed(config, random_seed())
    }

    /// With a given seed (which decides the order external ports are used in).
    pub fn with_seed(config: NatRouterConfig, seed: u64) -> Result<NatRouter, StateError> {
        let napt = Napt::new(&NatConfig {
            external: vec![ExternalRange {
                address: config.outside_address,
                first_port: config.first_port,
                last_port: config.last_port,
            }],
            timeouts: config.timeouts,
            seed,
        })?;
        let host_macs = vec![0; napt.capacity()].into_boxed_slice();
        Ok(NatRouter { config, napt, host_macs, now: 0, counters: Counters::new(&NAMES) })
    }

    pub fn packets(&self, name: &str) -> u64 {
        self.counters.packets(name)
    }

    /// Mappings held (expired ones not yet reclaimed included).
    pub fn mappings(&self) -> usize {
        self.napt.len()
    }

    #[inline]
    fn outbound(&mut self, frame: &mut Frame<'_>, len: usize) -> Outputs {
        let headers = Headers::parse(frame.data());
        if let Some(outputs) = self.router_input(&headers, frame, len, INSIDE) {
            return outputs;
        }
        let data = frame.data_mut();
        let translation = self.napt.outbound(&headers, data, self.now);
        let (counter, index) = match translation {
            Translation::Mapped { index, new } => {
                if new {
                    self.counters.record(OUT_NEW_MAPPING, len);
                }
                (OUT_TRANSLATED, index)
            }
            Translation::Related { index } => (OUT_RELATED, index),
            other => return self.dropped(other, len),
        };
        let host_mac = mac_at(data, 6).unwrap_or(0);
        if let Some(slot) = self.host_macs.get_mut(index as usize) {
            *slot = host_mac;
        }
        if headers.ipv4_dst(data).is_some_and(|dst| self.napt.is_external(dst)) {
            return self.hairpin(&headers, data, len);
        }
        headers.set_eth_src(data, self.config.outside_mac);
        headers.set_eth_dst(data, self.config.gateway_mac);
        self.counters.count(counter, len, Outputs::port(OUTSIDE))
    }

    #[inline]
    fn inbound(&mut self, frame: &mut Frame<'_>, len: usize) -> Outputs {
        let headers = Headers::parse(frame.data());
        if let Some(outputs) = self.router_input(&headers, frame, len, OUTSIDE) {
            return outputs;
        }
        let data = frame.data_mut();
        if !headers.ipv4_dst(data).is_some_and(|dst| self.napt.is_external(dst)) {
            return self.counters.count(DROP_NOT_FOR_US, len, Outputs::DROP);
        }
        match self.napt.inbound(&headers, data, self.now) {
            Translation::Mapped { index, .. } => self.deliver_inside(&headers, data, index, IN_TRANSLATED, len),
            Translation::Related { index } => self.deliver_inside(&headers, data, index, IN_RELATED, len),
            other => self.dropped(other, len),
        }
    }

    /// A translated outbound packet addressed to the external address:
    /// translated inbound too, and sent back inside.
    #[inline]
    fn hairpin(&mut self, headers: &Headers, data: &mut [u8], len: usize) -> Outputs {
        match self.napt.inbound(headers, data, self.now) {
            Translation::Mapped { index, .. } | Translation::Related { index } => {
                self.deliver_inside(headers, data, index, HAIRPIN, len)
            }
            other => self.dropped(other, len),
        }
    }

    #[inline]
    fn deliver_inside(
        &mut self,
        headers: &Headers,
        data: &mut [u8],
        index: u32,
        counter: usize,
        len: usize,
    ) -> Outputs {
        let host_mac = self.host_macs.get(index as usize).copied().unwrap_or(0);
        headers.set_eth_src(data, self.config.inside_mac);
        headers.set_eth_dst(data, host_mac);
        self.counters.count(counter, len, Outputs::port(INSIDE))
    }

    /// A router's input on `port`: ARP requests for our address answered;
    /// then only IPv4 addressed to our MAC goes on, its TTL decremented
    /// (an expiring packet becomes an ICMP time exceeded back to its source).
    #[inline]
    fn router_input(&mut self, headers: &Headers, frame: &mut Frame<'_>, len: usize, port: PortId) -> Option<Outputs> {
        let (mac, address) = if port == INSIDE {
            (self.config.inside_mac, self.config.inside_address)
        } else {
            (self.config.outside_mac, self.config.outside_address)
        };
        if !headers.has_ipv4() {
            let answered = arp::answer_request(headers, frame.data_mut(), |ip| (ip == address).then_some(mac));
            return Some(match answered {
                Some(_) => self.counters.count(ARP_ANSWERED, len, Outputs::port(port)),
                None => self.counters.count(DROP_NOT_IPV4, len, Outputs::DROP),
            });
        }
        if headers.eth_dst(frame.data()) != Some(mac) {
            return Some(self.counters.count(DROP_NOT_FOR_US, len, Outputs::DROP));
        }
        match headers.decrement_ttl(frame.data_mut()) {
            TtlOutcome::Decremented => None,
            TtlOutcome::Expired | TtlOutcome::NotIp => {
                let responder = Responder { mac, ipv4: address, ipv6: 0 };
                Some(match icmp_error_in_place(frame, headers, IcmpError::TimeExceeded, &responder) {
                    Ok(()) => self.counters.count(TIME_EXCEEDED, len, Outputs::port(port)),
                    Err(_) => self.counters.count(DROP_TTL, len, Outputs::DROP),
                })
            }
        }
    }

    #[inline]
    fn dropped(&mut self, translation: Translation, len: usize) -> Outputs {
        let counter = match translation {
            Translation::Full => DROP_FULL,
            Translation::Untranslatable => DROP_UNTRANSLATABLE,
            Translation::BadChecksum => DROP_BAD_CHECKSUM,
            _ => DROP_NO_MAPPING,
        };
        self.counters.count(counter, len, Outputs::DROP)
    }
}

impl NetworkFunction for NatRouter {
    // Inlined into the driver's loop like a generated NF's, so the
    // comparison with nfc's code is fair (and .ci/loop-shape checks it).
    #[inline(always)]
    fn process(&mut self, input: PortId, frame: &mut Frame<'_>) -> Outputs {
        let len = frame.len();
        match input {
            INSIDE => self.outbound(frame, len),
            _ => self.inbound(frame, len),
        }
    }

    expose_counters!();

    const USES_TIME: bool = true;

    #[inline]
    fn set_time(&mut self, now_ns: u64) {
        self.now = now_ns;
        self.napt.expire(now_ns, EXPIRY_BUDGET);
    }
}
