//! One fuzz target as an AFL++ program: `nfc-afl TARGET < input`. Built with
//! AFL++'s coverage instrumentation by `fuzz/afl/run` (stable Rust:
//! SanitizerCoverage's trace-pc-guard, linked with AFL++'s runtime, which
//! starts the fork server), it gives the same targets and oracles as
//! `nfc-fuzz` coverage guidance. A failed oracle or any panic aborts, which
//! AFL++ records as a crash.
#![forbid(unsafe_code)]

use std::io::Read;
use std::panic::{catch_unwind, AssertUnwindSafe};

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let Some(mut target) = nfc_fuzz::targets::named(&name) else {
        let names: Vec<&str> = nfc_fuzz::targets::catalogue().iter().map(|(n, _)| *n).collect();
        eprintln!("nfc-afl: found target `{name}`, expected one of {}", names.join(", "));
        std::process::exit(2);
    };
    let mut input = Vec::new();
    if std::io::stdin().read_to_end(&mut input).is_err() {
        std::process::exit(2);
    }
    input.truncate(target.max_len());
    if catch_unwind(AssertUnwindSafe(|| target.run(&input))).is_err() {
        std::process::abort();
    }
}
