//! What a table key must provide: equality and a seeded hash computed
//! without the `Hash`/`Hasher` machinery (whose `write` takes byte slices
//! of unknown length): a key is a few machine words, mixed one at a time.
//!
//! The seed should be secret in a deployment ([`random_seed`]): with a known
//! seed, an attacker who controls keys (source addresses and ports) could
//! pick keys whose hashes collide and lengthen every probe.

use std::hash::{BuildHasher, Hasher};

/// A key of a [`FlowTable`](super::FlowTable) or [`HashIndex`](super::HashIndex).
pub trait TableKey: Copy + Eq {
    /// A 64-bit hash of the key under `seed`; equal keys hash equal.
    fn hash_with(&self, seed: u64) -> u64;
}

/// Mixes 64-bit words into a hash: one multiply per word, and a final
/// avalanche so the low bits (which pick a slot) depend on every input bit.
#[derive(Clone, Copy, Debug)]
pub struct KeyHasher(u64);

/// An odd constant with well-spread bits (2^64 / the golden ratio).
const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

impl KeyHasher {
    #[inline]
    pub const fn new(seed: u64) -> KeyHasher {
        KeyHasher(seed ^ MULTIPLIER)
    }

    #[inline]
    #[must_use]
    pub const fn word(self, word: u64) -> KeyHasher {
        KeyHasher((self.0 ^ word).wrapping_mul(MULTIPLIER).rotate_left(26))
    }

    #[inline]
    pub const fn finish(self) -> u64 {
        let mut h = self.0;
        h ^= h >> 31;
        h = h.wrapping_mul(0xd6e8_feb8_6659_fd93);
        h ^= h >> 32;
        h
    }
}

/// A seed nobody outside the process can guess, from the standard
/// library's per-process random keys.
pub fn random_seed() -> u64 {
    // Never 0: seed 0 means "deterministic" to the NAT's port order.
    std::collections::hash_map::RandomState::new().build_hasher().finish().max(1)
}

macro_rules! word_key {
    ($($t:ty),*) => {$(
        impl TableKey for $t {
            #[inline]
            fn hash_with(&self, seed: u64) -> u64 {
                KeyHasher::new(seed).word(*self as u64).finish()
            }
        }
    )*};
}

word_key!(u8, u16, u32, u64);

impl TableKey for u128 {
    #[inline]
    fn hash_with(&self, seed: u64) -> u64 {
        KeyHasher::new(seed).word(*self as u64).word((*self >> 64) as u64).finish()
    }
}

/// Byte-array keys (a MAC address, a packed tuple), eight bytes per word.
impl<const N: usize> TableKey for [u8; N] {
    #[inline]
    fn hash_with(&self, seed: u64) -> u64 {
        let mut hasher = KeyHasher::new(seed);
        let mut chunks = self.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            hasher = hasher.word(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            // The length keeps [1, 0] and [1] apart.
            hasher = hasher.word(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
        hasher.finish()
    }
}

/// Pairs of keys (e.g. two `u128` addresses).
impl<A: TableKey, B: TableKey> TableKey for (A, B) {
    #[inline]
    fn hash_with(&self, seed: u64) -> u64 {
        self.1.hash_with(self.0.hash_with(seed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_keys_hash_equal_and_seeds_matter() {
        assert_eq!(42u32.hash_with(7), 42u32.hash_with(7));
        assert_ne!(42u32.hash_with(7), 42u32.hash_with(8));
        assert_ne!([1u8, 0].hash_with(0), [1u8, 0, 0].hash_with(0));
        assert_eq!((1u128, 2u16).hash_with(3), (1u128, 2u16).hash_with(3));
        assert_ne!((1u128, 2u16).hash_with(3), (2u128, 1u16).hash_with(3));
    }

    #[test]
    fn low_bits_spread_for_sequential_keys() {
        // Sequential keys (addresses in one subnet) must not pile into a few
        // slots of a power-of-two table: count the distinct low 10 bits.
        let slots: std::collections::HashSet<u64> = (0u32..1024).map(|k| k.hash_with(1) & 1023).collect();
        assert!(slots.len() > 600, "{} distinct slots of 1024", slots.len());
    }

    #[test]
    fn random_seeds_differ() {
        assert_ne!(random_seed(), random_seed());
    }
}
