//! Frontends: each parses one surface syntax into the shared syntax tree
//! (`ast`), which `lower` turns into the checked IR for all of them.

pub mod ast;
pub mod dsl;
pub mod hints;
pub mod lower;
pub mod toml;
pub mod values;
