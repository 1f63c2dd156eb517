//! `events`: the catalogue as a table and as JSON, provenance always shown,
//! the compiled-in fixtures identical to the files, and user fixtures.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::{Value, json};
use techrar_hooks::core::catalog::{BUILTIN_CATALOG, BUILTIN_FIXTURES};

use crate::support::{Dir, th};

const CATEGORIES: [&str; 9] = [
    "eCommerce / Order",
    "eCommerce / Subscription",
    "eCommerce / Invoice",
    "eCommerce / Customer",
    "eCommerce / Miscellaneous",
    "eCommerce / Recurring Purchase",
    "Meals / Order",
    "Meals / Subscription",
    "Meals / Complaint",
];

fn events_json(args: &[&str]) -> Vec<Value> {
    let run = th(["events", "--json"].iter().chain(args)).run();
    run.code(0);
    serde_json::from_str(&run.stdout).unwrap()
}

#[test]
fn json_lists_every_category_with_honest_provenance() {
    let events = events_json(&[]);
    assert!(events.len() >= 20, "{} events", events.len());
    let mut failures = Vec::new();
    for event in &events {
        let name = event["name"].as_str().unwrap_or_default();
        for key in ["name", "category", "provenance", "description"] {
            if event[key].as_str().is_none_or(str::is_empty) {
                failures.push(format!("{name}: no {key}"));
            }
        }
        let provenance = event["provenance"].as_str().unwrap_or_default();
        if !["documented", "observed", "modelled"].contains(&provenance) {
            failures.push(format!("{name}: provenance {provenance}"));
        }
        let category = event["category"].as_str().unwrap_or_default();
        if category.starts_with("Meals") != name.starts_with("m.") {
            failures.push(format!("{name}: the m. prefix and the category {category} disagree"));
        }
        let dotted = name.strip_prefix("m.").unwrap_or(name);
        if name != "test" && dotted.split('.').count() != 2 {
            failures.push(format!("{name}: not resource.action"));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    let categories: BTreeSet<&str> = events.iter().map(|e| e["category"].as_str().unwrap()).collect();
    assert_eq!(categories, CATEGORIES.into_iter().collect());
    let provenance = |name: &str| {
        events.iter().find(|e| e["name"] == json!(name)).unwrap()["provenance"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_eq!(provenance("subscription.created"), "documented");
    assert_eq!(provenance("m.order.completed"), "observed");
    assert_eq!(provenance("test"), "observed");
    let modelled = events.iter().filter(|e| e["provenance"] == json!("modelled")).count();
    assert_eq!(modelled, events.len() - 3, "only three names have evidence");
}

#[test]
fn the_table_shows_provenance_on_every_row() {
    let run = th(["events"]).run();
    run.code(0)
        .stderr_has("modelled: our guess")
        .stderr_has("Settings → Webhooks");
    let mut lines = run.stdout.lines();
    let header = lines.next().unwrap();
    for column in ["NAME", "CATEGORY", "PROVENANCE", "DESCRIPTION"] {
        assert!(header.contains(column), "{header}");
    }
    let events = events_json(&[]);
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), events.len());
    for (row, event) in rows.iter().zip(&events) {
        let words: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(words[0], event["name"].as_str().unwrap(), "{row}");
        assert!(words.contains(&event["provenance"].as_str().unwrap()), "{row}");
    }
}

#[test]
fn compiled_in_fixtures_are_exactly_the_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/events");
    let on_disk: BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let compiled: BTreeSet<String> = BUILTIN_FIXTURES
        .iter()
        .map(|(name, _)| format!("{name}.json"))
        .collect();
    assert_eq!(
        on_disk, compiled,
        "fixtures/events/ and BUILTIN_FIXTURES in src/core/catalog.rs must list the same events"
    );
    for (name, text) in BUILTIN_FIXTURES {
        let file = std::fs::read_to_string(dir.join(format!("{name}.json"))).unwrap();
        assert_eq!(&file, text, "{name}");
    }
    let catalogued: BTreeSet<String> = serde_json::from_str::<Vec<Value>>(BUILTIN_CATALOG)
        .unwrap()
        .iter()
        .map(|e| format!("{}.json", e["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        catalogued, on_disk,
        "fixtures/catalog.json describes every fixture, once"
    );
}

#[test]
fn user_fixtures_override_and_add_with_their_provenance() {
    let dir = Dir::new();
    dir.write(
        "test.json",
        r#"{"app_id": 3, "timestamp": 1, "event": "test", "data": {"message": "ours"}}"#,
    );
    std::fs::create_dir(dir.path().join("events")).unwrap();
    dir.write(
        "events/order.refunded.json",
        r#"{"app_id": 3, "timestamp": 1, "event": "order.refunded", "data": {"id": 1}}"#,
    );
    dir.write(
        "invoice.voided.json",
        r#"{"app_id": 3, "timestamp": 1, "event": "invoice.voided", "data": {"id": 1}}"#,
    );
    dir.write(
        "catalog.json",
        r#"[{"name": "order.refunded", "category": "eCommerce / Order", "provenance": "observed",
             "description": "Seen in our portal's logs"}]"#,
    );
    dir.write("notes.txt", "ignored");
    let folder = dir.path().to_str().unwrap();
    let events = events_json(&["--fixtures", folder]);
    let find = |name: &str| events.iter().find(|e| e["name"] == json!(name)).cloned().unwrap();

    let test = find("test");
    assert_eq!(test["provenance"], json!("user"));
    assert!(test["fixture"].as_str().unwrap().ends_with("test.json"));
    let refunded = find("order.refunded");
    assert_eq!(
        (&refunded["provenance"], &refunded["description"]),
        (&json!("observed"), &json!("Seen in our portal's logs"))
    );
    assert_eq!(find("invoice.voided")["provenance"], json!("user"));
    assert_eq!(find("order.created")["fixture"], Value::Null);
    for event in &events {
        let provenance = event["provenance"].as_str().unwrap();
        assert!(["documented", "observed", "modelled", "user"].contains(&provenance));
    }

    let table = th(["events"]).env("TECHRAR_HOOKS_FIXTURES", folder).run();
    table
        .code(0)
        .stdout_has("invoice.voided")
        .stderr_has("3 of these come from");
}

#[test]
fn unusable_user_fixtures_exit_2_naming_the_file() {
    th(["events", "--fixtures", "/no/such/folder"])
        .run()
        .code(2)
        .one_line_error("cannot read the user fixtures at /no/such/folder: no such file");
    let dir = Dir::new();
    dir.write("catalog.json", r#"[{"name": "test", "provenance": "certain"}]"#);
    th(["events", "--fixtures", dir.path().to_str().unwrap()])
        .run()
        .code(2)
        .one_line_error("catalog.json")
        .stderr_has("'certain'");
}
