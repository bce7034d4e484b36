//! The checked intermediate representation of a network function.
//!
//! Every frontend (TOML spec, `network_function!` DSL, `#[network_function]`)
//! lowers to a `Spec`, and only after all checks passed: the code generator and
//! the interpreter trust it and never re-validate. Values are stored as `u128`
//! in the field's natural bit order (an IPv4 address is its big-endian u32,
//! a MAC its 48-bit big-endian number), so one representation serves every
//! field width.

/// A whole network function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    /// A Rust-identifier-safe name, e.g. `router`.
    pub name: String,
    /// Ports in runtime order: `ports[i]` is runtime port `i`.
    pub ports: Vec<Port>,
    /// First match wins, in order.
    pub rules: Vec<Rule>,
    /// Tables referenced by `Target::Table(index)`.
    pub tables: Vec<Table>,
    /// What happens to a packet no rule matches.
    pub default: Decision,
    /// Test cases kept with the spec (not part of the function's behaviour).
    pub tests: Vec<TestCase>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    pub name: String,
}

/// A header field that can be matched or rewritten.
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
}

/// A header a field lives in; a condition or action on a field needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Layer {
    /// Every frame has it (input port, and Ethernet fields of frames of 14+ bytes).
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

    /// The name users write, e.g. `ipv4.dst`.
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
        }
    }

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
            Field::InPort | Field::EthDst | Field::EthSrc | Field::EthType => Layer::Ethernet,
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
}

/// One test a packet must pass for a rule to match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Condition {
    pub field: Field,
    pub test: Test,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// Rewrite a writable field; IPv4 header and TCP/UDP checksums are kept
    /// right incrementally (RFC 1624), an all-zero UDP/IPv4 checksum stays zero.
    Set { field: Field, value: u128 },
    /// Decrement IPv4 TTL / IPv6 hop limit with checksum update; a packet whose
    /// TTL is 0 or 1 on arrival expires and is dropped (nothing later runs).
    DecrementTtl,
    /// Exchange Ethernet source and destination.
    SwapMacs,
    /// Insert an 802.1Q tag (TPID 0x8100) as the new outermost tag.
    PushVlan { vid: u16, pcp: u8 },
    /// Remove the outermost 802.1Q tag; a no-op on untagged frames.
    PopVlan,
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
    /// Look the packet up in `tables[index]`; the entry (or the table's
    /// default) decides further actions and the output.
    Table(usize),
}

/// Actions then a target. A table's entries and default never target a table.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Decision {
    pub actions: Vec<Action>,
    pub target: Target,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    /// All must hold; empty matches every frame.
    pub conditions: Vec<Condition>,
    pub decision: Decision,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub kind: TableKind,
    pub entries: Vec<TableEntry>,
    /// What a miss does.
    pub default: Decision,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableKind {
    /// Longest-prefix match on an address field (ipv4.src/dst, ipv6.src/dst).
    LongestPrefix(Field),
    /// Exact match on one field (e.g. eth.dst, vlan.id, in_port).
    Exact(Field),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableEntry {
    /// The key (for LPM, the prefix with host bits zero).
    pub key: u128,
    /// Prefix length for LPM; the field's width for exact tables.
    pub prefix_len: u8,
    pub decision: Decision,
}

/// A test case kept with a spec: a packet in, the expected outputs and bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TestCase {
    pub name: String,
    /// 1-based line of the test's `[[test]]` header in its spec, so a failure
    /// can point at it (0 when the spec has no source text).
    pub line: usize,
    pub in_port: u8,
    pub packet: TestPacket,
    /// Expected output ports as a bitmask (0 = dropped).
    pub expect_outputs: u32,
    /// The packet expected on the outputs; `None` = unchanged.
    pub expect_packet: Option<TestPacket>,
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
