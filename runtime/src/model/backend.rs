//! The real driver pipeline on the software model, fed with generated
//! traffic: the default backend of a deployment without a NIC.

use super::generator::{generated_frames, MixEntry};
use super::{Model, ModelConfig, ModelRegisters};
use crate::backend::{Backend, BackendError, PortStats};
use crate::dma::DmaMemory;
use crate::driver::{Device, DriverError, Pipeline};
use crate::nf::NetworkFunction;
use crate::wire::checksum;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;

/// What traffic the model's ports receive.
#[derive(Clone, Debug)]
pub struct TrafficConfig {
    pub ports: usize,
    /// Generated frames' sizes without the 4-byte CRC, used round robin (60
    /// = 64-byte frames); empty is 60.
    pub frame_sizes: Vec<usize>,
    /// Generated frames' protocols and weights (`generator`); empty is UDP.
    pub mix: Vec<MixEntry>,
    /// Instead of generated frames, each port's own frames (`replay`), in
    /// port order; a port with none receives nothing.
    pub replay: Option<Vec<Vec<Arc<[u8]>>>>,
    /// Frames injected per port, cycling through its frames; `None` runs
    /// until stopped.
    pub packets_per_port: Option<u64>,
    /// Run the model's wire and DMA engines in a thread of their own, as a
    /// real NIC runs beside the CPU (throughput runs); otherwise `poll`
    /// steps them in line (deterministic).
    pub threaded: bool,
    /// A hardware fault to play, to see what a deployment does with it.
    pub fault: Option<ModelFault>,
    /// Frames per second offered per port; `None` offers as fast as the
    /// driver takes them.
    pub rate_pps: Option<f64>,
    /// Measure receive-to-transmit latency (`Model::latencies`).
    pub record_latency: bool,
    /// Keep a copy of every frame received and transmitted
    /// (`Model::received`, `Model::transmitted`): tests.
    pub record_frames: bool,
}

impl Default for TrafficConfig {
    /// Two ports, 60-byte UDP frames until stopped, the model in line.
    fn default() -> TrafficConfig {
        TrafficConfig {
            ports: 2,
            frame_sizes: vec![60],
            mix: Vec::new(),
            replay: None,
            packets_per_port: None,
            threaded: false,
            fault: None,
            rate_pps: None,
            record_latency: false,
            record_frames: false,
        }
    }
}

/// Faults of the modelled 82599 a whole deployment can be run against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelFault {
    /// CTRL.RST never self-clears (datasheet 4.6.3.2).
    ResetNeverCompletes,
    /// LINKS.LINK_UP never comes on (datasheet 4.6.4).
    LinkNeverUp,
    /// Port 0 drops off the bus once this many frames arrived on it: its
    /// registers read all ones from then on.
    VanishAfter(u64),
}

/// Physical address the simulated DMA memory pretends to live at.
const SIMULATED_PHYS: u64 = 0x1_0000_0000;
/// Frames offered per port per poll: a burst a little larger than the
/// driver's flush period, so the rings never run dry between polls.
const BURST: usize = 32;

pub struct ModelBackend {
    model: Arc<Model>,
    /// The driver; gone after `shutdown`, which releases its DMA memory.
    pipeline: Option<Pipeline<ModelRegisters>>,
    /// The driver's statistics when it shut down.
    final_stats: Vec<PortStats>,
    wire: Wire,
    idle: bool,
    polls: u64,
    /// Time spent in the driver's poll alone, when measured.
    driver_time: Option<std::time::Duration>,
    /// The model runs in a thread of its own (`TrafficConfig::threaded`).
    threaded: bool,
    /// The device thread, when threaded; it owns the wire then.
    device: Option<(JoinHandle<()>, Arc<AtomicBool>, Arc<AtomicBool>)>,
}

/// The traffic source on the far side of every port's wire.
struct Wire {
    /// Each port's frames, offered in turn and cycled; built at start, so
    /// offering one is a reference count, not an allocation.
    frames: Vec<Vec<Arc<[u8]>>>,
    remaining: Vec<Option<u64>>,
    next_frame: Vec<usize>,
    /// Frames port 0 takes before it vanishes, if it is to.
    vanish_after: Option<u64>,
    /// Pacing: frames per second per port, from `started`.
    rate_pps: Option<f64>,
    started: std::time::Instant,
    offered: Vec<u64>,
}

impl Wire {
    /// Offer up to a burst per port, never more than a burst waiting.
    fn offer(&mut self, model: &Model) {
        for port in 0..self.remaining.len() {
            let mut budget = self.remaining[port].map_or(BURST, |left| left.min(BURST as u64) as usize);
            if let Some(rate) = self.rate_pps {
                let due = (self.started.elapsed().as_secs_f64() * rate) as u64;
                budget = budget.min(due.saturating_sub(self.offered[port]) as usize);
            }
            // Unpaced, the generator sends as fast as the driver takes frames,
            // never into a full ring; paced, the ring may fill and drop.
            let fit_ring = self.rate_pps.is_none();
            let offered = model.offer(port, &self.frames[port], &mut self.next_frame[port], budget, BURST, fit_ring);
            if let Some(left) = &mut self.remaining[port] {
                *left -= offered as u64;
            }
            self.offered[port] += offered as u64;
            if port == 0 {
                if let Some(left) = &mut self.vanish_after {
                    *left = left.saturating_sub(offered as u64);
                    if *left == 0 {
                        model.vanish(0);
                    }
                }
            }
        }
    }

    fn exhausted(&self, model: &Model) -> bool {
        self.remaining.iter().all(|r| *r == Some(0))
            && (0..self.remaining.len()).all(|p| model.pending(p) == 0 && !model.transmit_pending(p))
    }
}

impl ModelBackend {
    pub fn new(traffic: TrafficConfig) -> Result<ModelBackend, DriverError> {
        let memory =
            Arc::new(DmaMemory::simulated(Pipeline::<ModelRegisters>::dma_bytes(traffic.ports), SIMULATED_PHYS));
        let config = ModelConfig {
            record_transmitted: traffic.record_frames,
            reset_never_completes: traffic.fault == Some(ModelFault::ResetNeverCompletes),
            link_never_up: traffic.fault == Some(ModelFault::LinkNeverUp),
            record_latency: traffic.record_latency,
            ..ModelConfig::default()
        };
        let model = Model::new(traffic.ports, &memory, config);
        let devices = (0..traffic.ports).map(|p| Device::init(model.registers(p))).collect::<Result<Vec<_>, _>>()?;
        let pipeline = Pipeline::new(devices, memory)?;
        let mut frames = match traffic.replay {
            Some(frames) => frames,
            None => {
                let generated: Vec<Arc<[u8]>> =
                    generated_frames(&traffic.mix, &traffic.frame_sizes).into_iter().map(Arc::from).collect();
                vec![generated; traffic.ports]
            }
        };
        frames.resize(traffic.ports, Vec::new());
        // A port without frames is offered none, whatever the count.
        let remaining = (0..traffic.ports)
            .map(|port| match frames.get(port) {
                Some(frames) if !frames.is_empty() => traffic.packets_per_port,
                _ => Some(0),
            })
            .collect();
        let wire = Wire {
            frames,
            remaining,
            next_frame: vec![0; traffic.ports],
            vanish_after: match traffic.fault {
                Some(ModelFault::VanishAfter(frames)) => Some(frames),
                _ => None,
            },
            rate_pps: traffic.rate_pps,
            started: std::time::Instant::now(),
            offered: vec![0; traffic.ports],
        };
        let mut backend = ModelBackend {
            model,
            pipeline: Some(pipeline),
            final_stats: Vec::new(),
            wire,
            idle: false,
            polls: 0,
            driver_time: None,
            threaded: traffic.threaded,
            device: None,
        };
        if traffic.threaded {
            let stop = Arc::new(AtomicBool::new(false));
            let exhausted = Arc::new(AtomicBool::new(false));
            let (model, mut wire) = (
                Arc::clone(&backend.model),
                std::mem::replace(
                    &mut backend.wire,
                    Wire {
                        frames: vec![],
                        remaining: vec![],
                        next_frame: vec![],
                        vanish_after: None,
                        rate_pps: None,
                        started: std::time::Instant::now(),
                        offered: vec![],
                    },
                ),
            );
            let (thread_stop, thread_exhausted) = (Arc::clone(&stop), Arc::clone(&exhausted));
            let handle = std::thread::spawn(move || {
                while !thread_stop.load(Ordering::Relaxed) {
                    wire.offer(&model);
                    model.step();
                    thread_exhausted.store(wire.exhausted(&model), Ordering::Release);
                }
            });
            backend.device = Some((handle, stop, exhausted));
        }
        Ok(backend)
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Start timing the driver's poll alone (its share of a run with the
    /// model stepped in line): two clock reads per poll.
    pub fn time_driver(&mut self) {
        self.driver_time = Some(std::time::Duration::ZERO);
    }

    /// Time spent in the driver's poll since `time_driver`.
    pub fn driver_time(&self) -> Option<std::time::Duration> {
        self.driver_time
    }
}

/// A UDP/IPv4 frame of `size` bytes (at least 42), a valid IPv4 checksum,
/// 10.0.0.1:1024 to 10.0.0.2:80, no UDP checksum (zero, RFC 768): a frame
/// for tests. The model's traffic comes from `generator` (the same frame,
/// checksummed) or a replayed capture.
pub fn udp_frame(size: usize) -> Vec<u8> {
    let size = size.clamp(42, 1514);
    let mut frame = vec![0u8; size];
    frame[..12].copy_from_slice(&[2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1]);
    frame[12..14].copy_from_slice(&[0x08, 0x00]);
    let ip_len = (size - 14) as u16;
    frame[14..34].copy_from_slice(&[0x45, 0, 0, 0, 0, 0, 0x40, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
    frame[16..18].copy_from_slice(&ip_len.to_be_bytes());
    let sum = checksum::checksum(&frame[14..34]);
    frame[24..26].copy_from_slice(&sum.to_be_bytes());
    frame[34..42].copy_from_slice(&[0x04, 0x00, 0x00, 0x50, 0, 0, 0, 0]);
    frame[38..40].copy_from_slice(&(ip_len - 20).to_be_bytes());
    frame
}

impl Backend for ModelBackend {
    fn port_count(&self) -> usize {
        self.model.ports()
    }

    fn poll<N: NetworkFunction>(&mut self, nf: &mut N) -> Result<usize, BackendError> {
        let Some(pipeline) = &mut self.pipeline else {
            return Err(BackendError("the model backend was shut down".into()));
        };
        let inline = self.device.is_none();
        // An idle poll only means "finished" if the wire was already empty
        // when it began: the device thread may still be filling the ring.
        let drained_before = self.device.as_ref().is_none_or(|(_, _, exhausted)| exhausted.load(Ordering::Acquire));
        if inline {
            self.wire.offer(&self.model);
            self.model.step();
        }
        let processed = match &mut self.driver_time {
            Some(total) => {
                let start = std::time::Instant::now();
                let processed = pipeline.poll(nf)?;
                *total += start.elapsed();
                processed
            }
            None => pipeline.poll(nf)?,
        };
        if inline {
            self.model.step();
        }
        // Checking takes every port's lock, which the device thread holds
        // while it steps: check every few hundred polls and whenever idle
        // (so before the run can finish), not on every poll.
        self.polls += 1;
        if processed == 0 || self.polls.is_multiple_of(256) {
            self.check()?;
        }
        self.idle = processed == 0 && drained_before;
        Ok(processed)
    }

    fn stats(&self) -> Vec<PortStats> {
        match &self.pipeline {
            Some(pipeline) => pipeline.stats(),
            None => self.final_stats.clone(),
        }
    }

    fn rate_note(&self) -> Option<String> {
        let model_limit = "the software 82599 model's limit (its register file, descriptor DMA and a copy of every frame), not the driver's nor an 82599's (14.88 Mpps per 10 Gb/s port at 64 bytes)";
        if self.threaded {
            return Some(format!(
                "this rate is {model_limit}, with the model in a thread of its own: it also depends on both busy-polling threads getting a core"
            ));
        }
        let mut note = format!("this rate is {model_limit}; the driver and the model alternate in one thread");
        let received: u64 = self.stats().iter().map(|s| s.rx_packets).sum();
        if let Some(time) = self.driver_time.filter(|_| received > 0) {
            let ns = time.as_nanos() as f64 / received as f64;
            note += &format!(
                ".\n  the driver's own poll took {ns:.1} ns/packet, {:.1} Mpps on one core (timed around each poll, clock reads included)",
                1e3 / ns
            );
        }
        Some(note)
    }

    /// Lets the model send what the driver queued, stops the driver, and
    /// drops it, releasing its DMA memory. Then frames arrive on every port
    /// and the model steps: a device the driver left running would DMA into
    /// the released memory, which the model reports.
    fn shutdown(&mut self) -> Result<(), BackendError> {
        let Some(mut pipeline) = self.pipeline.take() else { return Ok(()) };
        if self.device.is_none() {
            // In line, nothing else moves the frames the driver queued.
            self.model.step();
        }
        let stopped = pipeline.shutdown();
        self.final_stats = pipeline.stats();
        // From here the model is stepped in line only, so the check below
        // does not race a step that still holds the memory.
        self.stop_device_thread();
        drop(pipeline);
        for port in 0..self.model.ports() {
            self.model.inject(port, &udp_frame(60));
        }
        self.model.step();
        stopped?;
        self.check()
    }

    fn finished(&self) -> bool {
        let exhausted = match &self.device {
            Some((_, _, exhausted)) => exhausted.load(Ordering::Acquire),
            None => self.wire.exhausted(&self.model),
        };
        // The device thread's flag can predate the driver's last burst:
        // also nothing may wait to be sent.
        self.idle && exhausted && (0..self.model.ports()).all(|port| !self.model.transmit_pending(port))
    }
}

impl ModelBackend {
    /// The model's violations so far, as an error.
    fn check(&self) -> Result<(), BackendError> {
        let violations = self.model.violations();
        if violations.is_empty() {
            return Ok(());
        }
        Err(BackendError(format!("the 82599 model caught the driver: {}", violations.join("; "))))
    }
}

impl ModelBackend {
    fn stop_device_thread(&mut self) {
        if let Some((handle, stop, _)) = self.device.take() {
            stop.store(true, Ordering::Relaxed);
            let _ = handle.join();
        }
    }
}

impl Drop for ModelBackend {
    fn drop(&mut self) {
        let _ = self.shutdown();
        self.stop_device_thread();
    }
}
