//! IPv6 extension-header chains built from the input's bytes: any mix of
//! Hop-by-Hop, Destination Options, Segment Routing, Fragment (first or
//! later), AH, ESP and No Next Header, of any length, past the bounds or cut
//! short, in front of TCP, UDP, ICMPv6 or another protocol.
//!
//! Oracles: the builder's own bookkeeping (where the upper layer starts, or
//! that the chain must be `bad`) against `Headers::parse`; etherparse's walk
//! to the same upper layer where it can walk; the attack bench `deny_telnet`
//! (generated code and interpreter, byte for byte) drops every TCP/23 packet
//! that is not a later fragment; and `rewrite` keeps every checksum right as
//! etherparse recomputes it (with the final destination), or drops.

use crate::targets::Target;
use etherparse::{Icmpv6Slice, NetSlice, SlicedPacket, TcpSlice, UdpSlice};
use nfc_compiler::interp::Interpreter;
use nfc_examples::bench::{DenyTelnet, Rewrite};
use nfc_examples::process_copy;
use nfc_runtime::wire::checksum;
use nfc_runtime::wire::ipv6_ext::{ext, frag, next_header, MAX_EXT_BYTES, MAX_EXT_HEADERS};
use nfc_runtime::Headers;
use std::hash::{DefaultHasher, Hash, Hasher};

const SOURCE: u128 = 0xfd00 << 112 | 1;
const DESTINATION: u128 = 0xfd00 << 112 | 2;
/// The fixed header's destination when a Routing header has segments left.
const NEXT_HOP: u128 = 0x2001_0db8 << 96 | 0xaa;
const L3: usize = 14;
const CHAIN: usize = L3 + 40;
/// Inputs describe at most this many headers (past the bound on purpose).
const MOST_HEADERS: usize = 12;

/// What the builder knows about the packet it built.
#[derive(Debug, Default)]
struct Built {
    frame: Vec<u8>,
    /// The upper layer's protocol and where it starts, if parse must find it.
    upper: Option<(u8, usize)>,
    /// The chain cannot be walked: `bad`.
    bad: bool,
    later: bool,
    /// The final destination the upper-layer checksum covers.
    final_destination: u128,
    telnet: bool,
}

fn checksum_at(protocol: u8) -> Option<usize> {
    match protocol {
        6 => Some(16),
        17 => Some(6),
        58 => Some(2),
        _ => None,
    }
}

/// The packet the input describes.
fn build(data: &[u8]) -> Built {
    let mut bytes = data.iter().copied();
    let mut next = || bytes.next().unwrap_or(0);
    let (shape, cut, cut_at) = (next(), next(), next());
    let upper: u8 = [6, 17, 58, 47][usize::from(shape & 3)];
    let telnet = upper == 6 && shape & 4 != 0;
    let mut upper_bytes = match upper {
        6 => {
            let mut tcp = vec![0x04, 0x00, 0, if telnet { 23 } else { 80 }, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x18];
            tcp.extend_from_slice(&[0xff, 0xff, 0, 0, 0, 0]);
            tcp
        }
        17 => vec![0x04, 0x00, 0, 53, 0, 12, 0, 0],
        58 => vec![128, 0, 0, 0, 0, 1, 0, 1],
        _ => vec![0; 8],
    };
    upper_bytes.extend_from_slice(&[0xa5; 4]);
    if upper == 17 {
        let len = upper_bytes.len() as u16;
        upper_bytes[4..6].copy_from_slice(&len.to_be_bytes());
    }

    let mut built = Built { final_destination: DESTINATION, telnet, ..Built::default() };
    let mut headers: Vec<(u8, Vec<u8>)> = Vec::new();
    let mut ended_by: Option<u8> = None;
    for _ in 0..MOST_HEADERS {
        let (kind, argument) = (next(), next());
        if kind == 0 && argument == 0 {
            break;
        }
        let (number, mut body) = match kind % 8 {
            0 | 1 => {
                let number = if kind % 8 == 0 { next_header::HOP_BY_HOP } else { next_header::DESTINATION_OPTIONS };
                (number, vec![0u8; (usize::from(argument % 4) + 1) * 8])
            }
            2 => {
                // Segment Routing with 1 to 3 segments, the first (the final
                // destination) the packet's own, maybe one left.
                let segments = usize::from(argument % 3) + 1;
                let mut routing = vec![0u8; 8 + 16 * segments];
                routing[1] = (2 * segments) as u8;
                routing[2] = 4;
                routing[3] = argument >> 7;
                routing[8..24].copy_from_slice(&DESTINATION.to_be_bytes());
                (next_header::ROUTING, routing)
            }
            3 => {
                let offset = if argument & 1 == 0 { 0u16 } else { u16::from(argument >> 1) + 1 };
                let mut fragment = vec![0u8; 8];
                fragment[2..4].copy_from_slice(&(offset << 3 | 1).to_be_bytes());
                (next_header::FRAGMENT, fragment)
            }
            4 => {
                // Payload Len 0 is malformed; odd values keep 8-byte alignment.
                let words = if argument == 0 { 0 } else { (argument % 4) * 2 + 1 };
                let mut ah = vec![0u8; (usize::from(words) + 2) * 4];
                ah[1] = words;
                (next_header::AH, ah)
            }
            5 => (next_header::ESP, Vec::new()),
            6 => (next_header::NO_NEXT_HEADER, Vec::new()),
            // Any other upper layer (not one the walk would skip).
            _ if matches!(argument, 0 | 43 | 44 | 51 | 60) => (253, Vec::new()),
            _ => (argument, Vec::new()),
        };
        if matches!(number, 0 | 43 | 44 | 51 | 60) {
            if number != next_header::AH {
                body[1] = (body.len() / 8 - 1) as u8;
            }
            headers.push((number, body));
        } else {
            ended_by = Some(number);
            break;
        }
    }
    let last = ended_by.unwrap_or(upper);
    built.telnet &= ended_by.is_none();

    // The chain's bytes; the first terminating header decides the rest.
    let mut chain = Vec::new();
    let mut walked = None;
    for (i, (number, header)) in headers.iter().enumerate() {
        let mut header = header.clone();
        header[0] = headers.get(i + 1).map_or(last, |(n, _)| *n);
        chain.extend_from_slice(&header);
        if walked.is_some() {
            continue;
        }
        if i + 1 > MAX_EXT_HEADERS || chain.len() > MAX_EXT_BYTES || (*number == next_header::AH && header[1] == 0) {
            walked = Some(false);
            continue;
        }
        if *number == next_header::FRAGMENT {
            let later = u16::from_be_bytes([header[2], header[3]]) >> 3 != 0;
            built.later |= later;
            if later {
                walked = Some(true);
                built.upper = Some((header[0], CHAIN + chain.len()));
            }
        }
    }
    let routed = headers.iter().any(|(n, h)| *n == next_header::ROUTING && h[3] != 0);
    match walked {
        Some(false) => built.bad = true,
        Some(true) => {}
        None => built.upper = Some((last, CHAIN + chain.len())),
    }

    // The upper layer's checksum over the final destination.
    if let Some(at) = checksum_at(upper) {
        let pseudo = checksum::pseudo_header_ipv6(SOURCE, built.final_destination, upper, upper_bytes.len() as u32);
        let mut sum = checksum::checksum_with(pseudo, &upper_bytes);
        if sum == 0 && upper == 17 {
            sum = 0xffff;
        }
        upper_bytes[at..at + 2].copy_from_slice(&sum.to_be_bytes());
    }
    let mut frame = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x86, 0xdd, 0x60, 0, 0, 0];
    frame.extend_from_slice(&((chain.len() + upper_bytes.len()) as u16).to_be_bytes());
    frame.extend_from_slice(&[headers.first().map_or(last, |(n, _)| *n), 64]);
    frame.extend_from_slice(&SOURCE.to_be_bytes());
    frame.extend_from_slice(&(if routed { NEXT_HOP } else { DESTINATION }).to_be_bytes());
    frame.extend_from_slice(&chain);
    frame.extend_from_slice(&upper_bytes);

    // Cut short: the frame or the payload length ends early.
    if cut % 4 == 1 {
        let end = CHAIN + usize::from(cut_at) % (chain.len() + upper_bytes.len() + 1);
        frame.truncate(end);
    } else if cut % 4 == 2 {
        let payload = usize::from(cut_at) % (chain.len() + upper_bytes.len() + 1);
        frame[L3 + 4..L3 + 6].copy_from_slice(&(payload as u16).to_be_bytes());
    }
    if cut % 4 == 1 || cut % 4 == 2 {
        // A cut packet is dropped by its receiver: TCP/23 in it goes nowhere.
        built.telnet = false;
        let available = if cut % 4 == 1 {
            frame.len() - CHAIN
        } else {
            usize::from(u16::from_be_bytes([frame[L3 + 4], frame[L3 + 5]]))
        };
        // A header cut by the end is bad; a cut upper layer is merely absent.
        let mut at = 0;
        for (_, header) in headers.iter().take(MAX_EXT_HEADERS) {
            if built.upper.is_some_and(|(_, start)| start <= CHAIN + at) {
                break;
            }
            at += header.len();
            if at > available {
                built.bad = true;
                built.upper = None;
                break;
            }
        }
    }
    built.frame = frame;
    built
}

fn hash(value: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

/// Whether the TCP, UDP or ICMPv6 checksum of an unfragmented or first
/// fragment frame holds, as etherparse recomputes it over `destination`.
fn upper_checksum_holds(frame: &[u8], destination: u128) -> Option<bool> {
    let sliced = SlicedPacket::from_ethernet(frame).ok()?;
    let Some(NetSlice::Ipv6(ip)) = sliced.net.as_ref() else { return None };
    let (source, destination) = (ip.header().source(), destination.to_be_bytes());
    let payload = ip.payload().payload;
    match ip.payload().ip_number.0 {
        6 => TcpSlice::from_slice(payload).ok().map(|tcp| {
            let header = tcp.to_header();
            header.calc_checksum_ipv6_raw(source, destination, tcp.payload()).ok() == Some(header.checksum)
        }),
        17 => UdpSlice::from_slice(payload).ok().map(|udp| {
            let header = udp.to_header();
            header.calc_checksum_ipv6_raw(source, destination, udp.payload()).ok() == Some(header.checksum)
        }),
        58 => Icmpv6Slice::from_slice(payload).ok().map(|icmp| {
            icmp.icmp_type().calc_checksum(source, destination, icmp.payload()).ok() == Some(icmp.checksum())
        }),
        _ => None,
    }
}

pub struct Ipv6Chains {
    deny: (DenyTelnet, Interpreter),
    rewrite: (Rewrite, Interpreter),
}

impl Ipv6Chains {
    pub fn new() -> Ipv6Chains {
        let spec = |name: &str| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../examples/specs/{name}.toml"));
            nfc_compiler::compile_file(&path).unwrap_or_else(|e| panic!("{name}: {e:?}")).spec
        };
        Ipv6Chains {
            deny: (DenyTelnet::new(), Interpreter::new(&spec("deny_telnet"))),
            rewrite: (Rewrite::new(), Interpreter::new(&spec("rewrite"))),
        }
    }
}

impl Default for Ipv6Chains {
    fn default() -> Self {
        Self::new()
    }
}

impl Target for Ipv6Chains {
    fn name(&self) -> String {
        "ipv6-chain".into()
    }
    fn seeds(&self) -> Vec<Vec<u8>> {
        vec![
            vec![4, 0, 0],
            vec![4, 0, 0, 0, 1, 1, 1, 2, 1, 3, 0, 4, 1],
            vec![4, 0, 0, 2, 0x80],
            vec![4, 0, 0, 3, 5],
            vec![4, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0],
            vec![5, 1, 30, 0, 3, 2, 1, 3, 0],
            vec![6, 2, 9, 4, 0],
            vec![4, 0, 0, 5, 0],
            vec![4, 0, 0, 7, 135],
        ]
    }
    fn max_len(&self) -> usize {
        3 + 2 * MOST_HEADERS
    }
    fn run(&mut self, data: &[u8]) -> u64 {
        let built = build(data);
        let frame = &built.frame;
        let headers = Headers::parse(frame);
        let chain = headers.ipv6_ext(frame).expect("an IPv6 header");
        assert_eq!(chain & ext::BAD != 0, built.bad, "bad chain on {frame:02x?}");
        if !built.bad {
            let (protocol, start) = built.upper.expect("the builder knows where the upper layer is");
            assert_eq!(headers.ip_proto(frame), Some(protocol), "upper-layer protocol of {frame:02x?}");
            if let Some(l4) = headers.l4_offset() {
                assert_eq!(l4, start, "upper-layer offset of {frame:02x?}");
            }
            let fragment = headers.ip_frag(frame).unwrap();
            assert_eq!(fragment == frag::LATER, built.later, "fragment state of {frame:02x?}");
            // etherparse walks to the same place where it can (a complete
            // packet, Hop-by-Hop only first); it does not stop at a later
            // fragment's Fragment header.
            if !built.later {
                if let Ok(SlicedPacket { net: Some(NetSlice::Ipv6(ip)), .. }) = SlicedPacket::from_ethernet(frame) {
                    let payload = ip.payload().payload;
                    let offset = payload.as_ptr() as usize - frame.as_ptr() as usize;
                    assert_eq!((ip.payload().ip_number.0, offset), (protocol, start), "etherparse on {frame:02x?}");
                }
            }
        } else {
            assert_eq!((headers.ip_proto(frame), headers.l4_offset()), (None, None), "a bad chain has no upper layer");
        }

        let deny = process_copy(&mut self.deny.0, 0, frame);
        assert_eq!(deny, process_copy(&mut self.deny.1, 0, frame), "deny_telnet: generated and interpreter differ");
        if built.telnet && !built.later {
            assert_eq!(deny.0, 0, "TCP/23 got through deny_telnet: {frame:02x?}");
        }
        let rewritten = process_copy(&mut self.rewrite.0, 0, frame);
        assert_eq!(rewritten, process_copy(&mut self.rewrite.1, 0, frame), "rewrite: generated and interpreter differ");
        let held = if built.later { None } else { upper_checksum_holds(frame, built.final_destination) };
        if rewritten.0 != 0 && held == Some(true) {
            // Source-routed: the checksum keeps the final destination.
            let routed = frame[L3 + 24..L3 + 40] == NEXT_HOP.to_be_bytes();
            let destination = if routed {
                built.final_destination
            } else {
                u128::from_be_bytes(rewritten.1[L3 + 24..L3 + 40].try_into().unwrap())
            };
            assert_eq!(
                upper_checksum_holds(&rewritten.1, destination),
                Some(true),
                "rewrite broke a checksum: {frame:02x?}"
            );
        }
        hash((chain, headers.ip_frag(frame), headers.l4_offset().is_some(), deny.0, rewritten.0 == 0, built.telnet))
    }
}
