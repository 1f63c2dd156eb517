//! `--repeat N --concurrency C`: N deliveries over C kept-alive connections,
//! then a summary.
//!
//! Built like wrk: a few threads (one per core, at most C), each with its own
//! single-threaded runtime, so a request, its connection and its response
//! stay on one thread with no cross-thread wake-ups. Each thread runs its
//! share of the C delivery tasks; every task takes the next delivery number
//! from a shared counter. Over `http://` each task owns one kept-alive
//! connection (`wire`); over `https://` a thread's tasks share one reqwest
//! client. A body is the one serialisation of the envelope with its own id
//! written in (`Bodies`), signed once; with `--same-body` one body and one
//! signature serve every delivery.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use colored::Color;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use serde_json::json;

use super::Job;
use super::report::{Reporter, status_text};
use super::wire::{Target, Wire};
use crate::Status;
use crate::core::compose::Bodies;
use crate::core::secret::Secret;
use crate::core::signature::Scheme;
use crate::deliver::{self, Request, Summary, ms};
use crate::error::{Error, Result};
use crate::output::Output;

/// What the delivery threads share.
struct Shared {
    url: url::Url,
    /// The endpoint for `wire`, when it speaks the URL's scheme (http).
    target: Option<Arc<Target>>,
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
    /// Set on Ctrl-C or a closed stdout: take no new delivery.
    stop: AtomicBool,
    tally: Mutex<Tally>,
    /// With --json, each attempt is printed as it completes.
    reporter: Option<Reporter>,
    progress: Option<ProgressBar>,
}

/// How a task reaches the endpoint.
enum Link {
    /// Its own connection (plain http).
    Wire(Wire),
    /// The thread's client (https).
    Client(reqwest::Client),
}

impl Link {
    async fn attempt(&mut self, request: &Request, timeout: Duration, number: usize) -> deliver::Attempt {
        match self {
            Link::Wire(wire) => {
                wire.attempt(&request.headers, request.body.clone(), timeout, number)
                    .await
            }
            Link::Client(client) => deliver::attempt(client, request, timeout, number).await,
        }
    }
}

/// The counts so far.
#[derive(Default)]
struct Tally {
    /// The last attempt of each delivery.
    summary: Summary,
    attempts: usize,
    /// The first message of each kind of failure, to show with its count.
    first_failure: BTreeMap<&'static str, String>,
    /// The start of the first response body for each status other than 2xx.
    first_answer: BTreeMap<u16, String>,
    /// Printing failed (stdout closed): the error to end with.
    output: Option<Error>,
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

    /// One thread: a single-threaded runtime running `tasks` delivery tasks,
    /// one kept-alive connection each.
    fn thread(self: Arc<Self>, tasks: usize) -> Result<()> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(Error::Output)?;
        runtime.block_on(async {
            let client = match self.target {
                Some(_) => None,
                None => Some(deliver::client(tasks)?),
            };
            let running: Vec<_> = (0..tasks)
                .map(|_| {
                    let link = match (&self.target, &client) {
                        (Some(target), _) => Link::Wire(Wire::new(Arc::clone(target))),
                        (None, Some(client)) => Link::Client(client.clone()),
                        (None, None) => unreachable!("a client is built whenever there is no target"),
                    };
                    tokio::spawn(Arc::clone(&self).work(link))
                })
                .collect();
            for task in running {
                if let Err(e) = task.await
                    && e.is_panic()
                {
                    std::panic::resume_unwind(e.into_panic());
                }
            }
            Ok(())
        })
    }

    async fn work(self: Arc<Self>, mut link: Link) {
        while !self.stop.load(Ordering::Relaxed) {
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
            // The retry loop of `deliver::deliver`, over either link.
            let mut printed = Ok(());
            let mut report = |attempt: &deliver::Attempt| {
                if let Some(reporter) = &self.reporter
                    && printed.is_ok()
                {
                    printed = reporter.attempt(n + 1, attempt, &signature);
                }
            };
            let mut last = link.attempt(&request, self.timeout, 1).await;
            report(&last);
            for (index, wait) in self.retries.iter().enumerate() {
                if last.ok() {
                    break;
                }
                tokio::time::sleep(*wait).await;
                last = link.attempt(&request, self.timeout, index + 2).await;
                report(&last);
            }
            let attempts = last.number;
            let mut tally = self.tally.lock().unwrap_or_else(|e| e.into_inner());
            tally.attempts += attempts;
            if let Some(failure) = &last.failure {
                tally
                    .first_failure
                    .entry(failure.kind())
                    .or_insert_with(|| failure.to_string());
            }
            if let Some(status) = last.status.filter(|_| !last.ok()) {
                tally.first_answer.entry(status).or_insert_with(|| one_line(&last.body));
            }
            tally.summary.add(&last);
            if let Err(e) = printed {
                tally.output.get_or_insert(e);
                self.stop.store(true, Ordering::Relaxed);
            }
            drop(tally);
            if let Some(progress) = &self.progress {
                progress.inc(1);
            }
        }
    }
}

/// How many threads deliver: one per core, no more than deliveries in flight.
fn threads(concurrency: u64) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores.min(concurrency as usize).max(1)
}

pub fn run(job: &Job, out: &Output) -> Result<Status> {
    let same = job.bodies.is_none().then(|| {
        let body = job.body(0);
        let signature: Arc<str> = job.sign(&body).into();
        (body, signature)
    });
    let progress = out.interactive.then(|| {
        let bar = ProgressBar::with_draw_target(Some(job.repeat), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} deliveries  {per_sec}  eta {eta}") {
            bar.set_style(style);
        }
        bar
    });
    let shared = Arc::new(Shared {
        url: job.plan.url.clone(),
        target: Target::new(&job.plan.url).map(Arc::new),
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
        stop: AtomicBool::new(false),
        tally: Mutex::new(Tally::default()),
        reporter: job.json.then(|| Reporter::new(job, out)),
        progress: progress.clone(),
    });

    let started = Instant::now();
    let threads = threads(job.concurrency);
    let mut running = Vec::with_capacity(threads);
    for index in 0..threads {
        // C tasks dealt out as evenly as the threads allow.
        let tasks = job.concurrency as usize / threads + usize::from(index < job.concurrency as usize % threads);
        let shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name(format!("deliver-{index}"))
            .spawn(move || shared.thread(tasks))
            .map_err(Error::Output)?;
        running.push(thread);
    }
    let interrupted = wait_or_interrupt(running)?;
    let elapsed = started.elapsed();
    shared.stop.store(true, Ordering::Relaxed);
    if let Some(progress) = &progress {
        progress.finish_and_clear();
    }

    let mut tally = std::mem::take(&mut *shared.tally.lock().unwrap_or_else(|e| e.into_inner()));
    if let Some(e) = tally.output.take() {
        return Err(e);
    }
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

/// Waits for the delivery threads; `Ok(true)` when Ctrl-C came first (the
/// threads are then left to the process's exit).
fn wait_or_interrupt(running: Vec<std::thread::JoinHandle<Result<()>>>) -> Result<bool> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Output)?;
    let outcome = runtime.block_on(async {
        let joined = tokio::task::spawn_blocking(move || {
            running.into_iter().try_for_each(|thread| match thread.join() {
                Ok(result) => result,
                Err(panic) => std::panic::resume_unwind(panic),
            })
        });
        tokio::select! {
            joined = joined => match joined {
                Ok(result) => result.map(|()| false),
                Err(e) => std::panic::resume_unwind(e.into_panic()),
            },
            Ok(()) = tokio::signal::ctrl_c() => Ok(true),
        }
    });
    // Do not wait for the joining thread after an interruption.
    runtime.shutdown_background();
    outcome
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
    for (status, body) in tally.first_answer.iter().filter(|(_, body)| !body.is_empty()) {
        out.line(&format!("  {status}      {}", out.dim(body)))?;
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

/// The start of a response body on one line, for the summary.
fn one_line(body: &[u8]) -> String {
    const WIDTH: usize = 100;
    let text = String::from_utf8_lossy(body);
    let words: Vec<&str> = text.split_whitespace().collect();
    let line = words.join(" ");
    match line.char_indices().nth(WIDTH) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}
