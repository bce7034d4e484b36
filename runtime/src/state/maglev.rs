//! Maglev consistent hashing (Eisenbud et al., "Maglev: A Fast and Reliable
//! Software Network Load Balancer", NSDI 2016, §3.4): a lookup table of
//! prime size `M` in which every backend owns nearly the same number of
//! slots (the counts differ by at most one), and which changes little when
//! a backend leaves or returns.
//!
//! Each backend `i` has a preference list, the permutation
//! `(offset_i + j x skip_i) mod M` for `j = 0, 1, ...`, with `offset_i =
//! h1(id_i) mod M` and `skip_i = h2(id_i) mod (M - 1) + 1` (`M` prime makes
//! every skip coprime with it, so each list visits every slot). Population
//! goes round robin over the enabled backends, each taking the next slot of
//! its list not yet taken, until the table is full.
//!
//! Everything is allocated at construction; enabling or disabling a
//! backend repopulates in place (O(M log M) expected, no allocation): that
//! is control-plane work, not per packet. A lookup is one multiplication
//! and one read.

use super::{KeyHasher, StateError};

/// The table size the paper suggests for up to a few hundred backends.
pub const DEFAULT_TABLE_SIZE: usize = 65_537;

const EMPTY: u16 = u16::MAX;

/// A Maglev lookup table over a fixed list of backends.
#[derive(Clone, Debug)]
pub struct Maglev {
    table: Box<[u16]>,
    offsets: Box<[u32]>,
    skips: Box<[u32]>,
    /// Population scratch: how far each backend is along its list.
    next: Box<[u32]>,
    enabled: Box<[bool]>,
}

fn is_prime(n: usize) -> bool {
    n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| !n.is_multiple_of(d))
}

impl Maglev {
    /// A table of `table_size` slots (a prime larger than the number of
    /// backends) over backends named by `backend_ids` (any distinct
    /// numbers, e.g. addresses), all enabled; `seed` varies the hashes.
    pub fn new(backend_ids: &[u64], table_size: usize, seed: u64) -> Result<Maglev, StateError> {
        if backend_ids.is_empty() || backend_ids.len() >= usize::from(EMPTY) {
            return Err(StateError::Invalid(format!(
                "found {} backends, expected between 1 and {}",
                backend_ids.len(),
                EMPTY - 1
            )));
        }
        if !is_prime(table_size) || table_size <= backend_ids.len() || table_size > u32::MAX as usize {
            return Err(StateError::Invalid(format!(
                "found a table size of {table_size}, expected a prime larger than the {} backends (e.g. 65537)",
                backend_ids.len()
            )));
        }
        let m = table_size as u64;
        let offsets = backend_ids.iter().map(|&id| (KeyHasher::new(seed).word(id).finish() % m) as u32).collect();
        let skips = backend_ids
            .iter()
            .map(|&id| (KeyHasher::new(seed ^ 0x5bd1_e995).word(id).finish() % (m - 1) + 1) as u32)
            .collect();
        let mut maglev = Maglev {
            table: vec![EMPTY; table_size].into_boxed_slice(),
            offsets,
            skips,
            next: vec![0; backend_ids.len()].into_boxed_slice(),
            enabled: vec![true; backend_ids.len()].into_boxed_slice(),
        };
        maglev.populate();
        Ok(maglev)
    }

    /// Fills the table from the enabled backends' preference lists.
    fn populate(&mut self) {
        self.table.fill(EMPTY);
        self.next.fill(0);
        if !self.enabled.contains(&true) {
            return;
        }
        let m = self.table.len() as u64;
        let mut filled = 0;
        'rounds: loop {
            for backend in 0..self.enabled.len() {
                if !self.enabled[backend] {
                    continue;
                }
                // The next free slot on this backend's list (the list is a
                // full cycle, and a free slot exists, so this ends).
                let slot = loop {
                    let j = u64::from(self.next[backend]);
                    self.next[backend] += 1;
                    let slot = ((u64::from(self.offsets[backend]) + j * u64::from(self.skips[backend])) % m) as usize;
                    if self.table[slot] == EMPTY {
                        break slot;
                    }
                };
                self.table[slot] = backend as u16;
                filled += 1;
                if filled == self.table.len() {
                    break 'rounds;
                }
            }
        }
    }

    /// The backend for a flow hash; `None` when every backend is disabled.
    #[inline]
    pub fn lookup(&self, hash: u64) -> Option<u16> {
        // The high 32 bits of the hash scaled to the table (no division).
        let slot = ((hash >> 32) * self.table.len() as u64) >> 32;
        let backend = *self.table.get(slot as usize)?;
        (backend != EMPTY).then_some(backend)
    }

    /// Takes a backend out of (or back into) the table; false if there is
    /// no such backend. Repopulates: most slots keep their backend.
    pub fn set_enabled(&mut self, backend: usize, enabled: bool) -> bool {
        let Some(flag) = self.enabled.get_mut(backend) else { return false };
        if *flag != enabled {
            *flag = enabled;
            self.populate();
        }
        true
    }

    #[inline]
    pub fn is_enabled(&self, backend: usize) -> bool {
        self.enabled.get(backend).copied().unwrap_or(false)
    }

    #[inline]
    pub fn backends(&self) -> usize {
        self.enabled.len()
    }

    /// The table: the backend of each slot (`u16::MAX` when none is enabled).
    pub fn slots(&self) -> &[u16] {
        &self.table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_checked() {
        assert!(Maglev::new(&[], 7, 0).is_err());
        assert!(Maglev::new(&[1, 2], 8, 0).is_err());
        assert!(Maglev::new(&[1, 2, 3], 3, 0).is_err());
        assert!(Maglev::new(&[1, 2], 7, 0).is_ok());
        assert!(is_prime(65_537) && !is_prime(65_535) && !is_prime(1));
    }

    #[test]
    fn every_slot_has_an_enabled_backend_and_shares_are_equal() {
        let mut m = Maglev::new(&[10, 20, 30], 101, 1).unwrap();
        let count = |m: &Maglev, b: u16| m.slots().iter().filter(|&&s| s == b).count();
        let counts: Vec<usize> = (0..3).map(|b| count(&m, b)).collect();
        assert_eq!(counts.iter().sum::<usize>(), 101);
        assert!(counts.iter().max().unwrap() - counts.iter().min().unwrap() <= 1, "{counts:?}");
        assert!(m.set_enabled(1, false) && !m.set_enabled(9, false));
        assert_eq!(count(&m, 1), 0);
        assert!(count(&m, 0).abs_diff(count(&m, 2)) <= 1);
        m.set_enabled(0, false);
        m.set_enabled(2, false);
        assert_eq!(m.lookup(12345), None);
        m.set_enabled(2, true);
        assert_eq!(m.lookup(u64::MAX), Some(2));
    }
}
