//! The nfc runtime: a TinyNF-model driver for the Intel 82599, packet views,
//! and a software 82599 model that the same driver code runs against.
//!
//! `unsafe` is denied crate-wide and allowed only in the modules that touch
//! hardware or the OS (DMA memory, MMIO, pagemap, PCI sysfs).
#![deny(unsafe_code)]

pub mod clock;
pub mod frame;
pub mod nf;

pub use clock::Clock;
pub use frame::{Frame, FrameError};
pub use nf::{LoadedTable, NetworkFunction, Outputs, PortId, RuleCounter, TableBuilder, MAX_PORTS};
pub mod af_packet;
pub mod af_xdp;
pub mod app;
pub mod backend;
pub mod capture;
pub mod console;
pub mod dma;
pub mod driver;
pub mod env;
pub mod interface;
pub mod json_report;
pub mod model;
pub mod regs;
pub mod spec_test;
pub mod state;
pub mod table_files;
pub mod tables;
pub mod wire;

pub use backend::{Backend, BackendError, PortStats};
pub use wire::{Headers, ParseDepth, TtlOutcome};
