//! Opens capture inputs (files or `-` for stdin), tells their format from
//! their first bytes, and hands each request to the caller in order.
//! Logs are streamed line by line; HAR and raw HTTP are small and read whole.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use crate::core::capture::{self, Capture, Format};
use crate::core::record::Record;
use crate::error::{Error, Result, describe_io};
use crate::output::Output;
use crate::store::{LogItem, LogReader};

/// One request read from an input.
pub struct Item {
    /// Where it came from, for people: `capture.http`, `log.jsonl record 42`, `x.har entry 3`.
    pub label: String,
    pub capture: Capture,
    /// The log record, when the input is our log.
    pub record: Option<Box<Record>>,
}

/// The name used for an input in messages.
pub fn display_name(path: &Path) -> String {
    if path == Path::new("-") {
        "standard input".into()
    } else {
        path.display().to_string()
    }
}

fn open(path: &Path) -> Result<Box<dyn BufRead>> {
    let unreadable = |e: std::io::Error| Error::InputUnreadable {
        path: display_name(path),
        why: describe_io(&e),
    };
    if path == Path::new("-") {
        return Ok(Box::new(BufReader::new(std::io::stdin())));
    }
    let file = File::open(path).map_err(unreadable)?;
    if file.metadata().map_err(unreadable)?.is_dir() {
        return Err(Error::InputUnreadable {
            path: display_name(path),
            why: "it is a directory, not a file".into(),
        });
    }
    Ok(Box::new(BufReader::with_capacity(64 * 1024, file)))
}

/// Opens `path` and tells its format from its first bytes, reading no
/// further: a command can reject a missing or foreign input before it acts on
/// any other. Not for `-`, whose bytes this would consume.
pub fn probe(path: &Path) -> Result<Format> {
    let name = display_name(path);
    let mut reader = open(path)?;
    let head = reader.fill_buf().map_err(|e| Error::InputUnreadable {
        path: name.clone(),
        why: describe_io(&e),
    })?;
    capture::sniff(head).map_err(|why| Error::InputUnrecognised { path: name, why })
}

/// Reads the whole of a (small) file given to `flag`, or stdin for `-`; an
/// unreadable one is an error naming the flag.
pub fn read_bytes(path: &Path, flag: &'static str) -> Result<Vec<u8>> {
    let for_flag = |e: Error| match e {
        Error::InputUnreadable { path, why } => Error::FlagInvalid {
            flag,
            why: format!("cannot read {path}: {why}"),
        },
        other => other,
    };
    let mut reader = open(path).map_err(for_flag)?;
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).map_err(|e| {
        for_flag(Error::InputUnreadable {
            path: display_name(path),
            why: describe_io(&e),
        })
    })?;
    Ok(bytes)
}

/// Calls `each` for every request in `path`, in order. Torn log lines are
/// skipped with a warning; any other unreadable content is an error.
pub fn for_each(path: &Path, out: &Output, mut each: impl FnMut(Item) -> Result<()>) -> Result<()> {
    let name = display_name(path);
    let unreadable = |e: std::io::Error| Error::InputUnreadable {
        path: name.clone(),
        why: describe_io(&e),
    };
    let unrecognised = |why: String| Error::InputUnrecognised {
        path: name.clone(),
        why,
    };
    let mut reader = open(path)?;
    let format = capture::sniff(reader.fill_buf().map_err(unreadable)?).map_err(unrecognised)?;
    match format {
        Format::Log => {
            for item in LogReader::new(reader) {
                match item.map_err(unreadable)? {
                    LogItem::Record(record) => {
                        let label = format!("{name} record {}", record.id);
                        each(Item {
                            label,
                            capture: record.capture(),
                            record: Some(record),
                        })?;
                    }
                    LogItem::Torn { line } => out.warn(&format!(
                        "{name} line {line} is incomplete (cut off by a crash?); skipped it"
                    )),
                    LogItem::Invalid { line, why } => {
                        return Err(unrecognised(format!("line {line} is not a log record: {why}")));
                    }
                }
            }
        }
        Format::Har => {
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes).map_err(unreadable)?;
            for (index, (url, capture)) in capture::parse_har(&bytes)
                .map_err(unrecognised)?
                .into_iter()
                .enumerate()
            {
                let label = format!("{name} entry {} ({url})", index + 1);
                each(Item {
                    label,
                    capture,
                    record: None,
                })?;
            }
        }
        Format::RawHttp => {
            let mut bytes = Vec::new();
            reader.read_to_end(&mut bytes).map_err(unreadable)?;
            let captures = capture::parse_raw_http(&bytes).map_err(unrecognised)?;
            let several = captures.len() > 1;
            for (index, capture) in captures.into_iter().enumerate() {
                let label = if several {
                    format!("{name} request {}", index + 1)
                } else {
                    name.clone()
                };
                each(Item {
                    label,
                    capture,
                    record: None,
                })?;
            }
        }
    }
    Ok(())
}
