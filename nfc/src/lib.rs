//! nfc: describe a network function, get a monomorphised TinyNF driver loop.
//!
//! Generated code names the runtime as `::nfc::runtime`.
#![forbid(unsafe_code)]

extern crate self as nfc;

pub use nfc_macros::{network_function, nf, spec};
pub use nfc_runtime as runtime;
