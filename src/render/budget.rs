//! The render budget: how much work one template may do (minijinja fuel: one unit per
//! instruction) and how much text it may write, so a template from a pull request cannot
//! spin for minutes or fill memory.

use std::io;

/// Instructions one template render may execute. The largest built-in (the container app)
/// uses a few thousand; a nested `range(100000)` loop runs out at once.
pub const FUEL: u64 = 2_000_000;

/// Bytes one template render may write. The largest built-in body is a few kilobytes.
pub const MAX_OUTPUT_BYTES: usize = 4 * 1024 * 1024;

/// A writer that keeps at most `max` bytes and fails the write beyond them.
pub struct CappedText {
    buf: Vec<u8>,
    max: usize,
    overflowed: bool,
}

impl CappedText {
    pub fn new(max: usize) -> Self {
        CappedText {
            buf: Vec::new(),
            max,
            overflowed: false,
        }
    }

    /// `true` once a write went past the cap.
    pub fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// What was written (templates write UTF-8; anything else is replaced).
    pub fn into_text(self) -> String {
        String::from_utf8(self.buf)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

impl io::Write for CappedText {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        if self.buf.len() + data.len() > self.max {
            self.overflowed = true;
            return Err(io::Error::other("template output too large"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn writes_past_the_cap_fail_and_are_flagged() {
        let mut w = CappedText::new(4);
        assert!(w.write_all(b"abc").is_ok());
        assert!(!w.overflowed());
        assert!(w.write_all(b"de").is_err());
        assert!(w.overflowed());
        assert_eq!(w.into_text(), "abc");
    }
}
