//! Action data: the parameters of a large table's entries (MACs, addresses,
//! ports, VLAN ids, next stages), as the compiler writes them into static
//! data and generated code reads them back once, when the function is built.
//!
//! Values are little-endian, each in as many bytes as its type needs, one
//! entry's after another: the generated code knows the layout, so the bytes
//! carry no tags or lengths.

/// Appends `value` in `width` little-endian bytes.
pub fn push(out: &mut Vec<u8>, value: u128, width: usize) {
    out.extend_from_slice(&value.to_le_bytes()[..width.min(16)]);
}

/// Reads values back in the order `push` wrote them.
#[derive(Clone, Debug)]
pub struct Params<'a> {
    bytes: &'a [u8],
}

impl<'a> Params<'a> {
    pub fn new(bytes: &'a [u8]) -> Params<'a> {
        Params { bytes }
    }

    /// The next `width`-byte value. Past the end (data the compiler did not
    /// write) it reads zeros rather than failing: generated code only ever
    /// reads what it wrote.
    pub fn take(&mut self, width: usize) -> u128 {
        let width = width.min(16);
        let mut raw = [0u8; 16];
        let available = width.min(self.bytes.len());
        raw[..available].copy_from_slice(&self.bytes[..available]);
        self.bytes = &self.bytes[available..];
        u128::from_le_bytes(raw)
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_back_at_their_widths() {
        let mut out = Vec::new();
        push(&mut out, 0x0200_0000_0a0b, 6);
        push(&mut out, 7, 1);
        push(&mut out, u128::MAX, 16);
        assert_eq!(out.len(), 23);
        let mut params = Params::new(&out);
        assert_eq!(params.take(6), 0x0200_0000_0a0b);
        assert_eq!(params.take(1), 7);
        assert!(!params.is_empty());
        assert_eq!(params.take(16), u128::MAX);
        assert!(params.is_empty());
        assert_eq!(params.take(4), 0, "past the end reads zeros");
    }
}
