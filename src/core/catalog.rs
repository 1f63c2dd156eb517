//! The event catalogue: every event `send` can fire, with its category, a
//! one-line description, its provenance (how sure we are that Techrar sends
//! that name) and its fixture (the envelope exactly as Techrar delivers it).
//!
//! The built-in fixtures are compiled in from `fixtures/`, so an installed
//! binary works anywhere. A user's folder of `<event>.json` files adds or
//! replaces events without a rebuild: `cmd` reads the folder and hands the
//! bytes to [`Catalog::merge`]; nothing here touches the file system.
//!
//! `--set PATH=VALUE` is here too ([`assign`]): it edits an envelope by a
//! dotted path.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde_json::{Map, Value};

/// Every built-in fixture, by event name, in the order of `fixtures/catalog.json`.
/// Listed by hand: a test fails when a file in `fixtures/events/` is missing
/// here, or a name here has no file or no catalogue entry.
macro_rules! builtin_fixtures {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/events/", $name, ".json")))),*]
    };
}

pub const BUILTIN_FIXTURES: &[(&str, &str)] = builtin_fixtures![
    "order.created",
    "order.updated",
    "order.cancelled",
    "order.completed",
    "subscription.created",
    "subscription.renewed",
    "subscription.paused",
    "subscription.cancelled",
    "invoice.created",
    "invoice.paid",
    "customer.created",
    "customer.updated",
    "test",
    "payment.failed",
    "refund.created",
    "recurring_purchase.created",
    "recurring_purchase.charged",
    "recurring_purchase.charge_failed",
    "m.order.created",
    "m.order.completed",
    "m.order.cancelled",
    "m.subscription.created",
    "m.subscription.paused",
    "m.subscription.renewed",
    "m.complaint.created",
    "m.complaint.resolved",
];

/// `fixtures/catalog.json`: category, provenance and description per built-in event.
pub const BUILTIN_CATALOG: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/catalog.json"));

/// The file in a user's fixtures folder that describes its events.
pub const CATALOG_FILE: &str = "catalog.json";

/// The category of a user's event that its folder's catalog.json does not describe.
pub const USER_CATEGORY: &str = "Your fixtures";

/// How sure we are that Techrar sends an event by this name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provenance {
    /// The name appears in Techrar's own documentation.
    Documented,
    /// Seen in a public third-party integration; not confirmed by Techrar.
    Observed,
    /// Our guess from the documented categories and `resource.action` naming.
    Modelled,
    /// From the user's own fixtures folder.
    User,
}

impl Provenance {
    pub const ALL: [Provenance; 4] = [
        Provenance::Documented,
        Provenance::Observed,
        Provenance::Modelled,
        Provenance::User,
    ];

    pub fn word(self) -> &'static str {
        match self {
            Provenance::Documented => "documented",
            Provenance::Observed => "observed",
            Provenance::Modelled => "modelled",
            Provenance::User => "user",
        }
    }

    pub fn from_word(word: &str) -> Option<Provenance> {
        Self::ALL.into_iter().find(|p| p.word() == word)
    }
}

impl fmt::Display for Provenance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// One event of the catalogue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub name: String,
    pub category: String,
    pub provenance: Provenance,
    pub description: String,
    /// The user's file the fixture comes from; `None` when built in.
    pub file: Option<String>,
    fixture: Cow<'static, [u8]>,
}

impl Event {
    /// The fixture's envelope, as a JSON object.
    pub fn envelope(&self) -> Map<String, Value> {
        // Checked when the catalogue was built (built-in fixtures by a test).
        match serde_json::from_slice(&self.fixture) {
            Ok(Value::Object(map)) => map,
            _ => unreachable!("fixture {} was checked to be a JSON object", self.name),
        }
    }

    /// The fixture file's bytes, as written.
    pub fn fixture_bytes(&self) -> &[u8] {
        &self.fixture
    }
}

/// A file from the user's fixtures folder, read by `cmd`.
#[derive(Clone, Debug)]
pub struct UserFile {
    /// How to name the file in messages (its path).
    pub label: String,
    pub bytes: Vec<u8>,
}

/// A user's fixture or catalogue that cannot be used, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FixtureError {
    pub file: String,
    pub why: String,
}

#[derive(Clone, Debug, Default)]
pub struct Catalog {
    events: Vec<Event>,
}

/// An entry of a catalog.json: every field but `name` may be left out of a user's.
#[derive(Deserialize)]
struct Entry {
    name: String,
    category: Option<String>,
    provenance: Option<String>,
    description: Option<String>,
}

impl Catalog {
    /// The catalogue compiled into the binary.
    pub fn builtin() -> Catalog {
        let entries: Vec<Entry> = serde_json::from_str(BUILTIN_CATALOG).expect("fixtures/catalog.json parses (tested)");
        let events = entries
            .into_iter()
            .map(|entry| {
                let fixture = BUILTIN_FIXTURES
                    .iter()
                    .find(|(name, _)| *name == entry.name)
                    .map(|(_, text)| text.as_bytes())
                    .expect("every catalogue entry has a fixture (tested)");
                Event {
                    category: entry.category.unwrap_or_default(),
                    provenance: entry
                        .provenance
                        .as_deref()
                        .and_then(Provenance::from_word)
                        .expect("built-in provenance is documented|observed|modelled (tested)"),
                    description: entry.description.unwrap_or_default(),
                    name: entry.name,
                    file: None,
                    fixture: Cow::Borrowed(fixture),
                }
            })
            .collect();
        Catalog { events }
    }

    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn get(&self, name: &str) -> Option<&Event> {
        self.events.iter().find(|e| e.name == name)
    }

    /// The known name closest to a misspelt one, if any is close.
    pub fn suggest(&self, name: &str) -> Option<&str> {
        self.events
            .iter()
            .map(|e| (edit_distance(name, &e.name), e.name.as_str()))
            .filter(|(distance, _)| *distance <= 2.max(name.len() / 5))
            .min()
            .map(|(_, name)| name)
    }

    /// Adds the user's fixtures over the built-in ones: `files` are
    /// `(event name, file)`, `catalog` the folder's catalog.json. A file named
    /// like a built-in event replaces its fixture; any other adds an event.
    /// Events from a file get provenance `user` unless `catalog` says
    /// otherwise; `catalog` may also re-describe built-in events.
    pub fn merge(&mut self, files: Vec<(String, UserFile)>, catalog: Option<UserFile>) -> Result<(), FixtureError> {
        for (name, file) in files {
            check_fixture(&name, &file.bytes).map_err(|why| FixtureError {
                file: file.label.clone(),
                why,
            })?;
            match self.events.iter_mut().find(|e| e.name == name) {
                Some(event) => {
                    event.provenance = Provenance::User;
                    event.file = Some(file.label);
                    event.fixture = Cow::Owned(file.bytes);
                }
                None => self.events.push(Event {
                    name,
                    category: USER_CATEGORY.into(),
                    provenance: Provenance::User,
                    description: format!("Your fixture; describe it in {CATALOG_FILE} beside it"),
                    file: Some(file.label),
                    fixture: Cow::Owned(file.bytes),
                }),
            }
        }
        if let Some(file) = catalog {
            self.describe(&file)?;
        }
        Ok(())
    }

    /// Applies a user's catalog.json to the events already known.
    fn describe(&mut self, file: &UserFile) -> Result<(), FixtureError> {
        let error = |why: String| FixtureError {
            file: file.label.clone(),
            why,
        };
        let entries: Vec<Entry> = serde_json::from_slice(&file.bytes).map_err(|e| {
            error(format!(
                "expected a JSON array of {{\"name\", \"category\", \"provenance\", \"description\"}} ({e})"
            ))
        })?;
        let mut seen = std::collections::BTreeSet::new();
        for entry in entries {
            if !seen.insert(entry.name.clone()) {
                return Err(error(format!("it describes {} twice", entry.name)));
            }
            let provenance = match entry.provenance.as_deref() {
                None => None,
                Some(word) => Some(Provenance::from_word(word).ok_or_else(|| {
                    error(format!(
                        "the provenance of {} is '{word}'; use documented, observed, modelled or user",
                        entry.name
                    ))
                })?),
            };
            let event = self.events.iter_mut().find(|e| e.name == entry.name).ok_or_else(|| {
                error(format!(
                    "it describes {0}, but there is neither a {0}.json beside it nor a built-in {0}",
                    entry.name
                ))
            })?;
            if let Some(category) = entry.category {
                event.category = category;
            }
            if let Some(provenance) = provenance {
                event.provenance = provenance;
            }
            if let Some(description) = entry.description {
                event.description = description;
            }
        }
        Ok(())
    }
}

/// A fixture is a JSON object with `data` and the event's own name in `event`.
pub fn check_fixture(name: &str, bytes: &[u8]) -> Result<(), String> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| format!("it is not JSON ({e})"))?;
    let Value::Object(map) = value else {
        return Err("expected an envelope object {\"app_id\", \"timestamp\", \"event\", \"data\"}".into());
    };
    match map.get("event") {
        Some(Value::String(event)) if event == name => {}
        Some(Value::String(event)) => {
            return Err(format!(
                "its \"event\" is \"{event}\" but its file name says {name}; rename one"
            ));
        }
        _ => return Err(format!("it has no \"event\": \"{name}\"")),
    }
    if !map.contains_key("data") {
        return Err("it has no \"data\"".into());
    }
    Ok(())
}

/// Splits `PATH=VALUE` for `--set`: the value is JSON when it parses as
/// JSON (`42`, `false`, `{"a":1}`, `"007"`), else the text itself.
pub fn parse_assignment(text: &str) -> Result<(String, Value), String> {
    let (path, value) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}' is not PATH=VALUE, like data.order_id=786980"))?;
    check_path(path)?;
    let value = serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
    Ok((path.to_string(), value))
}

fn check_path(path: &str) -> Result<(), String> {
    if path.is_empty() || path.split('.').any(str::is_empty) {
        return Err(format!("'{path}' is not a dotted path like data.order_id"));
    }
    Ok(())
}

/// Sets `value` at the dotted `path` inside `envelope`, creating objects on
/// the way where a key is missing or null.
pub fn assign(envelope: &mut Map<String, Value>, path: &str, value: Value) -> Result<(), String> {
    check_path(path)?;
    let keys: Vec<&str> = path.split('.').collect();
    let (last, parents) = keys.split_last().expect("a checked path has a key");
    let mut node = envelope;
    for (depth, key) in parents.iter().enumerate() {
        let child = node.entry(*key).or_insert(Value::Null);
        if child.is_null() {
            *child = Value::Object(Map::new());
        }
        node = match child {
            Value::Object(map) => map,
            other => {
                return Err(format!(
                    "{} is {}, not an object, so {path} cannot be set inside it",
                    keys[..=depth].join("."),
                    kind(other)
                ));
            }
        };
    }
    node.insert((*last).to_string(), value);
    Ok(())
}

/// A JSON value's kind, for messages.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Levenshtein distance over chars, for "did you mean".
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb)).min(row[j] + 1).min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => panic!("not an object"),
        }
    }

    fn file(label: &str, text: &str) -> UserFile {
        UserFile {
            label: label.into(),
            bytes: text.as_bytes().to_vec(),
        }
    }

    #[test]
    fn builtin_catalogue_and_fixtures_agree() {
        let catalog = Catalog::builtin();
        assert_eq!(catalog.events().len(), BUILTIN_FIXTURES.len());
        let mut failures = Vec::new();
        for event in catalog.events() {
            if let Err(why) = check_fixture(&event.name, event.fixture_bytes()) {
                failures.push(format!("{}: {why}", event.name));
            }
            let keys: Vec<String> = event.envelope().keys().cloned().collect();
            if keys != ["app_id", "timestamp", "event", "data"] {
                failures.push(format!("{}: keys {keys:?}", event.name));
            }
            if event.provenance == Provenance::User {
                failures.push(format!("{}: a built-in event has provenance user", event.name));
            }
        }
        assert!(failures.is_empty(), "{failures:#?}");
    }

    #[test]
    fn provenance_of_the_names_with_evidence() {
        let catalog = Catalog::builtin();
        let provenance = |name| catalog.get(name).unwrap().provenance;
        assert_eq!(provenance("subscription.created"), Provenance::Documented);
        assert_eq!(provenance("m.order.completed"), Provenance::Observed);
        assert_eq!(provenance("test"), Provenance::Observed);
        assert_eq!(provenance("order.created"), Provenance::Modelled);
    }

    #[test]
    fn user_files_replace_and_add() {
        let mut catalog = Catalog::builtin();
        let n = catalog.events().len();
        let files = vec![
            (
                "test".to_string(),
                file(
                    "d/test.json",
                    r#"{"app_id":9,"timestamp":1,"event":"test","data":{"mine":true}}"#,
                ),
            ),
            (
                "order.refunded".to_string(),
                file("d/order.refunded.json", r#"{"event":"order.refunded","data":{}}"#),
            ),
        ];
        let described = file(
            "d/catalog.json",
            r#"[{"name":"order.refunded","category":"eCommerce / Order","provenance":"observed"},
                {"name":"order.created","description":"Checked in our portal","provenance":"observed"}]"#,
        );
        catalog.merge(files, Some(described)).unwrap();
        assert_eq!(catalog.events().len(), n + 1);
        let test = catalog.get("test").unwrap();
        assert_eq!(test.provenance, Provenance::User);
        assert_eq!(test.file.as_deref(), Some("d/test.json"));
        assert_eq!(test.envelope()["data"], json!({"mine": true}));
        let added = catalog.get("order.refunded").unwrap();
        assert_eq!(
            (added.category.as_str(), added.provenance),
            ("eCommerce / Order", Provenance::Observed)
        );
        let created = catalog.get("order.created").unwrap();
        assert_eq!(created.description, "Checked in our portal");
        assert_eq!(created.file, None);
    }

    #[test]
    fn bad_user_fixtures_name_the_file_and_the_problem() {
        let cases = [
            ("x", "not json", "not JSON"),
            ("x", "[1]", "envelope object"),
            ("x", r#"{"event":"y","data":{}}"#, "file name says x"),
            ("x", r#"{"event":"x"}"#, "no \"data\""),
        ];
        for (name, text, why) in cases {
            let e = Catalog::builtin()
                .merge(vec![(name.into(), file("d/x.json", text))], None)
                .unwrap_err();
            assert_eq!(e.file, "d/x.json");
            assert!(e.why.contains(why), "{text}: {}", e.why);
        }
        let bad_catalogs = [
            (r#"[{"name":"nope"}]"#, "neither a nope.json"),
            (r#"[{"name":"test","provenance":"certain"}]"#, "'certain'"),
            (r#"{"name":"test"}"#, "JSON array"),
            (r#"[{"name":"test"},{"name":"test"}]"#, "twice"),
        ];
        for (text, why) in bad_catalogs {
            let e = Catalog::builtin()
                .merge(Vec::new(), Some(file("d/catalog.json", text)))
                .unwrap_err();
            assert!(e.why.contains(why), "{text}: {}", e.why);
        }
    }

    #[test]
    fn assignments_parse_json_else_text() {
        let cases = [
            ("data.order_id=786980", json!(786980)),
            ("data.is_paid=false", json!(false)),
            ("data.code=\"007\"", json!("007")),
            ("data.code=007", json!("007")),
            ("data.name=Noura Alharbi", json!("Noura Alharbi")),
            ("data.mobile=+966552345678", json!("+966552345678")),
            ("data.tags=[\"a\"]", json!(["a"])),
            ("data.note=", json!("")),
            ("data.eq=a=b", json!("a=b")),
        ];
        for (text, want) in cases {
            assert_eq!(parse_assignment(text).unwrap().1, want, "{text}");
        }
        for bad in ["data.x", "=1", "data..x=1", ".x=1"] {
            assert!(parse_assignment(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn assign_walks_and_creates_objects() {
        let mut envelope = object(json!({"app_id": 1, "data": {"items": [1], "coupon": null, "n": 2}}));
        assign(&mut envelope, "data.n", json!(3)).unwrap();
        assign(&mut envelope, "data.customer.address.city", json!("Riyadh")).unwrap();
        assign(&mut envelope, "data.coupon.code", json!("EID")).unwrap();
        assign(&mut envelope, "app_id", json!(7)).unwrap();
        assert_eq!(
            Value::Object(envelope.clone()),
            json!({"app_id": 7, "data": {"items": [1], "coupon": {"code": "EID"}, "n": 3,
                   "customer": {"address": {"city": "Riyadh"}}}})
        );
        let e = assign(&mut envelope, "data.items.0", json!(1)).unwrap_err();
        assert_eq!(
            e,
            "data.items is an array, not an object, so data.items.0 cannot be set inside it"
        );
        let e = assign(&mut envelope, "data.n.x", json!(1)).unwrap_err();
        assert!(e.starts_with("data.n is a number"), "{e}");
    }

    #[test]
    fn suggestions_for_near_misses_only() {
        let catalog = Catalog::builtin();
        assert_eq!(catalog.suggest("order.create"), Some("order.created"));
        assert_eq!(catalog.suggest("m.order.complete"), Some("m.order.completed"));
        assert_eq!(catalog.suggest("subscription.canceled"), Some("subscription.cancelled"));
        assert_eq!(catalog.suggest("shipment.dispatched"), None);
    }
}
