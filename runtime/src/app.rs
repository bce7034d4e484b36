//! The entry point of a deployment binary:
//!
//! ```ignore
//! nfc::spec!("nf-specs/router.toml");
//! fn main() -> std::process::ExitCode {
//!     nfc::runtime::app::main("router", Router::PORTS, Router::new())
//! }
//! ```
//!
//! The command line picks where packets come from: 82599s (`--pci`, one per
//! port), Linux interfaces (`--iface`, one per port), capture files
//! (`--pcap-in`/`--pcap-out`), or by default the software 82599 model with
//! generated traffic (`model::generator`) or a replayed capture
//! (`--model-traffic`, `model::replay`). The chosen backend's loop is monomorphised over the
//! network function; choosing it is one `match` here. While running, one
//! stats line per second; on SIGINT/SIGTERM (or end of input) a final
//! summary with every rule counter, and exit 0. Every failure is one
//! sentence on stderr and exit 1.

use crate::backend::Backend;
use crate::capture::{PcapBackend, PortFile};
use crate::driver::{Device, Pipeline};
use crate::env::{self, Mmio, PciDevice};
use crate::interface::{InterfaceBackend, SocketChoice};
use crate::json_report::JsonReport;
use crate::model::generator::MixEntry;
use crate::model::{replay, ModelBackend, ModelFault, TrafficConfig};
use crate::nf::NetworkFunction;
use crate::table_files::TableFiles;
use clap::{CommandFactory, FromArgMatches, Parser};
use std::cell::RefCell;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

// `about` names the function, its ports and the backends: see `command`.
#[derive(Parser, Debug)]
#[command(
    after_help = "Ports are numbered in the spec's order and may be named by name or number in PORT=FILE.\nStop with Ctrl-C (SIGINT) or SIGTERM: the final summary lists every rule counter."
)]
struct Options {
    /// 82599 PCI address (e.g. 0000:03:00.0), once per port in port order; needs root and hugepages.
    #[arg(long, value_name = "ADDR", conflicts_with_all = ["iface", "pcap_in"])]
    pci: Vec<String>,
    /// Linux interface (AF_XDP, or AF_PACKET with mapped rings), once per port in port order; needs root.
    #[arg(long, value_name = "NAME", conflicts_with = "pcap_in")]
    iface: Vec<String>,
    /// With --iface: the sockets; auto is AF_XDP where the kernel and the interfaces allow it, else AF_PACKET.
    #[arg(long, value_name = "KIND", default_value = "auto", requires = "iface")]
    iface_socket: IfaceSocket,
    /// Read a port's input from a pcap or pcapng file.
    #[arg(long, value_name = "PORT=FILE")]
    pcap_in: Vec<String>,
    /// Write a port's output to a pcap file.
    #[arg(long, value_name = "PORT=FILE", requires = "pcap_in")]
    pcap_out: Vec<String>,
    /// The entries of a table loaded at run time (`load = "runtime"` in the spec), read at start and on SIGHUP.
    #[arg(long, value_name = "NAME=FILE")]
    table: Vec<String>,
    /// Software model: frames offered per port (generated, or replayed from --model-traffic and cycled).
    #[arg(long, value_name = "N", default_value_t = 2_000_000)]
    packets: u64,
    /// Software model: generated frame sizes in bytes without CRC (cycled), e.g. 60,590,1514.
    #[arg(long, value_name = "BYTES", value_delimiter = ',', default_value = "60")]
    frame_size: Vec<usize>,
    /// Software model: generated protocols, each PROTO[:WEIGHT] (weight 1-100, default 1), cycled per size:
    /// udp, tcp, icmp (echo request), arp (request), udp6, tcp6, icmp6 (echo request). Default: udp.
    #[arg(long, value_name = "PROTO[:WEIGHT]", value_delimiter = ',', value_parser = MixEntry::parse,
          conflicts_with_all = ["pci", "iface", "pcap_in"])]
    model_mix: Vec<MixEntry>,
    /// Software model: replay a pcap or pcapng file's frames (cycled, timestamps ignored) instead of generated
    /// ones; FILE alone on every port, PORT=FILE on one port (which wins); a port without a file gets nothing.
    #[arg(long, value_name = "[PORT=]FILE", conflicts_with_all = ["pci", "iface", "pcap_in", "model_mix", "frame_size"])]
    model_traffic: Vec<String>,
    /// Stop after this many seconds.
    #[arg(long, value_name = "SECONDS")]
    duration: Option<f64>,
    /// No per-second stats lines.
    #[arg(long)]
    quiet: bool,
    /// Software model: run its DMA engines in a thread of their own beside the driver, as a NIC runs beside
    /// the CPU (by default they alternate with the driver in one thread, which a busy machine cannot starve).
    #[arg(long)]
    model_thread: bool,
    /// `json`: the start line, per-second stats and the final summary (ports, every counter) as JSON lines.
    #[arg(long, value_enum, value_name = "FORMAT", default_value = "text")]
    stats: StatsFormat,
    /// Software model: play a hardware fault (for testing deployments).
    #[arg(long, value_name = "FAULT", hide_short_help = true)]
    model_fault: Option<FaultOption>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum StatsFormat {
    /// Lines for people.
    Text,
    /// One JSON object per line (see `runtime::json_report`).
    Json,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum IfaceSocket {
    Auto,
    /// AF_XDP, the XDP program native where the driver supports it, else generic.
    AfXdp,
    /// AF_XDP with the XDP program native (in the driver), or an error.
    AfXdpNative,
    /// AF_XDP with the XDP program generic (any interface).
    AfXdpGeneric,
    /// AF_PACKET with mapped rings (any interface and kernel).
    AfPacket,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum FaultOption {
    /// The device reset never completes.
    ResetNeverCompletes,
    /// The link never comes up.
    LinkNeverUp,
    /// Port 0 drops off the bus 100,000 frames into the run.
    Vanish,
}

/// Parse the command line, run `nf` until stopped, print the summary.
pub fn main<N: NetworkFunction>(name: &str, ports: &[&str], nf: N) -> ExitCode {
    let mut args = std::env::args_os();
    let program = args.next().map(PathBuf::from);
    let program = program.as_deref().and_then(Path::file_name).map_or(name.into(), |p| p.to_string_lossy());
    main_with_args(name, ports, nf, &program, args)
}

/// `main` with the arguments given (without the program name); `program`
/// is the command as usage lines should show it (`nfc run` passes
/// `nfc run SPEC`).
pub fn main_with_args<N, I>(name: &str, ports: &[&str], mut nf: N, program: &str, args: I) -> ExitCode
where
    N: NetworkFunction,
    I: IntoIterator<Item = OsString>,
{
    let matches = command(name, ports, program).get_matches_from(std::iter::once(OsString::from(program)).chain(args));
    let options = Options::from_arg_matches(&matches).unwrap_or_else(|error| error.exit());
    match run(name, ports, &mut nf, &options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{name}: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The command line of a deployment binary, its help naming the function,
/// its ports (none given: "its spec's ports") and every backend.
pub fn command(name: &str, ports: &[&str], program: &str) -> clap::Command {
    let ports = if ports.is_empty() {
        "its spec's ports".to_owned()
    } else {
        let numbered: Vec<String> = ports.iter().enumerate().map(|(i, port)| format!("{port} ({i})")).collect();
        format!("ports {}", numbered.join(", "))
    };
    let about = format!(
        "Runs the network function `{name}` ({ports}) on one backend:\n  \
         (default)               the software 82599 model: generated traffic (--packets, --frame-size, --model-mix)\n\
         \x20                         or a capture replayed on it (--model-traffic [PORT=]FILE)\n  \
         --pci ADDR per port     82599 NICs (root, hugepages)\n  \
         --iface NAME per port   Linux interfaces: AF_XDP where possible, else AF_PACKET (root; --iface-socket)\n  \
         --pcap-in PORT=FILE     capture files: pcap or pcapng in, pcap out (--pcap-out PORT=FILE)"
    );
    Options::command().bin_name(program.to_owned()).about(about)
}

fn run<N: NetworkFunction>(name: &str, ports: &[&str], nf: &mut N, options: &Options) -> Result<(), String> {
    env::install_stop_handler().map_err(|e| e.to_string())?;
    // Tables first: a bad entries file stops the binary before any device is touched.
    let tables = TableFiles::new(nf, &options.table)?;
    if let Some(tables) = &tables {
        tables.load(nf)?;
    }
    let run = Run { name, ports, options, tables: RefCell::new(tables) };
    if !options.pci.is_empty() {
        run.expect_one_per_port("--pci", options.pci.len())?;
        return run.drive(hardware(&options.pci)?, nf, "82599 ports");
    }
    if !options.iface.is_empty() {
        run.expect_one_per_port("--iface", options.iface.len())?;
        let choice = match options.iface_socket {
            IfaceSocket::Auto => SocketChoice::Auto,
            IfaceSocket::AfXdp => SocketChoice::AfXdp(None),
            IfaceSocket::AfXdpNative => SocketChoice::AfXdp(Some(env::XdpMode::Native)),
            IfaceSocket::AfXdpGeneric => SocketChoice::AfXdp(Some(env::XdpMode::Generic)),
            IfaceSocket::AfPacket => SocketChoice::AfPacket,
        };
        let (backend, fallback) = InterfaceBackend::open(&options.iface, choice).map_err(|e| e.to_string())?;
        if let Some(why) = fallback {
            eprintln!("{name}: AF_XDP not used ({why}); using AF_PACKET");
        }
        let source = format!("Linux interfaces ({})", backend.description());
        return run.drive(backend, nf, &source);
    }
    if !options.pcap_in.is_empty() {
        let parse = |list: &[String]| list.iter().map(|a| PortFile::parse(a, ports)).collect::<Result<Vec<_>, _>>();
        let backend = PcapBackend::open(ports.len(), &parse(&options.pcap_in)?, &parse(&options.pcap_out)?)?;
        return run.drive(backend, nf, "capture files");
    }
    let fault = options.model_fault.map(|fault| match fault {
        FaultOption::ResetNeverCompletes => ModelFault::ResetNeverCompletes,
        FaultOption::LinkNeverUp => ModelFault::LinkNeverUp,
        FaultOption::Vanish => ModelFault::VanishAfter(100_000),
    });
    // Captures are read whole before the model starts: a bad one stops here.
    let replay = match options.model_traffic.is_empty() {
        true => None,
        false => Some(replay::load_replay(&options.model_traffic, ports)?),
    };
    let source = match &replay {
        Some(_) => {
            format!("the software 82599 model, replaying {}", replay::describe(&options.model_traffic, ports))
        }
        None => "the software 82599 model".to_owned(),
    };
    let traffic = TrafficConfig {
        ports: ports.len(),
        frame_sizes: options.frame_size.clone(),
        mix: options.model_mix.clone(),
        replay,
        packets_per_port: Some(options.packets),
        threaded: options.model_thread,
        fault,
        ..TrafficConfig::default()
    };
    let mut backend = ModelBackend::new(traffic).map_err(|e| e.to_string())?;
    if !options.model_thread {
        backend.time_driver();
    }
    run.drive(backend, nf, &source)
}

/// Brings every 82599 up, in datasheet order (see `driver::init`).
fn hardware(pci: &[String]) -> Result<Pipeline<Mmio>, String> {
    if !env::is_root() {
        return Err("driving an 82599 needs root (hugepages, physical addresses, PCI configuration space)".into());
    }
    let memory = env::hugepage_memory(Pipeline::<Mmio>::dma_bytes(pci.len())).map_err(|e| e.to_string())?;
    let mut devices = Vec::new();
    for address in pci {
        let registers =
            PciDevice::open(address).and_then(|device| device.map_registers()).map_err(|e| e.to_string())?;
        devices.push(Device::init(registers).map_err(|e| format!("{address}: {e}"))?);
    }
    Pipeline::new(devices, memory).map_err(|e| e.to_string())
}

struct Run<'a> {
    name: &'a str,
    ports: &'a [&'a str],
    options: &'a Options,
    tables: RefCell<Option<TableFiles>>,
}

impl Run<'_> {
    fn expect_one_per_port(&self, flag: &str, given: usize) -> Result<(), String> {
        if given != self.ports.len() {
            return Err(format!(
                "found {given} {flag} arguments, expected {} (one per port: {})",
                self.ports.len(),
                self.ports.join(", ")
            ));
        }
        Ok(())
    }

    /// Polls until stopped (signal, `--duration`, or end of input), one stats
    /// line per second, then the summary.
    fn drive<B: Backend, N: NetworkFunction>(&self, mut backend: B, nf: &mut N, source: &str) -> Result<(), String> {
        let json = match self.options.stats {
            StatsFormat::Json => Some(JsonReport::new()?),
            StatsFormat::Text => None,
        };
        match &json {
            Some(json) => json.start(self.name, source, self.ports),
            None => {
                crate::say!(
                    "{}: running on {source} ({} ports: {})",
                    self.name,
                    self.ports.len(),
                    self.ports.join(", ")
                )
            }
        }
        let start = Instant::now();
        let deadline = self.options.duration.map(|s| start + Duration::from_secs_f64(s.max(0.0)));
        let (mut last_line, mut last_tx) = (start, 0u64);
        let mut polls = 0u32;
        loop {
            if let Err(error) = backend.poll(nf) {
                // Keep what was already processed (flush output captures).
                let _ = backend.shutdown();
                return Err(error.to_string());
            }
            polls = polls.wrapping_add(1);
            // Clocks and flags are checked every few polls, not per packet.
            if !polls.is_multiple_of(64) {
                continue;
            }
            if env::stop_requested()
                || crate::console::closed()
                || backend.finished()
                || deadline.is_some_and(|d| Instant::now() >= d)
            {
                break;
            }
            self.reload_tables(nf);
            if !self.options.quiet && last_line.elapsed() >= Duration::from_secs(1) {
                let tx = match &json {
                    Some(json) => json.stats(&backend.stats(), self.ports, start, last_line, last_tx),
                    None => self.stats_line(&backend, start, last_line, last_tx),
                };
                (last_line, last_tx) = (Instant::now(), tx);
            }
        }
        backend.shutdown().map_err(|e| e.to_string())?;
        match &json {
            Some(json) => {
                let note = backend.rate_note();
                json.summary(self.name, &backend.stats(), self.ports, nf, start.elapsed(), note.as_deref())
            }
            None => self.summary(&backend, nf, start.elapsed()),
        }
        Ok(())
    }

    /// On SIGHUP, start reading the loaded tables' files again; once they
    /// are built, swap them in here, between two polls.
    fn reload_tables<N: NetworkFunction>(&self, nf: &mut N) {
        let mut tables = self.tables.borrow_mut();
        let Some(tables) = tables.as_mut() else { return };
        if env::take_reload_request() {
            tables.start_reload();
        }
        if let Some(reloaded) = tables.finish_reload(nf) {
            if !reloaded.installed.is_empty() {
                eprintln!("{}: reloaded table {}", self.name, reloaded.installed.join(", "));
            }
            for error in &reloaded.errors {
                eprintln!("{}: table not reloaded, the old one stays:\n{error}", self.name);
            }
        }
    }

    /// Prints one line; returns the total transmitted so far.
    fn stats_line<B: Backend>(&self, backend: &B, start: Instant, since: Instant, tx_before: u64) -> u64 {
        let stats = backend.stats();
        let tx: u64 = stats.iter().map(|s| s.tx_packets).sum();
        let ports: Vec<String> = stats
            .iter()
            .zip(self.ports)
            .map(|(s, port)| {
                format!("{port}: rx {} tx {} drop {} missed {}", s.rx_packets, s.tx_packets, s.nf_dropped, s.missed)
            })
            .collect();
        let mpps = (tx - tx_before) as f64 / since.elapsed().as_secs_f64() / 1e6;
        crate::say!("[{:>4.0} s] {} | {mpps:.3} Mpps", start.elapsed().as_secs_f64(), ports.join(" | "));
        tx
    }

    fn summary<B: Backend, N: NetworkFunction>(&self, backend: &B, nf: &N, elapsed: Duration) {
        let stats = backend.stats();
        let seconds = elapsed.as_secs_f64();
        let tx: u64 = stats.iter().map(|s| s.tx_packets).sum();
        crate::say!("{}: stopped after {seconds:.3} s", self.name);
        for (s, port) in stats.iter().zip(self.ports) {
            crate::say!(
                "  port {port}: rx {} packets ({} bytes), tx {} packets ({} bytes), dropped by the NF {}, missed {}",
                s.rx_packets,
                s.rx_bytes,
                s.tx_packets,
                s.tx_bytes,
                s.nf_dropped,
                s.missed
            );
        }
        for (counter, value) in nf.counter_names().iter().zip(nf.counters()) {
            crate::say!("  rule {counter}: {} packets, {} bytes", value.packets, value.bytes);
        }
        crate::say!("  transmitted {tx} packets: {:.2} Mpps on average", tx as f64 / seconds.max(1e-9) / 1e6);
        if let Some(note) = backend.rate_note() {
            crate::say!("  {note}");
        }
    }
}
