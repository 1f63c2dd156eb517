//! What `replay` tells: a line (or a JSON object) per delivery on stdout, a
//! summary on stderr, and a progress bar at a terminal for long replays.

use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use colored::Color;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use crate::deliver::{Attempt, Request, Summary, ms};
use crate::error::Result;
use crate::output::{self, Output};

/// Who a delivery was for, as the report names it.
#[derive(Clone, Debug)]
pub struct Meta {
    /// Where it came from: `events.jsonl record 41`, `x.har entry 2 (url)`.
    pub label: String,
    pub id: Option<u64>,
    pub event: Option<String>,
}

pub struct Report<'a> {
    out: &'a Output,
    json: bool,
    summary: Summary,
    not_sent: usize,
    would_send: usize,
    /// Deliveries that did not get a 2xx, and requests that could not be built.
    pub failed: usize,
    progress: Progress,
}

impl<'a> Report<'a> {
    pub fn new(out: &'a Output, json: bool, progress: bool) -> Self {
        Report {
            out,
            json,
            summary: Summary::default(),
            not_sent: 0,
            would_send: 0,
            failed: 0,
            progress: Progress::new(progress),
        }
    }

    pub fn out(&self) -> Output {
        *self.out
    }

    /// Whether anything has been reported yet.
    pub fn any(&self) -> bool {
        self.summary.count() + self.not_sent + self.would_send > 0
    }

    /// How many requests there are in all, once known.
    pub fn total(&mut self, total: usize) {
        self.progress.total(total as u64);
    }

    /// A delivery's final attempt; `Ok(true)` when it got a 2xx.
    pub fn delivered(&mut self, meta: &Meta, request: &Request, attempt: &Attempt) -> Result<bool> {
        let ok = attempt.ok();
        self.summary.add(attempt);
        self.failed += usize::from(!ok);
        let out = self.out;
        let text = if self.json {
            json!({
                "source": meta.label,
                "id": meta.id,
                "event": meta.event,
                "method": request.method.as_str(),
                "url": request.url.as_str(),
                "sent": true,
                "ok": ok,
                "status": attempt.status,
                "latency_ms": (attempt.latency.as_secs_f64() * 10_000.0).round() / 10.0,
                "attempts": attempt.number,
                "error": attempt.failure.as_ref().map(ToString::to_string),
                "error_kind": attempt.failure.as_ref().map(|f| f.kind()),
                "body_bytes": request.body.len(),
                "response_bytes": attempt.body_len,
            })
            .to_string()
        } else {
            let word = match (&attempt.failure, attempt.status) {
                (Some(failure), _) => failure.kind().to_string(),
                (None, Some(status)) => status.to_string(),
                (None, None) => "error".into(),
            };
            let mut text = format!(
                "{} {} {:>9}  {}",
                mark(out, ok),
                status_and_event(out, &word, meta, ok),
                ms(attempt.latency),
                out.dim(&meta.label)
            );
            if attempt.number > 1 {
                let _ = write!(text, "  after {} attempts", attempt.number);
            }
            if let Some(failure) = &attempt.failure {
                let _ = write!(text, "\n    {failure}");
            } else if !ok && !attempt.body.is_empty() {
                let _ = write!(text, "\n    response: {}", preview(&attempt.body, 120));
            }
            text
        };
        self.progress.line(|| out.line(&text))?;
        self.progress.advance();
        Ok(ok)
    }

    /// A request that could not be built (say, no timestamp to refresh).
    pub fn not_sent(&mut self, meta: &Meta, why: &str) -> Result<()> {
        self.not_sent += 1;
        self.failed += 1;
        let out = self.out;
        let text = if self.json {
            json!({
                "source": meta.label,
                "id": meta.id,
                "event": meta.event,
                "sent": false,
                "ok": false,
                "status": null,
                "error": why,
                "error_kind": "not_sent",
            })
            .to_string()
        } else {
            format!(
                "{} {} {:>9}  {}\n    {why}",
                mark(out, false),
                status_and_event(out, "not sent", meta, false),
                "",
                out.dim(&meta.label)
            )
        };
        self.progress.line(|| out.line(&text))?;
        self.progress.advance();
        Ok(())
    }

    /// `--dry-run`: what would be sent.
    pub fn dry_run(&mut self, meta: &Meta, request: &Request) -> Result<()> {
        self.would_send += 1;
        let headers = request
            .headers
            .iter()
            .map(|(name, value)| (name.as_str(), String::from_utf8_lossy(value.as_bytes())));
        if self.json {
            let mut object = json!({
                "source": meta.label,
                "id": meta.id,
                "event": meta.event,
                "dry_run": true,
                "method": request.method.as_str(),
                "url": request.url.as_str(),
                "headers": headers.map(|(n, v)| json!([n, v])).collect::<Vec<Value>>(),
                "body_bytes": request.body.len(),
            });
            match std::str::from_utf8(&request.body) {
                Ok(text) => object["body"] = json!(text),
                Err(_) => object["body_base64"] = json!(STANDARD.encode(&request.body)),
            }
            return self.out.json(&object);
        }
        let out = self.out;
        let event = meta.event.as_deref().unwrap_or("-");
        let mut text = format!(
            "{} {}  {event}  {}",
            out.paint(request.method.as_str(), Color::Cyan),
            request.url,
            out.dim(&meta.label)
        );
        for (name, value) in headers {
            let _ = write!(text, "\n    {name}: {value}");
        }
        let body = match std::str::from_utf8(&request.body) {
            Ok(_) => preview(&request.body, 120),
            Err(_) => "(binary)".into(),
        };
        let _ = write!(text, "\n    body: {}  {body}", output::size(request.body.len()));
        out.line(&text)
    }

    /// The summary on stderr; `stopped` when `--fail-fast` ended the run early.
    pub fn finish(mut self, dry_run: bool, stopped: bool) {
        self.progress.clear();
        if dry_run {
            let mut line = format!(
                "dry run: {} request{} would be sent; nothing was sent",
                self.would_send,
                plural(self.would_send)
            );
            if self.not_sent > 0 {
                let _ = write!(line, "; {} cannot be built", self.not_sent);
            }
            eprintln!("{line}");
        } else {
            eprintln!("{}", self.summary_line());
        }
        if stopped {
            self.out
                .note("stopped at the first failure (--fail-fast); later requests were not sent");
        }
    }

    fn summary_line(&mut self) -> String {
        let summary = &mut self.summary;
        let sent = summary.count();
        let ok = summary.ok();
        let others: Vec<String> = summary
            .statuses
            .iter()
            .filter(|(status, _)| !(200..300).contains(*status))
            .map(|(status, n)| counted(&status.to_string(), *n))
            .collect();
        let other_count: usize = summary
            .statuses
            .iter()
            .filter(|(status, _)| !(200..300).contains(*status))
            .map(|(_, n)| n)
            .sum();
        let errors: Vec<String> = summary.failures.iter().map(|(kind, n)| counted(kind, *n)).collect();
        let error_count: usize = summary.failures.values().sum();
        let mut line = format!("{sent} sent: {ok} 2xx, {other_count} other");
        if !others.is_empty() {
            let _ = write!(line, " ({})", others.join(", "));
        }
        let _ = write!(line, ", {error_count} error{}", plural(error_count));
        if !errors.is_empty() {
            let _ = write!(line, " ({})", errors.join(", "));
        }
        if self.not_sent > 0 {
            let _ = write!(line, "; {} not sent", self.not_sent);
        }
        if sent > 0 {
            let _ = write!(
                line,
                "; latency p50 {}, p95 {}, max {}",
                ms(summary.percentile(0.5)),
                ms(summary.percentile(0.95)),
                ms(summary.percentile(1.0))
            );
        }
        line
    }
}

fn mark(out: &Output, ok: bool) -> String {
    if ok {
        out.paint("✔", Color::Green)
    } else {
        out.paint("✘", Color::Red)
    }
}

fn status_and_event(out: &Output, word: &str, meta: &Meta, ok: bool) -> String {
    let word = out.paint(&format!("{word:<8}"), if ok { Color::Green } else { Color::Red });
    let event = meta.event.as_deref().unwrap_or("-");
    format!("{word} {event:<28}")
}

/// `500` once, or `500 ×3`.
fn counted(what: &str, n: usize) -> String {
    if n == 1 {
        what.to_string()
    } else {
        format!("{what} ×{n}")
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The start of a body as one line of text: control characters escaped,
/// cut at `max` characters.
fn preview(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let mut shown = String::new();
    for c in text.chars().take(max) {
        if c.is_control() {
            shown.extend(c.escape_debug());
        } else {
            shown.push(c);
        }
    }
    if text.chars().nth(max).is_some() {
        shown.push('…');
    }
    shown
}

/// A progress bar on stderr, drawn only at a terminal and only once the
/// replay runs past a screenful of lines.
struct Progress {
    enabled: bool,
    bar: Option<ProgressBar>,
    done: u64,
    total: Option<u64>,
    screen: u64,
}

impl Progress {
    fn new(enabled: bool) -> Self {
        // a terminal that does not say its size counts as the classic 24 rows
        let screen = match dialoguer::console::Term::stderr().size().0 {
            0 => 24,
            rows => u64::from(rows),
        };
        Progress {
            enabled,
            bar: None,
            done: 0,
            total: None,
            screen,
        }
    }

    fn total(&mut self, total: u64) {
        self.total = Some(total);
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_style(Self::style(true));
        }
        self.show_if_long();
    }

    /// Prints around the bar, so that it is redrawn below the line.
    fn line(&self, print: impl FnOnce() -> Result<()>) -> Result<()> {
        match &self.bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    fn advance(&mut self) {
        self.done += 1;
        self.show_if_long();
        if let Some(bar) = &self.bar {
            bar.set_position(self.done);
        }
    }

    fn show_if_long(&mut self) {
        let long = self.done.max(self.total.unwrap_or(0)) > self.screen;
        if !self.enabled || self.bar.is_some() || !long {
            return;
        }
        let bar = match self.total {
            Some(total) => ProgressBar::new(total).with_style(Self::style(true)),
            None => ProgressBar::new_spinner().with_style(Self::style(false)),
        };
        bar.set_position(self.done);
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        self.bar = Some(bar);
    }

    fn style(known: bool) -> ProgressStyle {
        let template = if known {
            "{bar:30} {pos}/{len} replayed, {eta} left"
        } else {
            "{spinner} {pos} replayed in {elapsed}"
        };
        ProgressStyle::with_template(template).expect("a valid progress template")
    }

    fn clear(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
