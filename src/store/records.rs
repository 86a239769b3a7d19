//! The records a seed becomes: each entity's stored bytes and every index key it owns.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use uuid::Uuid;

use super::keys::{self, IndexTree, Scope};
use super::{bad_key, StoreError};
use crate::domain::{entity_id, Content, Item, Kind, Person, Series, Slug, Update};

/// One entity as the store holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: Uuid,
    pub kind: Kind,
    pub slug: Slug,
    /// The entity, serialized as JSON.
    pub value: Vec<u8>,
    /// Every index key pointing at the entity, sorted.
    pub index: Vec<(IndexTree, Vec<u8>)>,
}

fn record<T: serde::Serialize>(
    id: Uuid,
    kind: Kind,
    slug: &Slug,
    value: &T,
    mut index: Vec<(IndexTree, Vec<u8>)>,
) -> Result<Record, StoreError> {
    index.sort();
    index.dedup();
    Ok(Record { id, kind, slug: slug.clone(), value: serde_json::to_vec(value)?, index })
}

fn person_ids(item: &Item) -> Vec<Uuid> {
    let ids: BTreeSet<Uuid> = item.people.iter().map(|p| entity_id(Kind::Person, &p.person)).collect();
    ids.into_iter().collect()
}

/// One entity of the content, borrowed.
#[derive(Clone, Copy)]
enum Source<'a> {
    Item(&'a Item),
    Person(&'a Person),
    Update(&'a Update),
    Series(&'a Series),
}

/// Builds a content's records one at a time, so a commit holds only a chunk's worth of them
/// (100,000 items' records took 250 MiB at once). What an entity's index keys need from the
/// others (its people's years and co-people, an update's people, the page order) is gathered
/// once, when the builder is made.
pub struct Builder<'a> {
    entities: BTreeMap<Uuid, Source<'a>>,
    person_years: HashMap<Uuid, BTreeSet<u16>>,
    co_people: HashMap<Uuid, BTreeSet<Uuid>>,
    items_by_slug: HashMap<&'a Slug, &'a Item>,
    /// Items of the same date keep the order they have on the page.
    page_index: HashMap<&'a Slug, u16>,
}

impl<'a> Builder<'a> {
    /// People and updates are indexed by the years and people of the items they take part in,
    /// so `people(year:)` and `updates(person:)` read ranges too.
    pub fn new(content: &'a Content) -> Self {
        let mut person_years: HashMap<Uuid, BTreeSet<u16>> = HashMap::new();
        let mut co_people: HashMap<Uuid, BTreeSet<Uuid>> = HashMap::new();
        for item in &content.items {
            let people = person_ids(item);
            for p in &people {
                person_years.entry(*p).or_default().extend(item.year());
                co_people.entry(*p).or_default().extend(people.iter().filter(|q| *q != p));
            }
        }
        let entities = (content.items.iter().map(|i| (i.id, Source::Item(i))))
            .chain(content.people.iter().map(|p| (p.id, Source::Person(p))))
            .chain(content.updates.iter().map(|u| (u.id, Source::Update(u))))
            .chain(content.series.iter().map(|s| (s.id, Source::Series(s))))
            .collect();
        Builder {
            entities,
            person_years,
            co_people,
            items_by_slug: content.items.iter().map(|i| (&i.slug, i)).collect(),
            page_index: content.updates.iter().flat_map(|u| &u.items).zip(0u16..).collect(),
        }
    }

    /// Every entity's id, kind and slug, in id order.
    pub fn entities(&self) -> impl Iterator<Item = (Uuid, Kind, &'a Slug)> + '_ {
        self.entities.iter().map(|(id, source)| match *source {
            Source::Item(i) => (*id, i.kind(), &i.slug),
            Source::Person(p) => (*id, Kind::Person, &p.slug),
            Source::Update(u) => (*id, Kind::Update, &u.slug),
            Source::Series(s) => (*id, Kind::Series, &s.slug),
        })
    }

    pub fn contains(&self, id: &Uuid) -> bool {
        self.entities.contains_key(id)
    }

    /// The record of the entity `id`, one of [`Builder::entities`].
    pub fn record(&self, id: &Uuid) -> Result<Record, StoreError> {
        let source = self.entities.get(id).ok_or_else(|| bad_key("entity not in the content"))?;
        let mut index = Vec::new();
        match *source {
            Source::Item(item) => {
                let years: Vec<u16> = item.year().into_iter().collect();
                let people = person_ids(item);
                for scope in Scope::of_item(item) {
                    let order = keys::item_order(scope, item, self.page_index.get(&item.slug).copied());
                    keys::entries(scope.tag(), &order, &years, &people, &mut index);
                }
                record(item.id, item.kind(), &item.slug, item, index)
            }
            Source::Person(person) => {
                let years: Vec<u16> =
                    self.person_years.get(&person.id).into_iter().flatten().copied().collect();
                let people: Vec<Uuid> =
                    self.co_people.get(&person.id).into_iter().flatten().copied().collect();
                keys::entries(Kind::Person.tag(), &keys::person_order(person), &years, &people, &mut index);
                record(person.id, Kind::Person, &person.slug, person, index)
            }
            Source::Update(update) => {
                let people: BTreeSet<Uuid> = (update.items.iter())
                    .filter_map(|s| self.items_by_slug.get(s))
                    .flat_map(|i| person_ids(i))
                    .collect();
                let people: Vec<Uuid> = people.into_iter().collect();
                keys::entries(
                    Kind::Update.tag(),
                    &keys::update_order(update),
                    &[update.year],
                    &people,
                    &mut index,
                );
                record(update.id, Kind::Update, &update.slug, update, index)
            }
            Source::Series(series) => record(series.id, Kind::Series, &series.slug, series, index),
        }
    }
}

/// Builds every record of the content at once (for checking a whole store).
pub fn build(content: &Content) -> Result<BTreeMap<Uuid, Record>, StoreError> {
    let builder = Builder::new(content);
    let mut out = BTreeMap::new();
    for (id, _, _) in builder.entities() {
        out.insert(id, builder.record(&id)?);
    }
    Ok(out)
}

/// The first byte of [`encode_index`]'s form. Stores written before it hold JSON, which starts
/// with `[`, or form 1 (two-byte lengths, written by 1b67ebf only); both are still read.
const INDEX_FORM: u8 = 2;
const INDEX_FORM_SHORT: u8 = 1;

/// A record's index keys as the `index_keys` tree stores them: per key, its tree's tag, its
/// length (four bytes: a person's key holds their name, which has no set limit) and its bytes.
/// JSON took 1.7 KB an entity, the largest tree of a store (181 of 430 MB at 100,000 items);
/// this takes a third of that, and seeding writes that much less.
pub fn encode_index(index: &[(IndexTree, Vec<u8>)]) -> Result<Vec<u8>, StoreError> {
    let mut out = Vec::with_capacity(1 + index.iter().map(|(_, key)| 5 + key.len()).sum::<usize>());
    out.push(INDEX_FORM);
    for (tree, key) in index {
        let len = u32::try_from(key.len()).map_err(|_| bad_key("index key longer than 4 GiB"))?;
        out.push(tree.tag());
        out.extend_from_slice(&len.to_be_bytes());
        out.extend_from_slice(key);
    }
    Ok(out)
}

/// Reads what [`encode_index`] wrote, or the forms of older stores.
pub fn decode_index(bytes: &[u8]) -> Result<Vec<(IndexTree, Vec<u8>)>, StoreError> {
    let (width, mut rest) = match bytes.split_first() {
        Some((&INDEX_FORM, rest)) => (4, rest),
        Some((&INDEX_FORM_SHORT, rest)) => (2, rest),
        _ => return Ok(serde_json::from_slice(bytes)?),
    };
    let cut_short = || bad_key("index key cut short");
    let mut out = Vec::new();
    while let Some((tag, tail)) = rest.split_first() {
        let tree = IndexTree::from_tag(*tag).ok_or_else(|| bad_key("index tree tag"))?;
        let (len, tail) = tail.split_at_checked(width).ok_or_else(cut_short)?;
        let len = len.iter().fold(0usize, |n, b| n << 8 | usize::from(*b));
        let (key, tail) = tail.split_at_checked(len).ok_or_else(cut_short)?;
        out.push((tree, key.to_vec()));
        rest = tail;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_keys_round_trip_and_older_json_is_still_read() -> Result<(), StoreError> {
        let index = vec![
            (IndexTree::Kind, vec![1, 2, 3]),
            (IndexTree::PersonYear, vec![0; 300]),
            (IndexTree::Year, vec![]),
        ];
        let bytes = encode_index(&index)?;
        assert_eq!(bytes.len(), 1 + 3 * 5 + 3 + 300);
        assert_eq!(decode_index(&bytes)?, index);
        assert_eq!(decode_index(&encode_index(&[])?)?, vec![]);
        assert_eq!(decode_index(&serde_json::to_vec(&index)?)?, index);
        assert!(decode_index(&bytes[..bytes.len() - 1]).is_err());
        assert!(decode_index(&[INDEX_FORM, 9, 0, 0, 0, 0]).is_err());
        let long = vec![(IndexTree::Person, vec![7; 70_000])];
        assert_eq!(decode_index(&encode_index(&long)?)?, long);
        let short_form = [INDEX_FORM_SHORT, 0, 0, 2, 8, 9, 3, 0, 0];
        assert_eq!(
            decode_index(&short_form)?,
            vec![(IndexTree::Kind, vec![8, 9]), (IndexTree::PersonYear, vec![])]
        );
        Ok(())
    }
}
