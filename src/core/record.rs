//! One line of the JSONL log that `listen` writes and `replay`/`verify` read.
//!
//! The format is versioned by `v`, which is always the first key (so
//! `capture::sniff` can recognise a log from its first bytes). The body is
//! kept byte-exact: as `body` when it is valid UTF-8, else as `body_base64`.
//! Readers ignore keys they do not know, so later versions can add fields.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::capture::Capture;
use super::envelope::Envelope;

/// The log format version this build writes and the highest it reads.
pub const VERSION: u32 = 1;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub v: u32,
    pub id: u64,
    /// RFC 3339, UTC.
    pub received_at: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub remote_addr: Option<String>,
    pub headers: Vec<(String, String)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_base64: Option<String>,
    /// `valid|invalid|missing|malformed|unchecked`.
    pub signature: String,
    pub event: Option<String>,
    pub app_id: Option<i64>,
    pub timestamp: Option<i64>,
    /// The id of an earlier record with the identical raw body.
    pub duplicate_of: Option<u64>,
    /// The id of an earlier record of the same event and object with other bytes
    /// (a likely redelivery with a new timestamp).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redelivery_of: Option<u64>,
    /// Why the request was refused for something other than its signature: a
    /// body too large (then not kept, and the signature `unchecked`), another
    /// path or method, a required header missing or wrong.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rejected: Option<String>,
    pub response_status: Option<u16>,
    pub forward: Option<Forward>,
    /// Something the user should know about this delivery, e.g. that the app
    /// behind `listen --forward-to` accepted a delivery whose signature is not valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// What happened when `listen --forward-to` passed the request on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Forward {
    pub url: String,
    pub status: Option<u16>,
    pub duration_ms: Option<u64>,
    pub error: Option<String>,
}

/// A line that did not parse: torn (cut off mid-write by a crash) or not ours.
#[derive(Debug, PartialEq, Eq)]
pub enum LineError {
    /// The line ends before its JSON does: what a crash mid-append leaves.
    Torn,
    Invalid(String),
}

/// Parses one log line (without its newline).
pub fn parse_line(line: &[u8]) -> Result<Record, LineError> {
    let record: Record = serde_json::from_slice(line).map_err(|e| {
        if e.is_eof() {
            LineError::Torn
        } else {
            LineError::Invalid(e.to_string())
        }
    })?;
    if record.v > VERSION {
        return Err(LineError::Invalid(format!(
            "it is log format v{}, newer than this techrar-hooks reads (v{VERSION}); upgrade techrar-hooks",
            record.v
        )));
    }
    if record.body.is_some() && record.body_base64.is_some() {
        return Err(LineError::Invalid("it has both body and body_base64".into()));
    }
    if let Some(b64) = &record.body_base64
        && STANDARD.decode(b64).is_err()
    {
        return Err(LineError::Invalid("its body_base64 is not base64".into()));
    }
    Ok(record)
}

impl Record {
    /// A record of `capture` as received, with the envelope's fields filled in
    /// and everything that depends on what we did with it still empty.
    pub fn from_capture(id: u64, received_at: String, capture: &Capture) -> Record {
        let envelope = Envelope::parse(&capture.body);
        let mut record = Record {
            v: VERSION,
            id,
            received_at,
            method: capture.method.clone(),
            path: capture.path.clone(),
            query: capture.query.clone(),
            remote_addr: None,
            headers: capture.headers.clone(),
            body: None,
            body_base64: None,
            signature: "unchecked".into(),
            event: envelope.event,
            app_id: envelope.app_id,
            timestamp: envelope.timestamp,
            duplicate_of: None,
            redelivery_of: None,
            rejected: None,
            response_status: None,
            forward: None,
            warning: None,
        };
        record.set_body(&capture.body);
        record
    }

    /// Sets `body` or `body_base64` so that the bytes survive a round trip.
    pub fn set_body(&mut self, bytes: &[u8]) {
        match std::str::from_utf8(bytes) {
            Ok(text) => (self.body, self.body_base64) = (Some(text.to_string()), None),
            Err(_) => (self.body, self.body_base64) = (None, Some(STANDARD.encode(bytes))),
        }
    }

    /// The raw body bytes. `parse_line` has already checked the base64.
    pub fn body_bytes(&self) -> Vec<u8> {
        match (&self.body, &self.body_base64) {
            (Some(text), _) => text.as_bytes().to_vec(),
            (None, Some(b64)) => STANDARD.decode(b64).unwrap_or_default(),
            (None, None) => Vec::new(),
        }
    }

    /// The request as captured.
    pub fn capture(&self) -> Capture {
        Capture {
            method: self.method.clone(),
            path: self.path.clone(),
            query: self.query.clone(),
            headers: self.headers.clone(),
            body: self.body_bytes(),
        }
    }

    /// The record as one JSON line, with its terminating newline, ready for a single append.
    pub fn to_line(&self) -> Vec<u8> {
        let mut line = serde_json::to_vec(self).expect("a record always serialises");
        line.push(b'\n');
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(body: &[u8]) -> Record {
        let mut r = Record {
            v: VERSION,
            id: 7,
            received_at: "2026-12-04T10:00:00Z".into(),
            method: "POST".into(),
            path: "/hooks".into(),
            query: Some("a=1".into()),
            remote_addr: Some("127.0.0.1:5555".into()),
            headers: vec![
                ("X-Signature".into(), "abc".into()),
                ("x-a".into(), "1".into()),
                ("x-a".into(), "2".into()),
            ],
            body: None,
            body_base64: None,
            signature: "valid".into(),
            event: Some("test".into()),
            app_id: Some(3),
            timestamp: Some(1),
            duplicate_of: None,
            redelivery_of: None,
            rejected: None,
            response_status: Some(200),
            forward: None,
            warning: None,
        };
        r.set_body(body);
        r
    }

    #[test]
    fn round_trips_text_and_binary_bodies() {
        for body in [&b"{\"event\":\"test\"}"[..], &[0, 255, 13, 10][..], b""] {
            let r = record(body);
            let line = r.to_line();
            assert!(line.starts_with(b"{\"v\":1,"));
            assert_eq!(line.iter().filter(|&&b| b == b'\n').count(), 1);
            let back = parse_line(&line[..line.len() - 1]).unwrap();
            assert_eq!(back, r);
            assert_eq!(back.capture().body, body);
        }
    }

    #[test]
    fn torn_and_foreign_lines() {
        let line = record(b"{}").to_line();
        assert_eq!(parse_line(&line[..line.len() / 2]), Err(LineError::Torn));
        assert!(matches!(parse_line(b"{\"v\":1}"), Err(LineError::Invalid(_))));
        let newer = String::from_utf8(line).unwrap().replacen("\"v\":1", "\"v\":9", 1);
        assert!(matches!(parse_line(newer.trim_end().as_bytes()), Err(LineError::Invalid(m)) if m.contains("newer")));
    }
}
