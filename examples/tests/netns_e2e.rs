//! End to end with real traffic: the compiled router and firewall binaries
//! run on veth pairs (`--iface`) between network namespaces, once on
//! AF_PACKET rings and once on AF_XDP sockets, and the hosts talk through
//! them with `ping` and `iperf3`. The failures of the AF_XDP set-up (not
//! root, locked-memory limit, no native XDP, a queue taken) are each one
//! sentence and exit code 1.
//!
//! Needs root and iproute2, ping, iperf3 (CI installs them); otherwise each
//! test prints why it skips. Every command has a timeout, and namespaces and
//! links are removed when a test ends, pass or fail.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Why this machine cannot run the tests, if it cannot.
fn missing_requirement() -> Option<String> {
    let root = Command::new("id").arg("-u").output().map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    if !root.unwrap_or(false) {
        return Some("not root: network namespaces and packet sockets need it".into());
    }
    for tool in ["ip", "ping", "iperf3", "timeout"] {
        let found =
            Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().is_ok_and(|o| o.status.success());
        if !found {
            return Some(format!("`{tool}` is not installed (apt-get install iproute2 iputils-ping iperf3)"));
        }
    }
    None
}

macro_rules! require_netns {
    () => {
        if let Some(reason) = missing_requirement() {
            eprintln!("skipped: {reason}");
            return;
        }
        hold_the_machine_wide_netns_lock();
    };
}

/// Test processes on one machine (several checkouts, or a benchmark) would
/// fight over the same namespace and link names: the first to get here
/// holds a file lock until it exits, the others wait for it.
fn hold_the_machine_wide_netns_lock() {
    static LOCK: std::sync::OnceLock<std::fs::File> = std::sync::OnceLock::new();
    LOCK.get_or_init(|| {
        let file = std::fs::File::create("/tmp/nfc-netns.lock").expect("create /tmp/nfc-netns.lock");
        file.lock().expect("lock /tmp/nfc-netns.lock");
        file
    });
}

fn sh(command: &str) -> Output {
    Command::new("sh").args(["-c", command]).output().expect("sh runs")
}

/// Runs `command`, failing the test with its output if it fails.
fn must(command: &str) {
    let output = sh(command);
    assert!(
        output.status.success(),
        "`{command}` failed: {}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Hosts (namespaces), each with an `eth0` whose veth peer `<tag>-<port>`
/// stays in the root namespace for the NF. Removed on drop.
struct Topology {
    tag: String,
    hosts: Vec<String>,
}

impl Topology {
    /// One host per port; `hosts[i]` = (MAC, address/len) or None for a
    /// port with a silent host.
    fn new(tag: &str, ports: &[&str], hosts: &[Option<(&str, &str)>]) -> Topology {
        let topology = Topology { tag: tag.to_owned(), hosts: ports.iter().map(|p| format!("{tag}-{p}-ns")).collect() };
        topology.remove();
        for (port, host) in ports.iter().zip(hosts) {
            let (ns, link) = (format!("{tag}-{port}-ns"), format!("{tag}-{port}"));
            must(&format!("ip netns add {ns}"));
            must(&format!("ip link add {link} type veth peer name eth0 netns {ns}"));
            // No IPv6 on either end: neither the NF's own links nor the
            // hosts send unsolicited router solicitations or MLD reports,
            // so every frame on a link is one the test caused.
            sh(&format!("sysctl -qw net.ipv6.conf.{link}.disable_ipv6=1"));
            sh(&format!("ip netns exec {ns} sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1 net.ipv6.conf.eth0.disable_ipv6=1"));
            // Offloads off: the NF sees and forwards real, fully checksummed
            // frames of at most MTU size, as from a NIC.
            sh(&format!("ethtool -K {link} gro off tso off gso off tx off rx off"));
            sh(&format!("ip netns exec {ns} ethtool -K eth0 gro off tso off gso off tx off rx off"));
            must(&format!("ip link set {link} up"));
            must(&format!("ip -n {ns} link set lo up"));
            if let Some((mac, address)) = host {
                must(&format!("ip -n {ns} link set eth0 address {mac}"));
                must(&format!("ip -n {ns} addr add {address} dev eth0"));
            }
            must(&format!("ip -n {ns} link set eth0 up"));
        }
        topology
    }

    fn interfaces(&self, ports: &[&str]) -> Vec<String> {
        ports.iter().flat_map(|p| ["--iface".to_owned(), format!("{}-{p}", self.tag)]).collect()
    }

    fn host(&self, port: &str) -> String {
        format!("{}-{port}-ns", self.tag)
    }

    fn remove(&self) {
        for ns in &self.hosts {
            // Servers left by a failed test would outlive the namespace.
            sh(&format!("ip netns pids {ns} 2>/dev/null | xargs -r kill -9; ip netns del {ns} 2>/dev/null"));
        }
        // Deleting a namespace deletes its veth end and so the pair; this
        // catches links left from an earlier, killed run.
        sh(&format!("for l in $(ip -o link show | grep -o '{}-[a-z]*@' | tr -d @); do ip link del $l; done", self.tag));
    }
}

impl Drop for Topology {
    fn drop(&mut self) {
        self.remove();
    }
}

/// An NF binary running on the topology's interfaces; stopped with SIGINT
/// (and killed if it does not stop within 5 s) when dropped or finished.
struct RunningNf {
    child: Child,
}

impl RunningNf {
    /// Runs `binary` on `args` with `--iface-socket socket`; it must say it
    /// runs on that kind of socket.
    fn start(binary: &str, args: &[String], socket: Socket) -> RunningNf {
        let mut child = Command::new(binary)
            .args(args)
            .args(["--quiet", "--iface-socket", socket.flag()])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("NF binary starts");
        // The first line says the ports are open; an error ends the process instead.
        let mut first = String::new();
        BufReader::new(child.stdout.as_mut().unwrap()).read_line(&mut first).unwrap();
        if !first.contains(&format!("running on Linux interfaces ({}", socket.name())) {
            let output = child.wait_with_output().unwrap();
            panic!("NF did not start on {}: {first}{}", socket.name(), String::from_utf8_lossy(&output.stderr));
        }
        RunningNf { child }
    }

    /// SIGINT, then the summary it printed.
    fn stop(mut self) -> String {
        let pid = self.child.id();
        must(&format!("kill -INT {pid}"));
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "the NF did not stop within 5 s of SIGINT");
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut summary = String::new();
        for line in BufReader::new(self.child.stdout.take().unwrap()).lines() {
            summary.push_str(&line.unwrap());
            summary.push('\n');
        }
        assert!(self.child.wait().unwrap().success(), "the NF exits 0 after SIGINT:\n{summary}");
        summary
    }
}

impl Drop for RunningNf {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The two kinds of socket the NF binaries run on with `--iface`.
#[derive(Clone, Copy, Debug)]
enum Socket {
    AfPacket,
    AfXdp,
}

impl Socket {
    fn flag(self) -> &'static str {
        match self {
            Socket::AfPacket => "af-packet",
            Socket::AfXdp => "af-xdp",
        }
    }

    /// How the NF's start-up line names it.
    fn name(self) -> &'static str {
        match self {
            Socket::AfPacket => "AF_PACKET",
            Socket::AfXdp => "AF_XDP",
        }
    }

    /// A tag for link and namespace names, so runs on the two kinds never
    /// reuse each other's interfaces (an AF_XDP queue is released lazily).
    fn tag(self, test: &str) -> String {
        format!("{}{test}", if matches!(self, Socket::AfPacket) { "nf" } else { "nx" })
    }
}

/// The ports' counters in an NF's summary: every frame received was
/// transmitted or dropped by the NF (the router has one output per frame),
/// or lost on a full transmit ring, which counts as missed.
fn every_frame_received_is_accounted_for(summary: &str) {
    let (mut received, mut sent, mut dropped, mut missed) = (0u64, 0u64, 0u64, 0u64);
    for line in summary.lines().filter(|l| l.starts_with("  port ")) {
        let number = |after: &str| -> u64 {
            let rest = &line[line.find(after).unwrap_or_else(|| panic!("no `{after}` in {line}")) + after.len()..];
            rest.split(|c: char| !c.is_ascii_digit()).next().unwrap().parse().unwrap()
        };
        received += number(": rx ");
        sent += number(", tx ");
        dropped += number("dropped by the NF ");
        missed += number("missed ");
    }
    assert!(received > 0, "{summary}");
    if missed == 0 {
        assert_eq!(received, sent + dropped, "{summary}");
    } else {
        assert!(sent + dropped <= received && received <= sent + dropped + missed, "{summary}");
    }
}

/// The packets counter of `rule` in an NF's summary.
fn rule_packets(summary: &str, rule: &str) -> u64 {
    let prefix = format!("  rule {rule}: ");
    let line =
        summary.lines().find(|l| l.starts_with(&prefix)).unwrap_or_else(|| panic!("no counter {rule} in\n{summary}"));
    line[prefix.len()..].split(' ').next().unwrap().parse().unwrap()
}

/// hostA (lan, 10.1.0.2/16) and hostB (wan, 172.16.0.2/24) on different
/// subnets, routed by nf-specs/router.toml, whose next-hop MACs are the
/// hosts' own and whose router MACs the hosts use as gateway addresses.
#[test]
fn router_forwards_ping_and_tcp_between_subnets_and_decrements_ttl_on_af_packet() {
    require_netns!();
    router_forwards_ping_and_tcp(Socket::AfPacket);
}

#[test]
fn router_forwards_ping_and_tcp_between_subnets_and_decrements_ttl_on_af_xdp() {
    require_netns!();
    router_forwards_ping_and_tcp(Socket::AfXdp);
}

fn router_forwards_ping_and_tcp(socket: Socket) {
    let ports = ["lan", "wan", "dmz"];
    let net = Topology::new(
        &socket.tag("r"),
        &ports,
        &[Some(("02:00:00:00:01:01", "10.1.0.2/16")), Some(("02:00:00:00:02:01", "172.16.0.2/24")), None],
    );
    let (a, b) = (net.host("lan"), net.host("wan"));
    must(&format!(
        "ip -n {a} route add default via 10.1.0.1 && ip -n {a} neigh add 10.1.0.1 lladdr 02:00:00:00:00:01 dev eth0"
    ));
    must(&format!("ip -n {b} route add default via 172.16.0.1 && ip -n {b} neigh add 172.16.0.1 lladdr 02:00:00:00:00:02 dev eth0"));
    let nf = RunningNf::start(env!("CARGO_BIN_EXE_router"), &net.interfaces(&ports), socket);

    let ping = sh(&format!("ip netns exec {a} timeout 10 ping -c 3 -i 0.2 -W 2 172.16.0.2"));
    let ping_out = String::from_utf8_lossy(&ping.stdout);
    assert!(ping.status.success(), "ping through the router failed:\n{ping_out}");
    // hostB answers with TTL 64; the router decremented it on the way back.
    assert_eq!(ping_out.matches("ttl=63").count(), 3, "{ping_out}");

    // One PID file per test: a second server refuses to start on a live one.
    must(&format!("ip netns exec {b} timeout 20 iperf3 -s -1 -D -p 5201 -I /tmp/nfc-e2e-iperf-{}.pid", net.tag));
    std::thread::sleep(Duration::from_millis(300));
    let iperf = sh(&format!("ip netns exec {a} timeout 20 iperf3 -c 172.16.0.2 -p 5201 -t 2 --connect-timeout 3000"));
    let iperf_out = String::from_utf8_lossy(&iperf.stdout);
    assert!(
        iperf.status.success() && iperf_out.contains("receiver"),
        "iperf3 TCP through the router failed:\n{iperf_out}{}",
        String::from_utf8_lossy(&iperf.stderr)
    );

    let summary = nf.stop();
    every_frame_received_is_accounted_for(&summary);
    // 3 echo requests + 3 replies at least, plus the TCP transfer, all routed.
    assert!(rule_packets(&summary, "routes/hit") > 1000, "{summary}");
    assert!(rule_packets(&summary, "ipv4") >= rule_packets(&summary, "routes/hit"), "{summary}");
}

/// The same hosts as the router test, routed by the four-stage
/// nf-specs/core_router.toml (ingress ACL, routes to next-hop ids, next hops
/// setting the MACs and port, egress ACL): ping and TCP pass, SMTP to the
/// internet is stopped by the egress ACL of the wan port.
#[test]
fn core_router_routes_through_four_stages_and_its_egress_acl_blocks_smtp() {
    require_netns!();
    let socket = Socket::AfPacket;
    let ports = ["lan", "wan", "dmz"];
    let net = Topology::new(
        &socket.tag("c"),
        &ports,
        &[Some(("02:00:00:00:01:01", "10.1.0.2/16")), Some(("02:00:00:00:02:01", "172.16.0.2/24")), None],
    );
    let (a, b) = (net.host("lan"), net.host("wan"));
    must(&format!(
        "ip -n {a} route add default via 10.1.0.1 && ip -n {a} neigh add 10.1.0.1 lladdr 02:00:00:00:00:01 dev eth0"
    ));
    must(&format!("ip -n {b} route add default via 172.16.0.1 && ip -n {b} neigh add 172.16.0.1 lladdr 02:00:00:00:00:02 dev eth0"));
    let nf = RunningNf::start(env!("CARGO_BIN_EXE_core_router"), &net.interfaces(&ports), socket);

    let ping = sh(&format!("ip netns exec {a} timeout 10 ping -c 3 -i 0.2 -W 2 172.16.0.2"));
    let ping_out = String::from_utf8_lossy(&ping.stdout);
    assert!(ping.status.success(), "ping through the core router failed:\n{ping_out}");
    assert_eq!(ping_out.matches("ttl=63").count(), 3, "{ping_out}");

    for port in [5201, 25] {
        must(&format!(
            "ip netns exec {b} timeout 20 iperf3 -s -1 -D -p {port} -I /tmp/nfc-e2e-iperf-{}-{port}.pid",
            net.tag
        ));
    }
    std::thread::sleep(Duration::from_millis(300));
    let iperf = sh(&format!("ip netns exec {a} timeout 20 iperf3 -c 172.16.0.2 -p 5201 -t 2 --connect-timeout 3000"));
    let iperf_out = String::from_utf8_lossy(&iperf.stdout);
    assert!(
        iperf.status.success() && iperf_out.contains("receiver"),
        "iperf3 TCP through the core router failed:\n{iperf_out}{}",
        String::from_utf8_lossy(&iperf.stderr)
    );
    let smtp = sh(&format!("ip netns exec {a} timeout 15 iperf3 -c 172.16.0.2 -p 25 -t 1 --connect-timeout 2000"));
    assert!(
        !smtp.status.success(),
        "TCP to port 25 on the internet got through: {}",
        String::from_utf8_lossy(&smtp.stdout)
    );
    sh(&format!("ip netns pids {b} | xargs -r kill"));

    let summary = nf.stop();
    assert!(rule_packets(&summary, "nexthops/hit") > 1000, "{summary}");
    assert_eq!(rule_packets(&summary, "routes/hit"), rule_packets(&summary, "nexthops/hit"), "{summary}");
    // The SYNs to port 25 (first try and retransmissions) hit the egress ACL.
    assert!(rule_packets(&summary, "egress_acl/hit") >= 1, "{summary}");
    assert!(rule_packets(&summary, "egress_acl/miss") > 1000, "{summary}");
}

/// hostA inside (10.0.1.2) and hostB outside (10.0.1.3) on one subnet,
/// with nf-specs/firewall.toml as a bump in the wire between them. The
/// firewall passes no ARP, so the hosts know each other's MAC statically.
#[test]
fn firewall_passes_ping_and_allowed_ports_and_blocks_the_rest_on_af_packet() {
    require_netns!();
    firewall_passes_ping_and_allowed_ports(Socket::AfPacket);
}

#[test]
fn firewall_passes_ping_and_allowed_ports_and_blocks_the_rest_on_af_xdp() {
    require_netns!();
    firewall_passes_ping_and_allowed_ports(Socket::AfXdp);
}

fn firewall_passes_ping_and_allowed_ports(socket: Socket) {
    let ports = ["inside", "outside"];
    let (mac_a, mac_b) = ("02:00:00:00:0a:02", "02:00:00:00:0a:03");
    let net = Topology::new(&socket.tag("f"), &ports, &[Some((mac_a, "10.0.1.2/24")), Some((mac_b, "10.0.1.3/24"))]);
    let (a, b) = (net.host("inside"), net.host("outside"));
    must(&format!("ip -n {a} neigh add 10.0.1.3 lladdr {mac_b} dev eth0"));
    must(&format!("ip -n {b} neigh add 10.0.1.2 lladdr {mac_a} dev eth0"));
    let nf = RunningNf::start(env!("CARGO_BIN_EXE_firewall"), &net.interfaces(&ports), socket);

    let ping = sh(&format!("ip netns exec {a} timeout 10 ping -c 2 -i 0.2 -W 2 10.0.1.3"));
    assert!(ping.status.success(), "ping across the firewall failed: {}", String::from_utf8_lossy(&ping.stdout));

    // Servers inside on an allowed (443, inbound_web) and a denied (8080) port.
    for port in [443, 8080] {
        must(&format!("ip netns exec {a} timeout 20 iperf3 -s -1 -D -p {port}"));
    }
    std::thread::sleep(Duration::from_millis(300));
    let allowed = sh(&format!("ip netns exec {b} timeout 15 iperf3 -c 10.0.1.2 -p 443 -t 1 --connect-timeout 3000"));
    assert!(
        allowed.status.success(),
        "TCP to allowed port 443 failed: {}{}",
        String::from_utf8_lossy(&allowed.stdout),
        String::from_utf8_lossy(&allowed.stderr)
    );
    let denied = sh(&format!("ip netns exec {b} timeout 15 iperf3 -c 10.0.1.2 -p 8080 -t 1 --connect-timeout 2000"));
    assert!(
        !denied.status.success(),
        "TCP to denied port 8080 got through: {}",
        String::from_utf8_lossy(&denied.stdout)
    );
    // The server on the denied port never got its one client.
    sh(&format!("ip netns pids {a} | xargs -r kill"));

    let summary = nf.stop();
    assert!(rule_packets(&summary, "ping") >= 4, "{summary}");
    assert!(rule_packets(&summary, "inbound_web") > 0 && rule_packets(&summary, "outbound") > 0, "{summary}");
    // The denied SYNs (first try and retransmissions) fell to the default.
    assert!(rule_packets(&summary, "default") >= 1, "{summary}");
}

/// A `tcpdump` writing one direction of one interface to a file; stopped
/// with SIGINT (which flushes it) by `stop`, killed if dropped.
struct Capture {
    child: Child,
}

impl Capture {
    /// `netns` None captures in the root namespace; `direction` is `in`
    /// or `out` as seen by the interface. Immediate mode: without it the
    /// kernel hands tcpdump frames in blocks, and those of the last block
    /// are lost when tcpdump stops.
    fn start(netns: Option<&str>, interface: &str, direction: &str, file: &std::path::Path) -> Capture {
        let prefix = netns.map(|ns| format!("ip netns exec {ns} ")).unwrap_or_default();
        let command =
            format!("exec {prefix}tcpdump -i {interface} -Q {direction} --immediate-mode -U -n -w {}", file.display());
        let mut child = Command::new("sh")
            .args(["-c", &command])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tcpdump starts");
        // tcpdump says "listening on ..." once its socket is bound: from then
        // on no frame is missed.
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        while !line.contains("listening on") {
            line.clear();
            assert!(stderr.read_line(&mut line).unwrap() > 0, "tcpdump on {interface} ended without capturing");
        }
        // Keep draining stderr so tcpdump never blocks on it.
        std::thread::spawn(move || std::io::copy(&mut stderr, &mut std::io::sink()));
        Capture { child }
    }

    fn stop(mut self) {
        must(&format!("kill -INT {}", self.child.id()));
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "tcpdump did not stop within 5 s of SIGINT");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every frame of a capture as tcpdump prints it, without timestamps: our
/// files and the kernel's are compared through a reader we did not write.
/// `filter` is a tcpdump filter expression ("" for every frame).
fn frames_as_tcpdump_reads_them(file: &std::path::Path, filter: &str) -> String {
    let output = sh(&format!("tcpdump -r {} -t -nn -xx '{filter}' 2>/dev/null", file.display()));
    assert!(output.status.success(), "tcpdump cannot read {}", file.display());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// tcpdump's text per frame (a frame's first line does not start with a tab).
fn frames_of(text: &str) -> Vec<String> {
    let mut frames: Vec<String> = Vec::new();
    for line in text.lines() {
        match frames.last_mut() {
            Some(frame) if line.starts_with('\t') => {
                frame.push('\n');
                frame.push_str(line);
            }
            _ => frames.push(line.to_owned()),
        }
    }
    frames
}

/// The live router run is captured on every link: what each host sent the
/// NF (its inputs) and what each host received from it (its outputs). The
/// inputs replayed through the same binary's pcap backend must give, port
/// by port, exactly the frames the hosts received live.
///
/// `NFC_E2E_KEEP=DIR` keeps the captures (examples/captures/ was made so).
#[test]
fn router_capture_replayed_through_the_pcap_backend_gives_the_live_outputs_on_af_packet() {
    require_netns!();
    router_capture_replayed_gives_the_live_outputs(Socket::AfPacket);
}

#[test]
fn router_capture_replayed_through_the_pcap_backend_gives_the_live_outputs_on_af_xdp() {
    require_netns!();
    router_capture_replayed_gives_the_live_outputs(Socket::AfXdp);
}

fn router_capture_replayed_gives_the_live_outputs(socket: Socket) {
    if sh("command -v tcpdump").stdout.is_empty() {
        eprintln!("skipped: `tcpdump` is not installed (apt-get install tcpdump)");
        return;
    }
    let ports = ["lan", "wan", "dmz"];
    let tag = socket.tag("p");
    let net = Topology::new(
        &tag,
        &ports,
        &[Some(("02:00:00:00:01:01", "10.1.0.2/16")), Some(("02:00:00:00:02:01", "172.16.0.2/24")), None],
    );
    let (a, b) = (net.host("lan"), net.host("wan"));
    must(&format!(
        "ip -n {a} route add default via 10.1.0.1 && ip -n {a} neigh add 10.1.0.1 lladdr 02:00:00:00:00:01 dev eth0"
    ));
    must(&format!("ip -n {b} route add default via 172.16.0.1 && ip -n {b} neigh add 172.16.0.1 lladdr 02:00:00:00:00:02 dev eth0"));

    let dir = std::env::temp_dir().join(format!("nfc-e2e-pcap-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = |name: &str| dir.join(name);
    let (mut inputs, mut outputs) = (Vec::new(), Vec::new());
    for port in ["lan", "wan"] {
        // The NF's inputs are what each host sends: taken at the host, as
        // with AF_XDP the NF's own link hands frames to XDP before any tap.
        inputs.push(Capture::start(Some(&net.host(port)), "eth0", "out", &file(&format!("{port}-in.pcap"))));
        outputs.push(Capture::start(Some(&net.host(port)), "eth0", "in", &file(&format!("{port}-live-out.pcap"))));
    }
    let nf = RunningNf::start(env!("CARGO_BIN_EXE_router"), &net.interfaces(&ports), socket);
    let ping = sh(&format!("ip netns exec {a} timeout 10 ping -c 4 -i 0.2 -W 2 172.16.0.2"));
    assert!(ping.status.success(), "ping through the router failed:\n{}", String::from_utf8_lossy(&ping.stdout));
    // A short TCP transfer: handshakes, data, acknowledgements and FINs.
    must(&format!("ip netns exec {b} timeout 20 iperf3 -s -1 -D -p 5202 -I /tmp/nfc-e2e-iperf-{tag}.pid"));
    std::thread::sleep(Duration::from_millis(300));
    let iperf =
        sh(&format!("ip netns exec {a} timeout 20 iperf3 -c 172.16.0.2 -p 5202 -n 64K -l 8K --connect-timeout 3000"));
    assert!(iperf.status.success(), "iperf3 through the router failed:\n{}", String::from_utf8_lossy(&iperf.stdout));
    // Inputs stop first, so every frame captured going in met a running NF
    // (a host's late retransmission would otherwise be in the replay only);
    // then the last frames cross, then the NF and the outputs stop.
    std::thread::sleep(Duration::from_millis(300));
    inputs.into_iter().for_each(Capture::stop);
    std::thread::sleep(Duration::from_millis(500));
    let summary = nf.stop();
    outputs.into_iter().for_each(Capture::stop);
    assert!(rule_packets(&summary, "routes/hit") >= 8, "{summary}");

    let replay = Command::new(env!("CARGO_BIN_EXE_router"))
        .args(["--quiet", "--pcap-in"])
        .arg(format!("lan={}", file("lan-in.pcap").display()))
        .arg("--pcap-in")
        .arg(format!("wan={}", file("wan-in.pcap").display()))
        .arg("--pcap-out")
        .arg(format!("lan={}", file("lan-replay-out.pcap").display()))
        .arg("--pcap-out")
        .arg(format!("wan={}", file("wan-replay-out.pcap").display()))
        .output()
        .unwrap();
    assert!(replay.status.success(), "replay failed: {}", String::from_utf8_lossy(&replay.stderr));
    for port in ["lan", "wan"] {
        // This test's own traffic: on a busy machine a frame of another
        // test still in flight has been seen reaching a host here (the NAT
        // test's iperf3 data), and the NF forwards it live like any other.
        let ours = "net 10.1.0.0/24 or net 172.16.0.0/24";
        let live = frames_as_tcpdump_reads_them(&file(&format!("{port}-live-out.pcap")), ours);
        let replayed = frames_as_tcpdump_reads_them(&file(&format!("{port}-replay-out.pcap")), ours);
        assert!(
            live.matches("IP ").count() >= 8,
            "too little traffic on {port}:\n{live}\niperf3: {}",
            String::from_utf8_lossy(&iperf.stdout)
        );
        // What the hosts sent after their input capture stopped reached
        // the other side live only: the live frames may go on past the
        // replayed ones, a few at most, but must begin with all of them.
        let (live_frames, replayed_frames) = (frames_of(&live), frames_of(&replayed));
        assert!(
            replayed_frames.len() >= 8 && live_frames.len() <= replayed_frames.len() + 4,
            "{port}: {} frames replayed, {} live:\nreplayed:\n{replayed}\nlive:\n{live}",
            replayed_frames.len(),
            live_frames.len()
        );
        assert_eq!(
            live_frames.get(..replayed_frames.len()),
            Some(&replayed_frames[..]),
            "{port}: replayed outputs differ from the live run"
        );
    }
    match std::env::var_os("NFC_E2E_KEEP") {
        Some(keep) => {
            std::fs::create_dir_all(&keep).unwrap();
            for name in ["lan-in", "wan-in", "lan-live-out", "wan-live-out"] {
                std::fs::copy(
                    file(&format!("{name}.pcap")),
                    std::path::Path::new(&keep).join(format!("router-{name}.pcap")),
                )
                .unwrap();
            }
            std::fs::remove_dir_all(&dir).unwrap();
        }
        None => std::fs::remove_dir_all(&dir).unwrap(),
    }
}

/// Runs `command` (a shell line) with a 20 s limit and checks that it
/// failed as a deployment should: exit code 1, one line on stderr, naming
/// the binary and containing `expected`.
fn fails_in_one_sentence(command: &str, expected: &str) {
    let output = sh(&format!("timeout 20 {command}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "`{command}` should exit 1; stderr:\n{stderr}");
    assert_eq!(stderr.lines().count(), 1, "`{command}`: one sentence expected, found:\n{stderr}");
    assert!(
        stderr.starts_with("router: ") && stderr.contains(expected),
        "`{command}`: expected `{expected}` in:\n{stderr}"
    );
}

/// The ways AF_XDP set-up fails on a machine: each one sentence, exit 1,
/// in bounded time; and `auto` falls back to AF_PACKET, saying why.
#[test]
fn af_xdp_failures_are_one_sentence_and_exit_code_1() {
    require_netns!();
    let ports = ["lan", "wan", "dmz"];
    let net = Topology::new("nxe", &ports, &[None, None, None]);
    let router = env!("CARGO_BIN_EXE_router");
    let ifaces = net.interfaces(&ports).join(" ");

    // Not root: no capabilities at all after changing to user nobody (who
    // runs a copy of the binary, as the build directory may be private).
    if !sh("command -v setpriv").stdout.is_empty() {
        let copy = std::env::temp_dir().join(format!("nfc-e2e-router-{}", std::process::id()));
        std::fs::copy(router, &copy).unwrap();
        must(&format!("chmod 755 {}", copy.display()));
        fails_in_one_sentence(
            &format!(
                "setpriv --reuid=65534 --regid=65534 --clear-groups {} {ifaces} --iface-socket af-xdp",
                copy.display()
            ),
            "AF_XDP sockets need root or CAP_NET_RAW",
        );
        std::fs::remove_file(copy).unwrap();
    }
    // Root without CAP_IPC_LOCK and with a small locked-memory limit: the
    // packet memory cannot be registered.
    if !sh("command -v capsh").stdout.is_empty() {
        fails_in_one_sentence(
            &format!("capsh --drop=cap_ipc_lock -- -c 'ulimit -l 64; exec {router} {ifaces} --iface-socket af-xdp'"),
            "needs CAP_IPC_LOCK or a locked-memory limit of at least",
        );
    }
    // A driver without native XDP: a bridge (with one port, so its link is up).
    sh("ip link del nxe-br 2>/dev/null; ip link del nxe-bp 2>/dev/null");
    must("ip link add nxe-br type bridge && ip link add nxe-bp type veth peer name nxe-bq");
    must("ip link set nxe-bp master nxe-br && ip link set nxe-bp up && ip link set nxe-bq up && ip link set nxe-br up");
    fails_in_one_sentence(
        &format!("{router} --iface nxe-br --iface nxe-wan --iface nxe-dmz --iface-socket af-xdp-native"),
        "interface nxe-br: its driver has no native XDP support",
    );
    sh("ip link del nxe-br; ip link del nxe-bp");

    // Queues taken by a running AF_XDP deployment: refused after retrying,
    // and with `auto` the second deployment runs on AF_PACKET instead.
    let first = RunningNf::start(router, &net.interfaces(&ports), Socket::AfXdp);
    let started = Instant::now();
    fails_in_one_sentence(&format!("{router} {ifaces} --iface-socket af-xdp"), "is taken by another AF_XDP socket");
    assert!(started.elapsed() < Duration::from_secs(10), "gave up after {:?}", started.elapsed());
    let auto = sh(&format!("timeout 20 {router} {ifaces} --duration 0.5 --quiet"));
    let (stdout, stderr) = (String::from_utf8_lossy(&auto.stdout), String::from_utf8_lossy(&auto.stderr));
    assert!(auto.status.success(), "{stdout}{stderr}");
    assert!(stdout.contains("running on Linux interfaces (AF_PACKET"), "{stdout}");
    assert!(
        stderr.starts_with("router: AF_XDP not used (") && stderr.contains("taken by another AF_XDP socket"),
        "{stderr}"
    );
    first.stop();
    assert_no_xdp_program(&net, &ports);

    // Killed outright, a deployment leaves no XDP program behind (its BPF
    // links close with the process), and the next one binds the same
    // queues (retrying while the kernel releases them).
    let mut killed = RunningNf::start(router, &net.interfaces(&ports), Socket::AfXdp);
    killed.child.kill().unwrap();
    killed.child.wait().unwrap();
    assert_no_xdp_program(&net, &ports);
    RunningNf::start(router, &net.interfaces(&ports), Socket::AfXdp).stop();
    assert_no_xdp_program(&net, &ports);
}

/// No interface of the topology has an XDP program attached.
fn assert_no_xdp_program(net: &Topology, ports: &[&str]) {
    for port in ports {
        let link = sh(&format!("ip -d link show {}-{port}", net.tag));
        let shown = String::from_utf8_lossy(&link.stdout);
        assert!(link.status.success() && !shown.contains("xdp"), "an XDP program was left on {port}:\n{shown}");
    }
}

// --- Stateful network functions (examples/src/stateful/) -----------------

/// Runs `command` and says whether it succeeded (for attempts that must fail).
fn succeeds(command: &str) -> bool {
    sh(command).status.success()
}

/// hostA inside (10.0.0.2/24, default route via the NAT router's 10.0.0.1)
/// and hostB outside (203.0.113.2/24, the MAC the router sends to as its
/// next hop), around the `nat` binary, which answers both hosts' ARP for
/// its addresses. Outbound ping and TCP work and reach hostB from the
/// external address; nothing hostB starts gets in.
#[test]
fn nat_lets_inside_hosts_out_and_keeps_outside_hosts_out() {
    require_netns!();
    let summary = nat_scenario("nat", env!("CARGO_BIN_EXE_nat"), "02:00:00:00:00:0a");
    assert!(rule_packets(&summary, "out/new_mapping") >= 3, "ping and two TCP connections: {summary}");
    assert!(rule_packets(&summary, "in/translated") >= 3, "{summary}");
    assert!(rule_packets(&summary, "arp/answered") >= 2, "both sides resolved the router: {summary}");
    assert!(rule_packets(&summary, "drop/not_for_us") >= 2, "the pings to 10.0.0.2 from outside: {summary}");
    assert!(rule_packets(&summary, "drop/no_mapping") >= 1, "the SYNs to 203.0.113.1:5202: {summary}");
}

/// The same with the NAT compiled from `nf-specs/nat.toml` (binary
/// `nat_spec`): the spec answers ARP for its two addresses, translates with
/// its `nat` stage and finds the inside host's MAC in its neighbour table.
#[test]
fn compiled_nat_spec_lets_inside_hosts_out_and_keeps_outside_hosts_out() {
    require_netns!();
    let summary = nat_scenario("nats", env!("CARGO_BIN_EXE_nat_spec"), "02:00:00:00:00:10");
    assert!(rule_packets(&summary, "napt/outbound/new") >= 3, "ping and two TCP connections: {summary}");
    assert!(rule_packets(&summary, "napt/inbound") >= 3, "{summary}");
    assert!(rule_packets(&summary, "arp_inside") >= 1, "hostA resolved the router: {summary}");
    assert!(rule_packets(&summary, "arp_outside") >= 1, "hostB resolved the router: {summary}");
    assert!(rule_packets(&summary, "napt/no_mapping") >= 1, "the SYNs to 203.0.113.1:5202: {summary}");
    every_frame_received_is_accounted_for(&summary);
}

/// The NAT scenario on `binary` (hostA inside at `inside_mac`): ping and
/// iperf3 out, hostB sees the external address, nothing from outside gets
/// in; the final summary.
fn nat_scenario(tag: &str, binary: &str, inside_mac: &str) -> String {
    let socket = Socket::AfPacket;
    let ports = ["inside", "outside"];
    let net = Topology::new(
        &socket.tag(tag),
        &ports,
        &[Some((inside_mac, "10.0.0.2/24")), Some(("02:00:00:00:00:12", "203.0.113.2/24"))],
    );
    let (a, b) = (net.host("inside"), net.host("outside"));
    must(&format!("ip -n {a} route add default via 10.0.0.1"));
    // hostB knows the way to the inside network, so its attempts reach the NAT.
    must(&format!("ip -n {b} route add 10.0.0.0/24 via 203.0.113.1"));
    let nf = RunningNf::start(binary, &net.interfaces(&ports), socket);

    let ping = sh(&format!("ip netns exec {a} timeout 10 ping -c 3 -i 0.2 -W 2 203.0.113.2"));
    assert!(ping.status.success(), "ping out through the NAT failed:\n{}", String::from_utf8_lossy(&ping.stdout));
    let log = std::env::temp_dir().join(format!("nfc-e2e-{tag}-iperf-{}.log", std::process::id()));
    must(&format!("ip netns exec {b} timeout 20 iperf3 -s -1 -D -p 5201 --logfile {}", log.display()));
    std::thread::sleep(Duration::from_millis(300));
    let iperf = sh(&format!("ip netns exec {a} timeout 20 iperf3 -c 203.0.113.2 -p 5201 -t 2 --connect-timeout 3000"));
    assert!(
        iperf.status.success() && String::from_utf8_lossy(&iperf.stdout).contains("receiver"),
        "iperf3 TCP out through the NAT failed:\n{}{}",
        String::from_utf8_lossy(&iperf.stdout),
        String::from_utf8_lossy(&iperf.stderr)
    );
    // The daemonised server writes its log when it gets to it: wait for it.
    let mut server_log = String::new();
    for _ in 0..30 {
        server_log = std::fs::read_to_string(&log).unwrap_or_default();
        if server_log.contains("Accepted connection") {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = std::fs::remove_file(&log);
    assert!(server_log.contains("Accepted connection from 203.0.113.1"), "hostB saw the inside address:\n{server_log}");

    // From outside: to the inside address, and to the external address.
    assert!(!succeeds(&format!("ip netns exec {b} timeout 5 ping -c 2 -i 0.2 -W 1 10.0.0.2")), "ping in got through");
    must(&format!("ip netns exec {a} timeout 20 iperf3 -s -1 -D -p 5202"));
    std::thread::sleep(Duration::from_millis(300));
    for target in ["10.0.0.2", "203.0.113.1"] {
        let attempt =
            sh(&format!("ip netns exec {b} timeout 10 iperf3 -c {target} -p 5202 -t 1 --connect-timeout 2000"));
        assert!(!attempt.status.success(), "TCP from outside to {target} got through");
    }

    nf.stop()
}

/// hostA inside (10.0.1.2) and hostB outside (10.0.1.3) on one subnet with
/// the `stateful_firewall` binary as a bump in the wire (ARP passes it).
/// hostA's ping and TCP get out and their replies back; nothing hostB
/// starts gets in.
#[test]
fn stateful_firewall_lets_connections_out_and_their_replies_in_only() {
    require_netns!();
    let summary = stateful_firewall_scenario("sfw", env!("CARGO_BIN_EXE_stateful_firewall"));
    assert!(rule_packets(&summary, "open") >= 3, "ping and two TCP connections: {summary}");
    assert!(rule_packets(&summary, "tracked") > 100, "{summary}");
    assert!(rule_packets(&summary, "drop/unsolicited") >= 3, "two echo requests and a SYN at least: {summary}");
    assert!(rule_packets(&summary, "pass/non_ip") >= 2, "ARP both ways: {summary}");
}

/// The same with the firewall compiled from `nf-specs/stateful_firewall.toml`
/// (binary `stateful_firewall_spec`): its `conntrack` stage passes what
/// inside opened and drops the rest; ARP passes by its first rule.
#[test]
fn compiled_stateful_firewall_spec_lets_connections_out_and_their_replies_in_only() {
    require_netns!();
    let summary = stateful_firewall_scenario("sfws", env!("CARGO_BIN_EXE_stateful_firewall_spec"));
    assert!(rule_packets(&summary, "flows/opened") >= 3, "ping and two TCP connections: {summary}");
    assert!(rule_packets(&summary, "flows/tracked") > 100, "{summary}");
    assert!(rule_packets(&summary, "flows/unsolicited") >= 3, "two echo requests and a SYN at least: {summary}");
    assert!(rule_packets(&summary, "arp") >= 2, "ARP both ways: {summary}");
}

/// The stateful firewall scenario on `binary`: ping and iperf3 from inside
/// work, ping and TCP from outside do not; the final summary.
fn stateful_firewall_scenario(tag: &str, binary: &str) -> String {
    let socket = Socket::AfPacket;
    let ports = ["inside", "outside"];
    let net = Topology::new(
        &socket.tag(tag),
        &ports,
        &[Some(("02:00:00:00:0c:02", "10.0.1.2/24")), Some(("02:00:00:00:0c:03", "10.0.1.3/24"))],
    );
    let (a, b) = (net.host("inside"), net.host("outside"));
    let nf = RunningNf::start(binary, &net.interfaces(&ports), socket);

    let ping = sh(&format!("ip netns exec {a} timeout 10 ping -c 3 -i 0.2 -W 2 10.0.1.3"));
    assert!(ping.status.success(), "ping out failed:\n{}", String::from_utf8_lossy(&ping.stdout));
    must(&format!("ip netns exec {b} timeout 20 iperf3 -s -1 -D -p 5201"));
    std::thread::sleep(Duration::from_millis(300));
    let iperf = sh(&format!("ip netns exec {a} timeout 20 iperf3 -c 10.0.1.3 -p 5201 -t 2 --connect-timeout 3000"));
    assert!(
        iperf.status.success() && String::from_utf8_lossy(&iperf.stdout).contains("receiver"),
        "iperf3 TCP out failed:\n{}{}",
        String::from_utf8_lossy(&iperf.stdout),
        String::from_utf8_lossy(&iperf.stderr)
    );

    assert!(!succeeds(&format!("ip netns exec {b} timeout 5 ping -c 2 -i 0.2 -W 1 10.0.1.2")), "ping in got through");
    must(&format!("ip netns exec {a} timeout 20 iperf3 -s -1 -D -p 5202"));
    std::thread::sleep(Duration::from_millis(300));
    let attempt = sh(&format!("ip netns exec {b} timeout 10 iperf3 -c 10.0.1.2 -p 5202 -t 1 --connect-timeout 2000"));
    assert!(!attempt.status.success(), "TCP from outside got through");

    let summary = nf.stop();
    every_frame_received_is_accounted_for(&summary);
    summary
}

/// Three hosts on the `bridge` binary's three ports, one subnet, each
/// knowing the others' MACs (no ARP, no IPv6: every frame is a ping). The
/// bridge learns each host from its first frame: only a frame to a host
/// not heard from yet is flooded, everything else goes to one port.
#[test]
fn bridge_learns_so_only_frames_to_unheard_hosts_are_flooded() {
    require_netns!();
    let summary = bridge_scenario("br", env!("CARGO_BIN_EXE_bridge"));
    assert_eq!(rule_packets(&summary, "flood/unknown"), 2, "{summary}");
    assert_eq!(rule_packets(&summary, "forward"), 3 * 6 - 2, "every other frame to one port: {summary}");
    // The kernel may still send a frame of its own to a group address when
    // an interface comes up (an IGMP report, seen under load): flooded as a
    // group frame, its source learned. Everything else is the pings'.
    let group = rule_packets(&summary, "flood/group");
    assert!(group <= 3, "{summary}");
    assert!((3..=3 + group).contains(&rule_packets(&summary, "learn/new")), "{summary}");
}

/// The same with the bridge compiled from `nf-specs/bridge.toml` (binary
/// `bridge_spec`), whose `learn` stage floods a miss, unknown or group
/// destination alike.
#[test]
fn compiled_bridge_spec_learns_so_only_frames_to_unheard_hosts_are_flooded() {
    require_netns!();
    let summary = bridge_scenario("brs", env!("CARGO_BIN_EXE_bridge_spec"));
    assert_eq!(rule_packets(&summary, "stations/hit"), 3 * 6 - 2, "every other frame to one port: {summary}");
    // The two first requests, and any group frame of the kernel's own (see above).
    let flooded = rule_packets(&summary, "stations/miss");
    assert!((2..=5).contains(&flooded), "{summary}");
    assert!((3..=3 + flooded - 2).contains(&rule_packets(&summary, "stations/learn/new")), "{summary}");
}

/// The bridge scenario on `binary`: p0 pings p1 and p2 (neither heard from
/// yet: each first request is flooded), then p1 pings p2 (both learned from
/// their replies); the final summary.
fn bridge_scenario(tag: &str, binary: &str) -> String {
    let socket = Socket::AfPacket;
    let ports = ["p0", "p1", "p2"];
    let hosts =
        [("02:00:00:00:0b:01", "10.0.2.1"), ("02:00:00:00:0b:02", "10.0.2.2"), ("02:00:00:00:0b:03", "10.0.2.3")];
    let with_len: Vec<String> = hosts.iter().map(|(_, ip)| format!("{ip}/24")).collect();
    let net = Topology::new(
        &socket.tag(tag),
        &ports,
        &hosts.iter().zip(&with_len).map(|((mac, _), ip)| Some((*mac, ip.as_str()))).collect::<Vec<_>>(),
    );
    for (port, (_, own_ip)) in ports.iter().zip(&hosts) {
        for (mac, ip) in hosts.iter().filter(|(_, ip)| ip != own_ip) {
            must(&format!("ip -n {} neigh add {ip} lladdr {mac} dev eth0 nud permanent", net.host(port)));
        }
    }
    let nf = RunningNf::start(binary, &net.interfaces(&ports), socket);
    for (from, to) in [("p0", "10.0.2.2"), ("p0", "10.0.2.3"), ("p1", "10.0.2.3")] {
        let ping = sh(&format!("ip netns exec {} timeout 10 ping -c 3 -i 0.2 -W 2 {to}", net.host(from)));
        assert!(ping.status.success(), "ping {from} -> {to} failed:\n{}", String::from_utf8_lossy(&ping.stdout));
    }
    nf.stop()
}
