//! First-match classification of packets against many rules (an ACL of
//! thousands of entries), each rule a conjunction of tests on a few of the
//! key's dimensions.
//!
//! At build time one dimension is chosen to cut the key space: its value
//! range is split into elementary intervals at every rule's bounds, and each
//! interval lists (in rule order) the rules whose test on that dimension can
//! hold inside it. Rules that do not test the dimension at all sit in one
//! shared "wildcard" list instead of in every interval. A lookup binary
//! searches the interval, then walks its list and the wildcard list in rule
//! order, verifying each candidate's full conjunction, and stops at the first
//! that holds: exactly first-match semantics, at the cost of the rules that
//! share the packet's interval rather than of the whole list. The dimension
//! chosen is the one that makes that walk shortest on average.

use super::bytes::{Reader, Writer};
use super::TableError;

const TAG: &[u8; 4] = b"CLSF";
/// Above this many interval-list entries a dimension is not considered
/// (unless none is below it), so a pathological ACL cannot exhaust memory.
const MAX_INDEX_ENTRIES: usize = 1 << 26;

/// A test on one dimension of the key: `low <= (value & mask) <= high`.
/// Exact match is `mask = all ones, low = high = value`; a prefix is
/// `mask = prefix mask, low = high = prefix`; a range has an all-ones mask.
/// A rule testing a dimension the packet lacks (key `None`) does not match.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldMatch {
    pub dimension: u8,
    pub mask: u128,
    pub low: u128,
    pub high: u128,
}

impl FieldMatch {
    #[inline]
    fn holds(&self, key: &[Option<u128>]) -> bool {
        match key.get(usize::from(self.dimension)) {
            Some(Some(value)) => {
                let masked = value & self.mask;
                self.low <= masked && masked <= self.high
            }
            _ => false,
        }
    }

    /// The raw values of a `width`-bit dimension this test accepts, when
    /// they form one interval (exact, prefix or range tests); `None` for
    /// arbitrary masks, which are only verified, not indexed.
    fn interval(&self, width: u32) -> Option<(u128, u128)> {
        let full = full_mask(width);
        let free = !self.mask & full;
        let contiguous_low_bits = free & free.wrapping_add(1) == 0;
        if !contiguous_low_bits || (free != 0 && self.low != self.high) {
            return None;
        }
        Some((self.low & self.mask, (self.high & self.mask) | free))
    }
}

/// Collects rules in priority order (first pushed = highest priority).
#[derive(Clone, Debug)]
pub struct ClassifierBuilder {
    widths: Vec<u32>,
    rules: Vec<Vec<FieldMatch>>,
}

impl ClassifierBuilder {
    /// A key of `widths.len()` dimensions, each `widths[d]` bits wide.
    pub fn new(widths: &[u32]) -> ClassifierBuilder {
        assert!(widths.len() <= 256 && widths.iter().all(|&w| (1..=128).contains(&w)));
        ClassifierBuilder { widths: widths.to_vec(), rules: Vec::new() }
    }

    /// Adds the next rule; an empty slice matches every key.
    pub fn push(&mut self, rule: &[FieldMatch]) -> &mut ClassifierBuilder {
        assert!(rule.iter().all(|m| usize::from(m.dimension) < self.widths.len()));
        self.rules.push(rule.to_vec());
        self
    }

    pub fn build(&self) -> Classifier {
        Classifier::from_rules(self.widths.clone(), &self.rules)
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Writer::new(TAG);
        out.len(self.widths.len());
        for &width in &self.widths {
            out.u8(width as u8);
        }
        out.len(self.rules.len());
        for rule in &self.rules {
            out.len(rule.len());
            for test in rule {
                out.u8(test.dimension);
                out.u128(test.mask);
                out.u128(test.low);
                out.u128(test.high);
            }
        }
        out.bytes
    }
}

/// An immutable first-match classifier.
#[derive(Clone)]
pub struct Classifier {
    /// Rule `r`'s tests are `tests[rule_starts[r]..rule_starts[r + 1]]`.
    tests: Box<[FieldMatch]>,
    rule_starts: Box<[u32]>,
    /// The dimension the index cuts, or `None` when there are no rules.
    dimension: Option<usize>,
    /// Start of each elementary interval, ascending, the first 0.
    bounds: Box<[u128]>,
    /// Interval `i`'s rules are `members[member_starts[i]..member_starts[i + 1]]`.
    member_starts: Box<[u32]>,
    members: Box<[u32]>,
    /// Rules that do not test the indexed dimension, ascending.
    wildcards: Box<[u32]>,
}

impl Classifier {
    pub fn from_bytes(bytes: &[u8]) -> Result<Classifier, TableError> {
        let mut input = Reader::new("classifier", TAG, bytes)?;
        let dimensions = input.count(1)?;
        let mut widths = Vec::with_capacity(dimensions);
        for _ in 0..dimensions {
            let width = input.u8()?;
            if !(1..=128).contains(&width) {
                return Err(input.error("dimension width outside 1..=128"));
            }
            widths.push(u32::from(width));
        }
        let count = input.count(4)?;
        let mut rules = Vec::with_capacity(count);
        for _ in 0..count {
            let tests = input.count(49)?;
            let mut rule = Vec::with_capacity(tests);
            for _ in 0..tests {
                let dimension = input.u8()?;
                if usize::from(dimension) >= dimensions {
                    return Err(input.error("test on a dimension the key lacks"));
                }
                rule.push(FieldMatch { dimension, mask: input.u128()?, low: input.u128()?, high: input.u128()? });
            }
            rules.push(rule);
        }
        input.finish()?;
        Ok(Classifier::from_rules(widths, &rules))
    }

    fn from_rules(widths: Vec<u32>, rules: &[Vec<FieldMatch>]) -> Classifier {
        let mut rule_starts = vec![0u32];
        let mut tests = Vec::new();
        for rule in rules {
            tests.extend_from_slice(rule);
            rule_starts.push(tests.len() as u32);
        }
        let candidates = (0..widths.len()).map(|d| Index::over(d, widths[d], rules));
        let best = candidates.min_by(|a, b| a.rank().partial_cmp(&b.rank()).expect("costs are finite"));
        let index = best.unwrap_or_default();
        Classifier {
            tests: tests.into_boxed_slice(),
            rule_starts: rule_starts.into_boxed_slice(),
            dimension: index.dimension,
            bounds: index.bounds.into_boxed_slice(),
            member_starts: index.member_starts.into_boxed_slice(),
            members: index.members.into_boxed_slice(),
            wildcards: index.wildcards.into_boxed_slice(),
        }
    }

    /// The index of the first rule whose every test holds for `key`
    /// (`key[d]` is dimension `d`'s value, `None` if the packet lacks it).
    #[inline]
    pub fn classify(&self, key: &[Option<u128>]) -> Option<u32> {
        let dimension = self.dimension?;
        let bucket: &[u32] = match key.get(dimension).copied().flatten() {
            Some(value) => {
                let interval = self.bounds.partition_point(|&start| start <= value) - 1;
                let (start, end) = (self.member_starts[interval], self.member_starts[interval + 1]);
                &self.members[start as usize..end as usize]
            }
            None => &[],
        };
        let (mut a, mut b) = (bucket.iter().peekable(), self.wildcards.iter().peekable());
        // Merge the two ascending lists so rules are tried in priority order.
        loop {
            let rule = match (a.peek(), b.peek()) {
                (Some(&&x), Some(&&y)) if x < y => a.next(),
                (Some(_), Some(_)) => b.next(),
                (Some(_), None) => a.next(),
                (None, Some(_)) => b.next(),
                (None, None) => return None,
            };
            let rule = *rule.expect("peeked");
            if self.rule_holds(rule, key) {
                return Some(rule);
            }
        }
    }

    #[inline]
    fn rule_holds(&self, rule: u32, key: &[Option<u128>]) -> bool {
        let (start, end) = (self.rule_starts[rule as usize], self.rule_starts[rule as usize + 1]);
        self.tests[start as usize..end as usize].iter().all(|test| test.holds(key))
    }

    pub fn len(&self) -> usize {
        self.rule_starts.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes of rules and index held in memory.
    pub fn memory_bytes(&self) -> usize {
        use core::mem::size_of;
        self.tests.len() * size_of::<FieldMatch>()
            + 4 * (self.rule_starts.len() + self.member_starts.len() + self.members.len() + self.wildcards.len())
            + 16 * self.bounds.len()
    }
}

impl core::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Classifier")
            .field("rules", &self.len())
            .field("dimension", &self.dimension)
            .field("intervals", &self.bounds.len())
            .field("memory_bytes", &self.memory_bytes())
            .finish()
    }
}

/// The interval index over one dimension, before it is frozen.
#[derive(Default)]
struct Index {
    dimension: Option<usize>,
    bounds: Vec<u128>,
    member_starts: Vec<u32>,
    members: Vec<u32>,
    wildcards: Vec<u32>,
}

impl Index {
    fn over(dimension: usize, width: u32, rules: &[Vec<FieldMatch>]) -> Index {
        // Each rule's accepted interval on this dimension: `None` = it does
        // not test it (wildcard); a test that is not an interval (arbitrary
        // mask) accepts, for indexing purposes, the whole range.
        let intervals: Vec<Option<(u128, u128)>> = rules
            .iter()
            .map(|rule| {
                let mut tested = false;
                let mut accepted = (0u128, full_mask(width));
                for test in rule.iter().filter(|t| usize::from(t.dimension) == dimension) {
                    tested = true;
                    if let Some((low, high)) = test.interval(width) {
                        accepted = (accepted.0.max(low), accepted.1.min(high));
                    }
                }
                tested.then_some(accepted)
            })
            .collect();
        let mut bounds = vec![0u128];
        for &(low, high) in intervals.iter().flatten() {
            bounds.push(low);
            if let Some(next) = high.checked_add(1).filter(|&n| n <= full_mask(width)) {
                bounds.push(next);
            }
        }
        bounds.sort_unstable();
        bounds.dedup();
        let mut lists: Vec<Vec<u32>> = vec![Vec::new(); bounds.len()];
        let mut wildcards = Vec::new();
        let mut entries = 0usize;
        for (rule, interval) in intervals.iter().enumerate() {
            match interval {
                None => wildcards.push(rule as u32),
                // Contradictory tests (empty interval) can never match.
                Some((low, high)) if low > high => {}
                Some((low, high)) => {
                    let first = bounds.partition_point(|&b| b < *low);
                    let last = bounds.partition_point(|&b| b <= *high);
                    entries += last - first;
                    if entries > MAX_INDEX_ENTRIES {
                        // Too costly to index on this dimension: every rule
                        // becomes a wildcard, which `rank` scores as worst.
                        return Index {
                            dimension: Some(dimension),
                            bounds: vec![0],
                            member_starts: vec![0, 0],
                            members: Vec::new(),
                            wildcards: (0..rules.len() as u32).collect(),
                        };
                    }
                    for list in &mut lists[first..last] {
                        list.push(rule as u32);
                    }
                }
            }
        }
        let mut member_starts = vec![0u32];
        let mut members = Vec::with_capacity(entries);
        for list in lists {
            members.extend(list);
            member_starts.push(members.len() as u32);
        }
        Index { dimension: Some(dimension), bounds, member_starts, members, wildcards }
    }

    /// Expected rules examined per lookup (intervals weighted equally),
    /// then memory: lower is better.
    fn rank(&self) -> (f64, usize) {
        let intervals = self.bounds.len().max(1);
        let walk = self.members.len() as f64 / intervals as f64 + self.wildcards.len() as f64;
        (walk, self.members.len())
    }
}

fn full_mask(width: u32) -> u128 {
    u128::MAX >> (128 - width)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact(dimension: u8, value: u128) -> FieldMatch {
        FieldMatch { dimension, mask: u128::MAX, low: value, high: value }
    }

    fn range(dimension: u8, low: u128, high: u128) -> FieldMatch {
        FieldMatch { dimension, mask: u128::MAX, low, high }
    }

    #[test]
    fn first_matching_rule_wins_across_bucket_and_wildcards() {
        let mut builder = ClassifierBuilder::new(&[32, 16]);
        builder
            .push(&[exact(1, 22)]) // 0: wildcard on dimension 0
            .push(&[FieldMatch { dimension: 0, mask: 0xff00_0000, low: 0x0a00_0000, high: 0x0a00_0000 }]) // 1: 10/8
            .push(&[range(1, 1000, 2000)]) // 2
            .push(&[]); // 3: matches everything
        let classifier = Classifier::from_bytes(&builder.to_bytes()).unwrap();
        assert_eq!(classifier.classify(&[Some(0x0a01_0101), Some(22)]), Some(0));
        assert_eq!(classifier.classify(&[Some(0x0a01_0101), Some(80)]), Some(1));
        assert_eq!(classifier.classify(&[Some(0x0b01_0101), Some(1500)]), Some(2));
        assert_eq!(classifier.classify(&[None, Some(80)]), Some(3));
        assert_eq!(classifier.classify(&[None, None]), Some(3));
    }

    #[test]
    fn arbitrary_masks_are_verified_exactly() {
        let mut builder = ClassifierBuilder::new(&[16]);
        builder.push(&[FieldMatch { dimension: 0, mask: 0x0101, low: 0x0101, high: 0x0101 }]);
        let classifier = builder.build();
        assert_eq!(classifier.classify(&[Some(0xff01)]), Some(0));
        assert_eq!(classifier.classify(&[Some(0xff00)]), None);
        assert_eq!(classifier.classify(&[None]), None);
    }

    #[test]
    fn no_rules_match_nothing_and_damage_is_an_error() {
        assert_eq!(ClassifierBuilder::new(&[8]).build().classify(&[Some(1)]), None);
        let mut builder = ClassifierBuilder::new(&[8]);
        builder.push(&[exact(0, 1)]);
        let bytes = builder.to_bytes();
        for cut in 0..bytes.len() {
            assert!(Classifier::from_bytes(&bytes[..cut]).is_err());
        }
    }
}
