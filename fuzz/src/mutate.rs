//! Byte-level mutations with a dictionary, deterministic from a seed.

/// xorshift64: fast, and a seed replays a run exactly.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next_u64() % n as u64) as usize
        }
    }
}

/// Values that sit on the edges packet parsers care about.
const INTERESTING_U16: &[u16] = &[
    0, 1, 0x7f, 0x80, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x0800, 0x86dd, 0x8100, 0x88a8, 0x0806, 20, 40, 60, 1500,
    1514,
];

pub struct Mutator {
    pub rng: Rng,
    /// Tokens worth inserting whole (field names, keywords, punctuation).
    pub dictionary: &'static [&'static str],
    pub max_len: usize,
}

impl Mutator {
    /// Applies one to four mutations to `data`, drawing splices from `corpus`.
    pub fn mutate(&mut self, data: &mut Vec<u8>, corpus: &[Vec<u8>]) {
        for _ in 0..1 + self.rng.below(4) {
            self.once(data, corpus);
        }
        data.truncate(self.max_len);
    }

    fn once(&mut self, data: &mut Vec<u8>, corpus: &[Vec<u8>]) {
        let len = data.len();
        let at = self.rng.below(len + 1);
        match self.rng.below(10) {
            0 if len > 0 => data[at.min(len - 1)] ^= 1 << self.rng.below(8),
            1 if len > 0 => data[at.min(len - 1)] = self.rng.next_u64() as u8,
            2 if len > 1 => {
                let value = INTERESTING_U16[self.rng.below(INTERESTING_U16.len())].to_be_bytes();
                let at = at.min(len - 2);
                data[at..at + 2].copy_from_slice(&value);
            }
            3 => {
                let count = 1 + self.rng.below(8);
                let bytes: Vec<u8> = (0..count).map(|_| self.rng.next_u64() as u8).collect();
                data.splice(at..at, bytes);
            }
            4 if len > 0 => {
                let end = (at + 1 + self.rng.below(16)).min(len);
                data.drain(at.min(end)..end);
            }
            5 if len > 0 => {
                // Duplicate a range: repeated headers, stacked tags.
                let start = self.rng.below(len);
                let end = (start + 1 + self.rng.below(16)).min(len);
                let copy = data[start..end].to_vec();
                data.splice(at..at, copy);
            }
            6 => data.truncate(at),
            7 if !corpus.is_empty() => {
                let other = &corpus[self.rng.below(corpus.len())];
                let from = self.rng.below(other.len() + 1);
                let end = (from + 1 + self.rng.below(64)).min(other.len());
                data.splice(at..at, other[from..end].iter().copied());
            }
            8 | 9 if !self.dictionary.is_empty() => {
                let token = self.dictionary[self.rng.below(self.dictionary.len())];
                if self.rng.below(2) == 0 && len > 0 {
                    // Replace a run of bytes with the token.
                    let end = (at + 1 + self.rng.below(8)).min(len);
                    data.splice(at.min(end)..end, token.bytes());
                } else {
                    data.splice(at..at, token.bytes());
                }
            }
            _ => {
                if len > 0 {
                    data[at.min(len - 1)] = data[at.min(len - 1)].wrapping_add(1 + self.rng.below(3) as u8);
                }
            }
        }
    }
}
