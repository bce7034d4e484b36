//! The checked intermediate representation of a network function.
//!
//! Every frontend (TOML spec, `nf!` DSL) lowers to a `Spec`, and only after
//! all checks passed: the code generator and the interpreter trust it and
//! never re-validate. Values are stored as `u128` in the field's natural bit
//! order (an IPv4 address is its big-endian u32, a MAC its 48-bit big-endian
//! number), so one representation serves every field width.
//!
//! A spec is a pipeline of stages. Every packet enters `stages[0]`, the
//! top-level rule list; a decision either ends with an output or continues
//! (`Target::Goto`) at a later stage. The stage graph is acyclic (the checker
//! rejects cycles), so every stage runs at most once per packet.

/// A whole network function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    /// A Rust-identifier-safe name, e.g. `router`.
    pub name: String,
    /// Ports in runtime order: `ports[i]` is runtime port `i`.
    pub ports: Vec<Port>,
    /// Per-packet metadata fields, zero when a packet arrives.
    pub metadata: Vec<MetaField>,
    /// `stages[ENTRY]` is where packets enter; the rest are tables.
    pub stages: Vec<Stage>,
    /// Test cases kept with the spec (not part of the function's behaviour).
    pub tests: Vec<TestCase>,
}

/// The index of the stage every packet enters: the top-level rule list.
pub const ENTRY: usize = 0;

impl Spec {
    /// The top-level rule list.
    pub fn rules(&self) -> &Stage {
        &self.stages[ENTRY]
    }

    /// Whether any stage keeps state, and so time.
    pub fn uses_time(&self) -> bool {
        self.stages.iter().any(|s| matches!(s.kind, StageKind::Stateful(_)))
    }

    /// The tables, with their stage indices.
    pub fn tables(&self) -> impl Iterator<Item = (usize, &Stage)> {
        self.stages.iter().enumerate().skip(1)
    }

    /// The name a field has in this spec (`meta.*` names come from the spec).
    pub fn field_name(&self, field: Field) -> String {
        match field {
            Field::Meta(meta) => format!("meta.{}", self.metadata[usize::from(meta.index)].name),
            other => other.path().to_owned(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    pub name: String,
}

/// A metadata field the spec declares: per-packet scratch state that actions
/// set and later stages match and key on (P4's user metadata, OVS's registers).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MetaField {
    pub name: String,
    /// 1 to 128 bits.
    pub width: u8,
}

/// A metadata field as an operand: its index in `Spec::metadata` and its width.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MetaId {
    pub index: u8,
    pub width: u8,
}

/// A field that can be matched, used as a key, or rewritten.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// The port the packet arrived on (match only).
    InPort,
    EthDst,
    EthSrc,
    /// The EtherType after any VLAN tag (like OpenFlow's eth_type).
    EthType,
    /// Outermost 802.1Q tag's VLAN id (12 bits).
    VlanId,
    /// Outermost 802.1Q tag's priority code point (3 bits).
    VlanPcp,
    Ipv4Src,
    Ipv4Dst,
    Ipv6Src,
    Ipv6Dst,
    /// The upper-layer protocol: IPv4's Protocol, or the IPv6 Next Header
    /// that ends the extension-header chain (as Open vSwitch's `nw_proto`).
    IpProto,
    /// IPv4 TTL or IPv6 hop limit.
    IpTtl,
    /// DSCP of IPv4 or IPv6 (6 bits).
    IpDscp,
    TcpSrc,
    TcpDst,
    /// The 8 flag bits CWR ECE URG ACK PSH RST SYN FIN (FIN = bit 0).
    TcpFlags,
    UdpSrc,
    UdpDst,
    /// ICMPv4 or ICMPv6 type.
    IcmpType,
    /// ICMPv4 or ICMPv6 code.
    IcmpCode,
    /// Fragment state of IPv4 or IPv6 (2 bits, `wire::ipv6_ext::frag`):
    /// none, first, tiny (a first fragment whose upper-layer header is
    /// incomplete), later (match only).
    IpFrag,
    /// The IPv6 extension headers seen (10 bits, `wire::ipv6_ext::ext`;
    /// match only).
    Ipv6Ext,
    /// A metadata field of the spec: always present.
    Meta(MetaId),
}

/// A header a field lives in; a condition or action on a field needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layer {
    /// Every frame has it (input port, metadata, and Ethernet fields of
    /// frames of 14+ bytes).
    Ethernet,
    Vlan,
    Ipv4,
    Ipv6,
    /// IPv4 or IPv6.
    Ip,
    Tcp,
    Udp,
    /// ICMPv4 or ICMPv6.
    Icmp,
}

impl Field {
    /// Every packet field (metadata fields are the spec's own).
    pub const ALL: [Field; 22] = [
        Field::InPort,
        Field::EthDst,
        Field::EthSrc,
        Field::EthType,
        Field::VlanId,
        Field::VlanPcp,
        Field::Ipv4Src,
        Field::Ipv4Dst,
        Field::Ipv6Src,
        Field::Ipv6Dst,
        Field::IpProto,
        Field::IpTtl,
        Field::IpDscp,
        Field::TcpSrc,
        Field::TcpDst,
        Field::TcpFlags,
        Field::UdpSrc,
        Field::UdpDst,
        Field::IcmpType,
        Field::IcmpCode,
        Field::IpFrag,
        Field::Ipv6Ext,
    ];

    /// The name users write, e.g. `ipv4.dst`; `meta` for every metadata
    /// field (`Spec::field_name` has the full name).
    pub fn path(self) -> &'static str {
        match self {
            Field::InPort => "in_port",
            Field::EthDst => "eth.dst",
            Field::EthSrc => "eth.src",
            Field::EthType => "eth.type",
            Field::VlanId => "vlan.id",
            Field::VlanPcp => "vlan.pcp",
            Field::Ipv4Src => "ipv4.src",
            Field::Ipv4Dst => "ipv4.dst",
            Field::Ipv6Src => "ipv6.src",
            Field::Ipv6Dst => "ipv6.dst",
            Field::IpProto => "ip.proto",
            Field::IpTtl => "ip.ttl",
            Field::IpDscp => "ip.dscp",
            Field::TcpSrc => "tcp.src",
            Field::TcpDst => "tcp.dst",
            Field::TcpFlags => "tcp.flags",
            Field::UdpSrc => "udp.src",
            Field::UdpDst => "udp.dst",
            Field::IcmpType => "icmp.type",
            Field::IcmpCode => "icmp.code",
            Field::IpFrag => "ip.frag",
            Field::Ipv6Ext => "ipv6.ext",
            Field::Meta(_) => "meta",
        }
    }

    /// A packet field by name (metadata names are resolved by the frontends).
    pub fn from_path(path: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.path() == path)
    }

    /// Width in bits; values and masks never exceed it.
    pub fn width(self) -> u32 {
        match self {
            Field::InPort => 8,
            Field::EthDst | Field::EthSrc => 48,
            Field::EthType => 16,
            Field::VlanId => 12,
            Field::VlanPcp => 3,
            Field::Ipv4Src | Field::Ipv4Dst => 32,
            Field::Ipv6Src | Field::Ipv6Dst => 128,
            Field::IpProto | Field::IpTtl => 8,
            Field::IpDscp => 6,
            Field::TcpSrc | Field::TcpDst | Field::UdpSrc | Field::UdpDst => 16,
            Field::TcpFlags => 8,
            Field::IcmpType | Field::IcmpCode => 8,
            Field::IpFrag => 2,
            Field::Ipv6Ext => 10,
            Field::Meta(meta) => u32::from(meta.width),
        }
    }

    /// All-ones mask of the field's width.
    pub fn full_mask(self) -> u128 {
        if self.width() == 128 {
            u128::MAX
        } else {
            (1u128 << self.width()) - 1
        }
    }

    /// The header the field lives in.
    pub fn layer(self) -> Layer {
        match self {
            Field::InPort | Field::EthDst | Field::EthSrc | Field::EthType | Field::Meta(_) => Layer::Ethernet,
            Field::VlanId | Field::VlanPcp => Layer::Vlan,
            Field::Ipv4Src | Field::Ipv4Dst => Layer::Ipv4,
            Field::Ipv6Src | Field::Ipv6Dst | Field::Ipv6Ext => Layer::Ipv6,
            Field::IpProto | Field::IpTtl | Field::IpDscp | Field::IpFrag => Layer::Ip,
            Field::TcpSrc | Field::TcpDst | Field::TcpFlags => Layer::Tcp,
            Field::UdpSrc | Field::UdpDst => Layer::Udp,
            Field::IcmpType | Field::IcmpCode => Layer::Icmp,
        }
    }

    /// Whether an action may rewrite this field.
    pub fn is_writable(self) -> bool {
        !matches!(
            self,
            Field::InPort
                | Field::EthType
                | Field::IpProto
                | Field::TcpFlags
                | Field::IcmpType
                | Field::IcmpCode
                | Field::IpFrag
                | Field::Ipv6Ext
        )
    }

    /// Whether the field is in the packet (not per-packet metadata or the
    /// input port): reading it needs the headers parsed.
    pub fn is_in_packet(self) -> bool {
        !matches!(self, Field::InPort | Field::Meta(_))
    }
}

/// One test a packet must pass for an entry to match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Condition {
    pub field: Field,
    pub test: Test,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Test {
    /// `field & mask == value` (exact match: mask = full; prefix: leading ones).
    /// Invariant: `value & !mask == 0`; `mask == 0` only for a /0 prefix,
    /// which holds whenever the field is present.
    Masked { value: u128, mask: u128 },
    /// `low <= field <= high`. Invariant: `low <= high`.
    Range { low: u128, high: u128 },
}

/// Something done to a matched packet, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Rewrite a writable field (or set a metadata field); IPv4 header and
    /// TCP/UDP checksums are kept right incrementally (RFC 1624), an all-zero
    /// UDP/IPv4 checksum stays zero.
    Set { field: Field, value: u128 },
    /// `to = from`, zero-extended (`to` is at least as wide as `from`); a
    /// no-op when either field's layer is absent.
    Copy { to: Field, from: Field },
    /// Decrement IPv4 TTL / IPv6 hop limit with checksum update; a packet whose
    /// TTL is 0 or 1 on arrival expires and is dropped (nothing later runs).
    DecrementTtl,
    /// Exchange Ethernet source and destination.
    SwapMacs,
    /// Insert an 802.1Q tag (TPID 0x8100) as the new outermost tag.
    PushVlan { vid: u16, pcp: u8 },
    /// Remove the outermost 802.1Q tag; a no-op on untagged frames.
    PopVlan,
    /// A router's own address: an ARP request for `address` becomes its
    /// reply from `mac`, in place; any other frame is dropped. Always the
    /// last action of a decision that ends with an output.
    ArpReply { address: u32, mac: u64 },
    /// The packet becomes the ICMP error `error` about it, from `mac` and
    /// the router's address of its family (`ipv4`, `ipv6`; 0 for none), in
    /// place; dropped when no error may be sent. Last, like `ArpReply`.
    IcmpError { error: ReplyError, mac: u64, ipv4: u32, ipv6: u128 },
}

/// The ICMP errors a spec can send (`runtime::wire::IcmpError`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReplyError {
    TimeExceeded,
    NetUnreachable,
    HostUnreachable,
    PortUnreachable,
    AdminProhibited,
}

impl ReplyError {
    /// Each error as a spec names it.
    pub const ALL: [(&'static str, ReplyError); 5] = [
        ("time_exceeded", ReplyError::TimeExceeded),
        ("net_unreachable", ReplyError::NetUnreachable),
        ("host_unreachable", ReplyError::HostUnreachable),
        ("port_unreachable", ReplyError::PortUnreachable),
        ("admin_prohibited", ReplyError::AdminProhibited),
    ];
}

impl Action {
    /// Whether the action rewrites the whole frame into a reply, so that it
    /// must come last and be sent out.
    pub fn is_reply(&self) -> bool {
        matches!(self, Action::ArpReply { .. } | Action::IcmpError { .. })
    }
}

/// Where a packet goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Target {
    Drop,
    /// Bit `i` = port `i`; never empty (that is `Drop`).
    Ports(u32),
    /// Every port but the input port.
    Flood,
    /// Back out of the input port.
    InPort,
    /// The port numbered by a metadata field's value; none (a drop) when no
    /// such port exists.
    MetaPort(MetaId),
    /// Continue at `stages[index]`, always a stage after this one in the
    /// pipeline's (acyclic) order.
    Goto(usize),
}

/// Actions then a target.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Decision {
    pub actions: Vec<Action>,
    pub target: Target,
}

impl Decision {
    pub const DROP: Decision = Decision { actions: Vec::new(), target: Target::Drop };
}

/// A stage of the pipeline: the top-level rule list, or a table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stage {
    pub name: String,
    pub kind: StageKind,
    /// In priority order for `FirstMatch`; for tables loaded at run time,
    /// empty.
    pub entries: Vec<Entry>,
    /// What a miss does (for the rule list: no rule matched).
    pub default: Decision,
    /// The decisions entries may take when they are loaded at run time
    /// (`None`: the entries are fixed at build time).
    pub loaded: Option<LoadedEntries>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StageKind {
    /// The first entry (in order) whose conditions all hold: the rule list,
    /// and ternary and range tables (sorted by priority by the frontend).
    /// `key` lists the fields entries may test (every field, for the rule list).
    FirstMatch { key: Vec<Field> },
    /// Every key field equal to the entry's (a field absent from the packet
    /// is a miss). Entry keys are unique.
    Exact { key: Vec<Field> },
    /// Longest-prefix match on an address field (ipv4/ipv6 src/dst).
    LongestPrefix { key: Field },
    /// A stage that keeps state from packet to packet (`runtime::state`):
    /// fixed capacity taken at start, idle expiry. Its entries are its
    /// outcomes (`EntryKey::Outcome(i)`, one per `Stateful::outcomes`, in
    /// that order); `default` takes every other result.
    Stateful(Stateful),
}

/// What a stateful stage keeps and how it decides. Ports are bitmasks,
/// times nanoseconds; the frontend checked every value against the
/// runtime's limits.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Stateful {
    /// MAC learning (a bridge's filtering database): every packet teaches
    /// `learn` -> its input port; then `lookup` is looked up and the port
    /// found written to `into`. Outcomes `hit` (found, another port) and
    /// `same_port`; the default takes a miss.
    Learn { learn: Field, lookup: Field, into: MetaId, capacity: u32, timeout_ns: u64 },
    /// Connection tracking: packets from `inside` ports open flows, packets
    /// from the others pass only as replies (`ConnTracker`). Outcome `pass`.
    ConnTrack { inside: u32, capacity: u32, timeouts_ns: [u64; 5] },
    /// Source NAPT of IPv4 from `inside` ports to the `external` (address,
    /// first port, last port) ranges (`Napt`). Outcomes `outbound` and
    /// `inbound` (translated).
    Nat { inside: u32, external: Vec<(u32, u16, u16)>, timeouts_ns: [u64; 5] },
    /// A token bucket per value of `key` (`Policer`). Outcome `conform`.
    Police { key: Field, rate_bytes_per_s: u64, burst_bytes: u64, capacity: u32, timeout_ns: u64 },
    /// Maglev over `backends` with flow affinity (`Balancer`); the chosen
    /// backend's value is written to `into`. Outcome `picked`.
    Balance { backends: Vec<u64>, into: MetaId, capacity: u32, timeout_ns: u64 },
}

impl Stateful {
    /// The outcomes a spec gives decisions to, in entry order.
    pub fn outcomes(&self) -> &'static [&'static str] {
        Stateful::outcomes_of_kind(self.kind_name())
    }

    /// The kind as a spec names it (`kind = "learn"`).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Stateful::Learn { .. } => "learn",
            Stateful::ConnTrack { .. } => "conntrack",
            Stateful::Nat { .. } => "nat",
            Stateful::Police { .. } => "policer",
            Stateful::Balance { .. } => "maglev",
        }
    }

    /// The outcomes of the kind a spec names `kind` (one of the names
    /// `kind_name` gives), known before its settings are.
    pub fn outcomes_of_kind(kind: &str) -> &'static [&'static str] {
        match kind {
            "learn" => &["hit", "same_port"],
            "conntrack" => &["pass"],
            "nat" => &["outbound", "inbound"],
            "policer" => &["conform"],
            _ => &["picked"],
        }
    }

    /// The stage's counters (`<stage>/<name>`), one per result the state
    /// can give: the packet is counted on exactly one of the results
    /// before `learn/`, and a learning stage also counts what it learned.
    pub fn counters(&self) -> &'static [&'static str] {
        match self {
            Stateful::Learn { .. } => &["hit", "same_port", "miss", "learn/new", "learn/moved", "learn/full"],
            Stateful::ConnTrack { .. } => {
                &["opened", "tracked", "closed", "related", "untracked", "unsolicited", "full", "untrackable"]
            }
            Stateful::Nat { .. } => &[
                "outbound/new",
                "outbound",
                "inbound",
                "related",
                "no_mapping",
                "full",
                "untranslatable",
                "bad_checksum",
            ],
            Stateful::Police { .. } => &["conform", "new", "exceed", "full", "no_key"],
            Stateful::Balance { .. } => &["affinity", "new", "repicked", "no_affinity", "no_backend", "untrackable"],
        }
    }

    /// The fields the stage reads itself (besides the headers the runtime
    /// reads for flows: every stateful stage needs the whole parse).
    pub fn fields(&self) -> Vec<Field> {
        match self {
            Stateful::Learn { learn, lookup, .. } => vec![*learn, *lookup],
            Stateful::Police { key, .. } => vec![*key],
            Stateful::ConnTrack { .. } | Stateful::Nat { .. } | Stateful::Balance { .. } => Vec::new(),
        }
    }

    /// The metadata field the stage writes, if any.
    pub fn writes(&self) -> Option<MetaId> {
        match self {
            Stateful::Learn { into, .. } | Stateful::Balance { into, .. } => Some(*into),
            _ => None,
        }
    }
}

impl StageKind {
    /// The fields a lookup reads.
    pub fn key_fields(&self) -> &[Field] {
        match self {
            StageKind::FirstMatch { key } | StageKind::Exact { key } => key,
            StageKind::LongestPrefix { key } => std::slice::from_ref(key),
            // Not a table key: see `Stateful::fields`.
            StageKind::Stateful(_) => &[],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// A rule's name (the rule list counts per rule); empty for table entries.
    pub name: String,
    pub key: EntryKey,
    pub decision: Decision,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum EntryKey {
    /// All must hold (`FirstMatch`); empty matches every packet.
    Conditions(Vec<Condition>),
    /// One value per key field (`Exact`).
    Exact(Vec<u128>),
    /// A prefix with its host bits zero (`LongestPrefix`).
    Prefix { value: u128, len: u8 },
    /// Outcome `i` of a stateful stage (`Stateful::outcomes`).
    Outcome(u8),
}

/// A table whose entries come from a file at run time (`--table NAME=FILE`):
/// the actions an entry line may name, each a decision with holes its
/// arguments fill.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadedEntries {
    pub actions: Vec<ActionTemplate>,
}

/// A named, parameterised decision: P4's action with action data.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ActionTemplate {
    pub name: String,
    /// The decision with zeros where the holes are.
    pub decision: Decision,
    /// Parameter `i` fills `holes[i]`, in declaration order.
    pub holes: Vec<Hole>,
    pub params: Vec<String>,
}

/// A constant of a decision that varies per entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Hole {
    /// The value of `decision.actions[i]` (a `Set`).
    SetValue(usize),
    /// The VLAN id of `decision.actions[i]` (a `PushVlan`).
    PushVid(usize),
    /// The priority of `decision.actions[i]` (a `PushVlan`).
    PushPcp(usize),
    /// The port set of the target (`Target::Ports`).
    Ports,
    /// The stage of the target (`Target::Goto`).
    Goto,
}

/// A test case kept with a spec: a packet in, the expected outputs and bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestCase {
    pub name: String,
    /// 1-based line of the test in its spec, so a failure can point at it
    /// (0 when the spec has no source text).
    pub line: usize,
    pub in_port: u8,
    pub packet: TestPacket,
    /// Expected output ports as a bitmask (0 = dropped).
    pub expect_outputs: u32,
    /// The packet expected on the outputs; `None` = unchanged.
    pub expect_packet: Option<TestPacket>,
    /// When the packet arrives (nanoseconds since the first case); cases run
    /// in order on one instance, so stateful stages see them as a sequence.
    pub time_ns: u64,
}

/// A packet for a test case, described by fields and built by a packet library.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestPacket {
    /// Fields (with the layers they imply) plus a payload length; unset fields
    /// take documented defaults.
    Fields { fields: Vec<(Field, u128)>, payload_len: usize },
    /// Literal bytes.
    Bytes(Vec<u8>),
}
