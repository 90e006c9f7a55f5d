//! The audit chain: how an event is hashed and how a chain is checked.

use std::fmt;

use chrono::NaiveDateTime;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first event of every chain.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who made a change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The user's id; `None` for the system and the command line.
    pub id: Option<i64>,
    /// The user's sign-in name, or `system` / `cli`.
    pub name: String,
}

impl Actor {
    /// The application itself (first-start set-up, scheduled work).
    pub fn system() -> Self {
        Self { id: None, name: "system".to_owned() }
    }

    /// An operator at the command line.
    pub fn cli() -> Self {
        Self { id: None, name: "cli".to_owned() }
    }
}

/// Every column of an audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The chain: a committee's id, 0 for events of no committee.
    pub chain: i64,
    /// Position in the chain, from 1 without gaps.
    pub seq: i64,
    /// When it happened (UTC, microseconds).
    pub occurred_at: NaiveDateTime,
    /// Who: user id.
    pub actor_id: Option<i64>,
    /// Who: name.
    pub actor: String,
    /// What was done, e.g. `case.create`.
    pub action: String,
    /// To which kind of record.
    pub entity: String,
    /// To which record.
    pub entity_id: String,
    /// What changed, as JSON.
    pub summary: String,
    /// The hash of the event before it in the chain.
    pub prev_hash: String,
    /// SHA-256 of all the columns above.
    pub hash: String,
}

impl Event {
    /// The SHA-256 (hex) of every column but `hash` itself, in a fixed order
    /// and an unambiguous encoding (a JSON array).
    pub fn compute_hash(&self) -> String {
        let canonical = serde_json::json!([
            self.chain,
            self.seq,
            self.occurred_at.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string(),
            self.actor_id,
            self.actor,
            self.action,
            self.entity,
            self.entity_id,
            self.summary,
            self.prev_hash,
        ]);
        hex::encode(Sha256::digest(canonical.to_string().as_bytes()))
    }

    fn label(&self) -> String {
        format!(
            "event {}/{} ({} {} {} {} {})",
            self.chain,
            self.seq,
            self.occurred_at.format("%Y-%m-%d %H:%M:%S"),
            self.actor,
            self.action,
            self.entity,
            self.entity_id
        )
    }
}

/// The first place where a chain is not what was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainFault {
    /// An event's hash does not match its columns.
    Edited(String),
    /// Positions are missing between two events.
    Deleted { chain: i64, from: i64, to: i64 },
    /// An event's `prev_hash` is not the hash of the event before it.
    Unlinked(String),
    /// The chain ends before the recorded head.
    Truncated { chain: i64, last: i64, head: i64 },
    /// Events follow the recorded head, or the head records another event.
    Inserted { chain: i64, seq: i64 },
    /// An event's keyed hash does not match: it was written, or rewritten,
    /// by someone without the key.
    Forged(String),
    /// An event has no keyed hash although an earlier one of its chain has.
    Unkeyed(String),
    /// An event was keyed under a data key that is not configured.
    KeyUnknown(String),
}

impl fmt::Display for ChainFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainFault::Edited(label) => write!(f, "{label} was edited: its hash does not match its content"),
            ChainFault::Deleted { chain, from, to } if from == to => {
                write!(f, "event {chain}/{from} was deleted")
            }
            ChainFault::Deleted { chain, from, to } => write!(f, "events {chain}/{from} to {chain}/{to} were deleted"),
            ChainFault::Unlinked(label) => write!(
                f,
                "{label} does not follow the event before it: an event was inserted, re-ordered or edited and re-hashed"
            ),
            ChainFault::Truncated { chain, last, head } => {
                write!(f, "events {chain}/{} to {chain}/{head} were deleted from the end of the chain", last + 1)
            }
            ChainFault::Inserted { chain, seq } => {
                write!(f, "event {chain}/{seq} was inserted after the recorded end of the chain")
            }
            ChainFault::Forged(label) => write!(
                f,
                "{label}: its keyed hash does not match — the chain was rebuilt or the event rewritten without the key"
            ),
            ChainFault::Unkeyed(label) => write!(f, "{label} has no keyed hash although events before it have"),
            ChainFault::KeyUnknown(label) => {
                write!(f, "{label} is keyed under a data key that is not configured: cannot check it")
            }
        }
    }
}

/// The recorded end of one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The chain.
    pub chain: i64,
    /// The last position written.
    pub seq: i64,
    /// The last event's hash.
    pub hash: String,
}

/// Checks events fed in `(chain, seq)` order against their hashes, their
/// links and the recorded heads.
#[derive(Debug, Default)]
pub struct ChainVerifier {
    current: Option<(i64, i64, String)>,
    checked_chains: Vec<i64>,
    count: u64,
}

impl ChainVerifier {
    /// A verifier that has seen nothing.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks the next event.
    pub fn push(&mut self, event: &Event, heads: &[Head]) -> Result<(), ChainFault> {
        let (expected_seq, prev_hash) = match &self.current {
            Some((chain, seq, hash)) if *chain == event.chain => (seq + 1, hash.clone()),
            _ => {
                self.finish_chain(heads)?;
                (1, GENESIS_HASH.to_owned())
            }
        };
        if event.seq > expected_seq {
            return Err(ChainFault::Deleted { chain: event.chain, from: expected_seq, to: event.seq - 1 });
        }
        if event.compute_hash() != event.hash {
            return Err(ChainFault::Edited(event.label()));
        }
        if event.prev_hash != prev_hash {
            return Err(ChainFault::Unlinked(event.label()));
        }
        self.current = Some((event.chain, event.seq, event.hash.clone()));
        self.count += 1;
        Ok(())
    }

    fn finish_chain(&mut self, heads: &[Head]) -> Result<(), ChainFault> {
        let Some((chain, last, hash)) = self.current.take() else {
            return Ok(());
        };
        self.checked_chains.push(chain);
        match heads.iter().find(|h| h.chain == chain) {
            Some(head) if head.seq > last => Err(ChainFault::Truncated { chain, last, head: head.seq }),
            Some(head) if head.seq == last && head.hash == hash => Ok(()),
            Some(head) if head.seq == last => Err(ChainFault::Inserted { chain, seq: last }),
            Some(head) => Err(ChainFault::Inserted { chain, seq: head.seq + 1 }),
            None => Err(ChainFault::Inserted { chain, seq: 1 }),
        }
    }

    /// Ends the check: every head must have been reached. Returns how many
    /// events were checked.
    pub fn finish(mut self, heads: &[Head]) -> Result<u64, ChainFault> {
        self.finish_chain(heads)?;
        for head in heads {
            if head.seq > 0 && !self.checked_chains.contains(&head.chain) {
                return Err(ChainFault::Truncated { chain: head.chain, last: 0, head: head.seq });
            }
        }
        Ok(self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn chain(n: i64, chain_id: i64) -> Vec<Event> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let at = NaiveDate::from_ymd_opt(2026, 11, 27)
                    .and_then(|d| d.and_hms_micro_opt(8, 0, 0, u32::try_from(seq).unwrap_or(0)))
                    .expect("time");
                let mut e = Event {
                    chain: chain_id,
                    seq,
                    occurred_at: at,
                    actor_id: Some(1),
                    actor: "limei".into(),
                    action: "complaint.create".into(),
                    entity: "complaint".into(),
                    entity_id: seq.to_string(),
                    summary: format!("{{\"n\":{seq}}}"),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = e.compute_hash();
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    fn heads_of(events: &[Event]) -> Vec<Head> {
        let mut heads: Vec<Head> = Vec::new();
        for e in events {
            heads.retain(|h| h.chain != e.chain);
            heads.push(Head { chain: e.chain, seq: e.seq, hash: e.hash.clone() });
        }
        heads
    }

    fn verify(events: &[Event], heads: &[Head]) -> Result<u64, ChainFault> {
        let mut v = ChainVerifier::new();
        for e in events {
            v.push(e, heads)?;
        }
        v.finish(heads)
    }

    #[test]
    fn an_untouched_chain_verifies() {
        let mut events = chain(5, 0);
        events.extend(chain(3, 7));
        let heads = heads_of(&events);
        assert_eq!(verify(&events, &heads), Ok(8));
    }

    #[test]
    fn an_edited_event_is_named() {
        let mut events = chain(5, 1);
        let heads = heads_of(&events);
        events[2].summary = "{\"n\":99}".into();
        assert!(matches!(verify(&events, &heads), Err(ChainFault::Edited(l)) if l.starts_with("event 1/3 ")));
    }

    #[test]
    fn an_edited_and_rehashed_event_breaks_the_next_link() {
        let mut events = chain(5, 1);
        let heads = heads_of(&events);
        events[2].summary = "{\"n\":99}".into();
        events[2].hash = events[2].compute_hash();
        assert!(matches!(verify(&events, &heads), Err(ChainFault::Unlinked(l)) if l.starts_with("event 1/4 ")));
    }

    #[test]
    fn a_deleted_event_is_named() {
        let mut events = chain(5, 1);
        let heads = heads_of(&events);
        events.remove(1);
        assert_eq!(verify(&events, &heads), Err(ChainFault::Deleted { chain: 1, from: 2, to: 2 }));
    }

    #[test]
    fn deleting_the_last_events_is_caught_by_the_head() {
        let mut events = chain(5, 1);
        let heads = heads_of(&events);
        events.truncate(3);
        assert_eq!(verify(&events, &heads), Err(ChainFault::Truncated { chain: 1, last: 3, head: 5 }));
        assert_eq!(verify(&[], &heads), Err(ChainFault::Truncated { chain: 1, last: 0, head: 5 }));
    }

    #[test]
    fn an_event_appended_behind_the_head_is_caught() {
        let events = chain(5, 1);
        let heads = heads_of(&events[..4]);
        assert_eq!(verify(&events, &heads), Err(ChainFault::Inserted { chain: 1, seq: 5 }));
    }

    #[test]
    fn swapping_two_events_is_caught() {
        let mut events = chain(5, 1);
        let heads = heads_of(&events);
        let (a, b) = (events[1].clone(), events[2].clone());
        events[1] = Event { seq: 2, ..b };
        events[2] = Event { seq: 3, ..a };
        assert!(matches!(verify(&events, &heads), Err(ChainFault::Edited(l)) if l.starts_with("event 1/2 ")));
    }

    #[test]
    fn the_hash_covers_every_column() {
        let base = chain(1, 1).remove(0);
        let variants = [
            Event { chain: 2, ..base.clone() },
            Event { seq: 2, ..base.clone() },
            Event { occurred_at: base.occurred_at + chrono::Duration::microseconds(1), ..base.clone() },
            Event { actor_id: None, ..base.clone() },
            Event { actor: "x".into(), ..base.clone() },
            Event { action: "x".into(), ..base.clone() },
            Event { entity: "x".into(), ..base.clone() },
            Event { entity_id: "x".into(), ..base.clone() },
            Event { summary: "{}".into(), ..base.clone() },
            Event { prev_hash: "1".repeat(64), ..base.clone() },
        ];
        for v in variants {
            assert_ne!(v.compute_hash(), base.hash, "{v:?}");
        }
    }
}
