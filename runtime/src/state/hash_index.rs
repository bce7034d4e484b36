//! Key -> slot index: open addressing with linear probing over a
//! power-of-two array at most half full, deletions by backward shift (no
//! tombstones, so probe lengths do not grow with churn).
//!
//! The index stores no keys: each slot holds the low 32 bits of a key's
//! hash and the index of the table slot holding the key, and `find` asks
//! the caller whether that slot's key is the one sought. A table can so
//! keep its keys next to its values, and index one slot under several keys.

/// A probe slot: the key's hash (low 32 bits) and the table index, or
/// `EMPTY`.
#[derive(Clone, Copy, Debug)]
struct Slot {
    hash: u32,
    index: u32,
}

const EMPTY: u32 = u32::MAX;

/// A fixed-size hash index for up to `capacity` keys.
///
/// The probes index `slots` with `& mask`, where `mask` is `slots.len() - 1`
/// taken after checking the slots are not empty (they never are): the
/// compiler then knows every probe is in bounds, so the packet path has no
/// bounds check that could panic.
#[derive(Clone, Debug)]
pub struct HashIndex {
    /// A power of two of them, at least 2.
    slots: Box<[Slot]>,
    len: usize,
    capacity: usize,
}

impl HashIndex {
    /// Room for `capacity` keys in at least twice as many slots.
    /// `capacity` must be below 2^30 (the tables check it).
    pub fn with_capacity(capacity: usize) -> HashIndex {
        let slots = (capacity.max(1) * 2).next_power_of_two();
        HashIndex { slots: vec![Slot { hash: 0, index: EMPTY }; slots].into_boxed_slice(), len: 0, capacity }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Memory the slots take, in bytes.
    pub fn bytes(&self) -> usize {
        self.slots.len() * core::mem::size_of::<Slot>()
    }

    /// The index stored under `hash` for which `is_key(index)` holds.
    #[inline]
    pub fn find(&self, hash: u64, mut is_key: impl FnMut(u32) -> bool) -> Option<u32> {
        let slots = &*self.slots;
        let mask = slots.len().checked_sub(1)?;
        let tag = hash as u32;
        let mut at = tag as usize & mask;
        // Terminates: at most half the slots are used, so an empty one comes.
        loop {
            let slot = slots[at & mask];
            if slot.index == EMPTY {
                return None;
            }
            if slot.hash == tag && is_key(slot.index) {
                return Some(slot.index);
            }
            at = (at + 1) & mask;
        }
    }

    /// Stores `index` under `hash`. The caller has checked the key is not
    /// there yet; false (nothing stored) when `capacity` keys already are.
    #[inline]
    pub fn insert(&mut self, hash: u64, index: u32) -> bool {
        let slots = &mut *self.slots;
        let Some(mask) = slots.len().checked_sub(1) else { return false };
        if self.len >= self.capacity || index == EMPTY {
            return false;
        }
        let tag = hash as u32;
        let mut at = tag as usize & mask;
        while slots[at & mask].index != EMPTY {
            at = (at + 1) & mask;
        }
        slots[at & mask] = Slot { hash: tag, index };
        self.len += 1;
        true
    }

    /// Removes the entry for `index` stored under `hash`; false if there is
    /// none.
    #[inline]
    pub fn remove(&mut self, hash: u64, index: u32) -> bool {
        let slots = &mut *self.slots;
        let Some(mask) = slots.len().checked_sub(1) else { return false };
        let tag = hash as u32;
        let mut hole = tag as usize & mask;
        loop {
            let slot = slots[hole & mask];
            if slot.index == EMPTY {
                return false;
            }
            if slot.index == index {
                break;
            }
            hole = (hole + 1) & mask;
        }
        // Backward shift: move later entries of the run into the hole when
        // their home slot is not between the hole and where they sit.
        let mut at = (hole + 1) & mask;
        loop {
            let slot = slots[at & mask];
            if slot.index == EMPTY {
                break;
            }
            let home = slot.hash as usize & mask;
            if (at.wrapping_sub(home) & mask) >= (at.wrapping_sub(hole) & mask) {
                slots[hole & mask] = slot;
                hole = at;
            }
            at = (at + 1) & mask;
        }
        slots[hole & mask] = Slot { hash: 0, index: EMPTY };
        self.len -= 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colliding_entries_survive_removals_around_them() {
        // Everything hashes to slot 3 of 8: one run that wraps around.
        let mut index = HashIndex::with_capacity(4);
        let hash = |i: u32| 3 | (u64::from(i) << 8);
        for i in 0..4 {
            assert!(index.insert(hash(i), i));
        }
        assert!(!index.insert(hash(9), 9), "capacity reached");
        assert!(index.remove(hash(1), 1));
        assert!(!index.remove(hash(1), 1));
        for i in [0, 2, 3] {
            assert_eq!(index.find(hash(i), |j| j == i), Some(i), "entry {i}");
        }
        assert_eq!(index.find(hash(1), |j| j == 1), None);
        assert!(index.insert(hash(1), 1) && index.remove(hash(0), 0));
        assert_eq!(index.find(hash(3), |j| j == 3), Some(3));
        assert_eq!(index.len(), 3);
    }

    #[test]
    fn wrapping_runs_shift_back_across_the_end() {
        let mut index = HashIndex::with_capacity(4);
        // Homes 7, 7, 0: the run is 7, 0, 1.
        index.insert(7, 10);
        index.insert(7 | 1 << 8, 11);
        index.insert(0, 12);
        assert!(index.remove(7, 10));
        assert_eq!(index.find(7 | 1 << 8, |j| j == 11), Some(11));
        assert_eq!(index.find(0, |j| j == 12), Some(12));
    }
}
