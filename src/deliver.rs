//! Delivering a request over HTTP, shared by `send` and `replay`: one
//! attempt, a retry schedule, and latency figures for a summary.
//!
//! The body is `Bytes` from the moment it was signed: every attempt sends the
//! same bytes, and nothing re-serialises them.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use crate::cli::DeliveryArgs;
use crate::error::{Error, Result};

/// Techrar's documented retry plan: an immediate retry, then one minute later, then five.
pub const TECHRAR_RETRY_SCHEDULE: [Duration; 3] =
    [Duration::ZERO, Duration::from_secs(60), Duration::from_secs(5 * 60)];

pub const USER_AGENT: &str = concat!("techrar-hooks/", env!("CARGO_PKG_VERSION"));

/// How much of a response body is kept for display.
const KEEP_BODY: usize = 64 * 1024;

/// The checked form of `DeliveryArgs`.
#[derive(Clone, Debug)]
pub struct Plan {
    pub url: url::Url,
    pub headers: Vec<(String, String)>,
    pub timeout: Duration,
    /// Waits before each retry; empty when not retrying.
    pub retries: Vec<Duration>,
}

impl Plan {
    pub fn from_args(args: &DeliveryArgs) -> Result<Plan> {
        Ok(Plan {
            url: parse_url(&args.to, "--to")?,
            headers: args.headers.clone(),
            timeout: args.timeout,
            retries: match (&args.retry_schedule, args.retry) {
                (Some(schedule), _) => schedule.clone(),
                (None, true) => TECHRAR_RETRY_SCHEDULE.to_vec(),
                (None, false) => Vec::new(),
            },
        })
    }
}

/// An http(s) URL with a host, or a one-line error naming `flag`.
pub fn parse_url(text: &str, flag: &'static str) -> Result<url::Url> {
    let invalid = |why: String| Error::FlagInvalid { flag, why };
    let url = url::Url::parse(text.trim()).map_err(|e| invalid(format!("'{text}' is not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(invalid(format!(
            "'{text}' is not an http:// or https:// URL with a host"
        )));
    }
    Ok(url)
}

/// One request, ready to send as many times as needed.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: reqwest::Method,
    pub url: url::Url,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// Builds a header map, later names replacing earlier ones case-insensitively
/// only where `replace` says so (repeats in a capture are kept).
pub fn header_map<'a>(pairs: impl IntoIterator<Item = &'a (String, String)>) -> Result<HeaderMap, String> {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        let name =
            HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("'{name}' is not a valid header name"))?;
        let value =
            HeaderValue::from_str(value).map_err(|_| format!("the value of {name} is not a valid header value"))?;
        map.append(name, value);
    }
    Ok(map)
}

/// Why an attempt got no HTTP status.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    Timeout(Duration),
    /// Nothing accepted the connection at this address.
    Refused(String),
    /// The host name did not resolve.
    Dns(String),
    Other(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Timeout(after) => write!(f, "no response within {}", humantime::format_duration(*after)),
            Failure::Refused(addr) => {
                write!(
                    f,
                    "connection refused: nothing listens on {addr} (`techrar-hooks listen` would)"
                )
            }
            Failure::Dns(host) => write!(f, "cannot resolve the host {host}"),
            Failure::Other(why) => f.write_str(why),
        }
    }
}

impl Failure {
    /// A short word for summaries and JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Timeout(_) => "timeout",
            Failure::Refused(_) => "refused",
            Failure::Dns(_) => "dns",
            Failure::Other(_) => "error",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Attempt {
    /// 1 for the first attempt, 2 for the first retry, …
    pub number: usize,
    pub status: Option<u16>,
    pub latency: Duration,
    pub failure: Option<Failure>,
    /// The start of the response body (up to 64 KiB).
    pub body: Bytes,
    /// The response body's full length.
    pub body_len: usize,
}

impl Attempt {
    pub fn ok(&self) -> bool {
        self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

/// The async runtime for commands that talk HTTP (`verify` never starts one).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Error::Output)
}

/// A client for many deliveries: connections are kept alive and reused.
pub fn client(max_idle_per_host: usize) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .pool_max_idle_per_host(max_idle_per_host)
        .redirect(reqwest::redirect::Policy::none())
        .tcp_nodelay(true)
        .build()
        .map_err(|e| Error::Output(std::io::Error::other(e)))
}

/// One attempt: send, read (the start of) the response, time it.
pub async fn attempt(client: &reqwest::Client, request: &Request, timeout: Duration, number: usize) -> Attempt {
    let started = Instant::now();
    let result = client
        .request(request.method.clone(), request.url.clone())
        .headers(request.headers.clone())
        .body(request.body.clone())
        .timeout(timeout)
        .send()
        .await;
    let mut attempt = Attempt {
        number,
        status: None,
        latency: Duration::ZERO,
        failure: None,
        body: Bytes::new(),
        body_len: 0,
    };
    match result {
        Ok(mut response) => {
            attempt.status = Some(response.status().as_u16());
            let mut kept = Vec::new();
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        attempt.body_len += chunk.len();
                        let room = KEEP_BODY.saturating_sub(kept.len());
                        kept.extend_from_slice(&chunk[..room.min(chunk.len())]);
                    }
                    Ok(None) => break,
                    Err(e) => {
                        attempt.failure = Some(classify(&e, &request.url, timeout));
                        break;
                    }
                }
            }
            attempt.body = Bytes::from(kept);
        }
        Err(e) => attempt.failure = Some(classify(&e, &request.url, timeout)),
    }
    attempt.latency = started.elapsed();
    attempt
}

/// Sends `request`, retrying after each failure on `retries` (the waits before
/// each retry). `each` sees every attempt as it completes. Returns the last.
pub async fn deliver(
    client: &reqwest::Client,
    request: &Request,
    timeout: Duration,
    retries: &[Duration],
    mut each: impl FnMut(&Attempt),
) -> Attempt {
    let mut last = attempt(client, request, timeout, 1).await;
    each(&last);
    for (index, wait) in retries.iter().enumerate() {
        if last.ok() {
            break;
        }
        tokio::time::sleep(*wait).await;
        last = attempt(client, request, timeout, index + 2).await;
        each(&last);
    }
    last
}

fn classify(error: &reqwest::Error, url: &url::Url, timeout: Duration) -> Failure {
    if error.is_timeout() {
        return Failure::Timeout(timeout);
    }
    let host = url.host_str().unwrap_or_default().to_string();
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    let mut chain = String::new();
    while let Some(e) = source {
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && io.kind() == std::io::ErrorKind::ConnectionRefused
        {
            let port = url.port_or_known_default().unwrap_or(80);
            return Failure::Refused(format!("{host}:{port}"));
        }
        chain = e.to_string();
        source = e.source();
    }
    if chain.contains("dns error") || chain.contains("failed to lookup address") {
        return Failure::Dns(host);
    }
    Failure::Other(format!("{}: {chain}", url.as_str()))
}

/// Latencies are counted in buckets this wide, so a summary's memory is
/// bounded by the spread of latencies, not by the number of deliveries
/// (`replay` streams logs of millions). Summaries print tenths of a millisecond.
const LATENCY_BUCKET_MICROS: u64 = 10;

/// Counts and latencies over many deliveries, for the summary line.
#[derive(Debug, Default)]
pub struct Summary {
    pub statuses: BTreeMap<u16, usize>,
    pub failures: BTreeMap<&'static str, usize>,
    /// Deliveries per latency bucket (see `LATENCY_BUCKET_MICROS`).
    latencies: BTreeMap<u64, usize>,
    count: usize,
}

impl Summary {
    pub fn add(&mut self, attempt: &Attempt) {
        match (&attempt.failure, attempt.status) {
            (Some(failure), _) => *self.failures.entry(failure.kind()).or_default() += 1,
            (None, Some(status)) => *self.statuses.entry(status).or_default() += 1,
            (None, None) => {}
        }
        let micros = u64::try_from(attempt.latency.as_micros()).unwrap_or(u64::MAX);
        *self.latencies.entry(micros / LATENCY_BUCKET_MICROS).or_default() += 1;
        self.count += 1;
    }

    pub fn count(&self) -> usize {
        self.count
    }

    pub fn ok(&self) -> usize {
        self.statuses
            .iter()
            .filter(|(s, _)| (200..300).contains(*s))
            .map(|(_, n)| n)
            .sum()
    }

    /// The latency at quantile `q` (0.0..=1.0), nearest-rank, to 10 µs.
    pub fn percentile(&mut self, q: f64) -> Duration {
        if self.count == 0 {
            return Duration::ZERO;
        }
        let rank = ((q * self.count as f64).ceil() as usize).clamp(1, self.count);
        let mut seen = 0;
        let bucket = self.latencies.iter().find_map(|(bucket, n)| {
            seen += n;
            (seen >= rank).then_some(*bucket)
        });
        Duration::from_micros(bucket.unwrap_or_default() * LATENCY_BUCKET_MICROS)
    }
}

/// Milliseconds with one decimal, for people.
pub fn ms(duration: Duration) -> String {
    format!("{:.1} ms", duration.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_with_the_flag_named() {
        assert!(parse_url("http://127.0.0.1:4000/", "--to").is_ok());
        for bad in ["localhost:4000", "ftp://x/", "not a url", "http://"] {
            let e = parse_url(bad, "--to").unwrap_err();
            assert!(e.to_string().starts_with("invalid --to"), "{e}");
        }
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut s = Summary::default();
        for ms in 1..=100 {
            s.add(&Attempt {
                number: 1,
                status: Some(200),
                latency: Duration::from_millis(ms),
                failure: None,
                body: Bytes::new(),
                body_len: 0,
            });
        }
        assert_eq!(s.percentile(0.5), Duration::from_millis(50));
        assert_eq!(s.percentile(0.99), Duration::from_millis(99));
        assert_eq!(s.percentile(1.0), Duration::from_millis(100));
        assert_eq!(s.ok(), 100);
    }
}
