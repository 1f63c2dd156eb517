//! Recognising deliveries seen before, when the envelope carries no event id.
//!
//! Two kinds (techrar-webhooks.md §3): a record whose raw body is identical to
//! an earlier one's is a *duplicate*; one with the same (`event`, `app_id`,
//! object id) but other bytes (a new timestamp, say) is a likely *redelivery*.
//! Both point at the first record seen of their kind.
//!
//! The index keeps SHA-256 digests, never bodies, and only the most recent
//! `capacity` of each kind: memory stays flat (about 100 bytes an entry) however
//! long `listen` runs, at the price of forgetting very old deliveries.

use std::collections::{HashMap, VecDeque};

use sha2::{Digest, Sha256};

use super::envelope::EventKey;

/// A SHA-256 digest.
pub type Digest32 = [u8; 32];

/// How many bodies and event keys `listen` remembers.
pub const CAPACITY: usize = 32_768;

/// What an incoming body was seen as.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Seen {
    pub duplicate_of: Option<u64>,
    pub redelivery_of: Option<u64>,
}

/// The fingerprint of one delivery, computed outside any lock.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    body: Digest32,
    key: Option<Digest32>,
}

impl Fingerprint {
    pub fn new(body: &[u8], key: Option<&EventKey>) -> Self {
        Fingerprint {
            body: Sha256::digest(body).into(),
            key: key.map(|key| {
                let mut hash = Sha256::new();
                // Separated and length-prefixed, so ("a.b", "c") and ("a", "b.c") differ.
                for part in [key.event.as_bytes(), key.object_id.as_bytes()] {
                    hash.update((part.len() as u64).to_le_bytes());
                    hash.update(part);
                }
                match key.app_id {
                    Some(app_id) => {
                        hash.update([1u8]);
                        hash.update(app_id.to_le_bytes());
                    }
                    None => hash.update([0u8]),
                }
                hash.finalize().into()
            }),
        }
    }
}

/// A bounded first-seen index of bodies and event keys.
#[derive(Debug)]
pub struct Duplicates {
    capacity: usize,
    bodies: HashMap<Digest32, u64>,
    body_order: VecDeque<Digest32>,
    keys: HashMap<Digest32, u64>,
    key_order: VecDeque<Digest32>,
}

impl Default for Duplicates {
    fn default() -> Self {
        Duplicates::with_capacity(CAPACITY)
    }
}

impl Duplicates {
    pub fn with_capacity(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Duplicates {
            capacity,
            bodies: HashMap::new(),
            body_order: VecDeque::new(),
            keys: HashMap::new(),
            key_order: VecDeque::new(),
        }
    }

    /// Records delivery `id` and says what it repeats. An identical body is a
    /// duplicate and never also a redelivery.
    pub fn observe(&mut self, id: u64, print: &Fingerprint) -> Seen {
        if let Some(&first) = self.bodies.get(&print.body) {
            return Seen {
                duplicate_of: Some(first),
                redelivery_of: None,
            };
        }
        remember(&mut self.bodies, &mut self.body_order, self.capacity, print.body, id);
        let redelivery_of = match print.key {
            Some(key) => match self.keys.get(&key) {
                Some(&first) => Some(first),
                None => {
                    remember(&mut self.keys, &mut self.key_order, self.capacity, key, id);
                    None
                }
            },
            None => None,
        };
        Seen {
            duplicate_of: None,
            redelivery_of,
        }
    }

    pub fn len(&self) -> usize {
        self.bodies.len()
    }

    pub fn is_empty(&self) -> bool {
        self.bodies.is_empty()
    }
}

fn remember(map: &mut HashMap<Digest32, u64>, order: &mut VecDeque<Digest32>, capacity: usize, key: Digest32, id: u64) {
    if order.len() == capacity
        && let Some(oldest) = order.pop_front()
    {
        map.remove(&oldest);
    }
    map.insert(key, id);
    order.push_back(key);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::envelope::Envelope;

    fn print(body: &[u8]) -> Fingerprint {
        Fingerprint::new(body, Envelope::parse(body).key().as_ref())
    }

    #[test]
    fn identical_bodies_are_duplicates_same_object_is_a_redelivery() {
        let first = br#"{"event":"m.order.completed","app_id":3,"timestamp":1,"data":{"order_id":7}}"#;
        let later = br#"{"event":"m.order.completed","app_id":3,"timestamp":2,"data":{"order_id":7}}"#;
        let other = br#"{"event":"m.order.completed","app_id":4,"timestamp":2,"data":{"order_id":7}}"#;
        let mut index = Duplicates::default();
        assert_eq!(index.observe(1, &print(first)), Seen::default());
        assert_eq!(index.observe(2, &print(first)).duplicate_of, Some(1));
        assert_eq!(
            index.observe(3, &print(later)),
            Seen {
                duplicate_of: None,
                redelivery_of: Some(1)
            }
        );
        assert_eq!(index.observe(4, &print(later)).duplicate_of, Some(3));
        assert_eq!(index.observe(5, &print(other)), Seen::default());
        assert_eq!(index.observe(6, &print(b"not json")), Seen::default());
        assert_eq!(index.observe(7, &print(b"not json")).duplicate_of, Some(6));
    }

    #[test]
    fn memory_is_bounded_and_the_oldest_is_forgotten() {
        let mut index = Duplicates::with_capacity(2);
        for (id, body) in [b"a", b"b", b"c"].iter().enumerate() {
            index.observe(id as u64, &print(*body));
        }
        assert_eq!(index.len(), 2);
        assert_eq!(index.observe(9, &print(b"a")).duplicate_of, None);
        assert_eq!(index.observe(9, &print(b"c")).duplicate_of, Some(2));
    }
}
