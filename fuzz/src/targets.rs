//! What gets fuzzed, each with its oracle.

use nfc_compiler::interp::Interpreter;
use nfc_compiler::ir::Spec;
use nfc_examples::process_copy;
use nfc_runtime::capture::CaptureReader;
use nfc_runtime::{Frame, Headers, NetworkFunction, RuleCounter, TtlOutcome};
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};

/// The receive buffer: no frame the driver hands an NF is longer.
const BUFFER: usize = 2048;

pub trait Target {
    fn name(&self) -> String;
    /// Built-in seeds; the corpus directory adds to them.
    fn seeds(&self) -> Vec<Vec<u8>>;
    /// Tokens the mutator may insert.
    fn dictionary(&self) -> &'static [&'static str] {
        &[]
    }
    fn max_len(&self) -> usize;
    /// Runs one input, panicking when an oracle disagrees; returns a
    /// signature of the behaviour it saw.
    fn run(&mut self, data: &[u8]) -> u64;
}

fn hash(value: impl Hash) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn files(dir: &str, extension: &str) -> Vec<PathBuf> {
    let mut paths: Vec<_> = std::fs::read_dir(repository().join(dir))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == extension))
                .collect()
        })
        .unwrap_or_default();
    paths.sort();
    paths
}

fn load_spec(path: &Path) -> Spec {
    nfc_compiler::compile_file(path).unwrap_or_else(|e| panic!("{}: {e:?}", path.display())).spec
}

/// Realistic frames: every shipped spec's test packets and the bundled
/// capture's frames.
pub fn packet_seeds() -> Vec<Vec<u8>> {
    let mut seeds = Vec::new();
    for path in files("nf-specs", "toml") {
        seeds.extend(load_spec(&path).tests.iter().map(|case| nfc_compiler::testpkt::build(&case.packet)));
    }
    for path in files("examples/captures", "pcap") {
        let Ok(mut reader) = CaptureReader::open(&path) else { continue };
        let mut frame = Vec::new();
        while let Ok(Some(_)) = reader.next_into(&mut frame) {
            seeds.push(frame.clone());
        }
    }
    seeds
}

/// A signature of a frame's parsed shape.
fn shape(headers: &Headers) -> u64 {
    hash((
        headers.has_eth(),
        headers.vlan_count(),
        headers.has_ipv4(),
        headers.has_ipv6(),
        headers.has_tcp(),
        headers.has_udp(),
        headers.has_icmp(),
        headers.ip_frag(&[]),
        headers.ipv6_ext(&[]),
    ))
}

/// The packet views: parse, read every field, write every field, tag and
/// untag. Oracles: a valid IPv4 header checksum and a valid TCP/UDP checksum
/// stay valid through every setter (checked by code independent of the
/// views' incremental updates), setters never change the frame's structure,
/// and after a push or pop the views equal a fresh parse.
pub struct Wire;

fn fold(mut sum: u32) -> u16 {
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    sum as u16
}

fn sum16(bytes: &[u8]) -> u32 {
    bytes.chunks(2).map(|w| u32::from(u16::from_be_bytes([w[0], *w.get(1).unwrap_or(&0)]))).sum()
}

/// Whether the IPv4 header checksum holds, and whether the TCP/UDP one does
/// (None when there is no such layer or a UDP checksum of 0, "none").
fn checksums(data: &[u8], headers: &Headers) -> (Option<bool>, Option<bool>) {
    let Some(l3) = headers.l3_offset().filter(|_| headers.has_ipv4()) else { return (None, None) };
    let header_len = usize::from(data[l3] & 0x0f) * 4;
    let ip_ok = fold(sum16(&data[l3..l3 + header_len])) == 0xffff;
    let l4 = match headers.l4_offset() {
        Some(l4) if headers.has_tcp() || headers.has_udp() => l4,
        _ => return (Some(ip_ok), None),
    };
    let total = usize::from(u16::from_be_bytes([data[l3 + 2], data[l3 + 3]]));
    let segment = &data[l4..l3 + total];
    if headers.has_udp() && segment[6..8] == [0, 0] {
        return (Some(ip_ok), None);
    }
    let protocol = data[l3 + 9];
    let pseudo = sum16(&data[l3 + 12..l3 + 20]) + u32::from(protocol) + segment.len() as u32;
    (Some(ip_ok), Some(fold(pseudo + sum16(segment)) == 0xffff))
}

impl Target for Wire {
    fn name(&self) -> String {
        "wire".into()
    }
    fn seeds(&self) -> Vec<Vec<u8>> {
        packet_seeds()
    }
    fn max_len(&self) -> usize {
        BUFFER
    }
    fn run(&mut self, data: &[u8]) -> u64 {
        // The last 16 bytes of the input choose the values written.
        let (frame_bytes, values) = data.split_at(data.len().saturating_sub(16));
        let value = |i: usize| -> u64 {
            values.get(i..i + 8).map_or(0x0123_4567_89ab_cdef, |b| u64::from_be_bytes(b.try_into().unwrap()))
        };
        let mut buffer = frame_bytes.to_vec();
        buffer.resize(frame_bytes.len() + 8, 0);
        let mut frame = Frame::new(&mut buffer, frame_bytes.len());
        let mut headers = Headers::parse(frame.data());
        let before = shape(&headers);
        let fields = {
            let d = frame.data();
            // Shapes, not values: a new value in a known shape is nothing new.
            hash((
                headers.vlan_id(d) == Some(0),
                headers.ip_proto(d).map(|p| matches!(p, 1 | 6 | 17 | 58)),
                headers.ip_ttl(d).map(|t| t <= 1),
                headers.tcp_flags(d) == Some(0),
            ))
        };
        let (ip_ok, l4_ok) = checksums(frame.data(), &headers);

        let (a, b) = (value(0), value(8));
        let d = frame.data_mut();
        headers.set_eth_dst(d, a);
        headers.set_eth_src(d, b);
        headers.set_vlan_id(d, a as u16);
        headers.set_vlan_pcp(d, b as u8);
        headers.set_ipv4_src(d, a as u32);
        headers.set_ipv4_dst(d, (a >> 32) as u32);
        headers.set_ipv6_src(d, u128::from(a) << 64 | u128::from(b));
        headers.set_ipv6_dst(d, u128::from(b) << 64 | u128::from(a));
        headers.set_ip_dscp(d, a as u8);
        headers.set_tcp_src(d, b as u16);
        headers.set_tcp_dst(d, (b >> 16) as u16);
        headers.set_udp_src(d, (a >> 16) as u16);
        headers.set_udp_dst(d, (a >> 48) as u16);
        let ttl = headers.decrement_ttl(d);
        headers.swap_macs(d);
        assert_eq!(Headers::parse(frame.data()), headers, "a setter changed the frame's structure");
        let (ip_after, l4_after) = checksums(frame.data(), &headers);
        if ip_ok == Some(true) {
            assert_eq!(ip_after, Some(true), "setters broke a valid IPv4 header checksum");
        }
        if l4_ok == Some(true) {
            assert_eq!(l4_after, Some(true), "setters broke a valid TCP/UDP checksum");
        }
        let pushed = headers.push_vlan(&mut frame, a as u16, b as u8);
        assert_eq!(Headers::parse(frame.data()), headers, "views differ from a parse after push_vlan");
        let popped = headers.pop_vlan(&mut frame);
        assert_eq!(Headers::parse(frame.data()), headers, "views differ from a parse after pop_vlan");
        hash((before, fields, ip_ok, l4_ok, matches!(ttl, TtlOutcome::Expired), pushed, popped))
    }
}

/// A generated NF against the reference interpreter of its spec: outputs,
/// every byte and every counter must agree. The first input byte picks the
/// input port.
pub struct Nf<N: NetworkFunction> {
    name: String,
    ports: u8,
    pub(crate) generated: N,
    pub(crate) interpreter: Interpreter,
}

impl<N: NetworkFunction> Nf<N> {
    pub fn new(name: &str, spec: &Spec, generated: N) -> Nf<N> {
        Nf { name: format!("nf-{name}"), ports: spec.ports.len() as u8, generated, interpreter: Interpreter::new(spec) }
    }
}

impl<N: NetworkFunction> Target for Nf<N> {
    fn name(&self) -> String {
        self.name.clone()
    }
    fn seeds(&self) -> Vec<Vec<u8>> {
        packet_seeds()
            .into_iter()
            .enumerate()
            .map(|(i, frame)| std::iter::once(i as u8).chain(frame).collect())
            .collect()
    }
    fn max_len(&self) -> usize {
        BUFFER + 1
    }
    fn run(&mut self, data: &[u8]) -> u64 {
        let Some((&port, packet)) = data.split_first() else { return 0 };
        let port = port % self.ports;
        let before: Vec<u64> = self.generated.counters().iter().map(|c| c.packets).collect();
        let generated = process_copy(&mut self.generated, port, packet);
        let reference = process_copy(&mut self.interpreter, port, packet);
        assert_eq!(generated, reference, "{}: generated code and interpreter differ on port {port}", self.name);
        assert_eq!(self.generated.counters(), self.interpreter.counters(), "{}: counters differ", self.name);
        let counted = counted_since(&before, self.generated.counters());
        hash((generated.0, counted, shape(&Headers::parse(packet)), generated.1.len() == packet.len()))
    }
}

/// A stateful NF: inputs are packet sequences with time, each record
/// `[advance, port, length, frame...]` (advance: a step of the clock, from
/// none to two hours, so idle timeouts pass). Generated code and
/// interpreter (both with seed 0) must agree on every packet's outputs,
/// bytes and counters. Their state lives on from input to input, like a
/// deployment's, and the clock only moves forward.
pub struct StatefulNf<N: NetworkFunction> {
    name: String,
    ports: u8,
    generated: N,
    interpreter: Interpreter,
    now: u64,
}

/// The clock's steps an advance byte picks from.
const ADVANCES_NS: [u64; 7] = [0, 1_000, 1_000_000, 1_000_000_000, 61_000_000_000, 301_000_000_000, 7_500_000_000_000];

impl<N: NetworkFunction> StatefulNf<N> {
    pub fn new(name: &str, spec: &Spec, generated: N) -> StatefulNf<N> {
        StatefulNf {
            name: format!("nf-{name}"),
            ports: spec.ports.len() as u8,
            generated,
            interpreter: Interpreter::new(spec),
            now: 0,
        }
    }
}

impl<N: NetworkFunction> Target for StatefulNf<N> {
    fn name(&self) -> String {
        self.name.clone()
    }
    /// Realistic frames in threes (as request, reply and repeat), at
    /// various steps of the clock.
    fn seeds(&self) -> Vec<Vec<u8>> {
        let frames: Vec<Vec<u8>> = packet_seeds().into_iter().filter(|f| f.len() < 256).collect();
        frames
            .chunks(3)
            .enumerate()
            .map(|(i, chunk)| {
                let mut input = Vec::new();
                for (j, frame) in chunk.iter().enumerate() {
                    input.extend([(i + j) as u8 % 7, j as u8, frame.len() as u8]);
                    input.extend_from_slice(frame);
                }
                input
            })
            .collect()
    }
    fn max_len(&self) -> usize {
        1024
    }
    fn run(&mut self, data: &[u8]) -> u64 {
        let mut rest = data;
        let mut seen = Vec::new();
        while let [advance, port, len, tail @ ..] = rest {
            let frame = &tail[..usize::from(*len).min(tail.len())];
            rest = &tail[frame.len()..];
            self.now += ADVANCES_NS[usize::from(*advance) % ADVANCES_NS.len()];
            self.generated.set_time(self.now);
            self.interpreter.set_time(self.now);
            let port = port % self.ports;
            let before: Vec<u64> = self.generated.counters().iter().map(|c| c.packets).collect();
            let generated = process_copy(&mut self.generated, port, frame);
            let reference = process_copy(&mut self.interpreter, port, frame);
            assert_eq!(generated, reference, "{}: generated code and interpreter differ on port {port}", self.name);
            assert_eq!(self.generated.counters(), self.interpreter.counters(), "{}: counters differ", self.name);
            seen.push((generated.0, counted_since(&before, self.generated.counters())));
        }
        hash(seen)
    }
}

/// The counters that counted a packet since `before` (their packet counts).
fn counted_since(before: &[u64], now: &[RuleCounter]) -> Vec<usize> {
    now.iter().zip(before).enumerate().filter(|(_, (c, b))| c.packets != **b).map(|(i, _)| i).collect()
}

/// A target's name and how to make it.
pub type Entry = (&'static str, fn() -> Box<dyn Target>);

fn shipped(name: &str) -> Spec {
    load_spec(&repository().join(format!("nf-specs/{name}.toml")))
}

fn scale_spec(file: &str, text: &str) -> Spec {
    nfc_compiler::frontend::toml::parse(file, text).unwrap_or_else(|e| panic!("{file}: {e:?}")).spec
}

/// Every generated NF in the examples, by name.
pub fn nf_targets() -> Vec<Entry> {
    use nfc_examples::{scale, specs};
    vec![
        ("nf-nop", || Box::new(Nf::new("nop", &shipped("nop"), specs::nop::Nop::new()))),
        ("nf-l2fwd", || Box::new(Nf::new("l2fwd", &shipped("l2fwd"), specs::l2fwd::L2fwd::new()))),
        ("nf-router", || Box::new(Nf::new("router", &shipped("router"), specs::router::Router::new()))),
        ("nf-firewall", || Box::new(Nf::new("firewall", &shipped("firewall"), specs::firewall::Firewall::new()))),
        ("nf-vlan", || Box::new(Nf::new("vlan", &shipped("vlan"), specs::vlan::Vlan::new()))),
        ("nf-router-scale", || {
            let spec = scale_spec("router_scale.toml", scale::router::SPEC);
            Box::new(Nf::new("router-scale", &spec, scale::router::RouterScale::new()))
        }),
        ("nf-acl-scale", || {
            Box::new(Nf::new("acl-scale", &scale_spec("acl_scale.toml", scale::acl::SPEC), scale::acl::AclScale::new()))
        }),
        ("nf-core-router", || {
            Box::new(Nf::new("core-router", &shipped("core_router"), specs::core_router::CoreRouter::new()))
        }),
        ("nf-pipeline-scale", || {
            let spec = scale_spec("pipeline_scale.toml", scale::pipeline::SPEC);
            Box::new(Nf::new("pipeline-scale", &spec, scale::pipeline::PipelineScale::new()))
        }),
        ("nf-loaded-acl", || {
            let spec = load_spec(&repository().join("examples/specs/loaded_acl.toml"));
            let mut nf = Nf::new("loaded-acl", &spec, nfc_examples::loaded::LoadedAcl::new());
            for (index, file) in ["loaded_acl.csv", "loaded_by_class.csv"].iter().enumerate() {
                let text = std::fs::read_to_string(repository().join("examples/specs").join(file)).unwrap();
                for nf in [&mut nf.generated as &mut dyn LoadTable, &mut nf.interpreter] {
                    nf.load(index, file, &text).unwrap_or_else(|e| panic!("{file}: {e}"));
                }
            }
            Box::new(nf)
        }),
        ("nf-depth-ethernet", || {
            let spec = load_spec(&repository().join("examples/specs/depth_ethernet.toml"));
            Box::new(Nf::new("depth-ethernet", &spec, nfc_examples::depths::DepthEthernet::new()))
        }),
        ("nf-depth-ip", || {
            let spec = load_spec(&repository().join("examples/specs/depth_ip.toml"));
            Box::new(Nf::new("depth-ip", &spec, nfc_examples::depths::DepthIp::new()))
        }),
        ("entries-file", || Box::new(EntriesFile::new())),
        ("nf-bridge", || Box::new(StatefulNf::new("bridge", &shipped("bridge"), specs::bridge::Bridge::with_seed(0)))),
        ("nf-nat", || Box::new(StatefulNf::new("nat", &shipped("nat"), specs::nat::Nat::with_seed(0)))),
        ("nf-stateful-firewall", || {
            let generated = specs::stateful_firewall::StatefulFirewall::with_seed(0);
            Box::new(StatefulNf::new("stateful-firewall", &shipped("stateful_firewall"), generated))
        }),
        ("nf-policer", || {
            Box::new(StatefulNf::new("policer", &shipped("policer"), specs::policer::Policer::with_seed(0)))
        }),
        ("nf-lb", || Box::new(StatefulNf::new("lb", &shipped("lb"), specs::lb::Lb::with_seed(0)))),
    ]
}

/// Loading a table into either a generated NF or the interpreter.
trait LoadTable {
    fn load(&mut self, index: usize, file: &str, text: &str) -> Result<(), String>;
}

impl<N: NetworkFunction> LoadTable for N {
    fn load(&mut self, index: usize, file: &str, text: &str) -> Result<(), String> {
        let builder = self.table_builder().ok_or("no loaded tables")?;
        let table = builder(index, file, text)?;
        self.install_table(index, table);
        Ok(())
    }
}

/// Entries files as an attacker (or a tired operator) writes them: the
/// generated loader and the interpreter's (the compiler's reader) accept and
/// refuse the same files with the same errors, never panic, and what they
/// accept routes packets alike.
pub struct EntriesFile {
    generated: nfc_examples::loaded::LoadedAcl,
    interpreter: Interpreter,
    frames: Vec<Vec<u8>>,
}

impl EntriesFile {
    fn new() -> EntriesFile {
        let spec = load_spec(&repository().join("examples/specs/loaded_acl.toml"));
        EntriesFile {
            generated: nfc_examples::loaded::LoadedAcl::new(),
            interpreter: Interpreter::new(&spec),
            frames: packet_seeds().into_iter().take(16).collect(),
        }
    }
}

impl Target for EntriesFile {
    fn name(&self) -> String {
        "entries-file".into()
    }
    fn seeds(&self) -> Vec<Vec<u8>> {
        ["loaded_acl.csv", "loaded_by_class.csv"]
            .iter()
            .enumerate()
            .filter_map(|(index, file)| {
                std::fs::read(repository().join("examples/specs").join(file))
                    .ok()
                    .map(|t| std::iter::once(index as u8).chain(t).collect())
            })
            .collect()
    }
    fn dictionary(&self) -> &'static [&'static str] {
        &[
            "inside",
            "outside",
            "*",
            ",",
            "\n",
            "#",
            "classify",
            "deny",
            "send",
            "10.0.0.0/8",
            "1024-65535",
            "22",
            "0x10/0xf0",
            "255",
            "4096",
        ]
    }
    fn max_len(&self) -> usize {
        4096
    }
    fn run(&mut self, data: &[u8]) -> u64 {
        let Some((&table, text)) = data.split_first() else { return 0 };
        let (table, text) = (usize::from(table % 2), String::from_utf8_lossy(text));
        let generated = self.generated.load(table, "fuzz.csv", &text);
        let interpreted = self.interpreter.load(table, "fuzz.csv", &text);
        assert_eq!(generated, interpreted, "entries-file: the generated loader and the interpreter disagree");
        let mut outputs = Vec::new();
        if generated.is_ok() {
            for (index, frame) in self.frames.iter().enumerate() {
                let port = (index % 2) as u8;
                let got = process_copy(&mut self.generated, port, frame);
                let expected = process_copy(&mut self.interpreter, port, frame);
                assert_eq!(got, expected, "entries-file: a loaded table routes differently on port {port}");
                outputs.push(got.0);
            }
        }
        hash((generated.map_err(|e| message_kind(e.lines().next().unwrap_or_default())), outputs))
    }
}

const SPEC_WORDS: &[&str] = &[
    "name",
    "ports",
    "rule",
    "[[rule]]",
    "[[table]]",
    "[[test]]",
    "[default]",
    "match",
    "actions",
    "output",
    "table",
    "kind",
    "key",
    "entries",
    "default",
    "\"lpm\"",
    "\"exact\"",
    "\"drop\"",
    "\"flood\"",
    "\"in_port\"",
    "in_port",
    "eth.dst",
    "eth.src",
    "eth.type",
    "vlan.id",
    "vlan.pcp",
    "ipv4.src",
    "ipv4.dst",
    "ipv6.src",
    "ipv6.dst",
    "ip.proto",
    "ip.ttl",
    "ip.dscp",
    "tcp.src",
    "tcp.dst",
    "tcp.flags",
    "udp.src",
    "udp.dst",
    "icmp.type",
    "ip.frag",
    "ipv6.ext",
    "\"tiny\"",
    "\"later\"",
    "\"frag/frag\"",
    "\"bad/bad|unrep\"",
    "\"dec_ttl\"",
    "\"swap_macs\"",
    "\"pop_vlan\"",
    "push_vlan",
    "set",
    "vid",
    "pcp",
    "=",
    "==",
    "=>",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    ",",
    ";",
    ":",
    "\"",
    "'",
    "#",
    "\n",
    "0",
    "4095",
    "65536",
    "-1",
    "\"10.0.0.0/8\"",
    "\"fd00::/8\"",
    "\"02:00:00:00:00:01\"",
    "\"1-65535\"",
    "\"0x0800/0xff00\"",
    "\"syn/syn|ack\"",
    "\"ipv4\"",
    "\"tcp\"",
    "true",
    "1e9",
    "\"\\u0000\"",
    "dec_ttl",
    "swap_macs",
    "pop_vlan",
    "drop",
    "flood",
    "ports(",
    "goto",
    "metadata",
    "[[action]]",
    "action",
    "params",
    "\"$mac\"",
    "$port",
    "meta.",
    "\"meta.hop\"",
    "copy",
    "\"ternary\"",
    "\"range\"",
    "priority",
    "entries_file",
    "load",
    "\"runtime\"",
    "\"*\"",
    "table",
    "lpm(ipv4.dst)",
    "exact(meta.hop)",
    "test",
];

/// The TOML spec frontend on arbitrary text: diagnostics, never a panic;
/// what compiles must also generate code and run in the interpreter.
pub struct SpecToml;

impl Target for SpecToml {
    fn name(&self) -> String {
        "spec-toml".into()
    }
    fn seeds(&self) -> Vec<Vec<u8>> {
        files("nf-specs", "toml")
            .into_iter()
            .chain(files("compiler/tests/ui", "toml"))
            .filter_map(|p| std::fs::read(p).ok())
            .collect()
    }
    fn dictionary(&self) -> &'static [&'static str] {
        SPEC_WORDS
    }
    fn max_len(&self) -> usize {
        16 * 1024
    }
    fn run(&mut self, data: &[u8]) -> u64 {
        let text = String::from_utf8_lossy(data);
        match nfc_compiler::frontend::toml::parse("fuzz.toml", &text) {
            Ok(checked) => {
                let _ = nfc_compiler::codegen::generate(&checked.spec);
                exercise(&checked.spec);
                hash((true, checked.spec.rules().entries.len(), checked.spec.stages.len(), checked.warnings.len()))
            }
            Err(errors) => {
                assert!(!errors.is_empty(), "a failed compile must say why");
                hash((
                    false,
                    errors.iter().map(|e| message_kind(&e.to_string())).collect::<std::collections::BTreeSet<_>>(),
                ))
            }
        }
    }
}

/// A diagnostic without its position and quoted values: what kind it is.
fn message_kind(message: &str) -> String {
    let message = message.split(": error: ").nth(1).or_else(|| message.split(": warning: ").nth(1)).unwrap_or(message);
    let mut kind = String::new();
    let mut quoted = false;
    for c in message.chars() {
        if c == '`' {
            quoted = !quoted;
        } else if !quoted && !c.is_ascii_digit() {
            kind.push(c);
        }
    }
    kind
}

/// Runs a compiled spec's interpreter on a few frames: no panic.
fn exercise(spec: &Spec) {
    // Read and built once per process, not once per compiled input.
    static FRAMES: std::sync::OnceLock<Vec<Vec<u8>>> = std::sync::OnceLock::new();
    let frames = FRAMES.get_or_init(|| packet_seeds().into_iter().take(8).collect());
    let mut nf = Interpreter::new(spec);
    for (i, frame) in frames.iter().enumerate() {
        process_copy(&mut nf, (i % spec.ports.len().max(1)) as u8, frame);
    }
}

/// The DSL frontend (`nfc::nf!`) on arbitrary token streams.
pub struct SpecDsl;

const DSL_SEEDS: &[&str] = &[
    r#"name: edge;
    ports: [inside, outside];
    rule no_telnet { tcp.dst == 23 } => drop;
    rule web { in_port == outside, ipv4.dst == "10.0.1.0/24", tcp.dst == "80-443" } => inside;
    rule out { in_port == inside } => [set eth.src = "02:00:00:00:00:01", dec_ttl] outside;
    rule ping { ip.proto == icmp } => ports(inside, outside);
    default => drop;"#,
    r#"name: tagger; ports: [access, trunk];
    rule tag { in_port == access } => [push_vlan(100, 3)] trunk;
    rule untag { in_port == trunk, vlan.id == 100 } => [pop_vlan] access;
    rule back { eth.type == ipv6 } => [swap_macs] in_port;
    default => flood;"#,
    r#"name: broken; ports: [a, b];
    rule r1 { ipv4.dts == "10.0.0.0/8" } => b;
    rule r2 { ipv4.dst == "02:00:00:00:00:01" } => c;"#,
    r#"name: router; ports: [lan, wan]; metadata: { hop: 8 };
    action forward(mac, port) => [set eth.dst = $mac, dec_ttl] $port;
    rule ipv4 { eth.type == ipv4 } => goto acl;
    default => drop;
    table acl: ternary(in_port, tcp.dst) { (wan, "0-1023") priority 10 => drop; (*, *) => goto routes; }
    table routes: lpm(ipv4.dst) {
        "10.0.0.0/8" => [set meta.hop = 1] goto hops;
        "0.0.0.0/0" => forward(mac = "02:00:00:00:02:01", port = wan);
        default => drop;
    }
    table hops: exact(meta.hop) { 1 => forward(mac = "02:00:00:00:01:01", port = lan); }
    test "t" { in_port: wan, packet: { ipv4.dst: "10.1.2.3" }, expect_output: lan, expect: { ip.ttl: 63 } }"#,
];

impl Target for SpecDsl {
    fn name(&self) -> String {
        "spec-dsl".into()
    }
    fn seeds(&self) -> Vec<Vec<u8>> {
        DSL_SEEDS.iter().map(|s| s.as_bytes().to_vec()).collect()
    }
    fn dictionary(&self) -> &'static [&'static str] {
        SPEC_WORDS
    }
    fn max_len(&self) -> usize {
        8 * 1024
    }
    fn run(&mut self, data: &[u8]) -> u64 {
        let text = String::from_utf8_lossy(data);
        let Ok(tokens) = text.parse::<proc_macro2::TokenStream>() else { return hash("lex error") };
        match nfc_compiler::frontend::dsl::parse(tokens) {
            Ok(checked) => {
                let _ = nfc_compiler::codegen::generate(&checked.spec);
                exercise(&checked.spec);
                hash((true, checked.spec.rules().entries.len(), checked.warnings.len()))
            }
            Err(error) => hash((
                false,
                error.into_iter().map(|e| message_kind(&e.to_string())).collect::<std::collections::BTreeSet<_>>(),
            )),
        }
    }
}

/// Every target's name and constructor, so one can be made alone (an AFL++
/// run starts a fresh process per input).
pub fn catalogue() -> Vec<Entry> {
    let mut entries: Vec<Entry> =
        vec![("wire", || Box::new(Wire)), ("ipv6-chain", || Box::new(crate::chains::Ipv6Chains::new()))];
    entries.extend(nf_targets());
    entries.push(("spec-toml", || Box::new(SpecToml)));
    entries.push(("spec-dsl", || Box::new(SpecDsl)));
    entries
}

/// Every target.
pub fn all() -> Vec<Box<dyn Target>> {
    catalogue().into_iter().map(|(_, make)| make()).collect()
}

/// The target called `name`, made alone.
pub fn named(name: &str) -> Option<Box<dyn Target>> {
    catalogue().into_iter().find(|(n, _)| *n == name).map(|(_, make)| make())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_catalogue_names_each_target_as_it_names_itself() {
        for (name, make) in super::catalogue() {
            assert_eq!(make().name(), name);
        }
    }
}
