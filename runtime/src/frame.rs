//! A received frame in its packet buffer: the bytes the NIC wrote plus the
//! room left in the buffer, so a network function can grow the frame (push a
//! VLAN tag) without any allocation.

/// Why a frame could not be resized.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum FrameError {
    /// The change would make the frame larger than its buffer.
    NoRoom,
    /// The range lies outside the frame.
    OutOfBounds,
}

impl core::fmt::Display for FrameError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            FrameError::NoRoom => "the frame would not fit in its buffer",
            FrameError::OutOfBounds => "the range lies outside the frame",
        })
    }
}

impl std::error::Error for FrameError {}

/// A frame of `len` bytes at the start of `buffer`.
///
/// `len` never exceeds the buffer (every method keeps it so), but the
/// compiler cannot know that where a frame is resized out of line: the
/// methods take their slices in ways it can see are in bounds (`min` with
/// the buffer's length, `get_mut`), so a network function's per-packet
/// loop has no bounds check here that could panic.
pub struct Frame<'a> {
    buffer: &'a mut [u8],
    len: usize,
}

impl<'a> Frame<'a> {
    /// The first `len` bytes of `buffer` are the frame; a `len` larger than the
    /// buffer (a lying descriptor) is cut to the buffer's size.
    #[inline]
    pub fn new(buffer: &'a mut [u8], len: usize) -> Frame<'a> {
        let len = len.min(buffer.len());
        Frame { buffer, len }
    }

    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The largest length the frame can grow to.
    #[inline]
    pub fn capacity(&self) -> usize {
        self.buffer.len()
    }

    #[inline]
    pub fn data(&self) -> &[u8] {
        &self.buffer[..self.len.min(self.buffer.len())]
    }

    #[inline]
    pub fn data_mut(&mut self) -> &mut [u8] {
        let len = self.len.min(self.buffer.len());
        &mut self.buffer[..len]
    }

    /// Shortens the frame; a `len` at or past the end changes nothing.
    #[inline]
    pub fn truncate(&mut self, len: usize) {
        self.len = self.len.min(len);
    }

    /// Opens a gap of `count` bytes at `at`, moving the rest of the frame
    /// towards the end of the buffer, and returns the gap (its old contents are
    /// unspecified).
    #[inline]
    pub fn insert_gap(&mut self, at: usize, count: usize) -> Result<&mut [u8], FrameError> {
        if at > self.len {
            return Err(FrameError::OutOfBounds);
        }
        let new_len = self.len.checked_add(count).ok_or(FrameError::NoRoom)?;
        // From `at` to the new end: the gap, then the moved tail.
        let window = self.buffer.get_mut(at..new_len).ok_or(FrameError::NoRoom)?;
        let tail = window.len().checked_sub(count).ok_or(FrameError::NoRoom)?;
        window.copy_within(..tail, count);
        self.len = new_len;
        Ok(&mut window[..count])
    }

    /// Removes `count` bytes at `at`, moving the rest of the frame forward.
    #[inline]
    pub fn remove_range(&mut self, at: usize, count: usize) -> Result<(), FrameError> {
        // From `at` to the end: the bytes removed, then the tail moved.
        let window = self.buffer.get_mut(at..self.len).ok_or(FrameError::OutOfBounds)?;
        if count > window.len() {
            return Err(FrameError::OutOfBounds);
        }
        window.copy_within(count.., 0);
        self.len -= count;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn insert_gap_shifts_the_tail_and_grows() {
        let mut buf = [0u8; 8];
        buf[..4].copy_from_slice(&[1, 2, 3, 4]);
        let mut frame = Frame::new(&mut buf, 4);
        frame.insert_gap(2, 2).unwrap().copy_from_slice(&[9, 9]);
        assert_eq!(frame.data(), &[1, 2, 9, 9, 3, 4]);
    }

    #[test]
    fn insert_gap_refuses_to_overflow_the_buffer() {
        let mut buf = [0u8; 5];
        let mut frame = Frame::new(&mut buf, 4);
        assert_eq!(frame.insert_gap(0, 2).unwrap_err(), FrameError::NoRoom);
        assert_eq!(frame.insert_gap(5, 1).unwrap_err(), FrameError::OutOfBounds);
        assert_eq!(frame.len(), 4);
    }

    #[test]
    fn remove_range_shifts_back_and_checks_bounds() {
        let mut buf = [1u8, 2, 3, 4, 5, 6];
        let mut frame = Frame::new(&mut buf, 6);
        frame.remove_range(1, 2).unwrap();
        assert_eq!(frame.data(), &[1, 4, 5, 6]);
        assert_eq!(frame.remove_range(3, 2).unwrap_err(), FrameError::OutOfBounds);
        assert_eq!(frame.remove_range(usize::MAX, 2).unwrap_err(), FrameError::OutOfBounds);
    }

    #[test]
    fn a_lying_length_is_cut_to_the_buffer() {
        let mut buf = [0u8; 3];
        assert_eq!(Frame::new(&mut buf, 100).len(), 3);
    }
}
