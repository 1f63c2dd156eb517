//! Reading the inputs and choosing what to replay: the filters, `--last`,
//! and the picker a person gets at a terminal when no filter was given.
//!
//! Inputs are streamed: a selected request is handed on as soon as it is
//! read, so memory stays flat however long the log. Only `--last N` and the
//! picker hold requests back, N and `PICK_LIMIT` of them at most.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::core::envelope::Envelope;
use crate::core::secret::Secret;
use crate::core::select::{self, Decision, Facts, Filter, Lacking, Last, Only};
use crate::core::signature::Scheme;
use crate::error::{Error, Result};
use crate::input::{self, Item};
use crate::output::Output;

/// The most requests the picker offers: the newest ones.
pub const PICK_LIMIT: usize = 500;

/// A request chosen for replay, with what the report says about it.
pub struct Chosen {
    pub item: Item,
    /// The event name: the log's, or read from the body for other captures.
    pub event: Option<String>,
}

/// What reading found, for the end of the run.
#[derive(Debug, Default)]
pub struct Tally {
    pub read: usize,
    pub selected: usize,
    /// The `--id`s asked for that were seen.
    pub found_ids: BTreeSet<u64>,
}

pub struct Reader<'a> {
    pub inputs: &'a [PathBuf],
    pub filter: &'a Filter,
    pub last: Option<usize>,
    /// To check signatures for `--only` where the input never did.
    pub scheme: Scheme,
    pub secrets: &'a [Secret],
    pub out: &'a Output,
}

impl Reader<'_> {
    /// Hands every selected request to `each`, in input order; tells `total`
    /// how many there are as soon as that is known (before the last N go out
    /// with `--last`, at the end otherwise). An error from either stops reading
    /// and is returned.
    pub fn stream(
        &self,
        mut each: impl FnMut(Chosen) -> Result<()>,
        mut total: impl FnMut(usize) -> Result<()>,
    ) -> Result<Tally> {
        let mut tally = Tally::default();
        let mut last = self.last.map(Last::new);
        for path in self.inputs {
            let mut lacking: BTreeMap<Lacking, usize> = BTreeMap::new();
            input::for_each(path, self.out, |item| {
                tally.read += 1;
                let event = match &item.record {
                    Some(record) => record.event.clone(),
                    None => Envelope::parse(&item.capture.body).event,
                };
                match self.filter.decide(&self.facts(&item, event.as_deref())) {
                    Decision::Skip => return Ok(()),
                    Decision::Lacks(what) => {
                        *lacking.entry(what).or_default() += 1;
                        return Ok(());
                    }
                    Decision::Take => {}
                }
                if let Some(id) = item.record.as_ref().map(|r| r.id)
                    && self.filter.ids.contains(&id)
                {
                    tally.found_ids.insert(id);
                }
                let chosen = Chosen { item, event };
                match &mut last {
                    Some(last) => last.push(chosen),
                    None => {
                        tally.selected += 1;
                        each(chosen)?;
                    }
                }
                Ok(())
            })?;
            for (what, count) in lacking {
                self.out.note(&format!(
                    "{}: {count} request{} not selected: {}",
                    input::display_name(path),
                    if count == 1 { "" } else { "s" },
                    why_lacking(what)
                ));
            }
        }
        if let Some(last) = last {
            total(last.len())?;
            for chosen in last.into_vec() {
                tally.selected += 1;
                each(chosen)?;
            }
        } else {
            total(tally.selected)?;
        }
        Ok(tally)
    }

    fn facts<'a>(&self, item: &'a Item, event: Option<&'a str>) -> Facts<'a> {
        let record = item.record.as_deref();
        let logged = record.map(|r| r.signature.as_str()).filter(|word| *word != "unchecked");
        let signature = match (logged, self.filter.only) {
            (Some(word), _) => Some(word),
            // Checked here only when asked for and possible: without a secret,
            // only a missing header is certain.
            (None, Some(Only::Valid | Only::Invalid | Only::Missing)) => {
                let header = item.capture.signature();
                if self.secrets.is_empty() && header.is_some() {
                    None
                } else {
                    Some(self.scheme.verify(self.secrets, &item.capture.body, header).word())
                }
            }
            (None, _) => None,
        };
        Facts {
            id: record.map(|r| r.id),
            event,
            path: &item.capture.path,
            received_at: record.and_then(|r| select::parse_time(&r.received_at)),
            signature,
            failed: record.and_then(select::failed),
        }
    }
}

fn why_lacking(what: Lacking) -> String {
    match what {
        Lacking::Id => "it has no record ids (--id selects records of a techrar-hooks log)".into(),
        Lacking::Time => "it has no receive times (--since and --until select records of a techrar-hooks log)".into(),
        Lacking::Signature => "their signatures were never checked; pass --secret or set \
            TECHRAR_WEBHOOK_SECRET so that --only can check them"
            .into(),
        Lacking::Response => "it records no responses (--only failed selects records of a techrar-hooks log)".into(),
    }
}

/// At a terminal without filters: reads every request, keeps the newest
/// `PICK_LIMIT`, and lets the person choose. `None` when they cancelled.
pub fn pick(reader: &Reader, out: &Output) -> Result<Option<Vec<Chosen>>> {
    let mut newest = Last::new(PICK_LIMIT);
    reader.stream(
        |chosen| {
            newest.push(chosen);
            Ok(())
        },
        |_| Ok(()),
    )?;
    if newest.seen > PICK_LIMIT {
        out.note(&format!(
            "{} requests read; offering the newest {PICK_LIMIT} (reach others with --id, --since, --event or --last)",
            newest.seen
        ));
    }
    let candidates = newest.into_vec();
    let lines: Vec<String> = candidates.iter().map(describe).collect();
    let term = dialoguer::console::Term::stderr();
    let rows = usize::from(term.size().0).saturating_sub(4).max(5);
    let picked = dialoguer::MultiSelect::new()
        .with_prompt("Replay which requests? (space: choose, a: all, enter: send, esc: cancel)")
        .items(&lines)
        .max_length(rows)
        .report(false)
        .interact_on_opt(&term)
        .map_err(|e| Error::from(std::io::Error::from(e)))?;
    let Some(picked) = picked else { return Ok(None) };
    let picked: BTreeSet<usize> = picked.into_iter().collect();
    Ok(Some(
        candidates
            .into_iter()
            .enumerate()
            .filter(|(index, _)| picked.contains(index))
            .map(|(_, chosen)| chosen)
            .collect(),
    ))
}

/// One picker line: time, event, verdict, status, where from.
fn describe(chosen: &Chosen) -> String {
    let record = chosen.item.record.as_deref();
    let time = record.map_or("-".to_string(), |r| {
        let t = r.received_at.replacen('T', " ", 1);
        t.get(..19).unwrap_or(&t).to_string()
    });
    let event = chosen.event.as_deref().unwrap_or("-");
    let verdict = record.map_or("-", |r| r.signature.as_str());
    let status = record
        .and_then(|r| r.response_status)
        .map_or("-".to_string(), |s| s.to_string());
    format!(
        "{time:<19}  {event:<28}  {verdict:<9}  {status:>3}  {}",
        chosen.item.label
    )
}
