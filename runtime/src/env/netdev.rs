//! Facts about a Linux network interface: its index, its receive queues,
//! whether its link is up.

use super::EnvError;
use std::ffi::CString;
use std::time::{Duration, Instant};

/// The interface's index in the calling thread's network namespace.
pub fn interface_index(name: &str) -> Result<u32, EnvError> {
    let c_name = CString::new(name).map_err(|_| EnvError(format!("interface name {name:?} contains a NUL byte")))?;
    // SAFETY: `c_name` is a valid NUL-terminated string.
    let index = unsafe { libc::if_nametoindex(c_name.as_ptr()) };
    if index == 0 {
        return Err(EnvError(format!("interface {name} does not exist (see `ip link`)")));
    }
    Ok(index)
}

/// How many receive queues the interface uses (its `queues/rx-N` in sysfs);
/// at least 1.
pub fn receive_queues(name: &str) -> u32 {
    let entries = std::fs::read_dir(format!("/sys/class/net/{name}/queues")).into_iter().flatten().flatten();
    let count = entries.filter(|entry| entry.file_name().to_string_lossy().starts_with("rx-")).count();
    count.max(1) as u32
}

/// The kernel's operstate, polled until "up" (or "unknown", what interfaces
/// without carrier detection report) for at most `timeout`.
pub fn wait_for_link(name: &str, timeout: Duration) -> Result<(), EnvError> {
    let path = format!("/sys/class/net/{name}/operstate");
    let start = Instant::now();
    loop {
        let state = std::fs::read_to_string(&path).unwrap_or_default();
        if matches!(state.trim(), "up" | "unknown") {
            return Ok(());
        }
        if start.elapsed() >= timeout {
            return Err(EnvError(format!(
                "interface {name}: link did not come up within {} s (operstate `{}`; is it `ip link set up`, and its peer too?)",
                timeout.as_secs(),
                state.trim()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
