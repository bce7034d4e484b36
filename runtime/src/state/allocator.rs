//! Which of a table's `capacity` slots are in use, and since when: the
//! index allocator behind every table in this module.
//!
//! The idea is Vigor's "double chain" (Zaostrovnykh et al., SOSP 2019): the
//! slots in use are kept in a doubly linked list ordered by last use, so the
//! least recently used slot is always at the head and expiring the slots
//! idle for longer than a timeout costs O(expired), never a scan. Free slots
//! form a FIFO list (a freed slot is reused last, which for a NAT means an
//! external port rests as long as possible before it is handed out again).
//!
//! Unlike Vigor's, a slot belongs to one of several **timeout classes**
//! (e.g. TCP established, TCP closing, UDP), each with its own timeout and
//! its own chain. Within one chain all slots share the timeout, so the chain
//! stays ordered by deadline and moving a slot to another class (a TCP
//! connection closing) is an O(1) unlink and append.
//!
//! Each slot carries a payload `P` (a table's key and value) next to its
//! links, last-use time and class, so a lookup that finds a key has the
//! slot's expiry data in the same cache line, and refreshing an entry
//! touches only it and its two neighbours. Refreshing an entry already used
//! at `now` does nothing (entries used at the same time may expire in any
//! order among themselves).
//!
//! Time: `now` arguments are nanoseconds from the caller's clock. The
//! allocator keeps the latest `now` it was given and uses it whenever an
//! earlier one arrives, so a clock that steps back cannot unsort a chain.
//! A slot **expires** when `now >= last_use + timeout` of its class.

use super::StateError;

/// Largest capacity: indices, the class sentinels and the hash index's
/// power-of-two slot count (twice the capacity) all fit 32 bits.
pub const MAX_CAPACITY: usize = 1 << 28;

/// Most timeout classes (class numbers are `u8`, one value marks free).
pub const MAX_CLASSES: usize = 254;

const NONE: u32 = u32::MAX;
const FREE: u8 = u8::MAX;

#[derive(Clone, Debug, Default)]
struct Slot<P> {
    prev: u32,
    next: u32,
    last_use: u64,
    /// The slot's timeout class, `FREE` when not in use.
    class: u8,
    payload: P,
}

/// Fixed-capacity slot allocator with per-class least-recently-used chains,
/// each slot carrying a `P`.
#[derive(Clone, Debug)]
pub struct IndexAllocator<P = ()> {
    /// `capacity` slots, then one sentinel per class heading its chain.
    links: Box<[Slot<P>]>,
    /// What an index past `links` reaches (see `slot`): in no chain, never
    /// handed out.
    spare: Slot<P>,
    timeouts: Box<[u64]>,
    free_head: u32,
    free_tail: u32,
    capacity: u32,
    len: u32,
    now: u64,
}

impl<P: Default> IndexAllocator<P> {
    /// `capacity` slots, all free, handed out in index order; one class per
    /// timeout (nanoseconds, each positive). Payloads start as `P::default()`.
    pub fn new(capacity: usize, timeouts_ns: &[u64]) -> Result<IndexAllocator<P>, StateError> {
        if capacity == 0 {
            return Err(StateError::ZeroCapacity);
        }
        if capacity > MAX_CAPACITY {
            return Err(StateError::CapacityTooLarge { requested: capacity, max: MAX_CAPACITY });
        }
        if timeouts_ns.is_empty() || timeouts_ns.len() > MAX_CLASSES {
            return Err(StateError::TimeoutClasses { found: timeouts_ns.len() });
        }
        if let Some(class) = timeouts_ns.iter().position(|&t| t == 0) {
            return Err(StateError::ZeroTimeout { class });
        }
        let sentinels = capacity..capacity + timeouts_ns.len();
        let links = (0..capacity + timeouts_ns.len())
            .map(|i| {
                if sentinels.contains(&i) {
                    Slot { prev: i as u32, next: i as u32, last_use: 0, class: FREE, payload: P::default() }
                } else {
                    let next = if i + 1 < capacity { (i + 1) as u32 } else { NONE };
                    Slot { prev: NONE, next, last_use: 0, class: FREE, payload: P::default() }
                }
            })
            .collect();
        Ok(IndexAllocator {
            links,
            spare: Slot { prev: NONE, next: NONE, last_use: 0, class: FREE, payload: P::default() },
            timeouts: timeouts_ns.into(),
            free_head: 0,
            free_tail: (capacity - 1) as u32,
            capacity: capacity as u32,
            len: 0,
            now: 0,
        })
    }

    /// Reorders the free list by a permutation drawn from `seed`, so the
    /// slots (for a NAT: external ports) handed out next are unpredictable
    /// (RFC 6056's concern). Only before the first allocation: false, and
    /// nothing changed, once a slot is in use.
    pub fn shuffle_free(&mut self, seed: u64) -> bool {
        if self.len != 0 {
            return false;
        }
        let mut order: Vec<u32> = (0..self.capacity).collect();
        let mut state = seed;
        for i in (1..order.len()).rev() {
            // splitmix64: a fine generator for a one-off permutation.
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^= z >> 31;
            order.swap(i, (z % (i as u64 + 1)) as usize);
        }
        for pair in order.windows(2) {
            self.slot_mut(pair[0] as usize).next = pair[1];
        }
        // `order` holds `capacity` (at least 1) indices.
        let (Some(&head), Some(&tail)) = (order.first(), order.last()) else { return false };
        self.free_head = head;
        self.free_tail = tail;
        self.slot_mut(tail as usize).next = NONE;
        true
    }
}

impl<P> IndexAllocator<P> {
    #[inline]
    pub fn capacity(&self) -> usize {
        self.capacity as usize
    }

    /// Slots in use, expired ones not yet reclaimed included.
    #[inline]
    pub fn len(&self) -> usize {
        self.len as usize
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    pub fn classes(&self) -> usize {
        self.timeouts.len()
    }

    /// The timeout of `class` in nanoseconds.
    #[inline]
    pub fn timeout(&self, class: u8) -> u64 {
        // `valid_class` is below `timeouts.len()`: the fallback is never taken.
        self.timeouts.get(self.valid_class(class)).copied().unwrap_or(u64::MAX)
    }

    /// The latest time the allocator has seen.
    #[inline]
    pub fn now(&self) -> u64 {
        self.now
    }

    #[inline]
    fn clock(&mut self, now: u64) -> u64 {
        if now > self.now {
            self.now = now;
        }
        self.now
    }

    /// Classes are the caller's constants, not packet data; an out-of-range
    /// one is a bug, which debug builds report and release builds map to
    /// the last class rather than panic on the packet path.
    #[inline]
    fn valid_class(&self, class: u8) -> usize {
        debug_assert!(usize::from(class) < self.timeouts.len(), "timeout class {class} out of range");
        usize::from(class).min(self.timeouts.len().saturating_sub(1))
    }

    /// Slot `index`: one of the `capacity` slots or a class sentinel. Every
    /// index the allocator stores or hands out is one, and the public
    /// methods check theirs, so the fallback (`spare`, in no chain) is never
    /// reached; it is there so that the packet path has no bounds check
    /// that could panic. The chain operations below use `get`/`get_mut`
    /// directly, skipping a step that cannot happen (an index past `links`)
    /// for the same reason, at the cost of the bounds check they replace.
    #[inline]
    fn slot(&self, index: usize) -> &Slot<P> {
        self.links.get(index).unwrap_or(&self.spare)
    }

    #[inline]
    fn slot_mut(&mut self, index: usize) -> &mut Slot<P> {
        self.links.get_mut(index).unwrap_or(&mut self.spare)
    }

    #[inline]
    fn sentinel(&self, class: usize) -> usize {
        self.capacity as usize + class
    }

    /// Whether `index` is a slot in use (the sentinels past `capacity` are
    /// always `FREE`).
    #[inline]
    pub fn is_allocated(&self, index: u32) -> bool {
        self.links.get(index as usize).is_some_and(|slot| slot.class != FREE)
    }

    /// The class of a slot in use.
    #[inline]
    pub fn class_of(&self, index: u32) -> Option<u8> {
        self.links.get(index as usize).map(|slot| slot.class).filter(|&class| class != FREE)
    }

    /// The payload of slot `index` (< capacity), in use or not.
    #[inline]
    pub fn payload(&self, index: u32) -> &P {
        &self.slot(index as usize).payload
    }

    #[inline]
    pub fn payload_mut(&mut self, index: u32) -> &mut P {
        &mut self.slot_mut(index as usize).payload
    }

    /// When a slot in use was last used (allocated or touched).
    #[inline]
    pub fn last_use(&self, index: u32) -> Option<u64> {
        self.links.get(index as usize).filter(|slot| slot.class != FREE).map(|slot| slot.last_use)
    }

    /// Whether a slot in use has been idle for its class's timeout at `now`
    /// (false for a free slot).
    #[inline]
    pub fn is_expired(&self, index: u32, now: u64) -> bool {
        // A sentinel's class is `FREE`, which has no timeout: false.
        let Some(slot) = self.links.get(index as usize) else { return false };
        let Some(&timeout) = self.timeouts.get(usize::from(slot.class)) else { return false };
        let deadline = slot.last_use.saturating_add(timeout);
        now.max(self.now) >= deadline
    }

    /// Takes a free slot into `class`, last used `now`; `None` when every
    /// slot is in use (expired ones included: reclaiming is the caller's).
    #[inline]
    pub fn allocate(&mut self, class: u8, now: u64) -> Option<u32> {
        let index = self.free_head;
        if index == NONE {
            return None;
        }
        let now = self.clock(now);
        let class = self.valid_class(class);
        let slot = self.links.get_mut(index as usize)?;
        self.free_head = slot.next;
        (slot.last_use, slot.class) = (now, class as u8);
        if self.free_head == NONE {
            self.free_tail = NONE;
        }
        self.append(index as usize, class);
        self.len += 1;
        Some(index)
    }

    /// Marks a slot in use as used `now` (it moves to the end of its chain,
    /// unless it was used at `now` already). A free or out-of-range index is
    /// ignored.
    #[inline]
    pub fn touch(&mut self, index: u32, now: u64) {
        let Some(slot) = self.links.get(index as usize) else { return };
        let (class, last_use) = (slot.class, slot.last_use);
        if class == FREE {
            return;
        }
        let now = self.clock(now);
        if last_use == now {
            return;
        }
        self.move_to(index as usize, usize::from(class), now);
    }

    /// Moves a slot in use into `class`, used `now`.
    #[inline]
    pub fn reclass(&mut self, index: u32, class: u8, now: u64) {
        let class = self.valid_class(class);
        let Some(slot) = self.links.get_mut(index as usize) else { return };
        if slot.class == FREE {
            return;
        }
        slot.class = class as u8;
        self.move_to(index as usize, class, now);
    }

    #[inline]
    fn move_to(&mut self, index: usize, class: usize, now: u64) {
        let now = self.clock(now);
        if let Some(slot) = self.links.get_mut(index) {
            slot.last_use = now;
        }
        self.unlink(index);
        self.append(index, class);
    }

    /// Returns a slot to the free list (reused after every other free slot).
    /// False if it was not in use.
    #[inline]
    pub fn free(&mut self, index: u32) -> bool {
        if !self.is_allocated(index) {
            return false;
        }
        let i = index as usize;
        self.unlink(i);
        if let Some(slot) = self.links.get_mut(i) {
            (slot.prev, slot.next, slot.last_use, slot.class) = (NONE, NONE, 0, FREE);
        }
        if self.free_tail == NONE {
            self.free_head = index;
        } else if let Some(tail) = self.links.get_mut(self.free_tail as usize) {
            tail.next = index;
        }
        self.free_tail = index;
        self.len -= 1;
        true
    }

    /// The slot whose deadline comes first (the head of some chain, the
    /// earliest deadline among the heads; ties to the lower class): the
    /// one to evict when a full table must make room. `None` when empty.
    #[inline]
    pub fn next_to_expire(&self) -> Option<u32> {
        let mut best: Option<(u64, u32)> = None;
        for (class, &timeout) in self.timeouts.iter().enumerate() {
            let sentinel = self.sentinel(class);
            let Some(head) = self.links.get(sentinel).map(|slot| slot.next) else { continue };
            if head as usize == sentinel {
                continue;
            }
            let Some(last_use) = self.links.get(head as usize).map(|slot| slot.last_use) else { continue };
            let deadline = last_use.saturating_add(timeout);
            if best.is_none_or(|(d, _)| deadline < d) {
                best = Some((deadline, head));
            }
        }
        best.map(|(_, index)| index)
    }

    /// A slot that has expired at `now`, if any: the one with the earliest
    /// deadline. O(classes).
    #[inline]
    pub fn expired(&self, now: u64) -> Option<u32> {
        self.next_to_expire().filter(|&index| self.is_expired(index, now))
    }

    #[inline]
    fn unlink(&mut self, index: usize) {
        let Some((prev, next)) = self.links.get(index).map(|slot| (slot.prev, slot.next)) else { return };
        if let Some(slot) = self.links.get_mut(prev as usize) {
            slot.next = next;
        }
        if let Some(slot) = self.links.get_mut(next as usize) {
            slot.prev = prev;
        }
    }

    #[inline]
    fn append(&mut self, index: usize, class: usize) {
        let sentinel = self.sentinel(class);
        let Some(tail) = self.links.get(sentinel).map(|slot| slot.prev) else { return };
        if let Some(slot) = self.links.get_mut(index) {
            (slot.prev, slot.next) = (tail, sentinel as u32);
        }
        if let Some(slot) = self.links.get_mut(tail as usize) {
            slot.next = index as u32;
        }
        if let Some(slot) = self.links.get_mut(sentinel) {
            slot.prev = index as u32;
        }
    }

    /// Memory the slots take, in bytes.
    pub fn bytes(&self) -> usize {
        self.links.len() * core::mem::size_of::<Slot<P>>()
    }

    /// The slots of `class` from least to most recently used (for tests and
    /// diagnostics; allocates).
    pub fn chain(&self, class: u8) -> Vec<u32> {
        let sentinel = self.sentinel(self.valid_class(class));
        let mut out = Vec::new();
        let mut at = self.slot(sentinel).next as usize;
        while at != sentinel && out.len() < self.capacity as usize {
            out.push(at as u32);
            at = self.slot(at).next as usize;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_bad_configurations() {
        assert_eq!(IndexAllocator::<()>::new(0, &[1]).unwrap_err(), StateError::ZeroCapacity);
        assert!(matches!(IndexAllocator::<()>::new(MAX_CAPACITY + 1, &[1]), Err(StateError::CapacityTooLarge { .. })));
        assert_eq!(IndexAllocator::<()>::new(4, &[]).unwrap_err(), StateError::TimeoutClasses { found: 0 });
        assert_eq!(IndexAllocator::<()>::new(4, &[5, 0]).unwrap_err(), StateError::ZeroTimeout { class: 1 });
        assert!(IndexAllocator::<()>::new(4, &[1; 255]).is_err());
    }

    #[test]
    fn allocates_in_order_until_full_and_reuses_freed_slots_last() {
        let mut a = IndexAllocator::<()>::new(3, &[100]).unwrap();
        assert_eq!([a.allocate(0, 1), a.allocate(0, 2), a.allocate(0, 3)], [Some(0), Some(1), Some(2)]);
        assert_eq!(a.allocate(0, 4), None);
        assert!(a.free(1) && !a.free(1));
        assert!(a.free(0));
        assert_eq!(a.len(), 1);
        assert_eq!((a.allocate(0, 5), a.allocate(0, 5)), (Some(1), Some(0)));
    }

    #[test]
    fn chains_are_ordered_by_last_use_and_expire_from_the_head() {
        let mut a = IndexAllocator::<()>::new(4, &[10, 1000]).unwrap();
        for t in 0..3 {
            a.allocate(0, t);
        }
        a.touch(0, 5);
        assert_eq!(a.chain(0), vec![1, 2, 0]);
        assert_eq!(a.expired(10), None);
        assert_eq!(a.expired(11), Some(1), "last used at 1, timeout 10");
        a.reclass(1, 1, 11);
        assert_eq!((a.chain(0), a.chain(1)), (vec![2, 0], vec![1]));
        assert_eq!(a.expired(11), None, "slot 2 (used at 2) expires at 12, slot 0 at 15");
        assert_eq!(a.expired(15), Some(2), "the earliest deadline first");
        assert!(a.free(2));
        assert_eq!((a.expired(14), a.expired(15)), (None, Some(0)));
        assert_eq!(a.next_to_expire(), Some(0));
        assert!(!a.is_expired(2, 100), "free");
        assert!(!a.is_expired(1, 1010) && a.is_expired(1, 1011));
    }

    #[test]
    fn time_never_goes_back() {
        let mut a = IndexAllocator::<()>::new(2, &[10]).unwrap();
        a.allocate(0, 100);
        a.allocate(0, 50);
        assert_eq!(a.last_use(1), Some(100), "an earlier time is taken as the latest seen");
        assert_eq!(a.chain(0), vec![0, 1]);
    }

    #[test]
    fn free_and_out_of_range_indices_are_ignored() {
        let mut a = IndexAllocator::<()>::new(2, &[10]).unwrap();
        a.touch(1, 5);
        a.touch(99, 5);
        a.reclass(7, 0, 5);
        assert!(!a.free(99) && !a.is_allocated(99) && !a.is_expired(99, u64::MAX));
        assert_eq!(a.len(), 0);
    }

    #[test]
    fn shuffled_free_list_is_a_permutation() {
        let mut a = IndexAllocator::<()>::new(1000, &[10]).unwrap();
        assert!(a.shuffle_free(7));
        let order: Vec<u32> = (0..1000).map(|_| a.allocate(0, 0).unwrap()).collect();
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
        assert_ne!(order, sorted);
        assert!(!a.shuffle_free(8), "only while nothing is allocated");
    }
}
