//! How far generated code parses a frame: the shallowest
//! [`ParseDepth`] that covers every field the spec's conditions, keys,
//! copies and actions touch, so an NF that only rewrites MACs never looks
//! past the Ethernet header. Within its depth `Headers::parse_to` reads and
//! writes exactly as the full parse the interpreter uses.

use crate::ir::{Action, Decision, EntryKey, Field, Spec, StageKind, Stateful, Target};
use nfc_runtime::ParseDepth;

/// What reading `field` needs; `None` for the input port and metadata.
fn to_read(field: Field) -> Option<ParseDepth> {
    Some(match field {
        Field::InPort | Field::Meta(_) => return None,
        // At this depth the tags are read from the frame when asked.
        Field::EthDst | Field::EthSrc | Field::EthType | Field::VlanId | Field::VlanPcp => ParseDepth::Ethernet,
        Field::Ipv4Src | Field::Ipv4Dst | Field::Ipv6Src | Field::Ipv6Dst | Field::IpTtl | Field::IpDscp => {
            ParseDepth::Ip
        }
        // The upper-layer protocol and the fragment state over IPv6 come
        // from the extension-header walk; whether a first fragment is tiny
        // from layer 4.
        Field::IpProto
        | Field::IpFrag
        | Field::Ipv6Ext
        | Field::TcpSrc
        | Field::TcpDst
        | Field::TcpFlags
        | Field::UdpSrc
        | Field::UdpDst
        | Field::IcmpType
        | Field::IcmpCode => ParseDepth::Full,
    })
}

/// What writing `field` needs: an address is in the layer-4 checksum's
/// pseudo-header, so its setter needs layer 4.
fn to_write(field: Field) -> Option<ParseDepth> {
    match field {
        Field::Ipv4Src | Field::Ipv4Dst | Field::Ipv6Src | Field::Ipv6Dst => Some(ParseDepth::Full),
        field => to_read(field),
    }
}

fn action(action: &Action) -> Option<ParseDepth> {
    match *action {
        Action::Set { field, .. } => to_write(field),
        Action::Copy { to, from } => to_write(to).max(to_read(from)),
        Action::DecrementTtl => Some(ParseDepth::Ip),
        Action::SwapMacs | Action::PushVlan { .. } | Action::PopVlan | Action::ArpReply { .. } => {
            Some(ParseDepth::Ethernet)
        }
        // The error is checked against the packet's fragment state and
        // upper-layer protocol, and quotes it.
        Action::IcmpError { .. } => Some(ParseDepth::Full),
    }
}

/// What a decision needs. Every target is a constant or metadata; a new
/// kind of target must say what it reads here.
fn decision(decision: &Decision) -> Option<ParseDepth> {
    let target = match decision.target {
        Target::Drop | Target::Ports(_) | Target::Flood | Target::InPort | Target::MetaPort(_) | Target::Goto(_) => {
            None
        }
    };
    decision.actions.iter().filter_map(action).max().max(target)
}

/// What a stage's lookup needs. The match has no catch-all on purpose: a
/// new kind of stage (a stateful one keyed on a flow, say) does not compile
/// until it states its depth here, and the safe answer for a kind whose
/// reads are not spelled out field by field is `Some(ParseDepth::Full)`.
fn lookup(kind: &StageKind) -> Option<ParseDepth> {
    match kind {
        StageKind::FirstMatch { key } | StageKind::Exact { key } => key.iter().copied().filter_map(to_read).max(),
        StageKind::LongestPrefix { key } => to_read(*key),
        // A learning table and a policer read their own fields through the
        // getters; flows, NAT and the balancer read addresses and ports
        // through `Headers` as the runtime's state sees fit: everything.
        StageKind::Stateful(Stateful::Learn { learn, lookup, .. }) => to_read(*learn).max(to_read(*lookup)),
        StageKind::Stateful(Stateful::Police { key, .. }) => to_read(*key),
        StageKind::Stateful(Stateful::ConnTrack { .. } | Stateful::Nat { .. } | Stateful::Balance { .. }) => {
            Some(ParseDepth::Full)
        }
    }
}

/// What an entry's key needs beyond its stage's lookup: a rule's conditions.
fn entry_key(key: &EntryKey) -> Option<ParseDepth> {
    match key {
        EntryKey::Conditions(conditions) => conditions.iter().filter_map(|c| to_read(c.field)).max(),
        EntryKey::Exact(_) | EntryKey::Prefix { .. } | EntryKey::Outcome(_) => None,
    }
}

/// The depth the spec's generated code parses to; `None` when it reads no
/// header at all (a port forwarder), which then parses nothing.
pub(super) fn of(spec: &Spec) -> Option<ParseDepth> {
    let mut needed = None;
    for stage in &spec.stages {
        let loaded = stage.loaded.iter().flat_map(|l| l.actions.iter().map(|template| &template.decision));
        let decisions = stage.entries.iter().map(|e| &e.decision).chain([&stage.default]).chain(loaded);
        needed = needed
            .max(lookup(&stage.kind))
            .max(stage.entries.iter().filter_map(|e| entry_key(&e.key)).max())
            .max(decisions.filter_map(decision).max());
    }
    needed
}

/// The `ParseDepth` as a path in generated code.
pub(super) fn tokens(depth: ParseDepth) -> proc_macro2::TokenStream {
    let variant = proc_macro2::Ident::new(&format!("{depth:?}"), proc_macro2::Span::call_site());
    quote::quote! { ::nfc::runtime::ParseDepth::#variant }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(spec: &str) -> Option<ParseDepth> {
        of(&crate::frontend::toml::parse("t.toml", spec).unwrap_or_else(|e| panic!("{e:?}")).spec)
    }

    const PORTS: &str = "name = \"t\"\nports = [\"a\", \"b\"]\n";

    #[test]
    fn a_port_forwarder_parses_nothing() {
        assert_eq!(depth(&format!("{PORTS}[[rule]]\nmatch = {{ in_port = \"a\" }}\noutput = \"b\"\n")), None);
    }

    #[test]
    fn each_field_and_action_asks_for_its_layer() {
        let cases = [
            ("actions = [{ set = { \"eth.src\" = \"02:00:00:00:00:01\" } }]", ParseDepth::Ethernet),
            ("actions = [\"swap_macs\"]", ParseDepth::Ethernet),
            ("match = { \"eth.type\" = \"ipv4\" }", ParseDepth::Ethernet),
            ("match = { \"vlan.id\" = 5 }", ParseDepth::Ethernet),
            ("actions = [\"pop_vlan\"]", ParseDepth::Ethernet),
            ("actions = [{ push_vlan = { vid = 1, pcp = 0 } }]", ParseDepth::Ethernet),
            ("match = { \"ipv4.dst\" = \"10.0.0.0/8\" }", ParseDepth::Ip),
            ("actions = [\"dec_ttl\"]", ParseDepth::Ip),
            ("actions = [{ set = { \"ip.dscp\" = 46 } }]", ParseDepth::Ip),
            ("actions = [{ set = { \"ipv4.dst\" = \"10.0.0.1\" } }]", ParseDepth::Full),
            ("match = { \"ip.proto\" = \"tcp\" }", ParseDepth::Full),
            ("match = { \"ip.frag\" = \"later\" }", ParseDepth::Full),
            ("match = { \"udp.dst\" = 53 }", ParseDepth::Full),
        ];
        for (rule, expected) in cases {
            let spec = format!("{PORTS}[[rule]]\n{rule}\noutput = \"b\"\n");
            assert_eq!(depth(&spec), Some(expected), "{rule}");
        }
    }

    #[test]
    fn the_deepest_need_of_any_stage_wins() {
        let spec = format!(
            "{PORTS}[[rule]]\nmatch = {{ \"eth.type\" = \"ipv4\" }}\noutput = {{ table = \"t\" }}\n\
             [[table]]\nname = \"t\"\nkind = \"exact\"\nkey = \"tcp.dst\"\n\
             entries = [{{ key = 80, output = \"b\" }}]\n"
        );
        assert_eq!(depth(&spec), Some(ParseDepth::Full));
    }

    /// A learning table and a policer need what their fields need; flows
    /// (conntrack, NAT, the balancer's affinity) need everything; so do the
    /// router replies that quote the packet.
    #[test]
    fn stateful_stages_and_replies_ask_for_what_they_read() {
        let meta = "metadata = { port = 8, backend = 8 }\n[default]\ngoto = \"s\"\n";
        let cases = [
            ("kind = \"learn\"\ninto = \"meta.port\"", Some(ParseDepth::Ethernet)),
            ("kind = \"learn\"\ninto = \"meta.port\"\nlearn = \"in_port\"\nlookup = \"meta.backend\"", None),
            ("kind = \"policer\"\nkey = \"ipv4.dst\"\nrate = 1000\nburst = 1000\nconform = { output = \"a\" }", Some(ParseDepth::Ip)),
            ("kind = \"conntrack\"\ninside = [\"a\"]\npass = { output = \"b\" }", Some(ParseDepth::Full)),
            ("kind = \"nat\"\ninside = [\"a\"]\nexternal = \"192.0.2.1\"\noutbound = { output = \"b\" }\ninbound = { output = \"a\" }", Some(ParseDepth::Full)),
            ("kind = \"maglev\"\nbackends = [0, 1]\ninto = \"meta.backend\"\npicked = { output = \"meta.backend\" }", Some(ParseDepth::Full)),
        ];
        for (table, expected) in cases {
            let spec = format!("{PORTS}{meta}[[table]]\nname = \"s\"\n{table}\n");
            assert_eq!(depth(&spec), expected, "{table}");
        }
        let arp = "actions = [{ arp_reply = { address = \"10.0.0.1\", mac = \"02:00:00:00:00:01\" } }]";
        let icmp = "actions = [{ icmp_error = { type = \"time_exceeded\", mac = \"02:00:00:00:00:01\", ipv4 = \"10.0.0.1\" } }]";
        for (rule, expected) in [(arp, ParseDepth::Ethernet), (icmp, ParseDepth::Full)] {
            let spec = format!("{PORTS}[[rule]]\n{rule}\noutput = \"in_port\"\n");
            assert_eq!(depth(&spec), Some(expected), "{rule}");
        }
    }

    /// A table loaded at run time has no entries at build time: the
    /// actions its file may name decide.
    #[test]
    fn the_actions_of_a_table_loaded_at_run_time_count() {
        let spec = format!(
            "{PORTS}[[action]]\nname = \"nat\"\nparams = [\"to\"]\n\
             actions = [{{ set = {{ \"ipv4.dst\" = \"$to\" }} }}]\noutput = \"b\"\n\
             [[rule]]\nname = \"all\"\ngoto = \"t\"\n\
             [[table]]\nname = \"t\"\nkind = \"exact\"\nkey = \"in_port\"\nload = \"runtime\"\n\
             actions = [\"nat\"]\ndefault = {{ output = \"drop\" }}\n"
        );
        assert_eq!(depth(&spec), Some(ParseDepth::Full));
    }
}
