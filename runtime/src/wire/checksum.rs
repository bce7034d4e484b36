//! The internet checksum (RFC 1071) and its incremental update (RFC 1624).
//!
//! Sums are kept as `u32` accumulators of big-endian 16-bit words and folded
//! to 16 bits with end-around carry only at the end, so partial sums (a
//! pseudo-header, then a header) can be added together cheaply.

/// The one's-complement sum of `data` as big-endian 16-bit words (an odd last
/// byte is padded with zero), not yet folded.
///
/// The accumulator is 64-bit inside so that even a maximum-size jumbo frame
/// cannot overflow it; the result is folded to fit `u32`.
#[inline]
pub fn sum(data: &[u8]) -> u32 {
    let mut acc: u64 = 0;
    let mut words = data.chunks_exact(2);
    for word in &mut words {
        acc += u64::from(u16::from_be_bytes([word[0], word[1]]));
    }
    if let [last] = words.remainder() {
        acc += u64::from(*last) << 8;
    }
    // Two folds bring any u64 sum of 16-bit words below 2^32.
    acc = (acc & 0xffff_ffff) + (acc >> 32);
    acc = (acc & 0xffff_ffff) + (acc >> 32);
    acc as u32
}

/// Folds a 32-bit accumulator to 16 bits with end-around carry.
#[inline]
pub fn fold(mut acc: u32) -> u16 {
    acc = (acc & 0xffff) + (acc >> 16);
    acc = (acc & 0xffff) + (acc >> 16);
    acc as u16
}

/// Adds two accumulators without losing a carry.
#[inline]
pub fn combine(a: u32, b: u32) -> u32 {
    let (s, carry) = a.overflowing_add(b);
    // A carry out of bit 31 is worth 2^32 = 1 (mod 0xffff); add it back.
    s.wrapping_add(carry as u32)
}

/// The checksum of `data` (the value to store in a checksum field that was
/// zero while summing).
#[inline]
pub fn checksum(data: &[u8]) -> u16 {
    !fold(sum(data))
}

/// Whether `data`, checksum field included, sums to all ones.
#[inline]
pub fn verify(data: &[u8]) -> bool {
    fold(sum(data)) == 0xffff
}

/// The checksum of a layer-4 message: its bytes plus a pseudo-header sum.
#[inline]
pub fn checksum_with(pseudo_header: u32, data: &[u8]) -> u16 {
    !fold(combine(pseudo_header, sum(data)))
}

/// Whether a layer-4 message with its pseudo-header sums to all ones.
#[inline]
pub fn verify_with(pseudo_header: u32, data: &[u8]) -> bool {
    fold(combine(pseudo_header, sum(data))) == 0xffff
}

/// Sum of the IPv4 pseudo-header (RFC 793 §3.1, RFC 768): source, destination,
/// zero and protocol, layer-4 length.
#[inline]
pub fn pseudo_header_ipv4(src: u32, dst: u32, protocol: u8, length: u16) -> u32 {
    (src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + u32::from(protocol) + u32::from(length)
}

/// Sum of the IPv6 pseudo-header (RFC 8200 §8.1): source, destination,
/// upper-layer length (32 bits), three zero bytes and next header.
#[inline]
pub fn pseudo_header_ipv6(src: u128, dst: u128, next_header: u8, length: u32) -> u32 {
    combine(combine(sum128(src), sum128(dst)), (length >> 16) + (length & 0xffff) + u32::from(next_header))
}

/// The 16-bit-word sum of a 128-bit value.
#[inline]
fn sum128(value: u128) -> u32 {
    fold(sum32(value as u32) + sum32((value >> 32) as u32) + sum32((value >> 64) as u32) + sum32((value >> 96) as u32))
        as u32
}

#[inline]
fn sum32(value: u32) -> u32 {
    (value >> 16) + (value & 0xffff)
}

/// RFC 1624 eqn. 3: the checksum after one 16-bit word of the covered data
/// changed from `old` to `new`: `HC' = ~(~HC + ~m + m')`.
///
/// Unlike eqn. 2 this never produces the -0 artefact RFC 1624 warns about when
/// the data is otherwise non-zero; a result of `0x0000` can still occur and is
/// a valid checksum (callers for UDP, where 0 means "no checksum", must map it
/// to `0xffff`).
#[inline]
pub fn update16(checksum: u16, old: u16, new: u16) -> u16 {
    !fold(u32::from(!checksum) + u32::from(!old) + u32::from(new))
}

/// [`update16`] for a 32-bit field (two adjacent, word-aligned 16-bit words).
#[inline]
pub fn update32(checksum: u16, old: u32, new: u32) -> u16 {
    !fold(u32::from(!checksum) + sum32(!old) + sum32(new))
}

/// [`update16`] for a 128-bit field (an IPv6 address).
#[inline]
pub fn update128(checksum: u16, old: u128, new: u128) -> u16 {
    !fold(u32::from(!checksum) + sum128(!old) + sum128(new))
}

/// [`update16`] for a 48-bit field (not covered by any checksum in the
/// headers nfc edits, kept for completeness of the word sizes).
#[inline]
pub fn update48(checksum: u16, old: u64, new: u64) -> u16 {
    let sum48 = |v: u64| ((v >> 32) & 0xffff) as u32 + ((v >> 16) & 0xffff) as u32 + (v & 0xffff) as u32;
    !fold(u32::from(!checksum) + sum48(!old) + sum48(new))
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 1071 §3 worked example: words 0001 f203 f4f5 f6f7 sum to ddf2.
    #[test]
    fn rfc1071_example_sum() {
        let data = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        assert_eq!(fold(sum(&data)), 0xddf2);
        assert_eq!(checksum(&data), !0xddf2);
    }

    #[test]
    fn odd_length_pads_with_zero() {
        assert_eq!(fold(sum(&[0x12, 0x34, 0x56])), 0x1234 + 0x5600);
    }

    // A real IPv4 header (from a capture); its stored checksum is b861.
    const IPV4: [u8; 20] = [
        0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8,
        0x00, 0xc7,
    ];

    #[test]
    fn ipv4_header_checksum_verifies_and_recomputes() {
        assert!(verify(&IPV4));
        let mut zeroed = IPV4;
        zeroed[10] = 0;
        zeroed[11] = 0;
        assert_eq!(checksum(&zeroed), 0xb861);
    }

    #[test]
    fn incremental_update_matches_recomputation() {
        let mut header = IPV4;
        // TTL 0x40 -> 0x3f: word at 8 is 0x4011 -> 0x3f11.
        header[8] = 0x3f;
        let updated = update16(0xb861, 0x4011, 0x3f11);
        header[10..12].copy_from_slice(&updated.to_be_bytes());
        assert!(verify(&header));
        // Source 192.168.0.1 -> 10.1.2.3.
        let new_src = u32::from_be_bytes([10, 1, 2, 3]);
        let updated = update32(updated, 0xc0a8_0001, new_src);
        header[12..16].copy_from_slice(&new_src.to_be_bytes());
        header[10..12].copy_from_slice(&updated.to_be_bytes());
        assert!(verify(&header));
    }

    #[test]
    fn update128_matches_recomputation() {
        let mut data = [0u8; 20];
        data[0] = 0x12;
        data[19] = 0x99;
        let c = checksum(&data);
        data[2..4].copy_from_slice(&c.to_be_bytes());
        let old = u128::from_be_bytes(data[4..20].try_into().unwrap());
        let new = 0x2001_0db8_0000_0000_0000_0000_dead_beef_u128;
        data[4..20].copy_from_slice(&new.to_be_bytes());
        let c = update128(c, old, new);
        data[2..4].copy_from_slice(&c.to_be_bytes());
        assert!(verify(&data));
    }

    #[test]
    fn update48_matches_recomputation() {
        let mut data = [0xabu8; 10];
        data[0] = 0;
        data[1] = 0;
        let c = checksum(&data);
        data[0..2].copy_from_slice(&c.to_be_bytes());
        let new = 0x0200_0000_0001_u64;
        data[4..10].copy_from_slice(&new.to_be_bytes()[2..]);
        let c = update48(c, 0xabab_abab_abab, new);
        data[0..2].copy_from_slice(&c.to_be_bytes());
        assert!(verify(&data));
    }

    #[test]
    fn pseudo_headers_match_their_byte_layout() {
        let mut v4 = Vec::new();
        v4.extend_from_slice(&[10, 0, 0, 1, 192, 168, 1, 2, 0, 6, 0x05, 0xdc]);
        assert_eq!(fold(pseudo_header_ipv4(0x0a00_0001, 0xc0a8_0102, 6, 1500)), fold(sum(&v4)));
        let src = 0xfe80_0000_0000_0000_0202_b3ff_fe1e_8329_u128;
        let dst = 0xff02_0000_0000_0000_0000_0000_0000_0001_u128;
        let mut v6 = Vec::new();
        v6.extend_from_slice(&src.to_be_bytes());
        v6.extend_from_slice(&dst.to_be_bytes());
        v6.extend_from_slice(&[0, 1, 0, 8, 0, 0, 0, 58]);
        assert_eq!(fold(pseudo_header_ipv6(src, dst, 58, 0x0001_0008)), fold(sum(&v6)));
    }

    #[test]
    fn combine_keeps_the_carry() {
        // 0xffff_ffff = 0xffff * 0x10001 is a multiple of 0xffff (a zero), so the
        // sum must be worth 2; dropping the carry out of bit 31 would give 1.
        assert_eq!(fold(combine(0xffff_ffff, 2)), 2);
    }
}
