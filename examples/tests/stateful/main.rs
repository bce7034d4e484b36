//! The hand-written stateful network functions (examples/src/stateful/)
//! driven by packet sequences with timestamps. Packets are built, and the
//! function's outputs parsed and their checksums recomputed, by etherparse.

mod binaries;
mod bridge;
mod firewall;
mod lb;
mod nat;
mod policer;
mod specs;
mod support;
