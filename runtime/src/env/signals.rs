//! Stopping cleanly on SIGINT and SIGTERM, and reloading tables on SIGHUP:
//! the handlers only set flags, which the run loop checks, so the final
//! summary is printed and capture files are flushed instead of the process
//! dying mid-write, and a table is swapped only between bursts.

use super::EnvError;
use std::sync::atomic::{AtomicBool, Ordering};

static STOP: AtomicBool = AtomicBool::new(false);
static RELOAD: AtomicBool = AtomicBool::new(false);

extern "C" fn request_stop(_signal: libc::c_int) {
    // An atomic store is async-signal-safe.
    STOP.store(true, Ordering::Relaxed);
}

extern "C" fn request_reload(_signal: libc::c_int) {
    RELOAD.store(true, Ordering::Relaxed);
}

/// Installs the handler for SIGINT and SIGTERM.
pub fn install_stop_handler() -> Result<(), EnvError> {
    let handlers: [(libc::c_int, extern "C" fn(libc::c_int)); 3] =
        [(libc::SIGINT, request_stop), (libc::SIGTERM, request_stop), (libc::SIGHUP, request_reload)];
    for (signal, handler) in handlers {
        // SAFETY: zeroed sigaction is valid (empty mask, no flags); the
        // handler is an extern "C" fn that only touches an atomic.
        let installed = unsafe {
            let mut action: libc::sigaction = core::mem::zeroed();
            action.sa_sigaction = handler as libc::sighandler_t;
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

/// Whether SIGHUP arrived since the last call: the loaded tables are to be
/// read again.
pub fn take_reload_request() -> bool {
    RELOAD.swap(false, Ordering::Relaxed)
}

/// Whether SIGINT or SIGTERM arrived since start.
pub fn stop_requested() -> bool {
    STOP.load(Ordering::Relaxed)
}
