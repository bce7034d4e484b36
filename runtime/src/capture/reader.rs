//! Reads packets from pcap and pcapng captures, streaming, into one reused
//! buffer.
//!
//! Formats, as tcpdump and Wireshark write them:
//! - pcap: a 24-byte file header (magic 0xa1b2c3d4 for microsecond or
//!   0xa1b23c4d for nanosecond timestamps, in the writer's byte order), then
//!   16-byte record headers (seconds, fraction, captured length, original
//!   length) each followed by the captured bytes.
//! - pcapng: blocks of (type, total length, body, total length), 32-bit
//!   aligned. A Section Header (0x0A0D0D0A) sets the byte order through its
//!   0x1A2B3C4D magic; Interface Description blocks (1) give each interface's
//!   link type and timestamp resolution (option `if_tsresol`, code 9);
//!   packets come in Enhanced (6), Simple (3) or the obsolete Packet (2)
//!   blocks; every other block is skipped.
//!
//! Only Ethernet captures (link type 1) are frames the network function can
//! take. Every problem is reported with the file and the byte offset where
//! it was found; a capture that ends in the middle of a record is an error,
//! not a silent end.

use super::CaptureError;
use std::fs::File;
use std::io::{BufReader, ErrorKind, Read};
use std::path::Path;

/// LINKTYPE_ETHERNET, in both formats.
const ETHERNET: u32 = 1;
/// Larger records are damage, not packets: 256 KiB is tcpdump's own snap
/// length limit, and GSO captures on Linux stay within 64 KiB.
pub const MAX_RECORD: usize = 256 * 1024;

const PCAP_MICROS: u32 = 0xa1b2_c3d4;
const PCAP_NANOS: u32 = 0xa1b2_3c4d;
const PCAPNG_SECTION: u32 = 0x0a0d_0d0a;
const PCAPNG_BYTE_ORDER: u32 = 0x1a2b_3c4d;

/// One packet's metadata; its bytes are in the buffer passed to `next_into`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    /// Nanoseconds since the Unix epoch.
    pub timestamp_ns: u64,
    /// Length on the wire; larger than the captured bytes when the capture
    /// was cut at a snap length.
    pub original_len: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// Classic pcap; the value is nanoseconds per timestamp fraction unit.
    Pcap {
        nanos_per_unit: u64,
    },
    Pcapng,
}

/// A pcapng interface: what its packets' timestamps count.
#[derive(Clone, Copy, Debug)]
struct Interface {
    ethernet: bool,
    /// Timestamp units per second (10^6 unless `if_tsresol` says otherwise).
    units_per_second: u64,
}

pub struct CaptureReader<R> {
    name: String,
    input: R,
    /// Bytes consumed so far: the offset errors name.
    offset: u64,
    format: Format,
    big_endian: bool,
    interfaces: Vec<Interface>,
    /// Timestamp of the last packet, for Simple Packet Blocks which have none.
    last_timestamp_ns: u64,
    /// A block body being parsed (pcapng), reused.
    block: Vec<u8>,
}

impl CaptureReader<BufReader<File>> {
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        let name = path.display().to_string();
        let file = File::open(path).map_err(|e| CaptureError::file(&name, format!("cannot open: {e}")))?;
        CaptureReader::new(name, BufReader::with_capacity(1 << 16, file))
    }
}

impl<R: Read> CaptureReader<R> {
    /// Reads the file header; `name` is what errors call the capture.
    pub fn new(name: impl Into<String>, input: R) -> Result<Self, CaptureError> {
        let mut reader = CaptureReader {
            name: name.into(),
            input,
            offset: 0,
            format: Format::Pcapng,
            big_endian: false,
            interfaces: Vec::new(),
            last_timestamp_ns: 0,
            block: Vec::new(),
        };
        let mut magic = [0; 4];
        if reader.fill(&mut magic)? < 4 {
            return Err(reader.error(0, "empty or shorter than any capture header: not a pcap or pcapng file"));
        }
        let little = u32::from_le_bytes(magic);
        let big = u32::from_be_bytes(magic);
        match (little, big) {
            (PCAPNG_SECTION, _) => {
                let mut length = [0; 4];
                reader.read_all(&mut length, 0, "pcapng section header")?;
                reader.section_header(length, 0)?;
            }
            (PCAP_MICROS | PCAP_NANOS, _) | (_, PCAP_MICROS | PCAP_NANOS) => {
                reader.big_endian = big == PCAP_MICROS || big == PCAP_NANOS;
                let nanos = if reader.u32(magic) == PCAP_NANOS { 1 } else { 1000 };
                reader.format = Format::Pcap { nanos_per_unit: nanos };
                let mut header = [0; 20];
                reader.read_all(&mut header, 4, "pcap file header")?;
                let link_type = reader.u32(header[16..20].try_into().unwrap()) & 0xffff;
                if link_type != ETHERNET {
                    return Err(reader.error(
                        20,
                        format!("link type {link_type} is not Ethernet (1); only Ethernet captures can be replayed"),
                    ));
                }
            }
            _ => {
                return Err(reader.error(
                    0,
                    format!(
                        "magic number {little:#010x} is neither pcap (0xa1b2c3d4, 0xa1b23c4d) nor pcapng (0x0a0d0d0a)"
                    ),
                ))
            }
        }
        Ok(reader)
    }

    /// Reads the next packet into `data` (replacing its contents); `None` at
    /// the end of the capture.
    pub fn next_into(&mut self, data: &mut Vec<u8>) -> Result<Option<Record>, CaptureError> {
        match self.format {
            Format::Pcap { nanos_per_unit } => self.next_pcap(nanos_per_unit, data),
            Format::Pcapng => self.next_pcapng(data),
        }
    }

    fn next_pcap(&mut self, nanos_per_unit: u64, data: &mut Vec<u8>) -> Result<Option<Record>, CaptureError> {
        let start = self.offset;
        let mut header = [0; 16];
        match self.fill(&mut header)? {
            0 => return Ok(None),
            16 => {}
            got => {
                return Err(self.error(start, format!("the capture ends inside a record header ({got} of 16 bytes)")))
            }
        }
        let field = |i: usize| self.u32(header[i..i + 4].try_into().unwrap());
        let (seconds, fraction, captured, original) = (field(0), field(4), field(8), field(12));
        if captured as usize > MAX_RECORD {
            return Err(self.error(
                start,
                format!("a record claims {captured} captured bytes (at most {MAX_RECORD}): the file is damaged"),
            ));
        }
        data.resize(captured as usize, 0);
        self.read_all(data, start, "record")?;
        let timestamp_ns = u64::from(seconds) * 1_000_000_000 + u64::from(fraction) * nanos_per_unit;
        Ok(Some(Record { timestamp_ns, original_len: original }))
    }

    fn next_pcapng(&mut self, data: &mut Vec<u8>) -> Result<Option<Record>, CaptureError> {
        loop {
            let start = self.offset;
            let mut head = [0; 8];
            match self.fill(&mut head)? {
                0 => return Ok(None),
                8 => {}
                got => {
                    return Err(self.error(start, format!("the capture ends inside a block header ({got} of 8 bytes)")))
                }
            }
            if u32::from_le_bytes(head[0..4].try_into().unwrap()) == PCAPNG_SECTION {
                // A new section may switch byte order; its header re-reads it.
                self.section_header(head[4..8].try_into().unwrap(), start)?;
                continue;
            }
            let block_type = self.u32(head[0..4].try_into().unwrap());
            self.block_body(head[4..8].try_into().unwrap(), start)?;
            let packet = match block_type {
                1 => {
                    self.interface_description(start)?;
                    continue;
                }
                6 => self.enhanced_packet(start, data)?,
                3 => self.simple_packet(start, data)?,
                2 => self.obsolete_packet(start, data)?,
                _ => continue,
            };
            match packet {
                Some(record) => return Ok(Some(record)),
                // A packet on a non-Ethernet interface of a mixed capture.
                None => continue,
            }
        }
    }

    /// The rest of a Section Header Block starting at `start`, whose type and
    /// (still undecoded) length have been read.
    fn section_header(&mut self, length: [u8; 4], start: u64) -> Result<(), CaptureError> {
        let mut byte_order = [0; 4];
        self.read_all(&mut byte_order, start, "pcapng section header")?;
        self.big_endian = match (u32::from_le_bytes(byte_order), u32::from_be_bytes(byte_order)) {
            (PCAPNG_BYTE_ORDER, _) => false,
            (_, PCAPNG_BYTE_ORDER) => true,
            (other, _) => {
                return Err(
                    self.error(start + 8, format!("pcapng byte-order magic is {other:#010x}, expected 0x1a2b3c4d"))
                )
            }
        };
        self.interfaces.clear();
        self.format = Format::Pcapng;
        let total = self.u32(length) as usize;
        if total < 28 || !total.is_multiple_of(4) {
            return Err(self
                .error(start, format!("pcapng section header length {total} is not a multiple of 4 of at least 28")));
        }
        // Version, section length and options are not needed; skip them
        // and the trailing length.
        self.block.resize(total - 12, 0);
        let mut rest = std::mem::take(&mut self.block);
        let read = self.read_all(&mut rest, start, "pcapng section header");
        self.block = rest;
        read
    }

    /// Reads a block's body and trailing length into `self.block`, checking
    /// that both lengths agree.
    fn block_body(&mut self, length: [u8; 4], start: u64) -> Result<(), CaptureError> {
        let total = self.u32(length) as usize;
        if total < 12 || !total.is_multiple_of(4) || total > MAX_RECORD + 64 {
            return Err(self.error(
                start,
                format!("pcapng block length {total} is not a multiple of 4 between 12 and {}", MAX_RECORD + 64),
            ));
        }
        self.block.resize(total - 8, 0);
        let mut block = std::mem::take(&mut self.block);
        let read = self.read_all(&mut block, start, "pcapng block");
        self.block = block;
        read?;
        let body = total - 12;
        let trailer = self.u32(self.block[body..].try_into().unwrap()) as usize;
        if trailer != total {
            return Err(self.error(
                start,
                format!("pcapng block says it is {total} bytes long at its start and {trailer} at its end"),
            ));
        }
        self.block.truncate(body);
        Ok(())
    }

    fn interface_description(&mut self, start: u64) -> Result<(), CaptureError> {
        if self.block.len() < 8 {
            return Err(self.error(start, "pcapng interface description shorter than 8 bytes"));
        }
        let link_type = u32::from(self.u16(0));
        let mut units_per_second = 1_000_000;
        // Options: (code u16, length u16, value padded to 4), ending at code 0.
        let mut at = 8;
        while at + 4 <= self.block.len() {
            let (code, length) = (self.u16(at), usize::from(self.u16(at + 2)));
            if code == 0 {
                break;
            }
            if code == 9 && length == 1 && at + 4 < self.block.len() {
                let resolution = self.block[at + 4];
                let exponent = u32::from(resolution & 0x7f);
                units_per_second =
                    if resolution & 0x80 == 0 { 10u64.checked_pow(exponent) } else { 1u64.checked_shl(exponent) }
                        .filter(|&u| u <= 1_000_000_000_000)
                        .ok_or_else(|| {
                            self.error(
                                start,
                                format!(
                                    "pcapng timestamp resolution {resolution:#04x} is finer than this reader supports"
                                ),
                            )
                        })?;
            }
            at += 4 + length.div_ceil(4) * 4;
        }
        self.interfaces.push(Interface { ethernet: link_type == ETHERNET, units_per_second });
        Ok(())
    }

    fn enhanced_packet(&mut self, start: u64, data: &mut Vec<u8>) -> Result<Option<Record>, CaptureError> {
        if self.block.len() < 20 {
            return Err(self.error(start, "pcapng enhanced packet block shorter than 20 bytes"));
        }
        let interface = self.interface(self.u32_at(0), start)?;
        let units = (u64::from(self.u32_at(4)) << 32) | u64::from(self.u32_at(8));
        let (captured, original) = (self.u32_at(12) as usize, self.u32_at(16));
        self.packet(start, 20, captured, interface, Some(units), original, data)
    }

    fn simple_packet(&mut self, start: u64, data: &mut Vec<u8>) -> Result<Option<Record>, CaptureError> {
        if self.block.len() < 4 {
            return Err(self.error(start, "pcapng simple packet block shorter than 4 bytes"));
        }
        let interface = self.interface(0, start)?;
        let original = self.u32_at(0);
        // The captured length is implicit: the original, cut to the block.
        let captured = (original as usize).min(self.block.len() - 4);
        self.packet(start, 4, captured, interface, None, original, data)
    }

    fn obsolete_packet(&mut self, start: u64, data: &mut Vec<u8>) -> Result<Option<Record>, CaptureError> {
        if self.block.len() < 20 {
            return Err(self.error(start, "pcapng packet block shorter than 20 bytes"));
        }
        let interface = self.interface(u32::from(self.u16(0)), start)?;
        let units = (u64::from(self.u32_at(4)) << 32) | u64::from(self.u32_at(8));
        let (captured, original) = (self.u32_at(12) as usize, self.u32_at(16));
        self.packet(start, 20, captured, interface, Some(units), original, data)
    }

    #[allow(clippy::too_many_arguments)]
    fn packet(
        &mut self,
        start: u64,
        at: usize,
        captured: usize,
        interface: Interface,
        units: Option<u64>,
        original_len: u32,
        data: &mut Vec<u8>,
    ) -> Result<Option<Record>, CaptureError> {
        if at + captured > self.block.len() {
            return Err(self.error(
                start,
                format!("a packet claims {captured} captured bytes, its block holds {}", self.block.len() - at),
            ));
        }
        if !interface.ethernet {
            return Ok(None);
        }
        let timestamp_ns = match units {
            Some(units) => {
                let per = interface.units_per_second;
                let nanos = u128::from(units % per) * 1_000_000_000 / u128::from(per);
                (units / per).saturating_mul(1_000_000_000).saturating_add(nanos as u64)
            }
            None => self.last_timestamp_ns,
        };
        self.last_timestamp_ns = timestamp_ns;
        data.clear();
        data.extend_from_slice(&self.block[at..at + captured]);
        Ok(Some(Record { timestamp_ns, original_len }))
    }

    fn interface(&self, id: u32, start: u64) -> Result<Interface, CaptureError> {
        self.interfaces.get(id as usize).copied().ok_or_else(|| {
            self.error(
                start,
                format!("a packet names interface {id}, but the section describes {}", self.interfaces.len()),
            )
        })
    }

    fn u32(&self, bytes: [u8; 4]) -> u32 {
        if self.big_endian {
            u32::from_be_bytes(bytes)
        } else {
            u32::from_le_bytes(bytes)
        }
    }

    fn u32_at(&self, at: usize) -> u32 {
        self.u32(self.block[at..at + 4].try_into().unwrap())
    }

    fn u16(&self, at: usize) -> u16 {
        let bytes = [self.block[at], self.block[at + 1]];
        if self.big_endian {
            u16::from_be_bytes(bytes)
        } else {
            u16::from_le_bytes(bytes)
        }
    }

    /// Fills `buffer` as far as the input goes; returns how much was read.
    fn fill(&mut self, buffer: &mut [u8]) -> Result<usize, CaptureError> {
        let mut got = 0;
        while got < buffer.len() {
            match self.input.read(&mut buffer[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(self.error(self.offset + got as u64, format!("read failed: {e}"))),
            }
        }
        self.offset += got as u64;
        Ok(got)
    }

    /// Fills `buffer` completely, or reports the capture as truncated inside
    /// the `what` that began at `start`.
    fn read_all(&mut self, buffer: &mut [u8], start: u64, what: &str) -> Result<(), CaptureError> {
        let got = self.fill(buffer)?;
        if got < buffer.len() {
            return Err(self.error(
                start,
                format!(
                    "the capture is truncated: the {what} here needs {} more bytes than the file has",
                    buffer.len() - got
                ),
            ));
        }
        Ok(())
    }

    fn error(&self, offset: u64, problem: impl Into<String>) -> CaptureError {
        CaptureError::new(&self.name, offset, problem)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(bytes: &[u8]) -> Result<Vec<(Record, Vec<u8>)>, CaptureError> {
        let mut reader = CaptureReader::new("t.pcap", bytes)?;
        let mut out = Vec::new();
        let mut data = Vec::new();
        while let Some(record) = reader.next_into(&mut data)? {
            out.push((record, data.clone()));
        }
        Ok(out)
    }

    /// Big-endian, microsecond pcap with one 4-byte record, written out by hand.
    const BIG_ENDIAN_PCAP: [u8; 44] = [
        0xa1, 0xb2, 0xc3, 0xd4, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0, 1, // file header
        0, 0, 0, 10, 0, 0, 0, 7, 0, 0, 0, 4, 0, 0, 0, 60, // 10 s + 7 us, 4 of 60 bytes
        0xde, 0xad, 0xbe, 0xef,
    ];

    #[test]
    fn reads_a_big_endian_microsecond_pcap() {
        let records = read_all(&BIG_ENDIAN_PCAP).unwrap();
        assert_eq!(
            records,
            vec![(Record { timestamp_ns: 10_000_007_000, original_len: 60 }, vec![0xde, 0xad, 0xbe, 0xef])]
        );
    }

    #[test]
    fn a_record_cut_short_is_an_error_at_its_offset() {
        let error = read_all(&BIG_ENDIAN_PCAP[..42]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "t.pcap: at byte offset 24: the capture is truncated: the record here needs 2 more bytes than the file has"
        );
        let error = read_all(&BIG_ENDIAN_PCAP[..30]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "t.pcap: at byte offset 24: the capture ends inside a record header (6 of 16 bytes)"
        );
    }

    #[test]
    fn not_a_capture_and_not_ethernet_are_errors() {
        let error = read_all(b"GET / HTTP/1.1\r\n").unwrap_err();
        assert_eq!(error.offset, Some(0));
        assert!(error.problem.contains("magic number 0x20544547 is neither pcap"), "{error}");
        let mut linux_cooked = BIG_ENDIAN_PCAP;
        linux_cooked[23] = 113;
        assert!(read_all(&linux_cooked).unwrap_err().problem.contains("link type 113 is not Ethernet"));
        assert!(read_all(&[]).unwrap_err().problem.contains("empty"));
    }

    #[test]
    fn a_record_claiming_gigabytes_is_damage_not_an_allocation() {
        let mut damaged = BIG_ENDIAN_PCAP;
        damaged[32..36].copy_from_slice(&0x4000_0000u32.to_be_bytes());
        assert!(read_all(&damaged).unwrap_err().problem.contains("claims 1073741824 captured bytes"));
    }

    /// Little-endian pcapng: section header, an interface with timestamps in
    /// 2^-10 s (if_tsresol 0x8a), a name-resolution block to skip, and one
    /// enhanced packet of 5 bytes.
    fn pcapng() -> Vec<u8> {
        let mut bytes = Vec::new();
        let le = |v: u32| v.to_le_bytes();
        // Section header: type, length 28, byte-order magic, version 1.0, section length -1, length.
        bytes.extend([le(0x0a0d0d0a), le(28), le(0x1a2b3c4d)].concat());
        bytes.extend([1, 0, 0, 0]);
        bytes.extend([0xff; 8]);
        bytes.extend(le(28));
        // Interface description: link type 1, snap length 0, if_tsresol = 0x8a, end of options.
        bytes.extend([le(1), le(32), le(1), le(0)].concat());
        bytes.extend([9, 0, 1, 0, 0x8a, 0, 0, 0, 0, 0, 0, 0]);
        bytes.extend(le(32));
        // Name resolution block, empty (end of records), skipped.
        bytes.extend([le(4), le(16), le(0), le(16)].concat());
        // Enhanced packet: interface 0, 3 * 1024 + 512 units = 3.5 s, 5 of 64 bytes, padded to 8.
        bytes.extend([le(6), le(40), le(0), le(0), le(3 * 1024 + 512), le(5), le(64)].concat());
        bytes.extend([1, 2, 3, 4, 5, 0, 0, 0]);
        bytes.extend(le(40));
        bytes
    }

    #[test]
    fn reads_pcapng_with_a_binary_timestamp_resolution() {
        let records = read_all(&pcapng()).unwrap();
        assert_eq!(records, vec![(Record { timestamp_ns: 3_500_000_000, original_len: 64 }, vec![1, 2, 3, 4, 5])]);
    }

    #[test]
    fn pcapng_damage_is_reported_at_the_block() {
        let mut bytes = pcapng();
        let last = bytes.len() - 4;
        bytes[last] = 44; // trailing length disagrees
        let error = read_all(&bytes).unwrap_err();
        assert_eq!(
            error.to_string(),
            "t.pcap: at byte offset 76: pcapng block says it is 40 bytes long at its start and 44 at its end"
        );
        let mut bytes = pcapng();
        bytes[76 + 8] = 3; // the packet names interface 3
        assert!(read_all(&bytes).unwrap_err().problem.contains("names interface 3, but the section describes 1"));
    }

    #[test]
    fn every_truncation_is_an_error_or_a_clean_end_never_a_panic() {
        for bytes in [BIG_ENDIAN_PCAP.to_vec(), pcapng()] {
            let whole = read_all(&bytes).unwrap().len();
            for cut in 0..bytes.len() {
                match read_all(&bytes[..cut]) {
                    Ok(records) => assert!(records.len() < whole, "cut at {cut} lost nothing yet reported no error"),
                    Err(error) => assert!(error.offset.unwrap() <= cut as u64),
                }
            }
        }
    }
}
