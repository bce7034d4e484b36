//! Registers of the Intel 82599, declared once as typed data, and the one
//! small trait through which the driver reaches them.
//!
//! The driver is generic over `R: RegisterAccess`: volatile MMIO on hardware
//! (`crate::env::mmio`), the software model in tests. Monomorphisation means
//! the hot loop pays nothing for the indirection.

mod defs;

pub use defs::*;

/// A 32-bit device register: its datasheet name and its byte offset in BAR0.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Register {
    pub name: &'static str,
    pub offset: u32,
}

impl Register {
    pub const fn new(name: &'static str, offset: u32) -> Register {
        Register { name, offset }
    }
}

/// A family of registers repeated per queue or per index
/// (e.g. `RDBAL[n]` at `0x01000 + 0x40 * n` for n < 64).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct RegisterArray {
    pub name: &'static str,
    pub base: u32,
    pub stride: u32,
    pub count: u32,
}

impl RegisterArray {
    pub const fn new(name: &'static str, base: u32, stride: u32, count: u32) -> RegisterArray {
        RegisterArray { name, base, stride, count }
    }

    /// The register for index `n`; panics (at init, never per packet) past `count`.
    #[inline]
    pub const fn at(&self, n: u32) -> Register {
        assert!(n < self.count, "register index out of range");
        Register { name: self.name, offset: self.base + self.stride * n }
    }

    /// The index of `offset` in this family, if it is one of its registers.
    pub const fn index_of(&self, offset: u32) -> Option<u32> {
        if offset < self.base || !(offset - self.base).is_multiple_of(self.stride) {
            return None;
        }
        let n = (offset - self.base) / self.stride;
        if n < self.count {
            Some(n)
        } else {
            None
        }
    }
}

/// A bit field inside a register: `width` bits starting at bit `shift`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Field {
    pub name: &'static str,
    pub shift: u32,
    pub width: u32,
}

impl Field {
    pub const fn bit(name: &'static str, shift: u32) -> Field {
        Field { name, shift, width: 1 }
    }

    pub const fn bits(name: &'static str, shift: u32, width: u32) -> Field {
        Field { name, shift, width }
    }

    /// The field's bits in place.
    #[inline]
    pub const fn mask(&self) -> u32 {
        (((1u64 << self.width) - 1) as u32) << self.shift
    }

    /// The field's value in `reg`.
    #[inline]
    pub const fn get(&self, reg: u32) -> u32 {
        (reg & self.mask()) >> self.shift
    }

    /// `reg` with the field set to `value` (excess bits dropped).
    #[inline]
    pub const fn set(&self, reg: u32, value: u32) -> u32 {
        (reg & !self.mask()) | ((value << self.shift) & self.mask())
    }

    #[inline]
    pub const fn is_set(&self, reg: u32) -> bool {
        reg & self.mask() != 0
    }
}

/// Access to one device's registers. Implemented by volatile MMIO on hardware
/// and by the software model; the driver is generic over it.
pub trait RegisterAccess {
    fn read(&self, reg: Register) -> u32;
    fn write(&self, reg: Register, value: u32);

    /// Read-modify-write setting `field` to `value`.
    #[inline]
    fn write_field(&self, reg: Register, field: Field, value: u32) {
        let old = self.read(reg);
        self.write(reg, field.set(old, value));
    }

    /// Read-modify-write setting the bits of `field`.
    #[inline]
    fn set_bits(&self, reg: Register, field: Field) {
        let old = self.read(reg);
        self.write(reg, old | field.mask());
    }

    /// Read-modify-write clearing the bits of `field`.
    #[inline]
    fn clear_bits(&self, reg: Register, field: Field) {
        let old = self.read(reg);
        self.write(reg, old & !field.mask());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_extract_and_insert() {
        let f = Field::bits("X", 4, 3);
        assert_eq!(f.mask(), 0b111_0000);
        assert_eq!(f.get(0b1010_1111), 0b010);
        assert_eq!(f.set(0xFFFF_FFFF, 0), 0xFFFF_FF8F);
        assert_eq!(f.set(0, 0xFF), 0b111_0000);
        assert_eq!(Field::bits("ALL", 0, 32).mask(), u32::MAX);
    }

    #[test]
    fn arrays_map_indices_both_ways() {
        let a = RegisterArray::new("RDT", 0x01018, 0x40, 64);
        assert_eq!(a.at(2).offset, 0x01098);
        assert_eq!(a.index_of(0x01098), Some(2));
        assert_eq!(a.index_of(0x01099), None);
        assert_eq!(a.index_of(0x01018 + 0x40 * 64), None);
    }
}
