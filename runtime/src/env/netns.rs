//! Moving the calling thread into a named network namespace (`ip netns`),
//! so one process can reach interfaces in several namespaces: a generator
//! on one host and a counter on another.

use super::EnvError;
use std::os::fd::AsRawFd;

/// Moves the calling thread (only) into namespace `name`, as created by
/// `ip netns add NAME` (bind-mounted at /run/netns/NAME).
pub fn enter_network_namespace(name: &str) -> Result<(), EnvError> {
    let path = format!("/run/netns/{name}");
    let file = std::fs::File::open(&path)
        .map_err(|e| EnvError(format!("network namespace {name}: cannot open {path} ({e}; see `ip netns list`)")))?;
    // SAFETY: setns on a namespace file we hold open; it changes only the
    // calling thread's network namespace.
    if unsafe { libc::setns(file.as_raw_fd(), libc::CLONE_NEWNET) } != 0 {
        return Err(EnvError(format!(
            "cannot enter network namespace {name} (needs root): {}",
            std::io::Error::last_os_error()
        )));
    }
    Ok(())
}
