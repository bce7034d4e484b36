//! Longest-prefix match over IPv6 addresses: one sorted array per prefix
//! length in use, probed longest first by binary search.
//!
//! IPv6 tables use few distinct lengths (/32, /48, /56, /64, /128 in
//! practice), so a lookup costs a handful of binary searches, and the
//! memory is exactly the routes.

use super::bytes::{Reader, Writer};
use super::TableError;

const TAG: &[u8; 4] = b"LPM6";

/// Collects prefixes; the first value given for a prefix wins.
#[derive(Clone, Debug, Default)]
pub struct Lpm6Builder {
    routes: Vec<(u128, u8, u32)>,
}

impl Lpm6Builder {
    pub fn new() -> Lpm6Builder {
        Lpm6Builder::default()
    }

    /// Adds `prefix/len` (host bits are ignored) mapping to `value`.
    ///
    /// # Panics
    /// If `len > 128`: the compiler checks it.
    pub fn insert(&mut self, prefix: u128, len: u8, value: u32) -> &mut Lpm6Builder {
        assert!(len <= 128, "IPv6 prefix length {len} exceeds 128");
        self.routes.push((prefix & mask(len), len, value));
        self
    }

    pub fn build(&self) -> Lpm6 {
        Lpm6::from_routes(self.routes.clone())
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Writer::new(TAG);
        out.len(self.routes.len());
        for &(prefix, len, value) in &self.routes {
            out.u128(prefix);
            out.u8(len);
            out.u32(value);
        }
        out.bytes
    }
}

/// The routes of one prefix length, sorted by prefix for binary search.
type RoutesOfLength = (u8, Box<[(u128, u32)]>);

/// An immutable IPv6 longest-prefix-match table.
#[derive(Clone, Debug)]
pub struct Lpm6 {
    /// Longest first.
    lengths: Vec<RoutesOfLength>,
}

impl Lpm6 {
    pub fn from_bytes(bytes: &[u8]) -> Result<Lpm6, TableError> {
        let mut input = Reader::new("LPM6", TAG, bytes)?;
        let count = input.count(21)?;
        let mut routes = Vec::with_capacity(count);
        for _ in 0..count {
            let (prefix, len, value) = (input.u128()?, input.u8()?, input.u32()?);
            if len > 128 {
                return Err(input.error("prefix length exceeds 128"));
            }
            routes.push((prefix & mask(len), len, value));
        }
        input.finish()?;
        Ok(Lpm6::from_routes(routes))
    }

    fn from_routes(mut routes: Vec<(u128, u8, u32)>) -> Lpm6 {
        // Longest first; stable, so among repeats the first given comes first.
        routes.sort_by_key(|&(prefix, len, _)| (core::cmp::Reverse(len), prefix));
        routes.dedup_by_key(|&mut (prefix, len, _)| (prefix, len));
        let mut lengths: Vec<(u8, Vec<(u128, u32)>)> = Vec::new();
        for (prefix, len, value) in routes {
            match lengths.last_mut() {
                Some((l, group)) if *l == len => group.push((prefix, value)),
                _ => lengths.push((len, vec![(prefix, value)])),
            }
        }
        Lpm6 { lengths: lengths.into_iter().map(|(len, group)| (len, group.into_boxed_slice())).collect() }
    }

    #[inline]
    pub fn lookup(&self, addr: u128) -> Option<u32> {
        for (len, group) in &self.lengths {
            let key = addr & mask(*len);
            if let Ok(found) = group.binary_search_by_key(&key, |&(prefix, _)| prefix) {
                return Some(group[found].1);
            }
        }
        None
    }

    pub fn len(&self) -> usize {
        self.lengths.iter().map(|(_, group)| group.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.lengths.is_empty()
    }

    pub fn memory_bytes(&self) -> usize {
        self.len() * core::mem::size_of::<(u128, u32)>()
    }
}

#[inline]
fn mask(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn longest_prefix_wins_and_bytes_round_trip() {
        let mut builder = Lpm6Builder::new();
        builder
            .insert(0x2001_0db8 << 96, 32, 1)
            .insert(0x2001_0db8_0001 << 80, 48, 2)
            .insert(0x2001_0db8_0001 << 80 | 5, 128, 3)
            .insert(0, 0, 4)
            .insert(0x2001_0db8 << 96, 32, 9);
        let table = Lpm6::from_bytes(&builder.to_bytes()).unwrap();
        assert_eq!(table.lookup(0x2001_0db8_0002 << 80), Some(1));
        assert_eq!(table.lookup(0x2001_0db8_0001 << 80 | 7), Some(2));
        assert_eq!(table.lookup(0x2001_0db8_0001 << 80 | 5), Some(3));
        assert_eq!(table.lookup(1), Some(4));
        assert_eq!(table.len(), 4);
        let bytes = builder.to_bytes();
        for cut in 0..bytes.len() {
            assert!(Lpm6::from_bytes(&bytes[..cut]).is_err());
        }
    }
}
