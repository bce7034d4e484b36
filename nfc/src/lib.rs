//! nfc: describe a network function, get a monomorphised TinyNF driver loop.
//!
//! Three ways to write one, all ending in a type that implements
//! [`runtime::NetworkFunction`] with `PORTS`, `new()` and named counters,
//! which [`runtime::app::main`] runs on any backend:
//!
//! - [`spec!`]: a TOML spec file (docs/SPEC_LANGUAGE.md); its `[[test]]`
//!   cases become `#[test]`s run by `cargo test`.
//! - [`nf!`]: the same language as Rust tokens.
//! - [`network_function`]: the per-packet function written in Rust.
//!
//! ```no_run
//! nfc::spec!("../nf-specs/router.toml"); // defines `Router`
//!
//! fn main() -> std::process::ExitCode {
//!     nfc::runtime::app::main("router", Router::PORTS, Router::new())
//! }
//! ```
//!
//! # Writing the function in Rust: `#[network_function]`
//!
//! The attribute goes on a fn that decides one packet's fate; it generates
//! the type (the fn's name in CamelCase) around it. `ports` names the ports
//! in runtime order (identifiers or strings); it is required, as in a spec.
//!
//! A stateless function takes the input port and the frame, and may rewrite
//! the frame in place ([`runtime::Headers`] has the field getters and the
//! checksum-preserving setters):
//!
//! ```
//! use nfc::runtime::{Frame, Headers, NetworkFunction, Outputs, PortId};
//!
//! /// Port 0 <-> port 1, with the IPv4 TTL decremented; expired packets dropped.
//! #[nfc::network_function(ports = [left, right])]
//! fn hop(input: PortId, frame: &mut Frame<'_>) -> Outputs {
//!     let headers = Headers::parse(frame.data());
//!     if headers.decrement_ttl(frame.data_mut()) == nfc::runtime::TtlOutcome::Expired {
//!         return Outputs::DROP;
//!     }
//!     Outputs::port(input ^ 1)
//! }
//!
//! assert_eq!(Hop::PORTS, ["left", "right"]);
//! let mut nf = Hop::new();
//! let mut bytes = [0u8; 64];
//! assert_eq!(nf.process(0, &mut Frame::new(&mut bytes, 60)), Outputs::port(1));
//! ```
//!
//! `counters = [..]` adds named packet/byte counters, like a spec's rule
//! counters: the fn then takes `&mut <Type>Counters` before `input`, with one
//! accessor per name, and the runtime's final summary (and `--stats json`)
//! lists them.
//!
//! ```
//! use nfc::runtime::{Frame, Headers, NetworkFunction, Outputs, PortId};
//!
//! /// Web traffic to the servers, the rest to the others; counted.
//! #[nfc::network_function(ports = [uplink, servers, others], counters = [web, other])]
//! fn split(counters: &mut SplitCounters, _input: PortId, frame: &mut Frame<'_>) -> Outputs {
//!     let headers = Headers::parse(frame.data());
//!     if matches!(headers.tcp_dst(frame.data()), Some(80 | 443)) {
//!         counters.web().record(frame.len());
//!         Outputs::port(1)
//!     } else {
//!         counters.other().record(frame.len());
//!         Outputs::port(2)
//!     }
//! }
//!
//! let mut nf = Split::new();
//! let mut bytes = [0u8; 64];
//! nf.process(0, &mut Frame::new(&mut bytes, 60));
//! assert_eq!(nf.counter_names(), ["web", "other"]);
//! assert_eq!(nf.counters()[1].packets, 1);
//! ```
//!
//! A function with state takes `&mut State` first (before the counters, if
//! any). The type keeps the state between packets: `new()` builds it with
//! `State::default()`, `with_state(state)` from a given value, and
//! `state()`/`state_mut()` reach it. Allocate in `Default` or before
//! `with_state`, never per packet.
//!
//! ```
//! use nfc::runtime::{Frame, NetworkFunction, Outputs, PortId};
//!
//! /// Which server gets the next new packet.
//! #[derive(Default)]
//! struct Turn {
//!     next: u8,
//! }
//!
//! /// Clients' packets go to the two servers in turn; the servers' back to the clients.
//! #[nfc::network_function(ports = [clients, server_a, server_b], counters = [to_a, to_b, replies])]
//! fn round_robin(turn: &mut Turn, counters: &mut RoundRobinCounters, input: PortId, frame: &mut Frame<'_>) -> Outputs {
//!     if input != 0 {
//!         counters.replies().record(frame.len());
//!         return Outputs::port(0);
//!     }
//!     let server = 1 + turn.next;
//!     turn.next ^= 1;
//!     let counter = if server == 1 { counters.to_a() } else { counters.to_b() };
//!     counter.record(frame.len());
//!     Outputs::port(server)
//! }
//!
//! let mut nf = RoundRobin::new();
//! let mut bytes = [0u8; 64];
//! let outputs: Vec<Outputs> = (0..3).map(|_| nf.process(0, &mut Frame::new(&mut bytes, 60))).collect();
//! assert_eq!(outputs, [Outputs::port(1), Outputs::port(2), Outputs::port(1)]);
//! assert_eq!(nf.state().next, 1);
//! assert_eq!(nf.counters()[0].packets, 2);
//! ```
//!
//! Run any of them with `nfc::runtime::app::main("round_robin",
//! RoundRobin::PORTS, RoundRobin::new())`. A function that needs the time
//! (expiry, token buckets) implements [`runtime::NetworkFunction`] by hand
//! instead, with `USES_TIME` and `set_time`.
//!
//! Generated code names the runtime as `::nfc::runtime`.
#![forbid(unsafe_code)]

extern crate self as nfc;

pub use nfc_macros::{network_function, nf, spec};
pub use nfc_runtime as runtime;
