//! Stopping cleanly on SIGINT and SIGTERM: the handler only sets a flag,
//! which the run loop checks, so the final summary is printed and capture
//! files are flushed instead of the process dying mid-write.

use super::EnvError;
use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn request_stop(_signal: libc::c_int) {
    // An atomic store is async-signal-safe.
    STOP.store(true, Ordering::Relaxed);
}

/// Installs the handler for SIGINT and SIGTERM.
pub fn install_stop_handler() -> Result<(), EnvError> {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        // SAFETY: zeroed sigaction is valid (empty mask, no flags); the
        // handler is an extern "C" fn that only touches an atomic.
        let installed = unsafe {
            let mut action: libc::sigaction = core::mem::zeroed();
            action.sa_sigaction = request_stop as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigaction(signal, &action, core::ptr::null_mut())
        };
        if installed != 0 {
            return Err(EnvError(format!(
                "cannot install a handler for signal {signal}: {}",
                std::io::Error::last_os_error()
            )));
        }
    }
    Ok(())
}

/// Whether SIGINT or SIGTERM arrived since start.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::Relaxed)
}
