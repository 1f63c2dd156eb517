//! Building the envelope `send` signs, and the bodies of a repeated send.
//!
//! The rule for `--data`: a JSON object with both an `event` and a `data` key
//! is a whole envelope and replaces the fixture; anything else is the `data`
//! alone and goes into the fixture's envelope (or a new one when the event
//! has no fixture). Then `timestamp` and `app_id` are stamped, and `--set`
//! edits the result (see `catalog::assign`).
//!
//! A repeated send serialises the envelope once and patches only the object
//! id per delivery ([`Bodies`]): the rest of the bytes are shared, nothing is
//! re-parsed.

use std::io::Write as _;

use serde_json::{Map, Value};

use super::catalog::kind;

/// The `app_id` of an envelope built for an event without a fixture, unless
/// `--app-id` says otherwise (the built-in fixtures use it too).
pub const DEFAULT_APP_ID: i64 = 123;

/// Why no envelope could be built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BuildError {
    /// No fixture for the event and no `--data` to build one from.
    Unknown,
    /// The whole envelope given names another event than the one asked for;
    /// `found` is its `event` as JSON.
    Mismatch { found: String },
}

/// Whether a `--data` value is a whole envelope rather than just its `data`.
pub fn is_envelope(value: &Value) -> bool {
    value.as_object().is_some_and(is_envelope_map)
}

fn is_envelope_map(map: &Map<String, Value>) -> bool {
    map.contains_key("event") && map.contains_key("data")
}

/// The event a whole envelope names, when it names one as a string.
pub fn envelope_event(value: &Value) -> Option<&str> {
    value.get("event")?.as_str()
}

/// The envelope for `event`, from its fixture (if any) and `--data` (if given).
pub fn build(
    event: &str,
    fixture: Option<Map<String, Value>>,
    data: Option<Value>,
) -> Result<Map<String, Value>, BuildError> {
    match data {
        Some(Value::Object(map)) if is_envelope_map(&map) => match map.get("event") {
            Some(Value::String(name)) if name == event => Ok(map),
            other => Err(BuildError::Mismatch {
                found: other.map(Value::to_string).unwrap_or_default(),
            }),
        },
        Some(data) => {
            let mut envelope = fixture.unwrap_or_else(|| {
                let mut map = Map::new();
                map.insert("app_id".into(), DEFAULT_APP_ID.into());
                map.insert("timestamp".into(), 0.into());
                map.insert("event".into(), event.into());
                map
            });
            envelope.insert("data".into(), data);
            Ok(envelope)
        }
        None => fixture.ok_or(BuildError::Unknown),
    }
}

/// Sets `timestamp`, and `app_id` when given (else keeps the envelope's, or
/// [`DEFAULT_APP_ID`] when it has none), and puts the envelope's keys in
/// Techrar's order: `app_id`, `timestamp`, `event`, `data`, then any others.
pub fn stamp(mut envelope: Map<String, Value>, app_id: Option<i64>, timestamp: i64) -> Map<String, Value> {
    let mut out = Map::new();
    let app_id = match (app_id, envelope.remove("app_id")) {
        (Some(id), _) => id.into(),
        (None, Some(existing)) => existing,
        (None, None) => DEFAULT_APP_ID.into(),
    };
    out.insert("app_id".into(), app_id);
    envelope.remove("timestamp");
    out.insert("timestamp".into(), timestamp.into());
    for key in ["event", "data"] {
        if let Some(value) = envelope.remove(key) {
            out.insert(key.into(), value);
        }
    }
    out.extend(envelope);
    out
}

/// The bodies of `--repeat N`: one serialisation with a hole where the object
/// id goes, filled per delivery so each has its own id.
#[derive(Clone, Debug)]
pub struct Bodies {
    prefix: Vec<u8>,
    suffix: Vec<u8>,
    ids: Ids,
    key: &'static str,
}

#[derive(Clone, Debug)]
enum Ids {
    /// The fixture's numeric id, then the numbers after it.
    After(i64),
    /// A text id: `"<id>-1"`, `"<id>-2"`, …; held JSON-escaped, without its closing quote.
    Suffixed(String),
    /// No usable id: 1, 2, 3, …
    Counting,
}

/// Stands in for the id while serialising; no real payload contains it.
const HOLE: &str = "\u{0}techrar-hooks:id\u{0}";

impl Bodies {
    /// Patches `data.id`, or `data.order_id` in an envelope whose `data` has
    /// no `id` but an `order_id` (meals orders), or adds `data.id`.
    pub fn new(envelope: &Map<String, Value>) -> Result<Bodies, String> {
        let mut envelope = envelope.clone();
        let data = match envelope.get_mut("data") {
            Some(Value::Object(data)) => data,
            other => {
                return Err(format!(
                    "data is {}, so each delivery cannot get its own data.id; pass --same-body",
                    other.as_deref().map_or("missing", kind)
                ));
            }
        };
        let key = if !data.contains_key("id") && data.contains_key("order_id") {
            "order_id"
        } else {
            "id"
        };
        let ids = match data.get(key) {
            Some(Value::Number(n)) if n.as_i64().is_some() => Ids::After(n.as_i64().unwrap_or_default()),
            Some(Value::String(text)) => {
                let mut escaped = serde_json::to_string(text).expect("a string serialises");
                escaped.pop();
                Ids::Suffixed(escaped)
            }
            _ => Ids::Counting,
        };
        data.insert(key.into(), HOLE.into());
        let bytes = serde_json::to_vec(&envelope).expect("a JSON value serialises");
        let hole = serde_json::to_vec(HOLE).expect("a string serialises");
        let at = find(&bytes, &hole).ok_or("the id placeholder vanished while serialising")?;
        if find(&bytes[at + hole.len()..], &hole).is_some() {
            return Err("the envelope already holds the id placeholder; pass --same-body".into());
        }
        Ok(Bodies {
            prefix: bytes[..at].to_vec(),
            suffix: bytes[at + hole.len()..].to_vec(),
            ids,
            key: if key == "id" { "data.id" } else { "data.order_id" },
        })
    }

    /// The path of the id that differs per delivery, for messages.
    pub fn key(&self) -> &'static str {
        self.key
    }

    /// Writes the body of delivery `n` (0-based) into `out`, replacing its contents.
    pub fn write(&self, n: u64, out: &mut Vec<u8>) {
        out.clear();
        out.reserve(self.prefix.len() + self.suffix.len() + 24);
        out.extend_from_slice(&self.prefix);
        // Writing into a Vec cannot fail.
        let _ = match &self.ids {
            Ids::After(base) => write!(out, "{}", base.saturating_add_unsigned(n)),
            Ids::Suffixed(escaped) => write!(out, "{escaped}-{}\"", n + 1),
            Ids::Counting => write!(out, "{}", n + 1),
        };
        out.extend_from_slice(&self.suffix);
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
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

    #[test]
    fn data_only_goes_into_the_fixture_or_a_new_envelope() {
        let fixture = object(json!({"app_id": 3, "timestamp": 1, "event": "test", "data": {"a": 1}}));
        let built = build("test", Some(fixture.clone()), Some(json!({"b": 2}))).unwrap();
        assert_eq!(
            Value::Object(built),
            json!({"app_id": 3, "timestamp": 1, "event": "test", "data": {"b": 2}})
        );
        let built = build("mine", None, Some(json!([1]))).unwrap();
        assert_eq!(
            Value::Object(built),
            json!({"app_id": DEFAULT_APP_ID, "timestamp": 0, "event": "mine", "data": [1]})
        );
        assert_eq!(build("mine", None, None), Err(BuildError::Unknown));
        assert_eq!(build("test", Some(fixture.clone()), None).unwrap(), fixture);
    }

    #[test]
    fn a_whole_envelope_replaces_the_fixture_when_its_event_matches() {
        assert!(is_envelope(&json!({"event": "x", "data": null})));
        assert!(!is_envelope(&json!({"event": "x"})));
        assert!(!is_envelope(&json!({"data": {}})));
        let whole = json!({"event": "order.created", "data": {"id": 1}, "extra": true});
        let built = build("order.created", None, Some(whole.clone())).unwrap();
        assert_eq!(Value::Object(built), whole);
        assert_eq!(
            build("test", None, Some(whole)),
            Err(BuildError::Mismatch {
                found: "\"order.created\"".into()
            })
        );
    }

    #[test]
    fn stamp_sets_time_and_app_id_in_techrar_order() {
        let envelope = object(json!({"extra": 1, "data": {}, "event": "e", "timestamp": 5}));
        let stamped = stamp(envelope.clone(), None, 1764849600);
        assert_eq!(
            serde_json::to_string(&stamped).unwrap(),
            r#"{"app_id":123,"timestamp":1764849600,"event":"e","data":{},"extra":1}"#
        );
        let stamped = stamp(object(json!({"app_id": 9, "event": "e", "data": {}})), Some(3), 7);
        assert_eq!(
            serde_json::to_string(&stamped).unwrap(),
            r#"{"app_id":3,"timestamp":7,"event":"e","data":{}}"#
        );
        let kept = stamp(object(json!({"app_id": 9, "event": "e", "data": {}})), None, 7);
        assert_eq!(kept["app_id"], json!(9));
    }

    fn bodies(value: Value) -> Vec<Value> {
        let bodies = Bodies::new(&object(value)).unwrap();
        let mut buf = Vec::new();
        (0..3)
            .map(|n| {
                bodies.write(n, &mut buf);
                serde_json::from_slice(&buf).unwrap()
            })
            .collect()
    }

    #[test]
    fn repeated_bodies_differ_only_in_the_id() {
        let envelope = json!({"app_id": 1, "event": "o", "data": {"id": 10457, "n": 1.50}});
        let first = Bodies::new(&object(envelope.clone())).unwrap();
        let mut buf = Vec::new();
        first.write(0, &mut buf);
        assert_eq!(
            buf,
            serde_json::to_vec(&envelope).unwrap(),
            "delivery 1 is the plain body"
        );
        let ids: Vec<Value> = bodies(envelope).iter().map(|b| b["data"]["id"].clone()).collect();
        assert_eq!(ids, [json!(10457), json!(10458), json!(10459)]);

        let meals = bodies(json!({"data": {"order_id": 55248}}));
        assert_eq!(meals[2]["data"], json!({"order_id": 55250}));
        let text = bodies(json!({"data": {"id": "ord\"x"}}));
        assert_eq!(text[1]["data"]["id"], json!("ord\"x-2"));
        let none = bodies(json!({"data": {"message": "hi"}}));
        assert_eq!(none[0]["data"], json!({"message": "hi", "id": 1}));
        assert_eq!(
            Bodies::new(&object(json!({"data": {"order_id": 1}}))).unwrap().key(),
            "data.order_id"
        );

        let e = Bodies::new(&object(json!({"data": [1]}))).unwrap_err();
        assert!(e.contains("--same-body"), "{e}");
    }
}
