//! Policing: a token bucket per key (Vigor's policer keys by destination
//! IPv4 address, to cap each inside host's download rate), with a rate in
//! bytes per second and a burst in bytes.
//!
//! Integer arithmetic only: a bucket holds its credit in nano-bytes (bytes
//! x 10^9), so `elapsed_ns x rate` is exactly the credit earned, with no
//! division and no rounding lost however often it is refilled; elapsed
//! time is capped at the time to fill the bucket (computed once), so the
//! product cannot overflow (construction checks `burst x 10^9` fits).
//!
//! Rules (a single-rate, two-colour marker in the spirit of RFC 2697's
//! committed rate and burst):
//! - A new key's bucket starts full (`burst` bytes).
//! - A packet of `len` bytes **conforms** when the bucket holds at least
//!   `len` bytes: they are taken and the packet passes. Otherwise it
//!   **exceeds**: it is dropped and takes nothing (so a flood above the rate
//!   does not starve the conforming share). A packet larger than the burst
//!   never conforms.
//! - Idle expiry: a bucket not used for the timeout is forgotten. The
//!   timeout must be at least the fill time (`burst / rate`), so a
//!   forgotten bucket would have been full anyway: expiry never gives
//!   credit a bucket would not have had.
//! - **Full** (`capacity` keys with live buckets): a packet of a new key is
//!   dropped and counted (`Policed::Full`). Passing it would let whoever
//!   fills the table with invented keys escape policing; evicting would hand
//!   every new key a full burst. The cost: a new key waits for an idle one
//!   to expire.

use super::{FlowTable, StateError, TableKey, TableStats};

const NANO: u64 = 1_000_000_000;

/// Rate and burst, with the derived constants the per-packet path uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BucketLimits {
    rate_bytes_per_s: u64,
    burst_bytes: u64,
    /// `burst x 10^9`: a full bucket in nano-bytes.
    capacity: u64,
    /// Time for an empty bucket to fill, in ns (rounded up).
    fill_ns: u64,
}

impl BucketLimits {
    pub fn new(rate_bytes_per_s: u64, burst_bytes: u64) -> Result<BucketLimits, StateError> {
        if rate_bytes_per_s == 0 || burst_bytes == 0 {
            return Err(StateError::Invalid(format!(
                "found rate {rate_bytes_per_s} B/s and burst {burst_bytes} B, expected both positive"
            )));
        }
        let capacity =
            burst_bytes.checked_mul(NANO).filter(|c| c.checked_add(rate_bytes_per_s).is_some()).ok_or_else(|| {
                StateError::Invalid(format!("found a burst of {burst_bytes} B, expected at most 18,000,000,000"))
            })?;
        Ok(BucketLimits { rate_bytes_per_s, burst_bytes, capacity, fill_ns: capacity.div_ceil(rate_bytes_per_s) })
    }

    #[inline]
    pub fn rate_bytes_per_s(&self) -> u64 {
        self.rate_bytes_per_s
    }

    #[inline]
    pub fn burst_bytes(&self) -> u64 {
        self.burst_bytes
    }

    /// Time for an empty bucket to fill, in ns.
    #[inline]
    pub fn fill_ns(&self) -> u64 {
        self.fill_ns
    }
}

/// One token bucket: its credit and when it was last refilled.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TokenBucket {
    credit: u64,
    last_ns: u64,
}

impl TokenBucket {
    /// A full bucket at `now`.
    #[inline]
    pub fn full(limits: &BucketLimits, now: u64) -> TokenBucket {
        TokenBucket { credit: limits.capacity, last_ns: now }
    }

    /// Refills for the time since the last packet, then takes `len` bytes if
    /// they are there; whether it did (the packet conforms).
    #[inline]
    pub fn admit(&mut self, limits: &BucketLimits, len: u64, now: u64) -> bool {
        if now > self.last_ns {
            let elapsed = (now - self.last_ns).min(limits.fill_ns);
            self.credit = (self.credit + elapsed * limits.rate_bytes_per_s).min(limits.capacity);
            self.last_ns = now;
        }
        let cost = len.saturating_mul(NANO);
        if cost <= self.credit {
            self.credit -= cost;
            true
        } else {
            false
        }
    }

    /// Whole bytes of credit.
    #[inline]
    pub fn bytes(&self) -> u64 {
        self.credit / NANO
    }
}

/// What `Policer::police` decided.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Policed {
    /// Pass: within the key's rate and burst.
    Conform,
    /// Pass: the first packet of a key (a new, full bucket).
    New,
    /// Drop: over the key's rate.
    Exceed,
    /// Drop: a new key and no room for its bucket.
    Full,
}

impl Policed {
    #[inline]
    pub const fn passes(self) -> bool {
        matches!(self, Policed::Conform | Policed::New)
    }
}

/// Token buckets per key, fixed capacity, idle expiry.
#[derive(Clone, Debug)]
pub struct Policer<K> {
    table: FlowTable<K, TokenBucket>,
    limits: BucketLimits,
}

impl<K: TableKey + Default> Policer<K> {
    /// `capacity` keys, each limited to `limits`; a bucket idle for
    /// `timeout_ns` (at least `limits.fill_ns()`) is forgotten.
    pub fn new(capacity: usize, limits: BucketLimits, timeout_ns: u64, seed: u64) -> Result<Policer<K>, StateError> {
        if timeout_ns < limits.fill_ns {
            return Err(StateError::Invalid(format!(
                "found an idle timeout of {timeout_ns} ns, expected at least the bucket's fill time, {} ns",
                limits.fill_ns
            )));
        }
        Ok(Policer { table: FlowTable::with_timeout(capacity, timeout_ns, seed)?, limits })
    }

    /// Decides about a packet of `len` bytes for `key` at `now`.
    #[inline]
    pub fn police(&mut self, key: K, len: usize, now: u64) -> Policed {
        let limits = self.limits;
        match self.table.find_or_insert(key, 0, now, || TokenBucket::full(&limits, now)) {
            Ok((id, new)) => {
                self.table.touch(id, now);
                let conforms = self.table.value_mut(id).admit(&limits, len as u64, now);
                match (conforms, new) {
                    (true, true) => Policed::New,
                    (true, false) => Policed::Conform,
                    (false, _) => Policed::Exceed,
                }
            }
            Err(_) => Policed::Full,
        }
    }

    /// Reclaims up to `budget` idle buckets (once per burst).
    #[inline]
    pub fn expire(&mut self, now: u64, budget: usize) -> usize {
        self.table.expire(now, budget)
    }

    #[inline]
    pub fn limits(&self) -> &BucketLimits {
        &self.limits
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.table.len()
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.table.is_empty()
    }

    #[inline]
    pub fn stats(&self) -> TableStats {
        self.table.stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_checked() {
        assert!(BucketLimits::new(0, 1).is_err());
        assert!(BucketLimits::new(1, 0).is_err());
        assert!(BucketLimits::new(1, u64::MAX / NANO + 1).is_err());
        let l = BucketLimits::new(1000, 1500).unwrap();
        assert_eq!(l.fill_ns(), 1_500_000_000);
        assert!(Policer::<u32>::new(4, l, l.fill_ns() - 1, 0).is_err());
    }

    #[test]
    fn a_burst_then_the_rate() {
        let l = BucketLimits::new(1000, 1500).unwrap();
        let mut b = TokenBucket::full(&l, 0);
        assert!(b.admit(&l, 1000, 0) && !b.admit(&l, 1000, 0) && b.admit(&l, 500, 0));
        assert_eq!(b.bytes(), 0);
        // 1000 B/s: a byte per millisecond, earned exactly even 1 ns at a time.
        for t in 1..=1_000_000 {
            b.admit(&l, 0, t);
        }
        assert_eq!(b.bytes(), 1);
        assert!(!b.admit(&l, 2, 1_000_000) && b.admit(&l, 1, 1_000_000));
        // Long idle: full, never more.
        assert!(b.admit(&l, 1500, u64::MAX));
        assert!(!b.admit(&l, 1, u64::MAX));
    }
}
