//! `nfc packets SPEC --out DIR`: a spec's test packets as captures, one per
//! port that a case sends into (`DIR/PORT.pcap`, cases in spec order), so
//! they can be replayed on the model (`--model-traffic PORT=DIR/PORT.pcap`)
//! or through any capture-reading tool. Each packet's timestamp is its
//! case's `time` plus the case's index in the spec in nanoseconds: the
//! capture backend (`--pcap-in`), which merges its inputs by timestamp and
//! takes its clock from them, replays a timed sequence across ports in the
//! spec's order at the spec's times. (The model cycles each port's capture
//! on its own and keeps its own time.)

use nfc_compiler::{testcase, Checked};
use nfc_runtime::capture::PcapWriter;
use std::path::{Path, PathBuf};

/// One capture written: its port, path and how many packets it holds.
pub struct Written {
    pub port: String,
    pub path: PathBuf,
    pub packets: usize,
}

/// Writes the captures into `dir` (created if missing); an error is one
/// sentence.
pub fn write(checked: &Checked, dir: &Path) -> Result<Vec<Written>, String> {
    let spec = &checked.spec;
    if spec.tests.is_empty() {
        return Err(format!("{} has no [[test]] cases, so no test packets to write", spec.name));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let mut written = Vec::new();
    for (index, port) in spec.ports.iter().enumerate() {
        let cases: Vec<_> =
            spec.tests.iter().enumerate().filter(|(_, case)| usize::from(case.in_port) == index).collect();
        if cases.is_empty() {
            continue;
        }
        let path = dir.join(format!("{}.pcap", port.name));
        let mut writer = PcapWriter::create(&path).map_err(|e| e.to_string())?;
        for (order, case) in &cases {
            let (packet, _) = testcase::packets(case);
            writer.write(case.time_ns + *order as u64, &packet).map_err(|e| e.to_string())?;
        }
        writer.flush().map_err(|e| e.to_string())?;
        written.push(Written { port: port.name.clone(), path, packets: cases.len() });
    }
    Ok(written)
}
