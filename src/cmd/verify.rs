//! `verify`: check the X-Signature of captured requests, and say why not.

use std::collections::BTreeSet;

use colored::Color;
use serde_json::{Value, json};

use crate::cli::VerifyArgs;
use crate::config::{self, Secrets};
use crate::core::capture::Capture;
use crate::core::diagnose::{self, scheme_flags};
use crate::core::envelope::{self, Envelope};
use crate::core::signature::{HEADER, Scheme, Verdict};
use crate::error::{Error, Result};
use crate::input::{self, Item};
use crate::output::{self, Output};
use crate::{Status, clock};

struct Checker<'a> {
    args: &'a VerifyArgs,
    scheme: Scheme,
    secrets: Secrets,
    now: i64,
    out: &'a Output,
    checked: usize,
    failed: usize,
}

pub fn run(args: &VerifyArgs, out: &Output) -> Result<Status> {
    let scheme = config::scheme(&args.scheme);
    let secrets = config::secrets(&args.secret, true)?;
    if !args.quiet {
        secrets.warnings.iter().for_each(|w| out.warn(w));
    }
    let now = args.now.unwrap_or_else(clock::unix_now);
    let mut checker = Checker {
        args,
        scheme,
        secrets,
        now,
        out,
        checked: 0,
        failed: 0,
    };

    if let Some(payload) = &args.payload {
        if !args.ids.is_empty() {
            return Err(Error::FlagInvalid {
                flag: "--id",
                why: "it selects log records; --payload has none".into(),
            });
        }
        let body = input::read_bytes(payload, "--payload")?;
        let signature = args.signature.clone().unwrap_or_default();
        let capture = Capture {
            method: "POST".into(),
            path: "/".into(),
            headers: vec![(HEADER.into(), signature)],
            body,
            ..Capture::default()
        };
        checker.check(Item {
            label: input::display_name(payload),
            capture,
            record: None,
        })?;
    } else {
        let wanted: BTreeSet<u64> = args.ids.iter().copied().collect();
        for path in &args.inputs {
            let mut found = BTreeSet::new();
            input::for_each(path, out, |item| {
                if wanted.is_empty() {
                    return checker.check(item);
                }
                let Some(id) = item.record.as_ref().map(|r| r.id) else {
                    return Err(Error::FlagInvalid {
                        flag: "--id",
                        why: format!(
                            "{} is not a techrar-hooks log, so it has no record ids",
                            input::display_name(path)
                        ),
                    });
                };
                if wanted.contains(&id) {
                    found.insert(id);
                    checker.check(item)?;
                }
                Ok(())
            })?;
            let missing: Vec<u64> = wanted.difference(&found).copied().collect();
            if !missing.is_empty() {
                return Err(Error::RecordsNotFound {
                    path: input::display_name(path),
                    ids: missing,
                });
            }
        }
    }
    if checker.checked > 1 && !args.quiet && !args.json {
        let ok = checker.checked - checker.failed;
        eprintln!("{} checked: {ok} valid, {} not", checker.checked, checker.failed);
    }
    Ok(if checker.failed == 0 {
        Status::Success
    } else {
        Status::No
    })
}

/// What checking one request found.
struct Outcome {
    label: String,
    size: usize,
    envelope: Envelope,
    verdict: Verdict,
    /// The `--tolerance` check, when one was made.
    timestamp: Option<Result<(), String>>,
    /// With `--detect`: the schemes (and secret positions) that reproduce the signature.
    detected: Vec<(Scheme, usize)>,
    hint: Option<String>,
    ok: bool,
}

/// The timestamp check of `--tolerance`: `Err(reason)` when it fails.
fn check_timestamp(tolerance: std::time::Duration, timestamp: Option<i64>, now: i64) -> Result<(), String> {
    let limit = tolerance.as_secs() as i64;
    let Some(timestamp) = timestamp else {
        return Err("the envelope has no timestamp to check against --tolerance".into());
    };
    let age = envelope::age(timestamp, now);
    if age > limit {
        return Err(format!(
            "timestamp {timestamp} is {} old, beyond --tolerance {}",
            ago(age),
            ago(limit)
        ));
    }
    if -age > limit {
        return Err(format!(
            "timestamp {timestamp} is {} in the future, beyond --tolerance {}",
            ago(-age),
            ago(limit)
        ));
    }
    Ok(())
}

/// Seconds for people: `45s`, `12m`, `3h`, `400d`.
fn ago(seconds: i64) -> String {
    match seconds {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}

impl Checker<'_> {
    fn check(&mut self, item: Item) -> Result<()> {
        let Item { label, capture, .. } = item;
        let body = &capture.body;
        let header = capture.signature();
        let envelope = Envelope::parse(body);
        let verdict = self.scheme.verify(&self.secrets.list, body, header);
        let timestamp = match self.args.tolerance {
            Some(tolerance) if verdict.is_valid() => Some(check_timestamp(tolerance, envelope.timestamp, self.now)),
            _ => None,
        };
        let detected = match (self.args.detect, header) {
            (true, Some(header)) => diagnose::detect(&self.secrets.list, body, header),
            _ => Vec::new(),
        };
        let hint = match (&verdict, header) {
            (Verdict::Mismatch | Verdict::Malformed(_), Some(header)) => {
                diagnose::explain(self.scheme, &self.secrets.list, &self.secrets.others, body, header)
            }
            _ => None,
        };
        let ok = if self.args.detect {
            !detected.is_empty()
        } else {
            verdict.is_valid() && !matches!(timestamp, Some(Err(_)))
        };
        self.checked += 1;
        self.failed += usize::from(!ok);

        let outcome = Outcome {
            label,
            size: body.len(),
            envelope,
            verdict,
            timestamp,
            detected,
            hint,
            ok,
        };
        if self.args.quiet {
            Ok(())
        } else if self.args.json {
            self.out.json(&self.as_json(&outcome))
        } else {
            self.print(&outcome)
        }
    }

    fn as_json(&self, outcome: &Outcome) -> Value {
        let mut object = json!({
            "source": outcome.label,
            "ok": outcome.ok,
            "signature": outcome.verdict.word(),
            "secret": match &outcome.verdict { Verdict::Valid { secret_index } => json!(secret_index + 1), _ => Value::Null },
            "scheme": self.scheme.to_string(),
            "event": outcome.envelope.event,
            "app_id": outcome.envelope.app_id,
            "timestamp": outcome.envelope.timestamp,
            "body_bytes": outcome.size,
            "reason": match &outcome.verdict { Verdict::Malformed(why) => json!(why), _ => Value::Null },
            "hint": outcome.hint,
        });
        if let Some(result) = &outcome.timestamp {
            object["timestamp_ok"] = json!(result.is_ok());
            if let Err(why) = result {
                object["reason"] = json!(why);
            }
        }
        if self.args.detect {
            object["detected"] = outcome
                .detected
                .iter()
                .map(|(s, i)| json!({"algorithm": s.algorithm.name(), "encoding": s.encoding.name(), "secret": i + 1}))
                .collect();
        }
        object
    }

    fn print(&self, outcome: &Outcome) -> Result<()> {
        let ok = outcome.ok;
        let (verdict, timestamp) = (&outcome.verdict, &outcome.timestamp);
        let out = self.out;
        let mark = if ok {
            out.paint("✔", Color::Green)
        } else {
            out.paint("✘", Color::Red)
        };
        let word = match timestamp {
            Some(Err(_)) => "stale",
            _ => verdict.word(),
        };
        let word = out.paint(&format!("{word:<9}"), if ok { Color::Green } else { Color::Red });
        let event = outcome.envelope.event.as_deref().unwrap_or("-");
        let mut line = format!("{mark} {word} {event:<28} {:>9}", output::size(outcome.size));
        if let Verdict::Valid { secret_index } = verdict
            && self.secrets.list.len() > 1
        {
            line.push_str(&format!("  secret #{}", secret_index + 1));
        }
        line.push_str(&format!("  {}", out.dim(&outcome.label)));
        out.line(&line)?;
        let detail = |text: &str| out.line(&format!("    {text}"));
        match (verdict, timestamp) {
            (Verdict::Missing, _) => detail(&format!("no {HEADER} header"))?,
            (Verdict::Malformed(why), _) => detail(why)?,
            (_, Some(Err(why))) => detail(why)?,
            _ => {}
        }
        if self.args.detect {
            match outcome.detected.first() {
                Some((scheme, index)) if *scheme == Scheme::DEFAULT => detail(&format!(
                    "matches {scheme} with secret #{}: the default scheme, nothing to set",
                    index + 1
                ))?,
                Some((scheme, index)) => detail(&format!(
                    "matches {scheme} with secret #{}: pass {} (or set TECHRAR_SIGNATURE_ALGORITHM={} TECHRAR_SIGNATURE_ENCODING={})",
                    index + 1,
                    scheme_flags(*scheme),
                    scheme.algorithm.name(),
                    scheme.encoding.name()
                ))?,
                None => {
                    detail("no supported scheme (sha256, sha512, sha1 × hex, base64) matches with the secrets given")?
                }
            }
        }
        if let Some(hint) = &outcome.hint {
            detail(&format!("{} {hint}", out.paint("hint:", Color::Yellow)))?;
        }
        Ok(())
    }
}
