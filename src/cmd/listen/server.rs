//! One request, from socket to answer: read the body (bounded), verify the raw
//! bytes, forward them, log the record, hand it to the printer, answer.
//!
//! The order is the guarantee: the answer is built only after the record's
//! line was written (and synced, with `--fsync`), so an acknowledged delivery
//! is always in the log. Every request is logged, refused ones included:
//! another path (404), another method (405), a body over `--max-body` (413),
//! a body cut short or malformed (400), one not received within
//! `--read-timeout` (408) all become records with `rejected` set (and no
//! body kept), because a misconfigured webhook URL is exactly what a
//! developer needs to see.

use std::future::poll_fn;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{ConnectInfo, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode, Version};
use axum::response::Response;
use serde_json::json;

use crate::clock;
use crate::core::duplicates::Fingerprint;
use crate::core::envelope::Envelope;
use crate::core::record::{self, Record};
use crate::core::signature::{HEADER, Verdict};
use crate::error::describe_io;
use crate::output::{self, Output};

use super::forward::{Failure, Forwarded};
use super::journal::Journal;
use super::print::{Item, Printer, Shown, Tally};
use super::settings::Settings;

/// Everything a request handler shares.
pub struct App {
    pub settings: Settings,
    pub journal: Journal,
    pub printer: Printer,
    pub tally: Tally,
    pub out: Output,
}

/// A body over the limit is answered 413 at once; meanwhile the rest is read
/// (and thrown away) up to this much, for at most `DRAIN_TIME`, so that the
/// sender gets to read our answer instead of a reset.
const DRAIN_BYTES: u64 = 16 << 20;
const DRAIN_TIME: Duration = Duration::from_secs(2);

pub fn router(app: Arc<App>) -> Router {
    Router::new().fallback(handle).with_state(app)
}

enum BodyRead {
    Whole(Bytes),
    TooLarge,
    /// Cut short (the connection closed) or malformed (chunk sizes): why, in words.
    Broken(String),
    /// Not all of it arrived within `--read-timeout`.
    Late,
}

/// A request as received, before it is concluded.
struct Delivery {
    parts: Parts,
    remote: SocketAddr,
    received_at: String,
    body: BodyRead,
    /// Refused before verification: the status and why.
    refusal: Option<(u16, String)>,
}

async fn handle(
    State(app): State<Arc<App>>,
    ConnectInfo(remote): ConnectInfo<SocketAddr>,
    request: Request,
) -> Response {
    let received_at = clock::rfc3339_now();
    let (parts, body) = request.into_parts();
    let settings = &app.settings;
    let body = read_body(body, &parts.headers, settings.max_body, settings.read_timeout).await;
    let refusal = match &body {
        BodyRead::TooLarge => Some((
            413,
            format!("body larger than --max-body ({})", output::size(settings.max_body)),
        )),
        BodyRead::Broken(why) => Some((400, why.clone())),
        BodyRead::Late => Some((
            408,
            format!(
                "the body did not arrive within --read-timeout ({})",
                humantime::format_duration(settings.read_timeout)
            ),
        )),
        BodyRead::Whole(_) => app.refusal(&parts),
    };
    let delivery = Delivery {
        parts,
        remote,
        received_at,
        body,
        refusal,
    };
    if app.settings.forward.is_none() || delivery.refusal.is_some() {
        return app.conclude(delivery, None).await;
    }
    // Forwarding waits for the app. It runs as its own task, so a sender that
    // hangs up meanwhile cannot cancel it: the request is still logged.
    let task = tokio::spawn(async move {
        let BodyRead::Whole(bytes) = &delivery.body else {
            unreachable!("refused above")
        };
        let forward = app.settings.forward.as_ref().expect("checked above");
        let forwarded = forward.send(&delivery.parts, bytes.clone()).await;
        app.conclude(delivery, Some(forwarded)).await
    });
    task.await
        .unwrap_or_else(|_| reply(500, None, json!({"ok": false, "reason": "internal error"})))
}

impl App {
    /// 404 off `--path`, 405 for anything but POST.
    fn refusal(&self, parts: &Parts) -> Option<(u16, String)> {
        if let Some(path) = &self.settings.path
            && parts.uri.path() != path
        {
            return Some((404, format!("path {} is not {path} (--path)", parts.uri.path())));
        }
        if parts.method != Method::POST {
            return Some((405, format!("method {} is not POST", parts.method)));
        }
        None
    }

    /// What `--require-header` finds wrong, if anything.
    fn header_problem(&self, headers: &HeaderMap) -> Option<String> {
        let problems: Vec<String> = self
            .settings
            .required
            .iter()
            .filter_map(|(name, want)| {
                let mut values = headers.get_all(name).iter().peekable();
                if values.peek().is_none() {
                    return Some(format!("required header {name} is missing"));
                }
                let matched = values.fold(false, |found, value| found | same(value.as_bytes(), want.as_bytes()));
                (!matched).then(|| format!("required header {name} has another value"))
            })
            .collect();
        (!problems.is_empty()).then(|| problems.join("; "))
    }

    async fn conclude(&self, d: Delivery, forwarded: Option<Forwarded>) -> Response {
        let settings = &self.settings;
        // What is left of a body cut short or late cannot be told from the
        // next request: the connection ends with the answer (HTTP/1; an
        // HTTP/2 stream ends by itself).
        let unusable = matches!(d.body, BodyRead::Broken(_) | BodyRead::Late) && d.parts.version < Version::HTTP_2;
        let body: Option<&[u8]> = match &d.body {
            BodyRead::Whole(bytes) => Some(bytes),
            _ => None,
        };
        let verdict = match body {
            Some(body) if !settings.secrets.is_empty() => Some(settings.scheme.verify(
                &settings.secrets,
                body,
                signature(&d.parts.headers),
            )),
            _ => None,
        };
        let signature_ok = verdict.as_ref().is_none_or(Verdict::is_valid);
        let envelope = body.map(Envelope::parse).unwrap_or_default();
        let header_problem = match d.refusal {
            None => self.header_problem(&d.parts.headers),
            Some(_) => None,
        };

        let (status, rejected) = match &d.refusal {
            Some((status, why)) => (*status, Some(why.clone())),
            None => {
                let ours = if settings.accept_all || (signature_ok && header_problem.is_none()) {
                    200
                } else {
                    401
                };
                let status = match forwarded.as_ref().map(|f| &f.result) {
                    Some(Ok(answer)) => answer.status,
                    Some(Err(Failure::TimedOut(_))) => 504,
                    Some(Err(Failure::Unreachable(_))) => 502,
                    None => ours,
                };
                (settings.status.unwrap_or(status), header_problem.clone())
            }
        };
        let warning = match forwarded.as_ref().map(|f| &f.result) {
            Some(Ok(answer)) if (200..300).contains(&answer.status) => {
                accepted_forgery(answer.status, verdict.as_ref(), header_problem.as_deref())
            }
            _ => None,
        };

        let mut record = Record {
            v: record::VERSION,
            id: 0,
            received_at: d.received_at,
            method: d.parts.method.to_string(),
            path: d.parts.uri.path().to_string(),
            query: d.parts.uri.query().map(str::to_string),
            remote_addr: Some(d.remote.to_string()),
            headers: header_pairs(&d.parts.headers),
            body: None,
            body_base64: None,
            signature: verdict.as_ref().map_or("unchecked", Verdict::word).to_string(),
            event: envelope.event.clone(),
            app_id: envelope.app_id,
            timestamp: envelope.timestamp,
            duplicate_of: None,
            redelivery_of: None,
            rejected,
            response_status: Some(status),
            forward: forwarded.as_ref().map(|f| record::Forward {
                url: f.url.clone(),
                status: f.result.as_ref().ok().map(|a| a.status),
                duration_ms: Some(f.took.as_millis() as u64),
                error: f.result.as_ref().err().map(Failure::describe),
            }),
            warning,
        };
        if let Some(body) = body {
            record.set_body(body);
        }
        let print = body.map(|body| Fingerprint::new(body, envelope.key().as_ref()));
        let shown = self.printer.wants(record.event.as_deref());
        let appended = self
            .journal
            .append(&mut record, print.as_ref(), shown && self.printer.json())
            .await;
        if let Some(e) = appended.error {
            self.out.warn(&format!(
                "could not write record #{} to the log: {}; answered 503 so the sender retries",
                record.id,
                describe_io(&e)
            ));
            return reply(
                503,
                None,
                json!({"ok": false, "reason": "the delivery could not be logged"}),
            );
        }
        self.tally.count(&record);

        let id = record.id;
        let reason = reason(&record, verdict.as_ref());
        if shown {
            let item = match appended.line {
                Some(line) if self.printer.json() => Item::Json(line),
                _ => Item::Human(Box::new(Shown {
                    record,
                    secret: match verdict {
                        Some(Verdict::Valid { secret_index }) => Some(secret_index),
                        _ => None,
                    },
                    reason: match &verdict {
                        Some(Verdict::Malformed(why)) => Some(why.clone()),
                        _ => None,
                    },
                    size: body.map(<[u8]>::len),
                })),
            };
            self.printer.send(item);
        }
        if let Some(delay) = settings.delay {
            tokio::time::sleep(delay).await;
        }
        match forwarded.map(|f| f.result) {
            Some(Ok(answer)) => {
                let mut response = Response::new(Body::from(answer.body));
                *response.status_mut() = status_code(status);
                if let Some(content_type) = answer.content_type {
                    response.headers_mut().insert(header::CONTENT_TYPE, content_type);
                }
                response
            }
            _ => {
                let allow = (status == 405).then_some(HeaderValue::from_static("POST"));
                let ok = (200..300).contains(&status);
                let mut response = match reason {
                    Some(reason) if !ok => reply(status, allow, json!({"ok": false, "id": id, "reason": reason})),
                    _ => reply(status, allow, json!({"ok": ok, "id": id})),
                };
                if unusable {
                    response
                        .headers_mut()
                        .insert(header::CONNECTION, HeaderValue::from_static("close"));
                }
                response
            }
        }
    }
}

/// Why a request was not (or would not have been) accepted, in words.
fn reason(record: &Record, verdict: Option<&Verdict>) -> Option<String> {
    if let Some(rejected) = &record.rejected {
        return Some(rejected.clone());
    }
    if let Some(error) = record.forward.as_ref().and_then(|f| f.error.as_ref()) {
        return Some(format!("your app did not answer: {error}"));
    }
    match verdict {
        Some(Verdict::Mismatch) => Some("invalid signature".into()),
        Some(Verdict::Missing) => Some(format!("no {HEADER} header")),
        Some(Verdict::Malformed(why)) => Some(format!("malformed signature: {why}")),
        _ => record
            .response_status
            .map(|status| format!("answering {status} as told by --status")),
    }
}

/// The warning for an app that answered 2xx to what it should have refused.
fn accepted_forgery(status: u16, verdict: Option<&Verdict>, header_problem: Option<&str>) -> Option<String> {
    let mut why = Vec::new();
    if let Some(verdict) = verdict.filter(|v| !v.is_valid()) {
        why.push(format!("whose signature is {}", verdict.word()));
    }
    if let Some(problem) = header_problem {
        why.push(format!("whose {problem}"));
    }
    (!why.is_empty()).then(|| {
        format!(
            "your app answered {status} to a delivery {}: it accepts forged deliveries",
            why.join(" and ")
        )
    })
}

fn reply(status: u16, allow: Option<HeaderValue>, body: serde_json::Value) -> Response {
    let mut response = Response::new(Body::from(body.to_string()));
    *response.status_mut() = status_code(status);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if let Some(allow) = allow {
        headers.insert(header::ALLOW, allow);
    }
    response
}

fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY)
}

/// The `X-Signature` header, as text (bytes that are not are kept lossily, and then malformed).
fn signature(headers: &HeaderMap) -> Option<&str> {
    headers.get(HEADER).map(|v| v.to_str().unwrap_or("\u{FFFD}not text"))
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = match value.to_str() {
                Ok(text) => text.to_string(),
                Err(_) => String::from_utf8_lossy(value.as_bytes()).into_owned(),
            };
            (name.as_str().to_string(), value)
        })
        .collect()
}

/// Constant-time equality, for `--require-header` values (often tokens).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
}

/// Reads the whole body within `within`, or stops at `limit`. A body that
/// arrives in one frame (the usual case) is kept without a copy.
async fn read_body(mut body: Body, headers: &HeaderMap, limit: usize, within: Duration) -> BodyRead {
    let declared = declared_length(headers);
    if declared.is_some_and(|n| n > limit as u64) {
        // Refused before a byte of it is read. A sender that asked first
        // (`Expect: 100-continue`) is never told to go on.
        if !expects_continue(headers) {
            tokio::spawn(drain(body));
        }
        return BodyRead::TooLarge;
    }
    let deadline = tokio::time::Instant::now() + within;
    let mut first: Option<Bytes> = None;
    let mut joined: Vec<u8> = Vec::new();
    let mut total = 0usize;
    loop {
        let frame = match tokio::time::timeout_at(deadline, poll_fn(|cx| Pin::new(&mut body).poll_frame(cx))).await {
            Err(_) => return BodyRead::Late,
            Ok(None) => break,
            Ok(Some(Ok(frame))) => frame,
            Ok(Some(Err(e))) => return BodyRead::Broken(broken(&e)),
        };
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        total += data.len();
        if total > limit {
            tokio::spawn(drain(body));
            return BodyRead::TooLarge;
        }
        match first.take() {
            None if joined.is_empty() => first = Some(data),
            earlier => {
                if let Some(earlier) = earlier {
                    joined.reserve(declared.map_or(0, |n| n as usize).max(earlier.len() + data.len()));
                    joined.extend_from_slice(&earlier);
                }
                joined.extend_from_slice(&data);
            }
        }
    }
    BodyRead::Whole(match first {
        Some(bytes) => bytes,
        None => Bytes::from(joined),
    })
}

fn expects_continue(headers: &HeaderMap) -> bool {
    headers
        .get(header::EXPECT)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"))
}

/// Why a body could not be read, in words: hyper's own error says only that
/// reading failed; the cause underneath says how.
fn broken(e: &axum::Error) -> String {
    use std::io::ErrorKind::{
        BrokenPipe, ConnectionAborted, ConnectionReset, InvalidData, InvalidInput, UnexpectedEof,
    };
    let cause = std::iter::successors(Some(e as &dyn std::error::Error), |e| e.source())
        .find_map(|e| e.downcast_ref::<std::io::Error>());
    match cause {
        Some(io)
            if matches!(
                io.kind(),
                UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe
            ) =>
        {
            "the body ended early: the connection closed before all of it arrived".into()
        }
        Some(io) if matches!(io.kind(), InvalidInput | InvalidData) => format!("the body is malformed: {io}"),
        Some(io) => format!("the body could not be read: {}", describe_io(io)),
        None => format!("the body could not be read: {e}"),
    }
}

/// Reads and discards what is left of a refused body, within bounds, while
/// the answer goes out; dropping it then makes hyper close the connection.
async fn drain(mut body: Body) {
    let _ = tokio::time::timeout(DRAIN_TIME, async {
        let mut drained = 0u64;
        while let Some(Ok(frame)) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            drained += frame.data_ref().map_or(0, |d| d.len() as u64);
            if drained > DRAIN_BYTES {
                break;
            }
        }
    })
    .await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_equality() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"ab"));
    }

    #[test]
    fn a_forgery_accepted_is_named() {
        assert_eq!(
            accepted_forgery(200, Some(&Verdict::Valid { secret_index: 0 }), None),
            None
        );
        assert_eq!(accepted_forgery(200, None, None), None);
        let warning = accepted_forgery(204, Some(&Verdict::Mismatch), None).unwrap();
        assert!(warning.contains("204") && warning.contains("invalid") && warning.contains("forged"));
    }
}
