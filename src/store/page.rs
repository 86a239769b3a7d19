//! Relay-style pages of a list: read from an index range, so the cost grows with the page, not
//! the store; or, for an order no index holds, from the range sorted in memory.

use std::collections::BTreeMap;
use std::ops::Bound;

use uuid::Uuid;

use super::filter::{sort_key, ItemFilter, ListOrder};
use super::keys::{id_of_order, IndexTree};
use super::{bad_key, Entity, Store, StoreError};
use crate::domain::Kind;

/// Which slice of a list to read. Cursors are order keys (see [`super::keys`]).
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    pub first: Option<usize>,
    pub last: Option<usize>,
    pub after: Option<Vec<u8>>,
    pub before: Option<Vec<u8>>,
    /// Whether to count the whole filtered list (it costs a walk over its range).
    pub count: bool,
}

/// How a list's entries are selected and ordered.
#[derive(Debug, Clone)]
pub struct ListSpec<'a> {
    pub tree: IndexTree,
    /// The index range: `[scope][person?][year?]`.
    pub prefix: &'a [u8],
    /// Further (index tree, prefix) an entry's order key must also be under (a second person
    /// filter, or a year beside a person; see [`super::keys::ranges`]): a point lookup per
    /// entry, never a scan.
    pub also: &'a [(IndexTree, Vec<u8>)],
    pub filter: &'a ItemFilter,
    /// How to walk the index: in its order, or sorted by another key.
    pub walk: Walk,
}

/// How a list is walked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Walk {
    /// In index order.
    Index,
    /// The whole range sorted by [`sort_key`] in this order.
    Sorted(ListOrder),
}

/// One page of entries, in list order.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub entries: Vec<Entry>,
    pub has_next: bool,
    pub has_previous: bool,
    /// How many entries the whole filtered list holds; 0 unless counting was asked for.
    pub total: u64,
}

/// `(cursor, kind, id)` of a listed entity.
pub type Entry = (Vec<u8>, Kind, Uuid);

/// Page size when the client gives neither `first` nor `last`.
pub const DEFAULT_PAGE_SIZE: usize = 20;

type Range = (Bound<Vec<u8>>, Bound<Vec<u8>>);
type Entries<'a> = Box<dyn DoubleEndedIterator<Item = Result<Entry, StoreError>> + 'a>;

/// A list in some order, readable by key range: an index range or a sorted copy of one.
trait Ordered {
    /// The entries whose keys are within `range`, in list order, filtered.
    fn range(&self, range: Range) -> Entries<'_>;

    /// How many entries the whole list holds: a walk, unless a counter knows.
    fn total(&self) -> Result<u64, StoreError> {
        walk_count(self)
    }
}

impl Store {
    /// Reads one page of the list `spec`.
    pub fn page(&self, spec: &ListSpec<'_>, req: &PageRequest) -> Result<Page, StoreError> {
        if req.first.is_some() && req.last.is_some() {
            return Err(StoreError::BadKey("first and last together".into()));
        }
        match spec.walk {
            Walk::Index => page_of(&IndexRange { store: self, spec }, req),
            Walk::Sorted(order) => {
                // Every item is read once to sort it, so the item filters are checked on that
                // read rather than on one of their own; the index walk only checks kinds.
                let kinds_only = ItemFilter { kinds: spec.filter.kinds.clone(), ..ItemFilter::default() };
                let by_index = ListSpec { filter: &kinds_only, ..spec.clone() };
                let mut sorted = BTreeMap::new();
                for entry in
                    (IndexRange { store: self, spec: &by_index }).range((Bound::Unbounded, Bound::Unbounded))
                {
                    let (_, kind, id) = entry?;
                    if let Some(Entity::Item(item)) = self.entity_of(kind, id)? {
                        if spec.filter.keeps(&item) {
                            sorted.insert(sort_key(order, &item), (kind, id));
                        }
                    }
                }
                page_of(&Sorted(sorted), req)
            }
        }
    }
}

/// Pages through `list`: `first` entries after `after`, or `last` entries before `before`.
fn page_of(list: &dyn Ordered, req: &PageRequest) -> Result<Page, StoreError> {
    let lower = req.after.clone().map_or(Bound::Unbounded, Bound::Excluded);
    let upper = req.before.clone().map_or(Bound::Unbounded, Bound::Excluded);
    // `after` at or past `before` leaves nothing between them (and an inverted range is not
    // something to hand to a range read).
    let nothing_between = matches!((&req.after, &req.before), (Some(a), Some(b)) if a >= b);
    let window = || -> Entries<'_> {
        if nothing_between {
            Box::new(std::iter::empty())
        } else {
            list.range((lower.clone(), upper.clone()))
        }
    };
    let (entries, has_next, has_previous) = match req.last {
        None => {
            let n = req.first.unwrap_or(DEFAULT_PAGE_SIZE);
            let (entries, more) = take(window(), n)?;
            let earlier = match &req.after {
                Some(a) => list.range((Bound::Unbounded, Bound::Included(a.clone()))).next().transpose()?,
                None => None,
            };
            (entries, more, earlier.is_some())
        }
        Some(n) => {
            let (mut entries, more) = take(window().rev(), n)?;
            entries.reverse();
            let later = match &req.before {
                Some(b) => list.range((Bound::Included(b.clone()), Bound::Unbounded)).next().transpose()?,
                None => None,
            };
            (entries, later.is_some(), more)
        }
    };
    let total = if req.count { list.total()? } else { 0 };
    Ok(Page { entries, has_next, has_previous, total })
}

/// How many entries `list` holds, counted one by one.
fn walk_count(list: &(impl Ordered + ?Sized)) -> Result<u64, StoreError> {
    let mut total = 0;
    for entry in list.range((Bound::Unbounded, Bound::Unbounded)) {
        entry?;
        total += 1;
    }
    Ok(total)
}

/// The first `n` entries of `iter`, and whether there are more.
fn take(
    iter: impl Iterator<Item = Result<Entry, StoreError>>,
    n: usize,
) -> Result<(Vec<Entry>, bool), StoreError> {
    let mut entries = Vec::with_capacity(n + 1);
    for entry in iter {
        if entries.len() > n {
            break;
        }
        entries.push(entry?);
    }
    let more = entries.len() > n;
    entries.truncate(n);
    Ok((entries, more))
}

/// An index range, keyed by order suffix.
struct IndexRange<'a> {
    store: &'a Store,
    spec: &'a ListSpec<'a>,
}

impl IndexRange<'_> {
    /// The entry of an index key/value pair, if it passes the filters.
    fn entry(&self, kv: sled::Result<(sled::IVec, sled::IVec)>) -> Result<Option<Entry>, StoreError> {
        let (key, value) = kv?;
        let order = key.get(self.spec.prefix.len()..).ok_or_else(|| bad_key("index key"))?;
        for (tree, p) in self.spec.also {
            if !self.store.index_tree(*tree).contains_key([p.as_slice(), order].concat())? {
                return Ok(None);
            }
        }
        let kind = value.first().and_then(|t| Kind::from_tag(*t)).ok_or_else(|| bad_key("index kind"))?;
        let id = id_of_order(order).ok_or_else(|| bad_key("index id"))?;
        let filter = self.spec.filter;
        if !filter.keeps_kind(kind) {
            return Ok(None);
        }
        if filter.needs_item() {
            match self.store.entity_of(kind, id)? {
                Some(Entity::Item(item)) if filter.keeps(&item) => {}
                _ => return Ok(None),
            }
        }
        Ok(Some((order.to_vec(), kind, id)))
    }
}

impl Ordered for IndexRange<'_> {
    fn range(&self, (lower, upper): Range) -> Entries<'_> {
        let prefix = self.spec.prefix;
        let with_prefix = |suffix: Vec<u8>| [prefix, &suffix].concat();
        let lower = match lower {
            Bound::Unbounded => Bound::Included(prefix.to_vec()),
            b => b.map(with_prefix),
        };
        let upper = match upper {
            Bound::Unbounded => upper_bound(prefix),
            b => b.map(with_prefix),
        };
        let index = self.store.index_tree(self.spec.tree);
        Box::new(index.range::<Vec<u8>, _>((lower, upper)).filter_map(|kv| self.entry(kv).transpose()))
    }

    /// A range that only its index selects is counted by its counter (see [`super::counts`]).
    fn total(&self) -> Result<u64, StoreError> {
        let filter = self.spec.filter;
        if self.spec.also.is_empty() && filter.kinds.is_empty() && !filter.needs_item() {
            if let Some(n) = self.store.count(self.spec.tree, self.spec.prefix)? {
                return Ok(n);
            }
        }
        walk_count(self)
    }
}

/// A range sorted in memory by another key.
struct Sorted(BTreeMap<Vec<u8>, (Kind, Uuid)>);

impl Ordered for Sorted {
    fn range(&self, range: Range) -> Entries<'_> {
        Box::new(self.0.range(range).map(|(key, (kind, id))| Ok((key.clone(), *kind, *id))))
    }
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
