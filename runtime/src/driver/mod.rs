//! The Intel 82599 driver in the TinyNF model.
//!
//! `Device::init` brings one port up in the datasheet's order (section
//! 4.6.3); `Pipeline` owns the TinyNF agents: one receive ring per port whose
//! buffers are shared by one transmit ring on every port. Everything is
//! generic over `RegisterAccess` (MMIO on hardware, the software model in
//! tests) and over the network function, so the per-packet loop is one
//! monomorphised function.

mod agent;
mod descriptor;
mod error;
mod init;
mod pipeline;

pub use agent::{FLUSH_PERIOD, RECYCLE_PERIOD};
pub use descriptor::{BUFFER_SIZE, RING_SIZE};
pub use error::DriverError;
pub use init::{Device, Timeouts};
pub use pipeline::{Pipeline, VANISH_CHECK_PERIOD};
