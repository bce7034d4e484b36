//! Fuzzing without a nightly toolchain (cargo-fuzz needs one; this machine
//! has only stable): a mutation fuzzer in plain Rust. Each target takes
//! bytes, must never panic or hang, checks its own oracle (the interpreter
//! for generated NFs, checksum and re-parse invariants for the packet
//! views), and returns a behaviour signature; inputs with a new signature
//! join the corpus, so the corpus grows towards behaviours not seen yet
//! (a stand-in for coverage, which needs compiler instrumentation).
#![forbid(unsafe_code)]

pub mod chains;
pub mod engine;
pub mod mutate;
pub mod targets;
