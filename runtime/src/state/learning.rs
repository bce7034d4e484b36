//! A learning table: learn `key -> value` from packets that prove it (a
//! bridge learns `eth.src -> in_port`), look keys up for others (`eth.dst`),
//! and forget what has not been seen for an idle timeout. A miss is the
//! caller's to handle (a bridge floods).
//!
//! Learning refreshes an entry; looking one up does not (a station that
//! only receives is forgotten, as in IEEE 802.1Q §8.8.3's ageing: an
//! address is aged unless it is seen as a *source*).
//!
//! When full, a new key is **refused** and counted (`Learned::Full`): the
//! stations already learned keep their entries as long as they keep
//! sending, and a flood of invented source addresses cannot evict them; the
//! refused station's frames are flooded until an entry expires.

use super::{FlowTable, StateError, TableKey, TableStats};

/// What `learn` did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Learned {
    /// A key not known before.
    New,
    /// Known with the same value; refreshed.
    Refreshed,
    /// Known with another value (a station moved); updated and refreshed.
    Moved,
    /// Not known, and the table holds `capacity` live entries: not learned.
    Full,
}

/// A fixed-capacity learning table with idle expiry.
#[derive(Clone, Debug)]
pub struct LearningTable<K, V> {
    table: FlowTable<K, V>,
}

impl<K: TableKey + Default, V: Copy + PartialEq + Default> LearningTable<K, V> {
    pub fn new(capacity: usize, timeout_ns: u64, seed: u64) -> Result<LearningTable<K, V>, StateError> {
        Ok(LearningTable { table: FlowTable::with_timeout(capacity, timeout_ns, seed)? })
    }

    /// Learns that `key` maps to `value` as of `now`.
    #[inline]
    pub fn learn(&mut self, key: K, value: V, now: u64) -> Learned {
        match self.table.find_or_insert(key, 0, now, || value) {
            Ok((_, true)) => Learned::New,
            Ok((id, false)) => {
                self.table.touch(id, now);
                let known = self.table.value_mut(id);
                if *known == value {
                    Learned::Refreshed
                } else {
                    *known = value;
                    Learned::Moved
                }
            }
            Err(_) => Learned::Full,
        }
    }

    /// What `key` maps to, if it was learned within the timeout.
    #[inline]
    pub fn lookup(&mut self, key: &K, now: u64) -> Option<V> {
        let id = self.table.find(key, now)?;
        Some(*self.table.value(id))
    }

    /// Reclaims up to `budget` expired entries.
    #[inline]
    pub fn expire(&mut self, now: u64, budget: usize) -> usize {
        self.table.expire(now, budget)
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.table.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    #[inline]
    pub fn capacity(&self) -> usize {
        self.table.capacity()
    }

    #[inline]
    pub fn stats(&self) -> TableStats {
        self.table.stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn learns_moves_refreshes_and_forgets() {
        let mut t: LearningTable<u64, u8> = LearningTable::new(2, 1000, 9).unwrap();
        assert_eq!(t.learn(0xaa, 1, 0), Learned::New);
        assert_eq!(t.lookup(&0xaa, 10), Some(1));
        assert_eq!(t.learn(0xaa, 1, 500), Learned::Refreshed);
        assert_eq!(t.learn(0xaa, 2, 600), Learned::Moved);
        assert_eq!(t.lookup(&0xaa, 1599), Some(2));
        assert_eq!(t.lookup(&0xaa, 1600), None, "lookups do not refresh");
        assert_eq!(t.lookup(&0xbb, 0), None);
    }

    #[test]
    fn a_full_table_refuses_new_stations_and_keeps_the_known_ones() {
        let mut t: LearningTable<u64, u8> = LearningTable::new(2, 1000, 9).unwrap();
        t.learn(1, 0, 0);
        t.learn(2, 0, 0);
        assert_eq!(t.learn(3, 1, 10), Learned::Full);
        assert_eq!(t.learn(1, 0, 10), Learned::Refreshed);
        assert_eq!(t.stats().refused, 1);
        assert_eq!(t.learn(3, 1, 1000), Learned::New, "2 expired at 1000 and made room");
        assert_eq!(t.lookup(&1, 1000), Some(0));
    }
}
