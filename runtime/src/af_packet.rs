//! Linux network interfaces as ports, through packet sockets with
//! memory-mapped rings (`env::PacketSocket`): works on any interface and
//! kernel, where AF_XDP (`af_xdp`) cannot be used.
//!
//! Each received frame is copied once out of the receive ring into a buffer
//! allocated at start, processed there in place, and copied into the
//! transmit ring of every output port; the kernel then sends them all in
//! one kick per port per poll. Nothing is allocated per packet.

use crate::backend::{Backend, BackendError, PortStats};
use crate::clock::Clock;
use crate::env::{EnvError, PacketSocket};
use crate::frame::Frame;
use crate::nf::{NetworkFunction, PortId};
use std::cell::Cell;

/// Frames taken from one port per poll, so one busy port cannot starve the others.
const BURST: usize = 32;
/// A maximum-size frame, plus room for the NF to push a VLAN tag.
const BUFFER_BYTES: usize = 2048 + 64;

pub struct PacketSocketBackend {
    sockets: Vec<PacketSocket>,
    buffer: Box<[u8]>,
    stats: Vec<PortStats>,
    /// Receive-ring drops reported by the kernel, accumulated on read.
    missed: Vec<Cell<u64>>,
    clock: Clock,
}

impl PacketSocketBackend {
    /// One port per interface name, in port order.
    pub fn open(interfaces: &[String]) -> Result<PacketSocketBackend, EnvError> {
        if interfaces.len() > crate::MAX_PORTS {
            return Err(EnvError(format!(
                "{} interfaces given, at most {} ports are supported",
                interfaces.len(),
                crate::MAX_PORTS
            )));
        }
        let sockets = interfaces.iter().map(|name| PacketSocket::open(name)).collect::<Result<Vec<_>, _>>()?;
        let ports = sockets.len();
        Ok(PacketSocketBackend {
            sockets,
            buffer: vec![0; BUFFER_BYTES].into_boxed_slice(),
            stats: vec![PortStats::default(); ports],
            missed: (0..ports).map(|_| Cell::new(0)).collect(),
            clock: Clock::start(),
        })
    }
}

impl Backend for PacketSocketBackend {
    fn port_count(&self) -> usize {
        self.sockets.len()
    }

    fn poll<N: NetworkFunction>(&mut self, nf: &mut N) -> Result<usize, BackendError> {
        if N::USES_TIME {
            nf.set_time(self.clock.now_ns());
        }
        let mut processed = 0;
        let ports = self.sockets.len();
        for input in 0..ports {
            for _ in 0..BURST {
                let Some(len) = self.sockets[input].receive(&mut self.buffer) else {
                    break;
                };
                processed += 1;
                self.stats[input].rx_packets += 1;
                self.stats[input].rx_bytes += len as u64;
                let mut frame = Frame::new(&mut self.buffer, len);
                let outputs = nf.process(input as PortId, &mut frame);
                let out_len = frame.len();
                // Outputs to ports this deployment lacks go nowhere, and a
                // frame with no existing output counts as dropped by the NF.
                if outputs.iter().all(|p| usize::from(p) >= ports) {
                    self.stats[input].nf_dropped += 1;
                }
                for output in outputs.iter().take_while(|&p| usize::from(p) < ports) {
                    let output = usize::from(output);
                    if self.sockets[output].send(&self.buffer[..out_len]) {
                        self.stats[output].tx_packets += 1;
                        self.stats[output].tx_bytes += out_len as u64;
                    } else {
                        // Transmit ring full: the kernel is behind; the
                        // frame is lost on this output, as on a NIC.
                        self.missed[output].set(self.missed[output].get() + 1);
                    }
                }
            }
        }
        for socket in &mut self.sockets {
            socket.flush().map_err(|e| BackendError(e.to_string()))?;
        }
        Ok(processed)
    }

    fn stats(&self) -> Vec<PortStats> {
        self.stats
            .iter()
            .zip(&self.sockets)
            .zip(&self.missed)
            .map(|((stats, socket), missed)| {
                missed.set(missed.get() + socket.take_drops());
                PortStats { missed: missed.get(), ..*stats }
            })
            .collect()
    }
}
