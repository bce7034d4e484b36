//! A saturating 64-byte UDP generator and a receiver that counts, for
//! forwarding benchmarks on Linux interfaces.
//!
//! Sending: XDP test runs with live frames (`BPF_PROG_TEST_RUN` with
//! `BPF_F_TEST_XDP_LIVE_FRAMES`) run a short program, "write this frame and
//! transmit it back", on recycled pages as if they had arrived on the
//! sender's interface; the frame is one valid UDP packet built by the
//! compiler's test-packet builder, written anew each time because a
//! receiver may have changed the page in place (the kernel's forwarding
//! does). The kernel transmits them in batches, without socket buffers,
//! millions of frames a second on one core. Counting: an XDP program on the
//! receiver's interface counts every frame in a BPF map and drops it.
//!
//! Sender and receiver may be in network namespaces (`NS:IFACE`); the
//! process moves into each in turn. It generates for a warm-up, then
//! measures for `--seconds`: offered and delivered rates, loss, and how
//! each core spent its time (/proc/stat), as one line of key=value pairs.
//! With `--redirect IN:OUT` it also attaches an in-kernel XDP forwarder
//! (every frame from IN out of OUT, unchanged) for the run: the ceiling.
//!
//! Pin it to a core (`taskset -c 0`): the sender's work is done there.
use clap::Parser;
use nfc_compiler::ir::{Field, TestPacket};
use nfc_runtime::env::{self, BpfMap, XdpProgram};
use std::net::Ipv4Addr;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    about = "Send 64-byte UDP frames (60 bytes + CRC) as fast as XDP test runs go; count what arrives",
    long_about = "Send 64-byte UDP frames (60 bytes + CRC) out of an interface with XDP test runs on live \
                  frames (Linux 5.18+), as fast as one core goes, for throughput runs (bench/linux-forwarding); \
                  with --to, count what arrives at another interface (an XDP program counts and drops). Every \
                  frame is the same IPv4/UDP packet, port 9 (discard) to port 9, with 18 bytes of payload and \
                  valid checksums. Needs root. Prints offered and delivered Mpps, loss and each core's time \
                  split over the measured window as key=value pairs.",
    after_help = "Example: taskset -c 0 udpgen --from hostA:eth0 --to hostB:eth0 --src-mac 02:00:00:00:01:01 \
                  --dst-mac 02:00:00:00:00:01 --src-ip 10.1.0.2 --dst-ip 172.16.0.2 --seconds 5"
)]
struct Options {
    /// The sender's interface, `NAMESPACE:NAME` or `NAME`.
    #[arg(long, value_name = "[NS:]IFACE")]
    from: String,
    /// The receiver's interface, `NAMESPACE:NAME` or `NAME`: frames arriving there are counted and dropped.
    #[arg(long, value_name = "[NS:]IFACE")]
    to: Option<String>,
    /// Forward every frame arriving on IN out of OUT in the kernel (XDP redirect), in the starting namespace.
    #[arg(long, value_name = "IN:OUT")]
    redirect: Option<String>,
    /// Ethernet source address of every frame.
    #[arg(long, value_name = "MAC", value_parser = parse_mac)]
    src_mac: u64,
    /// Ethernet destination address: the next hop's MAC (e.g. the NF's port).
    #[arg(long, value_name = "MAC", value_parser = parse_mac)]
    dst_mac: u64,
    /// IPv4 source address.
    #[arg(long, value_name = "ADDR")]
    src_ip: Ipv4Addr,
    /// IPv4 destination address (what a router routes on).
    #[arg(long, value_name = "ADDR")]
    dst_ip: Ipv4Addr,
    /// Seconds measured, after the warm-up.
    #[arg(long, value_name = "SECONDS", default_value_t = 5.0)]
    seconds: f64,
    /// Seconds of sending before measuring.
    #[arg(long, value_name = "SECONDS", default_value_t = 1.0)]
    warmup: f64,
    /// A process (the forwarder) whose CPU time over the measured window is reported, in total and per frame delivered.
    #[arg(long, value_name = "PID")]
    watch: Option<u32>,
    /// Frames per batch the kernel transmits together (at most 256).
    #[arg(long, value_name = "FRAMES", default_value_t = 64)]
    batch: u32,
}

fn parse_mac(text: &str) -> Result<u64, String> {
    let bytes: Vec<u8> =
        text.split(':').map(|b| u8::from_str_radix(b, 16)).collect::<Result<_, _>>().map_err(|e| e.to_string())?;
    if bytes.len() != 6 {
        return Err(format!("found `{text}`, expected a MAC like 02:00:00:00:01:01"));
    }
    Ok(bytes.iter().fold(0, |mac, &b| mac << 8 | u64::from(b)))
}

/// `NS:IFACE` or `IFACE`, entering the namespace if one is named.
fn enter(place: &str) -> Result<&str, String> {
    match place.split_once(':') {
        Some((namespace, interface)) => {
            env::enter_network_namespace(namespace).map_err(|e| e.to_string())?;
            Ok(interface)
        }
        None => Ok(place),
    }
}

/// Per-core time counters from /proc/stat: user, system, softirq+irq, idle, in clock ticks.
fn cpu_times() -> Vec<[u64; 4]> {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    stat.lines()
        .filter(|line| line.starts_with("cpu") && line.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
        .map(|line| {
            let v: Vec<u64> = line.split_whitespace().skip(1).map(|f| f.parse().unwrap_or(0)).collect();
            let at = |i: usize| v.get(i).copied().unwrap_or(0);
            // user nice system idle iowait irq softirq steal
            [at(0) + at(1), at(2), at(5) + at(6), at(3) + at(4) + at(7)]
        })
        .collect()
}

/// A process's user and system time so far, in clock ticks (/proc/PID/stat fields 14 and 15).
fn process_ticks(pid: u32) -> Result<(u64, u64), String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).map_err(|e| format!("process {pid}: {e}"))?;
    // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse().ok()).ok_or(format!("process {pid}: bad stat"));
    Ok((field(14)?, field(15)?))
}

/// The counters at the start of the measured window.
struct Window {
    since: Instant,
    offered: u64,
    delivered: u64,
    cpu: Vec<[u64; 4]>,
    /// The watched process's user and system ticks.
    watched: Option<(u64, u64)>,
}

fn run(options: &Options) -> Result<String, String> {
    let frame = nfc_compiler::testpkt::build(&TestPacket::Fields {
        fields: vec![
            (Field::EthSrc, options.src_mac.into()),
            (Field::EthDst, options.dst_mac.into()),
            (Field::Ipv4Src, u32::from(options.src_ip).into()),
            (Field::Ipv4Dst, u32::from(options.dst_ip).into()),
            (Field::UdpSrc, 9),
            (Field::UdpDst, 9),
        ],
        payload_len: 18,
    });
    assert_eq!(frame.len(), 60, "14 + 20 + 8 + 18 bytes");
    let e = |e: env::EnvError| e.to_string();

    // Programs stay attached while their links live: until this function returns.
    let mut links = Vec::new();
    if let Some(redirect) = &options.redirect {
        let (input, output) =
            redirect.split_once(':').ok_or_else(|| format!("--redirect `{redirect}`: expected IN:OUT"))?;
        let program = XdpProgram::redirect_to_interface(env::interface_index(output).map_err(e)?).map_err(e)?;
        links.push(program.attach(env::interface_index(input).map_err(e)?, input, None).map_err(e)?);
    }
    let counters = BpfMap::counters(1).map_err(e)?;
    if let Some(to) = &options.to {
        let interface = enter(to)?;
        let program = XdpProgram::count_and_drop(&counters).map_err(e)?;
        links.push(program.attach(env::interface_index(interface).map_err(e)?, interface, None).map_err(e)?);
    }
    let interface = enter(&options.from)?;
    let ifindex = env::interface_index(interface).map_err(e)?;
    let sender = XdpProgram::transmit_frame(&frame).map_err(e)?;
    env::install_stop_handler().map_err(e)?;

    // About 10 ms of frames per system call, so the clock is read often enough.
    const FRAMES_PER_CALL: u32 = 1 << 16;
    let start = Instant::now();
    let (warmup, measured) = (Duration::from_secs_f64(options.warmup), Duration::from_secs_f64(options.seconds));
    let mut offered = 0u64;
    let watched = || options.watch.map(process_ticks).transpose();
    let mut window: Option<Window> = None;
    loop {
        if env::stop_requested() {
            return Err("stopped by a signal before the end of the run".into());
        }
        sender.run_live(&frame, ifindex, FRAMES_PER_CALL, options.batch).map_err(e)?;
        offered += u64::from(FRAMES_PER_CALL);
        match &window {
            None if start.elapsed() >= warmup => {
                window = Some(Window {
                    since: Instant::now(),
                    offered,
                    delivered: counters.counter(0).map_err(e)?,
                    cpu: cpu_times(),
                    watched: watched()?,
                });
            }
            Some(window) if window.since.elapsed() >= measured => break,
            _ => {}
        }
    }
    let Window {
        since,
        offered: offered_before,
        delivered: delivered_before,
        cpu: cpu_before,
        watched: watched_before,
    } = window.expect("the loop ends inside the window");
    let (seconds, delivered, cpu_after) = (since.elapsed().as_secs_f64(), counters.counter(0).map_err(e)?, cpu_times());
    let watched_after = watched()?;
    let offered = offered - offered_before;
    let delivered = delivered - delivered_before;
    let mut line = format!(
        "offered_mpps={:.3} delivered_mpps={:.3} loss_percent={:.1} seconds={seconds:.2}",
        offered as f64 / seconds / 1e6,
        delivered as f64 / seconds / 1e6,
        // Frames in flight at the window's edges can make it a hair negative.
        (100.0 * (1.0 - delivered as f64 / offered.max(1) as f64)).max(0.0),
    );
    for (core, (after, before)) in cpu_after.iter().zip(&cpu_before).enumerate() {
        let spent: Vec<u64> = after.iter().zip(before).map(|(a, b)| a - b).collect();
        let total = spent.iter().sum::<u64>().max(1) as f64;
        let percent = |i: usize| (100.0 * spent[i] as f64 / total).round();
        line += &format!(" cpu{core}=usr{}/sys{}/irq{}/idle{}", percent(0), percent(1), percent(2), percent(3));
    }
    if let (Some((user_before, system_before)), Some((user, system))) = (watched_before, watched_after) {
        let hz = env::clock_ticks_per_second() as f64;
        let (user, system) = ((user - user_before) as f64 / hz, (system - system_before) as f64 / hz);
        line += &format!(
            " watched_user_percent={:.0} watched_system_percent={:.0} watched_ns_per_delivered={:.0}",
            100.0 * user / seconds,
            100.0 * system / seconds,
            (user + system) * 1e9 / delivered.max(1) as f64
        );
    }
    drop(links);
    Ok(line)
}

fn main() -> std::process::ExitCode {
    let options = Options::parse();
    match run(&options) {
        Ok(line) => {
            println!("{line}");
            std::process::ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("udpgen: {error}");
            std::process::ExitCode::FAILURE
        }
    }
}
