//! Where packets come from and go to.
//!
//! A deployment picks one backend at start-up (an 82599 pair on hardware, the
//! software 82599 model, Linux interfaces, pcap files) and then calls `poll`
//! in a loop. `poll` is generic over the network function, so the NF call is
//! monomorphised into each backend's loop: choosing the backend is one `match`
//! at start-up, never a virtual call per packet.

use crate::nf::NetworkFunction;
use std::fmt;

/// Counters of one port since start.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PortStats {
    /// Frames received on this port and handed to the NF.
    pub rx_packets: u64,
    pub rx_bytes: u64,
    /// Frames transmitted on this port.
    pub tx_packets: u64,
    pub tx_bytes: u64,
    /// Frames received on this port that the NF dropped (empty `Outputs`).
    pub nf_dropped: u64,
    /// Frames the device (or socket) dropped before the NF saw them, e.g. on
    /// the 82599 its packet buffer overflowing (MPC) or its receive ring
    /// being full (QPRDC, as the driver sets SRRCTL.DROP_EN).
    pub missed: u64,
}

/// A backend failed at run time (init failures are reported by constructors).
#[derive(Debug)]
pub struct BackendError(pub String);

impl fmt::Display for BackendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BackendError {}

pub trait Backend {
    /// Number of ports; ports are numbered 0..port_count.
    fn port_count(&self) -> usize;

    /// Receive what is available (a bounded amount), run every frame through
    /// `nf`, transmit it on the ports it returns. Returns how many frames were
    /// processed; 0 means nothing was waiting.
    fn poll<N: NetworkFunction>(&mut self, nf: &mut N) -> Result<usize, BackendError>;

    /// Per-port counters since start, indexed by port.
    fn stats(&self) -> Vec<PortStats>;

    /// True when no more input will ever arrive (end of pcap files, a model
    /// with a fixed packet count). Live backends never finish.
    fn finished(&self) -> bool {
        false
    }

    /// What the run's packet rate measures, when it is not simply the
    /// forwarding rate of the ports (the software model says whose limit it
    /// is, and what the driver alone costs); printed with the summary.
    fn rate_note(&self) -> Option<String> {
        None
    }

    /// Flush anything buffered (pcap writers, pending transmit descriptors)
    /// before the process exits.
    fn shutdown(&mut self) -> Result<(), BackendError> {
        Ok(())
    }
}
