//! The spec as written, before names and values mean anything.
//!
//! Both frontends parse their syntax (TOML, Rust tokens) into this tree and
//! stop there; `lower` resolves ports, fields, stages and values for both,
//! so the two languages cannot drift apart and every diagnostic is written
//! once. Every node carries a position `P` in the frontend's own terms: a
//! byte offset in a TOML file, a token span in the DSL.

/// A value and where it was written.
#[derive(Clone, Debug)]
pub struct At<T, P> {
    pub value: T,
    pub at: P,
}

impl<T, P: Copy> At<T, P> {
    pub fn new(value: T, at: P) -> At<T, P> {
        At { value, at }
    }
}

/// A literal as written.
#[derive(Clone, Debug)]
pub enum Value<P> {
    /// A string, or a bare name in the DSL.
    Text(String),
    Integer(i128),
    List(Vec<At<Value<P>, P>>),
    /// Something no value may be (a boolean, a float, a table): its kind,
    /// for "found ..., expected ..." messages.
    Other(&'static str),
}

impl<P> Value<P> {
    /// What the value is, as a "found ..." message names it.
    pub fn kind(&self) -> &'static str {
        match self {
            Value::Text(_) => "string",
            Value::Integer(_) => "integer",
            Value::List(_) => "array",
            Value::Other(kind) => kind,
        }
    }
}

/// `name = value` pairs: matches, sets, test packet fields, arguments.
pub type Pairs<P> = Vec<(At<String, P>, At<Value<P>, P>)>;

#[derive(Clone, Debug)]
pub struct SpecAst<P> {
    /// Where the spec starts: errors about what is missing point here.
    pub at: P,
    pub name: Option<At<String, P>>,
    /// A list of names; `None` when the spec has no `ports` at all.
    pub ports: Option<At<Value<P>, P>>,
    /// `name = width` pairs.
    pub metadata: Pairs<P>,
    pub actions: Vec<ActionDefAst<P>>,
    pub rules: Vec<RuleAst<P>>,
    pub default: Option<DecisionAst<P>>,
    pub tables: Vec<TableAst<P>>,
    pub tests: Vec<TestAst<P>>,
}

/// `[[action]]`: a named decision with parameters (`$name` in its values).
#[derive(Clone, Debug)]
pub struct ActionDefAst<P> {
    pub at: P,
    pub name: At<String, P>,
    pub params: Vec<At<String, P>>,
    pub decision: DecisionAst<P>,
}

#[derive(Clone, Debug)]
pub struct RuleAst<P> {
    pub at: P,
    pub name: Option<At<String, P>>,
    pub matches: Pairs<P>,
    pub decision: DecisionAst<P>,
}

/// What to do with a packet: actions and a target, or a named action with
/// its arguments.
#[derive(Clone, Debug)]
pub struct DecisionAst<P> {
    pub at: P,
    pub actions: Vec<At<ActionAst<P>, P>>,
    pub target: Option<TargetAst<P>>,
    /// `action = "name"` and its arguments.
    pub call: Option<(At<String, P>, Pairs<P>)>,
}

impl<P: Copy> DecisionAst<P> {
    /// An empty decision (no actions, no target) at `at`.
    pub fn empty(at: P) -> DecisionAst<P> {
        DecisionAst { at, actions: Vec::new(), target: None, call: None }
    }
}

#[derive(Clone, Debug)]
pub enum ActionAst<P> {
    /// `dec_ttl`, `swap_macs`, `pop_vlan`, or an unknown name.
    Named(String),
    Set(Pairs<P>),
    /// `to = from` pairs.
    Copy(Pairs<P>),
    PushVlan {
        vid: Option<At<Value<P>, P>>,
        pcp: Option<At<Value<P>, P>>,
    },
    /// `arp_reply` or `icmp_error` with their `name = value` arguments.
    Reply(String, Pairs<P>),
}

#[derive(Clone, Debug)]
pub enum TargetAst<P> {
    /// A port, `drop`, `flood`, `in_port`, `meta.NAME`, or `$param`.
    One(At<String, P>),
    /// Several ports.
    Ports(At<Vec<At<String, P>>, P>),
    /// Continue at a table.
    Goto(At<String, P>),
}

#[derive(Clone, Debug)]
pub struct TableAst<P> {
    pub at: P,
    pub name: Option<At<String, P>>,
    pub kind: Option<At<Value<P>, P>>,
    /// One field, or a list for exact, ternary and range tables.
    pub key: Option<At<Value<P>, P>>,
    pub entries: Vec<EntryAst<P>>,
    /// `entries_file = "routes.csv"`, relative to the spec.
    pub entries_file: Option<At<String, P>>,
    /// `load = "runtime"`: entries from a file named on the command line.
    pub load: Option<At<String, P>>,
    /// The actions a run-time file may name.
    pub actions: Option<At<Vec<At<String, P>>, P>>,
    pub default: Option<DecisionAst<P>>,
    /// A stateful stage's settings (`capacity = 65536`, `into = "meta.port"`).
    pub settings: Pairs<P>,
    /// A stateful stage's decisions by outcome (`hit = { ... }`).
    pub outcomes: Vec<(At<String, P>, DecisionAst<P>)>,
}

impl<P> TableAst<P> {
    /// A table with a name and a kind and nothing else yet.
    pub fn new(at: P, name: Option<At<String, P>>, kind: Option<At<Value<P>, P>>) -> TableAst<P> {
        TableAst {
            at,
            name,
            kind,
            key: None,
            entries: Vec::new(),
            entries_file: None,
            load: None,
            actions: None,
            default: None,
            settings: Vec::new(),
            outcomes: Vec::new(),
        }
    }
}

/// The table kinds that keep state (`ir::Stateful`), as specs name them.
pub const STATEFUL_KINDS: [&str; 5] = ["learn", "conntrack", "nat", "policer", "maglev"];

#[derive(Clone, Debug)]
pub struct EntryAst<P> {
    pub at: P,
    /// One value, or one per key field.
    pub key: Option<At<Value<P>, P>>,
    pub priority: Option<At<Value<P>, P>>,
    pub decision: DecisionAst<P>,
}

#[derive(Clone, Debug)]
pub struct TestAst<P> {
    pub at: P,
    pub name: Option<At<String, P>>,
    pub in_port: Option<At<String, P>>,
    pub packet: Option<PacketAst<P>>,
    pub expect_output: Option<TargetAst<P>>,
    pub expect: Option<PacketAst<P>>,
    /// When the packet arrives: a duration since the first case.
    pub time: Option<At<Value<P>, P>>,
}

#[derive(Clone, Debug)]
pub enum PacketAst<P> {
    /// Fields and `payload_len`.
    Fields(At<Pairs<P>, P>),
    Hex(At<String, P>),
}

impl<P: Copy> PacketAst<P> {
    /// Where the packet is written.
    pub fn at(&self) -> P {
        match self {
            PacketAst::Fields(fields) => fields.at,
            PacketAst::Hex(hex) => hex.at,
        }
    }
}
