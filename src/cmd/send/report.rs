//! How an attempt is shown: a line for people (event, URL, status, latency,
//! then the start of the response body), or one JSON object for scripts.

use std::time::Duration;

use colored::Color;
use serde_json::{Value, json};

use super::Job;
use crate::deliver::{Attempt, ms};
use crate::error::Result;
use crate::output::{self, Output};

/// How much of a response body is shown without `--full`.
const SHOW_BODY: usize = 1024;

/// Owns what it shows, so delivery threads can share it.
pub struct Reporter {
    out: Output,
    event: String,
    url: String,
    retries: Vec<Duration>,
    json: bool,
    full: bool,
}

impl Reporter {
    pub fn new(job: &Job, out: &Output) -> Self {
        Reporter {
            out: *out,
            event: job.event.clone(),
            url: job.plan.url.to_string(),
            retries: job.plan.retries.clone(),
            json: job.json,
            full: job.full,
        }
    }

    /// Whether no attempt follows this one.
    fn is_last(&self, attempt: &Attempt) -> bool {
        attempt.ok() || attempt.number > self.retries.len()
    }

    /// Reports one attempt of delivery `delivery` (1-based).
    pub fn attempt(&self, delivery: u64, attempt: &Attempt, signature: &str) -> Result<()> {
        if self.json {
            return self.out.json(&self.as_json(delivery, attempt, signature));
        }
        let out = &self.out;
        let ok = attempt.ok();
        let mark = if ok {
            out.paint("✔", Color::Green)
        } else {
            out.paint("✘", Color::Red)
        };
        let outcome = match (&attempt.failure, attempt.status) {
            (Some(failure), _) => failure.kind().to_string(),
            (None, Some(status)) => status_text(status),
            (None, None) => "no status".into(),
        };
        let outcome = out.paint(&outcome, if ok { Color::Green } else { Color::Red });
        let mut line = format!(
            "{mark} {} → {}  {outcome}  {}",
            self.event,
            self.url,
            ms(attempt.latency)
        );
        if !self.retries.is_empty() {
            line.push_str(&out.dim(&format!("  attempt {}/{}", attempt.number, self.retries.len() + 1)));
        }
        out.line(&line)?;
        if let Some(failure) = &attempt.failure {
            out.line(&format!("    {failure}"))?;
        }
        if attempt.body_len > 0 {
            let (text, cut) = shown_body(attempt, self.full);
            for body_line in text.lines() {
                out.line(&format!("    {}", out.dim(body_line)))?;
            }
            if let Some(more) = cut {
                out.line(&format!("    {}", out.dim(&more)))?;
            }
        }
        if !self.is_last(attempt) {
            let wait = self.retries[attempt.number - 1];
            out.note(&format!(
                "retrying in {} (attempt {} of {})",
                humantime::format_duration(wait),
                attempt.number + 1,
                self.retries.len() + 1
            ));
        }
        Ok(())
    }

    fn as_json(&self, delivery: u64, attempt: &Attempt, signature: &str) -> Value {
        let (body, cut) = shown_body(attempt, self.full);
        json!({
            "event": self.event,
            "url": self.url,
            "delivery": delivery,
            "attempt": attempt.number,
            "last": self.is_last(attempt),
            "ok": attempt.ok(),
            "status": attempt.status,
            "error": attempt.failure.as_ref().map(|f| f.kind()),
            "message": attempt.failure.as_ref().map(|f| f.to_string()),
            "latency_ms": (attempt.latency.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0,
            "signature": signature,
            "response_bytes": attempt.body_len,
            "response_body": body,
            "response_truncated": cut.is_some(),
        })
    }
}

/// `200 OK`, `503 Service Unavailable`, or just the number.
pub fn status_text(status: u16) -> String {
    match reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
    {
        Some(reason) => format!("{status} {reason}"),
        None => status.to_string(),
    }
}

/// The response body as text, cut at [`SHOW_BODY`] bytes unless `full`, and
/// what was left out, if anything.
fn shown_body(attempt: &Attempt, full: bool) -> (String, Option<String>) {
    let kept = &attempt.body[..];
    let text = match std::str::from_utf8(kept) {
        Ok(text) => text,
        // Cut mid-character where the kept part ends: show what is whole.
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&kept[..e.valid_up_to()]).unwrap_or_default(),
        Err(_) => {
            return (
                String::new(),
                Some(format!("({} of binary data)", output::size(attempt.body_len))),
            );
        }
    };
    let mut end = if full { text.len() } else { text.len().min(SHOW_BODY) };
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let hidden = attempt.body_len - end;
    let cut = match (hidden, end < text.len()) {
        (0, _) => None,
        (_, true) => Some(format!("… {} more; --full shows it all", output::size(hidden))),
        (_, false) => Some(format!("… {} more were not kept", output::size(hidden))),
    };
    (text[..end].to_string(), cut)
}
