//! The frames the model generates when no capture is replayed: one per
//! protocol of the mix and frame size, built once at start and valid to the
//! last checksum.
//!
//! Every frame goes from 02:00:00:00:00:01 to 02:00:00:00:00:02, over IPv4
//! from 10.0.0.1 to 10.0.0.2 (IPv6: 2001:db8::1 to 2001:db8::2, RFC 3849),
//! TTL or hop limit 64; TCP and UDP from port 1024 to 80 (TCP: an ACK,
//! sequence 1, window 65535), ICMP an echo request (identifier 1, sequence
//! 1), ARP a request (RFC 826) from 10.0.0.1 for 10.0.0.2 to the broadcast
//! address. Payloads (ARP: padding) are zeros.

use crate::wire::checksum;
use std::fmt;

/// A protocol the generator can send.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Protocol {
    Udp,
    Tcp,
    Icmp,
    Arp,
    Udp6,
    Tcp6,
    Icmp6,
}

const NAMES: [(&str, Protocol); 7] = [
    ("udp", Protocol::Udp),
    ("tcp", Protocol::Tcp),
    ("icmp", Protocol::Icmp),
    ("arp", Protocol::Arp),
    ("udp6", Protocol::Udp6),
    ("tcp6", Protocol::Tcp6),
    ("icmp6", Protocol::Icmp6),
];

/// The largest weight of one protocol: the generated frames are kept in
/// one list, a protocol appearing `weight` times per size.
pub const MAX_WEIGHT: u32 = 100;
/// Frame sizes are capped to a full Ethernet frame without CRC.
pub const MAX_FRAME: usize = 1514;

const SRC_MAC: [u8; 6] = [2, 0, 0, 0, 0, 1];
const DST_MAC: [u8; 6] = [2, 0, 0, 0, 0, 2];
const SRC_IP: u32 = 0x0a00_0001;
const DST_IP: u32 = 0x0a00_0002;
const SRC_IP6: u128 = 0x2001_0db8_0000_0000_0000_0000_0000_0001;
const DST_IP6: u128 = 0x2001_0db8_0000_0000_0000_0000_0000_0002;
const SRC_PORT: u16 = 1024;
const DST_PORT: u16 = 80;
const TTL: u8 = 64;

impl Protocol {
    pub fn name(self) -> &'static str {
        NAMES.iter().find(|(_, p)| *p == self).map_or("?", |(name, _)| name)
    }

    /// Its headers' length: the smallest frame of this protocol.
    pub fn min_size(self) -> usize {
        match self {
            Protocol::Udp | Protocol::Icmp => 14 + 20 + 8,
            Protocol::Tcp => 14 + 20 + 20,
            Protocol::Arp => 14 + 28,
            Protocol::Udp6 | Protocol::Icmp6 => 14 + 40 + 8,
            Protocol::Tcp6 => 14 + 40 + 20,
        }
    }

    /// A frame of this protocol, `size` bytes without CRC (raised to the
    /// headers' length, capped at 1514).
    pub fn frame(self, size: usize) -> Vec<u8> {
        let size = size.clamp(self.min_size(), MAX_FRAME.max(self.min_size()));
        let mut frame = vec![0u8; size];
        frame[..6].copy_from_slice(&DST_MAC);
        frame[6..12].copy_from_slice(&SRC_MAC);
        match self {
            Protocol::Arp => {
                frame[..6].fill(0xff);
                frame[12..14].copy_from_slice(&[0x08, 0x06]);
                // Ethernet, IPv4, lengths 6 and 4, request.
                frame[14..22].copy_from_slice(&[0, 1, 0x08, 0x00, 6, 4, 0, 1]);
                frame[22..28].copy_from_slice(&SRC_MAC);
                frame[28..32].copy_from_slice(&SRC_IP.to_be_bytes());
                // Target hardware address unknown: zeros.
                frame[38..42].copy_from_slice(&DST_IP.to_be_bytes());
            }
            Protocol::Udp | Protocol::Tcp | Protocol::Icmp => {
                let l4_protocol = match self {
                    Protocol::Udp => 17,
                    Protocol::Tcp => 6,
                    _ => 1,
                };
                frame[12..14].copy_from_slice(&[0x08, 0x00]);
                let ip_len = (size - 14) as u16;
                let ip = &mut frame[14..34];
                // Version 4, 20-byte header; Don't Fragment.
                ip[..12].copy_from_slice(&[0x45, 0, 0, 0, 0, 0, 0x40, 0, TTL, l4_protocol, 0, 0]);
                ip[2..4].copy_from_slice(&ip_len.to_be_bytes());
                ip[12..16].copy_from_slice(&SRC_IP.to_be_bytes());
                ip[16..20].copy_from_slice(&DST_IP.to_be_bytes());
                let sum = checksum::checksum(ip);
                ip[10..12].copy_from_slice(&sum.to_be_bytes());
                let pseudo = checksum::pseudo_header_ipv4(SRC_IP, DST_IP, l4_protocol, ip_len - 20);
                write_l4(self, &mut frame[34..], pseudo);
            }
            Protocol::Udp6 | Protocol::Tcp6 | Protocol::Icmp6 => {
                let next_header = match self {
                    Protocol::Udp6 => 17,
                    Protocol::Tcp6 => 6,
                    _ => 58,
                };
                frame[12..14].copy_from_slice(&[0x86, 0xdd]);
                let payload_len = (size - 54) as u16;
                let ip = &mut frame[14..54];
                ip[0] = 0x60;
                ip[4..6].copy_from_slice(&payload_len.to_be_bytes());
                ip[6] = next_header;
                ip[7] = TTL;
                ip[8..24].copy_from_slice(&SRC_IP6.to_be_bytes());
                ip[24..40].copy_from_slice(&DST_IP6.to_be_bytes());
                let pseudo = checksum::pseudo_header_ipv6(SRC_IP6, DST_IP6, next_header, u32::from(payload_len));
                write_l4(self, &mut frame[54..], pseudo);
            }
        }
        frame
    }
}

/// Writes the layer-4 header at the start of `message` (the rest is the
/// payload) and its checksum over `pseudo` and the whole message.
fn write_l4(protocol: Protocol, message: &mut [u8], pseudo: u32) {
    let checksum_at = match protocol {
        Protocol::Udp | Protocol::Udp6 => {
            message[..4].copy_from_slice(&[
                (SRC_PORT >> 8) as u8,
                SRC_PORT as u8,
                (DST_PORT >> 8) as u8,
                DST_PORT as u8,
            ]);
            let len = message.len() as u16;
            message[4..6].copy_from_slice(&len.to_be_bytes());
            6
        }
        Protocol::Tcp | Protocol::Tcp6 => {
            message[..4].copy_from_slice(&[
                (SRC_PORT >> 8) as u8,
                SRC_PORT as u8,
                (DST_PORT >> 8) as u8,
                DST_PORT as u8,
            ]);
            // Sequence 1, acknowledgment 1, 20-byte header, ACK, window 65535.
            message[4..16].copy_from_slice(&[0, 0, 0, 1, 0, 0, 0, 1, 0x50, 0x10, 0xff, 0xff]);
            16
        }
        Protocol::Icmp => {
            // Echo request (RFC 792): type 8, identifier 1, sequence 1; no pseudo-header.
            message[..8].copy_from_slice(&[8, 0, 0, 0, 0, 1, 0, 1]);
            let sum = checksum::checksum(message);
            message[2..4].copy_from_slice(&sum.to_be_bytes());
            return;
        }
        Protocol::Icmp6 => {
            // Echo request (RFC 4443 §4.1): type 128, over the pseudo-header.
            message[..8].copy_from_slice(&[128, 0, 0, 0, 0, 1, 0, 1]);
            2
        }
        Protocol::Arp => unreachable!("ARP has no layer 4"),
    };
    let mut sum = checksum::checksum_with(pseudo, message);
    if sum == 0 && matches!(protocol, Protocol::Udp | Protocol::Udp6) {
        // Zero means "no checksum" in UDP (RFC 768); all ones is the same sum.
        sum = 0xffff;
    }
    message[checksum_at..checksum_at + 2].copy_from_slice(&sum.to_be_bytes());
}

/// One entry of `--model-mix`: a protocol and how many of its frames per
/// size, relative to the others.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MixEntry {
    pub protocol: Protocol,
    pub weight: u32,
}

impl MixEntry {
    /// Parses `PROTOCOL` or `PROTOCOL:WEIGHT` (weight 1 to 100).
    pub fn parse(text: &str) -> Result<MixEntry, String> {
        let (name, weight) = match text.split_once(':') {
            Some((name, weight)) => {
                let weight = weight.parse::<u32>().ok().filter(|w| (1..=MAX_WEIGHT).contains(w)).ok_or_else(|| {
                    format!("found weight `{weight}`, expected a whole number from 1 to {MAX_WEIGHT}")
                })?;
                (name, weight)
            }
            None => (text, 1),
        };
        let names: Vec<&str> = NAMES.iter().map(|(n, _)| *n).collect();
        let protocol = NAMES
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, p)| *p)
            .ok_or_else(|| format!("found protocol `{name}`, expected one of {}", names.join(", ")))?;
        Ok(MixEntry { protocol, weight })
    }
}

impl fmt::Display for MixEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.protocol.name(), self.weight)
    }
}

/// The frames offered on every port, in this order and cycled: for each
/// size, each protocol of the mix `weight` times in a row. An empty mix is
/// UDP alone; no sizes is 60 bytes.
pub fn generated_frames(mix: &[MixEntry], sizes: &[usize]) -> Vec<Vec<u8>> {
    let udp = [MixEntry { protocol: Protocol::Udp, weight: 1 }];
    let mix = if mix.is_empty() { &udp[..] } else { mix };
    let sizes = if sizes.is_empty() { &[60][..] } else { sizes };
    let mut frames = Vec::new();
    for &size in sizes {
        for entry in mix {
            let frame = entry.protocol.frame(size);
            frames.extend(std::iter::repeat_n(frame, entry.weight as usize));
        }
    }
    frames
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_entries_parse_with_and_without_weights() {
        assert_eq!(MixEntry::parse("tcp"), Ok(MixEntry { protocol: Protocol::Tcp, weight: 1 }));
        assert_eq!(MixEntry::parse("ICMP6:7"), Ok(MixEntry { protocol: Protocol::Icmp6, weight: 7 }));
        assert_eq!(
            MixEntry::parse("gre").unwrap_err(),
            "found protocol `gre`, expected one of udp, tcp, icmp, arp, udp6, tcp6, icmp6"
        );
        assert_eq!(MixEntry::parse("udp:0").unwrap_err(), "found weight `0`, expected a whole number from 1 to 100");
        assert!(MixEntry::parse("udp:x").is_err());
        assert!(MixEntry::parse("udp:101").is_err());
    }

    #[test]
    fn frames_follow_sizes_then_weighted_protocols() {
        let mix = [MixEntry::parse("udp:2").unwrap(), MixEntry::parse("arp").unwrap()];
        let frames = generated_frames(&mix, &[60, 200]);
        let summary: Vec<(usize, [u8; 2])> = frames.iter().map(|f| (f.len(), [f[12], f[13]])).collect();
        let (ip, arp) = ([8, 0], [8, 6]);
        assert_eq!(summary, [(60, ip), (60, ip), (60, arp), (200, ip), (200, ip), (200, arp)]);
        // Sizes below the headers are raised to them, above 1514 capped.
        assert_eq!(Protocol::Tcp6.frame(10).len(), 74);
        assert_eq!(Protocol::Icmp.frame(9000).len(), 1514);
    }
}
