//! Counters of index ranges, so the `totalCount` of a list filtered by year, person or both is
//! one read instead of a walk over the whole range.
//!
//! Tree `idx_counts`: `[index tree][prefix]` → how many keys that index tree holds under that
//! prefix (u64, big-endian), for every prefix a list reads: `[scope]`, `[scope][year]`,
//! `[scope][person]` and `[scope][person][year]` (see [`super::keys::prefix`]). The counters
//! change in the same transaction as the keys they count; a store from before them gets them
//! counted once, when it is opened.

use std::collections::BTreeMap;

use super::keys::IndexTree;
use super::writes::{WriteResult, Writes};
use super::{be_u64, Store, StoreError};

/// Set in `meta` once the counters are complete.
const COUNTS_READY: &[u8] = b"counts_ready";

/// The length of the prefix a key of `tree` is counted under.
fn prefix_len(tree: IndexTree) -> usize {
    match tree {
        IndexTree::Kind => 1,
        IndexTree::Year => 1 + 2,
        IndexTree::Person => 1 + 16,
        IndexTree::PersonYear => 1 + 16 + 2,
    }
}

/// The counter a key of `tree` counts towards.
fn counter_of(tree: IndexTree, key: &[u8]) -> Option<Vec<u8>> {
    key.get(..prefix_len(tree)).map(|prefix| [&[tree.tag()], prefix].concat())
}

/// The net change of each counter a transaction makes.
#[derive(Debug, Default)]
pub(super) struct Deltas(BTreeMap<Vec<u8>, i64>);

impl Deltas {
    pub(super) fn add(&mut self, tree: IndexTree, key: &[u8], by: i64) {
        if let Some(counter) = counter_of(tree, key) {
            *self.0.entry(counter).or_default() += by;
        }
    }

    /// Writes the changes into `counts`, with the chunk's other writes; a counter at 0 is
    /// removed.
    pub(super) fn apply(&self, counts: &impl Writes) -> WriteResult {
        for (counter, delta) in self.0.iter().filter(|(_, d)| **d != 0) {
            let now = counts.get(counter)?.map_or(0, |v| be_u64(&v));
            let next = now.saturating_add_signed(*delta);
            if next == 0 {
                counts.remove(counter.as_slice())?;
            } else {
                counts.insert(counter.as_slice(), &next.to_be_bytes())?;
            }
        }
        Ok(())
    }
}

impl Store {
    /// How many keys `tree` holds under `prefix`; `None` when the prefix is not one that is
    /// counted (the caller then walks the range).
    pub(super) fn count(&self, tree: IndexTree, prefix: &[u8]) -> Result<Option<u64>, StoreError> {
        if prefix.len() != prefix_len(tree) {
            return Ok(None);
        }
        let counter = [&[tree.tag()], prefix].concat();
        Ok(Some(self.counts.get(counter)?.map_or(0, |v| be_u64(&v))))
    }

    /// Counts every index key from scratch, for a store from before the counters.
    pub(super) fn ensure_counts(&self) -> Result<(), StoreError> {
        if self.meta.contains_key(COUNTS_READY)? {
            return Ok(());
        }
        self.counts.clear()?;
        let mut batch = sled::Batch::default();
        for (counter, n) in self.count_index_keys()? {
            batch.insert(counter, &n.to_be_bytes());
        }
        self.counts.apply_batch(batch)?;
        self.meta.insert(COUNTS_READY, &[1])?;
        self.flush()
    }

    /// Every counter as the index trees say it should be.
    fn count_index_keys(&self) -> Result<BTreeMap<Vec<u8>, u64>, StoreError> {
        let mut out: BTreeMap<Vec<u8>, u64> = BTreeMap::new();
        for tree in IndexTree::ALL {
            for key in self.index_tree(tree).iter().keys() {
                if let Some(counter) = counter_of(tree, &key?) {
                    *out.entry(counter).or_default() += 1;
                }
            }
        }
        Ok(out)
    }

    /// For `check-store`: every counter that differs from its index range.
    pub(super) fn wrong_counts(&self) -> Result<Vec<String>, StoreError> {
        let expected = self.count_index_keys()?;
        let mut stored = BTreeMap::new();
        for entry in self.counts.iter() {
            let (counter, n) = entry?;
            stored.insert(counter.to_vec(), be_u64(&n));
        }
        let mut problems = Vec::new();
        for counter in expected.keys().chain(stored.keys()).collect::<std::collections::BTreeSet<_>>() {
            let (want, have) =
                (expected.get(counter).copied().unwrap_or(0), stored.get(counter).copied().unwrap_or(0));
            if want != have {
                problems.push(format!(
                    "idx_counts: the counter {counter:02x?} says {have}, its range holds {want}"
                ));
            }
        }
        Ok(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::generate::{self, Shape};
    use crate::store::Origin;

    #[test]
    fn counters_match_their_ranges_are_checked_and_are_rebuilt_when_missing() -> anyhow::Result<()> {
        let content = generate::content(Shape { items: 300, people: 20, seed: 3 })?;
        let dir = tempfile::tempdir()?;
        let store = Store::open(dir.path())?;
        store.commit(&content, Origin::Seed { digest: "d", settled: &[] })?;
        assert_eq!(store.wrong_counts()?, Vec::<String>::new());
        let all_interviews = [crate::domain::Kind::Interview.tag()];
        let walked = store.index_tree(IndexTree::Kind).scan_prefix(all_interviews).count() as u64;
        assert_eq!(store.count(IndexTree::Kind, &all_interviews)?, Some(walked));
        assert!(walked > 0);

        // A counter gone wrong is found; a store without counters gets them counted at open.
        let counter = [&[IndexTree::Kind.tag()], &all_interviews[..]].concat();
        store.counts.insert(counter, &1u64.to_be_bytes())?;
        assert_eq!(store.wrong_counts()?.len(), 1);
        store.meta.remove(COUNTS_READY)?;
        store.flush()?;
        drop(store);
        let store = Store::open(dir.path())?;
        assert_eq!(store.wrong_counts()?, Vec::<String>::new());
        assert_eq!(store.count(IndexTree::Kind, &all_interviews)?, Some(walked));
        Ok(())
    }
}
