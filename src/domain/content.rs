//! The whole content of a series, and any one entity of it.

use std::cmp::Reverse;

use uuid::Uuid;

use super::{Item, Kind, Person, Series, Slug, Update};

/// Any stored entity.
// Entities are short-lived values on their way somewhere; boxing the big variant buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum Entity {
    Item(Item),
    Person(Person),
    Update(Update),
    Series(Series),
}

impl Entity {
    pub fn id(&self) -> Uuid {
        match self {
            Entity::Item(i) => i.id,
            Entity::Person(p) => p.id,
            Entity::Update(u) => u.id,
            Entity::Series(s) => s.id,
        }
    }

    pub fn kind(&self) -> Kind {
        match self {
            Entity::Item(i) => i.kind(),
            Entity::Person(_) => Kind::Person,
            Entity::Update(_) => Kind::Update,
            Entity::Series(_) => Kind::Series,
        }
    }

    pub fn slug(&self) -> &Slug {
        match self {
            Entity::Item(i) => &i.slug,
            Entity::Person(p) => &p.slug,
            Entity::Update(u) => &u.slug,
            Entity::Series(s) => &s.slug,
        }
    }

    /// The entity as JSON: the form the store keeps and the audit log shows.
    pub fn to_json(&self) -> Result<Vec<u8>, serde_json::Error> {
        match self {
            Entity::Item(i) => serde_json::to_vec(i),
            Entity::Person(p) => serde_json::to_vec(p),
            Entity::Update(u) => serde_json::to_vec(u),
            Entity::Series(s) => serde_json::to_vec(s),
        }
    }
}

/// Everything a series holds: what a seed folder describes and what the store serves.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Content {
    pub series: Option<Series>,
    pub people: Vec<Person>,
    /// In page order: newest year first.
    pub updates: Vec<Update>,
    pub items: Vec<Item>,
}

impl Content {
    /// Builds content from entities in any order, in the canonical order (see [`Content::normalize`]).
    pub fn from_entities(entities: impl IntoIterator<Item = Entity>) -> Content {
        let mut content = Content::default();
        for entity in entities {
            match entity {
                Entity::Item(i) => content.items.push(i),
                Entity::Person(p) => content.people.push(p),
                Entity::Update(u) => content.updates.push(u),
                Entity::Series(s) => content.series = Some(s),
            }
        }
        content.normalize();
        content
    }

    /// Every entity, in no particular order.
    pub fn into_entities(self) -> impl Iterator<Item = Entity> {
        self.series
            .into_iter()
            .map(Entity::Series)
            .chain(self.people.into_iter().map(Entity::Person))
            .chain(self.updates.into_iter().map(Entity::Update))
            .chain(self.items.into_iter().map(Entity::Item))
    }

    /// Puts every list in one order, so that equal content compares equal however it was read:
    /// people by slug, updates newest first (their page order), items by kind and slug.
    pub fn normalize(&mut self) {
        self.people.sort_by(|a, b| a.slug.cmp(&b.slug));
        self.updates.sort_by(|a, b| (Reverse(a.year), &a.slug).cmp(&(Reverse(b.year), &b.slug)));
        self.items.sort_by(|a, b| (a.kind(), &a.slug).cmp(&(b.kind(), &b.slug)));
    }

    /// The entity with `id`, if there is one.
    pub fn entity(&self, id: Uuid) -> Option<Entity> {
        if let Some(s) = self.series.as_ref().filter(|s| s.id == id) {
            return Some(Entity::Series(s.clone()));
        }
        let person = self.people.iter().find(|p| p.id == id).cloned().map(Entity::Person);
        let update = || self.updates.iter().find(|u| u.id == id).cloned().map(Entity::Update);
        let item = || self.items.iter().find(|i| i.id == id).cloned().map(Entity::Item);
        person.or_else(update).or_else(item)
    }

    pub fn len(&self) -> usize {
        usize::from(self.series.is_some()) + self.people.len() + self.updates.len() + self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
