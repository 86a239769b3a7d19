//! The catalog: the store plus what must stay in step with it. Every change goes through here,
//! so the search index is refreshed and the change feed (live updates) hears of each change
//! once it is committed.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use anyhow::Context as _;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::domain::{Entity, Kind, Slug};
use crate::editing::{self, EditError, Reference};
use crate::search::SearchIndex;
use crate::seed;
use crate::store::backup::BackupInfo;
use crate::store::{Change, Origin, Report, Store, StoreError};

/// How many changes a live subscriber may fall behind before it is told to resync.
const FEED_CAPACITY: usize = 1024;

/// The store and its companions; cheap to clone (one reference count).
#[derive(Clone)]
pub struct Catalog(Arc<Parts>);

struct Parts {
    store: Store,
    search: SearchIndex,
    seed_dir: PathBuf,
    feed: broadcast::Sender<Change>,
    /// Serialises every change (seed reloads and editors' changes), so two never interleave
    /// their diffs and a version check holds until the change it guards is committed. True
    /// once the store is closed: a request that outlived the shutdown's grace writes nothing.
    writer: Mutex<bool>,
    /// Odd while a change is under way (the store written, the index not yet refreshed): a
    /// sequence lock, so readers can tell whether what they read belongs to one revision
    /// without ever waiting for a writer.
    generation: AtomicU64,
    /// The store's id, in every snapshot: a store that went back in time gets a new one.
    store_id: Uuid,
    /// The revision and seed digest, read once per change rather than from the store for
    /// every request (two tree reads were 5% of a cached answer); `None` when the store could
    /// not say.
    stamp: RwLock<Option<Stamp>>,
}

/// What a snapshot reads of the store besides the generation: which revision it holds.
#[derive(Debug, Clone)]
struct Stamp {
    revision: u64,
    seed_digest: Option<Arc<str>>,
}

impl Stamp {
    fn read(store: &Store) -> Option<Stamp> {
        let revision = store.revision().ok()?;
        let seed_digest = store.seed_digest().ok()?.map(Arc::from);
        Some(Stamp { revision, seed_digest })
    }
}

/// Which content a reader saw: equal snapshots before and after reading mean the answer
/// belongs to this revision, store and search index alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    generation: u64,
    pub store_id: Uuid,
    pub revision: u64,
    pub seed_digest: Option<Arc<str>>,
}

impl Catalog {
    /// Opens the store under `data_dir` and applies the seed in `seed_dir` to it. The seed is
    /// read and validated before the store is opened, so a broken seed leaves the store untouched.
    /// A seed that does not fit the edits made through the API is logged and not applied: the
    /// store serves what it holds.
    pub fn open(data_dir: &Path, seed_dir: &Path) -> anyhow::Result<Catalog> {
        let seed = seed::load(seed_dir)?;
        let store = Store::open(data_dir)
            .with_context(|| format!("cannot open the store in {}", data_dir.display()))?;
        if !store.begin_session()? {
            store.rotate_identity()?;
            tracing::warn!(
                "the store was not closed cleanly (a crash?): it may have lost changes clients saw, \
                 so it has a new identity and every sync token and ETag from before is void"
            );
        }
        // A fill cut short is reported by the commit that undoes it.
        if store.seed_pending()?.is_some() && store.fill_pending()?.is_none() {
            tracing::warn!("the last seed commit was cut short (a crash?): applying the seed finishes it");
        }
        match store.apply_seed_before_serving(&seed) {
            Ok(report) => log_report(&report),
            Err(e @ StoreError::SeedConflict(_)) => {
                tracing::error!("seed not applied, the store serves what it holds: {e}")
            }
            Err(e) => return Err(e.into()),
        }
        // The seed in memory is as large as the store's content: not kept while the search
        // index is built beside it.
        drop(seed);
        crate::memory::release_free_memory();
        store.flush()?;
        let edited = store.edit_marks()?.len();
        if edited > 0 {
            tracing::info!(edited, "entities edited through the API are kept as edited over the seed");
        }
        let search = SearchIndex::build(&store).context("cannot build the search index")?;
        let (feed, _) = broadcast::channel(FEED_CAPACITY);
        let (writer, generation) = (Mutex::new(false), AtomicU64::new(0));
        let store_id = store.identity()?.id;
        let stamp = RwLock::new(Stamp::read(&store));
        Ok(Catalog(Arc::new(Parts {
            store,
            search,
            seed_dir: seed_dir.to_path_buf(),
            feed,
            writer,
            generation,
            store_id,
            stamp,
        })))
    }

    /// Flushes the store and marks it closed cleanly (graceful shutdown).
    pub fn close(&self) -> anyhow::Result<()> {
        let mut closed = self.0.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if !*closed {
            self.0.store.close()?;
            *closed = true;
        }
        Ok(())
    }

    /// The writer lock, unless the store is closed.
    fn writer(&self) -> Result<std::sync::MutexGuard<'_, bool>, StoreError> {
        let writing = self.0.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if *writing {
            return Err(StoreError::Closed);
        }
        Ok(writing)
    }

    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn search(&self) -> &SearchIndex {
        &self.0.search
    }

    /// Re-reads the seed folder and applies it (on SIGHUP). A broken seed changes nothing and
    /// is reported as an error; the store keeps serving what it had.
    pub fn reload_seed(&self) -> anyhow::Result<Report> {
        let seed = seed::load(&self.0.seed_dir)?;
        let _writing = self.writer()?;
        let report = self.change(|| self.0.store.apply_seed(&seed))?;
        log_report(&report);
        Ok(report)
    }

    /// Makes an editor's change (`actor` is the token's name, `operation` the mutation's), and
    /// answers once it is durable: committed in one transaction and flushed to disk.
    pub async fn edit(
        &self,
        actor: &str,
        operation: &str,
        change: editing::Change,
    ) -> Result<Edited, EditError> {
        let catalog = self.clone();
        let (actor, operation) = (actor.to_string(), operation.to_string());
        // In the request's span, so that what the edit logs carries the request's id.
        let span = tracing::Span::current();
        tokio::task::spawn_blocking(move || span.in_scope(|| catalog.edit_now(&actor, &operation, &change)))
            .await
            .map_err(|e| EditError::Store(StoreError::BadKey(format!("edit task failed: {e}"))))?
    }

    fn edit_now(&self, actor: &str, operation: &str, change: &editing::Change) -> Result<Edited, EditError> {
        let _writing = self.writer()?;
        let store = &self.0.store;
        let mut version = 0;
        if let Some((id, expected)) = change.target() {
            if store.kind_of(id)? != Some(change.kind()) {
                return Err(EditError::NotFound(change.kind(), id));
            }
            version = store.version(id)?;
            if version != expected {
                return Err(EditError::StaleVersion { expected, actual: version });
            }
        }
        let plan = editing::plan(&store.content()?, change)?;
        let report = self.change(|| store.commit(&plan.content, Origin::Editor { actor, operation }))?;
        let entity = plan.content.entity(plan.id);
        let version = report.versions.get(&plan.id).copied().unwrap_or(version);
        let version = if entity.is_some() { version } else { 0 };
        Ok(Edited { entity, version, revision: report.revision, detached: plan.detached })
    }

    /// Writes a backup of the store into `dir` (created when missing) while serving: changes
    /// wait until it is written, so it holds one revision.
    pub fn backup_into(&self, dir: &Path) -> anyhow::Result<BackupInfo> {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        let _writing = self.writer()?;
        let revision = self.0.store.revision()?;
        let stamp =
            humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string().replace(':', "");
        let path = dir.join(format!("scs-series-r{revision}-{stamp}.backup"));
        let info = self.0.store.backup(&path)?;
        tracing::info!(path = %info.path.display(), bytes = info.bytes, revision, "backup written");
        Ok(info)
    }

    /// Makes a change to the store (the caller holds the writer lock): readers see a change
    /// under way until the search index is in step and the store is flushed, and only then do
    /// live subscribers hear of it.
    ///
    /// The flush is sled's blocking `flush` (callers are on blocking threads), not
    /// `flush_async`: concurrent `flush_async` calls can hang in sled 0.34.7 (sled issue 1308).
    fn change(&self, write: impl FnOnce() -> Result<Report, StoreError>) -> Result<Report, StoreError> {
        let changing = Changing::begin(&self.0);
        let report = write().and_then(|report| {
            self.refresh_search(&report);
            self.0.store.flush().map(|()| report)
        });
        if report.is_err() {
            // A failure after the commit (the flush) must not leave search behind the store.
            self.rebuild_search();
        }
        drop(changing);
        let report = report?;
        self.publish(&report.changes);
        Ok(report)
    }

    /// The current content's revision, or `None` while a change is under way or when the store
    /// cannot say.
    pub fn snapshot(&self) -> Option<Snapshot> {
        let generation = self.0.generation.load(Ordering::SeqCst);
        if generation % 2 == 1 {
            return None;
        }
        let cached = self.0.stamp.read().unwrap_or_else(|p| p.into_inner()).clone();
        // The store could not be read when the change ended: ask it again, this request only.
        let stamp = cached.or_else(|| Stamp::read(&self.0.store))?;
        // A change that began meanwhile may have replaced the stamp read.
        if self.0.generation.load(Ordering::SeqCst) != generation {
            return None;
        }
        let Stamp { revision, seed_digest } = stamp;
        Some(Snapshot { generation, store_id: self.0.store_id, revision, seed_digest })
    }

    /// Brings the search index in step with what `report` changed; should that fail, rebuilds
    /// it whole, so one failure cannot leave entities stale until the next restart.
    fn refresh_search(&self, report: &Report) {
        let ids: Vec<_> = report.changes.iter().map(|c| c.id).collect();
        if let Err(e) = self.0.search.refresh(&self.0.store, &ids) {
            tracing::error!("search index refresh failed ({e}); rebuilding it");
            self.rebuild_search();
        }
    }

    fn rebuild_search(&self) {
        if let Err(e) = self.0.search.rebuild(&self.0.store) {
            tracing::error!("search index rebuild failed: {e}; search may be stale until restart");
        }
    }

    /// Every change committed from now on, in sequence order.
    pub fn subscribe(&self) -> broadcast::Receiver<Change> {
        self.0.feed.subscribe()
    }

    fn publish(&self, changes: &[Change]) {
        for change in changes {
            // No subscriber is not an error: the change is in the log for the next sync.
            let _ = self.0.feed.send(change.clone());
        }
    }
}

/// What an editor's change left.
#[derive(Debug, Clone)]
pub struct Edited {
    /// The entity as it now is; `None` once deleted.
    pub entity: Option<Entity>,
    pub version: u64,
    /// The store's revision after the change.
    pub revision: u64,
    /// What a forced delete detached.
    pub detached: Vec<Reference>,
}

/// Marks a change under way: the generation is odd from `begin` until the guard is dropped,
/// even when the change panics, so the parity always tells readers the truth; and before it
/// turns even, the revision readers are given is read back from the store, whatever the
/// change left (committed, failed or cut short by a panic).
struct Changing<'a>(&'a Parts);

impl<'a> Changing<'a> {
    fn begin(parts: &'a Parts) -> Changing<'a> {
        parts.generation.fetch_add(1, Ordering::SeqCst);
        Changing(parts)
    }
}

impl Drop for Changing<'_> {
    fn drop(&mut self) {
        *self.0.stamp.write().unwrap_or_else(|p| p.into_inner()) = Stamp::read(&self.0.store);
        self.0.generation.fetch_add(1, Ordering::SeqCst);
    }
}

fn log_report(r: &Report) {
    if r.unchanged {
        tracing::info!(revision = r.revision, "seed unchanged; store left as it is");
        return;
    }
    tracing::info!(
        revision = r.revision,
        added = r.added.len(),
        changed = r.changed.len(),
        removed = r.removed.len(),
        "seed applied"
    );
    for (what, list) in [("added", &r.added), ("changed", &r.changed), ("removed", &r.removed)] {
        if !list.is_empty() {
            tracing::info!("seed {what}: {}", listed(list));
        }
    }
    for (kind, slug) in &r.kept_edits {
        tracing::warn!(
            "{}/{slug} was edited through the API and the seed changed it too: the edit was kept \
             (`scs-series export` writes the edited state, to bring the seed up to date)",
            kind.name()
        );
    }
}

/// The entities a seed change names, the first [`LISTED`] of them: a log line, not a dump
/// (a first seed of 100,000 items made a line of 2.6 MB).
fn listed(entities: &[(Kind, Slug)]) -> String {
    let mut text =
        entities.iter().take(LISTED).map(|(k, s)| format!("{}/{s}", k.name())).collect::<Vec<_>>().join(", ");
    if entities.len() > LISTED {
        text.push_str(&format!(" and {} more", entities.len() - LISTED));
    }
    text
}

const LISTED: usize = 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_seed_change_is_listed_in_part() -> anyhow::Result<()> {
        let slugs = (0..25)
            .map(|n| Ok((Kind::Event, Slug::parse(&format!("e-{n}"))?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let text = listed(&slugs);
        assert!(text.starts_with("event/e-0, event/e-1, "), "{text}");
        assert!(text.ends_with("event/e-19 and 5 more"), "{text}");
        assert_eq!(listed(&slugs[..2]), "event/e-0, event/e-1");
        Ok(())
    }

    /// A catalog of the real seed in a temporary folder (kept while it is held), and its
    /// first snapshot.
    fn seeded() -> anyhow::Result<(tempfile::TempDir, Catalog, Snapshot)> {
        let dir = tempfile::tempdir()?;
        let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("seed");
        let catalog = Catalog::open(&dir.path().join("store"), &seed)?;
        let before = catalog.snapshot().ok_or_else(|| anyhow::anyhow!("settled at start"))?;
        Ok((dir, catalog, before))
    }

    #[test]
    fn no_snapshot_while_a_change_is_under_way() -> anyhow::Result<()> {
        let (_dir, catalog, before) = seeded()?;
        let changing = Changing::begin(&catalog.0);
        assert_eq!(catalog.snapshot(), None, "readers cannot vouch for what they read");
        drop(changing);
        let after = catalog.snapshot().ok_or_else(|| anyhow::anyhow!("settled again"))?;
        assert_eq!(after.revision, before.revision);
        assert_ne!(after, before, "a reader that straddled the change sees a different snapshot");
        Ok(())
    }

    #[test]
    fn a_change_cut_short_by_a_panic_still_gives_readers_the_stored_revision() -> anyhow::Result<()> {
        let (_dir, catalog, before) = seeded()?;
        let mut content = catalog.store().content()?;
        content.people[0].name.push_str(" (renamed)");
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _changing = Changing::begin(&catalog.0);
            let origin = Origin::Editor { actor: "test", operation: "rename" };
            if catalog.store().commit(&content, origin).is_ok() {
                panic!("after the commit, before the change ends");
            }
        }));
        assert!(panicked.is_err(), "the commit went through and the change panicked");
        let stored = catalog.store().revision()?;
        assert!(stored > before.revision);
        let after = catalog.snapshot().ok_or_else(|| anyhow::anyhow!("settled after the panic"))?;
        assert_eq!(after.revision, stored, "not the revision from before the change");
        Ok(())
    }
}
