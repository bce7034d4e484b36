//! Exact match on a key of up to 128 bits: open addressing with linear
//! probing in a power-of-two table at most half full, fixed at build.

use super::bytes::{Reader, Writer};
use super::TableError;

const TAG: &[u8; 4] = b"EXCT";

/// Collects keys; the first value given for a key wins.
#[derive(Clone, Debug, Default)]
pub struct ExactTableBuilder {
    entries: Vec<(u128, u32)>,
}

impl ExactTableBuilder {
    pub fn new() -> ExactTableBuilder {
        ExactTableBuilder::default()
    }

    pub fn insert(&mut self, key: u128, value: u32) -> &mut ExactTableBuilder {
        self.entries.push((key, value));
        self
    }

    pub fn build(&self) -> ExactTable {
        ExactTable::from_entries(&self.entries)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Writer::new(TAG);
        out.len(self.entries.len());
        for &(key, value) in &self.entries {
            out.u128(key);
            out.u32(value);
        }
        out.bytes
    }
}

/// An immutable exact-match table.
#[derive(Clone, Debug)]
pub struct ExactTable {
    /// `None` marks a free slot; a probe stops there.
    slots: Box<[Option<(u128, u32)>]>,
    len: usize,
}

impl ExactTable {
    pub fn from_bytes(bytes: &[u8]) -> Result<ExactTable, TableError> {
        let mut input = Reader::new("exact", TAG, bytes)?;
        let count = input.count(20)?;
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            entries.push((input.u128()?, input.u32()?));
        }
        input.finish()?;
        Ok(ExactTable::from_entries(&entries))
    }

    fn from_entries(entries: &[(u128, u32)]) -> ExactTable {
        let capacity = (entries.len() * 2).next_power_of_two().max(2);
        let mut table = ExactTable { slots: vec![None; capacity].into_boxed_slice(), len: 0 };
        for &(key, value) in entries {
            let mut slot = table.home(key);
            loop {
                match table.slots[slot] {
                    None => {
                        table.slots[slot] = Some((key, value));
                        table.len += 1;
                        break;
                    }
                    Some((existing, _)) if existing == key => break,
                    Some(_) => slot = (slot + 1) & (capacity - 1),
                }
            }
        }
        table
    }

    /// Fibonacci hashing of the key folded to 64 bits: consecutive keys
    /// (ports, VLAN ids, MACs of one vendor) spread over the whole table.
    #[inline]
    fn home(&self, key: u128) -> usize {
        let folded = (key as u64) ^ ((key >> 64) as u64).rotate_left(29);
        let shift = 64 - self.slots.len().trailing_zeros();
        (folded.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> shift) as usize
    }

    #[inline]
    pub fn lookup(&self, key: u128) -> Option<u32> {
        let last = self.slots.len() - 1;
        let mut slot = self.home(key);
        // At most half full, so a free slot always ends the probe.
        loop {
            match self.slots[slot] {
                None => return None,
                Some((existing, value)) if existing == key => return Some(value),
                Some(_) => slot = (slot + 1) & last,
            }
        }
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn memory_bytes(&self) -> usize {
        self.slots.len() * core::mem::size_of::<Option<(u128, u32)>>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_every_key_and_nothing_else() {
        let mut builder = ExactTableBuilder::new();
        for key in 0..1000u128 {
            builder.insert(key * 7 + (key << 64), key as u32);
        }
        builder.insert(7 + (1 << 64), 99); // a repeat: the first value stays
        let table = ExactTable::from_bytes(&builder.to_bytes()).unwrap();
        assert_eq!(table.len(), 1000);
        for key in 0..1000u128 {
            assert_eq!(table.lookup(key * 7 + (key << 64)), Some(key as u32));
            assert_eq!(table.lookup(key * 7 + 1 + (key << 64)), None);
        }
    }

    #[test]
    fn an_empty_table_misses() {
        let table = ExactTableBuilder::new().build();
        assert_eq!(table.lookup(0), None);
        assert!(table.is_empty());
    }
}
