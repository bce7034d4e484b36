//! Capture files as ports: each input port replays a pcap or pcapng file,
//! each output port is written to a pcap file.

mod backend;
mod reader;
mod writer;

pub use backend::{PcapBackend, PortFile};
pub use reader::{CaptureReader, Record, MAX_RECORD};
pub use writer::PcapWriter;

use std::fmt;

/// A capture could not be read or written: which file, where, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaptureError {
    pub file: String,
    /// Byte offset in the file of the header or record at fault; `None`
    /// when the file itself could not be opened or created.
    pub offset: Option<u64>,
    pub problem: String,
}

impl CaptureError {
    pub fn new(file: &str, offset: u64, problem: impl Into<String>) -> CaptureError {
        CaptureError { file: file.to_owned(), offset: Some(offset), problem: problem.into() }
    }

    pub fn file(file: &str, problem: impl Into<String>) -> CaptureError {
        CaptureError { file: file.to_owned(), offset: None, problem: problem.into() }
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.offset {
            Some(offset) => write!(f, "{}: at byte offset {offset}: {}", self.file, self.problem),
            None => write!(f, "{}: {}", self.file, self.problem),
        }
    }
}

impl std::error::Error for CaptureError {}
