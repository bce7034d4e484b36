//! `FlowTable<K, V>`: a map of fixed capacity whose entries expire after
//! an idle timeout. The workhorse of the stateful functions: flows of a
//! connection tracker, affinity of a load balancer, token buckets of a
//! policer, addresses of a learning bridge.
//!
//! # Semantics
//!
//! - Capacity and timeouts are fixed at construction; nothing allocates
//!   afterwards. Every entry is in one **timeout class** (see
//!   [`IndexAllocator`]); an entry whose class timeout has passed since its
//!   last use is **expired**: `find` treats it as absent (and reclaims it on
//!   the spot), and inserting into a full table first reclaims an expired
//!   entry. So expiry is exact whether or not [`FlowTable::expire`] runs;
//!   `expire` reclaims memory in bounded steps (call it once per burst).
//! - `find` does not refresh an entry; [`FlowTable::touch`] does (a bridge
//!   refreshes on the source address, not on the destination it looks up).
//! - **Full** (capacity live entries): [`FlowTable::find_or_insert`] refuses the new
//!   key and counts it (`refused`); [`FlowTable::find_or_insert_evicting`] evicts the
//!   live entry whose deadline comes first (the least recently used one when
//!   there is a single class) and counts it (`evicted`). The caller picks per
//!   use; each stateful function documents its choice. Never a panic, never
//!   an allocation.
//!
//! An [`EntryId`] names an entry until the next call that may remove entries
//! (`find`, `insert*`, `remove`, `expire`); using a stale one is memory-safe
//! and reaches whatever entry holds that slot then.

use super::{HashIndex, IndexAllocator, StateError, TableKey};

/// A slot of a [`FlowTable`]: stable while its entry lives, and usable to
/// index per-entry arrays of the caller's (`index()` < capacity).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub struct EntryId(u32);

impl EntryId {
    #[inline]
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// The table had no room: `capacity` live entries.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Full;

/// What [`FlowTable::find_or_insert_evicting`] did.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Inserted<K, V> {
    /// The key was live already; its value is untouched.
    Existing,
    /// A new entry in a free (or reclaimed, expired) slot.
    New,
    /// A new entry in the slot of this live entry, evicted.
    Evicted(K, V),
}

/// Events since construction.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct TableStats {
    /// New entries made.
    pub inserted: u64,
    /// Entries found expired and reclaimed (by `find`, `insert` or `expire`).
    pub expired: u64,
    /// Entries the caller removed.
    pub removed: u64,
    /// New keys refused because the table was full.
    pub refused: u64,
    /// Live entries evicted to make room.
    pub evicted: u64,
}

/// A table entry: the payload of its allocator slot.
#[derive(Clone, Debug, Default)]
pub struct Entry<K, V> {
    key: K,
    value: V,
}

/// A fixed-capacity map with idle expiry; see the module documentation.
#[derive(Clone, Debug)]
pub struct FlowTable<K, V> {
    /// The slots, each holding its entry next to its expiry data.
    allocator: IndexAllocator<Entry<K, V>>,
    index: HashIndex,
    seed: u64,
    stats: TableStats,
}

impl<K: TableKey + Default, V: Default> FlowTable<K, V> {
    /// `capacity` entries, one timeout class per entry of `timeouts_ns`,
    /// keys hashed with `seed` (use [`random_seed`](super::random_seed) in
    /// deployments).
    pub fn new(capacity: usize, timeouts_ns: &[u64], seed: u64) -> Result<FlowTable<K, V>, StateError> {
        let allocator = IndexAllocator::new(capacity, timeouts_ns)?;
        Ok(FlowTable { allocator, index: HashIndex::with_capacity(capacity), seed, stats: TableStats::default() })
    }

    /// One timeout class.
    pub fn with_timeout(capacity: usize, timeout_ns: u64, seed: u64) -> Result<FlowTable<K, V>, StateError> {
        FlowTable::new(capacity, &[timeout_ns], seed)
    }

    #[inline]
    pub fn capacity(&self) -> usize {
        self.allocator.capacity()
    }

    /// Entries held, expired ones not yet reclaimed included.
    #[inline]
    pub fn len(&self) -> usize {
        self.allocator.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.allocator.is_empty()
    }

    #[inline]
    pub fn stats(&self) -> TableStats {
        self.stats
    }

    /// The slot allocator (chains, classes, last-use times), read-only.
    #[inline]
    pub fn allocator(&self) -> &IndexAllocator<Entry<K, V>> {
        &self.allocator
    }

    /// Memory the table holds, in bytes (entries, index, chains).
    pub fn bytes(&self) -> usize {
        self.allocator.bytes() + self.index.bytes()
    }

    #[inline]
    fn hash(&self, key: &K) -> u64 {
        key.hash_with(self.seed)
    }

    #[inline]
    fn lookup(&self, key: &K, hash: u64) -> Option<u32> {
        let slots = &self.allocator;
        self.index.find(hash, |i| slots.payload(i).key == *key)
    }

    /// The live entry for `key`, not refreshed; an expired one is reclaimed
    /// and reported absent.
    #[inline]
    pub fn find(&mut self, key: &K, now: u64) -> Option<EntryId> {
        let hash = self.hash(key);
        let index = self.lookup(key, hash)?;
        if self.allocator.is_expired(index, now) {
            self.reclaim(index, hash);
            self.stats.expired += 1;
            return None;
        }
        Some(EntryId(index))
    }

    /// `find` and, on a hit, `touch`.
    #[inline]
    pub fn find_touch(&mut self, key: &K, now: u64) -> Option<EntryId> {
        let id = self.find(key, now)?;
        self.allocator.touch(id.0, now);
        Some(id)
    }

    /// Marks an entry used `now`: its idle time starts again.
    #[inline]
    pub fn touch(&mut self, id: EntryId, now: u64) {
        self.allocator.touch(id.0, now);
    }

    /// Moves an entry into another timeout class, used `now`.
    #[inline]
    pub fn set_class(&mut self, id: EntryId, class: u8, now: u64) {
        self.allocator.reclass(id.0, class, now);
    }

    /// The timeout class of a live entry.
    #[inline]
    pub fn class(&self, id: EntryId) -> u8 {
        self.allocator.class_of(id.0).unwrap_or(0)
    }

    #[inline]
    pub fn key(&self, id: EntryId) -> &K {
        &self.allocator.payload(id.0).key
    }

    #[inline]
    pub fn value(&self, id: EntryId) -> &V {
        &self.allocator.payload(id.0).value
    }

    #[inline]
    pub fn value_mut(&mut self, id: EntryId) -> &mut V {
        &mut self.allocator.payload_mut(id.0).value
    }

    /// The live entry for `key`, or a new one in `class` holding `make()`;
    /// `Err(Full)` (counted) when the table holds `capacity` live entries.
    /// The bool says whether the entry is new. Neither refreshes an
    /// existing entry: `touch` it if the packet counts as use.
    #[inline]
    pub fn find_or_insert(
        &mut self,
        key: K,
        class: u8,
        now: u64,
        make: impl FnOnce() -> V,
    ) -> Result<(EntryId, bool), Full> {
        let hash = self.hash(&key);
        if let Some(index) = self.live(&key, hash, now) {
            return Ok((EntryId(index), false));
        }
        let Some(index) = self.allocate(class, now) else {
            self.stats.refused += 1;
            return Err(Full);
        };
        Ok((self.fill(index, hash, key, make()), true))
    }

    /// `find_or_insert`, but a full table evicts the live entry whose deadline comes
    /// first instead of refusing (counted).
    #[inline]
    pub fn find_or_insert_evicting(
        &mut self,
        key: K,
        class: u8,
        now: u64,
        make: impl FnOnce() -> V,
    ) -> (EntryId, Inserted<K, V>) {
        let hash = self.hash(&key);
        if let Some(index) = self.live(&key, hash, now) {
            return (EntryId(index), Inserted::Existing);
        }
        if let Some(index) = self.allocate(class, now) {
            return (self.fill(index, hash, key, make()), Inserted::New);
        }
        // Full of live entries (allocate reclaimed an expired one if any):
        // a capacity of at least 1 means there is a victim.
        let victim = self.allocator.next_to_expire().unwrap_or(0);
        let (old_key, old_value) = self.take(victim);
        self.stats.evicted += 1;
        let index = self.allocator.allocate(class, now).unwrap_or(victim);
        (self.fill(index, hash, key, make()), Inserted::Evicted(old_key, old_value))
    }

    /// Removes a live entry, returning its key and value.
    #[inline]
    pub fn remove(&mut self, id: EntryId) -> Option<(K, V)> {
        if !self.allocator.is_allocated(id.0) {
            return None;
        }
        self.stats.removed += 1;
        Some(self.take(id.0))
    }

    /// Reclaims up to `budget` expired entries, earliest deadline first;
    /// returns how many. Bounded work: O(budget x classes).
    #[inline]
    pub fn expire(&mut self, now: u64, budget: usize) -> usize {
        self.expire_with(now, budget, |_, _| {})
    }

    /// `expire`, handing each reclaimed entry to `reclaimed`.
    #[inline]
    pub fn expire_with(&mut self, now: u64, budget: usize, mut reclaimed: impl FnMut(K, V)) -> usize {
        let mut done = 0;
        while done < budget {
            let Some(index) = self.allocator.expired(now) else { break };
            let (key, value) = self.take(index);
            self.stats.expired += 1;
            reclaimed(key, value);
            done += 1;
        }
        done
    }

    /// The live entry for `key` (reclaiming it if expired).
    #[inline]
    fn live(&mut self, key: &K, hash: u64, now: u64) -> Option<u32> {
        let index = self.lookup(key, hash)?;
        if self.allocator.is_expired(index, now) {
            self.reclaim(index, hash);
            self.stats.expired += 1;
            return None;
        }
        Some(index)
    }

    /// A free slot, reclaiming the earliest expired entry if none is free.
    #[inline]
    fn allocate(&mut self, class: u8, now: u64) -> Option<u32> {
        if let Some(index) = self.allocator.allocate(class, now) {
            return Some(index);
        }
        let expired = self.allocator.expired(now)?;
        self.take(expired);
        self.stats.expired += 1;
        self.allocator.allocate(class, now)
    }

    #[inline]
    fn fill(&mut self, index: u32, hash: u64, key: K, value: V) -> EntryId {
        *self.allocator.payload_mut(index) = Entry { key, value };
        self.index.insert(hash, index);
        self.stats.inserted += 1;
        EntryId(index)
    }

    /// Always inlined: out of line it returns the key and value through
    /// memory even where the caller drops them, which cost `expire` 36
    /// instructions per entry (callgrind, the firewall's 60,000 flows).
    #[inline(always)]
    fn take(&mut self, index: u32) -> (K, V) {
        let entry = core::mem::take(self.allocator.payload_mut(index));
        let hash = self.hash(&entry.key);
        self.index.remove(hash, index);
        self.allocator.free(index);
        (entry.key, entry.value)
    }

    #[inline]
    fn reclaim(&mut self, index: u32, hash: u64) {
        *self.allocator.payload_mut(index) = Entry::default();
        self.index.remove(hash, index);
        self.allocator.free(index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(capacity: usize) -> FlowTable<u32, u32> {
        FlowTable::with_timeout(capacity, 100, 1).unwrap()
    }

    #[test]
    fn insert_find_and_expire_at_the_timeout() {
        let mut t = table(4);
        let (id, new) = t.find_or_insert(7, 0, 0, || 70).unwrap();
        assert!(new);
        assert_eq!(t.find_or_insert(7, 0, 50, || 71).unwrap(), (id, false));
        assert_eq!(*t.value(id), 70);
        assert_eq!(t.find(&7, 99), Some(id));
        assert_eq!(t.find(&7, 100), None, "idle for the whole timeout: gone");
        assert_eq!((t.len(), t.stats().expired), (0, 1));
    }

    #[test]
    fn touch_restarts_the_idle_time_and_find_does_not() {
        let mut t = table(4);
        let (id, _) = t.find_or_insert(1, 0, 0, || 0).unwrap();
        assert!(t.find(&1, 60).is_some());
        t.touch(id, 60);
        assert!(t.find(&1, 159).is_some());
        assert!(t.find_touch(&1, 159).is_some());
        assert!(t.find(&1, 258).is_some() && t.find(&1, 259).is_none());
    }

    #[test]
    fn a_full_table_refuses_or_evicts_the_least_recently_used() {
        let mut t = table(2);
        t.find_or_insert(1, 0, 0, || 10).unwrap();
        t.find_or_insert(2, 0, 1, || 20).unwrap();
        assert_eq!(t.find_or_insert(3, 0, 2, || 30), Err(Full));
        assert_eq!(t.stats().refused, 1);
        let one = t.find(&1, 3).unwrap();
        t.touch(one, 3);
        let (_, outcome) = t.find_or_insert_evicting(3, 0, 4, || 30);
        assert_eq!(outcome, Inserted::Evicted(2, 20), "2 was used least recently");
        assert_eq!((t.find(&2, 5), t.find(&3, 5).map(|id| *t.value(id))), (None, Some(30)));
        assert_eq!(t.stats().evicted, 1);
    }

    #[test]
    fn a_full_table_reclaims_an_expired_entry_before_refusing() {
        let mut t = table(2);
        t.find_or_insert(1, 0, 0, || 0).unwrap();
        t.find_or_insert(2, 0, 50, || 0).unwrap();
        assert!(t.find_or_insert(3, 0, 100, || 0).is_ok(), "1 expired at 100");
        assert_eq!(t.find_or_insert(4, 0, 100, || 0), Err(Full));
        assert_eq!(t.stats().expired, 1);
    }

    #[test]
    fn expire_is_bounded_by_its_budget() {
        let mut t = table(10);
        for k in 0..10 {
            t.find_or_insert(k, 0, u64::from(k), || k).unwrap();
        }
        let mut seen = Vec::new();
        assert_eq!(t.expire_with(105, 3, |k, v| seen.push((k, v))), 3);
        assert_eq!(seen, vec![(0, 0), (1, 1), (2, 2)]);
        assert_eq!(t.expire(105, 100), 3, "3, 4 and 5 expired at 105; 6 not yet");
        assert_eq!(t.len(), 4);
    }

    #[test]
    fn classes_have_their_own_timeouts() {
        let mut t: FlowTable<u32, ()> = FlowTable::new(4, &[1000, 10], 1).unwrap();
        let (a, _) = t.find_or_insert(1, 0, 0, || ()).unwrap();
        t.find_or_insert(2, 0, 0, || ()).unwrap();
        t.set_class(a, 1, 5);
        assert_eq!(t.class(a), 1);
        assert!(t.find(&1, 14).is_some() && t.find(&1, 15).is_none());
        assert!(t.find(&2, 999).is_some());
    }

    #[test]
    fn remove_frees_the_slot() {
        let mut t = table(1);
        let (id, _) = t.find_or_insert(5, 0, 0, || 50).unwrap();
        assert_eq!(t.remove(id), Some((5, 50)));
        assert_eq!(t.remove(id), None);
        assert!(t.find_or_insert(6, 0, 0, || 60).is_ok());
    }
}
