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
    data: Option<Value>,
}

impl Envelope {
    pub fn parse(body: &[u8]) -> Envelope {
        let Ok(raw) = serde_json::from_slice::<Raw>(body) else {
            return Envelope::default();
        };
        let object_id = raw.data.as_ref().and_then(|data| {
            ["id", "order_id"].iter().find_map(|key| match data.get(key)? {
                Value::Number(n) => Some(n.to_string()),
                Value::String(s) => Some(s.clone()),
                _ => None,
            })
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
