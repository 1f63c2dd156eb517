//! `--repeat N --concurrency C`: N deliveries over C kept-alive connections,
//! then a summary.
//!
//! C tasks share one client (its pool keeps the connections alive) and take
//! delivery numbers from a shared counter. A body is the one serialisation of
//! the envelope with its own id written in (`Bodies`), signed once; with
//! `--same-body` one body and one signature serve every delivery. Results go
//! over a bounded channel to a single collector, which alone writes output.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use colored::Color;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::json;
use tokio::sync::mpsc;

use super::Job;
use super::report::{Reporter, status_text};
use crate::Status;
use crate::core::compose::Bodies;
use crate::core::secret::Secret;
use crate::core::signature::Scheme;
use crate::deliver::{self, Attempt, Request, Summary, ms};
use crate::error::{Error, Result};
use crate::output::Output;

/// What the delivery tasks share.
struct Shared {
    client: reqwest::Client,
    url: url::Url,
    /// Every header but X-Signature.
    headers: HeaderMap,
    sign_header: bool,
    scheme: Scheme,
    secret: Secret,
    /// Per-delivery bodies, or `same`: one body and its signature for all.
    bodies: Option<Bodies>,
    same: Option<(Bytes, Arc<str>)>,
    timeout: Duration,
    retries: Vec<Duration>,
    next: AtomicU64,
    total: u64,
}

/// One finished delivery.
struct Done {
    /// 0-based.
    n: u64,
    attempts: Vec<Attempt>,
    signature: Arc<str>,
}

impl Shared {
    fn body(&self, n: u64) -> (Bytes, Arc<str>) {
        match (&self.bodies, &self.same) {
            (Some(bodies), _) => {
                let mut buf = Vec::new();
                bodies.write(n, &mut buf);
                let signature = self.scheme.sign(&self.secret, &buf);
                (Bytes::from(buf), signature.into())
            }
            (None, Some((body, signature))) => (body.clone(), signature.clone()),
            (None, None) => unreachable!("a load has per-delivery bodies or one shared body"),
        }
    }

    async fn work(self: Arc<Self>, done: mpsc::Sender<Done>) {
        loop {
            let n = self.next.fetch_add(1, Ordering::Relaxed);
            if n >= self.total {
                return;
            }
            let (body, signature) = self.body(n);
            let mut headers = self.headers.clone();
            if self.sign_header {
                let value = HeaderValue::from_str(&signature).expect("hex or base64 is a valid header value");
                headers.insert(HeaderName::from_static("x-signature"), value);
            }
            let request = Request {
                method: reqwest::Method::POST,
                url: self.url.clone(),
                headers,
                body,
            };
            let mut attempts = Vec::with_capacity(1);
            deliver::deliver(&self.client, &request, self.timeout, &self.retries, |a| {
                attempts.push(a.clone())
            })
            .await;
            if done.send(Done { n, attempts, signature }).await.is_err() {
                return;
            }
        }
    }
}

/// Counts kept by the collector.
#[derive(Default)]
struct Tally {
    summary: Summary,
    attempts: usize,
    /// The first message of each kind of failure, to show with its count.
    first_failure: BTreeMap<&'static str, String>,
}

pub fn run(job: &Job, out: &Output) -> Result<Status> {
    let runtime = deliver::runtime()?;
    let same = job.bodies.is_none().then(|| {
        let body = job.body(0);
        let signature: Arc<str> = job.sign(&body).into();
        (body, signature)
    });
    let shared = Arc::new(Shared {
        client: deliver::client(job.concurrency as usize)?,
        url: job.plan.url.clone(),
        headers: deliver::header_map(&job.headers(None)).map_err(|why| Error::FlagInvalid { flag: "-H", why })?,
        sign_header: job.signs_header(),
        scheme: job.scheme,
        secret: job.secret.clone(),
        bodies: job.bodies.clone(),
        same,
        timeout: job.plan.timeout,
        retries: job.plan.retries.clone(),
        next: AtomicU64::new(0),
        total: job.repeat,
    });
    let progress = if out.interactive {
        let bar = ProgressBar::with_draw_target(Some(job.repeat), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} deliveries  {per_sec}  eta {eta}") {
            bar.set_style(style);
        }
        bar
    } else {
        ProgressBar::hidden()
    };
    let reporter = Reporter::new(job, out);

    let mut tally = Tally::default();
    let mut printed = Ok(());
    let started = Instant::now();
    let interrupted = runtime.block_on(async {
        let (sender, mut receiver) = mpsc::channel::<Done>(job.concurrency as usize * 2);
        for _ in 0..job.concurrency {
            tokio::spawn(Arc::clone(&shared).work(sender.clone()));
        }
        drop(sender);
        let collect = async {
            while let Some(done) = receiver.recv().await {
                tally.attempts += done.attempts.len();
                let Some(last) = done.attempts.last() else { continue };
                if let Some(failure) = &last.failure {
                    tally
                        .first_failure
                        .entry(failure.kind())
                        .or_insert_with(|| failure.to_string());
                }
                tally.summary.add(last);
                if job.json {
                    for attempt in &done.attempts {
                        printed = reporter.attempt(done.n + 1, attempt, &done.signature);
                        if printed.is_err() {
                            return;
                        }
                    }
                }
                progress.inc(1);
            }
        };
        tokio::select! {
            () = collect => false,
            Ok(()) = tokio::signal::ctrl_c() => true,
        }
    });
    let elapsed = started.elapsed();
    progress.finish_and_clear();
    // Stop what is still in flight after an interruption or a closed pipe.
    runtime.shutdown_background();
    printed?;

    summarise(job, out, &mut tally, elapsed, interrupted)?;
    if interrupted {
        return Err(Error::Interrupted);
    }
    Ok(if tally.summary.ok() as u64 == job.repeat {
        Status::Success
    } else {
        Status::No
    })
}

fn summarise(job: &Job, out: &Output, tally: &mut Tally, elapsed: Duration, interrupted: bool) -> Result<()> {
    let summary = &mut tally.summary;
    let count = summary.count();
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 { count as f64 / seconds } else { 0.0 };
    let [p50, p90, p99, max] = [0.5, 0.9, 0.99, 1.0].map(|q| summary.percentile(q));
    if job.json {
        let millis = |d: Duration| (d.as_secs_f64() * 1_000_000.0).round() / 1000.0;
        let statuses: serde_json::Map<String, serde_json::Value> = summary
            .statuses
            .iter()
            .map(|(status, n)| (status.to_string(), json!(n)))
            .collect();
        return out.json(&json!({"summary": {
            "event": job.event,
            "url": job.plan.url.as_str(),
            "requested": job.repeat,
            "deliveries": count,
            "ok": summary.ok(),
            "attempts": tally.attempts,
            "statuses": statuses,
            "errors": summary.failures,
            "latency_ms": {"p50": millis(p50), "p90": millis(p90), "p99": millis(p99), "max": millis(max)},
            "seconds": (seconds * 1000.0).round() / 1000.0,
            "per_second": (rate * 10.0).round() / 10.0,
            "concurrency": job.concurrency,
            "interrupted": interrupted,
        }}));
    }

    let ok = summary.ok() == count && count as u64 == job.repeat;
    let mark = if ok {
        out.paint("✔", Color::Green)
    } else {
        out.paint("✘", Color::Red)
    };
    let done = if interrupted {
        format!("{count} of {} deliveries (interrupted)", job.repeat)
    } else {
        format!("{count} deliveries")
    };
    out.line(&format!(
        "{mark} {done} of {} to {} in {seconds:.2} s: {rate:.1} deliveries/s, concurrency {}",
        job.event, job.plan.url, job.concurrency
    ))?;
    if !summary.statuses.is_empty() {
        let statuses: Vec<String> = summary
            .statuses
            .iter()
            .map(|(status, n)| format!("{} × {n}", status_text(*status)))
            .collect();
        out.line(&format!("  status   {}", statuses.join(", ")))?;
    }
    for (kind, n) in &summary.failures {
        let first = tally.first_failure.get(kind).map(String::as_str).unwrap_or_default();
        out.line(&format!("  errors   {kind} × {n}: {first}"))?;
    }
    if summary.failures.is_empty() {
        out.line("  errors   none")?;
    }
    out.line(&format!(
        "  latency  p50 {}  p90 {}  p99 {}  max {}",
        ms(p50),
        ms(p90),
        ms(p99),
        ms(max)
    ))?;
    let retried = tally.attempts - count;
    if retried > 0 {
        out.line(&format!("  retries  {retried}"))?;
    }
    let bodies = match &job.bodies {
        Some(bodies) => format!("each with its own {}, each signed", bodies.key()),
        None => "one body for all (--same-body)".into(),
    };
    out.line(&format!("  bodies   {bodies}"))
}
