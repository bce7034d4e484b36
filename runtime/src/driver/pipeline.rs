//! All ports and their agents, as a `Backend`.

use super::agent::{Agent, Layout};
use super::descriptor::{Ring, BUFFER_SIZE, DESCRIPTOR_BYTES, RING_SIZE};
use super::error::DriverError;
use super::init::Device;
use crate::backend::{Backend, BackendError, PortStats};
use crate::clock::Clock;
use crate::dma::DmaMemory;
use crate::nf::{NetworkFunction, PortId, MAX_PORTS};
use crate::regs::RegisterAccess;
use crate::regs::*;
use std::cell::Cell;
use std::sync::atomic::{fence, Ordering};
use std::sync::Arc;

pub struct Pipeline<R: RegisterAccess> {
    /// First field: dropped (and stopped) before the memory the agents hold.
    devices: Vec<Device<R>>,
    agents: Vec<Agent>,
    /// Counters read from the devices so far (they clear on read).
    counted: Vec<DeviceCounts>,
    clock: Clock,
    /// Polls that found nothing, for the vanished-device check.
    idle_polls: u32,
}

/// What one port's statistics registers said, summed over every read.
#[derive(Default)]
struct DeviceCounts {
    missed: Cell<u64>,
    transmitted: Cell<u64>,
    transmitted_octets: Cell<u64>,
}

/// Idle polls between two checks for a device that left the bus: a few
/// hundred microseconds of idling at most.
pub const VANISH_CHECK_PERIOD: u32 = 1024;

const RING_BYTES: usize = RING_SIZE * DESCRIPTOR_BYTES;
/// Ring bases must be 128-byte aligned (8.2.3.8.1); buffers get a page.
const ALIGN: usize = 4096;
/// The 4-byte CRC the device adds to every frame (HLREG0.TXCRCEN) and
/// counts in GOTC.
const CRC_BYTES: u64 = 4;

/// One receive ring per port, which is also its agent's transmit ring to
/// port 0, and one transmit ring per agent to every other port.
fn rings_bytes(ports: usize) -> usize {
    (ports + ports * (ports - 1)) * RING_BYTES
}

/// Where agent `input`'s transmit ring to `output` lives.
fn tx_ring(ports: usize, input: usize, output: usize) -> usize {
    if output == 0 {
        input * RING_BYTES
    } else {
        (ports + input * (ports - 1) + output - 1) * RING_BYTES
    }
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
        let mut pipeline = Pipeline {
            counted: (0..ports).map(|_| DeviceCounts::default()).collect(),
            clock: Clock::start(),
            idle_polls: 0,
            devices,
            agents: Vec::with_capacity(ports),
        };
        // On an error the pipeline is dropped, which stops every device
        // before the DMA memory goes.
        pipeline.start(&memory, write_back)?;
        Ok(pipeline)
    }

    fn start(&mut self, memory: &Arc<DmaMemory>, write_back: usize) -> Result<(), DriverError> {
        let ports = self.devices.len();
        let buffers = memory.take_buffer_rings::<BUFFER_SIZE>(write_back + write_back_bytes(ports), ports);
        for (input, buffers) in buffers.into_iter().enumerate() {
            let tx: Vec<_> = (0..ports).map(|output| memory.shared::<Ring>(tx_ring(ports, input, output))).collect();
            // Descriptor i of every ring points at buffer i, for ever.
            for ring in &tx {
                for (index, descriptor) in ring.iter().enumerate() {
                    descriptor[0].store(buffers.phys_addr(index as u8), Ordering::Relaxed);
                    descriptor[1].store(0, Ordering::Relaxed);
                }
            }
            let head_slot = |output: usize| write_back + (input * ports + output) * HEAD_SLOT;
            for (output, device) in self.devices.iter().enumerate() {
                let ring = memory.phys_addr(tx_ring(ports, input, output));
                let head = memory.phys_addr(head_slot(output));
                device.enable_tx_queue(input as u32, ring, RING_SIZE as u32, head)?;
            }
            let layout = Layout {
                rx: memory.shared::<Ring>(tx_ring(ports, input, 0)),
                others: tx.into_iter().skip(1).collect(),
                heads: (0..ports).map(|output| memory.shared(head_slot(output))).collect(),
                buffers,
            };
            // The device gets all but one descriptor (RDT == RDH means empty).
            self.agents.push(Agent::new(input as PortId, layout, (RING_SIZE - 1) as u8));
        }
        // Receive last, so nothing arrives before every ring is ready.
        for input in 0..ports {
            let ring = memory.phys_addr(tx_ring(ports, input, 0));
            self.devices[input].enable_rx_queue(ring, RING_SIZE as u32, BUFFER_SIZE)?;
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
        for (agent, own) in self.agents.iter_mut().zip(&self.devices) {
            let input = u32::from(agent.input);
            // The loop unrolled for the common port counts (two and three).
            let (count, rx_tail) = match agent.others() {
                1 => agent.poll::<N, 1>(nf),
                2 => agent.poll::<N, 2>(nf),
                _ => agent.poll::<N, 0>(nf),
            };
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
                own.regs.write(RDT.at(0), tail);
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

    /// Received frames and bytes and NF drops are the agents' (counted per
    /// burst); transmitted frames and bytes and missed frames are the
    /// devices' statistics registers (8.2.3.23), read here: GPTC, GOTC (the
    /// octets on the wire less the CRC, so a frame shorter than 60 bytes
    /// counts as padded to 60), and MPC (packet buffer full) plus QPRDC
    /// (ring full, with SRRCTL.DROP_EN: not counted in MPC).
    fn stats(&self) -> Vec<PortStats> {
        self.agents
            .iter()
            .zip(&self.devices)
            .zip(&self.counted)
            .map(|((agent, device), counted)| {
                let read = |reg| u64::from(device.regs.read(reg));
                let add = |cell: &Cell<u64>, value: u64| cell.set(cell.get() + value);
                add(&counted.missed, (0..MPC.count).map(|n| read(MPC.at(n))).sum::<u64>() + read(QPRDC.at(0)));
                let transmitted = read(GPTC);
                add(&counted.transmitted, transmitted);
                let octets = read(GOTCL) + (read(GOTCH) << 32);
                add(&counted.transmitted_octets, octets.saturating_sub(CRC_BYTES * transmitted));
                PortStats {
                    rx_packets: agent.received,
                    rx_bytes: agent.received_bytes,
                    tx_packets: counted.transmitted.get(),
                    tx_bytes: counted.transmitted_octets.get(),
                    nf_dropped: agent.dropped,
                    missed: counted.missed.get(),
                }
            })
            .collect()
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
