//! Field values as users write them: MACs, IP addresses and prefixes,
//! integers, ranges, value/mask pairs and named constants.

use crate::ir::{Field, Test};
use nfc_runtime::wire::ipv6_ext::{ext, frag};
use std::net::{Ipv4Addr, Ipv6Addr};

/// What a value of `field` looks like, for "expected ..." messages.
pub fn expected(field: Field) -> &'static str {
    match field {
        Field::EthDst | Field::EthSrc => "a MAC address such as 02:00:00:00:00:01",
        Field::Ipv4Src | Field::Ipv4Dst => "an IPv4 address or prefix such as 10.0.0.0/8",
        Field::Ipv6Src | Field::Ipv6Dst => "an IPv6 address or prefix such as fd00::/8",
        Field::EthType => "an EtherType: a number or ipv4, ipv6, arp, vlan",
        Field::IpProto => "a protocol: a number or tcp, udp, icmp, icmpv6",
        Field::TcpFlags => "TCP flags such as syn, syn|ack or syn/syn|ack (value/mask)",
        Field::IpFrag => "a fragment state: none, first, tiny or later",
        Field::Ipv6Ext => {
            "IPv6 extension-header bits such as frag/frag (value/mask) or hop|dest: \
             hop, dest, route, frag, ah, esp, nonext, unrep, unseq, bad"
        }
        Field::InPort => "a port name",
        _ => "an integer, a range low-high or value/mask",
    }
}

/// What a single value of `field` looks like (a `set`, one side of value/mask).
fn expected_scalar(field: Field) -> &'static str {
    match field {
        Field::Ipv4Src | Field::Ipv4Dst => "an IPv4 address such as 10.0.0.1",
        Field::Ipv6Src | Field::Ipv6Dst => "an IPv6 address such as fd00::1",
        Field::EthDst
        | Field::EthSrc
        | Field::EthType
        | Field::IpProto
        | Field::TcpFlags
        | Field::InPort
        | Field::IpFrag
        | Field::Ipv6Ext => expected(field),
        _ => "an integer",
    }
}

fn named(field: Field, text: &str) -> Option<u128> {
    let value = match (field, text) {
        (Field::EthType, "ipv4") => 0x0800,
        (Field::EthType, "ipv6") => 0x86dd,
        (Field::EthType, "arp") => 0x0806,
        (Field::EthType, "vlan") => 0x8100,
        (Field::IpProto, "icmp") => 1,
        (Field::IpProto, "tcp") => 6,
        (Field::IpProto, "udp") => 17,
        (Field::IpProto, "icmpv6") => 58,
        (Field::IpFrag, "none") => u128::from(frag::NONE),
        (Field::IpFrag, "first") => u128::from(frag::FIRST),
        (Field::IpFrag, "tiny") => u128::from(frag::TINY),
        (Field::IpFrag, "later") => u128::from(frag::LATER),
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

/// One value of a field (no ranges or masks): for actions and test packets.
pub fn scalar(field: Field, text: &str) -> Result<u128, String> {
    let value = match field {
        Field::EthDst | Field::EthSrc => mac(text),
        Field::Ipv4Src | Field::Ipv4Dst => text.parse::<Ipv4Addr>().ok().map(|a| u32::from(a).into()),
        Field::Ipv6Src | Field::Ipv6Dst => text.parse::<Ipv6Addr>().ok().map(u128::from),
        Field::TcpFlags => flags(text, TCP_FLAGS),
        Field::Ipv6Ext => flags(text, IPV6_EXT),
        _ => named(field, text).or_else(|| integer(text)),
    };
    let value =
        value.ok_or_else(|| format!("found `{text}`, expected {} for `{}`", expected_scalar(field), field.path()))?;
    if value > field.full_mask() {
        return Err(format!("found {value}, expected at most {} bits for `{}`", field.width(), field.path()));
    }
    Ok(value)
}

/// A prefix `address/length` as (key, prefix length), host bits zero.
pub fn prefix(field: Field, text: &str) -> Result<(u128, u8), String> {
    let (address, length) = match text.split_once('/') {
        Some((address, length)) => {
            let length: u32 =
                length.parse().map_err(|_| format!("found prefix length `{length}`, expected a number"))?;
            (address, length)
        }
        None => (text, field.width()),
    };
    if length > field.width() {
        return Err(format!("found prefix length {length}, expected at most {} for `{}`", field.width(), field.path()));
    }
    let key = scalar(field, address)
        .map_err(|_| format!("found `{address}`, expected {} for `{}`", expected(field), field.path()))?;
    // The bits past the prefix: none for a full-length prefix (a shift by the
    // whole width of a u128 would overflow).
    let host_mask = field.full_mask().checked_shr(length).unwrap_or(0);
    if key & host_mask != 0 {
        return Err(format!("found `{text}` with host bits set, expected a prefix whose bits past /{length} are zero"));
    }
    Ok((key, length as u8))
}

/// `value/mask`, each side a value of `field`.
fn value_mask(field: Field, text: &str, value: &str, mask: &str) -> Result<Test, String> {
    let (value, mask) = (scalar(field, value)?, scalar(field, mask)?);
    if mask == 0 {
        return Err(format!("found mask 0 in `{text}`, which matches everything: leave the field out"));
    }
    if value & !mask != 0 {
        return Err(format!("found `{text}`, expected a value with no bits outside its mask"));
    }
    Ok(Test::Masked { value, mask })
}

/// A match on a field: exact value, prefix, range `low-high` or `value/mask`.
/// A /0 prefix is mask 0: it holds for every packet that has the field (an
/// IPv4 or IPv6 header), as `nw_dst=0.0.0.0/0` does in OpenFlow.
pub fn test(field: Field, text: &str) -> Result<Test, String> {
    let full = field.full_mask();
    match field {
        Field::Ipv4Src | Field::Ipv4Dst | Field::Ipv6Src | Field::Ipv6Dst => {
            let (key, length) = prefix(field, text)?;
            let mask = full & !(full.checked_shr(u32::from(length)).unwrap_or(0));
            return Ok(Test::Masked { value: key, mask });
        }
        // No ranges: a MAC may be written with `-` between its bytes.
        Field::EthDst | Field::EthSrc => {
            return match text.split_once('/') {
                Some((value, mask)) => value_mask(field, text, value, mask),
                None => scalar(field, text).map(|value| Test::Masked { value, mask: full }),
            }
        }
        _ => {}
    }
    if let Some((value, mask)) = text.split_once('/') {
        return value_mask(field, text, value, mask);
    }
    if !matches!(field, Field::TcpFlags | Field::Ipv6Ext) {
        if let Some((low, high)) = text.split_once('-') {
            let (low, high) = (scalar(field, low)?, scalar(field, high)?);
            if low > high {
                return Err(format!("found range `{text}`, expected low <= high"));
            }
            return Ok(Test::Range { low, high });
        }
    }
    scalar(field, text).map(|value| Test::Masked { value, mask: full })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_prefixes_and_names() {
        assert_eq!(scalar(Field::EthDst, "02:00:00:00:00:0a"), Ok(0x0200_0000_000a));
        assert_eq!(test(Field::Ipv4Dst, "10.0.0.0/8"), Ok(Test::Masked { value: 0x0a00_0000, mask: 0xff00_0000 }));
        assert_eq!(test(Field::Ipv6Dst, "fd00::/8"), Ok(Test::Masked { value: 0xfd << 120, mask: 0xff << 120 }));
        assert_eq!(test(Field::EthType, "ipv4"), Ok(Test::Masked { value: 0x0800, mask: 0xffff }));
        assert_eq!(test(Field::TcpDst, "1000-2000"), Ok(Test::Range { low: 1000, high: 2000 }));
        assert_eq!(test(Field::TcpFlags, "syn/syn|ack"), Ok(Test::Masked { value: 2, mask: 0x12 }));
        assert_eq!(prefix(Field::Ipv4Dst, "0.0.0.0/0"), Ok((0, 0)));
    }

    #[test]
    fn fragment_states_and_extension_header_bits() {
        assert_eq!(test(Field::IpFrag, "tiny"), Ok(Test::Masked { value: 2, mask: 3 }));
        assert_eq!(test(Field::IpFrag, "first-later"), Ok(Test::Range { low: 1, high: 3 }));
        assert_eq!(test(Field::Ipv6Ext, "frag/frag"), Ok(Test::Masked { value: 0x10, mask: 0x10 }));
        assert_eq!(test(Field::Ipv6Ext, "hop|dest"), Ok(Test::Masked { value: 0x48, mask: 0x3ff }));
        assert_eq!(test(Field::Ipv6Ext, "bad/bad|unrep"), Ok(Test::Masked { value: 0x200, mask: 0x280 }));
        assert_eq!(test(Field::Ipv6Ext, "0"), Ok(Test::Masked { value: 0, mask: 0x3ff }));
        assert!(test(Field::Ipv6Ext, "hbh").unwrap_err().contains("hop, dest, route"));
        assert!(test(Field::IpFrag, "second").unwrap_err().contains("none, first, tiny or later"));
    }

    #[test]
    fn macs_with_a_mask() {
        let oui = Test::Masked { value: 0x0200_0000_0000, mask: 0xffff_ff00_0000 };
        assert_eq!(test(Field::EthSrc, "02:00:00:00:00:00/ff:ff:ff:00:00:00"), Ok(oui));
        assert_eq!(test(Field::EthDst, "02-00-00-00-00-00/ff-ff-ff-00-00-00"), Ok(oui));
        let multicast = Test::Masked { value: 0x0100_0000_0000, mask: 0x0100_0000_0000 };
        assert_eq!(test(Field::EthDst, "01:00:00:00:00:00/01:00:00:00:00:00"), Ok(multicast));
        assert!(test(Field::EthDst, "02:00:00:00:00:01/ff:ff:ff:00:00:00").unwrap_err().contains("outside its mask"));
        assert!(test(Field::EthDst, "02:00:00:00:00:00/24").unwrap_err().contains("expected a MAC address"));
    }

    #[test]
    fn prefixes_of_every_edge_length() {
        let v4 = |text| test(Field::Ipv4Dst, text);
        assert_eq!(v4("0.0.0.0/0"), Ok(Test::Masked { value: 0, mask: 0 }));
        assert_eq!(v4("128.0.0.0/1"), Ok(Test::Masked { value: 1 << 31, mask: 1 << 31 }));
        assert_eq!(v4("10.0.0.2/31"), Ok(Test::Masked { value: 0x0a00_0002, mask: 0xffff_fffe }));
        assert_eq!(v4("10.0.0.3/32"), Ok(Test::Masked { value: 0x0a00_0003, mask: 0xffff_ffff }));
        assert!(v4("10.0.0.3/31").unwrap_err().contains("host bits set"));
        assert!(v4("0.0.0.1/0").unwrap_err().contains("host bits set"));
        let v6 = |text| test(Field::Ipv6Src, text);
        let fd01 = 0xfd00u128 << 112 | 1;
        assert_eq!(v6("::/0"), Ok(Test::Masked { value: 0, mask: 0 }));
        assert_eq!(v6("8000::/1"), Ok(Test::Masked { value: 1 << 127, mask: 1 << 127 }));
        assert_eq!(v6("fd00::/127"), Ok(Test::Masked { value: fd01 - 1, mask: u128::MAX - 1 }));
        assert_eq!(v6("fd00::1/128"), Ok(Test::Masked { value: fd01, mask: u128::MAX }));
        assert_eq!(v6("fd00::1"), Ok(Test::Masked { value: fd01, mask: u128::MAX }));
        assert!(v6("fd00::1/127").unwrap_err().contains("host bits set"));
        assert!(v6("fd00::/129").unwrap_err().contains("at most 128"));
        assert_eq!(prefix(Field::Ipv6Dst, "fd00::1/128"), Ok((fd01, 128)));
        assert_eq!(prefix(Field::Ipv4Dst, "10.0.0.1/32"), Ok((0x0a00_0001, 32)));
    }

    #[test]
    fn wrong_values_say_what_was_expected() {
        assert!(scalar(Field::Ipv4Dst, "02:00:00:00:00:01").unwrap_err().contains("expected an IPv4 address"));
        assert!(test(Field::Ipv4Dst, "10.0.0.1/8").unwrap_err().contains("host bits set"));
        assert!(test(Field::Ipv4Dst, "10.0.0.0/33").unwrap_err().contains("at most 32"));
        assert!(scalar(Field::VlanId, "5000").unwrap_err().contains("12 bits"));
        assert!(test(Field::TcpDst, "20-10").unwrap_err().contains("low <= high"));
    }
}
