//! A software Intel 82599 that the unchanged driver runs against.
//!
//! It models what the driver relies on and refuses what the datasheet
//! forbids: every forbidden access is recorded as a violation, so a wrong
//! driver fails its tests. Registers (`registers.rs`) have reset values and
//! side effects; the DMA engine (`engine.rs`) moves frames between an
//! injected "wire" and the descriptor rings in `DmaMemory`. It is stepped
//! explicitly, so tests are deterministic.

mod backend;
mod engine;
mod fake;
pub mod generator;
mod latency;
mod queued;
mod registers;
pub mod replay;

pub use backend::{udp_frame, ModelBackend, ModelFault, TrafficConfig};
pub use fake::{FakeDevice, PlainRegisters};

use crate::dma::DmaMemory;
use crate::regs::{Register, RegisterAccess};
use registers::PortState;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

/// Faults and limits of the modelled device.
#[derive(Clone, Copy, Debug)]
pub struct ModelConfig {
    /// CTRL.RST never self-clears.
    pub reset_never_completes: bool,
    /// LINKS.LINK_UP never comes on.
    pub link_never_up: bool,
    /// Frames the on-chip packet buffer holds before arrivals are missed
    /// (512 KiB of receive packet buffer holds ~340 full-size frames).
    pub rx_fifo_frames: usize,
    /// Keep a copy of every received and transmitted frame (tests) or only count them.
    pub record_transmitted: bool,
    /// Measure each frame's time from receive to transmit write-back.
    pub record_latency: bool,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            reset_never_completes: false,
            link_never_up: false,
            rx_fifo_frames: 340,
            record_transmitted: true,
            record_latency: false,
        }
    }
}

pub struct Model {
    /// The driver's DMA memory. The model holds no claim on it: like a card,
    /// it reaches the memory only while the driver keeps it, and any DMA
    /// after the driver released it is a violation (a driver must stop the
    /// device first).
    memory: Weak<DmaMemory>,
    ports: Vec<Mutex<PortState>>,
}

impl Model {
    pub fn new(ports: usize, memory: &Arc<DmaMemory>, config: ModelConfig) -> Arc<Model> {
        let clock = config.record_latency.then(|| Arc::new(latency::LatencyClock::new(ports)));
        let queued = Arc::new(queued::QueuedBuffers::default());
        Arc::new(Model {
            memory: Arc::downgrade(memory),
            ports: (0..ports)
                .map(|port| Mutex::new(PortState::new(config, port, clock.clone(), Arc::clone(&queued))))
                .collect(),
        })
    }

    fn port(&self, port: usize) -> MutexGuard<'_, PortState> {
        self.ports[port].lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Number of ports.
    pub fn ports(&self) -> usize {
        self.ports.len()
    }

    /// The register file of one port, as the driver sees it.
    pub fn registers(self: &Arc<Self>, port: usize) -> ModelRegisters {
        ModelRegisters { model: Arc::clone(self), port }
    }

    /// A frame arrives on `port`'s wire; false if the packet buffer was full
    /// and the device missed it (counted in MPC).
    pub fn inject(&self, port: usize, frame: &[u8]) -> bool {
        self.port(port).arrive(Arc::from(frame))
    }

    /// Frames arrive on `port`'s wire, taken in turn from `frames` starting
    /// at `*next`, until `budget` frames were offered or `limit` wait in the
    /// packet buffer; one lock for the whole burst. With `fit_ring`, no more
    /// are offered than receive queue 0 has free descriptors for (a sender
    /// that backs off rather than have frames dropped). Returns how many
    /// were offered (missed ones included, as on a wire).
    pub fn offer(
        &self,
        port: usize,
        frames: &[Arc<[u8]>],
        next: &mut usize,
        budget: usize,
        limit: usize,
        fit_ring: bool,
    ) -> usize {
        let mut state = self.port(port);
        let limit = if fit_ring { limit.min(state.free_rx_descriptors()) } else { limit };
        let mut offered = 0;
        while offered < budget && state.wire.len() < limit {
            state.arrive(Arc::clone(&frames[*next % frames.len()]));
            *next += 1;
            offered += 1;
        }
        offered
    }

    /// Run the DMA engines of every port until they have nothing left to do.
    pub fn step(&self) {
        let memory = self.memory.upgrade();
        for port in &self.ports {
            let mut state = port.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            if memory.is_none() {
                state.check_stopped_before_release();
            }
            engine::receive(&mut state, memory.as_deref());
            engine::transmit(&mut state, memory.as_deref());
        }
    }

    /// Frames the device wrote into `port`'s receive ring since the last
    /// call, in order (when recording, `ModelConfig::record_transmitted`).
    pub fn received(&self, port: usize) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.port(port).received)
    }

    /// Frames transmitted on `port` since the last call (when recording).
    pub fn transmitted(&self, port: usize) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.port(port).transmitted)
    }

    /// Receive-to-transmit latencies in ns measured since the last call
    /// (with `record_latency`), in no particular order.
    pub fn latencies(&self) -> Vec<u32> {
        (0..self.ports.len()).flat_map(|p| std::mem::take(&mut self.port(p).latencies)).collect()
    }

    /// Frames transmitted on `port` in total.
    pub fn transmitted_count(&self, port: usize) -> u64 {
        self.port(port).transmitted_count
    }

    /// Frames waiting on `port`'s wire for a receive descriptor.
    pub fn pending(&self, port: usize) -> usize {
        self.port(port).wire.len()
    }

    /// How many times the driver read `port`'s STATUS register.
    pub fn status_reads(&self, port: usize) -> u64 {
        self.port(port).status_reads
    }

    /// Whether any enabled transmit queue of `port` has descriptors between
    /// its head and tail, not sent yet.
    pub fn transmit_pending(&self, port: usize) -> bool {
        self.port(port).transmit_pending()
    }

    /// What the driver did that the datasheet forbids, on every port.
    pub fn violations(&self) -> Vec<String> {
        (0..self.ports.len())
            .flat_map(|p| self.port(p).violations.iter().map(move |v| format!("port {p}: {v}")).collect::<Vec<_>>())
            .collect()
    }

    /// The device drops off the bus: every register reads all ones.
    pub fn vanish(&self, port: usize) {
        self.port(port).vanished = true;
    }
}

/// One port's registers; implements `RegisterAccess` for the driver.
#[derive(Clone)]
pub struct ModelRegisters {
    model: Arc<Model>,
    port: usize,
}

impl RegisterAccess for ModelRegisters {
    fn read(&self, reg: Register) -> u32 {
        self.model.port(self.port).read(reg.offset)
    }

    fn write(&self, reg: Register, value: u32) {
        let memory = self.model.memory.upgrade();
        self.model.port(self.port).write(reg.offset, value, memory.as_deref())
    }
}
