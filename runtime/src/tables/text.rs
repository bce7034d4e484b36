//! Field values as people write them: MACs, IP addresses and prefixes,
//! integers, ranges, value/mask pairs and named constants.
//!
//! One parser for every place a value is written: a spec (read by the
//! compiler) and a table's entries file (read by the compiler at build
//! time, or by a deployment binary when it starts and on reload). Errors say
//! what was found and what was expected, naming the field.

use crate::wire::ipv6_ext::{ext, frag};
use std::net::{Ipv4Addr, Ipv6Addr};

/// What a value is: how it is written and how wide it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ValueKind {
    /// `02:00:00:00:00:01` (or with `-`), 48 bits.
    Mac,
    Ipv4,
    Ipv6,
    /// A number (decimal, or hex with `0x`) of at most `bits` bits.
    Unsigned {
        bits: u8,
    },
    /// A number or ipv4, ipv6, arp, vlan.
    EtherType,
    /// A number or icmp, tcp, udp, icmpv6.
    IpProto,
    /// Flag names joined by `|` (fin, syn, rst, psh, ack, urg, ece, cwr) or a number.
    TcpFlags,
    /// A fragment state: none, first, tiny, later (`wire::ipv6_ext::frag`).
    FragState,
    /// IPv6 extension-header bits joined by `|` (`wire::ipv6_ext::ext`):
    /// hop, dest, route, frag, ah, esp, nonext, unrep, unseq, bad.
    Ipv6Ext,
    /// A port name (its number), or a number of at most `bits` bits: ports
    /// are what metadata fields often carry.
    PortOrNumber {
        bits: u8,
    },
}

impl ValueKind {
    pub fn bits(self) -> u32 {
        match self {
            ValueKind::Mac => 48,
            ValueKind::Ipv4 => 32,
            ValueKind::Ipv6 => 128,
            ValueKind::Unsigned { bits } | ValueKind::PortOrNumber { bits } => u32::from(bits),
            ValueKind::EtherType => 16,
            ValueKind::IpProto | ValueKind::TcpFlags => 8,
            ValueKind::FragState => 2,
            ValueKind::Ipv6Ext => 10,
        }
    }

    fn full_mask(self) -> u128 {
        u128::MAX.checked_shr(128 - self.bits()).unwrap_or(0)
    }

    /// What a value of this kind looks like, for "expected ..." messages.
    pub fn expected(self) -> &'static str {
        match self {
            ValueKind::Mac => "a MAC address such as 02:00:00:00:00:01",
            ValueKind::Ipv4 => "an IPv4 address or prefix such as 10.0.0.0/8",
            ValueKind::Ipv6 => "an IPv6 address or prefix such as fd00::/8",
            ValueKind::EtherType => "an EtherType: a number or ipv4, ipv6, arp, vlan",
            ValueKind::IpProto => "a protocol: a number or tcp, udp, icmp, icmpv6",
            ValueKind::TcpFlags => "TCP flags such as syn, syn|ack or syn/syn|ack (value/mask)",
            ValueKind::FragState => "a fragment state: none, first, tiny or later",
            ValueKind::Ipv6Ext => {
                "IPv6 extension-header bits such as frag/frag (value/mask) or hop|dest: \
                 hop, dest, route, frag, ah, esp, nonext, unrep, unseq, bad"
            }
            ValueKind::Unsigned { .. } | ValueKind::PortOrNumber { .. } => "an integer, a range low-high or value/mask",
        }
    }

    /// What a single value looks like (a `set`, one side of value/mask).
    fn expected_scalar(self) -> &'static str {
        match self {
            ValueKind::Ipv4 => "an IPv4 address such as 10.0.0.1",
            ValueKind::Ipv6 => "an IPv6 address such as fd00::1",
            ValueKind::Unsigned { .. } => "an integer",
            ValueKind::PortOrNumber { .. } => "a port name or an integer",
            other => other.expected(),
        }
    }
}

/// How a value matches a packet's field.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Match {
    /// `field & mask == value` (exact: mask all ones; prefix: leading ones).
    Masked { value: u128, mask: u128 },
    /// `low <= field <= high`.
    Range { low: u128, high: u128 },
}

/// Where values are read: the field's name (for messages) and the port
/// names (for `PortOrNumber`).
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    pub field: &'a str,
    pub ports: &'a [&'a str],
}

fn named(kind: ValueKind, text: &str) -> Option<u128> {
    let value = match (kind, text) {
        (ValueKind::EtherType, "ipv4") => 0x0800,
        (ValueKind::EtherType, "ipv6") => 0x86dd,
        (ValueKind::EtherType, "arp") => 0x0806,
        (ValueKind::EtherType, "vlan") => 0x8100,
        (ValueKind::IpProto, "icmp") => 1,
        (ValueKind::IpProto, "tcp") => 6,
        (ValueKind::IpProto, "udp") => 17,
        (ValueKind::IpProto, "icmpv6") => 58,
        (ValueKind::FragState, "none") => frag::NONE.into(),
        (ValueKind::FragState, "first") => frag::FIRST.into(),
        (ValueKind::FragState, "tiny") => frag::TINY.into(),
        (ValueKind::FragState, "later") => frag::LATER.into(),
        _ => return None,
    };
    Some(value)
}

fn integer(text: &str) -> Option<u128> {
    let text = text.trim();
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u128::from_str_radix(&hex.replace('_', ""), 16).ok(),
        None => text.replace('_', "").parse().ok(),
    }
}

fn mac(text: &str) -> Option<u128> {
    let parts: Vec<&str> = text.split([':', '-']).collect();
    if parts.len() != 6 || parts.iter().any(|p| p.len() != 2) {
        return None;
    }
    parts.iter().try_fold(0u128, |acc, p| u8::from_str_radix(p, 16).ok().map(|b| acc << 8 | u128::from(b)))
}

const TCP_FLAGS: &[(&str, u16)] = &[
    ("fin", 0x01),
    ("syn", 0x02),
    ("rst", 0x04),
    ("psh", 0x08),
    ("ack", 0x10),
    ("urg", 0x20),
    ("ece", 0x40),
    ("cwr", 0x80),
];

const IPV6_EXT: &[(&str, u16)] = &[
    ("nonext", ext::NONEXT),
    ("esp", ext::ESP),
    ("ah", ext::AH),
    ("dest", ext::DEST),
    ("frag", ext::FRAG),
    ("route", ext::ROUTE),
    ("hop", ext::HOP),
    ("unrep", ext::UNREP),
    ("unseq", ext::UNSEQ),
    ("bad", ext::BAD),
];

/// Bit names (or numbers) joined by `|`.
fn flags(text: &str, names: &[(&str, u16)]) -> Option<u128> {
    text.split('|').try_fold(0u128, |acc, name| {
        let name = name.trim();
        let bit = match names.iter().find(|(n, _)| *n == name) {
            Some(&(_, bit)) => u128::from(bit),
            None => integer(name)?,
        };
        Some(acc | bit)
    })
}

/// One value (no range, mask or prefix).
pub fn scalar(kind: ValueKind, context: Context, text: &str) -> Result<u128, String> {
    let value = match kind {
        ValueKind::Mac => mac(text),
        ValueKind::Ipv4 => text.parse::<Ipv4Addr>().ok().map(|a| u32::from(a).into()),
        ValueKind::Ipv6 => text.parse::<Ipv6Addr>().ok().map(u128::from),
        ValueKind::TcpFlags => flags(text, TCP_FLAGS),
        ValueKind::Ipv6Ext => flags(text, IPV6_EXT),
        ValueKind::PortOrNumber { .. } => {
            context.ports.iter().position(|p| *p == text).map(|p| p as u128).or_else(|| integer(text))
        }
        _ => named(kind, text).or_else(|| integer(text)),
    };
    let field = context.field;
    let value = value.ok_or_else(|| format!("found `{text}`, expected {} for `{field}`", kind.expected_scalar()))?;
    if value > kind.full_mask() {
        return Err(format!("found {value}, expected at most {} bits for `{field}`", kind.bits()));
    }
    Ok(value)
}

/// A prefix `address/length` (or a bare address: all bits) as the address
/// with its host bits zero and the length.
pub fn prefix(kind: ValueKind, context: Context, text: &str) -> Result<(u128, u8), String> {
    let bits = kind.bits();
    let (address, length) = match text.split_once('/') {
        Some((address, length)) => {
            let length: u32 =
                length.parse().map_err(|_| format!("found prefix length `{length}`, expected a number"))?;
            (address, length)
        }
        None => (text, bits),
    };
    if length > bits {
        return Err(format!("found prefix length {length}, expected at most {bits} for `{}`", context.field));
    }
    let value = scalar(kind, context, address)
        .map_err(|_| format!("found `{address}`, expected {} for `{}`", kind.expected(), context.field))?;
    let host_mask = kind.full_mask().checked_shr(length).unwrap_or(0);
    if value & host_mask != 0 {
        return Err(format!("found `{text}` with host bits set, expected a prefix whose bits past /{length} are zero"));
    }
    Ok((value, length as u8))
}

/// A match: an exact value, a prefix (addresses), a range `low-high` or
/// `value/mask` (numbers, MACs, flags). A /0 prefix is mask 0: it holds for
/// every packet that has the field, as `nw_dst=0.0.0.0/0` does in OpenFlow.
pub fn test(kind: ValueKind, context: Context, text: &str) -> Result<Match, String> {
    let full = kind.full_mask();
    if matches!(kind, ValueKind::Ipv4 | ValueKind::Ipv6) {
        let (value, length) = prefix(kind, context, text)?;
        let mask = full & !full.checked_shr(u32::from(length)).unwrap_or(0);
        return Ok(Match::Masked { value, mask });
    }
    if let Some((value, mask)) = text.split_once('/') {
        let (value, mask) = (scalar(kind, context, value)?, scalar(kind, context, mask)?);
        if mask == 0 {
            return Err(format!("found mask 0 in `{text}`, which matches everything: leave the field out"));
        }
        if value & !mask != 0 {
            return Err(format!("found `{text}`, expected a value with no bits outside its mask"));
        }
        return Ok(Match::Masked { value, mask });
    }
    // MACs are written with `-` as often as with `:`; flags have no ranges.
    if !matches!(kind, ValueKind::TcpFlags | ValueKind::Ipv6Ext | ValueKind::Mac) {
        if let Some((low, high)) = text.split_once('-') {
            let (low, high) = (scalar(kind, context, low)?, scalar(kind, context, high)?);
            if low > high {
                return Err(format!("found range `{text}`, expected low <= high"));
            }
            return Ok(Match::Range { low, high });
        }
    }
    scalar(kind, context, text).map(|value| Match::Masked { value, mask: full })
}

/// A line of an entries file split at commas, each column with its
/// 1-based position; blank lines and `#` comments have no columns.
#[derive(Debug, PartialEq, Eq)]
pub struct Line<'t> {
    /// 1-based.
    pub number: usize,
    /// (1-based column, text without surrounding spaces).
    pub columns: Vec<(usize, &'t str)>,
}

/// The lines of an entries file that hold entries.
pub fn lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    text.lines().enumerate().filter_map(|(index, line)| {
        let content = line.split('#').next().unwrap_or_default();
        if content.trim().is_empty() {
            return None;
        }
        let mut columns = Vec::new();
        let mut start = 0;
        for part in content.split(',') {
            let leading = part.len() - part.trim_start().len();
            let column = content[..start + leading].chars().count() + 1;
            columns.push((column, part.trim()));
            start += part.len() + 1;
        }
        Some(Line { number: index + 1, columns })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTEXT: Context = Context { field: "f", ports: &["lan", "wan"] };

    #[test]
    fn addresses_prefixes_and_names() {
        assert_eq!(scalar(ValueKind::Mac, CONTEXT, "02:00:00:00:00:0a"), Ok(0x0200_0000_000a));
        assert_eq!(scalar(ValueKind::Mac, CONTEXT, "02-00-00-00-00-0a"), Ok(0x0200_0000_000a));
        assert_eq!(
            test(ValueKind::Ipv4, CONTEXT, "10.0.0.0/8"),
            Ok(Match::Masked { value: 0x0a00_0000, mask: 0xff00_0000 })
        );
        assert_eq!(
            test(ValueKind::Ipv6, CONTEXT, "fd00::/8"),
            Ok(Match::Masked { value: 0xfd << 120, mask: 0xff << 120 })
        );
        assert_eq!(test(ValueKind::EtherType, CONTEXT, "ipv4"), Ok(Match::Masked { value: 0x0800, mask: 0xffff }));
        assert_eq!(
            test(ValueKind::Unsigned { bits: 16 }, CONTEXT, "1000-2000"),
            Ok(Match::Range { low: 1000, high: 2000 })
        );
        assert_eq!(test(ValueKind::TcpFlags, CONTEXT, "syn/syn|ack"), Ok(Match::Masked { value: 2, mask: 0x12 }));
        assert_eq!(scalar(ValueKind::PortOrNumber { bits: 8 }, CONTEXT, "wan"), Ok(1));
        assert_eq!(scalar(ValueKind::PortOrNumber { bits: 8 }, CONTEXT, "7"), Ok(7));
        assert_eq!(prefix(ValueKind::Ipv4, CONTEXT, "0.0.0.0/0"), Ok((0, 0)));
    }

    #[test]
    fn every_prefix_length_at_the_edges() {
        for (text, length) in [("0.0.0.0/0", 0), ("128.0.0.0/1", 1), ("10.0.0.2/31", 31), ("10.0.0.1/32", 32)] {
            assert_eq!(prefix(ValueKind::Ipv4, CONTEXT, text).map(|(_, l)| l), Ok(length), "{text}");
        }
        for (text, length) in [("::/0", 0), ("8000::/1", 1), ("fd00::2/127", 127), ("fd00::1/128", 128)] {
            assert_eq!(prefix(ValueKind::Ipv6, CONTEXT, text).map(|(_, l)| l), Ok(length), "{text}");
        }
        assert_eq!(prefix(ValueKind::Ipv6, CONTEXT, "fd00::1"), Ok((0xfd00 << 112 | 1, 128)));
        assert!(prefix(ValueKind::Ipv6, CONTEXT, "fd00::1/127").unwrap_err().contains("host bits set"));
        assert!(prefix(ValueKind::Ipv4, CONTEXT, "10.0.0.1/31").unwrap_err().contains("host bits set"));
    }

    #[test]
    fn fragment_states_and_extension_header_bits() {
        let t = |kind, text| test(kind, CONTEXT, text);
        assert_eq!(t(ValueKind::FragState, "tiny"), Ok(Match::Masked { value: 2, mask: 3 }));
        assert_eq!(t(ValueKind::FragState, "first-later"), Ok(Match::Range { low: 1, high: 3 }));
        assert_eq!(t(ValueKind::Ipv6Ext, "frag/frag"), Ok(Match::Masked { value: 0x10, mask: 0x10 }));
        assert_eq!(t(ValueKind::Ipv6Ext, "hop|dest"), Ok(Match::Masked { value: 0x48, mask: 0x3ff }));
        assert_eq!(t(ValueKind::Ipv6Ext, "bad/bad|unrep"), Ok(Match::Masked { value: 0x200, mask: 0x280 }));
        assert_eq!(t(ValueKind::Ipv6Ext, "0"), Ok(Match::Masked { value: 0, mask: 0x3ff }));
        assert!(t(ValueKind::Ipv6Ext, "hbh").unwrap_err().contains("hop, dest, route"));
        assert!(t(ValueKind::FragState, "second").unwrap_err().contains("none, first, tiny or later"));
    }

    #[test]
    fn prefixes_of_every_edge_length_as_matches() {
        let v4 = |text| test(ValueKind::Ipv4, CONTEXT, text);
        assert_eq!(v4("0.0.0.0/0"), Ok(Match::Masked { value: 0, mask: 0 }));
        assert_eq!(v4("128.0.0.0/1"), Ok(Match::Masked { value: 1 << 31, mask: 1 << 31 }));
        assert_eq!(v4("10.0.0.2/31"), Ok(Match::Masked { value: 0x0a00_0002, mask: 0xffff_fffe }));
        assert_eq!(v4("10.0.0.3/32"), Ok(Match::Masked { value: 0x0a00_0003, mask: 0xffff_ffff }));
        assert!(v4("0.0.0.1/0").unwrap_err().contains("host bits set"));
        let v6 = |text| test(ValueKind::Ipv6, CONTEXT, text);
        let fd01 = 0xfd00u128 << 112 | 1;
        assert_eq!(v6("::/0"), Ok(Match::Masked { value: 0, mask: 0 }));
        assert_eq!(v6("8000::/1"), Ok(Match::Masked { value: 1 << 127, mask: 1 << 127 }));
        assert_eq!(v6("fd00::/127"), Ok(Match::Masked { value: fd01 - 1, mask: u128::MAX - 1 }));
        assert_eq!(v6("fd00::1/128"), Ok(Match::Masked { value: fd01, mask: u128::MAX }));
        assert!(v6("fd00::/129").unwrap_err().contains("at most 128"));
    }

    #[test]
    fn mac_masks() {
        assert_eq!(
            test(ValueKind::Mac, CONTEXT, "02:00:00:00:00:00/ff:ff:ff:00:00:00"),
            Ok(Match::Masked { value: 0x0200_0000_0000, mask: 0xffff_ff00_0000 })
        );
        assert_eq!(
            test(ValueKind::Mac, CONTEXT, "01:00:00:00:00:00/01:00:00:00:00:00"),
            Ok(Match::Masked { value: 0x0100_0000_0000, mask: 0x0100_0000_0000 })
        );
    }

    #[test]
    fn wrong_values_say_what_was_expected() {
        let u16 = ValueKind::Unsigned { bits: 16 };
        assert!(scalar(ValueKind::Ipv4, CONTEXT, "02:00:00:00:00:01")
            .unwrap_err()
            .contains("expected an IPv4 address"));
        assert!(test(ValueKind::Ipv4, CONTEXT, "10.0.0.1/8").unwrap_err().contains("host bits set"));
        assert!(test(ValueKind::Ipv4, CONTEXT, "10.0.0.0/33").unwrap_err().contains("at most 32"));
        assert!(scalar(ValueKind::Unsigned { bits: 12 }, CONTEXT, "5000").unwrap_err().contains("12 bits"));
        assert!(test(u16, CONTEXT, "20-10").unwrap_err().contains("low <= high"));
        assert_eq!(scalar(u16, CONTEXT, "x").unwrap_err(), "found `x`, expected an integer for `f`");
    }

    #[test]
    fn lines_split_at_commas_with_columns_and_skip_comments() {
        let text = "# routes\n\n10.0.0.0/8, forward , lan # the LAN\n  1,2\n";
        let lines: Vec<Line> = lines(text).collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0], Line { number: 3, columns: vec![(1, "10.0.0.0/8"), (13, "forward"), (23, "lan")] });
        assert_eq!(lines[1], Line { number: 4, columns: vec![(3, "1"), (5, "2")] });
    }
}
