//! Validation results of requests seen before, so a request sent again is not validated again.
//!
//! What a request's validation finds depends on its query text, operation name and variables
//! (argument types and costs read the variables) and on the schema, never on the store: no
//! write invalidates an entry. Only what the engine's validation accepts is kept; the limits
//! are checked against a kept result every time (see `guard`). The response cache answers a repeated
//! request before it gets here; this one serves what that one cannot: the same request after a
//! write (every answer's key changes), an answer evicted, or one never cached (a token's).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use async_graphql::ValidationResult;

use crate::bounded::Bounded;

/// The bounded cache, shared by every request.
pub struct Validated {
    results: Bounded<[u8; 32], ValidationResult>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Validated {
    /// A cache of at most `entries` results (least recently used go first); 0: none.
    pub fn new(entries: usize) -> Validated {
        Validated { results: Bounded::new(entries), hits: AtomicU64::new(0), misses: AtomicU64::new(0) }
    }

    fn get(&self, key: &[u8; 32]) -> Option<ValidationResult> {
        if !self.results.is_on() {
            return None;
        }
        let found = self.results.get(key);
        let counter = if found.is_some() { &self.hits } else { &self.misses };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    fn put(&self, key: [u8; 32], result: ValidationResult) {
        self.results.put(key, result);
    }

    /// Whether results are kept at all (a size of 0 keeps none).
    pub fn is_on(&self) -> bool {
        self.results.is_on()
    }

    /// Lookups so far: (hits, misses).
    pub fn lookups(&self) -> (u64, u64) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }
}

/// A request's place in [`Validated`], put in its data by the HTTP layer: `key` is a digest of
/// its query text, operation name and variables. A request without one is always validated.
#[derive(Clone)]
pub struct ValidationKey {
    pub cache: Arc<Validated>,
    pub key: [u8; 32],
}

impl ValidationKey {
    /// The result validating this request found before.
    pub(super) fn known(&self) -> Option<ValidationResult> {
        self.cache.get(&self.key)
    }

    /// Keeps what validating this request found.
    pub(super) fn keep(&self, result: ValidationResult) {
        self.cache.put(self.key, result);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(complexity: usize) -> ValidationResult {
        ValidationResult { cache_control: Default::default(), complexity, depth: 1 }
    }

    #[test]
    fn results_are_bounded_counted_and_off_at_zero() {
        let cache = Arc::new(Validated::new(1));
        let (a, b) =
            (ValidationKey { cache: cache.clone(), key: [1; 32] }, ValidationKey { cache, key: [2; 32] });
        assert!(a.known().is_none());
        a.keep(result(7));
        assert_eq!(a.known().map(|r| r.complexity), Some(7));
        b.keep(result(9));
        assert!(a.known().is_none(), "one entry: the older one went");
        assert_eq!(b.known().map(|r| r.complexity), Some(9));
        assert_eq!(a.cache.lookups(), (2, 2));

        let off = ValidationKey { cache: Arc::new(Validated::new(0)), key: [1; 32] };
        off.keep(result(7));
        assert!(off.known().is_none());
        assert_eq!(off.cache.lookups(), (0, 0), "no cache, no lookups");
    }
}
