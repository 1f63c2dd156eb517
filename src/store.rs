//! The JSONL log on disk. Reading streams one line at a time, so a log of
//! millions of records is read with flat memory; appending writes each record
//! as one whole line, so the log is durable before `listen` answers.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;

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

/// The log opened for appending by `listen`.
///
/// Each `append` hands whole lines (one record, or a batch of them) to a
/// single `write_all` on a file opened with `O_APPEND`: the kernel places
/// every write at the end of the file, and one writer appends (in id order),
/// so lines never interleave and a crash can at worst leave the last line
/// torn, which readers skip.
#[derive(Debug)]
pub struct AppendLog {
    file: Arc<File>,
    /// A previous write failed part-way: the next record starts on a new line.
    torn: bool,
}

/// What opening a log found in it.
#[derive(Debug, Default)]
pub struct Opened {
    /// The highest record id found (the next record gets one more).
    pub last_id: Option<u64>,
    /// The file did not end in a newline (a crash mid-write); a newline was added.
    pub repaired_tail: bool,
}

/// How much of an existing log's end `open_append` reads to find the last id
/// and to rebuild the duplicate index: a few thousand typical deliveries, read
/// in milliseconds. Older records are not checked for duplicates.
pub const TAIL_WINDOW: u64 = 8 << 20;

impl AppendLog {
    /// Opens `path` for appending, creating its folder (0700) and the file
    /// (0600) when missing. `each` sees the records in the log's last
    /// `TAIL_WINDOW` bytes, oldest first (the whole log when that window holds
    /// no complete record).
    pub fn open(path: &Path, mut each: impl FnMut(&Record)) -> std::io::Result<(AppendLog, Opened)> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
            let mut builder = std::fs::DirBuilder::new();
            builder.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
            builder.create(parent)?;
        }
        let mut options = OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(path)?;
        if file.metadata()?.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "it is a directory",
            ));
        }
        let mut opened = Opened::default();
        let len = file.metadata()?.len();
        if len > 0 {
            let (last_id, ends_in_newline) = scan_tail(&file, len, TAIL_WINDOW, &mut each)?;
            opened.last_id = last_id;
            if !ends_in_newline {
                (&file).write_all(b"\n")?;
                opened.repaired_tail = true;
            }
        }
        let log = AppendLog {
            file: Arc::new(file),
            torn: false,
        };
        Ok((log, opened))
    }

    /// Appends whole lines (each with its newline) in a single write.
    pub fn append(&mut self, lines: &[u8]) -> std::io::Result<()> {
        if self.torn {
            (&*self.file).write_all(b"\n")?;
            self.torn = false;
        }
        let result = (&*self.file).write_all(lines);
        self.torn = result.is_err();
        result
    }

    /// A handle that syncs the file to disk, usable without holding the
    /// appender (an fsync covers every write made before it).
    pub fn syncer(&self) -> LogSync {
        LogSync(Arc::clone(&self.file))
    }
}

/// Warnings for a log, or its folder, that others may read or enter: the log
/// holds every delivery, and deliveries carry customers' data. `open` creates
/// both private (0600/0700) but leaves an existing file's mode alone.
pub fn permission_warnings(path: &Path) -> Vec<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).ok().map(|m| m.permissions().mode() & 0o777);
        let mut warnings = Vec::new();
        if let Some(mode) = mode(path).filter(|m| m & 0o077 != 0) {
            warnings.push(format!(
                "the log {} is open to other users (mode {mode:o}); it holds every delivery: chmod 600 it",
                path.display()
            ));
        }
        let folder = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if folder != Path::new(".")
            && let Some(mode) = mode(folder).filter(|m| m & 0o077 != 0)
        {
            warnings.push(format!(
                "the log's folder {} is open to other users (mode {mode:o}): chmod 700 it",
                folder.display()
            ));
        }
        warnings
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Vec::new()
    }
}

/// Syncs the log file's data to disk.
#[derive(Clone, Debug)]
pub struct LogSync(Arc<File>);

impl LogSync {
    pub fn sync(&self) -> std::io::Result<()> {
        self.0.sync_data()
    }
}

/// Reads the records in the last `window` bytes of `file` (of length `len`),
/// falling back to the whole file when that window holds no complete record
/// (a single huge record, say). Returns the highest id and whether the file
/// ends in a newline.
fn scan_tail(
    file: &File,
    len: u64,
    window: u64,
    each: &mut impl FnMut(&Record),
) -> std::io::Result<(Option<u64>, bool)> {
    let start = len.saturating_sub(window);
    let mut reader = file;
    reader.seek(SeekFrom::Start(start))?;
    let mut tail = Vec::with_capacity((len - start) as usize);
    reader.take(len - start).read_to_end(&mut tail)?;
    let ends_in_newline = tail.last() == Some(&b'\n');
    // A window that starts mid-file starts mid-line: skip to the next line.
    let lines = if start > 0 {
        match tail.iter().position(|&b| b == b'\n') {
            Some(i) => &tail[i + 1..],
            None => &[][..],
        }
    } else {
        &tail[..]
    };
    let mut last_id = read_ids(lines, each)?;
    if last_id.is_none() && start > 0 {
        reader.seek(SeekFrom::Start(0))?;
        last_id = read_ids(std::io::BufReader::new(reader.take(len)), each)?;
    }
    Ok((last_id, ends_in_newline))
}

fn read_ids(reader: impl BufRead, each: &mut impl FnMut(&Record)) -> std::io::Result<Option<u64>> {
    let mut last_id = None;
    for item in LogReader::new(reader) {
        if let LogItem::Record(record) = item? {
            last_id = last_id.max(Some(record.id));
            each(&record);
        }
    }
    Ok(last_id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: u64) -> Vec<u8> {
        format!(
            r#"{{"v":1,"id":{id},"received_at":"2026-12-04T10:00:00Z","method":"POST","path":"/","query":null,"remote_addr":null,"headers":[],"body":"{{}}","signature":"valid","event":null,"app_id":null,"timestamp":null,"duplicate_of":null,"response_status":200,"forward":null}}"#
        )
        .into_bytes()
    }

    #[test]
    fn appends_continue_ids_and_repair_a_torn_tail() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/events.jsonl");
        let (mut log, opened) = AppendLog::open(&path, |_| {}).unwrap();
        assert_eq!(opened.last_id, None);
        for id in [1, 2] {
            log.append(&[line(id), b"\n".to_vec()].concat()).unwrap();
        }
        drop(log);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(b"{\"v\":1,\"id\":3,\"rec");
        std::fs::write(&path, &bytes).unwrap();

        let mut seen = Vec::new();
        let (mut log, opened) = AppendLog::open(&path, |r| seen.push(r.id)).unwrap();
        assert_eq!(
            (opened.last_id, opened.repaired_tail, seen),
            (Some(2), true, vec![1, 2])
        );
        log.append(&[line(3), b"\n".to_vec()].concat()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[2], "{\"v\":1,\"id\":3,\"rec");
        assert!(lines[3].starts_with("{\"v\":1,\"id\":3,\"received_at\""));
        assert_eq!(text.lines().count(), 4);
    }

    #[test]
    fn a_window_inside_one_long_record_falls_back_to_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("events.jsonl");
        let text = [line(7), b"\n".to_vec(), line(8), b"\n".to_vec()].concat();
        std::fs::write(&path, &text).unwrap();
        let file = File::open(&path).unwrap();
        let mut ids = Vec::new();
        // A window smaller than one line: no complete record in it.
        let (last, newline) = scan_tail(&file, text.len() as u64, 40, &mut |r: &Record| ids.push(r.id)).unwrap();
        assert_eq!((last, newline, ids), (Some(8), true, vec![7, 8]));
        // A window holding only the last line.
        let mut ids = Vec::new();
        let window = line(8).len() as u64 + 2;
        let (last, _) = scan_tail(&file, text.len() as u64, window, &mut |r: &Record| ids.push(r.id)).unwrap();
        assert_eq!((last, ids), (Some(8), vec![8]));
    }
}
