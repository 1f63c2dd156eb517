//! Numbering, duplicate marking and appending, off the async workers.
//!
//! A short lock covers what must happen in one order for the log to read
//! right: taking the next id, looking the body up in the duplicate index,
//! turning the record into its line and queueing that line. One writer thread
//! owns the file: it takes every line waiting, appends them with one write of
//! whole lines (and, with `--fsync`, one sync for the lot: a group commit),
//! and only then tells each request that its line is in the log. A disk that
//! stalls (dirty-page throttling, a journal commit) so stalls only the answers
//! that wait on it, never the async workers that accept and verify requests.

use std::path::Path;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Mutex, MutexGuard};
use std::thread::JoinHandle;

use tokio::sync::oneshot;

use crate::core::duplicates::{Duplicates, Fingerprint};
use crate::core::envelope::Envelope;
use crate::core::record::Record;
use crate::store::{AppendLog, LogSync, Opened};

/// At most this many lines, or about this many bytes, go in one write.
const BATCH_LINES: usize = 1024;
const BATCH_BYTES: usize = 1 << 20;

pub struct Journal {
    inner: Mutex<Inner>,
    writer: Mutex<Option<JoinHandle<()>>>,
    /// Syncs the log on the way out, with or without `--fsync`.
    flush: Option<LogSync>,
}

struct Inner {
    next_id: u64,
    seen: Duplicates,
    /// To the writer thread; `None` without a log, or once closed.
    queue: Option<Sender<Pending>>,
}

/// A line waiting for the writer, and who to tell when it is written.
struct Pending {
    line: Vec<u8>,
    done: oneshot::Sender<(Vec<u8>, std::io::Result<()>)>,
}

pub struct Appended {
    pub line: Option<Vec<u8>>,
    /// The write failed: the request must not be acknowledged.
    pub error: Option<std::io::Error>,
}

impl Journal {
    /// A journal that keeps nothing on disk (`--no-log`); ids start at 1.
    pub fn in_memory() -> Journal {
        Journal {
            inner: Mutex::new(Inner {
                next_id: 1,
                seen: Duplicates::default(),
                queue: None,
            }),
            writer: Mutex::new(None),
            flush: None,
        }
    }

    /// Opens the log and starts its writer; ids continue after the last record
    /// in it, and the duplicate index is rebuilt from its recent records (see
    /// `store::TAIL_WINDOW`).
    pub fn open(path: &Path, fsync: bool) -> std::io::Result<(Journal, Opened)> {
        let mut seen = Duplicates::default();
        let (log, opened) = AppendLog::open(path, |record| {
            if record.body.is_some() || record.body_base64.is_some() {
                let body = record.body_bytes();
                let print = Fingerprint::new(&body, Envelope::parse(&body).key().as_ref());
                seen.observe(record.id, &print);
            }
        })?;
        let flush = log.syncer();
        let (queue, lines) = channel();
        let writer = std::thread::Builder::new()
            .name("log writer".into())
            .spawn(move || write_all(&lines, log, fsync))?;
        let journal = Journal {
            inner: Mutex::new(Inner {
                next_id: opened.last_id.map_or(1, |id| id + 1),
                seen,
                queue: Some(queue),
            }),
            writer: Mutex::new(Some(writer)),
            flush: Some(flush),
        };
        Ok((journal, opened))
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Gives `record` its id and duplicate marks, and appends it; returns once
    /// its line is in the log. Returns the line when it was written or when
    /// `want_line`. `print` is `None` for a request whose body was not kept.
    pub async fn append(&self, record: &mut Record, print: Option<&Fingerprint>, want_line: bool) -> Appended {
        let written = {
            let mut inner = self.lock();
            record.id = inner.next_id;
            inner.next_id += 1;
            if let Some(print) = print {
                let seen = inner.seen.observe(record.id, print);
                record.duplicate_of = seen.duplicate_of;
                record.redelivery_of = seen.redelivery_of;
            }
            match &inner.queue {
                Some(queue) => {
                    let (done, written) = oneshot::channel();
                    // Queued under the lock, so lines reach the file in id order.
                    let _ = queue.send(Pending {
                        line: record.to_line(),
                        done,
                    });
                    written
                }
                None => {
                    drop(inner);
                    return Appended {
                        line: want_line.then(|| record.to_line()),
                        error: None,
                    };
                }
            }
        };
        match written.await {
            Ok((line, Ok(()))) => Appended {
                line: Some(line),
                error: None,
            },
            Ok((_, Err(e))) => Appended {
                line: None,
                error: Some(e),
            },
            Err(_) => Appended {
                line: None,
                error: Some(std::io::Error::other("the log writer stopped")),
            },
        }
    }

    /// Writes what is queued, stops the writer and syncs the log to disk.
    pub fn close(&self) -> std::io::Result<()> {
        self.lock().queue.take();
        let writer = self.writer.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(writer) = writer {
            let _ = writer.join();
        }
        self.flush.as_ref().map_or(Ok(()), LogSync::sync)
    }
}

/// The writer thread: batches of whole lines, one write (and one sync) each.
fn write_all(lines: &Receiver<Pending>, mut log: AppendLog, fsync: bool) {
    let sync = log.syncer();
    let mut batch = Vec::with_capacity(64 * 1024);
    let mut waiting = Vec::with_capacity(64);
    while let Ok(first) = lines.recv() {
        batch.clear();
        batch.extend_from_slice(&first.line);
        waiting.push(first);
        while waiting.len() < BATCH_LINES
            && batch.len() < BATCH_BYTES
            && let Ok(next) = lines.try_recv()
        {
            batch.extend_from_slice(&next.line);
            waiting.push(next);
        }
        let mut result = log.append(&batch);
        if result.is_ok() && fsync {
            result = sync.sync();
        }
        for pending in waiting.drain(..) {
            let result = match &result {
                Ok(()) => Ok(()),
                Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
            };
            // A request whose sender hung up no longer listens; its line is written all the same.
            let _ = pending.done.send((pending.line, result));
        }
        if batch.capacity() > BATCH_BYTES * 2 {
            batch = Vec::with_capacity(64 * 1024);
        }
    }
}
