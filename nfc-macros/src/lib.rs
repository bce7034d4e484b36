//! Procedural macros of nfc.
#![forbid(unsafe_code)]
