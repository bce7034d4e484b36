//! The one error type of the packet views.

/// Why a buffer is not a valid view of a header.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum WireError {
    /// The buffer is shorter than the header (or than a length field claims).
    Truncated,
    /// A field holds a value the format forbids (wrong IP version, IHL < 5,
    /// TCP data offset < 5, a length field smaller than the header).
    Malformed,
}

impl core::fmt::Display for WireError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            WireError::Truncated => "the buffer is shorter than the header",
            WireError::Malformed => "a header field holds a forbidden value",
        })
    }
}

impl std::error::Error for WireError {}
