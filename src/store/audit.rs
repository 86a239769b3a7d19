//! The audit log: who changed what, when, with the entity before and after. Unlike the change
//! log (one entry per entity, for sync) it keeps every change, in order, forever.
//!
//! Tree `audit`: sequence number, big-endian → [`AuditEntry`] as JSON; `meta.audit_head` holds
//! the last number handed out.

use serde::{Deserialize, Serialize};
use sled::transaction::ConflictableTransactionError;
use uuid::Uuid;

use super::writes::{WriteResult, Writes};
use super::{be_u64, ChangeOp, Store, StoreError};
use crate::domain::Kind;

/// Who made the changes of the seed folder.
pub const SEED_ACTOR: &str = "seed";

/// One change to one entity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub seq: u64,
    pub at_ms: u64,
    /// The token's name, or [`SEED_ACTOR`].
    pub actor: String,
    /// What was done: the mutation's name (`updateEvent`), or `seed`.
    pub operation: String,
    pub id: Uuid,
    pub kind: Kind,
    pub slug: String,
    pub op: ChangeOp,
    /// The entity's version after the change (`None` once deleted).
    pub version: Option<u64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub(super) const AUDIT_HEAD: &[u8] = b"audit_head";

/// Appends an entry with a chunk's other writes, numbering it.
pub(super) fn append(meta: &impl Writes, audit: &impl Writes, mut entry: AuditEntry) -> WriteResult {
    let seq = meta.get(AUDIT_HEAD)?.map_or(0, |v| be_u64(&v)) + 1;
    entry.seq = seq;
    let value = serde_json::to_vec(&entry).map_err(|e| ConflictableTransactionError::Abort(e.into()))?;
    audit.insert(&seq.to_be_bytes(), value)?;
    meta.insert(AUDIT_HEAD, &seq.to_be_bytes())?;
    Ok(())
}

impl Store {
    /// Up to `limit` audit entries after number `after`, oldest first, and whether more follow.
    pub fn audit_after(&self, after: u64, limit: usize) -> Result<(Vec<AuditEntry>, bool), StoreError> {
        let mut out = Vec::with_capacity(limit.min(100));
        for entry in self.audit.range(after.saturating_add(1).to_be_bytes()..) {
            if out.len() == limit {
                return Ok((out, true));
            }
            out.push(serde_json::from_slice(&entry?.1)?);
        }
        Ok((out, false))
    }

    /// How many audit entries there are.
    pub fn audit_len(&self) -> usize {
        self.audit.len()
    }
}
