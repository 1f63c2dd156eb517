//! Techrar's envelope: `{"app_id", "timestamp", "event", "data"}`.
//!
//! Reading an envelope never fails: a body that is not JSON, or JSON of
//! another shape, simply has no event name or app id. The raw bytes, not this
//! summary, are what gets signed, verified, logged and replayed.

use serde::Deserialize;
use serde_json::Value;

/// The fields of an envelope that tools show and match on.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Envelope {
    pub event: Option<String>,
    pub app_id: Option<i64>,
    /// Unix seconds, as Techrar sends it.
    pub timestamp: Option<i64>,
    /// `data.id`, or `data.order_id` for meals order events: the object the event is about.
    pub object_id: Option<String>,
}

/// What identifies one event across redeliveries with a new timestamp, given
/// that the envelope carries no event id (see techrar-webhooks.md §3).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct EventKey {
    pub event: String,
    pub app_id: Option<i64>,
    pub object_id: String,
}

#[derive(Deserialize)]
struct Raw {
    event: Option<Value>,
    app_id: Option<Value>,
    timestamp: Option<Value>,
    #[serde(default)]
    data: DataIds,
}

/// `data.id` and `data.order_id`; everything else in `data` is skipped without
/// being built into a tree, since every request `listen` receives is parsed.
#[derive(Default)]
struct DataIds {
    id: Option<Value>,
    order_id: Option<Value>,
}

impl<'de> Deserialize<'de> for DataIds {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = DataIds;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<DataIds, A::Error> {
                let mut ids = DataIds::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "id" => ids.id = Some(map.next_value()?),
                        "order_id" => ids.order_id = Some(map.next_value()?),
                        _ => {
                            map.next_value::<serde::de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(ids)
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<DataIds, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(DataIds::default())
            }

            fn visit_bool<E>(self, _: bool) -> Result<DataIds, E> {
                Ok(DataIds::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<DataIds, E> {
                Ok(DataIds::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<DataIds, E> {
                Ok(DataIds::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<DataIds, E> {
                Ok(DataIds::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<DataIds, E> {
                Ok(DataIds::default())
            }
            fn visit_unit<E>(self) -> Result<DataIds, E> {
                Ok(DataIds::default())
            }
        }
        deserializer.deserialize_any(Visit)
    }
}

impl Envelope {
    pub fn parse(body: &[u8]) -> Envelope {
        let Ok(raw) = serde_json::from_slice::<Raw>(body) else {
            return Envelope::default();
        };
        let object_id = [raw.data.id, raw.data.order_id]
            .into_iter()
            .flatten()
            .find_map(|value| match value {
                Value::Number(n) => Some(n.to_string()),
                Value::String(s) => Some(s),
                _ => None,
            });
        Envelope {
            event: raw.event.and_then(|v| v.as_str().map(str::to_owned)),
            app_id: raw.app_id.as_ref().and_then(integer),
            timestamp: raw.timestamp.as_ref().and_then(integer),
            object_id,
        }
    }

    /// The redelivery key, when the envelope names both an event and an object.
    pub fn key(&self) -> Option<EventKey> {
        Some(EventKey {
            event: self.event.clone()?,
            app_id: self.app_id,
            object_id: self.object_id.clone()?,
        })
    }
}

/// An integer, also when a sender wrote it as a string of digits.
fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// How far `timestamp` is from `now`, in seconds (positive: in the past).
pub fn age(timestamp: i64, now: i64) -> i64 {
    now.saturating_sub(timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_envelope() {
        let e =
            Envelope::parse(br#"{"app_id":123,"timestamp":1640000000,"event":"subscription.created","data":{"id":9}}"#);
        assert_eq!(e.event.as_deref(), Some("subscription.created"));
        assert_eq!(e.app_id, Some(123));
        assert_eq!(e.timestamp, Some(1640000000));
        assert_eq!(e.key().unwrap().object_id, "9");
    }

    #[test]
    fn data_of_any_shape_keeps_the_envelope() {
        for data in [
            "[1,{\"id\":2}]",
            "\"text\"",
            "null",
            "7",
            "{\"nested\":{\"id\":1},\"id\":\"A-9\"}",
        ] {
            let body = format!(r#"{{"event":"x.y","app_id":1,"timestamp":2,"data":{data}}}"#);
            let e = Envelope::parse(body.as_bytes());
            assert_eq!(
                (e.event.as_deref(), e.app_id, e.timestamp),
                (Some("x.y"), Some(1), Some(2)),
                "{data}"
            );
            assert_eq!(
                e.object_id.as_deref(),
                data.ends_with("\"A-9\"}").then_some("A-9"),
                "{data}"
            );
        }
    }

    #[test]
    fn meals_order_uses_order_id_and_anything_else_is_empty() {
        let e = Envelope::parse(br#"{"event":"m.order.completed","app_id":3,"data":{"order_id":786980}}"#);
        assert_eq!(
            e.key().unwrap(),
            EventKey {
                event: "m.order.completed".into(),
                app_id: Some(3),
                object_id: "786980".into()
            }
        );
        assert_eq!(Envelope::parse(b"\xff not json"), Envelope::default());
        assert_eq!(Envelope::parse(b"[1,2]"), Envelope::default());
    }
}
