//! Frontends: each lowers one surface syntax to the IR.

pub mod dsl;
pub mod hints;
pub mod toml;
pub mod values;
