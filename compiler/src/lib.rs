//! The nfc compiler: specs (TOML, DSL, annotated fns) → checked IR → Rust.
#![forbid(unsafe_code)]

pub mod codegen;
pub mod interp;
pub mod ir;
pub mod testcase;
pub mod testpkt;
