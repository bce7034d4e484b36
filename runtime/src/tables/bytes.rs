//! The byte format the engines are serialised in: a 4-byte tag naming the
//! engine, then little-endian integers. Decoding checks every length, so a
//! damaged blob is an error, never a panic.

use core::fmt;

/// Why a serialised table could not be decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableError {
    pub engine: &'static str,
    pub offset: usize,
    pub problem: &'static str,
}

impl fmt::Display for TableError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} table data, offset {}: {}", self.engine, self.offset, self.problem)
    }
}

impl std::error::Error for TableError {}

#[derive(Default)]
pub(super) struct Writer {
    pub bytes: Vec<u8>,
}

impl Writer {
    pub fn new(tag: &[u8; 4]) -> Writer {
        Writer { bytes: tag.to_vec() }
    }

    pub fn u8(&mut self, value: u8) {
        self.bytes.push(value);
    }

    pub fn u32(&mut self, value: u32) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    pub fn u128(&mut self, value: u128) {
        self.bytes.extend_from_slice(&value.to_le_bytes());
    }

    pub fn len(&mut self, value: usize) {
        self.u32(u32::try_from(value).expect("tables hold fewer than 2^32 items"));
    }
}

pub(super) struct Reader<'a> {
    engine: &'static str,
    bytes: &'a [u8],
    offset: usize,
}

impl<'a> Reader<'a> {
    pub fn new(engine: &'static str, tag: &[u8; 4], bytes: &'a [u8]) -> Result<Reader<'a>, TableError> {
        let mut reader = Reader { engine, bytes, offset: 0 };
        if reader.take(4)? != tag {
            return Err(reader.error_at(0, "not this engine's data (wrong tag)"));
        }
        Ok(reader)
    }

    pub fn error_at(&self, offset: usize, problem: &'static str) -> TableError {
        TableError { engine: self.engine, offset, problem }
    }

    pub fn error(&self, problem: &'static str) -> TableError {
        self.error_at(self.offset, problem)
    }

    fn take(&mut self, count: usize) -> Result<&'a [u8], TableError> {
        let end = self.offset.checked_add(count).filter(|&end| end <= self.bytes.len());
        let Some(end) = end else {
            return Err(self.error("data ends early"));
        };
        let taken = &self.bytes[self.offset..end];
        self.offset = end;
        Ok(taken)
    }

    pub fn u8(&mut self) -> Result<u8, TableError> {
        Ok(self.take(1)?[0])
    }

    pub fn u32(&mut self) -> Result<u32, TableError> {
        let mut raw = [0; 4];
        raw.copy_from_slice(self.take(4)?);
        Ok(u32::from_le_bytes(raw))
    }

    pub fn u128(&mut self) -> Result<u128, TableError> {
        let mut raw = [0; 16];
        raw.copy_from_slice(self.take(16)?);
        Ok(u128::from_le_bytes(raw))
    }

    /// A count of items that each take at least `item_size` bytes: checked
    /// against what is left, so a corrupt count cannot make us allocate
    /// gigabytes before failing.
    pub fn count(&mut self, item_size: usize) -> Result<usize, TableError> {
        let count = self.u32()? as usize;
        if count.saturating_mul(item_size) > self.bytes.len() - self.offset {
            return Err(self.error("item count exceeds the data"));
        }
        Ok(count)
    }

    pub fn finish(self) -> Result<(), TableError> {
        if self.offset != self.bytes.len() {
            return Err(self.error("trailing bytes"));
        }
        Ok(())
    }
}
