//! Idle timeouts per kind of flow, shared by the connection tracker and
//! the NAT: each kind is a timeout class of their tables, so a TCP
//! connection changes class (and timeout) as it opens and closes.

/// The timeout classes, in the order of [`FlowTimeouts::classes`].
pub mod class {
    /// TCP: a SYN seen from one side only (partially open), or, for the
    /// NAT, closing (RFC 5382's "transitory" connection).
    pub const TCP_TRANSITORY: u8 = 0;
    /// TCP: SYN seen from both sides (or picked up mid-stream).
    pub const TCP_ESTABLISHED: u8 = 1;
    /// TCP: FIN seen from both sides; only the last acknowledgements remain.
    pub const TCP_CLOSING: u8 = 2;
    pub const UDP: u8 = 3;
    /// ICMP queries (echo) and every other protocol.
    pub const OTHER: u8 = 4;
}

const SECOND: u64 = 1_000_000_000;

/// Idle timeouts in nanoseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FlowTimeouts {
    pub tcp_transitory_ns: u64,
    pub tcp_established_ns: u64,
    pub tcp_closing_ns: u64,
    pub udp_ns: u64,
    pub other_ns: u64,
}

impl FlowTimeouts {
    /// The minimums the NAT RFCs set: TCP transitory 4 min and established
    /// 2 h 4 min (RFC 5382 REQ-5), closing counted as transitory, UDP 5 min
    /// (RFC 4787 REQ-5: at least 2, 5 recommended), ICMP queries 60 s
    /// (RFC 5508 REQ-1).
    pub const RFC: FlowTimeouts = FlowTimeouts {
        tcp_transitory_ns: 240 * SECOND,
        tcp_established_ns: 7440 * SECOND,
        tcp_closing_ns: 240 * SECOND,
        udp_ns: 300 * SECOND,
        other_ns: 60 * SECOND,
    };

    /// The same for a firewall, except that a connection closed in both
    /// directions keeps its entry only 10 s (for the last acknowledgement
    /// and retransmitted FINs), not 4 min.
    pub const FIREWALL: FlowTimeouts = FlowTimeouts { tcp_closing_ns: 10 * SECOND, ..FlowTimeouts::RFC };

    /// One timeout per class, indexed by the `class` constants.
    pub const fn classes(&self) -> [u64; 5] {
        [self.tcp_transitory_ns, self.tcp_established_ns, self.tcp_closing_ns, self.udp_ns, self.other_ns]
    }

    /// The class a new flow of `protocol` starts in (TCP: see `TcpState`).
    #[inline]
    pub const fn class_of_protocol(protocol: u8) -> u8 {
        match protocol {
            6 => class::TCP_TRANSITORY,
            17 => class::UDP,
            _ => class::OTHER,
        }
    }
}

impl Default for FlowTimeouts {
    fn default() -> FlowTimeouts {
        FlowTimeouts::RFC
    }
}
