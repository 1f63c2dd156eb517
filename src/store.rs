//! The JSONL log on disk. Reading streams one line at a time, so a log of
//! millions of records is read with flat memory.

use std::io::BufRead;

use crate::core::record::{LineError, Record, parse_line};

/// One step of reading a log.
pub enum LogItem {
    Record(Box<Record>),
    /// A line cut off mid-write (a crash); `line` is its 1-based number.
    Torn {
        line: u64,
    },
    Invalid {
        line: u64,
        why: String,
    },
}

/// Iterates over a log's lines, skipping blank ones.
pub struct LogReader<R> {
    reader: R,
    line: u64,
    buffer: Vec<u8>,
}

impl<R: BufRead> LogReader<R> {
    pub fn new(reader: R) -> Self {
        LogReader {
            reader,
            line: 0,
            buffer: Vec::with_capacity(4096),
        }
    }
}

impl<R: BufRead> Iterator for LogReader<R> {
    type Item = std::io::Result<LogItem>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            self.buffer.clear();
            match self.reader.read_until(b'\n', &mut self.buffer) {
                Ok(0) => return None,
                Ok(_) => {}
                Err(e) => return Some(Err(e)),
            }
            self.line += 1;
            let text = self.buffer.strip_suffix(b"\n").unwrap_or(&self.buffer);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let line = self.line;
            return Some(Ok(match parse_line(text) {
                Ok(record) => LogItem::Record(Box::new(record)),
                Err(LineError::Torn) => LogItem::Torn { line },
                Err(LineError::Invalid(why)) => LogItem::Invalid { line, why },
            }));
        }
    }
}
