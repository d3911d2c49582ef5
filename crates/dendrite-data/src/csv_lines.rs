//! True line numbers for CSV records.
//!
//! The `csv` crate's `Position` of a record is where the previous record ended, before the blank
//! lines and the rest of the line terminator it skips: after a blank line or a `\r\n` its line
//! (and byte) is too small (rust-csv issue #208). [`LineTracker`] sits between the `csv` reader
//! and the input, keeps the bytes the reader has taken but no record has been placed past, and
//! from them finds the line where each record really starts.

use std::collections::VecDeque;
use std::io::Read;

/// A reader that counts the line breaks (`\n`, `\r\n` and a lone `\r`, the terminators the
/// `csv` crate accepts) of what passes through it.
///
/// It keeps the bytes read but not yet located past: at most what the `csv` reader buffers ahead
/// plus the record being read.
pub(crate) struct LineTracker<R> {
    inner: R,
    /// Bytes read from `inner` from offset `kept_start` on.
    kept: VecDeque<u8>,
    /// The offset of `kept`'s first byte in the input.
    kept_start: u64,
    /// The 1-based line of the byte at `kept_start`.
    line: u64,
    /// Whether the last byte located past was a `\r` (so that a `\n` after it ends no new line).
    after_cr: bool,
}

impl<R> LineTracker<R> {
    pub(crate) fn new(inner: R) -> Self {
        Self { inner, kept: VecDeque::new(), kept_start: 0, line: 1, after_cr: false }
    }

    /// The 1-based line of the record the `csv` crate places at byte `position`: the line of the
    /// first byte at or after it that is not a line terminator. Positions must not decrease from
    /// one call to the next.
    pub(crate) fn record_line(&mut self, position: u64) -> u64 {
        while self.kept_start < position {
            let Some(b) = self.kept.pop_front() else { break };
            self.pass(b);
        }
        while let Some(&b) = self.kept.front()
            && (b == b'\n' || b == b'\r')
        {
            self.kept.pop_front();
            self.pass(b);
        }
        self.line
    }

    /// Moves past one byte, counting the line break it ends.
    fn pass(&mut self, b: u8) {
        match b {
            b'\n' if self.after_cr => {}
            b'\n' | b'\r' => self.line += 1,
            _ => {}
        }
        self.after_cr = b == b'\r';
        self.kept_start += 1;
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.kept.extend(buf.get(..n).unwrap_or_default());
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The line of each record of `text`, as a `csv` reader through a tracker sees them.
    fn lines(text: &str) -> Result<Vec<(String, u64)>, csv::Error> {
        let tracker = LineTracker::new(text.as_bytes());
        let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(tracker);
        let mut record = csv::ByteRecord::new();
        let mut out = Vec::new();
        while reader.read_byte_record(&mut record)? {
            let position = record.position().map_or(0, csv::Position::byte);
            let first = String::from_utf8_lossy(record.get(0).unwrap_or_default()).into_owned();
            out.push((first, reader.get_mut().record_line(position)));
        }
        Ok(out)
    }

    fn expect(pairs: &[(&str, u64)]) -> Vec<(String, u64)> {
        pairs.iter().map(|&(s, l)| (s.to_owned(), l)).collect()
    }

    #[test]
    fn blank_lines_and_terminators_count() -> Result<(), csv::Error> {
        assert_eq!(lines("a,b\n1,2\n\n3\n")?, expect(&[("a", 1), ("1", 2), ("3", 4)]));
        assert_eq!(lines("\n\n1\n2\n\n\n3")?, expect(&[("1", 3), ("2", 4), ("3", 7)]));
        assert_eq!(lines("1\r\n2\r\n\r\n3\r\n")?, expect(&[("1", 1), ("2", 2), ("3", 4)]));
        assert_eq!(lines("1\r2\r\r3")?, expect(&[("1", 1), ("2", 2), ("3", 4)]));
        Ok(())
    }

    #[test]
    fn quoted_line_breaks_belong_to_their_record() -> Result<(), csv::Error> {
        assert_eq!(lines("\"x\ny\",1\n2,3\n\n4,5")?, expect(&[("x\ny", 1), ("2", 3), ("4", 5)]));
        Ok(())
    }

    #[test]
    fn long_inputs_keep_only_the_read_ahead() -> Result<(), csv::Error> {
        let text: String = (0..100_000).map(|i| format!("{i}\n\n")).collect();
        let tracker = LineTracker::new(text.as_bytes());
        let mut reader = csv::ReaderBuilder::new().has_headers(false).from_reader(tracker);
        let mut record = csv::ByteRecord::new();
        let mut count = 0;
        while reader.read_byte_record(&mut record)? {
            let position = record.position().map_or(0, csv::Position::byte);
            assert_eq!(reader.get_mut().record_line(position), 2 * count + 1);
            assert!(reader.get_ref().kept.len() <= 1 << 16, "{}", reader.get_ref().kept.len());
            count += 1;
        }
        assert_eq!(count, 100_000);
        Ok(())
    }
}
