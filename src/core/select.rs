//! Which requests `replay` sends: its filters, applied to facts already read.
//!
//! Pure: the caller extracts the facts (from a log record, or from a capture
//! that has fewer of them) and resolves relative times against its own `now`.
//! A capture may lack a fact a filter asks about (a HAR entry has no record
//! id); the filter then neither takes nor silently drops it but says which
//! fact was missing, so the command can tell the user.

use std::collections::{BTreeSet, VecDeque};
use std::time::SystemTime;

use glob::{MatchOptions, Pattern};

use super::record::Record;

/// `--only`: a signature verdict, or `failed` for a delivery that was not answered 2xx.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Only {
    Valid,
    /// `invalid` or `malformed`: a signature header that did not verify.
    Invalid,
    Missing,
    /// The logged response, or the forward, was not 2xx.
    Failed,
}

/// The facts a filter looks at; `None` where the input does not record one.
#[derive(Clone, Debug, Default)]
pub struct Facts<'a> {
    pub id: Option<u64>,
    pub event: Option<&'a str>,
    pub path: &'a str,
    pub received_at: Option<SystemTime>,
    /// The verdict word (`valid`, `invalid`, `missing`, `malformed`); `None` when never checked.
    pub signature: Option<&'a str>,
    /// Whether the original delivery failed; `None` without a recorded response.
    pub failed: Option<bool>,
}

/// A fact a filter needed and the input did not have.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lacking {
    Id,
    Time,
    Signature,
    Response,
}

impl Lacking {
    /// What is missing, for a note: "no receive times".
    pub fn what(self) -> &'static str {
        match self {
            Lacking::Id => "record ids",
            Lacking::Time => "receive times",
            Lacking::Signature => "signature verdicts",
            Lacking::Response => "recorded responses",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    Take,
    Skip,
    /// Not decidable: the input lacks this fact. Such requests are not sent.
    Lacks(Lacking),
}

/// All the filters given; an empty filter takes everything.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub ids: BTreeSet<u64>,
    /// Any of these matches the event name.
    pub events: Vec<Pattern>,
    pub path: Option<Pattern>,
    /// Inclusive.
    pub since: Option<SystemTime>,
    /// Exclusive, so that `--since A --until B` and `--since B --until C` do not overlap.
    pub until: Option<SystemTime>,
    pub only: Option<Only>,
}

/// Paths match like a shell's globs: `*` stays within one segment, `**` crosses them.
const PATH_MATCH: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

impl Filter {
    /// Whether no filter was given (at a terminal, `replay` then offers a picker).
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
            && self.events.is_empty()
            && self.path.is_none()
            && self.since.is_none()
            && self.until.is_none()
            && self.only.is_none()
    }

    /// A definite "no" from any filter wins over a fact the input lacks, so
    /// that a note about lacking facts only counts requests that mattered.
    pub fn decide(&self, facts: &Facts) -> Decision {
        let checks: [Result<bool, Lacking>; 5] = [
            Ok(self
                .path
                .as_ref()
                .is_none_or(|p| p.matches_with(facts.path, PATH_MATCH))),
            Ok(self.events.is_empty()
                || facts
                    .event
                    .is_some_and(|event| self.events.iter().any(|p| p.matches(event)))),
            if self.ids.is_empty() {
                Ok(true)
            } else {
                facts.id.map(|id| self.ids.contains(&id)).ok_or(Lacking::Id)
            },
            if self.since.is_none() && self.until.is_none() {
                Ok(true)
            } else {
                facts
                    .received_at
                    .map(|at| self.since.is_none_or(|s| at >= s) && self.until.is_none_or(|u| at < u))
                    .ok_or(Lacking::Time)
            },
            match self.only {
                None => Ok(true),
                Some(Only::Failed) => facts.failed.ok_or(Lacking::Response),
                Some(only) => facts
                    .signature
                    .map(|word| match only {
                        Only::Valid => word == "valid",
                        Only::Invalid => word == "invalid" || word == "malformed",
                        Only::Missing => word == "missing",
                        Only::Failed => unreachable!("matched above"),
                    })
                    .ok_or(Lacking::Signature),
            },
        ];
        if checks.contains(&Ok(false)) {
            return Decision::Skip;
        }
        match checks.iter().find_map(|c| c.err()) {
            Some(lacking) => Decision::Lacks(lacking),
            None => Decision::Take,
        }
    }
}

/// Whether a logged delivery failed: we answered, or the forward answered,
/// with something other than 2xx (a forward error counts as failed too).
pub fn failed(record: &Record) -> Option<bool> {
    let not_2xx = |status: u16| !(200..300).contains(&status);
    let ours = record.response_status.map(not_2xx);
    let forward = record.forward.as_ref().map(|f| f.status.is_none_or(not_2xx));
    match (ours, forward) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(false) || b.unwrap_or(false)),
    }
}

/// A log's `received_at` (RFC 3339, UTC), or a `--since`/`--until` value.
/// `2026-12-04` alone means its midnight, UTC.
pub fn parse_time(text: &str) -> Option<SystemTime> {
    let text = text.trim();
    if text.len() == "2026-12-04".len() {
        return humantime::parse_rfc3339_weak(&format!("{text}T00:00:00Z")).ok();
    }
    humantime::parse_rfc3339_weak(text).ok()
}

/// The last `keep` items pushed: `--last N` over a stream of unknown length,
/// in memory bounded by N.
#[derive(Debug)]
pub struct Last<T> {
    keep: usize,
    items: VecDeque<T>,
    /// How many were pushed in all.
    pub seen: usize,
}

impl<T> Last<T> {
    pub fn new(keep: usize) -> Self {
        Last {
            keep,
            items: VecDeque::with_capacity(keep.min(1024)),
            seen: 0,
        }
    }

    pub fn push(&mut self, item: T) {
        self.seen += 1;
        if self.keep == 0 {
            return;
        }
        if self.items.len() == self.keep {
            self.items.pop_front();
        }
        self.items.push_back(item);
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn into_vec(self) -> Vec<T> {
        self.items.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::record::Forward;
    use std::time::Duration;

    fn at(text: &str) -> SystemTime {
        parse_time(text).unwrap()
    }

    fn facts() -> Facts<'static> {
        Facts {
            id: Some(41),
            event: Some("m.order.completed"),
            path: "/hooks/techrar",
            received_at: Some(at("2026-12-04T10:00:00Z")),
            signature: Some("valid"),
            failed: Some(false),
        }
    }

    #[test]
    fn each_filter_takes_and_skips() {
        let pattern = |p: &str| Pattern::new(p).unwrap();
        let cases: Vec<(&str, Filter, Decision)> = vec![
            ("empty", Filter::default(), Decision::Take),
            (
                "id",
                Filter {
                    ids: [41, 42].into(),
                    ..Filter::default()
                },
                Decision::Take,
            ),
            (
                "other id",
                Filter {
                    ids: [1].into(),
                    ..Filter::default()
                },
                Decision::Skip,
            ),
            (
                "event glob",
                Filter {
                    events: vec![pattern("order.*"), pattern("m.order.*")],
                    ..Filter::default()
                },
                Decision::Take,
            ),
            (
                "event glob no match",
                Filter {
                    events: vec![pattern("order.*")],
                    ..Filter::default()
                },
                Decision::Skip,
            ),
            (
                "path stays in a segment",
                Filter {
                    path: Some(pattern("/*")),
                    ..Filter::default()
                },
                Decision::Skip,
            ),
            (
                "path crosses with **",
                Filter {
                    path: Some(pattern("/hooks/**")),
                    ..Filter::default()
                },
                Decision::Take,
            ),
            (
                "since is inclusive",
                Filter {
                    since: Some(at("2026-12-04T10:00:00Z")),
                    ..Filter::default()
                },
                Decision::Take,
            ),
            (
                "until is exclusive",
                Filter {
                    until: Some(at("2026-12-04T10:00:00Z")),
                    ..Filter::default()
                },
                Decision::Skip,
            ),
            (
                "within",
                Filter {
                    since: Some(at("2026-12-04")),
                    until: Some(at("2026-12-05")),
                    ..Filter::default()
                },
                Decision::Take,
            ),
            (
                "only valid",
                Filter {
                    only: Some(Only::Valid),
                    ..Filter::default()
                },
                Decision::Take,
            ),
            (
                "only invalid",
                Filter {
                    only: Some(Only::Invalid),
                    ..Filter::default()
                },
                Decision::Skip,
            ),
            (
                "only failed",
                Filter {
                    only: Some(Only::Failed),
                    ..Filter::default()
                },
                Decision::Skip,
            ),
        ];
        let wrong: Vec<String> = cases
            .into_iter()
            .filter_map(|(name, filter, want)| {
                let got = filter.decide(&facts());
                (got != want).then(|| format!("{name}: got {got:?}, want {want:?}"))
            })
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn malformed_counts_as_invalid() {
        let filter = Filter {
            only: Some(Only::Invalid),
            ..Filter::default()
        };
        let f = Facts {
            signature: Some("malformed"),
            ..facts()
        };
        assert_eq!(filter.decide(&f), Decision::Take);
    }

    #[test]
    fn a_capture_lacking_a_fact_is_reported_unless_skipped_anyway() {
        let har = Facts {
            path: "/hooks",
            event: Some("test"),
            ..Facts::default()
        };
        let since = Filter {
            since: Some(at("2026-12-04")),
            ..Filter::default()
        };
        assert_eq!(since.decide(&har), Decision::Lacks(Lacking::Time));
        let since_and_event = Filter {
            events: vec![Pattern::new("order.*").unwrap()],
            ..since
        };
        assert_eq!(since_and_event.decide(&har), Decision::Skip);
        for (only, lacking) in [(Only::Failed, Lacking::Response), (Only::Valid, Lacking::Signature)] {
            let filter = Filter {
                only: Some(only),
                ..Filter::default()
            };
            assert_eq!(filter.decide(&har), Decision::Lacks(lacking));
        }
        assert!(Filter::default().is_empty());
    }

    #[test]
    fn failed_reads_our_status_and_the_forward() {
        let line = br#"{"v":1,"id":1,"received_at":"2026-12-04T10:00:00Z","method":"POST","path":"/","query":null,"remote_addr":null,"headers":[],"body":"","signature":"valid","event":null,"app_id":null,"timestamp":null,"duplicate_of":null,"response_status":200,"forward":null}"#;
        let mut record = crate::core::record::parse_line(line).unwrap();
        assert_eq!(failed(&record), Some(false));
        record.response_status = Some(401);
        assert_eq!(failed(&record), Some(true));
        record.response_status = Some(200);
        record.forward = Some(Forward {
            url: "http://app/".into(),
            status: None,
            duration_ms: None,
            error: Some("refused".into()),
        });
        assert_eq!(failed(&record), Some(true));
        record.response_status = None;
        record.forward = None;
        assert_eq!(failed(&record), None);
    }

    #[test]
    fn times_are_utc_with_optional_fraction_or_a_bare_date() {
        let base = at("2026-12-04T00:00:00Z");
        assert_eq!(at("2026-12-04"), base);
        assert_eq!(at("2026-12-04 00:00:00"), base);
        assert_eq!(at("2026-12-04T00:00:01.500Z"), base + Duration::from_millis(1500));
        assert!(parse_time("2026-12-04T00:00:00+03:00").is_none());
        assert!(parse_time("yesterday").is_none());
    }

    #[test]
    fn last_keeps_a_bounded_tail() {
        let mut last = Last::new(3);
        for n in 0..1000 {
            last.push(n);
            assert!(last.len() <= 3);
        }
        assert_eq!(last.seen, 1000);
        assert_eq!(last.into_vec(), vec![997, 998, 999]);
        let mut none = Last::new(0);
        none.push(1);
        assert!(none.is_empty());
    }
}
