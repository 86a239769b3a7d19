//! The response cache: query answers kept by ETag, so a repeated query is answered without
//! running it (the warm path).
//!
//! The ETag already names everything an answer depends on: the server, the store's id and
//! revision, the query, its operation and variables (see [`super::caching`]). So an entry can
//! never be served for another revision: a write changes every key. Entries of an older
//! revision are dropped as soon as an answer of a newer one is stored, and the cache is bounded
//! by bytes, least recently used first out.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use lru::LruCache;

/// Answers larger than this share of the budget are not kept: one must not evict everything.
const LARGEST_SHARE: usize = 8;

pub struct AnswerCache {
    /// `None` when the budget is 0 (switched off).
    inner: Option<Mutex<Inner>>,
    budget: usize,
}

struct Inner {
    /// ETag → (answer, the operation's name, for the metrics of a hit).
    entries: LruCache<String, (Bytes, Arc<str>)>,
    bytes: usize,
    /// The revision (and store) the entries belong to.
    revision: Option<(uuid::Uuid, u64)>,
}

impl AnswerCache {
    /// A cache holding at most `budget` bytes of answers; 0 switches it off.
    pub fn new(budget: usize) -> AnswerCache {
        let inner = (budget > 0)
            .then(|| Mutex::new(Inner { entries: LruCache::unbounded(), bytes: 0, revision: None }));
        AnswerCache { inner, budget }
    }

    /// The answer stored under `etag`, and its operation's name, if any.
    pub fn get(&self, etag: &str) -> Option<(Bytes, Arc<str>)> {
        let mut inner = self.inner.as_ref()?.lock().unwrap_or_else(|p| p.into_inner());
        inner.entries.get(etag).cloned()
    }

    /// Keeps `body`, the answer to `operation`, as the one named `etag`, read at `revision` of
    /// the store `store`.
    pub fn put(&self, etag: &str, (store, revision): (uuid::Uuid, u64), body: Bytes, operation: &str) {
        let Some(inner) = &self.inner else { return };
        let size = etag.len() + body.len() + operation.len();
        if size > self.budget / LARGEST_SHARE {
            return;
        }
        let mut inner = inner.lock().unwrap_or_else(|p| p.into_inner());
        match inner.revision {
            // An answer from before a change that is already stored would be dead weight.
            Some(current) if current.0 == store && current.1 > revision => return,
            Some(current) if current == (store, revision) => {}
            _ => {
                inner.entries.clear();
                inner.bytes = 0;
                inner.revision = Some((store, revision));
            }
        }
        if let Some(old) = inner.entries.put(etag.to_string(), (body, operation.into())) {
            inner.bytes -= etag.len() + old.0.len() + old.1.len();
        }
        inner.bytes += size;
        while inner.bytes > self.budget {
            match inner.entries.pop_lru() {
                Some((key, old)) => inner.bytes -= key.len() + old.0.len() + old.1.len(),
                None => break,
            }
        }
    }

    /// How many answers and bytes it holds.
    pub fn usage(&self) -> (usize, usize) {
        match &self.inner {
            Some(inner) => {
                let inner = inner.lock().unwrap_or_else(|p| p.into_inner());
                (inner.entries.len(), inner.bytes)
            }
            None => (0, 0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(n: usize) -> Bytes {
        Bytes::from(vec![b'x'; n])
    }

    #[test]
    fn keeps_answers_within_its_budget_least_recently_used_first_out() {
        let store = uuid::Uuid::nil();
        let cache = AnswerCache::new(8 * 100);
        cache.put("a", (store, 1), body(98), "q");
        cache.put("b", (store, 1), body(98), "q");
        assert!(cache.get("a").is_some());
        for n in 0..7 {
            cache.put(&format!("c{n}"), (store, 1), body(97), "q");
        }
        assert!(cache.get("a").is_some(), "used recently, so kept");
        assert!(cache.get("b").is_none(), "least recently used, so dropped");
        assert!(cache.usage().1 <= 800);
        cache.put("huge", (store, 1), body(200), "q");
        assert!(cache.get("huge").is_none(), "over an eighth of the budget");
    }

    #[test]
    fn a_newer_revision_drops_the_older_answers() {
        let store = uuid::Uuid::nil();
        let cache = AnswerCache::new(10_000);
        cache.put("a", (store, 1), body(10), "q");
        cache.put("b", (store, 2), body(10), "q");
        assert!(cache.get("a").is_none());
        assert!(cache.get("b").is_some());
        cache.put("late", (store, 1), body(10), "q");
        assert!(cache.get("late").is_none(), "an answer from before the change is not kept");
        let off = AnswerCache::new(0);
        off.put("a", (store, 1), body(10), "q");
        assert!(off.get("a").is_none());
    }
}
