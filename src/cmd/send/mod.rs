//! `send`: fire a realistic, signed Techrar event at an endpoint and show how
//! it answers; retry on a schedule, or load the endpoint with many deliveries.
//!
//! Every flag is checked, the secret resolved and the envelope built before
//! any prompt or socket. The envelope is then serialised once (compact) and
//! those exact bytes are signed and sent on every attempt: from there on the
//! body is `Bytes`, and nothing re-serialises it.

mod load;
mod report;
mod show;
mod wire;

use std::path::Path;

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::cli::SendArgs;
use crate::core::catalog::{self, Catalog};
use crate::core::compose::{self, Bodies, BuildError};
use crate::core::secret::Secret;
use crate::core::signature::{HEADER, Scheme};
use crate::deliver::{self, Plan};
use crate::error::{Error, Result};
use crate::output::Output;
use crate::{Status, clock, config, input};

use super::events;

/// Everything a delivery needs, checked.
pub(crate) struct Job {
    pub event: String,
    pub plan: Plan,
    pub scheme: Scheme,
    /// The first secret given signs.
    pub secret: Secret,
    pub envelope: Map<String, Value>,
    pub repeat: u64,
    pub concurrency: u64,
    /// Per-delivery ids for `--repeat`; `None` with `--same-body` or a single delivery.
    pub bodies: Option<Bodies>,
    pub full: bool,
    pub json: bool,
}

impl Job {
    /// The body of delivery `n` (0-based).
    pub fn body(&self, n: u64) -> Bytes {
        match &self.bodies {
            Some(bodies) => {
                let mut buf = Vec::new();
                bodies.write(n, &mut buf);
                Bytes::from(buf)
            }
            None => Bytes::from(serde_json::to_vec(&self.envelope).expect("a JSON value serialises")),
        }
    }

    pub fn sign(&self, body: &[u8]) -> String {
        self.scheme.sign(&self.secret, body)
    }

    /// Whether we set X-Signature, or a `-H` replaces it (to test a rejection).
    pub fn signs_header(&self) -> bool {
        !self
            .plan
            .headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case(HEADER))
    }

    /// The request headers in order, with `signature` when we set it: ours
    /// first, then each `-H`, which replaces one of ours of the same name.
    pub fn headers(&self, signature: Option<&str>) -> Vec<(String, String)> {
        let mut ours = vec![
            ("Content-Type".to_string(), "application/json".to_string()),
            ("User-Agent".to_string(), deliver::USER_AGENT.to_string()),
            ("Accept".to_string(), "*/*".to_string()),
        ];
        if let Some(signature) = signature.filter(|_| self.signs_header()) {
            ours.push((HEADER.to_string(), signature.to_string()));
        }
        ours.retain(|(name, _)| !self.plan.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)));
        ours.extend(self.plan.headers.iter().cloned());
        ours
    }
}

pub fn run(args: &SendArgs, out: &Output) -> Result<Status> {
    let scheme = config::scheme(&args.scheme);
    let secrets = config::secrets(&args.secret, true)?;
    secrets.warnings.iter().for_each(|w| out.warn(w));
    let secret = secrets.list.into_iter().next().ok_or(Error::SecretMissing)?;
    let plan = Plan::from_args(&args.delivery)?;
    deliver::header_map(&plan.headers).map_err(|why| Error::FlagInvalid { flag: "-H", why })?;
    let sets = args
        .sets
        .iter()
        .map(|text| catalog::parse_assignment(text).map_err(|why| Error::FlagInvalid { flag: "--set", why }))
        .collect::<Result<Vec<_>>>()?;
    let catalog = events::catalog(&args.fixtures)?;
    let data = args.data.as_deref().map(read_data).transpose()?;

    let Some(event) = event_name(args, &catalog, data.as_ref(), out)? else {
        // Cancelling the picker is a person's decision, as in `replay`.
        out.note("nothing chosen; nothing sent");
        return Ok(Status::Success);
    };
    let fixture = catalog.get(&event).map(catalog::Event::envelope);
    let envelope = compose::build(&event, fixture, data).map_err(|e| match e {
        BuildError::Unknown => Error::EventUnknown {
            suggestion: catalog.suggest(&event).map(str::to_owned),
            name: event.clone(),
        },
        BuildError::Mismatch { found } => Error::FlagInvalid {
            flag: "--data",
            why: format!(
                "{} is an envelope for the event {found}, not {event}; leave out EVENT, or change its \"event\"",
                input::display_name(args.data.as_deref().unwrap_or(Path::new("-")))
            ),
        },
    })?;
    let mut envelope = compose::stamp(envelope, args.app_id, args.timestamp.unwrap_or_else(clock::unix_now));
    for (path, value) in sets {
        catalog::assign(&mut envelope, &path, value).map_err(|why| Error::FlagInvalid { flag: "--set", why })?;
    }
    let bodies = if args.repeat > 1 && !args.same_body {
        Some(Bodies::new(&envelope).map_err(|why| Error::FlagInvalid { flag: "--repeat", why })?)
    } else {
        None
    };

    let job = Job {
        event,
        plan,
        scheme,
        secret,
        envelope,
        repeat: args.repeat,
        concurrency: args.concurrency.min(args.repeat),
        bodies,
        full: args.full,
        json: args.json,
    };
    if args.dry_run || args.print_curl {
        if args.dry_run {
            show::dry_run(&job, out)?;
        } else {
            show::curl(&job, out)?;
        }
        if job.repeat > 1 {
            let ids = match &job.bodies {
                Some(bodies) => format!("each with its own {}", bodies.key()),
                None => "all with this body".into(),
            };
            out.note(&format!(
                "--repeat {} would send {} requests like this, {ids}",
                job.repeat, job.repeat
            ));
        }
        return Ok(Status::Success);
    }
    if job.repeat > 1 {
        load::run(&job, out)
    } else {
        single(&job, out)
    }
}

/// One delivery, with its retries; every attempt is reported.
fn single(job: &Job, out: &Output) -> Result<Status> {
    let body = job.body(0);
    let signature = job.sign(&body);
    let request = deliver::Request {
        method: reqwest::Method::POST,
        url: job.plan.url.clone(),
        headers: deliver::header_map(&job.headers(Some(&signature)))
            .map_err(|why| Error::FlagInvalid { flag: "-H", why })?,
        body,
    };
    let reporter = report::Reporter::new(job, out);
    let runtime = deliver::runtime()?;
    let client = deliver::client(1)?;
    let mut printed = Ok(());
    let last = runtime.block_on(deliver::deliver(
        &client,
        &request,
        job.plan.timeout,
        &job.plan.retries,
        |attempt| {
            if printed.is_ok() {
                printed = reporter.attempt(1, attempt, &signature);
            }
        },
    ));
    printed?;
    Ok(if last.ok() { Status::Success } else { Status::No })
}

/// `--data FILE|-` as JSON.
fn read_data(path: &Path) -> Result<Value> {
    let bytes = input::read_bytes(path, "--data")?;
    serde_json::from_slice(&bytes).map_err(|e| Error::FlagInvalid {
        flag: "--data",
        why: format!("{} is not JSON ({e})", input::display_name(path)),
    })
}

/// EVENT, else the event a whole envelope in `--data` names, else one picked
/// at the terminal (`None` when the person cancelled).
fn event_name(args: &SendArgs, catalog: &Catalog, data: Option<&Value>, out: &Output) -> Result<Option<String>> {
    if let Some(event) = &args.event {
        return Ok(Some(event.clone()));
    }
    if let Some(envelope) = data.filter(|d| compose::is_envelope(d)) {
        return compose::envelope_event(envelope)
            .map(|event| Some(event.to_owned()))
            .ok_or_else(|| Error::FlagInvalid {
                flag: "--data",
                why: "the envelope's \"event\" is not a string".into(),
            });
    }
    if !out.interactive {
        return Err(Error::EventMissing);
    }
    pick(catalog, out)
}

/// The fuzzy picker over the catalogue, provenance in every row; `None` on Esc.
fn pick(catalog: &Catalog, out: &Output) -> Result<Option<String>> {
    use dialoguer::FuzzySelect;
    use dialoguer::theme::{ColorfulTheme, SimpleTheme, Theme};

    let events = catalog.events();
    let width = events.iter().map(|e| e.name.chars().count()).max().unwrap_or(0);
    let rows: Vec<String> = events
        .iter()
        .map(|e| format!("{:<width$}  {:<10}  {}", e.name, e.provenance.word(), e.category))
        .collect();
    let colorful = ColorfulTheme::default();
    let theme: &dyn Theme = if out.err_color { &colorful } else { &SimpleTheme };
    let picked = FuzzySelect::with_theme(theme)
        .with_prompt("Event to send (type to filter, Esc to quit)")
        .items(&rows)
        .default(0)
        .max_length(15)
        .interact_opt()
        .map_err(|e| match e {
            dialoguer::Error::IO(io) if io.kind() == std::io::ErrorKind::Interrupted => Error::Interrupted,
            dialoguer::Error::IO(io) => Error::Output(io),
        })?;
    Ok(picked.map(|index| events[index].name.clone()))
}
