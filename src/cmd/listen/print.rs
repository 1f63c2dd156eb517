//! What people (or `--json` readers) see, printed off the request path.
//!
//! Handlers hand finished records to one printer thread through a bounded
//! queue and never wait for it: a slow terminal or a paused pipe must not hold
//! up answering (the log is already written by then). When the queue is full
//! the line is dropped and counted, and the count is reported at the end.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use colored::Color;
use serde_json::Value;

use crate::cli::PrintWhat;
use crate::core::record::Record;
use crate::core::signature::HEADER;
use crate::error::{Error, Result};
use crate::output::{self, Output};

/// How many lines may wait for the terminal before new ones are dropped.
const QUEUE: usize = 4096;

pub enum Item {
    /// A line already serialised (`--json`), printed as is.
    Json(Vec<u8>),
    Human(Box<Shown>),
    /// Everything before it is printed: flush and end.
    Stop,
}

/// A record and what it does not say itself.
pub struct Shown {
    pub record: Record,
    /// Which secret matched, shown when several are configured.
    pub secret: Option<usize>,
    /// Why the signature is not valid, in words.
    pub reason: Option<String>,
    /// The body's size; `None` when it was not read (too large).
    pub size: Option<usize>,
}

pub struct Printer {
    tx: SyncSender<Item>,
    thread: Mutex<Option<JoinHandle<Result<()>>>>,
    dropped: AtomicU64,
    what: PrintWhat,
    json: bool,
    events: Vec<glob::Pattern>,
}

/// How the human line looks: decided at start.
#[derive(Clone, Copy)]
pub struct Style {
    pub out: Output,
    pub what: PrintWhat,
    pub several_secrets: bool,
}

impl Printer {
    /// Starts the printer thread; `on_closed` runs when stdout is closed under us.
    pub fn start(
        style: Style,
        json: bool,
        events: Vec<glob::Pattern>,
        on_closed: impl FnOnce() + Send + 'static,
    ) -> Printer {
        let (tx, rx) = sync_channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("printer".into())
            .spawn(move || {
                let result = print_all(&rx, style);
                if matches!(result, Err(Error::BrokenPipe)) {
                    on_closed();
                }
                result
            })
            .expect("a thread starts");
        Printer {
            tx,
            thread: Mutex::new(Some(thread)),
            dropped: AtomicU64::new(0),
            what: style.what,
            json,
            events,
        }
    }

    /// Whether a record of this event is printed at all.
    pub fn wants(&self, event: Option<&str>) -> bool {
        if !self.json && self.what == PrintWhat::None {
            return false;
        }
        self.events.is_empty() || event.is_some_and(|event| self.events.iter().any(|p| p.matches(event)))
    }

    pub fn json(&self) -> bool {
        self.json
    }

    /// Queues an item without waiting; a full queue drops it.
    pub fn send(&self, item: Item) {
        if let Err(TrySendError::Full(_)) = self.tx.try_send(item) {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Prints what is queued and stops the thread. Returns how many lines were
    /// dropped, or the error that stopped printing.
    pub fn finish(&self) -> Result<u64> {
        // Fails only when the thread already ended (on an error it returns below).
        let _ = self.tx.send(Item::Stop);
        let thread = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(thread) = thread {
            thread.join().unwrap_or(Ok(()))?;
        }
        Ok(self.dropped.load(Ordering::Relaxed))
    }
}

fn print_all(rx: &Receiver<Item>, style: Style) -> Result<()> {
    let mut stdout = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
    while let Ok(item) = rx.recv() {
        let mut more = write_item(&mut stdout, item, style)?;
        // Print whatever else is waiting, then flush once.
        while more && let Ok(item) = rx.try_recv() {
            more = write_item(&mut stdout, item, style)?;
        }
        stdout.flush()?;
        if !more {
            break;
        }
    }
    Ok(())
}

/// Writes one item; `false` after `Stop`.
fn write_item(w: &mut impl Write, item: Item, style: Style) -> Result<bool> {
    match item {
        Item::Json(line) => w.write_all(&line)?,
        Item::Human(shown) => w.write_all(human(&shown, style).as_bytes())?,
        Item::Stop => return Ok(false),
    }
    Ok(true)
}

/// The line (and what `--print` adds) for one request, newline-terminated.
pub fn human(shown: &Shown, style: Style) -> String {
    let Shown {
        record,
        secret,
        reason,
        size,
    } = shown;
    let out = style.out;
    let unverified = size.is_none();
    let accepted = matches!(record.signature.as_str(), "valid" | "unchecked") && record.rejected.is_none();
    let mark = if accepted {
        out.paint("✔", Color::Green)
    } else {
        out.paint("✘", Color::Red)
    };
    let word = if unverified { "rejected" } else { &record.signature };
    let word_color = match word {
        "valid" => Color::Green,
        "unchecked" => Color::Yellow,
        _ => Color::Red,
    };
    let time = record.received_at.get(11..19).unwrap_or(&record.received_at);
    let event = record.event.as_deref().unwrap_or("-");
    let app = record.app_id.map_or_else(|| "-".to_string(), |id| format!("app {id}"));
    let status = record.response_status.unwrap_or(0);
    let status = out.paint(
        &status.to_string(),
        if (200..300).contains(&status) {
            Color::Green
        } else {
            Color::Red
        },
    );
    let mut line = format!(
        "{} {mark} {} {event:<28} {app:<9} {:<6} {:>9}  {status}",
        out.dim(time),
        out.paint(&format!("{word:<9}"), word_color),
        format!("#{}", record.id),
        size.map_or_else(|| "-".to_string(), output::size),
    );
    if let (Some(index), true) = (secret, style.several_secrets) {
        line.push_str(&format!("  secret #{}", index + 1));
    }
    if let Some(id) = record.duplicate_of {
        line.push_str(&format!(
            "  {}",
            out.paint(&format!("duplicate of #{id}"), Color::Yellow)
        ));
    }
    if let Some(id) = record.redelivery_of {
        line.push_str(&format!(
            "  {}",
            out.paint(&format!("redelivery of #{id}"), Color::Yellow)
        ));
    }
    if let Some(forward) = &record.forward {
        let took = forward
            .duration_ms
            .map_or_else(String::new, |ms| format!(" in {ms} ms"));
        match (forward.status, &forward.error) {
            (Some(status), _) => line.push_str(&format!("  → app {status}{took}")),
            (None, Some(error)) => line.push_str(&format!(
                "  → app {}",
                out.paint(&format!("failed: {error}"), Color::Red)
            )),
            (None, None) => {}
        }
    }
    line.push('\n');
    let mut detail = |text: &str| {
        line.push_str("    ");
        line.push_str(text);
        line.push('\n');
    };
    if let Some(rejected) = &record.rejected {
        detail(rejected);
    }
    match record.signature.as_str() {
        "missing" => detail(&format!("no {HEADER} header")),
        "invalid" => detail("the signature does not match the body with any secret given"),
        _ => {}
    }
    if let Some(reason) = reason {
        detail(reason);
    }
    if let Some(warning) = &record.warning {
        detail(&format!("{} {warning}", out.paint("warning:", Color::Yellow)));
    }
    if matches!(style.what, PrintWhat::Headers | PrintWhat::Full) {
        for (name, value) in &record.headers {
            detail(&format!("{}: {value}", out.dim(name)));
        }
    }
    if matches!(style.what, PrintWhat::Body | PrintWhat::Full) && !unverified {
        line.push_str(&body_text(record, size.unwrap_or_default()));
        line.push('\n');
    }
    line
}

/// The body for people: pretty JSON, text as it is, or a note for binary bytes.
fn body_text(record: &Record, size: usize) -> String {
    match (&record.body, &record.body_base64) {
        (Some(text), _) => match serde_json::from_str::<Value>(text) {
            Ok(value) if !text.is_empty() => serde_json::to_string_pretty(&value).unwrap_or_else(|_| text.clone()),
            _ => text.clone(),
        },
        (None, Some(_)) => format!(
            "({} of binary data, not UTF-8; kept byte-exact as body_base64 in the log)",
            output::size(size)
        ),
        (None, None) => String::new(),
    }
}

/// Counts per outcome, for the summary on the way out.
#[derive(Default)]
pub struct Tally {
    verdicts: [AtomicU64; 5],
    rejected: AtomicU64,
    app_failed: AtomicU64,
    forged_accepted: AtomicU64,
}

const VERDICTS: [&str; 5] = ["valid", "invalid", "missing", "malformed", "unchecked"];

impl Tally {
    pub fn count(&self, record: &Record) {
        let add = |counter: &AtomicU64| {
            counter.fetch_add(1, Ordering::Relaxed);
        };
        if record.rejected.is_some() {
            add(&self.rejected);
        } else if let Some(i) = VERDICTS.iter().position(|v| *v == record.signature) {
            add(&self.verdicts[i]);
        }
        if record.forward.as_ref().is_some_and(|f| f.error.is_some()) {
            add(&self.app_failed);
        }
        if record.warning.is_some() {
            add(&self.forged_accepted);
        }
    }

    /// `14 requests: 9 valid, 2 invalid, 1 missing, 2 rejected`.
    pub fn summary(&self) -> String {
        let get = |counter: &AtomicU64| counter.load(Ordering::Relaxed);
        let mut parts: Vec<String> = VERDICTS
            .iter()
            .zip(&self.verdicts)
            .filter(|(_, n)| get(n) > 0)
            .map(|(word, n)| format!("{} {word}", get(n)))
            .collect();
        let rejected = get(&self.rejected);
        if rejected > 0 {
            parts.push(format!("{rejected} rejected"));
        }
        let total: u64 = self.verdicts.iter().map(get).sum::<u64>() + rejected;
        let mut text = format!("{total} request{}", if total == 1 { "" } else { "s" });
        if !parts.is_empty() {
            text.push_str(&format!(": {}", parts.join(", ")));
        }
        let failed = get(&self.app_failed);
        if failed > 0 {
            text.push_str(&format!("; your app failed to answer {failed}"));
        }
        let forged = get(&self.forged_accepted);
        if forged > 0 {
            text.push_str(&format!("; your app accepted {forged} not validly signed"));
        }
        text
    }
}

/// Shared between the printer and whoever waits for it to fail.
pub type Closed = Arc<tokio::sync::Notify>;
