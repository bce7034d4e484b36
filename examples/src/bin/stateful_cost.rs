//! Per-packet cost of the stateful network functions with 60,000 active
//! flows in tables of 65,536 (Vigor's configuration), and the cost of expiry.
//!
//! `stateful_cost NF traffic PACKETS`: builds NF, opens 60,000 flows (one
//! packet each: learning, connection, mapping, bucket or affinity), then
//! processes PACKETS packets of those flows in a scattered order (both
//! directions where the NF has two), time advancing 10 ns per packet and
//! `set_time` once per 32-packet burst; prints CPU ns/packet (the thread's
//! CPU time, 10 ms resolution), wall-clock ns/packet, and Mpps from the CPU time.
//! `stateful_cost NF empty PACKETS`: the same harness around an NF that does
//! nothing (subtracted by `bench/stateful`).
//! `stateful_cost NF expire 0|1`: opens the 60,000 flows, then (with 1) lets
//! them all expire, one `set_time` (64 reclaimed) after another; prints the
//! bursts it took. Under callgrind, (expire 1 - expire 0) / 60,000 is the
//! amortised cost of expiring one entry.
//!
//! NF: bridge, firewall, nat, policer, lb (hand-written, examples/src/stateful),
//! or the same with `-spec` (bridge-spec, ...): the compiled nf-specs, given the
//! same traffic (addresses and ports the spec uses). Instructions/packet
//! come from running under callgrind with two PACKETS counts (`bench/stateful`).

use nfc_examples::specs;
use nfc_examples::stateful::{bridge, firewall, lb, nat, policer};
use nfc_runtime::wire::checksum;
use nfc_runtime::{Frame, NetworkFunction, Outputs, PortId};
use std::hint::black_box;
use std::process::ExitCode;
use std::time::Instant;

const FLOWS: u32 = 60_000;
const CAPACITY: usize = 65_536;
const BURST: usize = 32;
const NS_PER_PACKET: u64 = 10;

/// A 60-byte UDP/IPv4 frame with valid checksums.
fn udp(src_mac: u64, dst_mac: u64, src: u32, dst: u32, src_port: u16, dst_port: u16) -> [u8; 60] {
    let mut f = [0u8; 60];
    f[..6].copy_from_slice(&dst_mac.to_be_bytes()[2..]);
    f[6..12].copy_from_slice(&src_mac.to_be_bytes()[2..]);
    f[12..14].copy_from_slice(&[0x08, 0x00]);
    f[14..26].copy_from_slice(&[0x45, 0, 0, 46, 0, 0, 0x40, 0, 64, 17, 0, 0]);
    f[26..30].copy_from_slice(&src.to_be_bytes());
    f[30..34].copy_from_slice(&dst.to_be_bytes());
    let sum = checksum::checksum(&f[14..34]);
    f[24..26].copy_from_slice(&sum.to_be_bytes());
    f[34..36].copy_from_slice(&src_port.to_be_bytes());
    f[36..38].copy_from_slice(&dst_port.to_be_bytes());
    f[38..40].copy_from_slice(&26u16.to_be_bytes());
    f[42..60].copy_from_slice(b"stateful benchmark");
    let pseudo = checksum::pseudo_header_ipv4(src, dst, 17, 26);
    let sum = checksum::checksum_with(pseudo, &f[34..60]);
    f[40..42].copy_from_slice(&sum.to_be_bytes());
    f
}

/// Flow `k`'s address in a /16.
fn address(base: u32, k: u32) -> u32 {
    base | (k & 0xffff)
}

/// Packets held in one array (one cache line each at most), so the
/// harness's own misses stay few.
type Packets = Vec<(PortId, [u8; 60])>;

/// A function under test with its packets: `open` creates the flows,
/// `traffic` is what is measured (each index a flow's packet).
struct Workload<N> {
    nf: N,
    open: Packets,
    traffic: Packets,
}

/// Entries an NF holds, to watch expiry.
trait Entries {
    fn entries(&self) -> usize;
    /// Whether `entries` falls as entries expire (so expiry can be watched).
    const LIVE: bool = true;
}

impl Entries for bridge::Bridge {
    fn entries(&self) -> usize {
        self.learned()
    }
}
impl Entries for firewall::StatefulFirewall {
    fn entries(&self) -> usize {
        self.flows()
    }
}
impl Entries for nat::NatRouter {
    fn entries(&self) -> usize {
        self.mappings()
    }
}
impl Entries for policer::RatePolicer {
    fn entries(&self) -> usize {
        self.hosts()
    }
}
impl Entries for lb::LoadBalancer {
    fn entries(&self) -> usize {
        self.flows()
    }
}

/// A compiled spec, whose entries are known by the packets its stateful
/// stage counted as opening one (`learn/new`, `opened`, ...): enough to
/// check the opening pass, not to watch expiry.
struct Compiled<N> {
    nf: N,
    opening_counter: &'static str,
}

impl<N: NetworkFunction> NetworkFunction for Compiled<N> {
    #[inline]
    fn process(&mut self, input: PortId, frame: &mut Frame<'_>) -> Outputs {
        self.nf.process(input, frame)
    }
    const USES_TIME: bool = N::USES_TIME;
    #[inline]
    fn set_time(&mut self, now_ns: u64) {
        self.nf.set_time(now_ns);
    }
}

impl<N: NetworkFunction> Entries for Compiled<N> {
    const LIVE: bool = false;
    fn entries(&self) -> usize {
        let names = self.nf.counter_names();
        let index = names.iter().position(|n| *n == self.opening_counter).expect("the spec counts openings");
        self.nf.counters()[index].packets as usize
    }
}

fn compiled<N: NetworkFunction>(nf: N, opening_counter: &'static str) -> Compiled<N> {
    Compiled { nf, opening_counter }
}

fn bridge_workload() -> Workload<bridge::Bridge> {
    let config = bridge::BridgeConfig { ports: 3, capacity: CAPACITY, ..bridge::BridgeConfig::default() };
    let station = |k: u32| 0x0200_0000_0000 + u64::from(k) + 1;
    let port = |k: u32| (k % 3) as PortId;
    Workload {
        nf: bridge::Bridge::new(config).unwrap(),
        open: (0..FLOWS).map(|k| (port(k), udp(station(k), 0xffff_ffff_ffff, k, 0, 1, 2))).collect(),
        traffic: (0..FLOWS).map(|k| (port(k), udp(station(k), station((k + 1) % FLOWS), k, k + 1, 1, 2))).collect(),
    }
}

fn firewall_workload() -> Workload<firewall::StatefulFirewall> {
    let config = firewall::FirewallConfig { capacity: CAPACITY, ..firewall::FirewallConfig::default() };
    let (inside, outside) = (0x0a00_0000, 0xc633_6401);
    let out = |k: u32| udp(1, 2, address(inside, k), outside, 40000 + (k >> 16) as u16, 443);
    let back = |k: u32| udp(2, 1, outside, address(inside, k), 443, 40000 + (k >> 16) as u16);
    Workload {
        nf: firewall::StatefulFirewall::new(config).unwrap(),
        open: (0..FLOWS).map(|k| (firewall::INSIDE, out(k))).collect(),
        traffic: (0..FLOWS)
            .map(|k| if k % 2 == 0 { (firewall::INSIDE, out(k)) } else { (firewall::OUTSIDE, back(k)) })
            .collect(),
    }
}

fn nat_workload() -> Workload<nat::NatRouter> {
    // Ports 1-65535: 65,535 mappings, one address (Vigor: 65,536).
    let config = nat::NatRouterConfig { first_port: 1, last_port: 65535, ..nat::NatRouterConfig::default() };
    let (inside_mac, outside_mac, gateway) = (config.inside_mac, config.outside_mac, config.gateway_mac);
    let external = config.outside_address;
    let mut nf = nat::NatRouter::new(config).unwrap();
    let remote = 0xc633_6401;
    let out =
        |k: u32| udp(0x0200_0000_00aa, inside_mac, address(0x0a00_0000, k), remote, 40000 + (k >> 16) as u16, 443);
    // The external port of each flow, from opening it.
    let open: Packets = (0..FLOWS).map(|k| (nat::INSIDE, out(k))).collect();
    let mut ports = Vec::with_capacity(FLOWS as usize);
    for (i, (port, packet)) in open.iter().enumerate() {
        if i % BURST == 0 {
            nf.set_time(i as u64 * NS_PER_PACKET);
        }
        let (outputs, translated) = nfc_examples::process_copy(&mut nf, *port, packet);
        assert_eq!(Outputs::from_bits(outputs), Outputs::port(nat::OUTSIDE), "flow {i} is translated");
        ports.push(u16::from_be_bytes([translated[34], translated[35]]));
    }
    let traffic = (0..FLOWS)
        .map(|k| {
            if k % 2 == 0 {
                (nat::INSIDE, out(k))
            } else {
                (nat::OUTSIDE, udp(gateway, outside_mac, remote, external, 443, ports[k as usize]))
            }
        })
        .collect();
    // Already open: a second pass over `open` only refreshes.
    Workload { nf, open, traffic }
}

fn policer_workload() -> Workload<policer::RatePolicer> {
    let config = policer::PolicerConfig {
        rate_bytes_per_s: 1_000_000_000,
        burst_bytes: 1_000_000,
        capacity: CAPACITY,
        idle_timeout_ns: 10_000_000_000,
    };
    let to = |k: u32| (policer::WAN, udp(2, 1, 0xc633_6401, address(0x0a00_0000, k), 443, 40000 + (k >> 16) as u16));
    Workload {
        nf: policer::RatePolicer::new(config).unwrap(),
        open: (0..FLOWS).map(to).collect(),
        traffic: (0..FLOWS).map(to).collect(),
    }
}

fn lb_workload() -> Workload<lb::LoadBalancer> {
    let config = lb::LbConfig { flows: CAPACITY, ..lb::LbConfig::default() };
    let (vip, mac) = (config.vip, config.mac);
    let from =
        |k: u32| (lb::CLIENTS, udp(0x0200_0000_00cc, mac, address(0x6440_0000, k), vip, 40000 + (k >> 16) as u16, 80));
    Workload {
        nf: lb::LoadBalancer::new(config).unwrap(),
        open: (0..FLOWS).map(from).collect(),
        traffic: (0..FLOWS).map(from).collect(),
    }
}

/// The compiled specs, with the hand-written functions' traffic moved to
/// the addresses the specs use.
fn bridge_spec_workload() -> Workload<Compiled<specs::bridge::Bridge>> {
    let Workload { open, traffic, .. } = bridge_workload();
    Workload { nf: compiled(specs::bridge::Bridge::new(), "stations/learn/new"), open, traffic }
}

fn firewall_spec_workload() -> Workload<Compiled<specs::stateful_firewall::StatefulFirewall>> {
    let Workload { open, traffic, .. } = firewall_workload();
    Workload { nf: compiled(specs::stateful_firewall::StatefulFirewall::new(), "flows/opened"), open, traffic }
}

/// The spec NAT: inside 10.0.x.y out to one remote, replies back to the
/// external ports its mappings got (1024 up). Replies then miss the spec's
/// two-host neighbour table and are dropped after translation: the NAT's
/// work is all done by then.
fn nat_spec_workload() -> Workload<Compiled<specs::nat::Nat>> {
    let mut nf = compiled(specs::nat::Nat::new(), "napt/outbound/new");
    let (remote, external) = (0xc633_6401, 0xcb00_7101);
    let out = |k: u32| {
        udp(0x0200_0000_00aa, 0x0200_0000_0001, address(0x0a00_0000, k), remote, 40000 + (k >> 16) as u16, 443)
    };
    let open: Packets = (0..FLOWS).map(|k| (0, out(k))).collect();
    let mut ports = Vec::with_capacity(FLOWS as usize);
    for (i, (port, packet)) in open.iter().enumerate() {
        if i % BURST == 0 {
            nf.set_time(i as u64 * NS_PER_PACKET);
        }
        let (outputs, translated) = nfc_examples::process_copy(&mut nf, *port, packet);
        assert_eq!(Outputs::from_bits(outputs), Outputs::port(1), "flow {i} is translated");
        ports.push(u16::from_be_bytes([translated[34], translated[35]]));
    }
    let traffic = (0..FLOWS)
        .map(|k| if k % 2 == 0 { (0, out(k)) } else { (1, udp(0x12, 0x02, remote, external, 443, ports[k as usize])) })
        .collect();
    Workload { nf, open, traffic }
}

fn policer_spec_workload() -> Workload<Compiled<specs::policer::Policer>> {
    let Workload { open, traffic, .. } = policer_workload();
    Workload { nf: compiled(specs::policer::Policer::new(), "per_host/new"), open, traffic }
}

fn lb_spec_workload() -> Workload<Compiled<specs::lb::Lb>> {
    let vip = 0xc000_020a; // 192.0.2.10
    let from = |k: u32| {
        (0, udp(0x0200_0000_00cc, 0x0200_0000_000a, address(0x6440_0000, k), vip, 40000 + (k >> 16) as u16, 80))
    };
    Workload {
        nf: compiled(specs::lb::Lb::new(), "pick/new"),
        open: (0..FLOWS).map(from).collect(),
        traffic: (0..FLOWS).map(from).collect(),
    }
}

/// Runs `packets` from `set` through `nf` starting at time `start`, in
/// the order `k = i x 7919 mod len` (7919 is coprime with 60,000: every
/// flow once per 60,000 packets, scattered); returns the time after.
fn run<N: NetworkFunction>(nf: &mut N, set: &Packets, packets: usize, start: u64, scattered: bool) -> u64 {
    let mut buffer = [0u8; 2048];
    let mut now = start;
    for i in 0..packets {
        if i % BURST == 0 {
            nf.set_time(now);
        }
        let k = if scattered { (i * 7919) % set.len() } else { i % set.len() };
        let (port, packet) = &set[k];
        buffer[..packet.len()].copy_from_slice(packet);
        let mut frame = Frame::new(&mut buffer, packet.len());
        black_box(nf.process(*port, black_box(&mut frame)));
        now += NS_PER_PACKET;
    }
    now
}

/// CPU time this thread has used, in ns (user + system, from
/// /proc/thread-self/stat in USER_HZ = 100 ticks per second): unlike the wall
/// clock it does not count time the thread waited for a core, which on a
/// shared machine is most of it.
fn cpu_ns() -> u64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    // Fields after the parenthesised command name; utime and stime are 14 and 15.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (the state), so field n is at index n - 3.
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    (field(14) + field(15)) * 10_000_000
}

fn measure<N: NetworkFunction + Entries>(workload: Workload<N>, mode: &str, count: usize) -> Result<String, String> {
    let Workload { mut nf, open, traffic } = workload;
    let opened_at = run(&mut nf, &open, open.len(), 0, false);
    if nf.entries() < FLOWS as usize {
        return Err(format!("only {} of {FLOWS} flows are open", nf.entries()));
    }
    match mode {
        "traffic" | "empty" => {
            let (start, cpu_start) = (Instant::now(), cpu_ns());
            if mode == "traffic" {
                run(&mut nf, &traffic, count, opened_at, true);
            } else {
                run(&mut |_: PortId, _: &mut Frame<'_>| Outputs::DROP, &traffic, count, opened_at, true);
            }
            let ns = start.elapsed().as_nanos() as f64 / count as f64;
            let cpu = (cpu_ns() - cpu_start) as f64 / count as f64;
            let live = nf.entries();
            Ok(format!("cpu_ns_per_packet={cpu:.2} ns_per_packet={ns:.2} mpps={:.3} entries={live}", 1000.0 / cpu))
        }
        "expire" if !N::LIVE => Err("expire: for the hand-written functions (the state is the same)".into()),
        "expire" => {
            if count == 0 {
                return Ok(format!("bursts=0 entries={}", nf.entries()));
            }
            // Past every timeout: each burst reclaims its budget.
            let mut now = opened_at + 10_000_000_000_000;
            let mut bursts = 0u64;
            while nf.entries() > 0 && bursts < 1_000_000 {
                nf.set_time(now);
                now += 1;
                bursts += 1;
            }
            Ok(format!("bursts={bursts} entries={}", nf.entries()))
        }
        other => Err(format!("found mode `{other}`, expected traffic, empty or expire")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, name, mode, count] = args.as_slice() else {
        eprintln!("usage: stateful_cost bridge|firewall|nat|policer|lb[-spec] traffic|empty|expire COUNT");
        return ExitCode::FAILURE;
    };
    let Ok(count) = count.parse::<usize>() else {
        eprintln!("stateful_cost: found `{count}`, expected a count");
        return ExitCode::FAILURE;
    };
    let result = match name.as_str() {
        "bridge" => measure(bridge_workload(), mode, count),
        "firewall" => measure(firewall_workload(), mode, count),
        "nat" => measure(nat_workload(), mode, count),
        "policer" => measure(policer_workload(), mode, count),
        "lb" => measure(lb_workload(), mode, count),
        "bridge-spec" => measure(bridge_spec_workload(), mode, count),
        "firewall-spec" => measure(firewall_spec_workload(), mode, count),
        "nat-spec" => measure(nat_spec_workload(), mode, count),
        "policer-spec" => measure(policer_spec_workload(), mode, count),
        "lb-spec" => measure(lb_spec_workload(), mode, count),
        other => Err(format!("found `{other}`, expected bridge, firewall, nat, policer or lb (or NAME-spec)")),
    };
    match result {
        Ok(line) => {
            println!("{name} {mode} {count}: {line}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("stateful_cost: {error}");
            ExitCode::FAILURE
        }
    }
}
