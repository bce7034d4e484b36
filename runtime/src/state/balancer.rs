//! A load balancer's choice of backend: Maglev consistent hashing over the
//! backends, and flow affinity through a flow table, so a flow stays on its
//! backend while the backend set changes (Maglev §3.3: the connection
//! tracking table in front of the consistent hash).
//!
//! - A flow with affinity whose backend is enabled keeps it (`Affinity`).
//! - A new flow takes Maglev's backend for its hash and remembers it
//!   (`New`); when the flow table is full of live flows it still gets
//!   Maglev's backend, without affinity (`NoAffinity`, counted by callers):
//!   it stays put as long as the backend set does.
//! - A flow whose backend was disabled is moved to Maglev's new choice
//!   (`Repicked`).
//! - No backend enabled: `NoBackend`.

use super::{FlowKey, FlowTable, Maglev, StateError, TableKey};

/// How a packet's backend was chosen; every variant but `NoBackend` carries
/// the backend's index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pick {
    Affinity(u16),
    New(u16),
    Repicked(u16),
    NoAffinity(u16),
    NoBackend,
}

impl Pick {
    /// The chosen backend, if any.
    #[inline]
    pub const fn backend(self) -> Option<u16> {
        match self {
            Pick::Affinity(b) | Pick::New(b) | Pick::Repicked(b) | Pick::NoAffinity(b) => Some(b),
            Pick::NoBackend => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Balancer {
    maglev: Maglev,
    flows: FlowTable<FlowKey, u16>,
    seed: u64,
}

impl Balancer {
    /// Backends named by `backend_ids` (see `Maglev::new`), a Maglev table
    /// of `table_size` slots, affinity for `capacity` flows idle at most
    /// `timeout_ns`.
    pub fn new(
        backend_ids: &[u64],
        table_size: usize,
        capacity: usize,
        timeout_ns: u64,
        seed: u64,
    ) -> Result<Balancer, StateError> {
        Ok(Balancer {
            maglev: Maglev::new(backend_ids, table_size, seed)?,
            flows: FlowTable::with_timeout(capacity, timeout_ns, seed)?,
            seed,
        })
    }

    /// The backend of `key`'s flow at `now`.
    #[inline]
    pub fn pick(&mut self, key: FlowKey, now: u64) -> Pick {
        if let Some(id) = self.flows.find(&key, now) {
            self.flows.touch(id, now);
            let backend = *self.flows.value(id);
            if self.maglev.is_enabled(usize::from(backend)) {
                return Pick::Affinity(backend);
            }
            let Some(backend) = self.maglev.lookup(key.hash_with(self.seed)) else { return Pick::NoBackend };
            *self.flows.value_mut(id) = backend;
            return Pick::Repicked(backend);
        }
        let Some(backend) = self.maglev.lookup(key.hash_with(self.seed)) else { return Pick::NoBackend };
        match self.flows.find_or_insert(key, 0, now, || backend) {
            Ok(_) => Pick::New(backend),
            Err(_) => Pick::NoAffinity(backend),
        }
    }

    /// Takes backend `index` out of service (or back); false if there is
    /// no such backend. Its flows move on their next packet.
    pub fn set_enabled(&mut self, index: usize, enabled: bool) -> bool {
        self.maglev.set_enabled(index, enabled)
    }

    /// Reclaims at most `budget` expired flows.
    #[inline]
    pub fn expire(&mut self, now: u64, budget: usize) -> usize {
        self.flows.expire(now, budget)
    }

    /// Flows with affinity (expired ones not yet reclaimed included).
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(port: u16) -> FlowKey {
        FlowKey { src: 0x0a00_0001, dst: 0x0a00_0002, src_port: port, dst_port: 80, protocol: 6 }
    }

    #[test]
    fn a_flow_keeps_its_backend_until_it_is_disabled() {
        let mut lb = Balancer::new(&[1, 2, 3], 13, 4, 1_000, 7).unwrap();
        let Pick::New(first) = lb.pick(flow(1), 0) else { panic!("a new flow") };
        assert_eq!(lb.pick(flow(1), 10), Pick::Affinity(first));
        assert!(lb.set_enabled(usize::from(first), false));
        let Pick::Repicked(moved) = lb.pick(flow(1), 20) else { panic!("moved") };
        assert_ne!(moved, first);
        // Re-enabling does not move it back: affinity holds.
        lb.set_enabled(usize::from(first), true);
        assert_eq!(lb.pick(flow(1), 30), Pick::Affinity(moved));
    }

    #[test]
    fn a_full_table_still_balances_and_idle_flows_expire() {
        let mut lb = Balancer::new(&[1, 2], 5, 1, 100, 7).unwrap();
        assert!(matches!(lb.pick(flow(1), 0), Pick::New(_)));
        assert!(matches!(lb.pick(flow(2), 0), Pick::NoAffinity(_)));
        // After the timeout the slot is free again.
        assert!(matches!(lb.pick(flow(2), 100), Pick::New(_)));
        assert_eq!(lb.len(), 1);
    }

    #[test]
    fn without_backends_nothing_is_picked() {
        let mut lb = Balancer::new(&[1], 5, 4, 100, 7).unwrap();
        lb.set_enabled(0, false);
        assert_eq!(lb.pick(flow(1), 0), Pick::NoBackend);
    }
}
