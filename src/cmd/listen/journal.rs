//! Numbering, duplicate marking and appending, under one short lock.
//!
//! The lock covers what must happen in one order for the log to read right:
//! taking the next id, looking the body up in the duplicate index, turning the
//! record into its line and the one `write` of that line (microseconds, into
//! the page cache). `--fsync` runs after the lock is released, on the blocking
//! pool: an fsync covers every write made before it, so concurrent requests
//! share the disk flush instead of queueing behind one another.

use std::path::Path;
use std::sync::Mutex;

use crate::core::duplicates::{Duplicates, Fingerprint};
use crate::core::envelope::Envelope;
use crate::core::record::Record;
use crate::store::{AppendLog, LogSync, Opened};

pub struct Journal {
    inner: Mutex<Inner>,
    /// Set with `--fsync`.
    sync: Option<LogSync>,
    /// Kept to flush the log on the way out, with or without `--fsync`.
    flush: Option<LogSync>,
}

struct Inner {
    next_id: u64,
    seen: Duplicates,
    log: Option<AppendLog>,
}

impl Journal {
    /// A journal that keeps nothing on disk (`--no-log`); ids start at 1.
    pub fn in_memory() -> Journal {
        Journal {
            inner: Mutex::new(Inner {
                next_id: 1,
                seen: Duplicates::default(),
                log: None,
            }),
            sync: None,
            flush: None,
        }
    }

    /// Opens the log; ids continue after the last record in it, and the
    /// duplicate index is rebuilt from its recent records (see `store::TAIL_WINDOW`).
    pub fn open(path: &Path, fsync: bool) -> std::io::Result<(Journal, Opened)> {
        let mut seen = Duplicates::default();
        let (log, opened) = AppendLog::open(path, |record| {
            if record.body.is_some() || record.body_base64.is_some() {
                let body = record.body_bytes();
                let print = Fingerprint::new(&body, Envelope::parse(&body).key().as_ref());
                seen.observe(record.id, &print);
            }
        })?;
        let syncer = log.syncer();
        let journal = Journal {
            inner: Mutex::new(Inner {
                next_id: opened.last_id.map_or(1, |id| id + 1),
                seen,
                log: Some(log),
            }),
            sync: fsync.then(|| syncer.clone()),
            flush: Some(syncer),
        };
        Ok((journal, opened))
    }

    /// Gives `record` its id and duplicate marks and appends it. Returns its
    /// line when `want_line` or when it was written. `print` is `None` for a
    /// request whose body was not kept.
    pub fn append(&self, record: &mut Record, print: Option<&Fingerprint>, want_line: bool) -> Appended {
        let mut inner = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        record.id = inner.next_id;
        inner.next_id += 1;
        if let Some(print) = print {
            let seen = inner.seen.observe(record.id, print);
            record.duplicate_of = seen.duplicate_of;
            record.redelivery_of = seen.redelivery_of;
        }
        if inner.log.is_none() && !want_line {
            return Appended {
                line: None,
                error: None,
            };
        }
        let line = record.to_line();
        let error = inner.log.as_mut().and_then(|log| log.append(&line).err());
        drop(inner);
        Appended {
            line: Some(line),
            error,
        }
    }

    /// With `--fsync`, waits until the log is on disk.
    pub async fn durable(&self) -> std::io::Result<()> {
        let Some(sync) = self.sync.clone() else { return Ok(()) };
        tokio::task::spawn_blocking(move || sync.sync())
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }

    /// Syncs the log to disk, on the way out.
    pub fn flush(&self) -> std::io::Result<()> {
        self.flush.as_ref().map_or(Ok(()), LogSync::sync)
    }
}

pub struct Appended {
    pub line: Option<Vec<u8>>,
    /// The write failed: the request must not be acknowledged.
    pub error: Option<std::io::Error>,
}
