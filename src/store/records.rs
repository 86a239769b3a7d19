//! The records a seed becomes: each entity's stored bytes and every index key it owns.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use uuid::Uuid;

use super::keys::{self, IndexTree, Scope};
use super::StoreError;
use crate::domain::{entity_id, Content, Item, Kind, Slug};

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

/// Builds every record of the content. People and updates are indexed by the years and people of
/// the items they take part in, so `people(year:)` and `updates(person:)` read ranges too.
pub fn build(seed: &Content) -> Result<BTreeMap<Uuid, Record>, StoreError> {
    let mut out = BTreeMap::new();
    let mut person_years: HashMap<Uuid, BTreeSet<u16>> = HashMap::new();
    let mut co_people: HashMap<Uuid, BTreeSet<Uuid>> = HashMap::new();
    let items_by_slug: HashMap<&Slug, &Item> = seed.items.iter().map(|i| (&i.slug, i)).collect();
    // Items of the same date keep the order they have on the page.
    let page_index: HashMap<&Slug, u16> = seed.updates.iter().flat_map(|u| &u.items).zip(0u16..).collect();

    for item in &seed.items {
        let years: Vec<u16> = item.year().into_iter().collect();
        let people = person_ids(item);
        for p in &people {
            person_years.entry(*p).or_default().extend(&years);
            co_people.entry(*p).or_default().extend(people.iter().filter(|q| *q != p));
        }
        let mut index = Vec::new();
        for scope in Scope::of_item(item) {
            let order = keys::item_order(scope, item, page_index.get(&item.slug).copied());
            keys::entries(scope.tag(), &order, &years, &people, &mut index);
        }
        out.insert(item.id, record(item.id, item.kind(), &item.slug, item, index)?);
    }
    for person in &seed.people {
        let years: Vec<u16> = person_years.get(&person.id).into_iter().flatten().copied().collect();
        let people: Vec<Uuid> = co_people.get(&person.id).into_iter().flatten().copied().collect();
        let mut index = Vec::new();
        keys::entries(Kind::Person.tag(), &keys::person_order(person), &years, &people, &mut index);
        out.insert(person.id, record(person.id, Kind::Person, &person.slug, person, index)?);
    }
    for update in &seed.updates {
        let people: BTreeSet<Uuid> =
            update.items.iter().filter_map(|s| items_by_slug.get(s)).flat_map(|i| person_ids(i)).collect();
        let people: Vec<Uuid> = people.into_iter().collect();
        let mut index = Vec::new();
        keys::entries(Kind::Update.tag(), &keys::update_order(update), &[update.year], &people, &mut index);
        out.insert(update.id, record(update.id, Kind::Update, &update.slug, update, index)?);
    }
    if let Some(series) = &seed.series {
        out.insert(series.id, record(series.id, Kind::Series, &series.slug, series, Vec::new())?);
    }
    Ok(out)
}
