//! Delta sync for offline clients, and the live change feed over WebSocket.
//!
//! A sync token is where a client is in the change log: the store's id, the last sequence
//! number it has seen and the kinds it syncs, signed with the store's secret. A token from
//! another store, for other kinds, or altered in any way is refused with
//! `SYNC_TOKEN_INVALID`, and the client starts over without one.

use async_graphql::{Context, Enum, ErrorExtensions, Object, Result, SimpleObject, Subscription, ID};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha2::{Digest, Sha256};
use tokio_stream::wrappers::BroadcastStream;
use tokio_stream::{Stream, StreamExt};

use super::content::Node;
use super::error::{bad_input, internal};
use super::values::EntityKind;
use crate::catalog::Catalog;
use crate::domain::Kind;
use crate::store::{Change, ChangeOp, Store, StoreIdentity};

/// Largest sync page a client may ask for.
pub const MAX_SYNC_PAGE: i32 = 100;

/// What happened to an entity.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::store::ChangeOp")]
pub enum ChangeKind {
    Created,
    Updated,
    Deleted,
}

/// An entity that was deleted: the client drops its copy.
#[derive(SimpleObject)]
pub struct Tombstone {
    pub id: ID,
    pub kind: EntityKind,
    /// When it was deleted (RFC 3339, UTC).
    pub deleted_at: String,
}

/// One page of changes since a sync token.
#[derive(SimpleObject)]
pub struct SyncPage {
    /// Entities created or updated since the token, oldest change first. Without a token:
    /// every entity.
    pub updated: Vec<Node>,
    /// Entities deleted since the token (never on a first sync).
    pub deleted: Vec<Tombstone>,
    /// Store it, and send it as `token` next time (or right away while `hasMore`).
    pub next_token: String,
    /// Whether more changes are waiting: ask again with `nextToken` now.
    pub has_more: bool,
}

/// The `sync` query, merged into the root query.
#[derive(Default)]
pub struct SyncQuery;

#[Object]
impl SyncQuery {
    /// Everything that changed since `token`: updated entities and tombstones for deleted ones.
    /// Without a token, every entity (a first sync). Page with `nextToken` while `hasMore`.
    #[graphql(
        complexity = "first.unwrap_or(MAX_SYNC_PAGE).clamp(1, MAX_SYNC_PAGE) as usize * child_complexity + 1"
    )]
    async fn sync(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The `nextToken` of the last sync; omit it for a first sync.")] token: Option<
            String,
        >,
        #[graphql(
            desc = "Only these kinds (all when omitted). A token only works with the kinds it was made for."
        )]
        kinds: Option<Vec<EntityKind>>,
        #[graphql(desc = "Page size, 1 to 100 (default 100).")] first: Option<i32>,
    ) -> Result<SyncPage> {
        let store = ctx.data::<Store>()?;
        let identity = store.identity().map_err(internal)?;
        let kinds = KindSet::of(kinds);
        let limit = match first.unwrap_or(MAX_SYNC_PAGE) {
            n @ 1..=MAX_SYNC_PAGE => n as usize,
            n => {
                return Err(bad_input(
                    "first",
                    format!("`first` must be between 1 and {MAX_SYNC_PAGE}, got {n}"),
                ))
            }
        };
        let after = match token {
            None => None,
            Some(t) => Some(SyncToken::decode(&t, &identity, kinds)?),
        };
        let page = store
            .changes_after(after.unwrap_or(0), &kinds.kinds(), after.is_some(), limit)
            .map_err(internal)?;
        let mut updated = Vec::new();
        let mut deleted = Vec::new();
        for change in page.changes {
            if change.op == ChangeOp::Deleted {
                deleted.push(Tombstone {
                    id: ID(change.id.to_string()),
                    kind: change.kind.into(),
                    deleted_at: rfc3339(change.at_ms),
                });
            } else if let Some(entity) = store.entity_of(change.kind, change.id).map_err(internal)? {
                // Absent means deleted since the log was read: its tombstone comes next time.
                updated.push(Node::from(entity));
            }
        }
        Ok(SyncPage {
            updated,
            deleted,
            next_token: SyncToken::encode(&identity, kinds, page.next_after),
            has_more: page.has_more,
        })
    }
}

/// The root subscription.
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Every change from now on, as it is committed (only of `kinds` when given). Each carries
    /// the sync token that covers it. When a client falls too far behind, it gets a
    /// `SYNC_REQUIRED` error and should `sync` from its last token.
    async fn content_changed(
        &self,
        ctx: &Context<'_>,
        kinds: Option<Vec<EntityKind>>,
    ) -> Result<impl Stream<Item = Result<ContentChange>>> {
        let catalog = ctx.data::<Catalog>()?;
        let identity = catalog.store().identity().map_err(internal)?;
        let kinds = KindSet::of(kinds);
        let stream = BroadcastStream::new(catalog.subscribe()).filter_map(move |received| match received {
            Ok(change) if kinds.contains(change.kind) => {
                let sync_token = SyncToken::encode(&identity, kinds, change.seq);
                Some(Ok(ContentChange { change, sync_token }))
            }
            Ok(_) => None,
            Err(_lagged) => Some(Err(async_graphql::Error::new(
                "this subscription fell behind and missed changes: sync from your last token",
            )
            .extend_with(|_, e| e.set("code", "SYNC_REQUIRED")))),
        });
        Ok(stream)
    }
}

/// One committed change.
pub struct ContentChange {
    change: Change,
    sync_token: String,
}

#[Object]
impl ContentChange {
    async fn change(&self) -> ChangeKind {
        self.change.op.into()
    }
    async fn id(&self) -> ID {
        ID(self.change.id.to_string())
    }
    async fn kind(&self) -> EntityKind {
        self.change.kind.into()
    }
    /// When the change was committed (RFC 3339, UTC).
    async fn at(&self) -> String {
        rfc3339(self.change.at_ms)
    }
    /// The entity as it is now; null when it was deleted.
    async fn node(&self, ctx: &Context<'_>) -> Result<Option<Node>> {
        let store = ctx.data::<Store>()?;
        Ok(store.entity_of(self.change.kind, self.change.id).map_err(internal)?.map(Node::from))
    }
    /// A sync token covering this change (and every earlier one of these kinds).
    async fn sync_token(&self) -> &str {
        &self.sync_token
    }
}

/// A set of kinds as a bit mask (bit = kind tag); empty means every kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct KindSet(u16);

impl KindSet {
    fn of(kinds: Option<Vec<EntityKind>>) -> KindSet {
        KindSet(kinds.into_iter().flatten().map(|k| 1u16 << Kind::from(k).tag()).fold(0, |a, b| a | b))
    }

    fn contains(self, kind: Kind) -> bool {
        self.0 == 0 || self.0 & (1 << kind.tag()) != 0
    }

    fn kinds(self) -> Vec<Kind> {
        Kind::ALL.into_iter().filter(|k| self.0 & (1 << k.tag()) != 0).collect()
    }
}

/// Version of the token format, so a new layout can refuse old tokens cleanly.
const TOKEN_VERSION: u8 = 1;
const MAC_LEN: usize = 12;

struct SyncToken;

impl SyncToken {
    fn encode(identity: &StoreIdentity, kinds: KindSet, seq: u64) -> String {
        let body = Self::body(identity, kinds, seq);
        let mac = Self::mac(identity, &body);
        URL_SAFE_NO_PAD.encode([body.as_slice(), &mac].concat())
    }

    /// The sequence number a token stands for, if this store made it for these kinds.
    fn decode(token: &str, identity: &StoreIdentity, kinds: KindSet) -> Result<u64> {
        let invalid = |why: &str| {
            async_graphql::Error::new(format!(
                "the sync token is not valid here ({why}): sync again without one"
            ))
            .extend_with(|_, e| {
                e.set("code", "SYNC_TOKEN_INVALID");
                e.set("argument", "token");
            })
        };
        let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid("not a token"))?;
        let Some((body, mac)) = bytes.split_at_checked(bytes.len().saturating_sub(MAC_LEN)) else {
            return Err(invalid("not a token"));
        };
        if body.len() != 1 + 16 + 2 + 8 || mac != Self::mac(identity, body) {
            return Err(invalid("not a token of this store"));
        }
        let seq = u64::from_be_bytes(body[19..27].try_into().map_err(|_| invalid("not a token"))?);
        if body[0] != TOKEN_VERSION || Self::body(identity, kinds, seq) != body {
            return Err(invalid("made for other kinds"));
        }
        Ok(seq)
    }

    fn body(identity: &StoreIdentity, kinds: KindSet, seq: u64) -> Vec<u8> {
        [&[TOKEN_VERSION][..], identity.id.as_bytes(), &kinds.0.to_be_bytes(), &seq.to_be_bytes()].concat()
    }

    fn mac(identity: &StoreIdentity, body: &[u8]) -> [u8; MAC_LEN] {
        let digest = Sha256::new().chain_update(identity.secret).chain_update(body).finalize();
        let mut mac = [0u8; MAC_LEN];
        mac.copy_from_slice(&digest[..MAC_LEN]);
        mac
    }
}

fn rfc3339(at_ms: u64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_millis(at_ms);
    humantime::format_rfc3339_millis(at).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(n: u8) -> StoreIdentity {
        StoreIdentity { id: uuid::Uuid::from_bytes([n; 16]), secret: [n; 32] }
    }

    #[test]
    fn a_token_round_trips_only_in_its_store_and_for_its_kinds() -> Result<(), String> {
        let kinds = KindSet::of(Some(vec![EntityKind::Interview]));
        let token = SyncToken::encode(&identity(1), kinds, 42);
        assert_eq!(SyncToken::decode(&token, &identity(1), kinds).map_err(|e| e.message)?, 42);
        assert!(SyncToken::decode(&token, &identity(2), kinds).is_err(), "another store");
        assert!(SyncToken::decode(&token, &identity(1), KindSet(0)).is_err(), "other kinds");
        let mut forged = URL_SAFE_NO_PAD.decode(&token).map_err(|e| e.to_string())?;
        forged[26] ^= 1;
        assert!(SyncToken::decode(&URL_SAFE_NO_PAD.encode(forged), &identity(1), kinds).is_err(), "forged");
        assert!(SyncToken::decode("nonsense!", &identity(1), kinds).is_err());
        assert!(SyncToken::decode("", &identity(1), kinds).is_err());
        Ok(())
    }
}
