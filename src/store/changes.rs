//! The change log: every change to the store gets the next sequence number, in the same
//! transaction as the change itself, so delta sync and live updates can never miss one.
//!
//! The log keeps **one entry per id**, its latest change: when an entity changes again, its
//! older entry is removed. So "everything after sequence number N" is one range read that
//! yields each changed entity once, and a deletion stays in the log (as a tombstone) until the
//! id is created again. Nothing is ever pruned, so a sync token never goes stale.
//!
//! Trees: `changes` (sequence number, big-endian → [`Change`] as JSON) and `change_seq`
//! (UUID → the sequence number of its entry).

use serde::{Deserialize, Serialize};
use sled::transaction::ConflictableTransactionError;
use uuid::Uuid;

use super::writes::{WriteResult, Writes};
use super::{be_u64, Store, StoreError};
use crate::domain::Kind;

/// What happened to an entity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeOp {
    Created,
    Updated,
    Deleted,
}

/// One entry of the change log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub seq: u64,
    pub id: Uuid,
    pub kind: Kind,
    pub op: ChangeOp,
    /// When the change was committed, in milliseconds since the Unix epoch.
    pub at_ms: u64,
}

/// A slice of the log, after some sequence number.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChangePage {
    pub changes: Vec<Change>,
    /// The sequence number the next read should start after: the last entry examined. Never
    /// the log's head read separately, which could run ahead of an entry not yet seen.
    pub next_after: u64,
    /// Whether more matching entries follow.
    pub has_more: bool,
}

/// The meta key of the highest sequence number handed out.
pub(super) const LOG_HEAD: &[u8] = b"log_head";

/// Appends a change with a chunk's other writes: `meta`, `changes` and `change_seq` are the
/// chunk's views of those trees.
pub(super) fn log(
    meta: &impl Writes,
    changes: &impl Writes,
    change_seq: &impl Writes,
    (id, kind, op, at_ms): (Uuid, Kind, ChangeOp, u64),
) -> WriteResult<Change> {
    let seq = meta.get(LOG_HEAD)?.map_or(0, |v| be_u64(&v)) + 1;
    if let Some(previous) = change_seq.get(id.as_bytes())? {
        changes.remove(previous)?;
    }
    let change = Change { seq, id, kind, op, at_ms };
    let value = serde_json::to_vec(&change).map_err(|e| ConflictableTransactionError::Abort(e.into()))?;
    changes.insert(&seq.to_be_bytes(), value)?;
    change_seq.insert(id.as_bytes(), &seq.to_be_bytes())?;
    meta.insert(LOG_HEAD, &seq.to_be_bytes())?;
    Ok(change)
}

impl Store {
    /// The highest sequence number in the log; 0 for an empty store.
    pub fn log_head(&self) -> Result<u64, StoreError> {
        Ok(self.meta.get(LOG_HEAD)?.map_or(0, |v| be_u64(&v)))
    }

    /// Up to `limit` entries after sequence number `after`, oldest first: only of `kinds`
    /// (all when empty), and without the deletions numbered up to `known_from` (those came
    /// before a client's first sync, so it never had what they delete).
    pub fn changes_after(
        &self,
        after: u64,
        kinds: &[Kind],
        known_from: u64,
        limit: usize,
    ) -> Result<ChangePage, StoreError> {
        let mut page = ChangePage { next_after: after, ..ChangePage::default() };
        let start = after.saturating_add(1).to_be_bytes();
        for entry in self.changes.range(start..) {
            let (_, value) = entry?;
            let change: Change = serde_json::from_slice(&value)?;
            let wanted = (kinds.is_empty() || kinds.contains(&change.kind))
                && (change.op != ChangeOp::Deleted || change.seq > known_from);
            if !wanted {
                page.next_after = change.seq;
                continue;
            }
            if page.changes.len() == limit {
                page.has_more = true;
                return Ok(page);
            }
            page.next_after = change.seq;
            page.changes.push(change);
        }
        Ok(page)
    }
}
