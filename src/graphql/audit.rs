//! The audit log, for tokens of the `admin` scope: every change, who made it, when, and the
//! entity before and after.

use async_graphql::{Context, Json, Object, Result, SimpleObject, ID};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

use super::connection::page_size;
use super::error::{bad_input, internal};
use super::mutation::require;
use super::sync::{rfc3339, ChangeKind};
use super::values::EntityKind;
use crate::auth::Scope;
use crate::store::{AuditEntry, Store, DEFAULT_PAGE_SIZE};

#[derive(Default)]
pub struct AuditQuery;

#[Object]
impl AuditQuery {
    /// The audit log, oldest first: every change from the seed and from editors. Needs a token
    /// of the `admin` scope; the answer is never cached.
    async fn changes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Page size, 0 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
    ) -> Result<AuditConnection> {
        require(ctx, Scope::Admin)?;
        let limit = page_size("first", first)?.unwrap_or(DEFAULT_PAGE_SIZE);
        let after_seq = match after.as_deref() {
            None => 0,
            Some(cursor) => decode(cursor).ok_or_else(|| bad_input("after", "not a cursor of `changes`"))?,
        };
        let store = ctx.data::<Store>()?;
        let (entries, has_next_page) = store.audit_after(after_seq, limit).map_err(internal)?;
        Ok(AuditConnection {
            end_cursor: entries.last().map(|e| encode(e.seq)),
            has_next_page,
            total_count: store.audit_len(),
            edges: entries
                .into_iter()
                .map(|e| AuditEdge { cursor: encode(e.seq), node: AuditRecord(e) })
                .collect(),
        })
    }
}

/// A page of the audit log.
#[derive(SimpleObject)]
pub struct AuditConnection {
    edges: Vec<AuditEdge>,
    /// Whether more entries follow (page on with `after: endCursor`).
    has_next_page: bool,
    end_cursor: Option<String>,
    /// How many entries the log holds.
    total_count: usize,
}

#[derive(SimpleObject)]
pub struct AuditEdge {
    cursor: String,
    node: AuditRecord,
}

/// One change to one entity.
pub struct AuditRecord(AuditEntry);

#[Object(name = "AuditEntry")]
impl AuditRecord {
    /// Its place in the log, from 1.
    async fn seq(&self) -> u64 {
        self.0.seq
    }
    /// When (RFC 3339, UTC).
    async fn at(&self) -> String {
        rfc3339(self.0.at_ms)
    }
    /// The token's name, or `seed` for the seed folder.
    async fn actor(&self) -> &str {
        &self.0.actor
    }
    /// The mutation (`updateEvent`), or `seed`.
    async fn operation(&self) -> &str {
        &self.0.operation
    }
    async fn change(&self) -> ChangeKind {
        self.0.op.into()
    }
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> EntityKind {
        self.0.kind.into()
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The entity's version after the change; null for a deletion.
    async fn version(&self) -> Option<u64> {
        self.0.version
    }
    /// The entity before (null for a creation), as stored.
    async fn before(&self) -> Option<Json<serde_json::Value>> {
        self.0.before.clone().map(Json)
    }
    /// The entity after (null for a deletion), as stored.
    async fn after(&self) -> Option<Json<serde_json::Value>> {
        self.0.after.clone().map(Json)
    }
}

fn encode(seq: u64) -> String {
    let mut bytes = vec![b'a'];
    bytes.extend_from_slice(&seq.to_be_bytes());
    URL_SAFE_NO_PAD.encode(bytes)
}

fn decode(cursor: &str) -> Option<u64> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let (tag, seq) = bytes.split_first()?;
    (*tag == b'a').then_some(())?;
    Some(u64::from_be_bytes(seq.try_into().ok()?))
}
