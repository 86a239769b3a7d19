//! The sled store: one tree per entity kind, index trees for kind, year and person, and the
//! atomic application of a seed.
//!
//! Trees:
//! - one per kind (`event`, `person`, …): UUID → entity as JSON;
//! - `ids`: UUID → kind tag, for `node(id:)` (a slug needs no tree: the id derives from it);
//! - `index_keys`: UUID → the index keys the entity owns, so a removal deletes exactly them;
//! - `idx_kind`, `idx_year`, `idx_person`, `idx_person_year`: see [`keys`]; `idx_counts`: how
//!   many keys each of their ranges holds (see [`counts`]);
//! - `changes`, `change_seq`: the change log (see [`changes`]);
//! - `versions`: UUID → the entity's version, bumped whenever its value changes;
//! - `edits`: which entities editors changed (see [`edits`]); `audit`: every change (see [`audit`]);
//! - `meta`: the seed digest, the store revision, the log heads, the store's identity, and the
//!   markers of a seed commit or a fill cut short (see [`commit`]).
//!
//! Every change, from a seed or an editor, goes through one commit (see [`commit`]):
//! transactions over all of these trees (several for a large seed, and per-tree batches for an
//! empty store filled before serving), then a flush.

mod audit;
pub mod backup;
mod changes;
mod check;
mod commit;
mod counts;
pub mod decoded;
pub mod edits;
mod facets;
mod filter;
pub mod keys;
mod page;
mod records;
mod writes;

use std::collections::BTreeMap;
use std::path::Path;

use sled::transaction::{ConflictableTransactionError, TransactionError};
use sled::{Db, Tree};
use uuid::Uuid;

pub use crate::domain::Entity;
use crate::domain::{entity_id, Content, Item, Kind, Person, Series, Slug};
use crate::seed::Seed;
pub use audit::{AuditEntry, SEED_ACTOR};
pub use changes::{Change, ChangeOp, ChangePage};
pub use check::CheckReport;
use commit::Readers;
pub use edits::EditMark;
pub use facets::{FacetFilter, Facets};
pub use filter::{ItemFilter, ListOrder};
pub use keys::{IndexTree, Scope};
pub use page::{ListSpec, Page, PageRequest, Walk, DEFAULT_PAGE_SIZE};
use records::Record;

/// sled's cache: the seed is tiny; 64 MiB leaves room for growth without sled's 1 GiB default.
const CACHE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store error: {0}")]
    Sled(#[from] sled::Error),
    #[error("stored value is corrupt: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("stored key is corrupt: {0}")]
    BadKey(String),
    /// The seed cannot be laid over the editors' changes (it removes a person an edited item
    /// names, say): nothing was written.
    #[error("the seed does not fit the edits made through the API: {0}")]
    SeedConflict(String),
    /// The store was closed (the server is shutting down): nothing was written.
    #[error("the store is closed: the server is shutting down")]
    Closed,
}

impl From<TransactionError<StoreError>> for StoreError {
    fn from(e: TransactionError<StoreError>) -> Self {
        match e {
            TransactionError::Abort(e) => e,
            TransactionError::Storage(e) => StoreError::Sled(e),
        }
    }
}

/// A chunk's writes that failed outside a transaction (staged batches never conflict).
impl From<ConflictableTransactionError<StoreError>> for StoreError {
    fn from(e: ConflictableTransactionError<StoreError>) -> Self {
        match e {
            ConflictableTransactionError::Abort(e) => e,
            ConflictableTransactionError::Storage(e) => StoreError::Sled(e),
            _ => bad_key("a staged write reported a conflict"),
        }
    }
}

/// What a commit changed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// True when the store already held this exact seed (nothing was done).
    pub unchanged: bool,
    pub added: Vec<(Kind, Slug)>,
    pub changed: Vec<(Kind, Slug)>,
    pub removed: Vec<(Kind, Slug)>,
    pub revision: u64,
    /// The change-log entries written, in sequence order.
    pub changes: Vec<Change>,
    /// The new version of every entity whose value changed.
    pub versions: BTreeMap<Uuid, u64>,
    /// Edited entities the seed changed too: the edit was kept (see [`edits`]).
    pub kept_edits: Vec<(Kind, Slug)>,
}

/// Where a change comes from.
#[derive(Debug, Clone, Copy)]
pub enum Origin<'a> {
    /// A seed folder with this digest; `settled` edit marks are cleared (the seed caught up).
    Seed { digest: &'a str, settled: &'a [Uuid] },
    /// An editor through the API: every entity whose value changes is marked as edited.
    Editor { actor: &'a str, operation: &'a str },
}

/// A handle to the store; cheap to clone.
#[derive(Clone)]
pub struct Store {
    db: Db,
    meta: Tree,
    ids: Tree,
    index_keys: Tree,
    changes: Tree,
    change_seq: Tree,
    versions: Tree,
    edits: Tree,
    audit: Tree,
    counts: Tree,
    indexes: BTreeMap<IndexTree, Tree>,
    kinds: BTreeMap<Kind, Tree>,
    /// Shared by every clone of the handle.
    decoded: std::sync::Arc<decoded::Decoded>,
}

const SEED_DIGEST: &[u8] = b"seed_digest";
/// The layout of keys and values. Part of the stored seed digest, so a binary with a new layout
/// re-applies even an unchanged seed, and the record-by-record diff rewrites what changed.
/// 4: index keys in binary (a format-3 binary would fail on them: it now refuses at start-up,
/// when it re-applies the seed, rather than at its first edit).
const STORE_FORMAT: &str = "store-format-4";
const REVISION: &[u8] = b"revision";
const STORE_ID: &[u8] = b"store_id";
const SYNC_SECRET: &[u8] = b"sync_secret";
/// Present while no server has the store open: written by a clean shutdown, removed at start.
const CLOSED_CLEANLY: &[u8] = b"closed_cleanly";

/// Who a store is: an id and a secret made when it was created. Sync tokens carry the id
/// and are signed with the secret, so a token from another store, or a forged one, is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoreIdentity {
    pub id: Uuid,
    pub secret: [u8; 32],
}

impl Store {
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let db = sled::Config::new().path(dir).cache_capacity(CACHE_BYTES).open()?;
        let mut indexes = BTreeMap::new();
        for t in IndexTree::ALL {
            indexes.insert(t, db.open_tree(t.tree_name())?);
        }
        let mut kinds = BTreeMap::new();
        for k in Kind::ALL {
            kinds.insert(k, db.open_tree(k.name())?);
        }
        let store = Store {
            meta: db.open_tree("meta")?,
            ids: db.open_tree("ids")?,
            index_keys: db.open_tree("index_keys")?,
            changes: db.open_tree("changes")?,
            change_seq: db.open_tree("change_seq")?,
            versions: db.open_tree("versions")?,
            edits: db.open_tree("edits")?,
            audit: db.open_tree("audit")?,
            counts: db.open_tree("idx_counts")?,
            indexes,
            kinds,
            decoded: std::sync::Arc::new(decoded::Decoded::new(decoded::DEFAULT_ENTRIES)),
            db,
        };
        if store.meta.get(STORE_ID)?.is_none() {
            // A new store: it starts closed cleanly, with an identity of its own.
            store.rotate_identity()?;
            store.meta.insert(CLOSED_CLEANLY, &[1])?;
        }
        store.ensure_counts()?;
        Ok(store)
    }

    /// Gives the store a new id and sync secret. Every sync token and ETag issued before is
    /// void from then on: done when the store may have gone back in time (a restore, or a
    /// crash that lost writes others had already seen), so no client trusts a stale position.
    pub fn rotate_identity(&self) -> Result<(), StoreError> {
        let secret = [Uuid::new_v4().into_bytes(), Uuid::new_v4().into_bytes()].concat();
        self.meta.insert(STORE_ID, Uuid::new_v4().as_bytes())?;
        self.meta.insert(SYNC_SECRET, secret)?;
        self.flush()
    }

    /// Marks the store in use by a server; returns whether the last server to use it closed it
    /// cleanly ([`Store::close`]). When not, it may have lost writes clients had seen.
    pub fn begin_session(&self) -> Result<bool, StoreError> {
        let clean = self.meta.remove(CLOSED_CLEANLY)?.is_some();
        self.flush()?;
        Ok(clean)
    }

    /// Flushes the store and marks it closed cleanly: the last step of a graceful shutdown.
    pub fn close(&self) -> Result<(), StoreError> {
        self.flush()?;
        self.meta.insert(CLOSED_CLEANLY, &[1])?;
        self.flush()
    }

    /// The store's id and sync secret.
    pub fn identity(&self) -> Result<StoreIdentity, StoreError> {
        let id = self.meta.get(STORE_ID)?.ok_or_else(|| bad_key("store id"))?;
        let secret = self.meta.get(SYNC_SECRET)?.ok_or_else(|| bad_key("sync secret"))?;
        Ok(StoreIdentity {
            id: Uuid::from_slice(&id).map_err(|_| bad_key("store id"))?,
            secret: secret.as_ref().try_into().map_err(|_| bad_key("sync secret"))?,
        })
    }

    /// The store's revision: bumped by every change, 0 for an empty store.
    pub fn revision(&self) -> Result<u64, StoreError> {
        Ok(self.meta.get(REVISION)?.map_or(0, |v| be_u64(&v)))
    }

    pub fn seed_digest(&self) -> Result<Option<String>, StoreError> {
        self.meta_text(SEED_DIGEST)
    }

    /// A text kept in `meta` under `key`.
    fn meta_text(&self, key: &[u8]) -> Result<Option<String>, StoreError> {
        Ok(self.meta.get(key)?.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    /// An entity's version: 1 when created, one more each time its value changes; 0 when
    /// there is no such entity.
    pub fn version(&self, id: Uuid) -> Result<u64, StoreError> {
        if !self.ids.contains_key(id.as_bytes())? {
            return Ok(0);
        }
        self.last_version(id)
    }

    /// The last version an id had, kept after a delete, so an entity created again with the
    /// same slug goes on counting and a version read before the delete never matches it.
    fn last_version(&self, id: Uuid) -> Result<u64, StoreError> {
        match self.versions.get(id.as_bytes())? {
            Some(v) => Ok(be_u64(&v)),
            // Stores from before versions were kept: what they hold is at version 1.
            None => Ok(u64::from(self.ids.contains_key(id.as_bytes())?)),
        }
    }

    /// The store's size on disk, in bytes.
    pub fn size_on_disk(&self) -> Result<u64, StoreError> {
        Ok(self.db.size_on_disk()?)
    }

    /// How many entities the store holds.
    pub fn entity_count(&self) -> usize {
        self.ids.len()
    }

    /// The kind of the entity with `id`, if there is one.
    pub fn kind_of(&self, id: Uuid) -> Result<Option<Kind>, StoreError> {
        Ok(self.ids.get(id.as_bytes())?.and_then(|tag| tag.first().and_then(|t| Kind::from_tag(*t))))
    }

    /// Every entity an editor created, changed or deleted through the API.
    pub fn edit_marks(&self) -> Result<BTreeMap<Uuid, EditMark>, StoreError> {
        let mut out = BTreeMap::new();
        for entry in self.edits.iter() {
            let (id, mark) = entry?;
            let id = Uuid::from_slice(&id).map_err(|e| StoreError::BadKey(e.to_string()))?;
            out.insert(id, serde_json::from_slice(&mark)?);
        }
        Ok(out)
    }

    /// Everything the store holds, in canonical order.
    pub fn content(&self) -> Result<Content, StoreError> {
        let mut entities = Vec::new();
        for kind in Kind::ALL {
            for entry in self.kind_tree(kind).iter() {
                entities.push(self.decode(kind, &entry?.1)?);
            }
        }
        Ok(Content::from_entities(entities))
    }

    /// Brings the store in line with `seed`, by slug, keeping what editors changed through the
    /// API (see [`edits`]). Does nothing when the store already holds this seed. Not flushed:
    /// the caller brings what depends on the store up to date, then flushes.
    pub fn apply_seed(&self, seed: &Seed) -> Result<Report, StoreError> {
        self.apply_seed_with(seed, Readers::Possible)
    }

    /// [`Store::apply_seed`] while nothing else reads the store (at start-up, before serving):
    /// an empty store is then filled with batches, not transactions, about a quarter faster (see
    /// [`commit`]).
    pub fn apply_seed_before_serving(&self, seed: &Seed) -> Result<Report, StoreError> {
        self.apply_seed_with(seed, Readers::None)
    }

    fn apply_seed_with(&self, seed: &Seed, readers: Readers) -> Result<Report, StoreError> {
        let digest = format!("{STORE_FORMAT}/{}", seed.digest);
        if self.seed_digest()?.as_deref() == Some(digest.as_str()) {
            return Ok(Report { unchanged: true, revision: self.revision()?, ..Report::default() });
        }
        let marks = self.edit_marks()?;
        let report = if marks.is_empty() {
            self.commit_chunks(
                &seed.content,
                Origin::Seed { digest: &digest, settled: &[] },
                readers,
                usize::MAX,
            )?
        } else {
            let merged = edits::merge(&seed.content, &self.content()?, &marks);
            // The seed was valid alone; laid over the edits it must still be.
            let content =
                crate::seed::check(&merged.content).map_err(|e| StoreError::SeedConflict(e.to_string()))?;
            let settled = Origin::Seed { digest: &digest, settled: &merged.settled };
            Report { kept_edits: merged.kept, ..self.commit_chunks(&content, settled, readers, usize::MAX)? }
        };
        Ok(report)
    }

    /// A stored entity's record, as [`records::Builder`] builds it.
    fn stored_record(&self, id: Uuid, kind: Kind) -> Result<Record, StoreError> {
        let value = self.kind_tree(kind).get(id.as_bytes())?.ok_or_else(|| bad_key("missing entity"))?;
        let index = self.stored_index(id)?;
        let slug = self.decode(kind, &value)?.slug().clone();
        Ok(Record { id, kind, slug, value: value.to_vec(), index })
    }

    /// The index keys stored for an entity (none when it has no entry).
    fn stored_index(&self, id: Uuid) -> Result<Vec<(IndexTree, Vec<u8>)>, StoreError> {
        match self.index_keys.get(id.as_bytes())? {
            Some(v) => records::decode_index(&v),
            None => Ok(Vec::new()),
        }
    }

    fn all_trees(&self) -> Vec<Tree> {
        let mut trees = vec![
            self.meta.clone(),
            self.ids.clone(),
            self.index_keys.clone(),
            self.changes.clone(),
            self.change_seq.clone(),
            self.versions.clone(),
            self.edits.clone(),
            self.audit.clone(),
            self.counts.clone(),
        ];
        trees.extend(self.indexes.values().cloned());
        trees.extend(self.kinds.values().cloned());
        trees
    }

    fn kind_tree(&self, kind: Kind) -> &Tree {
        // Every kind's tree is opened in `open`, so the lookup cannot miss.
        &self.kinds[&kind]
    }

    fn index_tree(&self, tree: IndexTree) -> &Tree {
        &self.indexes[&tree]
    }

    fn decode(&self, kind: Kind, bytes: &[u8]) -> Result<Entity, StoreError> {
        Ok(match kind {
            Kind::Person => Entity::Person(serde_json::from_slice(bytes)?),
            Kind::Update => Entity::Update(serde_json::from_slice(bytes)?),
            Kind::Series => Entity::Series(serde_json::from_slice(bytes)?),
            _ => Entity::Item(serde_json::from_slice(bytes)?),
        })
    }

    /// Every stored entity's id and kind, in id order. Reads the `ids` tree lazily, so a caller
    /// that rebuilds a derived view (the search index) need not load every entity at once.
    pub fn ids(&self) -> impl Iterator<Item = Result<(Uuid, Kind), StoreError>> {
        self.ids.iter().map(|entry| {
            let (id, tag) = entry?;
            let id = Uuid::from_slice(&id).map_err(|e| StoreError::BadKey(e.to_string()))?;
            let kind = tag.first().and_then(|t| Kind::from_tag(*t)).ok_or_else(|| bad_key("kind tag"))?;
            Ok((id, kind))
        })
    }

    /// Any entity by id, for `node(id:)`.
    pub fn entity(&self, id: Uuid) -> Result<Option<Entity>, StoreError> {
        let Some(tag) = self.ids.get(id.as_bytes())? else { return Ok(None) };
        let kind = tag.first().and_then(|t| Kind::from_tag(*t)).ok_or_else(|| bad_key("kind tag"))?;
        self.entity_of(kind, id)
    }

    /// An entity whose kind is already known (an index entry carries it).
    pub fn entity_of(&self, kind: Kind, id: Uuid) -> Result<Option<Entity>, StoreError> {
        match self.kind_tree(kind).get(id.as_bytes())? {
            Some(v) => Ok(Some(self.decoded.get_or_decode(kind, id, v, |bytes| self.decode(kind, bytes))?)),
            None => Ok(None),
        }
    }

    /// [`Self::entity_of`] without the decoded cache, for a read of every entity (an index
    /// rebuild), which would only push out what requests use.
    pub fn scan_entity_of(&self, kind: Kind, id: Uuid) -> Result<Option<Entity>, StoreError> {
        match self.kind_tree(kind).get(id.as_bytes())? {
            Some(v) => Ok(Some(self.decode(kind, &v)?)),
            None => Ok(None),
        }
    }

    /// Keeps at most `entries` decoded entities (see [`decoded`]; `0`: none).
    pub fn keep_decoded(&self, entries: usize) {
        self.decoded.resize(entries);
    }

    /// The id of the entity of `kind` with `slug`, if it is stored. Ids derive from kind and
    /// slug, so this is one lookup and needs no slug tree.
    pub fn id_by_slug(&self, kind: Kind, slug: &str) -> Result<Option<Uuid>, StoreError> {
        let Ok(slug) = Slug::parse(slug) else { return Ok(None) };
        let id = entity_id(kind, &slug);
        Ok(self.kind_tree(kind).contains_key(id.as_bytes())?.then_some(id))
    }

    /// A content item by slug, whatever its kind.
    pub fn item_by_slug(&self, slug: &str) -> Result<Option<Item>, StoreError> {
        let Ok(slug) = Slug::parse(slug) else { return Ok(None) };
        for kind in Kind::CONTENT {
            if let Some(Entity::Item(item)) = self.entity_of(kind, entity_id(kind, &slug))? {
                return Ok(Some(item));
            }
        }
        Ok(None)
    }

    pub fn person(&self, id: Uuid) -> Result<Option<Person>, StoreError> {
        match self.entity_of(Kind::Person, id)? {
            Some(Entity::Person(person)) => Ok(Some(person)),
            _ => Ok(None),
        }
    }

    pub fn person_by_slug(&self, slug: &str) -> Result<Option<Person>, StoreError> {
        let Ok(slug) = Slug::parse(slug) else { return Ok(None) };
        self.person(entity_id(Kind::Person, &slug))
    }

    /// The series page (there is one per store).
    pub fn series(&self) -> Result<Option<Series>, StoreError> {
        match self.kind_tree(Kind::Series).iter().next() {
            Some(entry) => Ok(Some(serde_json::from_slice(&entry?.1)?)),
            None => Ok(None),
        }
    }
}

fn be_u64(bytes: &[u8]) -> u64 {
    let mut buf = [0u8; 8];
    let n = bytes.len().min(8);
    buf[8 - n..].copy_from_slice(&bytes[bytes.len() - n..]);
    u64::from_be_bytes(buf)
}

pub(crate) fn now_ms() -> u64 {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    u64::try_from(since_epoch.as_millis()).unwrap_or(u64::MAX)
}

fn bad_key(what: &str) -> StoreError {
    StoreError::BadKey(what.to_string())
}
