//! Writes packets as a classic pcap file, which every tool reads: tcpdump,
//! tshark, Wireshark, scapy, DPDK's pcap driver.
//!
//! The file header (24 bytes, little-endian) uses the nanosecond magic
//! 0xa1b23c4d, so timestamps replayed from a nanosecond pcapng keep their
//! precision; link type 1 (Ethernet); snap length 262144, tcpdump's default.

use super::reader::MAX_RECORD;
use super::CaptureError;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

const NANOSECOND_MAGIC: u32 = 0xa1b2_3c4d;

pub struct PcapWriter<W: Write> {
    name: String,
    output: W,
    /// Bytes written so far, for error messages.
    offset: u64,
}

impl PcapWriter<BufWriter<File>> {
    /// Creates (or truncates) `path` and writes the file header.
    pub fn create(path: &Path) -> Result<Self, CaptureError> {
        let name = path.display().to_string();
        let file = File::create(path).map_err(|e| CaptureError::file(&name, format!("cannot create: {e}")))?;
        PcapWriter::new(name, BufWriter::with_capacity(1 << 16, file))
    }
}

impl<W: Write> PcapWriter<W> {
    pub fn new(name: impl Into<String>, output: W) -> Result<Self, CaptureError> {
        let mut writer = PcapWriter { name: name.into(), output, offset: 0 };
        let mut header = [0u8; 24];
        header[0..4].copy_from_slice(&NANOSECOND_MAGIC.to_le_bytes());
        header[4..6].copy_from_slice(&2u16.to_le_bytes()); // version 2.4
        header[6..8].copy_from_slice(&4u16.to_le_bytes());
        // Time zone offset and accuracy (8..16) are zero, as every writer sets them.
        header[16..20].copy_from_slice(&(MAX_RECORD as u32).to_le_bytes());
        header[20..24].copy_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
        writer.put(&header)?;
        Ok(writer)
    }

    /// Appends one frame, captured whole.
    pub fn write(&mut self, timestamp_ns: u64, frame: &[u8]) -> Result<(), CaptureError> {
        let length = frame.len().min(MAX_RECORD) as u32;
        let seconds = u32::try_from(timestamp_ns / 1_000_000_000).unwrap_or(u32::MAX);
        let mut header = [0u8; 16];
        header[0..4].copy_from_slice(&seconds.to_le_bytes());
        header[4..8].copy_from_slice(&((timestamp_ns % 1_000_000_000) as u32).to_le_bytes());
        header[8..12].copy_from_slice(&length.to_le_bytes());
        header[12..16].copy_from_slice(&(frame.len() as u32).to_le_bytes());
        self.put(&header)?;
        self.put(&frame[..length as usize])
    }

    /// Pushes buffered records to the file.
    pub fn flush(&mut self) -> Result<(), CaptureError> {
        self.output.flush().map_err(|e| CaptureError::new(&self.name, self.offset, format!("write failed: {e}")))
    }

    /// The underlying writer (tests read back what was written).
    pub fn into_inner(self) -> W {
        self.output
    }

    fn put(&mut self, bytes: &[u8]) -> Result<(), CaptureError> {
        self.output
            .write_all(bytes)
            .map_err(|e| CaptureError::new(&self.name, self.offset, format!("write failed: {e}")))?;
        self.offset += bytes.len() as u64;
        Ok(())
    }
}
