//! Decoded entities, kept with the stored bytes they were decoded from.
//!
//! Reading an entity is a sled lookup and a JSON decode, and the decode is the larger part
//! (15% of a cold `person` query's CPU). This cache is a memo of the decode: an entry is used
//! only when the bytes just read from the store are the very bytes it was decoded from. So it
//! can never hand out anything the store does not hold, whatever wrote the store and however
//! (an edit, a seed reload, a restore), and it needs no invalidation.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, PoisonError};

use lru::LruCache;
use sled::IVec;
use uuid::Uuid;

use crate::domain::{Entity, Kind};

/// Entries kept unless configured otherwise: the seed many times over, and about 30 MB at
/// the size of a large store's entities.
pub const DEFAULT_ENTRIES: usize = 10_000;

/// The cache; `None` inside when switched off (size 0).
pub struct Decoded(Mutex<Option<Kept>>);

/// Each entity by kind and id, with the bytes it was decoded from. Shared, so that the lock is
/// held for a pointer's copy, and entities are copied for their callers after it.
type Kept = LruCache<(Kind, Uuid), (IVec, Arc<Entity>)>;

impl Decoded {
    /// A cache of at most `entries` entities (`0`: none).
    pub fn new(entries: usize) -> Decoded {
        Decoded(Mutex::new(NonZeroUsize::new(entries).map(LruCache::new)))
    }

    /// Sets the most entries kept (`0`: none; fewer drops the least recently used).
    pub fn resize(&self, entries: usize) {
        let mut cache = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match (NonZeroUsize::new(entries), cache.as_mut()) {
            (None, _) => *cache = None,
            (Some(size), Some(kept)) => kept.resize(size),
            (Some(size), None) => *cache = Some(LruCache::new(size)),
        }
    }

    /// The entity `bytes` (read for `kind` and `id`) decode to, from the cache when they are
    /// the bytes it was decoded from, else by `decode` (and then kept).
    pub fn get_or_decode<E>(
        &self,
        kind: Kind,
        id: Uuid,
        bytes: IVec,
        decode: impl FnOnce(&[u8]) -> Result<Entity, E>,
    ) -> Result<Entity, E> {
        let found = match self.0.lock().unwrap_or_else(PoisonError::into_inner).as_mut() {
            None => return decode(&bytes),
            Some(cache) => cache.get(&(kind, id)).filter(|(kept, _)| *kept == bytes).map(|(_, e)| e.clone()),
        };
        if let Some(entity) = found {
            return Ok(Entity::clone(&entity));
        }
        let entity = decode(&bytes)?;
        let kept = (bytes, Arc::new(entity.clone()));
        // What the cache pushes out is dropped after the lock is released.
        let _pushed_out = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_mut()
            .and_then(|cache| cache.push((kind, id), kept));
        Ok(entity)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::domain::{Series, Slug};

    fn series(title: &str) -> Entity {
        Entity::Series(Series {
            id: Uuid::nil(),
            slug: Slug::parse("series").expect("a slug"),
            title: title.into(),
            subtitle: None,
            publisher: None,
            url: None,
            intro: None,
            hero_image: None,
        })
    }

    /// Reads `bytes` through the cache, decoding them as a series titled with their text, and
    /// counts the decodes in `decodes`.
    fn read(cache: &Decoded, bytes: &[u8], decodes: &Cell<u32>) -> Entity {
        let decode = |b: &[u8]| -> Result<Entity, ()> {
            decodes.set(decodes.get() + 1);
            Ok(series(std::str::from_utf8(b).expect("text")))
        };
        cache.get_or_decode(Kind::Series, Uuid::nil(), IVec::from(bytes), decode).expect("decoded")
    }

    #[test]
    fn kept_only_while_the_stored_bytes_are_the_same() {
        let cache = Decoded::new(10);
        let decodes = Cell::new(0);
        assert_eq!(read(&cache, b"one", &decodes), series("one"));
        assert_eq!(read(&cache, b"one", &decodes), series("one"));
        assert_eq!(decodes.get(), 1, "the same bytes are not decoded again");
        assert_eq!(read(&cache, b"two", &decodes), series("two"), "other bytes: never the kept entity");
        assert_eq!(decodes.get(), 2);
        assert_eq!(read(&cache, b"two", &decodes), series("two"));
        assert_eq!(decodes.get(), 2);
    }

    #[test]
    fn size_zero_keeps_nothing_and_a_resize_takes_effect() {
        let cache = Decoded::new(0);
        let decodes = Cell::new(0);
        read(&cache, b"one", &decodes);
        read(&cache, b"one", &decodes);
        assert_eq!(decodes.get(), 2);
        cache.resize(5);
        read(&cache, b"one", &decodes);
        read(&cache, b"one", &decodes);
        assert_eq!(decodes.get(), 3);
        cache.resize(0);
        read(&cache, b"one", &decodes);
        assert_eq!(decodes.get(), 4);
    }
}
