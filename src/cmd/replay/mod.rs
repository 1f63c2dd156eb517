//! `replay`: re-deliver logged or captured requests, exactly or re-signed.
//!
//! Two sides run at once. A reader thread streams the inputs through the
//! filters and builds each request; the async side keeps up to
//! `--concurrency` deliveries in flight and reports each as it completes.
//! Between them is a bounded channel: when deliveries fall behind, the reader
//! waits, so memory stays flat however long the log.

mod read;
mod report;
mod request;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use clap::ValueEnum;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::cli::{DEFAULT_LOG, OnlyArg, ReplayArgs, When};
use crate::core::select::{Filter, Only};
use crate::deliver::{self, Attempt, Request};
use crate::error::{Error, Result};
use crate::input;
use crate::output::Output;
use crate::{Status, clock, config};

use read::{Chosen, Reader, Tally};
use report::{Meta, Report};
use request::Builder;

/// What the reader hands the deliveries.
enum Feed {
    Job(Box<Job>),
    /// How many requests there are in all, once the reader knows.
    Total(usize),
}

/// One selected request, built, or the reason it could not be.
struct Job {
    meta: Meta,
    request: Result<Request, String>,
}

pub fn run(args: &ReplayArgs, out: &Output) -> Result<Status> {
    // Parse and check everything before the first request goes out.
    let plan = deliver::Plan::from_args(&args.delivery)?;
    let resign = args.resign || args.refresh_timestamp;
    let scheme = config::scheme(&args.scheme);
    let secrets = config::secrets(&args.secret, resign)?;
    secrets.warnings.iter().for_each(|w| out.warn(w));
    let filter = filter(args)?;
    let inputs = inputs(args)?;
    let builder = Builder {
        plan,
        to_exact: args.to_exact,
        // config::secrets has refused an empty list when re-signing
        signer: resign.then(|| (scheme, secrets.list[0].clone())),
        refresh_timestamp: args.refresh_timestamp,
    };
    let reader = Reader {
        inputs: &inputs,
        filter: &filter,
        last: args.last.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
        scheme,
        secrets: &secrets.list,
        out,
    };

    // At a terminal without filters a person chooses; elsewhere flags alone decide.
    let reads_stdin = inputs.iter().any(|p| p == Path::new("-"));
    let picked = if filter.is_empty() && args.last.is_none() && out.interactive && !reads_stdin {
        match read::pick(&reader, out)? {
            Some(picked) if !picked.is_empty() => Some(picked),
            _ => {
                out.note("nothing chosen; nothing sent");
                return Ok(Status::Success);
            }
        }
    } else {
        None
    };

    let concurrency = usize::from(args.concurrency);
    let runtime = deliver::runtime()?;
    let client = deliver::client(concurrency)?;
    let (tx, rx) = mpsc::channel(concurrency * 2);
    let mut report = Report::new(out, args.json, out.interactive && !args.dry_run);
    let (delivered, read) = std::thread::scope(|scope| {
        let (reader, builder) = (&reader, &builder);
        // The thread owns the sender: when it is done, the channel closes.
        let reading = scope.spawn(move || feed(tx, reader, picked, builder));
        let delivered = runtime.block_on(deliver_all(rx, &client, &builder.plan, args, &mut report));
        let read = reading.join().expect("the reader thread does not panic");
        (delivered, read)
    });
    let stopped = delivered?;
    let tally = match read {
        Ok(tally) => tally,
        // The reader's sentinel for "the deliveries stopped taking requests":
        // only --fail-fast does that (other errors returned above).
        Err(Error::BrokenPipe) => {
            report.finish(args.dry_run, stopped);
            return Ok(Status::No);
        }
        Err(e) => {
            if report.any() {
                report.finish(args.dry_run, stopped);
            }
            return Err(e);
        }
    };
    let missing: Vec<u64> = filter.ids.difference(&tally.found_ids).copied().collect();
    let not_found = || Error::RecordsNotFound {
        path: inputs
            .iter()
            .map(|p| input::display_name(p))
            .collect::<Vec<_>>()
            .join(", "),
        ids: missing.clone(),
    };
    if tally.selected == 0 {
        if !missing.is_empty() {
            return Err(not_found());
        }
        return Err(Error::NothingSelected {
            read: tally.read,
            filters: describe_filters(args),
        });
    }
    let failed = report.failed;
    report.finish(args.dry_run, stopped);
    if !missing.is_empty() && !stopped {
        return Err(not_found());
    }
    Ok(if failed == 0 { Status::Success } else { Status::No })
}

/// The reader thread: streams the selection (or the picked requests) into
/// the channel, building each request on the way.
fn feed(tx: mpsc::Sender<Feed>, reader: &Reader, picked: Option<Vec<Chosen>>, builder: &Builder) -> Result<Tally> {
    // A closed channel means the deliveries stopped (--fail-fast); BrokenPipe
    // is the sentinel that ends reading: the consumer of our output went away.
    let send = |feed: Feed| tx.blocking_send(feed).map_err(|_| Error::BrokenPipe);
    let tally = match picked {
        Some(picked) => {
            let count = picked.len();
            send(Feed::Total(count))?;
            for chosen in picked {
                send(Feed::Job(Box::new(job(builder, chosen))))?;
            }
            Tally {
                read: count,
                selected: count,
                ..Tally::default()
            }
        }
        None => reader.stream(
            |chosen| send(Feed::Job(Box::new(job(builder, chosen)))),
            |total| send(Feed::Total(total)),
        )?,
    };
    Ok(tally)
}

fn job(builder: &Builder, chosen: Chosen) -> Job {
    let Chosen { item, event } = chosen;
    Job {
        request: builder.build(&item.capture, clock::unix_now()),
        meta: Meta {
            label: item.label,
            id: item.record.map(|r| r.id),
            event,
        },
    }
}

/// Takes jobs from the channel and keeps up to `--concurrency` in flight.
/// Returns whether `--fail-fast` stopped it.
async fn deliver_all(
    mut rx: mpsc::Receiver<Feed>,
    client: &reqwest::Client,
    plan: &deliver::Plan,
    args: &ReplayArgs,
    report: &mut Report<'_>,
) -> Result<bool> {
    let limit = usize::from(args.concurrency);
    let retries: Arc<[Duration]> = plan.retries.clone().into();
    let mut running = JoinSet::new();
    let mut open = true;
    let mut stopped = false;
    loop {
        let mut failed = false;
        tokio::select! {
            Some(done) = running.join_next(), if !running.is_empty() => {
                let (meta, request, attempt): (Meta, Request, Attempt) =
                    done.expect("a delivery task does not panic");
                failed = !report.delivered(&meta, &request, &attempt)?;
            }
            feed = rx.recv(), if open && running.len() < limit => match feed {
                None => open = false,
                Some(Feed::Total(total)) => report.total(total),
                Some(Feed::Job(job)) => match *job {
                    Job { meta, request: Err(why) } => {
                        report.not_sent(&meta, &why)?;
                        failed = true;
                    }
                    Job { meta, request: Ok(request) } if args.dry_run => report.dry_run(&meta, &request)?,
                    Job { meta, request: Ok(request) } => {
                        let client = client.clone();
                        let retries = retries.clone();
                        let timeout = plan.timeout;
                        let out = report.out();
                        running.spawn(async move {
                            let attempt = deliver::deliver(&client, &request, timeout, &retries, |attempt| {
                                announce_retry(&out, &meta.label, attempt, &retries)
                            })
                            .await;
                            (meta, request, attempt)
                        });
                    }
                },
            },
            else => break,
        }
        if failed && args.fail_fast && !stopped {
            // In-flight deliveries finish and are reported; nothing new starts.
            stopped = true;
            open = false;
            rx.close();
        }
    }
    Ok(stopped)
}

/// Says on stderr that a failed attempt will be retried, and when.
fn announce_retry(out: &Output, label: &str, attempt: &Attempt, retries: &[Duration]) {
    let Some(wait) = retries.get(attempt.number - 1) else {
        return;
    };
    if attempt.ok() {
        return;
    }
    let outcome = match (&attempt.failure, attempt.status) {
        (Some(failure), _) => failure.to_string(),
        (None, Some(status)) => format!("got {status}"),
        (None, None) => "failed".into(),
    };
    out.note(&format!(
        "{label}: attempt {} {outcome}; retrying in {}",
        attempt.number,
        humantime::format_duration(*wait)
    ));
}

/// The filters, with relative times resolved against now.
fn filter(args: &ReplayArgs) -> Result<Filter> {
    let now = UNIX_EPOCH + Duration::from_secs(clock::unix_now().max(0) as u64);
    let resolve = |when: When| match when {
        When::Ago(ago) => now.checked_sub(ago).unwrap_or(UNIX_EPOCH),
        When::At(at) => at,
    };
    let filter = Filter {
        ids: args.ids.iter().copied().collect(),
        events: args.events.clone(),
        path: args.path.clone(),
        since: args.since.map(resolve),
        until: args.until.map(resolve),
        only: args.only.map(|only| match only {
            OnlyArg::Valid => Only::Valid,
            OnlyArg::Invalid => Only::Invalid,
            OnlyArg::Missing => Only::Missing,
            OnlyArg::Failed => Only::Failed,
        }),
    };
    if let (Some(since), Some(until)) = (filter.since, filter.until)
        && since >= until
    {
        return Err(Error::FlagInvalid {
            flag: "--until",
            why: "it is not later than --since, so no time is left to select".into(),
        });
    }
    Ok(filter)
}

/// The filters as given, for "nothing matched" messages.
fn describe_filters(args: &ReplayArgs) -> String {
    let when = |when: &When| match when {
        When::Ago(ago) => humantime::format_duration(*ago).to_string(),
        When::At(at) => humantime::format_rfc3339_seconds(*at).to_string(),
    };
    let mut parts: Vec<String> = args.ids.iter().map(|id| format!("--id {id}")).collect();
    parts.extend(args.events.iter().map(|e| format!("--event '{}'", e.as_str())));
    parts.extend(args.path.iter().map(|p| format!("--path '{}'", p.as_str())));
    parts.extend(args.since.iter().map(|w| format!("--since {}", when(w))));
    parts.extend(args.until.iter().map(|w| format!("--until {}", when(w))));
    parts.extend(args.only.iter().filter_map(|o| {
        o.to_possible_value()
            .map(|value| format!("--only {}", value.get_name()))
    }));
    if parts.is_empty() {
        "anything".into()
    } else {
        parts.join(" ")
    }
}

/// The inputs named, or the default log; each opened and recognised now, so
/// that a typo in the third file fails before the first is replayed.
fn inputs(args: &ReplayArgs) -> Result<Vec<PathBuf>> {
    if args.inputs.is_empty() {
        let path = PathBuf::from(DEFAULT_LOG);
        if !path.exists() {
            return Err(Error::LogMissing {
                path: DEFAULT_LOG.into(),
            });
        }
        input::probe(&path)?;
        return Ok(vec![path]);
    }
    for path in &args.inputs {
        if path != Path::new("-") {
            input::probe(path)?;
        }
    }
    Ok(args.inputs.clone())
}
