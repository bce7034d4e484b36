//! A spec's `[[test]]` case run against any network function, and a failure
//! explained field by field.
//!
//! `nfc::spec!` (and the build-script API) emit one `#[test]` per case that
//! calls [`SpecTest::assert_passes`] on the compiled type, so `cargo test`
//! runs the spec's cases against the generated code; `nfc test` runs the same
//! check on the reference interpreter. The packets were built when the spec
//! compiled: nothing here needs the compiler.
//!
//! A failure names the spec line and the fields that differ, as a user
//! wrote them in the spec:
//!
//! ```text
//! router.toml:27: test `lan route` failed: eth.src: expected 02:00:00:00:00:01, got 02:00:00:00:00:09
//! ```

use crate::frame::Frame;
use crate::nf::{NetworkFunction, PortId};
use crate::wire::Headers;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Room for a pushed VLAN tag beyond the test packet.
const HEADROOM: usize = 64;

/// One test case with its packets as bytes.
#[derive(Clone, Copy, Debug)]
pub struct SpecTest<'a> {
    /// The spec file, as the user named it.
    pub file: &'a str,
    /// 1-based line of the case's `[[test]]` header.
    pub line: usize,
    pub name: &'a str,
    /// The function's port names, in runtime order.
    pub ports: &'a [&'a str],
    pub in_port: PortId,
    pub packet: &'a [u8],
    /// Expected output ports as a bitmask; 0 = dropped.
    pub expect_outputs: u32,
    /// The frame expected on those ports (the input when the case expects it unchanged).
    pub expect_packet: &'a [u8],
    /// When the packet arrives, in nanoseconds (given to functions that
    /// keep time, before the packet). Cases of one spec run in order on one
    /// instance, so state carries from case to case.
    pub time_ns: u64,
}

impl SpecTest<'_> {
    /// Runs the case through `nf`: `Err` says what differed.
    pub fn check<N: NetworkFunction>(&self, nf: &mut N) -> Result<(), String> {
        let mut buffer = self.packet.to_vec();
        buffer.resize(self.packet.len() + HEADROOM, 0);
        let mut frame = Frame::new(&mut buffer, self.packet.len());
        if N::USES_TIME {
            nf.set_time(self.time_ns);
        }
        let outputs = nf.process(self.in_port, &mut frame);
        if outputs.bits() != self.expect_outputs {
            return Err(format!(
                "output: expected {}, got {}",
                port_list(self.ports, self.expect_outputs),
                port_list(self.ports, outputs.bits())
            ));
        }
        if self.expect_outputs == 0 {
            return Ok(());
        }
        let differences = differences(self.expect_packet, frame.data());
        if differences.is_empty() {
            Ok(())
        } else {
            Err(differences.join("; "))
        }
    }

    /// [`check`](Self::check), panicking with the spec line and what
    /// differed: what the generated `#[test]`s call.
    #[track_caller]
    pub fn assert_passes<N: NetworkFunction>(&self, nf: &mut N) {
        if let Err(reason) = self.check(nf) {
            panic!("{}:{}: test `{}` failed: {reason}", self.file, self.line, self.name);
        }
    }
}

/// `drop`, or the port names in brackets.
pub fn port_list(ports: &[&str], bits: u32) -> String {
    if bits == 0 {
        return "drop".to_owned();
    }
    let names: Vec<String> = (0..32)
        .filter(|i| bits & (1 << i) != 0)
        .map(|i| ports.get(i).map_or_else(|| format!("port {i}"), |name| (*name).to_owned()))
        .collect();
    format!("[{}]", names.join(", "))
}

/// How a field's value reads in a spec.
#[derive(Clone, Copy)]
enum Style {
    Mac,
    Ipv4,
    Ipv6,
    Hex16,
    TcpFlags,
    Fragment,
    Ipv6Ext,
    Decimal,
}

type Getter = fn(&Headers, &[u8]) -> Option<u128>;
type Presence = fn(&Headers) -> bool;

/// Every field a spec can name, with its getter, in header order.
const FIELDS: [(&str, Getter, Style); 21] = [
    ("eth.dst", |h, d| h.eth_dst(d).map(u128::from), Style::Mac),
    ("eth.src", |h, d| h.eth_src(d).map(u128::from), Style::Mac),
    ("eth.type", |h, d| h.eth_type(d).map(u128::from), Style::Hex16),
    ("vlan.id", |h, d| h.vlan_id(d).map(u128::from), Style::Decimal),
    ("vlan.pcp", |h, d| h.vlan_pcp(d).map(u128::from), Style::Decimal),
    ("ipv4.src", |h, d| h.ipv4_src(d).map(u128::from), Style::Ipv4),
    ("ipv4.dst", |h, d| h.ipv4_dst(d).map(u128::from), Style::Ipv4),
    ("ipv6.src", |h, d| h.ipv6_src(d), Style::Ipv6),
    ("ipv6.dst", |h, d| h.ipv6_dst(d), Style::Ipv6),
    ("ip.proto", |h, d| h.ip_proto(d).map(u128::from), Style::Decimal),
    ("ip.ttl", |h, d| h.ip_ttl(d).map(u128::from), Style::Decimal),
    ("ip.dscp", |h, d| h.ip_dscp(d).map(u128::from), Style::Decimal),
    ("ip.frag", |h, d| h.ip_frag(d).map(u128::from), Style::Fragment),
    ("ipv6.ext", |h, d| h.ipv6_ext(d).map(u128::from), Style::Ipv6Ext),
    ("tcp.src", |h, d| h.tcp_src(d).map(u128::from), Style::Decimal),
    ("tcp.dst", |h, d| h.tcp_dst(d).map(u128::from), Style::Decimal),
    ("tcp.flags", |h, d| h.tcp_flags(d).map(u128::from), Style::TcpFlags),
    ("udp.src", |h, d| h.udp_src(d).map(u128::from), Style::Decimal),
    ("udp.dst", |h, d| h.udp_dst(d).map(u128::from), Style::Decimal),
    ("icmp.type", |h, d| h.icmp_type(d).map(u128::from), Style::Decimal),
    ("icmp.code", |h, d| h.icmp_code(d).map(u128::from), Style::Decimal),
];

const TCP_FLAGS: [&str; 8] = ["fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr"];
/// `ip.frag` values by number (`wire::ipv6_ext::frag`).
const FRAGMENT: [&str; 4] = ["none", "first", "tiny", "later"];
/// `ipv6.ext` bits by position (`wire::ipv6_ext::ext`).
const IPV6_EXT: [&str; 10] = ["nonext", "esp", "ah", "dest", "frag", "route", "hop", "unrep", "unseq", "bad"];

fn bit_names(names: &[&str], value: u128) -> String {
    if value == 0 {
        return "0".to_owned();
    }
    names
        .iter()
        .enumerate()
        .filter(|(bit, _)| value & 1 << bit != 0)
        .map(|(_, name)| *name)
        .collect::<Vec<_>>()
        .join("|")
}

fn show(style: Style, value: u128) -> String {
    match style {
        Style::Mac => {
            let bytes = value.to_be_bytes();
            bytes[10..].iter().map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(":")
        }
        Style::Ipv4 => Ipv4Addr::from(value as u32).to_string(),
        Style::Ipv6 => Ipv6Addr::from(value).to_string(),
        Style::Hex16 => format!("{value:#06x}"),
        Style::TcpFlags if value == 0 => "0 (no flags)".to_owned(),
        Style::TcpFlags => bit_names(&TCP_FLAGS, value),
        Style::Fragment => FRAGMENT.get(value as usize).map_or_else(|| value.to_string(), |name| (*name).to_owned()),
        Style::Ipv6Ext => bit_names(&IPV6_EXT, value),
        Style::Decimal => value.to_string(),
    }
}

/// What differs between the frame a test expects and the one it got, as
/// the spec names it: layers present in one and not the other, then the
/// fields both carry; only when those agree, the length, a checksum, or the
/// first differing byte and the header it lies in. Empty when equal.
pub fn differences(expected: &[u8], got: &[u8]) -> Vec<String> {
    if expected == got {
        return Vec::new();
    }
    let (want, have) = (Headers::parse(expected), Headers::parse(got));
    let mut found = Vec::new();
    if want.vlan_count() != have.vlan_count() {
        found.push(format!("VLAN tags: expected {}, got {}", want.vlan_count(), have.vlan_count()));
    }
    let layers: [(&str, Presence); 6] = [
        ("Ethernet header", Headers::has_eth),
        ("IPv4 header", Headers::has_ipv4),
        ("IPv6 header", Headers::has_ipv6),
        ("TCP header", Headers::has_tcp),
        ("UDP header", Headers::has_udp),
        ("ICMP header", Headers::has_icmp),
    ];
    for (layer, present) in layers {
        match (present(&want), present(&have)) {
            (true, false) => found.push(format!("{layer}: expected, got none")),
            (false, true) => found.push(format!("{layer}: expected none, got one")),
            _ => {}
        }
    }
    for (name, get, style) in FIELDS {
        if let (Some(a), Some(b)) = (get(&want, expected), get(&have, got)) {
            if a != b {
                found.push(format!("{name}: expected {}, got {}", show(style, a), show(style, b)));
            }
        }
    }
    if found.is_empty() {
        found.push(raw_difference(&want, expected, got));
    }
    found
}

/// The difference no field shows: length, a checksum, or a byte.
fn raw_difference(headers: &Headers, expected: &[u8], got: &[u8]) -> String {
    if expected.len() != got.len() {
        return format!("length: expected {} bytes, got {}", expected.len(), got.len());
    }
    let word = |data: &[u8], at: usize| data.get(at..at + 2).map(|w| u16::from_be_bytes([w[0], w[1]]));
    let mut checksums = Vec::new();
    if let (true, Some(l3)) = (headers.has_ipv4(), headers.l3_offset()) {
        checksums.push(("IPv4 header checksum", l3 + 10));
    }
    if let Some(l4) = headers.l4_offset() {
        let at = if headers.has_tcp() {
            16
        } else if headers.has_udp() {
            6
        } else {
            2
        };
        checksums.push(("layer-4 checksum", l4 + at));
    }
    for (name, at) in checksums {
        if let (Some(a), Some(b)) = (word(expected, at), word(got, at)) {
            if a != b {
                return format!("{name}: expected {a:#06x}, got {b:#06x}");
            }
        }
    }
    let at = expected.iter().zip(got).position(|(a, b)| a != b).unwrap_or(0);
    let region = match (headers.l3_offset(), headers.l4_offset()) {
        (_, Some(l4)) if at >= l4 => "past the IP header",
        (Some(l3), _) if at >= l3 => "in the IP header",
        _ if at < 14 => "in the Ethernet header",
        _ => "past the Ethernet header",
    };
    format!("byte {at} ({region}): expected {:#04x}, got {:#04x}", expected[at], got[at])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nf::Outputs;

    /// An IPv4/UDP frame: 02:..:02 <- 02:..:01, 10.0.0.1 -> 10.0.0.2, TTL
    /// 64, ports 1024 -> 53, checksums right.
    fn udp_frame() -> Vec<u8> {
        let mut frame = vec![2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00];
        frame.extend_from_slice(&[0x45, 0, 0, 30, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
        frame.extend_from_slice(&[0x04, 0x00, 0, 53, 0, 10, 0, 0, 0xab, 0xcd]);
        let sum = crate::wire::checksum::checksum(&frame[14..34]);
        frame[24..26].copy_from_slice(&sum.to_be_bytes());
        frame
    }

    #[test]
    fn a_changed_field_is_named_with_both_values_as_a_spec_writes_them() {
        let expected = udp_frame();
        let mut got = expected.clone();
        Headers::parse(&got).set_eth_src(&mut got, 0x02_00_00_00_00_09);
        Headers::parse(&got).set_ipv4_dst(&mut got, 0x0a01_0203);
        assert_eq!(
            differences(&expected, &got),
            ["eth.src: expected 02:00:00:00:00:01, got 02:00:00:00:00:09", "ipv4.dst: expected 10.0.0.2, got 10.1.2.3"]
        );
    }

    #[test]
    fn a_missing_layer_is_named_once_not_field_by_field() {
        let expected = udp_frame();
        let got = expected[..20].to_vec();
        assert_eq!(differences(&expected, &got), ["IPv4 header: expected, got none", "UDP header: expected, got none"]);
    }

    #[test]
    fn differences_no_field_shows_name_the_checksum_or_byte() {
        let expected = udp_frame();
        let mut got = expected.clone();
        got[25] ^= 1;
        assert_eq!(
            differences(&expected, &got),
            [format!(
                "IPv4 header checksum: expected {:#06x}, got {:#06x}",
                u16::from_be_bytes([expected[24], expected[25]]),
                u16::from_be_bytes([got[24], got[25]])
            )]
        );
        let mut got = expected.clone();
        got[43] = 0xee;
        assert_eq!(differences(&expected, &got), ["byte 43 (past the IP header): expected 0xcd, got 0xee"]);
        let mut padded = expected.clone();
        padded.push(0);
        assert_eq!(differences(&expected, &padded), ["length: expected 44 bytes, got 45"]);
        assert!(differences(&expected, &expected).is_empty());
    }

    #[test]
    fn a_failing_case_names_its_spec_line_and_the_outputs() {
        let packet = udp_frame();
        let case = SpecTest {
            file: "x.toml",
            line: 12,
            name: "to b",
            ports: &["a", "b"],
            in_port: 0,
            packet: &packet,
            expect_outputs: 0b10,
            expect_packet: &packet,
            time_ns: 0,
        };
        let mut hairpin = |input: PortId, _: &mut Frame<'_>| Outputs::port(input);
        assert_eq!(case.check(&mut hairpin), Err("output: expected [b], got [a]".to_owned()));
        let mut forward = |_: PortId, _: &mut Frame<'_>| Outputs::port(1);
        assert_eq!(case.check(&mut forward), Ok(()));
        let mut rewrite = |_: PortId, frame: &mut Frame<'_>| {
            Headers::parse(frame.data()).set_ip_ttl(frame.data_mut(), 7);
            Outputs::port(1)
        };
        assert_eq!(case.check(&mut rewrite), Err("ip.ttl: expected 64, got 7".to_owned()));
        let panic = std::panic::catch_unwind(move || case.assert_passes(&mut hairpin)).unwrap_err();
        assert_eq!(
            panic.downcast_ref::<String>().map(String::as_str),
            Some("x.toml:12: test `to b` failed: output: expected [b], got [a]")
        );
    }

    #[test]
    fn tcp_flags_read_as_names() {
        assert_eq!(show(Style::TcpFlags, 0x12), "syn|ack");
        assert_eq!(show(Style::Hex16, 0x0800), "0x0800");
    }
}
