//! The one error type. Each variant knows its exit code and its hint, so the
//! compiler asks for both whenever a variant is added.

use std::fmt;
use std::path::PathBuf;

/// Exit codes, documented in README and `--help`.
pub mod code {
    pub const SUCCESS: i32 = 0;
    /// The answer is no: a signature not valid, a delivery without a 2xx.
    pub const NO: i32 = 1;
    /// Bad usage or unreadable input.
    pub const USAGE: i32 = 2;
    /// A reader closed our output early (`| head`).
    pub const BROKEN_PIPE: i32 = 141;
    /// Interrupted (Ctrl-C).
    pub const INTERRUPTED: i32 = 130;
}

#[derive(Debug)]
pub enum Error {
    /// No secret from any source.
    SecretMissing,
    /// A secret that is empty; `source` names where it came from.
    SecretEmpty {
        source: String,
    },
    SecretFileUnreadable {
        path: PathBuf,
        why: String,
    },
    /// An input file or stdin that could not be read.
    InputUnreadable {
        path: String,
        why: String,
    },
    /// An input we read but do not understand.
    InputUnrecognised {
        path: String,
        why: String,
    },
    /// A flag's value that makes no sense; `flag` names it.
    FlagInvalid {
        flag: &'static str,
        why: String,
    },
    /// Records asked for by `--id` that the input does not hold.
    RecordsNotFound {
        path: String,
        ids: Vec<u64>,
    },
    /// `listen` could not bind its address.
    ListenFailed {
        addr: String,
        why: String,
        in_use: bool,
    },
    /// `listen` could not open or create its log.
    LogUnwritable {
        path: String,
        why: String,
    },
    /// The default log is not there (nothing has been recorded yet, or another folder).
    LogMissing {
        path: String,
    },
    /// Filters that left nothing to do; `read` counts the requests looked at.
    NothingSelected {
        read: usize,
        filters: String,
    },
    /// An event with no fixture, asked for without `--data`.
    EventUnknown {
        name: String,
        suggestion: Option<String>,
    },
    /// `send` without an event, and no terminal to pick one at.
    EventMissing,
    /// The `--fixtures` folder, or a file in it, cannot be read.
    FixturesUnreadable {
        path: String,
        why: String,
    },
    /// A user's fixture or catalog.json that cannot be used.
    FixtureInvalid {
        path: String,
        why: String,
    },
    /// Ctrl-C at the event picker, or during a `send --repeat` (after its partial summary).
    Interrupted,
    /// Writing to stdout failed because the reader went away.
    BrokenPipe,
    /// Writing our own output failed otherwise.
    Output(std::io::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn code(&self) -> i32 {
        match self {
            Error::SecretMissing
            | Error::SecretEmpty { .. }
            | Error::SecretFileUnreadable { .. }
            | Error::InputUnreadable { .. }
            | Error::InputUnrecognised { .. }
            | Error::FlagInvalid { .. }
            | Error::RecordsNotFound { .. }
            | Error::ListenFailed { .. }
            | Error::LogUnwritable { .. }
            | Error::LogMissing { .. }
            | Error::NothingSelected { .. }
            | Error::EventUnknown { .. }
            | Error::EventMissing
            | Error::FixturesUnreadable { .. }
            | Error::FixtureInvalid { .. }
            | Error::Output(_) => code::USAGE,
            Error::Interrupted => code::INTERRUPTED,
            Error::BrokenPipe => code::BROKEN_PIPE,
        }
    }

    /// What to do about it, appended to the message after a `;`.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::SecretMissing | Error::SecretEmpty { .. } => {
                Some("pass --secret or set TECHRAR_WEBHOOK_SECRET (the Secret Key from Techrar's portal)".into())
            }
            Error::SecretFileUnreadable { .. } => Some("check the path given to --secret-file".into()),
            Error::InputUnreadable { .. } => Some("check the path, or pass - to read standard input".into()),
            Error::InputUnrecognised { .. } => None,
            Error::FlagInvalid { .. } => None,
            Error::RecordsNotFound { .. } => Some("list the ids with: grep -o '\"id\":[0-9]*' LOG".into()),
            Error::ListenFailed { in_use: true, .. } => {
                Some("another program uses that port: pick another --port, or --port 0 for a free one".into())
            }
            Error::ListenFailed { in_use: false, .. } => Some("check --host and --port".into()),
            Error::LogUnwritable { .. } => Some("pass another --log FILE, or --no-log".into()),
            Error::LogMissing { .. } => Some(
                "`techrar-hooks listen` records deliveries there; or name capture files: techrar-hooks replay FILE..."
                    .into(),
            ),
            Error::NothingSelected { .. } => Some(
                "loosen the filters; times are UTC, and --id, --since, --until and --only read our log's records"
                    .into(),
            ),
            Error::EventUnknown { .. } => {
                Some("list the events with `techrar-hooks events`, or give the payload with --data FILE".into())
            }
            Error::EventMissing => Some(
                "name one (list them with `techrar-hooks events`), or run at a terminal to pick from a list".into(),
            ),
            Error::FixturesUnreadable { .. } => Some("check --fixtures or TECHRAR_HOOKS_FIXTURES".into()),
            Error::FixtureInvalid { .. } | Error::Interrupted => None,
            Error::BrokenPipe | Error::Output(_) => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::SecretMissing => write!(f, "no webhook secret given"),
            Error::SecretEmpty { source } => write!(f, "the webhook secret from {source} is empty"),
            Error::SecretFileUnreadable { path, why } => {
                write!(f, "cannot read the secret file {}: {why}", path.display())
            }
            Error::InputUnreadable { path, why } => write!(f, "cannot read {path}: {why}"),
            Error::InputUnrecognised { path, why } => write!(f, "{path} is not a capture we can read: {why}"),
            Error::FlagInvalid { flag, why } => write!(f, "invalid {flag}: {why}"),
            Error::RecordsNotFound { path, ids } => {
                let ids: Vec<String> = ids.iter().map(u64::to_string).collect();
                write!(f, "{path} has no record with id {}", ids.join(", "))
            }
            Error::ListenFailed { addr, why, .. } => write!(f, "cannot listen on {addr}: {why}"),
            Error::LogUnwritable { path, why } => write!(f, "cannot write the log {path}: {why}"),
            Error::LogMissing { path } => write!(f, "no log at {path}"),
            Error::NothingSelected { read, filters } => match read {
                0 => write!(f, "the input holds no request to replay"),
                1 => write!(f, "the one request read does not match {filters}"),
                n => write!(f, "none of the {n} requests read matches {filters}"),
            },
            Error::EventUnknown { name, suggestion } => {
                write!(f, "no fixture for the event '{name}'")?;
                match suggestion {
                    Some(near) => write!(f, " (did you mean {near}?)"),
                    None => Ok(()),
                }
            }
            Error::EventMissing => write!(f, "no event given"),
            Error::FixturesUnreadable { path, why } => write!(f, "cannot read the user fixtures at {path}: {why}"),
            Error::FixtureInvalid { path, why } => write!(f, "cannot use the fixture file {path}: {why}"),
            Error::Interrupted => write!(f, "interrupted"),
            Error::BrokenPipe => write!(f, "output closed"),
            Error::Output(e) => write!(f, "cannot write output: {e}"),
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            Error::BrokenPipe
        } else {
            Error::Output(e)
        }
    }
}

/// Describes an I/O error without the "(os error 2)" noise.
pub fn describe_io(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a directory, not a file".into(),
        _ => {
            let text = e.to_string();
            match text.find(" (os error") {
                Some(i) => text[..i].to_string(),
                None => text,
            }
        }
    }
}
