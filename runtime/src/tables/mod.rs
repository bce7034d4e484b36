//! Lookup engines for large tables: longest-prefix match over IPv4 and IPv6,
//! exact match, and first-match classification over many rules.
//!
//! The compiler builds each engine from a spec, serialises it with
//! `to_bytes` and emits the bytes as one `static` byte-string literal, which
//! rustc compiles in a blink where 100,000 `match` arms would exhaust it. The
//! generated network function decodes the bytes once, in `new()`, so all
//! memory is fixed before the first packet and a lookup never allocates.
//!
//! Values are `u32`s chosen by the compiler (indices of decisions); the
//! engines attach no meaning to them.

mod bytes;
mod classifier;
mod exact;
pub mod file;
mod lpm4;
mod lpm6;
mod params;
pub mod text;

pub use bytes::TableError;
pub use classifier::{Classifier, ClassifierBuilder, FieldMatch};
pub use exact::{ExactTable, ExactTableBuilder};
pub use lpm4::{Lpm4, Lpm4Builder};
pub use lpm6::{Lpm6, Lpm6Builder};
pub use params::{push as push_param, Params};
