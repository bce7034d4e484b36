//! Replays captures through a network function: each input port reads one
//! file, the inputs interleaved by timestamp as the ports would have seen
//! them; each output port given a file gets a pcap of what it transmitted,
//! with the timestamp of the frame that caused it. Ports without an input
//! file receive nothing; frames for ports without an output file are counted
//! and discarded.

use super::{CaptureError, CaptureReader, PcapWriter, Record, MAX_RECORD};
use crate::backend::{Backend, BackendError, PortStats};
use crate::frame::Frame;
use crate::nf::{NetworkFunction, PortId};
use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::path::PathBuf;

/// Frames processed per poll: enough to amortise the poll, small enough
/// that a stop request is seen at once.
const BURST: usize = 64;
/// Room past the largest record for the NF to grow a frame (push a VLAN tag).
const HEADROOM: usize = 64;

/// `PORT=FILE` on a command line: a port by name or number, and a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortFile {
    pub port: PortId,
    pub path: PathBuf,
}

impl PortFile {
    /// Parses `PORT=FILE`, where PORT is one of `ports` or its index.
    pub fn parse(argument: &str, ports: &[&str]) -> Result<PortFile, String> {
        let Some((port, path)) = argument.split_once('=') else {
            return Err(format!("found `{argument}`, expected PORT=FILE (ports: {})", ports.join(", ")));
        };
        let index = ports
            .iter()
            .position(|&name| name == port)
            .or_else(|| port.parse::<usize>().ok().filter(|&i| i < ports.len()));
        match index {
            Some(index) if !path.is_empty() => Ok(PortFile { port: index as PortId, path: PathBuf::from(path) }),
            Some(_) => Err(format!("found `{argument}` with no file name, expected PORT=FILE")),
            None => Err(format!(
                "found port `{port}` in `{argument}`, expected one of {} or a number below {}",
                ports.join(", "),
                ports.len()
            )),
        }
    }
}

struct Input {
    port: usize,
    reader: CaptureReader<BufReader<File>>,
    /// The next frame of this file, read ahead so inputs can be interleaved.
    next: Option<Record>,
    data: Vec<u8>,
}

impl Input {
    fn advance(&mut self) -> Result<(), CaptureError> {
        self.next = self.reader.next_into(&mut self.data)?;
        Ok(())
    }
}

pub struct PcapBackend {
    inputs: Vec<Input>,
    /// Indexed by port.
    outputs: Vec<Option<PcapWriter<BufWriter<File>>>>,
    buffer: Box<[u8]>,
    stats: Vec<PortStats>,
    /// The latest timestamp read: a network function's clock, which a
    /// capture with out-of-order timestamps does not move backwards.
    time_ns: u64,
}

impl PcapBackend {
    /// Opens every input (reading its first frame, so a bad file fails
    /// here) and creates every output.
    pub fn open(ports: usize, inputs: &[PortFile], outputs: &[PortFile]) -> Result<PcapBackend, String> {
        let ports = ports.min(crate::MAX_PORTS);
        for (list, flag) in [(inputs, "--pcap-in"), (outputs, "--pcap-out")] {
            for (i, a) in list.iter().enumerate() {
                if list[..i].iter().any(|b| b.port == a.port) {
                    return Err(format!("port {} is given twice in {flag}", a.port));
                }
            }
        }
        if let Some(output) = outputs.iter().find(|o| inputs.iter().any(|i| same_file(&i.path, &o.path))) {
            return Err(format!(
                "{} is both an input and an output; the replay would overwrite it",
                output.path.display()
            ));
        }
        let mut opened = Vec::new();
        for input in inputs {
            let reader = CaptureReader::open(&input.path).map_err(|e| e.to_string())?;
            let mut input = Input { port: usize::from(input.port), reader, next: None, data: Vec::new() };
            input.advance().map_err(|e| e.to_string())?;
            opened.push(input);
        }
        opened.sort_by_key(|i| i.port);
        let mut writers: Vec<Option<PcapWriter<BufWriter<File>>>> = (0..ports).map(|_| None).collect();
        for output in outputs {
            writers[usize::from(output.port)] = Some(PcapWriter::create(&output.path).map_err(|e| e.to_string())?);
        }
        Ok(PcapBackend {
            inputs: opened,
            outputs: writers,
            buffer: vec![0; MAX_RECORD + HEADROOM].into_boxed_slice(),
            stats: vec![PortStats::default(); ports],
            time_ns: 0,
        })
    }

    /// The input whose next frame is earliest; ties go to the lower port.
    fn earliest(&self) -> Option<usize> {
        let mut best: Option<(usize, u64)> = None;
        for (i, input) in self.inputs.iter().enumerate() {
            if let Some(record) = input.next {
                if best.is_none_or(|(_, t)| record.timestamp_ns < t) {
                    best = Some((i, record.timestamp_ns));
                }
            }
        }
        best.map(|(i, _)| i)
    }
}

fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

impl Backend for PcapBackend {
    fn port_count(&self) -> usize {
        self.stats.len()
    }

    fn poll<N: NetworkFunction>(&mut self, nf: &mut N) -> Result<usize, BackendError> {
        let ports = self.stats.len();
        let mut processed = 0;
        while processed < BURST {
            let Some(which) = self.earliest() else { break };
            let input = &mut self.inputs[which];
            let Some(record) = input.next else { break };
            let (port, len) = (input.port, input.data.len());
            self.buffer[..len].copy_from_slice(&input.data);
            input.advance().map_err(|e| BackendError(e.to_string()))?;
            processed += 1;
            self.stats[port].rx_packets += 1;
            self.stats[port].rx_bytes += len as u64;
            if N::USES_TIME {
                self.time_ns = self.time_ns.max(record.timestamp_ns);
                nf.set_time(self.time_ns);
            }
            let mut frame = Frame::new(&mut self.buffer, len);
            let outputs = nf.process(port as PortId, &mut frame);
            let out_len = frame.len();
            if outputs.iter().all(|p| usize::from(p) >= ports) {
                self.stats[port].nf_dropped += 1;
            }
            for output in outputs.iter().map(usize::from).take_while(|&p| p < ports) {
                self.stats[output].tx_packets += 1;
                self.stats[output].tx_bytes += out_len as u64;
                if let Some(writer) = &mut self.outputs[output] {
                    writer
                        .write(record.timestamp_ns, &self.buffer[..out_len])
                        .map_err(|e| BackendError(e.to_string()))?;
                }
            }
        }
        Ok(processed)
    }

    fn stats(&self) -> Vec<PortStats> {
        self.stats.clone()
    }

    fn finished(&self) -> bool {
        self.inputs.iter().all(|i| i.next.is_none())
    }

    fn shutdown(&mut self) -> Result<(), BackendError> {
        for writer in self.outputs.iter_mut().flatten() {
            writer.flush().map_err(|e| BackendError(e.to_string()))?;
        }
        Ok(())
    }
}
