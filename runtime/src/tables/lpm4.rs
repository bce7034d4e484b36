//! Longest-prefix match over IPv4 addresses: a three-level multibit trie
//! with strides 16, 8 and 8 (the DIR-16-8-8 layout).
//!
//! A lookup is at most three dependent array reads, whatever the number of
//! prefixes. The first level always has 2^16 slots (256 KiB); a 256-slot
//! chunk is added below a slot only where prefixes longer than 16 (or 24)
//! bits live, so a 100,000-route table stays in the low megabytes.

use super::bytes::{Reader, Writer};
use super::TableError;

const TAG: &[u8; 4] = b"LPM4";
/// Slot encoding: 0 = no route, `CHUNK | i` = look in chunk `i` of the next
/// level, otherwise `value + 1`.
const EMPTY: u32 = 0;
const CHUNK: u32 = 1 << 31;
const CHUNK_SLOTS: usize = 256;
/// Values must leave the chunk bit and the empty encoding free.
pub const MAX_VALUE: u32 = CHUNK - 2;

/// Collects prefixes; the first value given for a prefix wins, as first
/// match would.
#[derive(Clone, Debug, Default)]
pub struct Lpm4Builder {
    routes: Vec<(u32, u8, u32)>,
}

impl Lpm4Builder {
    pub fn new() -> Lpm4Builder {
        Lpm4Builder::default()
    }

    /// Adds `prefix/len` (host bits are ignored) mapping to `value`.
    ///
    /// # Panics
    /// If `len > 32` or `value > MAX_VALUE`: the compiler checks both.
    pub fn insert(&mut self, prefix: u32, len: u8, value: u32) -> &mut Lpm4Builder {
        assert!(len <= 32, "IPv4 prefix length {len} exceeds 32");
        assert!(value <= MAX_VALUE, "LPM value {value} exceeds {MAX_VALUE}");
        self.routes.push((prefix & mask(len), len, value));
        self
    }

    pub fn build(&self) -> Lpm4 {
        Lpm4::from_routes(self.routes.clone())
    }

    /// The routes in insertion order: what `Lpm4::from_bytes` rebuilds from.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Writer::new(TAG);
        out.len(self.routes.len());
        for &(prefix, len, value) in &self.routes {
            out.u32(prefix);
            out.u8(len);
            out.u32(value);
        }
        out.bytes
    }
}

/// An immutable IPv4 longest-prefix-match table.
#[derive(Clone)]
pub struct Lpm4 {
    level1: Box<[u32]>,
    level2: Vec<u32>,
    level3: Vec<u32>,
    routes: usize,
}

impl Lpm4 {
    /// Decodes what `Lpm4Builder::to_bytes` wrote and builds the trie.
    pub fn from_bytes(bytes: &[u8]) -> Result<Lpm4, TableError> {
        let mut input = Reader::new("LPM4", TAG, bytes)?;
        let count = input.count(9)?;
        let mut routes = Vec::with_capacity(count);
        for _ in 0..count {
            let (prefix, len, value) = (input.u32()?, input.u8()?, input.u32()?);
            if len > 32 {
                return Err(input.error("prefix length exceeds 32"));
            }
            if value > MAX_VALUE {
                return Err(input.error("value too large"));
            }
            routes.push((prefix & mask(len), len, value));
        }
        input.finish()?;
        Ok(Lpm4::from_routes(routes))
    }

    /// Inserting shortest prefixes first means every slot a prefix covers
    /// holds either nothing or a shorter prefix's value, which the longer
    /// one rightly replaces; chunks only ever appear below slots that a
    /// longer prefix is about to refine.
    fn from_routes(mut routes: Vec<(u32, u8, u32)>) -> Lpm4 {
        // Stable sort and skip repeats so the first value given wins.
        routes.sort_by_key(|&(prefix, len, _)| (len, prefix));
        routes.dedup_by_key(|&mut (prefix, len, _)| (prefix, len));
        let mut table = Lpm4 {
            level1: vec![EMPTY; 1 << 16].into_boxed_slice(),
            level2: Vec::new(),
            level3: Vec::new(),
            routes: routes.len(),
        };
        for (prefix, len, value) in routes {
            table.insert(prefix, len, value + 1);
        }
        table
    }

    fn insert(&mut self, prefix: u32, len: u8, slot_value: u32) {
        let top = (prefix >> 16) as usize;
        if len <= 16 {
            let span = 1usize << (16 - len);
            self.level1[top..top + span].fill(slot_value);
            return;
        }
        let chunk2 = chunk_below(&mut self.level1[top], &mut self.level2);
        let middle = chunk2 * CHUNK_SLOTS + ((prefix >> 8) & 0xff) as usize;
        if len <= 24 {
            let span = 1usize << (24 - len);
            self.level2[middle..middle + span].fill(slot_value);
            return;
        }
        let chunk3 = chunk_below(&mut self.level2[middle], &mut self.level3);
        let bottom = chunk3 * CHUNK_SLOTS + (prefix & 0xff) as usize;
        let span = 1usize << (32 - len);
        self.level3[bottom..bottom + span].fill(slot_value);
    }

    /// The value of the longest prefix containing `addr`.
    #[inline]
    pub fn lookup(&self, addr: u32) -> Option<u32> {
        // `insert` made every chunk index, so each read is in bounds;
        // `get` keeps a panic path out of the packet loop all the same.
        let at = |level: &[u32], index: usize| level.get(index).copied().unwrap_or(EMPTY);
        let mut slot = at(&self.level1, (addr >> 16) as usize);
        if slot & CHUNK != 0 {
            slot = at(&self.level2, ((slot & !CHUNK) as usize) * CHUNK_SLOTS + ((addr >> 8) & 0xff) as usize);
            if slot & CHUNK != 0 {
                slot = at(&self.level3, ((slot & !CHUNK) as usize) * CHUNK_SLOTS + (addr & 0xff) as usize);
            }
        }
        slot.checked_sub(1)
    }

    /// Number of distinct prefixes.
    pub fn len(&self) -> usize {
        self.routes
    }

    pub fn is_empty(&self) -> bool {
        self.routes == 0
    }

    /// Bytes of lookup structure held in memory.
    pub fn memory_bytes(&self) -> usize {
        4 * (self.level1.len() + self.level2.len() + self.level3.len())
    }
}

/// The chunk a slot points to, creating it (filled with the slot's current
/// value, which the chunk's slots inherit) if the slot holds a value.
fn chunk_below(slot: &mut u32, next_level: &mut Vec<u32>) -> usize {
    if *slot & CHUNK != 0 {
        return (*slot & !CHUNK) as usize;
    }
    let chunk = next_level.len() / CHUNK_SLOTS;
    next_level.extend(std::iter::repeat_n(*slot, CHUNK_SLOTS));
    *slot = CHUNK | chunk as u32;
    chunk
}

fn mask(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

impl core::fmt::Debug for Lpm4 {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Lpm4").field("routes", &self.routes).field("memory_bytes", &self.memory_bytes()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(routes: &[(u32, u8, u32)]) -> Lpm4 {
        let mut builder = Lpm4Builder::new();
        for &(p, l, v) in routes {
            builder.insert(p, l, v);
        }
        builder.build()
    }

    #[test]
    fn longest_prefix_wins_at_every_level() {
        let table = build(&[
            (0x0a00_0000, 8, 1),  // 10/8
            (0x0a01_0000, 16, 2), // 10.1/16
            (0x0a01_0200, 24, 3), // 10.1.2/24
            (0x0a01_0280, 25, 4), // 10.1.2.128/25
            (0x0a01_0281, 32, 5), // 10.1.2.129/32
        ]);
        assert_eq!(table.lookup(0x0a09_0909), Some(1));
        assert_eq!(table.lookup(0x0a01_0909), Some(2));
        assert_eq!(table.lookup(0x0a01_0201), Some(3));
        assert_eq!(table.lookup(0x0a01_0290), Some(4));
        assert_eq!(table.lookup(0x0a01_0281), Some(5));
        assert_eq!(table.lookup(0x0b00_0000), None);
    }

    #[test]
    fn default_route_and_first_duplicate_win() {
        let table = build(&[(0, 0, 7), (0x0a00_0000, 8, 1), (0x0a00_0000, 8, 9)]);
        assert_eq!(table.lookup(0xffff_ffff), Some(7));
        assert_eq!(table.lookup(0x0a00_0001), Some(1));
        assert_eq!(table.len(), 2);
    }

    #[test]
    fn round_trips_through_bytes_and_rejects_damage() {
        let mut builder = Lpm4Builder::new();
        builder.insert(0xc0a8_0000, 16, 3).insert(0xc0a8_0100, 24, 4);
        let bytes = builder.to_bytes();
        let table = Lpm4::from_bytes(&bytes).unwrap();
        assert_eq!(table.lookup(0xc0a8_0101), Some(4));
        assert_eq!(table.lookup(0xc0a8_0201), Some(3));
        for cut in 0..bytes.len() {
            assert!(Lpm4::from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut bad_len = bytes.clone();
        bad_len[12] = 33;
        assert_eq!(Lpm4::from_bytes(&bad_len).unwrap_err().problem, "prefix length exceeds 32");
    }
}
