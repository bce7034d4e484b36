//! The flow table against a `HashMap` model with the same rules: an entry
//! lives while `now < last_use + timeout(class)`; `find` does not refresh;
//! a full table (capacity live entries) refuses, or evicts the live entry
//! whose deadline comes first (least recently used within a class, ties to
//! the lower class). Small capacities and key spaces so that fullness,
//! eviction and expiry happen all the time.

use nfc_runtime::state::{FlowTable, Full, Inserted};
use proptest::prelude::*;
use std::collections::HashMap;

const TIMEOUTS: [u64; 3] = [50, 200, 7];

#[derive(Clone, Debug)]
enum Op {
    Advance(u64),
    Find(u32),
    FindTouch(u32),
    Insert(u32, u8),
    InsertEvicting(u32, u8),
    SetClass(u32, u8),
    Remove(u32),
    Expire(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let key = 0u32..12;
    let class = 0u8..3;
    prop_oneof![
        3 => (0u64..40).prop_map(Op::Advance),
        3 => key.clone().prop_map(Op::Find),
        2 => key.clone().prop_map(Op::FindTouch),
        4 => (key.clone(), class.clone()).prop_map(|(k, c)| Op::Insert(k, c)),
        2 => (key.clone(), class.clone()).prop_map(|(k, c)| Op::InsertEvicting(k, c)),
        1 => (key.clone(), class).prop_map(|(k, c)| Op::SetClass(k, c)),
        1 => key.prop_map(Op::Remove),
        1 => (0usize..4).prop_map(Op::Expire),
    ]
}

#[derive(Clone, Copy, Debug)]
struct ModelEntry {
    value: u32,
    last_use: u64,
    class: u8,
    /// Order of the last use, for ties in `last_use`.
    seq: u64,
}

#[derive(Default)]
struct Model {
    entries: HashMap<u32, ModelEntry>,
    now: u64,
    seq: u64,
    capacity: usize,
    refused: u64,
    evicted: u64,
}

impl Model {
    fn deadline(e: &ModelEntry) -> u64 {
        e.last_use + TIMEOUTS[usize::from(e.class)]
    }

    fn is_live(&self, e: &ModelEntry) -> bool {
        self.now < Self::deadline(e)
    }

    /// The live entry, dropping an expired one.
    fn live(&mut self, key: u32) -> Option<ModelEntry> {
        let entry = *self.entries.get(&key)?;
        if self.is_live(&entry) {
            Some(entry)
        } else {
            self.entries.remove(&key);
            None
        }
    }

    fn use_entry(&mut self, key: u32, class: Option<u8>) {
        self.seq += 1;
        let (now, seq) = (self.now, self.seq);
        if let Some(e) = self.entries.get_mut(&key) {
            // A touch at the time of the last use changes nothing (not even
            // the order among entries used then); a class change always moves.
            if e.last_use == now && class.is_none() {
                return;
            }
            e.last_use = now;
            e.seq = seq;
            if let Some(c) = class {
                e.class = c;
            }
        }
    }

    fn live_count(&self) -> usize {
        self.entries.values().filter(|e| self.is_live(e)).count()
    }

    fn add(&mut self, key: u32, value: u32, class: u8) {
        self.seq += 1;
        self.entries.insert(key, ModelEntry { value, last_use: self.now, class, seq: self.seq });
    }

    /// The entry a full table evicts: earliest deadline among each class's
    /// least recently used, ties to the lower class.
    fn victim(&self) -> u32 {
        let mut heads: Vec<(u64, u8, u32)> = Vec::new();
        for class in 0..TIMEOUTS.len() as u8 {
            let head = self
                .entries
                .iter()
                .filter(|(_, e)| e.class == class && self.is_live(e))
                .min_by_key(|(_, e)| (e.last_use, e.seq));
            if let Some((&k, e)) = head {
                heads.push((Self::deadline(e), class, k));
            }
        }
        heads.iter().min().expect("a full table has live entries").2
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn flow_table_agrees_with_a_hashmap_model(
        capacity in 1usize..6,
        seed in any::<u64>(),
        ops in prop::collection::vec(op(), 1..200),
    ) {
        let mut table: FlowTable<u32, u32> = FlowTable::new(capacity, &TIMEOUTS, seed).unwrap();
        let mut model = Model { capacity, ..Model::default() };
        for (step, op) in ops.iter().enumerate() {
            let value = step as u32;
            let now = model.now;
            match *op {
                Op::Advance(dt) => model.now += dt,
                Op::Find(k) => {
                    let got = table.find(&k, now).map(|id| *table.value(id));
                    prop_assert_eq!(got, model.live(k).map(|e| e.value), "step {} {:?}", step, op);
                }
                Op::FindTouch(k) => {
                    let got = table.find_touch(&k, now).map(|id| *table.value(id));
                    let expected = model.live(k).map(|e| e.value);
                    if expected.is_some() {
                        model.use_entry(k, None);
                    }
                    prop_assert_eq!(got, expected, "step {} {:?}", step, op);
                }
                Op::Insert(k, class) => {
                    let got = table.find_or_insert(k, class, now, || value).map(|(id, new)| (*table.value(id), new));
                    let expected = match model.live(k) {
                        Some(e) => Ok((e.value, false)),
                        None if model.live_count() < model.capacity => {
                            model.add(k, value, class);
                            Ok((value, true))
                        }
                        None => {
                            model.refused += 1;
                            Err(Full)
                        }
                    };
                    prop_assert_eq!(got, expected, "step {} {:?}", step, op);
                }
                Op::InsertEvicting(k, class) => {
                    let (id, outcome) = table.find_or_insert_evicting(k, class, now, || value);
                    let expected = match model.live(k) {
                        Some(_) => Inserted::Existing,
                        None if model.live_count() < model.capacity => {
                            model.add(k, value, class);
                            Inserted::New
                        }
                        None => {
                            let victim = model.victim();
                            let old = model.entries.remove(&victim).unwrap();
                            model.evicted += 1;
                            model.add(k, value, class);
                            Inserted::Evicted(victim, old.value)
                        }
                    };
                    prop_assert_eq!(outcome, expected, "step {} {:?}", step, op);
                    prop_assert_eq!(*table.value(id), model.entries[&k].value);
                }
                Op::SetClass(k, class) => {
                    if let Some(id) = table.find(&k, now) {
                        table.set_class(id, class, now);
                    }
                    if model.live(k).is_some() {
                        model.use_entry(k, Some(class));
                    }
                }
                Op::Remove(k) => {
                    let got = table.find(&k, now).and_then(|id| table.remove(id));
                    let expected = model.live(k).map(|e| (k, e.value));
                    model.entries.remove(&k);
                    prop_assert_eq!(got, expected, "step {} {:?}", step, op);
                }
                Op::Expire(budget) => {
                    table.expire(now, budget);
                }
            }
            prop_assert!(table.len() <= capacity);
            prop_assert!(table.len() >= model.live_count());
        }
        let now = model.now;
        table.expire(now, usize::MAX);
        prop_assert_eq!(table.len(), model.live_count(), "after a full expiry only live entries remain");
        for k in 0..12 {
            let got = table.find(&k, now).map(|id| *table.value(id));
            prop_assert_eq!(got, model.live(k).map(|e| e.value), "key {} at the end", k);
        }
        prop_assert_eq!((table.stats().refused, table.stats().evicted), (model.refused, model.evicted));
    }

    /// Many keys through a large table: nothing lost, nothing invented,
    /// with the hash index's runs long and wrapping.
    #[test]
    fn a_large_table_keeps_every_key(keys in prop::collection::hash_set(any::<u64>(), 1..3000), seed in any::<u64>()) {
        let keys: Vec<u64> = keys.into_iter().collect();
        let mut table: FlowTable<u64, u64> = FlowTable::with_timeout(keys.len(), 1_000, seed).unwrap();
        for &k in &keys {
            let (_, new) = table.find_or_insert(k, 0, 0, || !k).unwrap();
            prop_assert!(new);
        }
        prop_assert_eq!(table.find_or_insert(u64::MAX - 1, 0, 0, || 0).err(), if keys.contains(&(u64::MAX - 1)) { None } else { Some(Full) });
        // Remove every other key, then check all.
        for &k in keys.iter().step_by(2) {
            let id = table.find(&k, 1).unwrap();
            table.remove(id);
        }
        for (i, &k) in keys.iter().enumerate() {
            let got = table.find(&k, 2).map(|id| *table.value(id));
            prop_assert_eq!(got, if i % 2 == 0 { None } else { Some(!k) });
        }
    }
}

/// The policer against exact arithmetic: each key's credit in u128
/// nano-bytes, refilled by `elapsed x rate` without any cap on elapsed time
/// and clamped to the burst; a bucket idle for the timeout starts full
/// again; a new key with `capacity` live buckets is refused.
mod policer_model {
    use nfc_runtime::state::{BucketLimits, Policed, Policer};
    use proptest::prelude::*;
    use std::collections::HashMap;

    const NANO: u128 = 1_000_000_000;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn policer_agrees_with_exact_arithmetic(
            rate in 1u64..5_000_000_000,
            burst in 1u64..100_000,
            capacity in 1usize..4,
            timeout_factor in 1u64..4,
            packets in prop::collection::vec((0u64..3_000_000_000, 0u8..5, 0usize..3000), 1..300),
        ) {
            let limits = BucketLimits::new(rate, burst).unwrap();
            let timeout = limits.fill_ns() * timeout_factor;
            let mut policer: Policer<u8> = Policer::new(capacity, limits, timeout, 3).unwrap();
            // key -> (credit, last refill, last use)
            let mut model: HashMap<u8, (u128, u64, u64)> = HashMap::new();
            let full = u128::from(burst) * NANO;
            let mut now = 0u64;
            let mut admitted: HashMap<u8, u128> = HashMap::new();
            for (dt, key, len) in packets {
                // Mostly small steps, sometimes long gaps.
                now += if dt % 7 == 0 { dt } else { dt / 1000 };
                let got = policer.police(key, len, now);
                model.retain(|_, &mut (_, _, used)| now < used + timeout);
                let known = model.contains_key(&key);
                let expected = match known {
                    false if model.len() == capacity => Policed::Full,
                    _ => {
                        let new = !known;
                        let (credit, last, used) = model.entry(key).or_insert((full, now, now));
                        *credit = (*credit + u128::from(now - *last) * u128::from(rate)).min(full);
                        *last = now;
                        *used = now;
                        let cost = len as u128 * NANO;
                        if cost <= *credit {
                            *credit -= cost;
                            *admitted.entry(key).or_default() += len as u128;
                            if new { Policed::New } else { Policed::Conform }
                        } else {
                            Policed::Exceed
                        }
                    }
                };
                prop_assert_eq!(got, expected, "key {} len {} at {} ns", key, len, now);
            }
            // Never more than the burst plus the rate over the whole run.
            for bytes in admitted.values() {
                prop_assert!(*bytes * NANO <= full + u128::from(now) * u128::from(rate));
            }
        }
    }
}

/// Maglev's two promises (NSDI 2016 §3.4): equal shares (with the paper's
/// round-robin population, counts differ by at most one) and minimal
/// disruption (removing a backend moves few slots between the others;
/// measured under 1% for up to 100 backends at M = 65537, asserted under 2%).
mod maglev_properties {
    use nfc_runtime::state::Maglev;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(40))]

        #[test]
        fn shares_are_equal_and_removal_disrupts_little(
            ids in prop::collection::hash_set(any::<u64>(), 2..64),
            seed in any::<u64>(),
            removed in any::<prop::sample::Index>(),
            size in prop::sample::select(vec![257usize, 1009, 65_537]),
        ) {
            let ids: Vec<u64> = ids.into_iter().collect();
            prop_assume!(size > ids.len());
            let mut maglev = Maglev::new(&ids, size, seed).unwrap();
            let shares = |m: &Maglev| {
                let mut counts = vec![0usize; ids.len()];
                for &b in m.slots() {
                    counts[usize::from(b)] += 1;
                }
                counts
            };
            let counts = shares(&maglev);
            prop_assert!(counts.iter().max().unwrap() - counts.iter().min().unwrap() <= 1, "{:?}", counts);
            let before = maglev.slots().to_vec();
            let gone = removed.index(ids.len());
            maglev.set_enabled(gone, false);
            let counts = shares(&maglev);
            prop_assert_eq!(counts[gone], 0);
            let rest: Vec<usize> = counts.iter().enumerate().filter(|&(b, _)| b != gone).map(|(_, &c)| c).collect();
            prop_assert!(rest.iter().max().unwrap() - rest.iter().min().unwrap() <= 1, "{:?}", rest);
            if size == 65_537 {
                let moved = before.iter().zip(maglev.slots()).filter(|&(b, a)| usize::from(*b) != gone && b != a).count();
                prop_assert!(moved * 50 < size, "{} of {} slots moved between surviving backends", moved, size);
            }
            // Back again: the very same table.
            maglev.set_enabled(gone, true);
            prop_assert_eq!(maglev.slots(), &before[..]);
        }
    }
}
