//! `--stats json`: what a deployment binary prints, as JSON lines on stdout
//! for the tools around it (one object per line, an `event` field first):
//!
//! ```text
//! {"event":"start","name":"router","backend":"capture files","ports":["lan","wan","dmz"]}
//! {"event":"stats","elapsed_s":1.0,"mpps":4.1,"ports":[{"port":"lan","rx_packets":..,"rx_bytes":..,"tx_packets":..,"tx_bytes":..,"nf_dropped":..,"missed":..},..]}
//! {"event":"summary","name":"router","elapsed_s":3.2,"transmitted":107,"mpps":0.3,"ports":[..],"counters":[{"name":"ipv4","packets":107,"bytes":55152},..]}
//! ```
//!
//! On the software model the summary also has `"rate_note"`: what `mpps`
//! measures there (the model's limit, and the driver's own ns/packet).
//!
//! ```text
//! ```
//!
//! `stats` comes once a second (not with `--quiet`), `summary` once at the
//! end; errors stay one sentence on stderr. serde_json writes them: the
//! runtime's optional `json` feature (on by default); a binary built without
//! it refuses `--stats json` with one sentence.

use crate::backend::PortStats;
use crate::nf::NetworkFunction;
use std::time::{Duration, Instant};

/// Prints the JSON lines; exists only when the `json` feature is on.
pub struct JsonReport(Available);

#[cfg(feature = "json")]
struct Available;

#[cfg(not(feature = "json"))]
enum Available {}

impl JsonReport {
    /// A report, or why this build cannot write one.
    pub fn new() -> Result<JsonReport, String> {
        #[cfg(feature = "json")]
        return Ok(JsonReport(Available));
        #[cfg(not(feature = "json"))]
        Err("found --stats json, but this binary was built without nfc-runtime's `json` feature".to_owned())
    }

    pub fn start(&self, name: &str, backend: &str, ports: &[&str]) {
        self.print(&Event::Start { name, backend, ports });
    }

    /// One per-second line; returns the total transmitted so far.
    pub fn stats(&self, stats: &[PortStats], ports: &[&str], start: Instant, since: Instant, tx_before: u64) -> u64 {
        let tx: u64 = stats.iter().map(|s| s.tx_packets).sum();
        let mpps = (tx - tx_before) as f64 / since.elapsed().as_secs_f64().max(1e-9) / 1e6;
        self.print(&Event::Stats { elapsed_s: start.elapsed().as_secs_f64(), mpps, ports: port_lines(stats, ports) });
        tx
    }

    pub fn summary<N: NetworkFunction>(
        &self,
        name: &str,
        stats: &[PortStats],
        ports: &[&str],
        nf: &N,
        elapsed: Duration,
        rate_note: Option<&str>,
    ) {
        let transmitted: u64 = stats.iter().map(|s| s.tx_packets).sum();
        let elapsed_s = elapsed.as_secs_f64();
        let counters = nf
            .counter_names()
            .iter()
            .zip(nf.counters())
            .map(|(name, counter)| Counter { name, packets: counter.packets, bytes: counter.bytes })
            .collect();
        self.print(&Event::Summary {
            name,
            elapsed_s,
            transmitted,
            mpps: transmitted as f64 / elapsed_s.max(1e-9) / 1e6,
            ports: port_lines(stats, ports),
            counters,
            rate_note,
        });
    }

    #[cfg(feature = "json")]
    fn print(&self, event: &Event<'_>) {
        crate::say!("{}", serde_json::to_string(event).expect("stats serialise"));
    }

    #[cfg(not(feature = "json"))]
    fn print(&self, _: &Event<'_>) {
        match self.0 {}
    }
}

fn port_lines<'a>(stats: &[PortStats], ports: &[&'a str]) -> Vec<PortLine<'a>> {
    stats
        .iter()
        .zip(ports)
        .map(|(s, port)| PortLine {
            port,
            rx_packets: s.rx_packets,
            rx_bytes: s.rx_bytes,
            tx_packets: s.tx_packets,
            tx_bytes: s.tx_bytes,
            nf_dropped: s.nf_dropped,
            missed: s.missed,
        })
        .collect()
}

// Read only by serde.
#[cfg_attr(not(feature = "json"), allow(dead_code))]
#[cfg_attr(feature = "json", derive(serde::Serialize))]
#[cfg_attr(feature = "json", serde(tag = "event", rename_all = "snake_case"))]
enum Event<'a> {
    Start {
        name: &'a str,
        backend: &'a str,
        ports: &'a [&'a str],
    },
    Stats {
        elapsed_s: f64,
        mpps: f64,
        ports: Vec<PortLine<'a>>,
    },
    Summary {
        name: &'a str,
        elapsed_s: f64,
        transmitted: u64,
        mpps: f64,
        ports: Vec<PortLine<'a>>,
        counters: Vec<Counter<'a>>,
        /// What `mpps` measures, when it is not simply the ports' forwarding rate.
        #[cfg_attr(feature = "json", serde(skip_serializing_if = "Option::is_none"))]
        rate_note: Option<&'a str>,
    },
}

// Read only by serde.
#[cfg_attr(not(feature = "json"), allow(dead_code))]
#[cfg_attr(feature = "json", derive(serde::Serialize))]
struct PortLine<'a> {
    port: &'a str,
    rx_packets: u64,
    rx_bytes: u64,
    tx_packets: u64,
    tx_bytes: u64,
    nf_dropped: u64,
    missed: u64,
}

// Read only by serde.
#[cfg_attr(not(feature = "json"), allow(dead_code))]
#[cfg_attr(feature = "json", derive(serde::Serialize))]
struct Counter<'a> {
    name: &'a str,
    packets: u64,
    bytes: u64,
}
