//! The command line, as clap derive types. Doc comments here are the `--help` text.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use clap::{Args, Parser, Subcommand, ValueEnum};

pub const EXIT_CODES: &str = "\
Exit status:
  0    success: every signature valid, every delivery answered 2xx
  1    the answer is no: a signature not valid, a delivery without a 2xx
  2    usage error or unreadable input
  130  interrupted
  141  output closed early (e.g. piped into head)";

/// Listen to, verify, send and replay Techrar webhooks.
#[derive(Parser, Debug)]
#[command(name = "techrar-hooks", version, about, after_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// When to colour output: auto colours a terminal unless NO_COLOR is set.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check the X-Signature of captured requests (exit 0 valid, 1 not valid, 2 bad input).
    #[command(after_help = EXIT_CODES)]
    Verify(VerifyArgs),
    /// Receive deliveries on a local endpoint: verify, print, log and forward each one.
    #[command(after_help = LISTEN_HELP)]
    Listen(ListenArgs),
    /// Re-deliver logged or captured requests, exactly or re-signed (exit 0 all 2xx, 1 not, 2 bad input).
    #[command(after_help = REPLAY_HELP)]
    Replay(ReplayArgs),
    /// List the events `send` knows: name, category, provenance, description.
    Events(EventsArgs),
    /// Send a realistic, signed event to your endpoint (exit 0 when it answers 2xx).
    #[command(after_help = SEND_AFTER_HELP)]
    Send(SendArgs),
    /// Print a shell completion script, or write them all with --dir.
    Completions(CompletionsArgs),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// How signatures are computed. Techrar's documentation does not state it;
/// the default is the project's assumption (README: "The signature scheme").
#[derive(Args, Debug, Clone)]
pub struct SchemeArgs {
    /// HMAC hash algorithm.
    #[arg(long, env = "TECHRAR_SIGNATURE_ALGORITHM", value_enum, default_value_t = AlgorithmArg::Sha256, value_name = "ALG")]
    pub algorithm: AlgorithmArg,
    /// How the MAC is written in X-Signature.
    #[arg(long, env = "TECHRAR_SIGNATURE_ENCODING", value_enum, default_value_t = EncodingArg::Hex, value_name = "ENC")]
    pub encoding: EncodingArg,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum AlgorithmArg {
    Sha256,
    Sha512,
    Sha1,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EncodingArg {
    Hex,
    Base64,
}

/// Where the Secret Key comes from. Several secrets are for key rotation: a
/// signature is valid when any of them matches.
#[derive(Args, Debug, Clone)]
pub struct SecretArgs {
    /// A webhook Secret Key (repeatable). Prefer TECHRAR_WEBHOOK_SECRET or
    /// --secret-file: they keep the secret out of shell history. [env: TECHRAR_WEBHOOK_SECRET]
    #[arg(long = "secret", value_name = "SECRET")]
    pub secrets: Vec<String>,
    /// A file with one secret per line (repeatable).
    #[arg(long, value_name = "PATH")]
    pub secret_file: Vec<PathBuf>,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Captures to check: raw HTTP request text, a HAR file, or a techrar-hooks
    /// log (JSONL); - reads standard input.
    #[arg(value_name = "FILE", required_unless_present = "payload", conflicts_with = "payload")]
    pub inputs: Vec<PathBuf>,

    /// Check a body file (- for standard input) against --signature instead of a capture.
    #[arg(long, value_name = "FILE", requires = "signature")]
    pub payload: Option<PathBuf>,

    /// The X-Signature value to check --payload against.
    #[arg(long, value_name = "SIG", requires = "payload")]
    pub signature: Option<String>,

    /// Only the log records with this id (repeatable).
    #[arg(long = "id", value_name = "ID")]
    pub ids: Vec<u64>,

    /// Try every algorithm and encoding and say which scheme the signature uses.
    #[arg(long)]
    pub detect: bool,

    /// Also reject an envelope timestamp further than this from now (e.g. 5m).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub tolerance: Option<Duration>,

    /// The time to check --tolerance against, in Unix seconds (default: now).
    #[arg(long, value_name = "UNIX", requires = "tolerance")]
    pub now: Option<i64>,

    /// One JSON object per request on stdout.
    #[arg(long, conflicts_with = "quiet")]
    pub json: bool,

    /// Print nothing; only the exit status tells.
    #[arg(short, long)]
    pub quiet: bool,

    #[command(flatten)]
    pub scheme: SchemeArgs,

    #[command(flatten)]
    pub secret: SecretArgs,
}

/// Where and how deliveries are sent: shared by `send` and `replay`.
#[derive(Args, Debug, Clone)]
pub struct DeliveryArgs {
    /// The endpoint to deliver to.
    #[arg(
        long,
        env = "TECHRAR_HOOKS_URL",
        default_value = "http://127.0.0.1:4000/",
        value_name = "URL"
    )]
    pub to: String,

    /// An extra request header, like curl's -H (repeatable): -H 'X-Auth-Token: abc'.
    #[arg(short = 'H', long = "header", value_name = "'NAME: VALUE'", value_parser = parse_header)]
    pub headers: Vec<(String, String)>,

    /// How long to wait for a response (Techrar allows 10s).
    #[arg(long, default_value = "10s", value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Retry a failed delivery (non-2xx, timeout, connection error) on Techrar's documented
    /// schedule: immediately, then 1 minute later, then 5 minutes later.
    #[arg(long)]
    pub retry: bool,

    /// Retry on this schedule instead: the waits before each retry, e.g. 0s,300ms,600ms.
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_duration)]
    pub retry_schedule: Option<Vec<Duration>>,
}

const LISTEN_HELP: &str = "\
Answers: 200 for a valid (or unchecked) signature, 401 for one not valid or a
missing required header, 413 over --max-body, 404 off --path, 405 for other
methods. Every request is appended to the log before it is answered.
Ctrl-C or SIGTERM stops it cleanly (exit 0); a second Ctrl-C exits 130.";

#[derive(Args, Debug)]
pub struct ListenArgs {
    /// The address to listen on; 0.0.0.0 to accept from other machines (e.g. in a container).
    #[arg(long, default_value = "127.0.0.1", value_name = "HOST")]
    pub host: String,

    /// The port to listen on; 0 picks a free one (the readiness line tells which).
    #[arg(long, env = "TECHRAR_HOOKS_PORT", default_value_t = 4000, value_name = "PORT")]
    pub port: u16,

    /// Accept deliveries only on this path (default: any path).
    #[arg(long, value_name = "PATH")]
    pub path: Option<String>,

    /// The JSONL log every request is appended to (created 0600, its folder 0700).
    #[arg(long, value_name = "FILE", default_value = DEFAULT_LOG, conflicts_with = "no_log")]
    pub log: PathBuf,

    /// Keep no log.
    #[arg(long)]
    pub no_log: bool,

    /// Also sync each record to disk before answering (slower; survives a power cut).
    #[arg(long, conflicts_with = "no_log")]
    pub fsync: bool,

    /// Answer every verified delivery with this status, to rehearse failures (e.g. 500).
    #[arg(long, value_name = "CODE", value_parser = clap::value_parser!(u16).range(100..=599))]
    pub status: Option<u16>,

    /// Wait this long before answering (e.g. 11s, beyond Techrar's 10 s timeout).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub delay: Option<Duration>,

    /// Answer 200 whatever the signature and required headers say.
    #[arg(long)]
    pub accept_all: bool,

    /// Refuse larger bodies with 413 (e.g. 512KiB, 4MiB, or bytes).
    #[arg(long, value_name = "SIZE", default_value = "1MiB", value_parser = parse_size)]
    pub max_body: usize,

    /// Close a connection that takes longer than this to send a request's headers (or
    /// sends no request for this long), and answer 408 to a body not received within it.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub read_timeout: Duration,

    /// A header every delivery must carry, as set in the portal (repeatable).
    #[arg(long = "require-header", value_name = "'NAME: VALUE'", value_parser = parse_header)]
    pub require_headers: Vec<(String, String)>,

    /// Pass every request on to your app at this URL, and answer with its response.
    #[arg(long, value_name = "URL")]
    pub forward_to: Option<String>,

    /// Forward to --forward-to exactly, without appending the request's path and query.
    #[arg(long, requires = "forward_to")]
    pub forward_exact: bool,

    /// How long to wait for your app.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub forward_timeout: Duration,

    /// What to print after each request's line.
    #[arg(long, value_enum, default_value_t = PrintWhat::Summary, value_name = "WHAT")]
    pub print: PrintWhat,

    /// Print only the events matching this glob, e.g. 'm.order.*' (repeatable); all are still logged.
    #[arg(long = "events", value_name = "GLOB")]
    pub events: Vec<String>,

    /// Print each record as one JSON line on stdout, after a {"listening":…} line.
    #[arg(long, conflicts_with = "print")]
    pub json: bool,

    #[command(flatten)]
    pub scheme: SchemeArgs,

    #[command(flatten)]
    pub secret: SecretArgs,
}

pub const REPLAY_HELP: &str = "\
Examples:
  techrar-hooks replay                                  the default log, to http://127.0.0.1:4000/
  techrar-hooks replay --event 'm.order.*' --since 2h --to http://localhost:3000/webhooks
  techrar-hooks replay prod.har --to https://staging.example.com/hooks --resign
  techrar-hooks replay --last 20 --only invalid --dry-run

Exit status:
  0    every delivery answered 2xx (or, with --dry-run, every request could be built)
  1    a delivery got another status, a timeout or a connection error
  2    usage error, unreadable input, or nothing selected
  130  interrupted
  141  output closed early (e.g. piped into head)";

#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// What to replay: techrar-hooks logs (JSONL), HAR files or raw HTTP request text; - reads
    /// standard input. Default: the log `listen` writes, .techrar-hooks/events.jsonl.
    #[arg(value_name = "FILE")]
    pub inputs: Vec<PathBuf>,

    /// Only the log record with this id (repeatable).
    #[arg(long = "id", value_name = "ID", help_heading = "Selection")]
    pub ids: Vec<u64>,

    /// Only events whose name matches this glob, e.g. 'm.order.*' (repeatable: any may match).
    #[arg(long = "event", value_name = "GLOB", value_parser = parse_glob, help_heading = "Selection")]
    pub events: Vec<glob::Pattern>,

    /// Only requests whose path matches this glob ('*' stays within a segment, '**' crosses).
    #[arg(long, value_name = "GLOB", value_parser = parse_glob, help_heading = "Selection")]
    pub path: Option<glob::Pattern>,

    /// Only requests received at or after this: a duration ago (2h) or a UTC time
    /// (2026-12-04T10:00:00Z, or a date). Captures other than our log have no receive time.
    #[arg(long, value_name = "WHEN", value_parser = parse_when, help_heading = "Selection")]
    pub since: Option<When>,

    /// Only requests received before this: a duration ago (30m) or a UTC time.
    #[arg(long, value_name = "WHEN", value_parser = parse_when, help_heading = "Selection")]
    pub until: Option<When>,

    /// Only the last N of the requests the other filters select.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..), help_heading = "Selection")]
    pub last: Option<u64>,

    /// Only requests whose signature was logged as valid, invalid (or malformed) or missing, or
    /// whose original delivery failed (our response or the forward was not 2xx).
    #[arg(long, value_enum, value_name = "WHAT", help_heading = "Selection")]
    pub only: Option<OnlyArg>,

    /// Deliver to --to exactly, without appending each request's original path and query.
    #[arg(long)]
    pub to_exact: bool,

    /// Sign each body again with the configured secret and scheme, replacing X-Signature
    /// (to deliver to another environment). Without it, the original X-Signature is sent.
    #[arg(long)]
    pub resign: bool,

    /// Set the envelope's timestamp to now, changing only its bytes, and sign again (implies --resign).
    #[arg(long)]
    pub refresh_timestamp: bool,

    /// How many deliveries may be in flight at once; order is then not guaranteed.
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub concurrency: u16,

    /// Stop at the first delivery that does not get a 2xx.
    #[arg(long)]
    pub fail_fast: bool,

    /// Print what would be sent (method, URL, headers, body); send nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// One JSON object per delivery on stdout.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub delivery: DeliveryArgs,

    #[command(flatten)]
    pub scheme: SchemeArgs,

    #[command(flatten)]
    pub secret: SecretArgs,
}

/// Where `listen` logs when not told otherwise.
pub const DEFAULT_LOG: &str = ".techrar-hooks/events.jsonl";

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PrintWhat {
    /// One line per request.
    Summary,
    /// The line, then the body (pretty-printed when it is JSON).
    Body,
    /// The line, then the headers.
    Headers,
    /// The line, the headers and the body.
    Full,
    /// Nothing per request.
    None,
}

/// What `replay --only` selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum OnlyArg {
    /// The signature was valid when logged.
    Valid,
    /// The signature did not verify (or was malformed).
    Invalid,
    /// There was no X-Signature header.
    Missing,
    /// Our response or the forward was not 2xx.
    Failed,
}

/// A point in time on the command line: a duration ago, or a UTC time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum When {
    Ago(Duration),
    At(SystemTime),
}

/// Where the user's own fixtures are: shared by `events` and `send`.
#[derive(Args, Debug, Clone)]
pub struct FixturesArgs {
    /// A folder of <event>.json envelopes (directly or under events/) that add or
    /// replace events, with an optional catalog.json describing them.
    #[arg(long, env = "TECHRAR_HOOKS_FIXTURES", value_name = "DIR")]
    pub fixtures: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct EventsArgs {
    /// A JSON array of {name, category, provenance, description, fixture} on stdout.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub fixtures: FixturesArgs,
}

pub const SEND_AFTER_HELP: &str = "\
Examples:
  techrar-hooks send subscription.created
  techrar-hooks send m.order.completed --to https://staging.example.com/webhooks/techrar \\
      --app-id 3 --set data.order_id=786980 --set data.is_paid=false -H 'X-Auth-Token: abc'
  techrar-hooks send order.created --data my-order.json
  techrar-hooks send test --dry-run
  techrar-hooks send order.created --repeat 5000 --concurrency 32

Exit status:
  0    every delivery answered 2xx
  1    a delivery did not: another status, a timeout, a refused connection, DNS
  2    usage error: no secret, an unknown event without --data, a bad flag
  130  interrupted";

#[derive(Args, Debug)]
pub struct SendArgs {
    /// The event to send (list them with `techrar-hooks events`). Leave it out at a
    /// terminal to pick from a list.
    #[arg(value_name = "EVENT")]
    pub event: Option<String>,

    /// Set a field of the envelope by dotted path (repeatable): data.is_paid=false.
    /// The value is read as JSON when it parses (42, false, "007", {...}), else as text.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub sets: Vec<String>,

    /// Take the data from a JSON file (- for standard input). A JSON object with both
    /// "event" and "data" keys is a whole envelope and replaces the fixture; anything
    /// else becomes the envelope's "data".
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,

    /// The envelope's app_id (default: the fixture's).
    #[arg(long, env = "TECHRAR_APP_ID", value_name = "ID")]
    pub app_id: Option<i64>,

    /// The envelope's timestamp in Unix seconds (default: now); fixes the signature.
    #[arg(long, value_name = "UNIX")]
    pub timestamp: Option<i64>,

    /// Print the request (request line, headers, body) instead of sending it.
    #[arg(long, conflicts_with_all = ["print_curl", "json"])]
    pub dry_run: bool,

    /// Print a curl command that sends the same signed request, instead of sending it.
    #[arg(long, conflicts_with = "json")]
    pub print_curl: bool,

    /// Send the event this many times (a load test), then print a summary.
    #[arg(long, default_value_t = 1, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub repeat: u64,

    /// How many deliveries are in flight at once over kept-alive connections.
    #[arg(long, default_value_t = 1, value_name = "C", value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub concurrency: u64,

    /// With --repeat, send identical bodies instead of a distinct data.id each.
    #[arg(long)]
    pub same_body: bool,

    /// Show the whole response body, not just its start.
    #[arg(long)]
    pub full: bool,

    /// One JSON object per attempt on stdout (and a summary object after --repeat).
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub delivery: DeliveryArgs,

    #[command(flatten)]
    pub fixtures: FixturesArgs,

    #[command(flatten)]
    pub scheme: SchemeArgs,

    #[command(flatten)]
    pub secret: SecretArgs,
}

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to print a completion script for.
    #[arg(value_enum, required_unless_present = "dir")]
    pub shell: Option<clap_complete::Shell>,
    /// Write the scripts for every shell into this folder instead.
    #[arg(long, value_name = "DIR", conflicts_with = "shell")]
    pub dir: Option<PathBuf>,
}

/// Parses `300ms`, `10s`, `5m`, `2h`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<u64>() {
        return Ok(Duration::from_secs(seconds));
    }
    humantime::parse_duration(text).map_err(|_| format!("'{text}' is not a duration like 300ms, 10s, 5m or 2h"))
}

/// Parses a `Name: value` header, as curl's `-H` takes it.
pub fn parse_header(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once(':')
        .ok_or_else(|| format!("'{text}' is not a header like 'X-Auth-Token: abc'"))?;
    let name = name.trim();
    let valid_name = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?={}".contains(&b));
    if !valid_name {
        return Err(format!("'{name}' is not a valid header name"));
    }
    Ok((name.to_string(), value.trim().to_string()))
}

/// Parses a byte size: `1048576`, `512KiB`, `1MiB`, `1MB` (KB/MB/GB are powers of 1000).
pub fn parse_size(text: &str) -> Result<usize, String> {
    let bad = || format!("'{text}' is not a size like 512KiB, 1MiB or a number of bytes");
    let trimmed = text.trim();
    let split = trimmed.find(|c: char| !c.is_ascii_digit()).unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(split);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kib" => 1 << 10,
        "kb" => 1_000,
        "m" | "mib" => 1 << 20,
        "mb" => 1_000_000,
        "g" | "gib" => 1 << 30,
        "gb" => 1_000_000_000,
        _ => return Err(bad()),
    };
    let bytes = number.checked_mul(multiplier).ok_or_else(bad)?;
    if bytes == 0 {
        return Err("the size must be at least 1 byte".into());
    }
    usize::try_from(bytes).map_err(|_| bad())
}

/// Parses `2h` (that long ago), `2026-12-04T10:00:00Z` or `2026-12-04` (UTC).
pub fn parse_when(text: &str) -> Result<When, String> {
    if let Ok(duration) = parse_duration(text) {
        return Ok(When::Ago(duration));
    }
    crate::core::select::parse_time(text).map(When::At).ok_or_else(|| {
        format!("'{text}' is neither a duration like 2h nor a UTC time like 2026-12-04T10:00:00Z or 2026-12-04")
    })
}

/// Parses a glob such as `m.order.*`.
pub fn parse_glob(text: &str) -> Result<glob::Pattern, String> {
    glob::Pattern::new(text).map_err(|e| format!("'{text}' is not a glob ({e})"))
}
