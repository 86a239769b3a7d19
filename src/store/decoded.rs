//! Decoded entities, kept with the stored bytes they were decoded from.
//!
//! Reading an entity is a sled lookup and a JSON decode, and the decode is the larger part
//! (15% of a cold `person` query's CPU). This cache is a memo of the decode: an entry is used
//! only when the bytes just read from the store are the very bytes it was decoded from. So it
//! can never hand out anything the store does not hold, whatever wrote the store and however
//! (an edit, a seed reload, a restore), and it needs no invalidation.

use std::sync::Arc;

use sled::IVec;
use uuid::Uuid;

use crate::bounded::Bounded;
use crate::domain::{Entity, Kind};

/// Entries kept unless configured otherwise: the seed many times over, and about 30 MB at
/// the size of a large store's entities.
pub const DEFAULT_ENTRIES: usize = 10_000;

/// Each entity by kind and id, with the bytes it was decoded from. Shared, so that the lock is
/// held for a pointer's copy, and entities are copied for their callers after it.
pub struct Decoded(Bounded<(Kind, Uuid), (IVec, Arc<Entity>)>);

impl Decoded {
    /// A cache of at most `entries` entities (`0`: none).
    pub fn new(entries: usize) -> Decoded {
        Decoded(Bounded::new(entries))
    }

    /// Sets the most entries kept (`0`: none; fewer drops the least recently used).
    pub fn resize(&self, entries: usize) {
        self.0.resize(entries);
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
        if !self.0.is_on() {
            return decode(&bytes);
        }
        if let Some((kept, entity)) = self.0.get(&(kind, id)) {
            if kept == bytes {
                return Ok(Entity::clone(&entity));
            }
        }
        let entity = decode(&bytes)?;
        // What the cache pushes out is dropped here, after its lock.
        let _pushed_out = self.0.put((kind, id), (bytes, Arc::new(entity.clone())));
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
