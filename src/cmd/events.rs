//! `events`: the catalogue `send` draws from, with each name's provenance in
//! plain sight so a modelled name is never taken for a documented one. Also
//! reads the user's `--fixtures` folder, for `send` too.

use std::path::Path;

use colored::Color;
use serde_json::json;

use crate::Status;
use crate::cli::{EventsArgs, FixturesArgs};
use crate::core::catalog::{CATALOG_FILE, Catalog, Provenance, UserFile};
use crate::error::{Error, Result, describe_io};
use crate::output::Output;

pub fn run(args: &EventsArgs, out: &Output) -> Result<Status> {
    let catalog = catalog(&args.fixtures)?;
    if args.json {
        let events: Vec<_> = catalog
            .events()
            .iter()
            .map(|e| {
                json!({
                    "name": e.name,
                    "category": e.category,
                    "provenance": e.provenance.word(),
                    "description": e.description,
                    "fixture": e.file,
                })
            })
            .collect();
        out.json(&json!(events))?;
        return Ok(Status::Success);
    }

    let width = |field: fn(&crate::core::catalog::Event) -> usize, title: &str| {
        catalog.events().iter().map(field).max().unwrap_or(0).max(title.len())
    };
    let name_width = width(|e| e.name.chars().count(), "NAME");
    let category_width = width(|e| e.category.chars().count(), "CATEGORY");
    let provenance_width = "PROVENANCE".len();
    out.line(&out.dim(&format!(
        "{:<name_width$}  {:<category_width$}  {:<provenance_width$}  DESCRIPTION",
        "NAME", "CATEGORY", "PROVENANCE"
    )))?;
    for event in catalog.events() {
        let provenance = format!("{:<provenance_width$}", event.provenance.word());
        let provenance = match event.provenance {
            Provenance::Documented => out.paint(&provenance, Color::Green),
            Provenance::Observed => out.paint(&provenance, Color::Yellow),
            Provenance::Modelled => out.paint(&provenance, Color::Magenta),
            Provenance::User => out.paint(&provenance, Color::Cyan),
        };
        out.line(&format!(
            "{:<name_width$}  {:<category_width$}  {provenance}  {}",
            event.name, event.category, event.description
        ))?;
    }
    out.note(
        "documented: in Techrar's documentation; observed: seen in a third-party integration; \
         modelled: our guess, so check it against your portal (Settings → Webhooks → Create Webhook)",
    );
    let mine = catalog.events().iter().filter(|e| e.file.is_some()).count();
    if let Some(dir) = &args.fixtures.fixtures
        && mine > 0
    {
        out.note(&format!("{mine} of these come from {}", dir.display()));
    }
    Ok(Status::Success)
}

/// The built-in catalogue, with the user's `--fixtures` folder merged over it:
/// `<event>.json` files directly in the folder or in its `events/` (the layout
/// of this project's own `fixtures/`), and an optional `catalog.json`.
pub fn catalog(args: &FixturesArgs) -> Result<Catalog> {
    let mut catalog = Catalog::builtin();
    let Some(dir) = &args.fixtures else {
        return Ok(catalog);
    };
    let mut files: Vec<(String, UserFile)> = Vec::new();
    let mut described = None;
    let events_dir = dir.join("events");
    for folder in [dir.as_path(), events_dir.as_path()] {
        if folder == events_dir && !events_dir.is_dir() {
            continue;
        }
        for path in json_files(folder)? {
            let file = UserFile {
                label: path.display().to_string(),
                bytes: std::fs::read(&path).map_err(|e| unreadable(&path, &e))?,
            };
            let name = path.file_stem().unwrap_or_default().to_string_lossy().into_owned();
            if folder == dir && path.file_name().is_some_and(|f| f == CATALOG_FILE) {
                described = Some(file);
            } else if let Some((_, first)) = files.iter().find(|(known, _)| *known == name) {
                return Err(Error::FixtureInvalid {
                    path: file.label,
                    why: format!("{} is a fixture for {name} too; keep one", first.label),
                });
            } else {
                files.push((name, file));
            }
        }
    }
    catalog.merge(files, described).map_err(|e| Error::FixtureInvalid {
        path: e.file,
        why: e.why,
    })?;
    Ok(catalog)
}

/// The `*.json` files of a folder, by name.
fn json_files(folder: &Path) -> Result<Vec<std::path::PathBuf>> {
    let entries = std::fs::read_dir(folder).map_err(|e| unreadable(folder, &e))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| unreadable(folder, &e))?.path();
        if path.extension().is_some_and(|x| x == "json") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    Ok(paths)
}

fn unreadable(path: &Path, e: &std::io::Error) -> Error {
    Error::FixturesUnreadable {
        path: path.display().to_string(),
        why: match e.kind() {
            std::io::ErrorKind::NotADirectory => "it is a file, not a folder".into(),
            _ => describe_io(e),
        },
    }
}
