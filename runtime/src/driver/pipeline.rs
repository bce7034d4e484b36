//! All ports and their agents, as a `Backend`.

use super::agent::{Agent, Layout, RING_SIZE};
use super::descriptor::{BUFFER_SIZE, DESCRIPTOR_BYTES};
use super::error::DriverError;
use super::init::Device;
use crate::backend::{Backend, BackendError, PortStats};
use crate::clock::Clock;
use crate::dma::{DmaMemory, PacketBuffers};
use crate::nf::{NetworkFunction, PortId, MAX_PORTS};
use crate::regs::RegisterAccess;
use crate::regs::*;
use std::cell::Cell;
use std::sync::atomic::{fence, Ordering};
use std::sync::Arc;

pub struct Pipeline<R: RegisterAccess> {
    devices: Vec<Device<R>>,
    memory: Arc<DmaMemory>,
    buffers: PacketBuffers,
    agents: Vec<Agent>,
    stats: Vec<PortStats>,
    /// Missed-packet counts read so far (the registers clear on read).
    missed: Vec<Cell<u64>>,
    clock: Clock,
    /// Polls that found nothing, for the vanished-device check.
    idle_polls: u32,
}

/// Idle polls between two checks for a device that left the bus: a few
/// hundred microseconds of idling at most.
pub const VANISH_CHECK_PERIOD: u32 = 1024;

const RING_BYTES: usize = RING_SIZE * DESCRIPTOR_BYTES;
/// Ring bases must be 128-byte aligned (8.2.3.8.1); buffers get a page.
const ALIGN: usize = 4096;

fn rings_bytes(ports: usize) -> usize {
    (ports + ports * ports) * RING_BYTES
}

/// Each transmit head gets a cache line of its own: the 82599 ignores a
/// head write-back address that is not 16-byte aligned (found on real cards
/// by TinyNF, although 8.2.3.9.11 only asks for 4), and two heads sharing a
/// line would make the device's writes and the agent's reads contend for it.
const HEAD_SLOT: usize = 64;

fn write_back_bytes(ports: usize) -> usize {
    (ports * ports * HEAD_SLOT).next_multiple_of(ALIGN)
}

impl<R: RegisterAccess> Pipeline<R> {
    /// DMA memory `new` needs for `ports` ports.
    pub fn dma_bytes(ports: usize) -> usize {
        rings_bytes(ports) + write_back_bytes(ports) + ports * RING_SIZE * BUFFER_SIZE
    }

    /// Lay the rings out in `memory`, arm them and enable every queue:
    /// port `q` gets one transmit queue per agent (queue `a` for agent `a`).
    pub fn new(devices: Vec<Device<R>>, memory: Arc<DmaMemory>) -> Result<Pipeline<R>, DriverError> {
        let ports = devices.len();
        if ports == 0 || ports > MAX_PORTS {
            return Err(DriverError::Config(format!("found {ports} ports, expected 1 to {MAX_PORTS}")));
        }
        if memory.len() < Self::dma_bytes(ports) {
            return Err(DriverError::Config(format!(
                "DMA memory holds {} bytes, {ports} ports need {}",
                memory.len(),
                Self::dma_bytes(ports)
            )));
        }
        let write_back = rings_bytes(ports);
        let buffers = memory.take_buffers(write_back + write_back_bytes(ports), BUFFER_SIZE, ports * RING_SIZE);
        let mut pipeline = Pipeline {
            missed: (0..ports).map(|_| Cell::new(0)).collect(),
            clock: Clock::start(),
            idle_polls: 0,
            stats: vec![PortStats::default(); ports],
            devices,
            memory,
            buffers,
            agents: Vec::with_capacity(ports),
        };
        // On an error the pipeline is dropped, which stops every device
        // before the DMA memory goes.
        pipeline.start(write_back)?;
        Ok(pipeline)
    }

    fn start(&mut self, write_back: usize) -> Result<(), DriverError> {
        let ports = self.devices.len();
        let memory = &self.memory;
        for input in 0..ports {
            let layout = Layout {
                rx_ring: input * RING_BYTES,
                tx_rings: (0..ports).map(|output| (ports + input * ports + output) * RING_BYTES).collect(),
                head_write_back: (0..ports).map(|output| write_back + (input * ports + output) * HEAD_SLOT).collect(),
                first_buffer: input * RING_SIZE,
            };
            // Descriptor i of every ring points at buffer i, for ever.
            for index in 0..RING_SIZE {
                let phys = self.buffers.phys_addr(layout.first_buffer + index);
                let rx = memory.words(layout.rx_ring + index * DESCRIPTOR_BYTES, 2);
                rx[0].store(phys, Ordering::Relaxed);
                rx[1].store(0, Ordering::Relaxed);
                for &ring in &layout.tx_rings {
                    let tx = memory.words(ring + index * DESCRIPTOR_BYTES, 2);
                    tx[0].store(phys, Ordering::Relaxed);
                    tx[1].store(0, Ordering::Relaxed);
                }
            }
            for (output, device) in self.devices.iter().enumerate() {
                let ring = memory.phys_addr(layout.tx_rings[output]);
                let head = memory.phys_addr(layout.head_write_back[output]);
                device.enable_tx_queue(input as u32, ring, RING_SIZE as u32, head)?;
            }
            self.agents.push(Agent::new(input as PortId, layout));
        }
        // Receive last, so nothing arrives before every ring is ready.
        for (agent, device) in self.agents.iter().zip(&self.devices) {
            device.enable_rx_queue(memory.phys_addr(agent.layout.rx_ring), RING_SIZE as u32, BUFFER_SIZE)?;
        }
        Ok(())
    }

    /// Stops every device (`Device::stop`); the first error, if any.
    fn stop(&self) -> Result<(), DriverError> {
        let mut first_error = Ok(());
        for device in &self.devices {
            let result = device.stop();
            if first_error.is_ok() {
                first_error = result;
            }
        }
        first_error
    }

    pub fn device(&self, port: usize) -> &Device<R> {
        &self.devices[port]
    }
}

impl<R: RegisterAccess> Backend for Pipeline<R> {
    fn port_count(&self) -> usize {
        self.devices.len()
    }

    #[inline]
    fn poll<N: NetworkFunction>(&mut self, nf: &mut N) -> Result<usize, BackendError> {
        if N::USES_TIME {
            nf.set_time(self.clock.now_ns());
        }
        let mut total = 0;
        for agent in &mut self.agents {
            let input = u32::from(agent.input);
            let (count, rx_tail) = agent.poll(&self.memory, &mut self.buffers, nf, &mut self.stats);
            // The descriptor writes must reach memory before the tail writes
            // that hand them to the device. On x86 stores are not reordered
            // with each other, but without a fence the compiler may sink the
            // (Release) descriptor stores below the volatile MMIO writes.
            fence(Ordering::Release);
            if count > 0 {
                // The flush: one tail write per output ring for the whole burst.
                for device in &self.devices {
                    device.regs.write(TDT.at(input), agent.tx_tail());
                }
            }
            if let Some(tail) = rx_tail {
                self.devices[input as usize].regs.write(RDT.at(0), tail);
            }
            total += count;
        }
        if total == 0 {
            // Idle: now and then worth one register read per port to notice
            // a device that left the bus (reads all ones) instead of waiting
            // for ever. An uncached read costs about a microsecond, so not on
            // every idle poll: every VANISH_CHECK_PERIOD-th.
            self.idle_polls = self.idle_polls.wrapping_add(1);
            if self.idle_polls.is_multiple_of(VANISH_CHECK_PERIOD) {
                if let Some(port) = self.devices.iter().position(|d| d.regs.read(STATUS) == u32::MAX) {
                    return Err(BackendError(format!("82599 port {port} vanished: its registers read all ones")));
                }
            }
        }
        Ok(total)
    }

    /// Stops every device: nothing is received or sent after this, and no
    /// device DMA reaches the memory once the pipeline is dropped.
    fn shutdown(&mut self) -> Result<(), BackendError> {
        self.stop().map_err(|error| BackendError(format!("stopping the 82599s: {error}")))
    }

    fn stats(&self) -> Vec<PortStats> {
        let mut stats = self.stats.clone();
        for (port, device) in self.devices.iter().enumerate() {
            // Packet-buffer overflow (MPC), and with SRRCTL.DROP_EN the
            // frames dropped because the ring was full (QPRDC, not in MPC).
            let missed: u64 = (0..MPC.count).map(|n| u64::from(device.regs.read(MPC.at(n)))).sum::<u64>()
                + u64::from(device.regs.read(QPRDC.at(0)));
            self.missed[port].set(self.missed[port].get() + missed);
            stats[port].missed = self.missed[port].get();
        }
        stats
    }
}

impl<R: RegisterAccess> Drop for Pipeline<R> {
    fn drop(&mut self) {
        // Every device stops before the DMA memory (a later field) is
        // released, whatever way the run ended; `Device`'s own drop would
        // too, but the order must not hang on field order.
        let _ = self.stop();
    }
}
