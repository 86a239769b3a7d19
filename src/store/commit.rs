//! Commits: the store made to hold a target content. A seed is committed in transactions of
//! at most [`CHUNK`] entities each; an editor's change in one transaction, whatever its size.
//!
//! Why chunks: a sled transaction keeps every write, and every version of every page it
//! replaces, in memory until it commits (each insert clones its leaf). One transaction over a
//! 100,000-item seed grew past 20 GB before it was stopped; chunks of [`CHUNK`] entities keep a
//! commit's memory flat, whatever the seed's size.
//!
//! Why not for editors: a mutation is all or nothing for its client, and nothing would finish
//! one cut short between chunks. Its changes are few: the entity, and for a forced delete each
//! entity that named it.
//!
//! What a chunk guarantees:
//! - an entity, its index keys, its version, its audit entry and its change-log entry always
//!   land together, in one transaction;
//! - people are written before the items that name them, items before the updates that list
//!   them, and removals go the other way, so every state between chunks is a sound store;
//! - each chunk that changes content bumps the revision, so no ETag ever names an answer read
//!   across two chunks.
//!
//! A seed's digest is written by its last chunk only. A commit cut short (a crash between
//! chunks) leaves [`SEED_PENDING`] set; the next start sees the digest differ, diffs the same
//! seed against what landed, and writes only the rest, each change logged exactly once.
//!
//! Filling an empty store at start-up, before anything reads it, is the one exception: its
//! chunks land as per-tree batches, not transactions (see [`writes`] for why). [`SEED_FILLING`]
//! is set and flushed before the first chunk and removed by the last; a start that finds it
//! empties the store and fills it again.
//!
//! [`writes`]: super::writes

use std::collections::{BTreeMap, HashMap, HashSet};

use sled::transaction::{ConflictableTransactionError, TransactionalTree};
use uuid::Uuid;

use super::audit::{self, AuditEntry, AUDIT_HEAD, SEED_ACTOR};
use super::changes::{self, Change, ChangeOp, LOG_HEAD};
use super::counts::Deltas;
use super::keys::IndexTree;
use super::records::{self, Record};
use super::writes::{Staged, WriteResult, Writes};
use super::{bad_key, now_ms, Origin, Report, Store, StoreError, REVISION, SEED_DIGEST};
use crate::domain::{entity_id, Content, Kind};

/// Entities per transaction: about 30 writes each. 1,000 took 1 GB of memory at a time;
/// 100 keep it near 100 MB, and the extra transactions cost nothing measurable.
pub(super) const CHUNK: usize = 100;

/// Set while a seed is being committed in several chunks: the digest it is bringing in.
pub(super) const SEED_PENDING: &[u8] = b"seed_pending";
/// Set with [`SEED_PENDING`] when that commit backfills the change log (see [`plan`]).
const SEED_BACKFILL: &[u8] = b"seed_backfill";
/// Set while an empty store is filled with batches rather than transactions (see the module's
/// doc): the digest it is bringing in.
const SEED_FILLING: &[u8] = b"seed_filling";

/// Whether anything may read the store while a commit runs. When nothing can, an empty store
/// is filled with batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Readers {
    Possible,
    None,
}

/// One entity's part of a commit. Its records are built (the new one) and read from the store
/// (the old one) only when its chunk is committed: a commit holds one chunk's records at a time.
struct Step {
    id: Uuid,
    kind: Kind,
    /// The kind of the stored record whose index keys go (the whole entity when nothing
    /// replaces it).
    old: Option<Kind>,
    /// Whether the content's record is written in its place.
    new: bool,
    /// What the change log records for the entity.
    log: ChangeOp,
    /// Whether the entity's value changes: then it is versioned and audited.
    audited: bool,
    /// Items logged as updated with this step, in its transaction: a renamed person's items
    /// show the new name (a crash cannot separate them; a restart sees no rename left).
    shown_in: Vec<(Uuid, Kind)>,
}

impl Step {
    fn writes(&self) -> bool {
        self.old.is_some() || self.new
    }

    /// The order steps are committed in: writes of people before items before updates,
    /// removals the other way round.
    fn phase(&self) -> u8 {
        let removal = self.old.is_some() && !self.new;
        match (removal, self.kind) {
            (false, Kind::Person | Kind::Series) => 0,
            (false, Kind::Update) => 2,
            (false, _) => 1,
            (true, Kind::Update) => 3,
            (true, Kind::Person | Kind::Series) => 5,
            (true, _) => 4,
        }
    }
}

/// A step with its records, while its chunk is committed.
struct Write<'s> {
    step: &'s Step,
    old: Option<Record>,
    new: Option<Record>,
}

/// Everything one chunk writes, prepared before any of it is written.
struct Chunk<'c> {
    steps: &'c [Step],
    writes: Vec<Write<'c>>,
    marks: BTreeMap<Uuid, Vec<u8>>,
    entries: Vec<AuditEntry>,
    counts: Deltas,
    versions: &'c BTreeMap<Uuid, u64>,
    origin: Origin<'c>,
    at_ms: u64,
    revision: u64,
    first: bool,
    last: bool,
    backfill: bool,
}

impl Store {
    /// Makes the store hold exactly `target`: entities added, changed and removed, their index
    /// keys, versions, change-log and audit entries. Not flushed: the caller flushes before it
    /// reports the change as done.
    pub fn commit(&self, target: &Content, origin: Origin<'_>) -> Result<Report, StoreError> {
        self.commit_chunks(target, origin, Readers::Possible, usize::MAX)
    }

    /// [`Store::commit`], stopping after `max_chunks` chunks (as a crash would).
    pub(super) fn commit_chunks(
        &self,
        target: &Content,
        origin: Origin<'_>,
        readers: Readers,
        max_chunks: usize,
    ) -> Result<Report, StoreError> {
        if readers == Readers::None && self.meta.contains_key(SEED_FILLING)? {
            self.undo_fill()?;
        }
        let wanted = records::Builder::new(target);
        let current: BTreeMap<Uuid, Kind> = self.ids().collect::<Result<_, _>>()?;
        let mut report = Report::default();
        // A store from before the change log logs what it holds; remembered while a seed commit
        // is pending, since its first chunk starts the log.
        let backfill =
            (self.log_head()? == 0 && !current.is_empty()) || self.meta.contains_key(SEED_BACKFILL)?;
        let mut revision = self.revision()?;
        // Only a store that never held anything: undoing a fill empties it.
        let fresh = current.is_empty() && revision == 0 && self.audit.is_empty();
        let filling = match origin {
            Origin::Seed { digest, .. } if readers == Readers::None && fresh => {
                self.meta.insert(SEED_FILLING, digest.as_bytes())?;
                self.flush()?;
                true
            }
            _ => false,
        };
        let mut steps = self.plan(&wanted, &current, target, backfill, &mut report)?;
        steps.sort_by_key(Step::phase);
        for step in steps.iter().filter(|s| s.audited && s.new) {
            report.versions.insert(step.id, self.last_version(step.id)? + 1);
        }
        let at_ms = now_ms();
        let size = match origin {
            Origin::Seed { .. } => CHUNK,
            Origin::Editor { .. } => steps.len().max(1),
        };
        let chunks: Vec<&[Step]> = if steps.is_empty() { vec![&[]] } else { steps.chunks(size).collect() };
        for (n, steps) in chunks.iter().enumerate().take(max_chunks) {
            revision += u64::from(steps.iter().any(Step::writes));
            let writes =
                steps.iter().map(|step| self.write_of(step, &wanted)).collect::<Result<Vec<_>, _>>()?;
            let marks = match origin {
                Origin::Editor { .. } => self.marks_for(&writes)?,
                Origin::Seed { .. } => BTreeMap::new(),
            };
            let entries = audit_entries(&writes, origin, at_ms, &report.versions)?;
            let mut counts = Deltas::default();
            for write in &writes {
                for (tree, key) in write.old.iter().flat_map(|r| &r.index) {
                    counts.add(*tree, key, -1);
                }
                for (tree, key) in write.new.iter().flat_map(|r| &r.index) {
                    counts.add(*tree, key, 1);
                }
            }
            let chunk = Chunk {
                steps,
                writes,
                marks,
                entries,
                counts,
                versions: &report.versions,
                origin,
                at_ms,
                revision,
                first: n == 0,
                last: n + 1 == chunks.len(),
                backfill,
            };
            let logged =
                if filling { self.stage(&chunk)? } else { self.db_transaction(|tx| chunk.write(tx))? };
            report.changes.extend(logged);
        }
        report.revision = revision;
        Ok(report)
    }

    /// Whether the fill of an empty store was cut short (see the module's doc): the digest it
    /// was bringing in.
    pub fn fill_pending(&self) -> Result<Option<String>, StoreError> {
        self.meta_text(SEED_FILLING)
    }

    /// Whether a seed commit was cut short (see the module's doc): the digest it was bringing in.
    pub fn seed_pending(&self) -> Result<Option<String>, StoreError> {
        self.meta_text(SEED_PENDING)
    }

    /// What it takes to go from the store's `current` entities to `wanted`, one step per
    /// entity, and the report's lists. Entities in both are compared record by record, one at
    /// a time. `backfill`: the store predates the change log, so what it already holds is
    /// logged too.
    fn plan(
        &self,
        wanted: &records::Builder<'_>,
        current: &BTreeMap<Uuid, Kind>,
        target: &Content,
        backfill: bool,
        report: &mut Report,
    ) -> Result<Vec<Step>, StoreError> {
        let mut steps = Vec::new();
        for (id, kind, slug) in wanted.entities() {
            let step = |old, log, audited| Step { id, kind, old, new: true, log, audited, shown_in: vec![] };
            let Some(&stored) = current.get(&id) else {
                report.added.push((kind, slug.clone()));
                steps.push(step(None, ChangeOp::Created, true));
                continue;
            };
            let old = self.stored_record(id, stored)?;
            let new = wanted.record(&id)?;
            if old != new {
                report.changed.push((kind, slug.clone()));
                steps.push(step(Some(stored), ChangeOp::Updated, old.value != new.value));
            } else if backfill {
                // Rewritten over itself (old keys out, the same keys in), so the counters hold.
                steps.push(step(Some(stored), ChangeOp::Created, false));
            }
        }
        for (&id, &kind) in current {
            if !wanted.contains(&id) {
                report.removed.push((kind, self.stored_record(id, kind)?.slug));
                steps.push(Step {
                    id,
                    kind,
                    old: Some(kind),
                    new: false,
                    log: ChangeOp::Deleted,
                    audited: true,
                    shown_in: vec![],
                });
            }
        }
        // An item shows its people's names: when a person changes, so does what the item's
        // clients display, so the item is logged as updated too (its record is unchanged), by the
        // first of its renamed people's steps.
        let renamed = |s: &Step| s.kind == Kind::Person && s.log == ChangeOp::Updated;
        if steps.iter().any(renamed) {
            let mut items_of: HashMap<Uuid, Vec<(Uuid, Kind)>> = HashMap::new();
            for item in &target.items {
                for p in &item.people {
                    items_of
                        .entry(entity_id(Kind::Person, &p.person))
                        .or_default()
                        .push((item.id, item.kind()));
                }
            }
            let mut logged: HashSet<Uuid> = steps.iter().map(|s| s.id).collect();
            for step in steps.iter_mut().filter(|s| renamed(s)) {
                for (id, kind) in items_of.get(&step.id).into_iter().flatten() {
                    if logged.insert(*id) {
                        step.shown_in.push((*id, *kind));
                    }
                }
            }
        }
        for list in [&mut report.added, &mut report.changed, &mut report.removed] {
            list.sort();
        }
        Ok(steps)
    }

    /// A step's records: the new one built, the old one read from the store.
    fn write_of<'s>(&self, step: &'s Step, wanted: &records::Builder<'_>) -> Result<Write<'s>, StoreError> {
        let old = step.old.map(|kind| self.stored_record(step.id, kind)).transpose()?;
        let new = step.new.then(|| wanted.record(&step.id)).transpose()?;
        Ok(Write { step, old, new })
    }

    /// The edit marks an editor's change adds: entities it touches for the first time get
    /// the seed's version of them as their baseline (what the store held until now).
    fn marks_for(&self, writes: &[Write]) -> Result<BTreeMap<Uuid, Vec<u8>>, StoreError> {
        let mut out = BTreeMap::new();
        for write in writes.iter().filter(|w| w.step.audited) {
            if self.edits.contains_key(write.step.id.as_bytes())? {
                continue;
            }
            let baseline = match &write.old {
                Some(r) => super::edits::fingerprint(&self.decode(r.kind, &r.value)?),
                None => None,
            };
            out.insert(write.step.id, serde_json::to_vec(&super::EditMark { baseline })?);
        }
        Ok(out)
    }

    /// Runs `body` as one transaction over every tree.
    fn db_transaction<T>(
        &self,
        body: impl Fn(&Trees<TransactionalTree>) -> WriteResult<T>,
    ) -> Result<T, StoreError> {
        use sled::Transactional;
        let trees = self.all_trees();
        Ok(trees.as_slice().transaction(|views| body(&Trees::new(self, views)))?)
    }

    /// Writes a chunk as one batch per tree, `meta` (with the revision and the seed's state)
    /// last. Only while nothing reads the store: the trees change one after the other.
    fn stage(&self, chunk: &Chunk) -> Result<Vec<Change>, StoreError> {
        let staged: Vec<Staged> = self.all_trees().into_iter().map(Staged::new).collect();
        let logged = chunk.write(&Trees::new(self, &staged))?;
        for tree in self.landing_order(staged) {
            tree.apply()?;
        }
        Ok(logged)
    }

    /// The order a staged chunk's trees land in: `meta` (the revision, the seed's digest, the
    /// fill marker's removal) last, so a fill cut anywhere before it keeps its marker.
    fn landing_order(&self, mut staged: Vec<Staged>) -> Vec<Staged> {
        let meta = self.meta.name();
        staged.sort_by_key(|tree| tree.name() == meta);
        staged
    }

    /// Takes the store back to empty after a fill was cut short: every tree cleared, the meta
    /// entries a commit writes removed; the identity stays. The store held nothing before the
    /// fill began, so nothing else is lost.
    fn undo_fill(&self) -> Result<(), StoreError> {
        tracing::warn!("the last fill of an empty store was cut short (a crash?): filling it again");
        for tree in self.all_trees().iter().filter(|t| t.name() != self.meta.name()) {
            tree.clear()?;
        }
        for key in [REVISION, LOG_HEAD, AUDIT_HEAD, SEED_DIGEST, SEED_PENDING, SEED_BACKFILL] {
            self.meta.remove(key)?;
        }
        self.flush()
    }
}

impl Chunk<'_> {
    /// The chunk's writes, into a transaction or into staged batches.
    fn write<W: Writes>(&self, tx: &Trees<W>) -> WriteResult<Vec<Change>> {
        for write in &self.writes {
            if let Some(old) = &write.old {
                tx.remove(old, write.new.is_none())?;
            }
            if let Some(new) = &write.new {
                tx.insert(new)?;
            }
            let id = write.step.id;
            if let Some(version) = self.versions.get(&id) {
                tx.versions.insert(id.as_bytes(), &version.to_be_bytes())?;
            }
            if let Some(mark) = self.marks.get(&id) {
                tx.edits.insert(id.as_bytes(), mark.as_slice())?;
            }
        }
        self.counts.apply(tx.counts)?;
        for entry in &self.entries {
            audit::append(tx.meta, tx.audit, entry.clone())?;
        }
        let mut logged = Vec::with_capacity(self.steps.len());
        for step in self.steps {
            let shown = step.shown_in.iter().map(|(id, kind)| (*id, *kind, ChangeOp::Updated));
            for (id, kind, op) in std::iter::once((step.id, step.kind, step.log)).chain(shown) {
                logged.push(changes::log(tx.meta, tx.changes, tx.change_seq, (id, kind, op, self.at_ms))?);
            }
        }
        if let Origin::Seed { digest, settled } = self.origin {
            if self.first && !self.last {
                tx.meta.insert(SEED_PENDING, digest.as_bytes())?;
                if self.backfill {
                    tx.meta.insert(SEED_BACKFILL, &[1])?;
                }
            }
            if self.last {
                for id in settled {
                    tx.edits.remove(id.as_bytes())?;
                }
                tx.meta.insert(SEED_DIGEST, digest.as_bytes())?;
                tx.meta.remove(SEED_PENDING)?;
                tx.meta.remove(SEED_BACKFILL)?;
                tx.meta.remove(SEED_FILLING)?;
            }
        }
        tx.meta.insert(REVISION, &self.revision.to_be_bytes())?;
        Ok(logged)
    }
}

/// The audit entries of a chunk's writes; built per chunk, since each holds whole entities.
fn audit_entries(
    writes: &[Write],
    origin: Origin<'_>,
    at_ms: u64,
    versions: &BTreeMap<Uuid, u64>,
) -> Result<Vec<AuditEntry>, StoreError> {
    let (actor, operation) = match origin {
        Origin::Editor { actor, operation } => (actor, operation),
        Origin::Seed { .. } => (SEED_ACTOR, "seed"),
    };
    let json = |r: Option<&Record>| r.map(|r| serde_json::from_slice(&r.value)).transpose();
    writes
        .iter()
        .filter(|w| w.step.audited)
        .map(|w| {
            let r = w.new.as_ref().or(w.old.as_ref()).ok_or_else(|| bad_key("audited record"))?;
            Ok(AuditEntry {
                seq: 0,
                at_ms,
                actor: actor.to_string(),
                operation: operation.to_string(),
                id: w.step.id,
                kind: w.step.kind,
                slug: r.slug.to_string(),
                op: w.step.log,
                version: versions.get(&w.step.id).copied(),
                before: json(w.old.as_ref())?,
                after: json(w.new.as_ref())?,
            })
        })
        .collect()
}

/// A chunk's views of the store's trees (transactional or staged), in [`Store::all_trees`]
/// order.
struct Trees<'a, W> {
    meta: &'a W,
    ids: &'a W,
    index_keys: &'a W,
    changes: &'a W,
    change_seq: &'a W,
    versions: &'a W,
    edits: &'a W,
    audit: &'a W,
    counts: &'a W,
    indexes: BTreeMap<IndexTree, &'a W>,
    kinds: BTreeMap<Kind, &'a W>,
}

impl<'a, W: Writes> Trees<'a, W> {
    fn new(store: &Store, views: &'a [W]) -> Self {
        let (fixed, rest) = views.split_at(9);
        let (idx, kinds) = rest.split_at(store.indexes.len());
        Trees {
            meta: &fixed[0],
            ids: &fixed[1],
            index_keys: &fixed[2],
            changes: &fixed[3],
            change_seq: &fixed[4],
            versions: &fixed[5],
            edits: &fixed[6],
            audit: &fixed[7],
            counts: &fixed[8],
            indexes: store.indexes.keys().copied().zip(idx.iter()).collect(),
            kinds: store.kinds.keys().copied().zip(kinds.iter()).collect(),
        }
    }

    /// Writes a record: the entity, its id entry, and its index keys.
    fn insert(&self, r: &Record) -> WriteResult {
        let id = r.id.as_bytes();
        self.kinds[&r.kind].insert(id, r.value.as_slice())?;
        self.ids.insert(id, &[r.kind.tag()])?;
        for (tree, key) in &r.index {
            self.indexes[tree].insert(key.as_slice(), &[r.kind.tag()])?;
        }
        let keys = records::encode_index(&r.index).map_err(ConflictableTransactionError::Abort)?;
        self.index_keys.insert(id, keys)?;
        Ok(())
    }

    /// Removes a record's index keys, and with `entirely` the entity itself.
    fn remove(&self, r: &Record, entirely: bool) -> WriteResult {
        for (tree, key) in &r.index {
            self.indexes[tree].remove(key.as_slice())?;
        }
        if entirely {
            let id = r.id.as_bytes();
            self.kinds[&r.kind].remove(id)?;
            self.ids.remove(id)?;
            self.index_keys.remove(id)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::generate::{self, Shape};

    /// A seed commit cut short between chunks leaves the store marked pending; committing the
    /// same seed again writes only the rest, logging and auditing each entity exactly once.
    #[test]
    fn a_seed_commit_cut_short_is_finished_by_the_next_one() -> anyhow::Result<()> {
        let content = generate::content(Shape { items: 2 * CHUNK + 500, people: 50, seed: 7 })?;
        let entities = content.items.len() + content.people.len() + content.updates.len() + 1;
        let dir = tempfile::tempdir()?;
        let store = Store::open(dir.path())?;
        let origin = Origin::Seed { digest: "test-seed", settled: &[] };

        let cut = store.commit_chunks(&content, origin, Readers::Possible, 1)?;
        assert_eq!(cut.changes.len(), CHUNK);
        assert_eq!(store.fill_pending()?, None, "readers possible: transactions, not a fill");
        assert_eq!(store.seed_pending()?.as_deref(), Some("test-seed"));
        assert_eq!(store.seed_digest()?, None);
        let problems = store.check()?.problems;
        assert!(problems.iter().any(|p| p.contains("cut short")), "{problems:?}");

        let rest = store.commit(&content, origin)?;
        assert_eq!(store.seed_pending()?, None);
        assert_eq!(store.seed_digest()?.as_deref(), Some("test-seed"));
        assert_eq!(store.entity_count(), entities);
        assert_eq!(cut.changes.len() + rest.changes.len(), entities);
        assert_eq!(store.log_head()?, entities as u64);
        assert_eq!(store.audit_len(), entities);
        assert_eq!(rest.revision, entities.div_ceil(CHUNK) as u64, "one revision per chunk");
        assert_eq!(store.check()?.problems, Vec::<String>::new());
        Ok(())
    }

    /// A store holding a generated content (seed "one"), the content, and the same content
    /// with every person renamed: 250 changes, more than one chunk.
    fn seeded_then_renamed(seed: u64) -> anyhow::Result<(tempfile::TempDir, Store, Content, Content)> {
        let content = generate::content(Shape { items: 300, people: 250, seed })?;
        let dir = tempfile::tempdir()?;
        let store = Store::open(dir.path())?;
        store.commit(&content, Origin::Seed { digest: "one", settled: &[] })?;
        let mut renamed = content.clone();
        for person in &mut renamed.people {
            person.name.push_str(" Jr.");
        }
        Ok((dir, store, content, renamed))
    }

    /// (tree name, key) → value.
    type Entries = BTreeMap<(Vec<u8>, Vec<u8>), Vec<u8>>;

    /// Every tree's entries, but for those that carry the time of the commit.
    fn timeless_trees(store: &Store) -> anyhow::Result<Entries> {
        let mut out = BTreeMap::new();
        for tree in store.all_trees() {
            for entry in tree.iter() {
                let (key, value) = entry?;
                // Change-log and audit entries without the time they were written.
                let value = if tree.name() == store.changes.name() {
                    serde_json::to_vec(&Change { at_ms: 0, ..serde_json::from_slice(&value)? })?
                } else if tree.name() == store.audit.name() {
                    serde_json::to_vec(&AuditEntry { at_ms: 0, ..serde_json::from_slice(&value)? })?
                } else {
                    value.to_vec()
                };
                out.insert((tree.name().to_vec(), key.to_vec()), value);
            }
        }
        for key in [super::super::STORE_ID, super::super::SYNC_SECRET] {
            out.remove(&(store.meta.name().to_vec(), key.to_vec()));
        }
        Ok(out)
    }

    /// Filling an empty store with batches writes exactly what transactions write, and leaves
    /// no fill marker behind.
    #[test]
    fn a_fill_writes_what_transactions_write() -> anyhow::Result<()> {
        let content = generate::content(Shape { items: 2 * CHUNK + 50, people: 40, seed: 3 })?;
        let origin = Origin::Seed { digest: "fill", settled: &[] };
        let (filled_dir, committed_dir) = (tempfile::tempdir()?, tempfile::tempdir()?);
        let filled = Store::open(filled_dir.path())?;
        let committed = Store::open(committed_dir.path())?;
        let fill = filled.commit_chunks(&content, origin, Readers::None, usize::MAX)?;
        let commit = committed.commit(&content, origin)?;
        assert!(!filled.meta.contains_key(SEED_FILLING)?);
        assert_eq!((fill.added.len(), fill.revision), (commit.added.len(), commit.revision));
        assert_eq!(timeless_trees(&filled)?, timeless_trees(&committed)?);
        assert_eq!(filled.log_head()?, committed.log_head()?);
        assert_eq!(filled.audit_len(), committed.audit_len());
        assert_eq!(filled.check()?.problems, Vec::<String>::new());
        Ok(())
    }

    /// A fill cut short, even inside a chunk (some trees written, others not), is undone by
    /// the next start, which fills the store again from empty: each entity logged once.
    #[test]
    fn a_fill_cut_short_is_started_again_from_empty() -> anyhow::Result<()> {
        let content = generate::content(Shape { items: 2 * CHUNK + 50, people: 40, seed: 5 })?;
        let entities = content.items.len() + content.people.len() + content.updates.len() + 1;
        let origin = Origin::Seed { digest: "fill", settled: &[] };
        let dir = tempfile::tempdir()?;
        let store = Store::open(dir.path())?;
        let identity = store.identity()?;
        store.commit_chunks(&content, origin, Readers::None, 1)?;
        assert_eq!(store.meta.get(SEED_FILLING)?.as_deref(), Some(&b"fill"[..]));
        // What a crash between two trees' batches of the next chunk leaves.
        let stray = Uuid::new_v4();
        store.ids.insert(stray.as_bytes(), &[Kind::Event.tag()])?;
        for tree in [&store.changes, &store.audit, &store.change_seq, &store.versions] {
            tree.insert(u64::MAX.to_be_bytes(), &b"stray"[..])?;
        }

        let report = store.commit_chunks(&content, origin, Readers::None, usize::MAX)?;
        assert_eq!(report.added.len(), entities, "everything is added again");
        assert!(!store.meta.contains_key(SEED_FILLING)?);
        assert_eq!(store.kind_of(stray)?, None);
        assert_eq!(store.entity_count(), entities);
        assert_eq!(store.log_head()?, entities as u64);
        assert_eq!(store.audit_len(), entities);
        assert_eq!(store.changes_after(0, &[], 0, usize::MAX)?.changes.len(), entities);
        assert_eq!(store.change_seq.len(), entities);
        assert_eq!(store.versions.len(), entities);
        assert_eq!(store.identity()?, identity, "the store keeps its identity");
        assert_eq!(store.check()?.problems, Vec::<String>::new());
        Ok(())
    }

    /// A store that holds something is never filled with batches, even before serving: its
    /// commit stays in transactions, resumable through the pending marker.
    #[test]
    fn only_an_empty_store_is_filled() -> anyhow::Result<()> {
        let (_dir, store, content, renamed) = seeded_then_renamed(6)?;
        let origin = Origin::Seed { digest: "two", settled: &[] };
        store.commit_chunks(&renamed, origin, Readers::None, 1)?;
        assert!(!store.meta.contains_key(SEED_FILLING)?);
        assert_eq!(store.seed_pending()?.as_deref(), Some("two"));

        // Emptied of entities, it still has a history that undoing a fill would erase.
        store.commit(&Content::default(), Origin::Seed { digest: "none", settled: &[] })?;
        assert_eq!(store.entity_count(), 0);
        store.commit_chunks(&content, Origin::Seed { digest: "three", settled: &[] }, Readers::None, 1)?;
        assert!(!store.meta.contains_key(SEED_FILLING)?);
        Ok(())
    }

    /// A staged chunk's `meta` lands after every other tree: the fill marker goes last.
    #[test]
    fn a_staged_chunk_lands_meta_last() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let store = Store::open(dir.path())?;
        let staged: Vec<Staged> = store.all_trees().into_iter().map(Staged::new).collect();
        let order: Vec<_> = store.landing_order(staged).iter().map(Staged::name).collect();
        assert_eq!(order.len(), store.all_trees().len());
        assert_eq!(order.last(), Some(&store.meta.name()));
        Ok(())
    }

    /// An editor's change is one transaction, however many entities it touches: a cut after
    /// the first transaction has nothing left to cut.
    #[test]
    fn an_editors_change_is_one_transaction_whatever_its_size() -> anyhow::Result<()> {
        let (_dir, store, _, renamed) = seeded_then_renamed(8)?;
        let revision = store.revision()?;
        let editor = Origin::Editor { actor: "test", operation: "updatePerson" };
        let report = store.commit_chunks(&renamed, editor, Readers::Possible, 1)?;
        assert_eq!(report.changed.len(), renamed.people.len());
        assert_eq!(report.revision, revision + 1, "one transaction, one revision");
        assert_eq!(store.content()?, renamed);
        Ok(())
    }

    /// Renamed people log the items that show them in their own transaction, so a commit cut
    /// short and finished later still tells sync clients about every such item.
    #[test]
    fn items_of_renamed_people_are_logged_even_across_a_cut() -> anyhow::Result<()> {
        let (_dir, store, _, renamed) = seeded_then_renamed(9)?;
        let head = store.log_head()?;
        let origin = Origin::Seed { digest: "two", settled: &[] };
        store.commit_chunks(&renamed, origin, Readers::Possible, 1)?;
        store.commit(&renamed, origin)?;
        let logged: HashSet<Uuid> =
            store.changes_after(head, &[], 0, usize::MAX)?.changes.iter().map(|c| c.id).collect();
        let shown: Vec<&crate::domain::Item> =
            renamed.items.iter().filter(|i| !i.people.is_empty()).collect();
        assert!(!shown.is_empty());
        for item in shown {
            assert!(logged.contains(&item.id), "{} was not logged", item.slug);
        }
        assert_eq!(store.check()?.problems, Vec::<String>::new());
        Ok(())
    }
}
