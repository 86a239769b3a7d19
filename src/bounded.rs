//! The shape of every in-memory cache here (parsed documents, APQ texts, validation results,
//! decoded entities): at most so many entries, the least recently used out first, behind a
//! lock, and off at size 0.

use std::borrow::Borrow;
use std::hash::Hash;
use std::num::NonZeroUsize;
use std::sync::{Mutex, MutexGuard, PoisonError};

use lru::LruCache;

/// A bounded cache shared by every request (`None` inside when off).
pub struct Bounded<K: Hash + Eq, V>(Mutex<Option<LruCache<K, V>>>);

impl<K: Hash + Eq, V: Clone> Bounded<K, V> {
    /// A cache of at most `entries` entries; 0: none.
    pub fn new(entries: usize) -> Self {
        Bounded(Mutex::new(NonZeroUsize::new(entries).map(LruCache::new)))
    }

    /// Whether entries are kept at all.
    pub fn is_on(&self) -> bool {
        self.lock().is_some()
    }

    /// A copy of the entry for `key`, now the most recently used.
    pub fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lock().as_mut()?.get(key).cloned()
    }

    /// Keeps `value` for `key`; returns the entry that made room (or was replaced), to be
    /// dropped by the caller, after the lock.
    pub fn put(&self, key: K, value: V) -> Option<(K, V)> {
        self.lock().as_mut()?.push(key, value)
    }

    /// Sets the most entries kept (0: none; fewer drops the least recently used).
    pub fn resize(&self, entries: usize) {
        let mut cache = self.lock();
        match (NonZeroUsize::new(entries), cache.as_mut()) {
            (None, _) => *cache = None,
            (Some(size), Some(kept)) => kept.resize(size),
            (Some(size), None) => *cache = Some(LruCache::new(size)),
        }
    }

    /// How many entries are kept.
    #[cfg(test)]
    pub fn entries(&self) -> usize {
        self.lock().as_ref().map_or(0, LruCache::len)
    }

    /// Whether `key` has an entry (without making it the most recently used).
    #[cfg(test)]
    pub fn contains<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.lock().as_ref().is_some_and(|cache| cache.contains(key))
    }

    fn lock(&self) -> MutexGuard<'_, Option<LruCache<K, V>>> {
        // A panic while the lock was held leaves entries, never a broken invariant: carry on.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_off_at_zero_and_resizable() {
        let cache = Bounded::<String, u32>::new(1);
        assert!(cache.is_on());
        assert_eq!(cache.put("a".into(), 1), None);
        assert_eq!(cache.get("a"), Some(1));
        assert_eq!(cache.put("b".into(), 2), Some(("a".into(), 1)), "one entry: the older one went");
        assert_eq!(cache.get("a"), None);
        cache.resize(0);
        assert!(!cache.is_on());
        assert_eq!(cache.put("c".into(), 3), None);
        assert_eq!(cache.get("c"), None);
        cache.resize(2);
        cache.put("c".into(), 3);
        assert_eq!(cache.get("c"), Some(3));
    }
}
