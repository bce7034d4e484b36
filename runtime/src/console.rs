//! What a deployment binary prints on stdout, without panicking when no one
//! reads it any more: `router | head -1` closes the pipe after one line, and
//! `println!` would then panic. A failed write marks stdout closed, later
//! lines are dropped, and the run loop stops cleanly (the backend shut down,
//! capture files flushed) as on SIGINT.

use std::fmt;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static CLOSED: AtomicBool = AtomicBool::new(false);

/// Prints one line on stdout, unless stdout is closed.
pub fn line(text: fmt::Arguments<'_>) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if stdout.write_fmt(text).and_then(|()| stdout.write_all(b"\n")).and_then(|()| stdout.flush()).is_err() {
        CLOSED.store(true, Ordering::Relaxed);
    }
}

/// Whether a write to stdout failed: its reader is gone.
pub fn closed() -> bool {
    CLOSED.load(Ordering::Relaxed)
}

/// `println!` that never panics: see the module.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => { $crate::console::line(format_args!($($arg)*)) };
}
