//! Linux interfaces as ports through AF_XDP sockets (`env::XskSocket`).
//!
//! One UMEM holds every frame of every port. A small XDP program on each
//! interface redirects its frames to our socket on the receive queue they
//! arrived on; we run the network function on the frame where the kernel
//! put it and queue that same chunk on the output port's transmit ring: a
//! forwarded frame is never copied by us (a frame sent to several ports is
//! copied once per extra port). Chunks come back on completion rings and go
//! out again on fill rings; nothing is allocated per packet.
//!
//! The kernel copies frames into and out of the UMEM unless the driver
//! supports zero-copy, which is tried first. The XDP program runs natively
//! where the driver supports it, generically otherwise. It is detached when
//! the backend is dropped, and by the kernel if the process dies.

use crate::backend::{Backend, BackendError, PortStats};
use crate::clock::Clock;
use crate::env::{
    self, BpfMap, Chunk, CopyMode, EnvError, Packet, Umem, XdpLink, XdpMode, XdpProgram, XskSocket, RING_SIZE,
};
use crate::frame::Frame;
use crate::nf::{NetworkFunction, PortId};
use std::time::Duration;

/// Frames taken from one socket per poll, so one busy port cannot starve the others.
const BURST: u32 = 64;
/// How long `open` waits for each interface's link to come up.
const LINK_WAIT: Duration = Duration::from_secs(5);
/// Most chunks in the UMEM (128 MiB), however many queues there are.
const MAX_CHUNKS: u32 = 65536;

/// One port's XDP program, kept loaded and attached while the backend lives.
struct Attachment {
    _link: XdpLink,
    _program: XdpProgram,
    _sockets: BpfMap,
}

pub struct XdpBackend {
    // Detach the programs first, so no frame is redirected to a socket being closed.
    _attachments: Vec<Attachment>,
    /// One socket per receive queue of every port, in port order.
    sockets: Vec<XskSocket>,
    umem: Umem,
    /// Chunks user space holds that are neither being received nor sent.
    free: Vec<Chunk>,
    /// The port each socket receives for.
    socket_port: Vec<PortId>,
    /// The socket each port transmits on (its first queue's).
    port_socket: Vec<usize>,
    stats: Vec<PortStats>,
    /// Frames lost on output because a transmit ring was full or no chunk
    /// was free for a copy.
    output_missed: Vec<u64>,
    clock: Clock,
    description: String,
}

impl XdpBackend {
    /// One port per interface name, in port order; the XDP program in
    /// `mode` if given, else natively where possible.
    pub fn open(interfaces: &[String], mode: Option<XdpMode>) -> Result<XdpBackend, EnvError> {
        if interfaces.len() > crate::MAX_PORTS {
            return Err(EnvError(format!(
                "{} interfaces given, at most {} ports are supported",
                interfaces.len(),
                crate::MAX_PORTS
            )));
        }
        let mut ports = Vec::new();
        for name in interfaces {
            let ifindex = env::interface_index(name)?;
            env::wait_for_link(name, LINK_WAIT)?;
            ports.push((name.as_str(), ifindex, env::receive_queues(name)));
        }
        let socket_count: u32 = ports.iter().map(|&(_, _, queues)| queues).sum();
        // Enough chunks to fill every fill ring and every transmit ring.
        let chunks = (socket_count * 2 * RING_SIZE).min(MAX_CHUNKS);
        let (umem, sockets, free) = match XdpBackend::open_sockets(&ports, chunks, CopyMode::ZeroCopy) {
            Ok(opened) => opened,
            Err(_) => XdpBackend::open_sockets(&ports, chunks, CopyMode::Copy)?,
        };
        let mut socket_port = Vec::new();
        let mut port_socket = Vec::new();
        for (port, &(_, _, queues)) in ports.iter().enumerate() {
            port_socket.push(socket_port.len());
            socket_port.extend((0..queues).map(|_| port as PortId));
        }
        let mut attachments = Vec::new();
        let mut attached_mode = XdpMode::Native;
        for (port, &(name, ifindex, queues)) in ports.iter().enumerate() {
            let map = BpfMap::sockets(queues)?;
            for queue in 0..queues {
                map.set_socket(queue, sockets[port_socket[port] + queue as usize].fd())?;
            }
            let program = XdpProgram::redirect_to_sockets(&map)?;
            let link = program.attach(ifindex, name, mode)?;
            if link.mode() == XdpMode::Generic {
                attached_mode = XdpMode::Generic;
            }
            attachments.push(Attachment { _link: link, _program: program, _sockets: map });
        }
        let copy = match sockets[0].mode() {
            CopyMode::ZeroCopy => "zero-copy",
            CopyMode::Copy => "copy mode",
        };
        let description =
            format!("AF_XDP, {}, {copy}, {} sockets on one UMEM", attached_mode.describe(), sockets.len());
        let mut backend = XdpBackend {
            _attachments: attachments,
            sockets,
            umem,
            free,
            socket_port,
            port_socket,
            stats: vec![PortStats::default(); ports.len()],
            output_missed: vec![0; ports.len()],
            clock: Clock::start(),
            description,
        };
        for socket in &mut backend.sockets {
            socket.refill(&mut backend.free);
        }
        Ok(backend)
    }

    /// A UMEM and one socket per queue of every port, all in `mode`.
    fn open_sockets(
        ports: &[(&str, u32, u32)],
        chunks: u32,
        mode: CopyMode,
    ) -> Result<(Umem, Vec<XskSocket>, Vec<Chunk>), EnvError> {
        let (umem, free) = Umem::new(chunks)?;
        let mut sockets: Vec<XskSocket> = Vec::new();
        for &(name, ifindex, queues) in ports {
            for queue in 0..queues {
                let socket = XskSocket::open(&umem, sockets.first(), ifindex, name, queue, mode)?;
                sockets.push(socket);
            }
        }
        Ok((umem, sockets, free))
    }

    /// How the frames move, for the start-up line.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Queues `packet` on `port`'s transmit ring, or counts it missed there.
    #[inline]
    fn transmit(&mut self, port: usize, packet: Packet) {
        let len = packet.len() as u64;
        match self.sockets[self.port_socket[port]].send(packet) {
            Ok(()) => {
                self.stats[port].tx_packets += 1;
                self.stats[port].tx_bytes += len;
            }
            Err(packet) => {
                // Transmit ring full: the kernel is behind; the frame is lost
                // on this output, as on a NIC.
                self.output_missed[port] += 1;
                self.free.push(packet.into_chunk());
            }
        }
    }
}

impl Backend for XdpBackend {
    fn port_count(&self) -> usize {
        self.port_socket.len()
    }

    fn poll<N: NetworkFunction>(&mut self, nf: &mut N) -> Result<usize, BackendError> {
        if N::USES_TIME {
            nf.set_time(self.clock.now_ns());
        }
        let ports = self.port_socket.len();
        let mut processed = 0;
        for index in 0..self.sockets.len() {
            let socket = &mut self.sockets[index];
            socket.reclaim(&mut self.free);
            socket.refill(&mut self.free);
            if socket.fill_needs_wakeup() {
                socket.poll_receive();
            }
            let ready = socket.received().min(BURST);
            let input = self.socket_port[index];
            for _ in 0..ready {
                // A descriptor outside the UMEM (never from a sane kernel) is skipped.
                let Some(mut packet) = self.sockets[index].receive() else { continue };
                processed += 1;
                let stats = &mut self.stats[usize::from(input)];
                stats.rx_packets += 1;
                stats.rx_bytes += packet.len() as u64;
                let mut frame = Frame::new(self.umem.frame(&packet), packet.len());
                let outputs = nf.process(input, &mut frame);
                packet.set_len(frame.len());
                // Outputs to ports this deployment lacks go nowhere, and a
                // frame with no existing output counts as dropped by the NF.
                let mut targets = outputs.iter().map(usize::from).take_while(|&port| port < ports);
                let Some(first) = targets.next() else {
                    self.stats[usize::from(input)].nf_dropped += 1;
                    self.free.push(packet.into_chunk());
                    continue;
                };
                for port in targets {
                    match self.free.pop() {
                        Some(chunk) => {
                            let copy = self.umem.copy(&packet, chunk);
                            self.transmit(port, copy);
                        }
                        None => self.output_missed[port] += 1,
                    }
                }
                self.transmit(first, packet);
            }
            self.sockets[index].finish_receiving();
            if ready == 0 {
                // Busy polling: lets the kernel run this queue's receive
                // processing on our core, now.
                self.sockets[index].poll_receive();
            }
        }
        for socket in &mut self.sockets {
            socket.kick().map_err(|e| BackendError(e.to_string()))?;
        }
        Ok(processed)
    }

    fn stats(&self) -> Vec<PortStats> {
        let mut stats = self.stats.clone();
        for (port, stats) in stats.iter_mut().enumerate() {
            stats.missed = self.output_missed[port];
        }
        for (socket, &port) in self.sockets.iter().zip(&self.socket_port) {
            let drops = socket.drops();
            stats[usize::from(port)].missed += drops.no_buffer + drops.ring_full;
        }
        stats
    }

    fn shutdown(&mut self) -> Result<(), BackendError> {
        // Frames already queued leave before the sockets close.
        for _ in 0..100 {
            let mut waiting = false;
            for socket in &mut self.sockets {
                socket.kick().map_err(|e| BackendError(e.to_string()))?;
                waiting |= socket.has_unsent();
            }
            if !waiting {
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        Ok(())
    }
}
