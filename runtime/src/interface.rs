//! Linux network interfaces as ports: the same compiled network function
//! that drives 82599s runs on veth pairs, bridges or any NIC the kernel
//! drives, through AF_XDP sockets (`af_xdp`) where the kernel and the
//! interfaces allow it, else through packet sockets (`af_packet`).
//!
//! The choice is made once at start; `poll` then matches on it once per
//! poll, and each arm is the chosen backend's loop monomorphised over the NF.

use crate::af_packet::PacketSocketBackend;
use crate::af_xdp::XdpBackend;
use crate::backend::{Backend, BackendError, PortStats};
use crate::env::{EnvError, XdpMode};
use crate::nf::NetworkFunction;

/// Which kind of socket carries the frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketChoice {
    /// AF_XDP if it can be set up on every interface, else AF_PACKET.
    Auto,
    /// AF_XDP or an error; the XDP program in the given mode, or natively
    /// where the driver supports it.
    AfXdp(Option<XdpMode>),
    AfPacket,
}

pub enum InterfaceBackend {
    AfXdp(XdpBackend),
    AfPacket(PacketSocketBackend),
}

impl InterfaceBackend {
    /// One port per interface name, in port order. With `Auto`, the reason
    /// AF_XDP was not used is returned beside the backend.
    pub fn open(interfaces: &[String], choice: SocketChoice) -> Result<(InterfaceBackend, Option<String>), EnvError> {
        match choice {
            SocketChoice::AfXdp(mode) => Ok((InterfaceBackend::AfXdp(XdpBackend::open(interfaces, mode)?), None)),
            SocketChoice::AfPacket => Ok((InterfaceBackend::AfPacket(PacketSocketBackend::open(interfaces)?), None)),
            SocketChoice::Auto => match XdpBackend::open(interfaces, None) {
                Ok(backend) => Ok((InterfaceBackend::AfXdp(backend), None)),
                Err(why) => Ok((InterfaceBackend::AfPacket(PacketSocketBackend::open(interfaces)?), Some(why.0))),
            },
        }
    }

    /// Which socket carries the frames, and how, for the start-up line.
    pub fn description(&self) -> String {
        match self {
            InterfaceBackend::AfXdp(backend) => backend.description().to_owned(),
            InterfaceBackend::AfPacket(_) => "AF_PACKET, mapped rings".to_owned(),
        }
    }
}

impl Backend for InterfaceBackend {
    fn port_count(&self) -> usize {
        match self {
            InterfaceBackend::AfXdp(backend) => backend.port_count(),
            InterfaceBackend::AfPacket(backend) => backend.port_count(),
        }
    }

    #[inline]
    fn poll<N: NetworkFunction>(&mut self, nf: &mut N) -> Result<usize, BackendError> {
        match self {
            InterfaceBackend::AfXdp(backend) => backend.poll(nf),
            InterfaceBackend::AfPacket(backend) => backend.poll(nf),
        }
    }

    fn stats(&self) -> Vec<PortStats> {
        match self {
            InterfaceBackend::AfXdp(backend) => backend.stats(),
            InterfaceBackend::AfPacket(backend) => backend.stats(),
        }
    }

    fn shutdown(&mut self) -> Result<(), BackendError> {
        match self {
            InterfaceBackend::AfXdp(backend) => backend.shutdown(),
            InterfaceBackend::AfPacket(backend) => backend.shutdown(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_interface_is_one_clear_sentence_on_either_socket() {
        for choice in [SocketChoice::Auto, SocketChoice::AfXdp(None), SocketChoice::AfPacket] {
            let error =
                InterfaceBackend::open(&["nfc-no-such-if0".to_owned()], choice).err().expect("no such interface");
            assert!(error.0 == "interface nfc-no-such-if0 does not exist (see `ip link`)", "{choice:?}: {error}");
        }
    }
}
