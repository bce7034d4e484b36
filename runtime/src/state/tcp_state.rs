//! How far a TCP connection has come, from the flags seen in each
//! direction: enough to pick an idle timeout and to notice a reset, without
//! following sequence numbers.
//!
//! The rules (the connection tracker and the NAT share them):
//! - A flow first seen with a SYN without ACK from its origin is **opening**;
//!   one first seen with anything else (no RST) was picked up mid-stream and
//!   is **established** at once (as after a restart of the function).
//! - A SYN from the other side (the SYN-ACK) makes it **established**.
//! - FIN from each side is remembered; once both sides have sent one it is
//!   **closing**. A FIN from one side only (a half-close) keeps it
//!   established: the other side may go on sending for hours.
//! - RST from either side: **reset** (the caller ends the flow: the tracker
//!   at once, the NAT after the transitory timeout, RFC 5382 REQ-5).
//! - A SYN without ACK from the origin on a closing or reset flow is a new
//!   connection reusing the ports: opening again.
//!
//! Not checked: sequence and acknowledgement numbers (an off-path attacker
//! who knows a flow's addresses and ports can reset it, RFC 5961's concern),
//! flag combinations beyond these.

use super::timeouts::class;

const SYN: u8 = 0x02;
const RST: u8 = 0x04;
const FIN: u8 = 0x01;
const ACK: u8 = 0x10;

const SYN_ORIGIN: u8 = 1 << 0;
const SYN_REPLY: u8 = 1 << 1;
const FIN_ORIGIN: u8 = 1 << 2;
const FIN_REPLY: u8 = 1 << 3;
const RESET: u8 = 1 << 4;

/// Where a connection is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TcpPhase {
    Opening,
    Established,
    Closing,
    Reset,
}

impl TcpPhase {
    /// The timeout class for this phase (`Reset` maps to transitory).
    #[inline]
    pub const fn class(self) -> u8 {
        match self {
            TcpPhase::Opening | TcpPhase::Reset => class::TCP_TRANSITORY,
            TcpPhase::Established => class::TCP_ESTABLISHED,
            TcpPhase::Closing => class::TCP_CLOSING,
        }
    }
}

/// The flags seen so far, per direction. One byte.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct TcpState {
    seen: u8,
}

/// Whether the flags open a connection: SYN without ACK (and no RST).
#[inline]
pub const fn is_opening_syn(flags: u8) -> bool {
    flags & (SYN | ACK | RST) == SYN
}

/// Whether the flags carry RST.
#[inline]
pub const fn is_reset(flags: u8) -> bool {
    flags & RST != 0
}

impl TcpState {
    /// The state after the first segment of a flow, sent by its origin.
    #[inline]
    pub fn first(flags: u8) -> TcpState {
        let mut state = TcpState { seen: if is_opening_syn(flags) { SYN_ORIGIN } else { SYN_ORIGIN | SYN_REPLY } };
        state.update(flags, true);
        state
    }

    /// Records a segment's flags (`from_origin`: sent by the side that
    /// opened the flow) and returns the phase after it.
    #[inline]
    pub fn update(&mut self, flags: u8, from_origin: bool) -> TcpPhase {
        if from_origin && is_opening_syn(flags) && self.seen & (RESET | FIN_ORIGIN | FIN_REPLY) != 0 {
            self.seen = 0;
        }
        let (syn, fin) = if from_origin { (SYN_ORIGIN, FIN_ORIGIN) } else { (SYN_REPLY, FIN_REPLY) };
        if flags & SYN != 0 {
            self.seen |= syn;
        }
        if flags & FIN != 0 {
            self.seen |= fin;
        }
        if flags & RST != 0 {
            self.seen |= RESET;
        }
        self.phase()
    }

    #[inline]
    pub const fn phase(self) -> TcpPhase {
        if self.seen & RESET != 0 {
            TcpPhase::Reset
        } else if self.seen & (FIN_ORIGIN | FIN_REPLY) == FIN_ORIGIN | FIN_REPLY {
            TcpPhase::Closing
        } else if self.seen & SYN_REPLY != 0 {
            TcpPhase::Established
        } else {
            TcpPhase::Opening
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handshake_then_a_close_from_both_sides() {
        let mut s = TcpState::first(SYN);
        assert_eq!(s.phase(), TcpPhase::Opening);
        assert_eq!(s.update(ACK, true), TcpPhase::Opening, "no SYN-ACK yet");
        assert_eq!(s.update(SYN | ACK, false), TcpPhase::Established);
        assert_eq!(s.update(FIN | ACK, true), TcpPhase::Established, "half-closed");
        assert_eq!(s.update(ACK, false), TcpPhase::Established);
        assert_eq!(s.update(FIN | ACK, false), TcpPhase::Closing);
        assert_eq!(s.update(ACK, true), TcpPhase::Closing);
        assert_eq!(s.update(SYN, true), TcpPhase::Opening, "port reuse opens anew");
    }

    #[test]
    fn mid_stream_pickup_and_resets() {
        assert_eq!(TcpState::first(ACK).phase(), TcpPhase::Established);
        assert_eq!(TcpState::first(SYN | ACK).phase(), TcpPhase::Established);
        let mut s = TcpState::first(SYN);
        assert_eq!(s.update(RST | ACK, false), TcpPhase::Reset);
        assert_eq!(s.update(ACK, true), TcpPhase::Reset);
        assert_eq!(TcpState::first(RST).phase(), TcpPhase::Reset);
        assert_eq!(TcpPhase::Closing.class(), class::TCP_CLOSING);
    }
}
