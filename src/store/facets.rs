//! Counts for archive navigation ("2018 (14) · 2019 (3)"), read from index keys alone: each
//! index entry carries its kind, and its key carries the year and person, so no item is read
//! (except for the people alongside one person, which needs that person's items).

use std::collections::{BTreeMap, BTreeSet};

use uuid::Uuid;

use super::keys::{person_of_key, prefix, year_of_key, IndexTree, Scope};
use super::{bad_key, Entity, Store, StoreError};
use crate::domain::{entity_id, Kind};

/// How many content items there are, by year and kind, and per person.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Facets {
    /// Items per (year, kind); undated items are not in it.
    pub by_year: BTreeMap<(u16, Kind), u64>,
    pub by_kind: BTreeMap<Kind, u64>,
    pub by_person: BTreeMap<Uuid, u64>,
}

/// Which items to count.
#[derive(Debug, Clone, Default)]
pub struct FacetFilter {
    pub year: Option<u16>,
    pub person: Option<Uuid>,
    /// Every kind when empty.
    pub kinds: Vec<Kind>,
}

impl Store {
    pub fn facets(&self, f: &FacetFilter) -> Result<Facets, StoreError> {
        let scope = Scope::AllContent.tag();
        let kept = |kind: Kind| f.kinds.is_empty() || f.kinds.contains(&kind);
        let mut facets = Facets::default();

        // Years: the year index, `[scope][person?][year][order]`.
        let (tree, p) = prefix(scope, f.year, f.person);
        let (tree, p) = if f.year.is_some() { (tree, p) } else { with_year_index(scope, f.person) };
        for entry in self.index_tree(tree).scan_prefix(&p) {
            let (key, value) = entry?;
            let year = year_of_key(&key, f.person.is_some()).ok_or_else(|| bad_key("year index key"))?;
            let kind = kind_of(&value)?;
            if kept(kind) {
                *facets.by_year.entry((year, kind)).or_default() += 1;
            }
        }

        // Kinds: the list itself, undated items included.
        let (tree, p) = prefix(scope, f.year, f.person);
        let mut items = Vec::new();
        for entry in self.index_tree(tree).scan_prefix(&p) {
            let (key, value) = entry?;
            let kind = kind_of(&value)?;
            if kept(kind) {
                *facets.by_kind.entry(kind).or_default() += 1;
                if f.person.is_some() {
                    items.push((kind, super::keys::id_of_order(&key).ok_or_else(|| bad_key("index id"))?));
                }
            }
        }

        // People: the person index, or the items of the one person asked for.
        match f.person {
            Some(_) => {
                for (kind, id) in items {
                    if let Some(Entity::Item(item)) = self.entity_of(kind, id)? {
                        let people: BTreeSet<Uuid> =
                            item.people.iter().map(|p| entity_id(Kind::Person, &p.person)).collect();
                        for person in people {
                            *facets.by_person.entry(person).or_default() += 1;
                        }
                    }
                }
            }
            None => {
                let tree = if f.year.is_some() { IndexTree::PersonYear } else { IndexTree::Person };
                for entry in self.index_tree(tree).scan_prefix([scope]) {
                    let (key, value) = entry?;
                    let person = person_of_key(&key).ok_or_else(|| bad_key("person index key"))?;
                    if f.year.is_some() && year_of_key(&key, true) != f.year {
                        continue;
                    }
                    if kept(kind_of(&value)?) {
                        *facets.by_person.entry(person).or_default() += 1;
                    }
                }
            }
        }
        Ok(facets)
    }
}

/// The year index's range for a scope and maybe a person, across all years.
fn with_year_index(scope: u8, person: Option<Uuid>) -> (IndexTree, Vec<u8>) {
    let mut p = vec![scope];
    match person {
        Some(id) => {
            p.extend_from_slice(id.as_bytes());
            (IndexTree::PersonYear, p)
        }
        None => (IndexTree::Year, p),
    }
}

fn kind_of(value: &[u8]) -> Result<Kind, StoreError> {
    value.first().and_then(|t| Kind::from_tag(*t)).ok_or_else(|| bad_key("index kind"))
}
