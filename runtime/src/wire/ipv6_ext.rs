//! IPv6 extension headers (RFC 8200 §4) and the bounded walk over a chain of
//! them that finds the upper-layer header.
//!
//! # The walk
//!
//! [`walk`] starts at the fixed header's Next Header and skips, by their own
//! length rules:
//!
//! - Hop-by-Hop Options (0), Routing (43) and Destination Options (60):
//!   `(Hdr Ext Len + 1) * 8` bytes (RFC 8200 §4.3, §4.4, §4.6);
//! - Fragment (44): 8 bytes (§4.5);
//! - Authentication Header (51): `(Payload Len + 2) * 4` bytes (RFC 4302
//!   §2.2), at least its 12-byte fixed part.
//!
//! Anything else ends the chain: it is the upper-layer protocol (TCP, UDP,
//! ICMPv6, or one nfc does not parse). ESP (50) and No Next Header (59) end it
//! too, with nothing readable after them. A Fragment header with a non-zero
//! offset ends it as well: what follows is the middle of someone else's
//! datagram, and its Next Header is the upper-layer protocol of that datagram
//! (as Open vSwitch's `nw_proto` reports for later fragments).
//!
//! The walk is bounded: at most [`MAX_EXT_HEADERS`] extension headers and
//! [`MAX_EXT_BYTES`] bytes of them. A chain past either bound, a header that
//! runs past the IPv6 payload (the payload length or the frame, whichever
//! ends first), or an AH shorter than its fixed part is [`ext::BAD`]: the
//! upper layer is then unknown, so no layer-4 field is present and
//! `ip.proto` is absent. A spec sees this as `ipv6.ext` with the `bad` bit set,
//! and can drop it.
//!
//! # What the walk reports
//!
//! The flags of `ipv6.ext`, with the bit values of OpenFlow 1.3's
//! `OXM_OF_IPV6_EXTHDR` (so `ovs-ofctl`/OpenFlow users read them the same way)
//! plus `BAD`. `UNREP` and `UNSEQ` follow RFC 8200 §4.1: each extension header
//! at most once, except Destination Options at most twice (once before a
//! Routing header, once before the upper layer), in the order Hop-by-Hop,
//! Destination Options, Routing, Fragment, AH, ESP, Destination Options;
//! Hop-by-Hop only directly after the fixed header. Receivers reject some of
//! these (Linux drops a Hop-by-Hop header that is not first); a spec may want
//! to drop all of them.

/// Next Header values of the extension headers the walk knows (IANA
/// "Assigned Internet Protocol Numbers").
pub mod next_header {
    pub const HOP_BY_HOP: u8 = 0;
    pub const ROUTING: u8 = 43;
    pub const FRAGMENT: u8 = 44;
    pub const ESP: u8 = 50;
    pub const AH: u8 = 51;
    pub const NO_NEXT_HEADER: u8 = 59;
    pub const DESTINATION_OPTIONS: u8 = 60;
}

/// Bits of `ipv6.ext`. The first nine are OpenFlow 1.3's
/// `OFPIEH_*` values (OpenFlow Switch Specification 1.3, §7.2.3.8).
pub mod ext {
    /// A No Next Header (59) ended the chain.
    pub const NONEXT: u16 = 1 << 0;
    /// An Encapsulating Security Payload header ended the chain.
    pub const ESP: u16 = 1 << 1;
    /// An Authentication Header.
    pub const AH: u16 = 1 << 2;
    /// A Destination Options header (one or two).
    pub const DEST: u16 = 1 << 3;
    /// A Fragment header.
    pub const FRAG: u16 = 1 << 4;
    /// A Routing header.
    pub const ROUTE: u16 = 1 << 5;
    /// A Hop-by-Hop Options header.
    pub const HOP: u16 = 1 << 6;
    /// An extension header more often than RFC 8200 §4.1 allows.
    pub const UNREP: u16 = 1 << 7;
    /// Extension headers out of RFC 8200 §4.1's order, or Hop-by-Hop not first.
    pub const UNSEQ: u16 = 1 << 8;
    /// The walk could not reach the upper layer: too many headers, too many
    /// bytes, a header cut by the end of the payload, or a malformed one.
    pub const BAD: u16 = 1 << 9;
    /// Every bit.
    pub const ALL: u16 = (1 << 10) - 1;
}

/// Values of `ip.frag`, for IPv4 and IPv6 alike.
pub mod frag {
    /// Not a fragment.
    pub const NONE: u8 = 0;
    /// A first fragment (offset 0, more to come; over IPv6 also an atomic
    /// fragment, RFC 6946) whose upper-layer header is complete.
    pub const FIRST: u8 = 1;
    /// A first fragment whose upper-layer header is not all there: a TCP, UDP
    /// or ICMP header cut short (the tiny-fragment attack of RFC 1858), or
    /// over IPv6 a header chain that does not reach the upper layer (which
    /// RFC 7112 forbids). Its ports and flags are absent, so no rule on them
    /// can match it: a spec must drop it explicitly.
    pub const TINY: u8 = 2;
    /// A fragment with a non-zero offset: no layer-4 header at all.
    pub const LATER: u8 = 3;
}

/// The most extension headers the walk skips.
pub const MAX_EXT_HEADERS: usize = 8;
/// The most bytes of extension headers the walk skips. Real chains are far
/// shorter (a Hop-by-Hop, a Fragment and an AH header are 8 + 8 + 24 bytes;
/// a Segment Routing header with 14 segments 232); the bound keeps the whole
/// parse within a fixed number of steps and every offset small.
pub const MAX_EXT_BYTES: usize = 256;

/// What [`walk`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Chain {
    /// `ext::*` bits.
    pub flags: u16,
    /// `frag::NONE`, `frag::FIRST` or `frag::LATER` (whether a first fragment
    /// is `TINY` depends on its upper-layer header, which the caller parses).
    pub fragment: u8,
    /// The upper-layer protocol, `None` when the chain is `BAD`.
    pub protocol: Option<u8>,
    /// Where the upper-layer header starts, relative to the start of the
    /// chain (meaningless unless `protocol` is known and the packet is not a
    /// later fragment).
    pub upper: usize,
    /// A Routing header with Segments Left > 0 was seen: the Destination
    /// Address is an intermediate node, not the final destination that the
    /// upper-layer checksum's pseudo-header covers (RFC 8200 §8.1).
    pub destination_not_final: bool,
}

/// RFC 8200 §4.1's order, as a rank per header; a later header with a lower
/// rank than one already seen is out of sequence.
fn rank(header: u8, after_routing_or_later: bool) -> u8 {
    match header {
        next_header::HOP_BY_HOP => 0,
        // Destination Options come before a Routing header or last.
        next_header::DESTINATION_OPTIONS if !after_routing_or_later => 1,
        next_header::ROUTING => 2,
        next_header::FRAGMENT => 3,
        next_header::AH => 4,
        next_header::ESP => 5,
        _ => 6,
    }
}

/// Walks the extension headers of an IPv6 payload. `first` is the fixed
/// header's Next Header; `payload` is the IPv6 payload, already cut to the
/// payload length and the frame. Never reads outside `payload`.
#[inline]
pub fn walk(first: u8, payload: &[u8]) -> Chain {
    let mut chain = Chain::default();
    let mut next = first;
    let mut at = 0usize;
    let mut count = 0usize;
    // Rank of the furthest header seen, and how often each rank occurred.
    let mut highest = 0u8;
    let mut seen = [0u8; 7];
    loop {
        let flag = match next {
            next_header::HOP_BY_HOP => ext::HOP,
            next_header::ROUTING => ext::ROUTE,
            next_header::DESTINATION_OPTIONS => ext::DEST,
            next_header::FRAGMENT => ext::FRAG,
            next_header::AH => ext::AH,
            end => {
                chain.flags |= end_flag(end);
                chain.protocol = Some(end);
                chain.upper = at;
                return chain;
            }
        };
        chain.flags |= flag;
        let len = match next {
            next_header::FRAGMENT => Some(8),
            // An AH of 8 bytes (Payload Len 0) cannot hold its next header,
            // length, reserved, SPI and sequence number (12 bytes).
            next_header::AH => {
                payload.get(at + 1).filter(|&&words| words > 0).map(|&words| (usize::from(words) + 2) * 4)
            }
            _ => payload.get(at + 1).map(|&units| (usize::from(units) + 1) * 8),
        };
        count += 1;
        let within = |len: &usize| count <= MAX_EXT_HEADERS && at + len <= MAX_EXT_BYTES;
        // Every extension header is at least 8 bytes; the pattern takes the
        // bytes read below without an index that could panic.
        let header = len.filter(within).and_then(|len| payload.get(at..at + len));
        let Some(&[next_byte, _, offset_high, offset_low, ..]) = header else { return bad(chain) };
        let len = header.map_or(0, <[u8]>::len);
        // Order and repeats (RFC 8200 §4.1).
        let r = rank(next, highest >= 2);
        if r < highest || (next == next_header::HOP_BY_HOP && count > 1) {
            chain.flags |= ext::UNSEQ;
        }
        highest = highest.max(r);
        if let Some(times) = seen.get_mut(usize::from(r)) {
            *times += 1;
            if *times > 1 {
                chain.flags |= ext::UNREP;
            }
        }
        next = next_byte;
        match flag {
            // Segments Left is byte 3.
            ext::ROUTE if offset_low != 0 => chain.destination_not_final = true,
            ext::FRAG => {
                let offset = u16::from_be_bytes([offset_high, offset_low]) >> 3;
                if offset != 0 {
                    // The walk stops at a later fragment, but the header it
                    // names is known and flagged as at the chain's end.
                    chain.fragment = frag::LATER;
                    chain.flags |= end_flag(next);
                    chain.protocol = Some(next);
                    chain.upper = at + len;
                    return chain;
                }
                chain.fragment = frag::FIRST;
            }
            _ => {}
        }
        at += len;
    }
}

/// The flag of a header that ends a chain: ESP and No Next Header have
/// their own; an upper-layer protocol has none.
fn end_flag(next: u8) -> u16 {
    match next {
        next_header::ESP => ext::ESP,
        next_header::NO_NEXT_HEADER => ext::NONEXT,
        _ => 0,
    }
}

fn bad(mut chain: Chain) -> Chain {
    chain.flags |= ext::BAD;
    chain.protocol = None;
    chain
}

#[cfg(test)]
mod tests {
    use super::*;
    use next_header::*;

    /// An extension header of `len` bytes (a multiple of 8) naming `next`.
    fn options(next: u8, len: usize) -> Vec<u8> {
        let mut header = vec![0u8; len];
        header[0] = next;
        header[1] = (len / 8 - 1) as u8;
        header
    }

    fn fragment(next: u8, offset: u16, more: bool) -> Vec<u8> {
        let [a, b] = (offset << 3 | u16::from(more)).to_be_bytes();
        vec![next, 0, a, b, 0, 0, 0, 7]
    }

    fn ah(next: u8, words: u8) -> Vec<u8> {
        let mut header = vec![0u8; (usize::from(words) + 2) * 4];
        header[0] = next;
        header[1] = words;
        header
    }

    const TCP: u8 = 6;

    #[test]
    fn no_extension_headers() {
        let chain = walk(TCP, &[0; 20]);
        assert_eq!(chain, Chain { protocol: Some(TCP), ..Chain::default() });
    }

    #[test]
    fn each_header_alone_is_skipped() {
        for (first, header, flag) in [
            (HOP_BY_HOP, options(TCP, 8), ext::HOP),
            (ROUTING, options(TCP, 24), ext::ROUTE),
            (DESTINATION_OPTIONS, options(TCP, 16), ext::DEST),
            (FRAGMENT, fragment(TCP, 0, true), ext::FRAG),
            (AH, ah(TCP, 4), ext::AH),
        ] {
            let len = header.len();
            let mut payload = header;
            payload.extend_from_slice(&[0; 20]);
            let chain = walk(first, &payload);
            assert_eq!((chain.flags, chain.protocol, chain.upper), (flag, Some(TCP), len), "{first}");
        }
    }

    #[test]
    fn the_recommended_order_is_neither_unseq_nor_unrep() {
        let mut payload = options(DESTINATION_OPTIONS, 8);
        payload.extend(options(ROUTING, 8));
        payload.extend(options(FRAGMENT, 24));
        payload.extend(fragment(AH, 0, true));
        payload.extend(ah(DESTINATION_OPTIONS, 4));
        payload.extend(options(TCP, 8));
        let upper = payload.len();
        payload.extend([0; 20]);
        let chain = walk(HOP_BY_HOP, &payload);
        assert_eq!(chain.flags, ext::HOP | ext::DEST | ext::ROUTE | ext::FRAG | ext::AH);
        assert_eq!((chain.protocol, chain.upper, chain.fragment), (Some(TCP), upper, frag::FIRST));
    }

    #[test]
    fn repeats_and_disorder_are_flagged() {
        let mut repeated = options(DESTINATION_OPTIONS, 8);
        repeated.extend(options(TCP, 8));
        assert_eq!(walk(DESTINATION_OPTIONS, &repeated).flags, ext::DEST | ext::UNREP);
        let mut late_hop = options(HOP_BY_HOP, 8);
        late_hop.extend(options(TCP, 8));
        assert_eq!(walk(DESTINATION_OPTIONS, &late_hop).flags, ext::DEST | ext::HOP | ext::UNSEQ);
        let mut routing_after_fragment = fragment(ROUTING, 0, true);
        routing_after_fragment.extend(options(TCP, 8));
        let chain = walk(FRAGMENT, &routing_after_fragment);
        assert_eq!(chain.flags, ext::FRAG | ext::ROUTE | ext::UNSEQ);
        assert_eq!(chain.protocol, Some(TCP));
    }

    #[test]
    fn a_later_fragment_ends_the_chain_with_its_next_header() {
        let mut payload = options(FRAGMENT, 8);
        payload.extend(fragment(DESTINATION_OPTIONS, 185, true));
        payload.extend([0xff; 16]);
        let chain = walk(HOP_BY_HOP, &payload);
        assert_eq!(chain.fragment, frag::LATER);
        assert_eq!(chain.protocol, Some(DESTINATION_OPTIONS));
        assert_eq!(chain.flags, ext::HOP | ext::FRAG);
    }

    #[test]
    fn esp_and_no_next_header_end_the_chain() {
        assert_eq!(walk(ESP, &[0; 8]), Chain { flags: ext::ESP, protocol: Some(ESP), ..Chain::default() });
        let chain = walk(DESTINATION_OPTIONS, &options(NO_NEXT_HEADER, 8));
        assert_eq!((chain.flags, chain.protocol, chain.upper), (ext::DEST | ext::NONEXT, Some(NO_NEXT_HEADER), 8));
    }

    #[test]
    fn the_bounds_hold() {
        // MAX_EXT_HEADERS Destination Options headers are walked (repeats
        // flagged); one more is BAD.
        let chain_of = |n: usize| {
            let mut payload = Vec::new();
            for i in 0..n {
                payload.extend(options(if i + 1 == n { TCP } else { DESTINATION_OPTIONS }, 8));
            }
            payload.extend([0; 20]);
            walk(DESTINATION_OPTIONS, &payload)
        };
        assert_eq!(chain_of(MAX_EXT_HEADERS).protocol, Some(TCP));
        let over = chain_of(MAX_EXT_HEADERS + 1);
        assert_eq!((over.protocol, over.flags & ext::BAD), (None, ext::BAD));
        // One header of MAX_EXT_BYTES is walked, one 8 bytes longer is not.
        let mut exact = options(TCP, MAX_EXT_BYTES);
        exact.extend([0; 20]);
        assert_eq!(walk(HOP_BY_HOP, &exact).upper, MAX_EXT_BYTES);
        let mut long = options(TCP, MAX_EXT_BYTES + 8);
        long.extend([0; 20]);
        assert_eq!(walk(HOP_BY_HOP, &long).flags, ext::HOP | ext::BAD);
    }

    #[test]
    fn truncations_inside_the_chain_are_bad() {
        let mut payload = options(ROUTING, 8);
        payload.extend(options(TCP, 16));
        for cut in 0..24 {
            let chain = walk(HOP_BY_HOP, &payload[..cut]);
            assert_eq!(chain.protocol, None, "cut at {cut}");
            assert_ne!(chain.flags & ext::BAD, 0, "cut at {cut}");
        }
        assert_eq!(walk(HOP_BY_HOP, &payload).protocol, Some(TCP));
        assert_eq!(walk(AH, &ah(TCP, 0)).flags, ext::AH | ext::BAD, "an AH of 8 bytes is malformed");
        assert_eq!(walk(FRAGMENT, &fragment(TCP, 0, true)[..7]).flags, ext::FRAG | ext::BAD);
    }

    #[test]
    fn routing_with_segments_left_hides_the_final_destination() {
        let mut payload = options(TCP, 24);
        payload[2] = 4; // Segment Routing
        payload[3] = 1;
        payload.extend([0; 20]);
        assert!(walk(ROUTING, &payload).destination_not_final);
        payload[3] = 0;
        assert!(!walk(ROUTING, &payload).destination_not_final);
    }
}
