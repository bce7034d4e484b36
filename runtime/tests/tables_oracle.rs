//! Every lookup engine against a naive linear search over the same entries,
//! on random tables and random keys biased towards the entries' own values
//! (where the interesting boundaries are).

use nfc_runtime::tables::{
    Classifier, ClassifierBuilder, ExactTableBuilder, FieldMatch, Lpm4, Lpm4Builder, Lpm6, Lpm6Builder,
};
use proptest::prelude::*;

fn mask32(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

fn mask128(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
}

/// Longest prefix, first listed among equals.
fn naive_lpm<K: Copy>(routes: &[(K, u8, u32)], addr: K, matches: impl Fn(K, K, u8) -> bool) -> Option<u32> {
    let mut best: Option<(u8, u32)> = None;
    for &(prefix, len, value) in routes {
        if matches(prefix, addr, len) && best.is_none_or(|(l, _)| len > l) {
            best = Some((len, value));
        }
    }
    best.map(|(_, value)| value)
}

/// Addresses near the routes: each prefix with random host bits, and its
/// neighbours just outside.
fn probes32(routes: &[(u32, u8, u32)], noise: &[u32]) -> Vec<u32> {
    let mut probes = noise.to_vec();
    for (i, &(prefix, len, _)) in routes.iter().enumerate() {
        let base = prefix & mask32(len);
        let host = noise.get(i % noise.len().max(1)).copied().unwrap_or(0) & !mask32(len);
        probes.extend([base, base | host, base.wrapping_sub(1), (base | !mask32(len)).wrapping_add(1)]);
    }
    probes
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn lpm4_agrees_with_linear_search(
        routes in prop::collection::vec((any::<u32>(), 0u8..=32, 0u32..1000), 0..200),
        clustered in prop::collection::vec((0u32..16, 8u8..=32, 0u32..1000), 0..200),
        noise in prop::collection::vec(any::<u32>(), 1..50),
    ) {
        // Clustered prefixes all live under 10.0.0.0/12, so levels 2 and 3
        // of the trie get shared chunks and overlapping refinements.
        let mut all = routes;
        all.extend(clustered.into_iter().map(|(low, len, v)| (0x0a00_0000 | (low << 20) | (v << 4), len, v)));
        let mut builder = Lpm4Builder::new();
        for &(p, l, v) in &all {
            builder.insert(p, l, v);
        }
        let table = Lpm4::from_bytes(&builder.to_bytes()).unwrap();
        for addr in probes32(&all, &noise) {
            let expected = naive_lpm(&all, addr, |p, a, l| (p ^ a) & mask32(l) == 0);
            prop_assert_eq!(table.lookup(addr), expected, "address {:#010x}", addr);
        }
    }

    #[test]
    fn lpm6_agrees_with_linear_search(
        routes in prop::collection::vec((any::<u128>(), prop::sample::select(vec![0u8, 16, 32, 48, 56, 64, 127, 128]), 0u32..1000), 0..100),
        noise in prop::collection::vec(any::<u128>(), 1..30),
    ) {
        let mut builder = Lpm6Builder::new();
        for &(p, l, v) in &routes {
            builder.insert(p, l, v);
        }
        let table = Lpm6::from_bytes(&builder.to_bytes()).unwrap();
        let mut probes = noise.clone();
        for (i, &(p, l, _)) in routes.iter().enumerate() {
            probes.push((p & mask128(l)) | (noise[i % noise.len()] & !mask128(l)));
        }
        for addr in probes {
            let expected = naive_lpm(&routes, addr, |p, a, l| (p ^ a) & mask128(l) == 0);
            prop_assert_eq!(table.lookup(addr), expected);
        }
    }

    #[test]
    fn exact_table_agrees_with_linear_search(
        entries in prop::collection::vec((0u128..500, any::<u32>()), 0..300),
        probes in prop::collection::vec(0u128..600, 1..100),
    ) {
        let mut builder = ExactTableBuilder::new();
        for &(k, v) in &entries {
            builder.insert(k, v);
        }
        let table = builder.build();
        for key in probes.into_iter().chain(entries.iter().map(|e| e.0)) {
            let expected = entries.iter().find(|e| e.0 == key).map(|e| e.1);
            prop_assert_eq!(table.lookup(key), expected);
        }
    }

    #[test]
    fn classifier_agrees_with_linear_first_match(
        rules in prop::collection::vec(prop::collection::vec(test_strategy(), 0..4), 0..120),
        keys in prop::collection::vec(prop::collection::vec(prop::option::weighted(0.9, 0u128..70_000), 3), 1..120),
    ) {
        let widths = [32, 16, 8];
        let mut builder = ClassifierBuilder::new(&widths);
        for rule in &rules {
            builder.push(rule);
        }
        let classifier = Classifier::from_bytes(&builder.to_bytes()).unwrap();
        for key in keys {
            let key: Vec<Option<u128>> = key.iter().zip(widths).map(|(v, w)| v.map(|v| v & ((1u128 << w) - 1))).collect();
            let expected = rules.iter().position(|rule| rule.iter().all(|t| {
                key[usize::from(t.dimension)].is_some_and(|v| t.low <= (v & t.mask) && (v & t.mask) <= t.high)
            }));
            prop_assert_eq!(classifier.classify(&key), expected.map(|i| i as u32), "key {:?}", key);
        }
    }
}

/// Tests of every kind the compiler emits: exact, prefix, range, and an
/// arbitrary value/mask, over values small enough to collide with the keys.
fn test_strategy() -> impl Strategy<Value = FieldMatch> {
    (0u8..3, 0u128..70_000, 0u128..70_000, 0u8..4, 0u32..17).prop_map(|(dimension, a, b, kind, bits)| {
        let width = [32u32, 16, 8][usize::from(dimension)];
        let full = (1u128 << width) - 1;
        let (a, b) = (a & full, b & full);
        match kind {
            0 => FieldMatch { dimension, mask: full, low: a, high: a },
            1 => {
                let mask = full & !((1u128 << bits.min(width)) - 1);
                FieldMatch { dimension, mask, low: a & mask, high: a & mask }
            }
            2 => FieldMatch { dimension, mask: full, low: a.min(b), high: a.max(b) },
            _ => FieldMatch { dimension, mask: b | 1, low: a & (b | 1), high: a & (b | 1) },
        }
    })
}
