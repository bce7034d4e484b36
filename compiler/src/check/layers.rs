//! Which headers a packet matching some conditions has: the layer model
//! behind three checks. A rule whose conditions no packet satisfies together
//! never matches (a warning); a `set` on a header the rule's packets may lack
//! does nothing on them (a warning); a test packet whose fields belong to no
//! one packet is an error.
//!
//! Packets are sorted into a few kinds, each a combination of what
//! `Headers::parse` can report: no IP, IPv4 or IPv6; TCP, UDP, ICMP or no
//! layer 4; the fragment state; an IPv6 chain that could not be walked; a
//! VLAN tag or not. A condition can hold on a kind when the kind has the
//! field's header and some value of the field that the kind allows passes the
//! condition's test (`eth.type` is 0x0800 on IPv4 kinds, `ip.proto` is 6 on
//! TCP kinds, ...). Malformed headers need no kind of their own: a condition
//! on a header that is absent is false, so no rule can match only them.

use crate::ir::{Action, Condition, Field, Layer, Test};
use nfc_runtime::wire::ipv6_ext::{ext, frag};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    NotIp,
    V4,
    V6,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transport {
    Tcp,
    Udp,
    Icmp,
    /// No layer-4 header: another protocol, a later or tiny fragment, or a
    /// broken IPv6 chain.
    None,
}

/// One kind of packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Kind {
    family: Family,
    transport: Transport,
    fragment: u8,
    /// An IPv6 extension-header chain past the bounds or broken (`bad`).
    bad_chain: bool,
    vlan: bool,
}

/// Which kinds to consider.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Universe {
    /// What `Headers::parse` reports about a packet on the wire.
    Parsed,
    /// What a test packet's fields describe: the packet is built whole, then
    /// fragmented or given extension headers, so layer 4 goes with any
    /// fragment state or chain.
    Built,
}

impl Kind {
    fn all(universe: Universe) -> impl Iterator<Item = Kind> {
        let families = [Family::NotIp, Family::V4, Family::V6];
        let transports = [Transport::Tcp, Transport::Udp, Transport::Icmp, Transport::None];
        let fragments = [frag::NONE, frag::FIRST, frag::TINY, frag::LATER];
        families.into_iter().flat_map(move |family| {
            transports.into_iter().flat_map(move |transport| {
                fragments.into_iter().flat_map(move |fragment| {
                    [false, true].into_iter().flat_map(move |bad_chain| {
                        [false, true]
                            .into_iter()
                            .map(move |vlan| Kind { family, transport, fragment, bad_chain, vlan })
                            .filter(move |kind| kind.possible(universe))
                    })
                })
            })
        })
    }

    fn possible(&self, universe: Universe) -> bool {
        let l4 = self.transport != Transport::None;
        match self.family {
            Family::NotIp => !l4 && self.fragment == frag::NONE && !self.bad_chain,
            Family::V4 | Family::V6 if universe == Universe::Built => !self.bad_chain || self.family == Family::V6,
            Family::V4 if self.bad_chain => false,
            // Layer 4 only in unfragmented packets and complete first fragments.
            _ if l4 => !self.bad_chain && matches!(self.fragment, frag::NONE | frag::FIRST),
            // A broken chain hides any Fragment header after the break: the
            // state is none, or tiny when a first fragment's chain broke.
            _ if self.bad_chain => matches!(self.fragment, frag::NONE | frag::TINY),
            _ => true,
        }
    }

    /// Whether the kind has the header `layer`.
    pub(crate) fn has(&self, layer: Layer) -> bool {
        match layer {
            Layer::Ethernet => true,
            Layer::Vlan => self.vlan,
            Layer::Ipv4 => self.family == Family::V4,
            Layer::Ipv6 => self.family == Family::V6,
            Layer::Ip => self.family != Family::NotIp,
            Layer::Tcp => self.transport == Transport::Tcp,
            Layer::Udp => self.transport == Transport::Udp,
            Layer::Icmp => self.transport == Transport::Icmp,
        }
    }

    /// Whether `condition` can hold on a packet of this kind.
    pub(crate) fn allows(&self, condition: &Condition, universe: Universe) -> bool {
        let Condition { field, test } = *condition;
        if !self.has(field.layer()) {
            return false;
        }
        let icmp = if self.family == Family::V6 { 58 } else { 1 };
        match field {
            Field::EthType => match self.family {
                Family::V4 => holds(test, 0x0800),
                Family::V6 => holds(test, 0x86dd),
                Family::NotIp => holds_outside(test, 16, &[0x0800, 0x86dd]),
            },
            Field::IpProto => {
                if self.bad_chain && universe == Universe::Parsed {
                    return false;
                }
                let readable = [6, 17, icmp];
                match (self.transport, self.fragment) {
                    (Transport::Tcp, _) => holds(test, 6),
                    (Transport::Udp, _) => holds(test, 17),
                    (Transport::Icmp, _) => holds(test, icmp),
                    (Transport::None, frag::LATER) => true,
                    (Transport::None, frag::TINY) => readable.iter().any(|&p| holds(test, p)),
                    (Transport::None, _) => holds_outside(test, 8, &readable),
                }
            }
            Field::IpFrag => holds(test, u128::from(self.fragment)),
            Field::Ipv6Ext => {
                let bad = u128::from(ext::BAD);
                match test {
                    Test::Masked { value, mask } if mask & bad != 0 => (value & bad != 0) == self.bad_chain,
                    _ => true,
                }
            }
            _ => true,
        }
    }
}

fn holds(test: Test, value: u128) -> bool {
    match test {
        Test::Masked { value: expected, mask } => value & mask == expected,
        Test::Range { low, high } => (low..=high).contains(&value),
    }
}

/// Whether some `width`-bit value other than `excluded` passes `test`.
fn holds_outside(test: Test, width: u32, excluded: &[u128]) -> bool {
    let passing = match test {
        Test::Masked { mask, .. } => 1u128.checked_shl(width - (mask.count_ones().min(width))).unwrap_or(u128::MAX),
        Test::Range { low, high } => (high - low).saturating_add(1),
    };
    let excluded_passing = excluded.iter().filter(|&&v| holds(test, v)).count() as u128;
    passing > excluded_passing
}

/// The kinds on which every condition can hold.
fn kinds<'c>(conditions: &'c [Condition], universe: Universe) -> impl Iterator<Item = Kind> + 'c {
    Kind::all(universe).filter(move |kind| conditions.iter().all(|c| kind.allows(c, universe)))
}

/// Why no packet satisfies `conditions`: the fewest conditions (two, when two
/// suffice) that cannot hold together; `None` when some packet satisfies all.
pub(crate) fn contradiction(conditions: &[Condition], universe: Universe) -> Option<Vec<Condition>> {
    if kinds(conditions, universe).next().is_some() {
        return None;
    }
    for (i, a) in conditions.iter().enumerate() {
        if kinds(std::slice::from_ref(a), universe).next().is_none() {
            return Some(vec![*a]);
        }
        for b in &conditions[i + 1..] {
            let pair = [*a, *b];
            if kinds(&pair, universe).next().is_none() {
                return Some(pair.to_vec());
            }
        }
    }
    Some(conditions.to_vec())
}

/// A condition as a user would recognise it in a message: the field, and
/// the value of the fields that select a kind of packet.
pub(crate) fn describe(condition: &Condition) -> String {
    let field = condition.field;
    let value = |value: u128| -> String {
        let name = match (field, value) {
            (Field::EthType, 0x0800) => "ipv4",
            (Field::EthType, 0x86dd) => "ipv6",
            (Field::EthType, 0x0806) => "arp",
            (Field::EthType, 0x8100) => "vlan",
            (Field::EthType, _) => return format!("{value:#06x}"),
            (Field::IpProto, 1) => "icmp",
            (Field::IpProto, 6) => "tcp",
            (Field::IpProto, 17) => "udp",
            (Field::IpProto, 58) => "icmpv6",
            (Field::IpFrag, v) => ["none", "first", "tiny", "later"].get(v as usize).copied().unwrap_or("?"),
            (Field::Ipv6Ext, v) => return ext_names(v),
            _ => return value.to_string(),
        };
        name.to_owned()
    };
    let selects = matches!(field, Field::EthType | Field::IpProto | Field::IpFrag | Field::Ipv6Ext);
    match condition.test {
        _ if !selects => format!("`{}`", field.path()),
        Test::Masked { value: v, mask } if mask == field.full_mask() => format!("`{} = {}`", field.path(), value(v)),
        Test::Masked { value: v, mask } => format!("`{} = {}/{}`", field.path(), value(v), value(mask)),
        Test::Range { low, high } => format!("`{} = {}-{}`", field.path(), value(low), value(high)),
    }
}

/// `ipv6.ext` bits by name, as a spec writes them.
fn ext_names(bits: u128) -> String {
    const NAMES: [&str; 10] = ["nonext", "esp", "ah", "dest", "frag", "route", "hop", "unrep", "unseq", "bad"];
    if bits == 0 {
        return "0".to_owned();
    }
    NAMES.iter().enumerate().filter(|(bit, _)| bits & 1 << bit != 0).map(|(_, n)| *n).collect::<Vec<_>>().join("|")
}

/// What a header is called in messages.
pub(crate) fn header_name(layer: Layer) -> &'static str {
    match layer {
        Layer::Ethernet => "an Ethernet header",
        Layer::Vlan => "a VLAN tag",
        Layer::Ipv4 => "an IPv4 header",
        Layer::Ipv6 => "an IPv6 header",
        Layer::Ip => "an IP header",
        Layer::Tcp => "a TCP header",
        Layer::Udp => "a UDP header",
        Layer::Icmp => "an ICMP header",
    }
}

/// How far the packets matching `conditions` have the header `layer`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Guarantee {
    All,
    Some,
    None,
}

/// The `set` actions in `actions` whose header not every packet matching
/// `conditions` has, each with how many do (`Some` or `None`). Fragments
/// and broken chains, which lack layer 4, count only when the conditions
/// speak of them (`ip.frag`, `ipv6.ext`): otherwise a `set tcp.dst` under
/// `ip.proto = tcp` would warn about later fragments in every spec.
pub(crate) fn unguaranteed_sets(conditions: &[Condition], actions: &[Action]) -> Vec<(Field, Guarantee)> {
    let mentions_fragments = conditions.iter().any(|c| matches!(c.field, Field::IpFrag | Field::Ipv6Ext));
    let kinds: Vec<Kind> = kinds(conditions, Universe::Parsed)
        .filter(|k| mentions_fragments || (matches!(k.fragment, frag::NONE | frag::FIRST) && !k.bad_chain))
        .collect();
    if kinds.is_empty() {
        // The rule never matches; that is reported on its own.
        return Vec::new();
    }
    let mut tagged = Guarantee::None;
    if kinds.iter().all(|k| k.vlan) {
        tagged = Guarantee::All;
    } else if kinds.iter().any(|k| k.vlan) {
        tagged = Guarantee::Some;
    }
    let mut found = Vec::new();
    for action in actions {
        match *action {
            Action::PushVlan { .. } => tagged = Guarantee::All,
            // The frame may have had a second tag, or not.
            Action::PopVlan if tagged == Guarantee::All => tagged = Guarantee::Some,
            Action::Set { field, .. } => {
                let layer = field.layer();
                let guarantee = if layer == Layer::Vlan {
                    tagged
                } else if kinds.iter().all(|k| k.has(layer)) {
                    Guarantee::All
                } else if kinds.iter().any(|k| k.has(layer)) {
                    Guarantee::Some
                } else {
                    Guarantee::None
                };
                if guarantee != Guarantee::All && !found.iter().any(|&(f, _)| f == field) {
                    found.push((field, guarantee));
                }
            }
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(field: Field, value: u128) -> Condition {
        Condition { field, test: Test::Masked { value, mask: field.full_mask() } }
    }

    fn any(field: Field) -> Condition {
        Condition { field, test: Test::Masked { value: 0, mask: 0 } }
    }

    #[test]
    fn headers_that_exclude_each_other() {
        let never = |conditions: &[Condition]| contradiction(conditions, Universe::Parsed).is_some();
        assert!(never(&[exact(Field::TcpDst, 23), exact(Field::UdpSrc, 53)]));
        assert!(never(&[exact(Field::EthType, 0x86dd), any(Field::Ipv4Src)]));
        assert!(never(&[exact(Field::EthType, 0x0806), exact(Field::IpTtl, 1)]));
        assert!(never(&[exact(Field::IpProto, 17), exact(Field::TcpDst, 23)]));
        assert!(never(&[exact(Field::IpFrag, u128::from(frag::LATER)), exact(Field::TcpDst, 23)]));
        assert!(never(&[exact(Field::IpFrag, u128::from(frag::TINY)), exact(Field::IcmpType, 8)]));
        assert!(never(&[any(Field::Ipv6Ext), any(Field::Ipv4Dst)]));
        let bad = Condition {
            field: Field::Ipv6Ext,
            test: Test::Masked { value: u128::from(ext::BAD), mask: u128::from(ext::BAD) },
        };
        assert!(never(&[bad, exact(Field::TcpDst, 23)]));
        assert!(never(&[bad, exact(Field::IpProto, 6)]));
        assert!(never(&[exact(Field::IpFrag, u128::from(frag::TINY)), exact(Field::IpProto, 50)]));

        assert!(!never(&[exact(Field::EthType, 0x0800), exact(Field::TcpDst, 23)]));
        assert!(!never(&[exact(Field::IpProto, 6), exact(Field::IpFrag, u128::from(frag::LATER))]));
        assert!(!never(&[exact(Field::IpProto, 50), any(Field::Ipv6Src)]));
        assert!(!never(&[exact(Field::IpFrag, u128::from(frag::FIRST)), exact(Field::UdpDst, 53)]));
        assert!(!never(&[exact(Field::EthType, 0x8100), exact(Field::VlanId, 5)]));
        assert!(!never(&[bad, exact(Field::IpFrag, u128::from(frag::TINY))]));
    }

    #[test]
    fn the_two_conditions_to_blame() {
        let conditions = [exact(Field::InPort, 0), exact(Field::TcpDst, 23), exact(Field::UdpSrc, 53)];
        let blamed = contradiction(&conditions, Universe::Parsed).unwrap();
        assert_eq!(blamed, conditions[1..].to_vec());
    }

    #[test]
    fn test_packets_may_fragment_what_they_describe() {
        let tiny_telnet = [exact(Field::IpFrag, u128::from(frag::TINY)), exact(Field::TcpDst, 23)];
        assert!(contradiction(&tiny_telnet, Universe::Built).is_none());
        assert!(contradiction(&tiny_telnet, Universe::Parsed).is_some());
        let mixed = [exact(Field::Ipv4Dst, 1), exact(Field::Ipv6Dst, 1)];
        assert!(contradiction(&mixed, Universe::Built).is_some());
    }

    #[test]
    fn sets_on_headers_a_rule_does_not_guarantee() {
        let set = |field| Action::Set { field, value: 1 };
        let arp = [exact(Field::EthType, 0x0806)];
        assert_eq!(unguaranteed_sets(&arp, &[set(Field::Ipv4Dst)]), vec![(Field::Ipv4Dst, Guarantee::None)]);
        let ipv4 = [exact(Field::EthType, 0x0800)];
        assert!(unguaranteed_sets(&ipv4, &[set(Field::Ipv4Dst), set(Field::IpTtl), set(Field::EthSrc)]).is_empty());
        let inside = [exact(Field::InPort, 0)];
        assert_eq!(unguaranteed_sets(&inside, &[set(Field::IpTtl)]), vec![(Field::IpTtl, Guarantee::Some)]);
        let tcp = [exact(Field::IpProto, 6)];
        assert!(unguaranteed_sets(&tcp, &[set(Field::TcpDst)]).is_empty(), "fragments are not held against it");
        let later = [exact(Field::IpFrag, u128::from(frag::LATER))];
        assert_eq!(unguaranteed_sets(&later, &[set(Field::TcpDst)]), vec![(Field::TcpDst, Guarantee::None)]);
        assert!(unguaranteed_sets(&inside, &[Action::PushVlan { vid: 1, pcp: 0 }, set(Field::VlanId)]).is_empty());
        assert_eq!(unguaranteed_sets(&inside, &[set(Field::VlanPcp)]), vec![(Field::VlanPcp, Guarantee::Some)]);
    }
}
