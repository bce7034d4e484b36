//! Frontends: each lowers one surface syntax to the IR.

pub mod toml;
pub mod values;
