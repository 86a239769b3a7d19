//! Relay-style pages read from an index range: the cost grows with the page, not the store.

use std::ops::Bound;

use uuid::Uuid;

use super::keys::{id_of_order, IndexTree};
use super::{bad_key, Store, StoreError};
use crate::domain::Kind;

/// Which slice of a range to read. Cursors are order suffixes (see [`super::keys`]).
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub first: Option<usize>,
    pub last: Option<usize>,
    pub after: Option<Vec<u8>>,
    pub before: Option<Vec<u8>>,
    /// Whether to count the whole range (it costs a walk over its keys).
    pub count: bool,
}

/// One page of entries, in list order.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    /// `(cursor, kind, id)` of each entry.
    pub entries: Vec<Entry>,
    pub has_next: bool,
    pub has_previous: bool,
    /// How many entries the whole filtered range holds; 0 unless counting was asked for.
    pub total: u64,
}

/// Page size when the client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: usize = 20;

impl Store {
    /// Reads a page of the range `prefix` of `tree`. Each of `also` is a further prefix in the
    /// person index that an entry's order suffix must also be under (a second person filter):
    /// a point lookup per entry, never a scan.
    pub fn page(
        &self,
        tree: IndexTree,
        prefix: &[u8],
        also: &[Vec<u8>],
        req: &PageRequest,
    ) -> Result<Page, StoreError> {
        let index = self.index_tree(tree);
        let person_index = self.index_tree(IndexTree::Person);
        let with_prefix = |suffix: &[u8]| [prefix, suffix].concat();
        let upper_of_prefix = upper_bound(prefix);
        let lower = match &req.after {
            Some(a) => Bound::Excluded(with_prefix(a)),
            None => Bound::Included(prefix.to_vec()),
        };
        let upper = match &req.before {
            Some(b) => Bound::Excluded(with_prefix(b)),
            None => upper_of_prefix.clone(),
        };
        let matches = |order: &[u8]| -> Result<bool, StoreError> {
            for p in also {
                if !person_index.contains_key([p.as_slice(), order].concat())? {
                    return Ok(false);
                }
            }
            Ok(true)
        };
        let entry = |kv: sled::Result<(sled::IVec, sled::IVec)>| -> Result<Option<Entry>, StoreError> {
            let (key, value) = kv?;
            let order = key.get(prefix.len()..).ok_or_else(|| bad_key("index key"))?;
            if !matches(order)? {
                return Ok(None);
            }
            let kind = value.first().and_then(|t| Kind::from_tag(*t)).ok_or_else(|| bad_key("index kind"))?;
            let id = id_of_order(order).ok_or_else(|| bad_key("index id"))?;
            Ok(Some((order.to_vec(), kind, id)))
        };
        let range = || index.range::<Vec<u8>, _>((lower.clone(), upper.clone()));

        let (entries, has_next, has_previous) = match (req.first, req.last) {
            (first, None) => {
                let (entries, more) = take(range(), first.unwrap_or(DEFAULT_PAGE_SIZE), &entry)?;
                let before_exists = match &req.after {
                    Some(a) => self.any_in(
                        index,
                        (Bound::Included(prefix.to_vec()), Bound::Included(with_prefix(a))),
                        &entry,
                    )?,
                    None => false,
                };
                (entries, more, before_exists)
            }
            (None, Some(n)) => {
                let (mut entries, more) = take(range().rev(), n, &entry)?;
                entries.reverse();
                let after_exists = match &req.before {
                    Some(b) => self.any_in(
                        index,
                        (Bound::Included(with_prefix(b)), upper_of_prefix.clone()),
                        &entry,
                    )?,
                    None => false,
                };
                (entries, after_exists, more)
            }
            (Some(_), Some(_)) => return Err(StoreError::BadKey("first and last together".into())),
        };
        let mut total = 0;
        for kv in index.scan_prefix(prefix).take_while(|_| req.count) {
            if also.is_empty() {
                kv?;
                total += 1;
            } else if entry(kv)?.is_some() {
                total += 1;
            }
        }
        Ok(Page { entries, has_next, has_previous, total })
    }

    fn any_in<F>(
        &self,
        index: &sled::Tree,
        range: (Bound<Vec<u8>>, Bound<Vec<u8>>),
        entry: &F,
    ) -> Result<bool, StoreError>
    where
        F: Fn(sled::Result<(sled::IVec, sled::IVec)>) -> Result<Option<Entry>, StoreError>,
    {
        for kv in index.range::<Vec<u8>, _>(range) {
            if entry(kv)?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

type Entry = (Vec<u8>, Kind, Uuid);

/// The first `n` matching entries of `iter`, and whether there are more.
fn take<I, F>(iter: I, n: usize, entry: &F) -> Result<(Vec<Entry>, bool), StoreError>
where
    I: Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>,
    F: Fn(sled::Result<(sled::IVec, sled::IVec)>) -> Result<Option<Entry>, StoreError>,
{
    let mut entries = Vec::with_capacity(n + 1);
    for kv in iter {
        if entries.len() > n {
            break;
        }
        if let Some(e) = entry(kv)? {
            entries.push(e);
        }
    }
    let more = entries.len() > n;
    entries.truncate(n);
    Ok((entries, more))
}

/// The exclusive upper bound of all keys starting with `prefix`.
fn upper_bound(prefix: &[u8]) -> Bound<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Bound::Excluded(end);
        }
    }
    Bound::Unbounded
}
