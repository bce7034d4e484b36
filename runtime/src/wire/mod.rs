//! Packet views and the field API generated code uses.
//!
//! The views (`EthernetFrame`, `VlanTag`, `Ipv4Packet`, `Ipv6Packet`,
//! `TcpPacket`, `UdpPacket`, `IcmpPacket`) are zero-copy typed wrappers over a
//! byte buffer in the style of smoltcp's `wire`: `new_checked` does the one
//! length/validity check, then getters and setters index without failing.
//! [`Headers`] is the parse-once result with checksum-preserving setters
//! that generated network functions and the interpreter use per packet.

pub mod checksum;
pub mod error;
pub mod headers;

pub use error::WireError;
pub use headers::{Headers, TtlOutcome};
