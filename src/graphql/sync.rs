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
        let position = match token {
            Some(t) => SyncToken::decode(&t, &identity, kinds, store.log_head().map_err(internal)?)?,
            // A first sync: deletions up to here are of things this client never had.
            None => Position { seq: 0, known_from: store.log_head().map_err(internal)? },
        };
        let page = store
            .changes_after(position.seq, &kinds.kinds(), position.known_from, limit)
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
            next_token: SyncToken::encode(&identity, kinds, Position { seq: page.next_after, ..position }),
            has_more: page.has_more,
        })
    }
}

/// How many changes a subscription replays from its `token` before it follows the live feed;
/// more than this, and the client should `sync` first.
const MAX_REPLAY: usize = 1000;

/// The root subscription.
pub struct Subscription;

#[Subscription]
impl Subscription {
    /// Every change as it is committed (only of `kinds` when given), each with the sync token
    /// that covers it. With `token` (a sync token for the same kinds), the changes since that
    /// token come first, so an app that syncs and then subscribes misses nothing in between.
    /// A client that falls too far behind gets a `SYNC_REQUIRED` error and should `sync`.
    async fn content_changed(
        &self,
        ctx: &Context<'_>,
        kinds: Option<Vec<EntityKind>>,
        #[graphql(desc = "Replay the changes since this sync token first.")] token: Option<String>,
    ) -> Result<impl Stream<Item = Result<ContentChange>>> {
        let catalog = ctx.data::<Catalog>()?;
        let store = catalog.store();
        let identity = catalog.store().identity().map_err(internal)?;
        let kinds = KindSet::of(kinds);
        // Listen first: a change committed while the replay is read is then in one or both,
        // never in neither; sequence numbers drop the duplicates.
        let live = BroadcastStream::new(catalog.subscribe());
        let (replayed, floor, known_from) = match token {
            None => (Vec::new(), 0, 0),
            Some(t) => {
                let from = SyncToken::decode(&t, &identity, kinds, store.log_head().map_err(internal)?)?;
                let page = store
                    .changes_after(from.seq, &kinds.kinds(), from.known_from, MAX_REPLAY)
                    .map_err(internal)?;
                if page.has_more {
                    return Err(sync_required("more changes than a subscription replays: sync first"));
                }
                (page.changes, page.next_after, from.known_from)
            }
        };
        let changes = replay_then_follow(replayed, floor, kinds, live);
        Ok(changes.map(move |change| {
            let change = change.map_err(|_lagged| {
                sync_required("this subscription fell behind and missed changes: sync from your last token")
            })?;
            let sync_token = SyncToken::encode(&identity, kinds, Position { seq: change.seq, known_from });
            Ok(ContentChange { change, sync_token })
        }))
    }
}

/// The replayed changes, then the live ones of `kinds` after `floor` (the position the replay
/// reached): a change both replayed and heard live comes once, and nothing the client's token
/// already covers comes again. A live error (the subscriber fell behind) passes through.
fn replay_then_follow<E>(
    replayed: Vec<Change>,
    floor: u64,
    kinds: KindSet,
    live: impl Stream<Item = Result<Change, E>>,
) -> impl Stream<Item = Result<Change, E>> {
    let floor = replayed.last().map_or(floor, |c| c.seq.max(floor));
    let live = live.filter(move |received| match received {
        Ok(change) => kinds.contains(change.kind) && change.seq > floor,
        Err(_) => true,
    });
    tokio_stream::iter(replayed.into_iter().map(Ok)).chain(live)
}

fn sync_required(message: &str) -> async_graphql::Error {
    async_graphql::Error::new(message).extend_with(|_, e| e.set("code", "SYNC_REQUIRED"))
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
    /// A sync token covering this change and every earlier one of these kinds, for a client
    /// that has followed the feed since it subscribed with a token (or right after a full sync).
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
const TOKEN_VERSION: u8 = 2;
const MAC_LEN: usize = 12;
/// Version, store id, kinds, sequence number, `known_from`.
const BODY_LEN: usize = 1 + 16 + 2 + 8 + 8;

/// Where a client is in the change log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Position {
    /// The last change it has.
    seq: u64,
    /// The log's head at its first sync: deletions up to there are of things it never had.
    known_from: u64,
}

struct SyncToken;

impl SyncToken {
    fn encode(identity: &StoreIdentity, kinds: KindSet, at: Position) -> String {
        let body = Self::body(identity, kinds, at);
        let mac = Self::mac(identity, &body);
        URL_SAFE_NO_PAD.encode([body.as_slice(), &mac].concat())
    }

    /// Where a token says a client is, if this store made it for these kinds and it is not
    /// ahead of the log (a store restored from an older backup would otherwise skip changes).
    fn decode(token: &str, identity: &StoreIdentity, kinds: KindSet, log_head: u64) -> Result<Position> {
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
        let Some((body, mac)) = bytes.split_first_chunk::<BODY_LEN>() else {
            return Err(invalid("not a token"));
        };
        let expected = Self::mac(identity, body);
        // Compared in constant time, so the comparison's timing tells nothing about the secret.
        let same = mac.len() == MAC_LEN && mac.iter().zip(expected).fold(0, |acc, (a, b)| acc | (a ^ b)) == 0;
        if !same {
            return Err(invalid("not a token of this store"));
        }
        let number = |range: std::ops::Range<usize>| {
            body.get(range).and_then(|b| <[u8; 8]>::try_from(b).ok()).map(u64::from_be_bytes)
        };
        let (Some(seq), Some(known_from)) = (number(19..27), number(27..35)) else {
            return Err(invalid("not a token"));
        };
        let at = Position { seq, known_from };
        if Self::body(identity, kinds, at) != *body {
            return Err(invalid("made for other kinds"));
        }
        if seq > log_head || known_from > log_head {
            return Err(invalid("ahead of this store's changes"));
        }
        Ok(at)
    }

    fn body(identity: &StoreIdentity, kinds: KindSet, at: Position) -> [u8; BODY_LEN] {
        let mut body = [0u8; BODY_LEN];
        body[0] = TOKEN_VERSION;
        body[1..17].copy_from_slice(identity.id.as_bytes());
        body[17..19].copy_from_slice(&kinds.0.to_be_bytes());
        body[19..27].copy_from_slice(&at.seq.to_be_bytes());
        body[27..35].copy_from_slice(&at.known_from.to_be_bytes());
        body
    }

    fn mac(identity: &StoreIdentity, body: &[u8]) -> [u8; MAC_LEN] {
        let digest = Sha256::new().chain_update(identity.secret).chain_update(body).finalize();
        let mut mac = [0u8; MAC_LEN];
        mac.copy_from_slice(&digest[..MAC_LEN]);
        mac
    }
}

pub(super) fn rfc3339(at_ms: u64) -> String {
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
    fn a_token_round_trips_only_in_its_store_for_its_kinds_and_not_ahead_of_the_log() -> Result<(), String> {
        let kinds = KindSet::of(Some(vec![EntityKind::Interview]));
        let at = Position { seq: 42, known_from: 7 };
        let token = SyncToken::encode(&identity(1), kinds, at);
        assert_eq!(SyncToken::decode(&token, &identity(1), kinds, 42).map_err(|e| e.message)?, at);
        assert!(SyncToken::decode(&token, &identity(1), kinds, 41).is_err(), "ahead of the log");
        let mid_first_sync = SyncToken::encode(&identity(1), kinds, Position { seq: 10, known_from: 50 });
        assert!(SyncToken::decode(&mid_first_sync, &identity(1), kinds, 40).is_err(), "first sync ahead");
        assert!(SyncToken::decode(&token, &identity(2), kinds, 99).is_err(), "another store");
        assert!(SyncToken::decode(&token, &identity(1), KindSet(0), 99).is_err(), "other kinds");
        let mut forged = URL_SAFE_NO_PAD.decode(&token).map_err(|e| e.to_string())?;
        forged[26] ^= 1;
        assert!(
            SyncToken::decode(&URL_SAFE_NO_PAD.encode(forged), &identity(1), kinds, 99).is_err(),
            "forged"
        );
        assert!(SyncToken::decode("nonsense!", &identity(1), kinds, 99).is_err());
        assert!(SyncToken::decode("", &identity(1), kinds, 99).is_err());
        Ok(())
    }

    fn change(seq: u64, kind: Kind) -> Change {
        Change { seq, id: uuid::Uuid::from_u128(u128::from(seq)), kind, op: ChangeOp::Updated, at_ms: 0 }
    }

    async fn merged(replayed: Vec<u64>, floor: u64, live: Vec<u64>) -> Vec<u64> {
        let replayed = replayed.into_iter().map(|s| change(s, Kind::Event)).collect();
        let live = tokio_stream::iter(live.into_iter().map(|s| Ok::<_, ()>(change(s, Kind::Event))));
        replay_then_follow(replayed, floor, KindSet(0), live).map(|c| c.map_or(0, |c| c.seq)).collect().await
    }

    #[tokio::test]
    async fn a_change_both_replayed_and_live_comes_once() {
        assert_eq!(merged(vec![4, 7], 7, vec![6, 7, 8, 9]).await, [4, 7, 8, 9]);
    }

    #[tokio::test]
    async fn with_nothing_to_replay_the_token_still_sets_the_floor() {
        assert_eq!(merged(vec![], 12, vec![11, 12, 13]).await, [13]);
        assert_eq!(merged(vec![], 0, vec![1, 2]).await, [1, 2], "no token: everything live");
    }

    #[tokio::test]
    async fn live_changes_of_other_kinds_are_left_out_and_errors_pass() {
        let kinds = KindSet::of(Some(vec![EntityKind::Reading]));
        let live =
            tokio_stream::iter(vec![Ok(change(5, Kind::Event)), Err("behind"), Ok(change(6, Kind::Reading))]);
        let got: Vec<Result<u64, &str>> =
            replay_then_follow(vec![], 0, kinds, live).map(|c| c.map(|c| c.seq)).collect().await;
        assert_eq!(got, [Err("behind"), Ok(6)]);
    }
}
