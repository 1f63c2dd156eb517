//! `listen`: a local endpoint that verifies, prints, logs and forwards every delivery.
//!
//! Parse, validate, act: the flags are checked (`settings`) and the log opened
//! before a socket is bound, so a bad flag fails in milliseconds. The tokio
//! runtime lives here only; the rest of the tool stays synchronous.
//!
//! - `connections`: accepting, the read timeout, stopping gracefully;
//! - `server`: one request from socket to answer;
//! - `journal`: ids, duplicate marks, and the log's writer thread;
//! - `forward`: `--forward-to`;
//! - `print`: the printer thread and the summary.

mod connections;
mod forward;
mod journal;
mod print;
mod server;
mod settings;

use std::sync::Arc;

use serde_json::json;

use crate::Status;
use crate::cli::ListenArgs;
use crate::error::{Error, Result, describe_io};
use crate::output::Output;

use journal::Journal;
use print::{Closed, Item, Printer, Style, Tally};
use server::App;
use settings::Settings;

pub fn run(args: &ListenArgs, out: &Output) -> Result<Status> {
    let settings = Settings::from_args(args)?;
    let (journal, log_shown) = match &settings.log {
        Some(path) => {
            let unwritable = |e: std::io::Error| Error::LogUnwritable {
                path: path.display().to_string(),
                why: describe_io(&e),
            };
            let (journal, opened) = Journal::open(path, settings.fsync).map_err(unwritable)?;
            crate::store::permission_warnings(path).iter().for_each(|w| out.warn(w));
            if opened.repaired_tail {
                out.warn(&format!(
                    "{} ended in a torn line (a crash mid-write?); new records start on the next line",
                    path.display()
                ));
            }
            (journal, Some(path.display().to_string()))
        }
        None => (Journal::in_memory(), None),
    };
    // One core is left to the log writer thread and to the sender, which on
    // a laptop runs on the same machine: measured with wrk on 2 cores, one
    // worker answers ~25 % more requests than two (fewer cross-thread
    // wake-ups, an uncontended log lock). More cores than 5 only add threads
    // contending for the same log lock.
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    let workers = (cores - 1).clamp(1, 4);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .max_blocking_threads(16)
        .thread_name("listen")
        .enable_all()
        .build()
        .map_err(|e| Error::ListenFailed {
            addr: settings.addr.to_string(),
            why: describe_io(&e),
            in_use: false,
        })?;
    runtime.block_on(serve(settings, journal, log_shown, *out))
}

async fn serve(settings: Settings, journal: Journal, log_shown: Option<String>, out: Output) -> Result<Status> {
    let addr = settings.addr;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::ListenFailed {
            addr: addr.to_string(),
            why: describe_io(&e),
            in_use: e.kind() == std::io::ErrorKind::AddrInUse,
        })?;
    let bound = listener.local_addr()?;
    let url = format!("http://{bound}");

    let signals = Signals::register()?;
    let closed: Closed = Arc::new(tokio::sync::Notify::new());
    let style = Style {
        out,
        what: settings.print,
        several_secrets: settings.secrets.len() > 1,
    };
    let notify = Arc::clone(&closed);
    let printer = Printer::start(style, settings.json, settings.events.clone(), move || {
        notify.notify_one()
    });
    settings.secret_warnings.iter().for_each(|w| out.warn(w));
    if settings.secrets.is_empty() {
        out.warn(
            "no webhook secret given: signatures are not checked and every delivery is `unchecked`; \
             pass --secret or set TECHRAR_WEBHOOK_SECRET",
        );
    }
    if settings.json {
        let line = json!({"listening": url, "log": log_shown});
        printer.send(Item::Json(format!("{line}\n").into_bytes()));
    }
    let path = settings
        .path
        .as_deref()
        .map_or("any path".to_string(), |p| format!("path {p}"));
    let log_text = log_shown
        .as_deref()
        .map_or("not logging (--no-log)".to_string(), |p| format!("logging to {p}"));
    let forward = settings
        .forward
        .as_ref()
        .map(|f| format!(", forwarding to {}", f.target("", None)))
        .unwrap_or_default();
    eprintln!("listening on {url} ({path}), {log_text}{forward}; Ctrl-C to stop");

    let app = Arc::new(App {
        settings,
        journal,
        printer,
        tally: Tally::default(),
        out,
    });
    let router = server::router(Arc::clone(&app));
    let read_timeout = app.settings.read_timeout;
    connections::serve(listener, router, read_timeout, out, stop_signal(signals, closed)).await;

    // Every request in flight has finished: flush and report.
    if let Err(e) = app.journal.close() {
        out.warn(&format!("could not sync the log to disk: {}", describe_io(&e)));
    }
    let printed = app.printer.finish();
    let dropped = printed.as_ref().copied().unwrap_or(0);
    if dropped > 0 {
        out.warn(&format!(
            "{dropped} lines were not printed: the output could not keep up (the log has every record)"
        ));
    }
    let log = log_shown.map_or(String::new(), |p| format!("; log: {p}"));
    eprintln!("stopped: {}{log}", app.tally.summary());
    printed?;
    Ok(Status::Success)
}

/// Ctrl-C and SIGTERM, registered before the readiness line so that a
/// signal sent right after it is never lost to the default handler.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn register() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(Signals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Resolves on Ctrl-C, SIGTERM or a closed stdout. After that, a second
/// signal ends the process at once with 130, in case a request in flight
/// takes too long to finish.
async fn stop_signal(mut signals: Signals, closed: Closed) {
    tokio::select! {
        _ = signals.next() => {}
        _ = closed.notified() => {}
    }
    eprintln!("stopping: finishing the requests in flight (Ctrl-C again to quit now)");
    tokio::spawn(async move {
        signals.next().await;
        eprintln!("interrupted");
        std::process::exit(crate::error::code::INTERRUPTED);
    });
}
