//! Entity kinds and their stable ids.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Slug;

/// Every kind of entity the store holds. The byte tags are part of the store's key layout and
/// the names are part of every UUID: never renumber or rename them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Event,
    Interview,
    PressItem,
    PodcastEpisode,
    Article,
    FactSheet,
    Reading,
    Update,
    Person,
    Series,
}

impl Kind {
    /// The kinds that are content items (everything but people, updates and the series page).
    pub const CONTENT: [Kind; 7] = [
        Kind::Event,
        Kind::Interview,
        Kind::PressItem,
        Kind::PodcastEpisode,
        Kind::Article,
        Kind::FactSheet,
        Kind::Reading,
    ];

    pub const ALL: [Kind; 10] = [
        Kind::Event,
        Kind::Interview,
        Kind::PressItem,
        Kind::PodcastEpisode,
        Kind::Article,
        Kind::FactSheet,
        Kind::Reading,
        Kind::Update,
        Kind::Person,
        Kind::Series,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Event => "event",
            Kind::Interview => "interview",
            Kind::PressItem => "press-item",
            Kind::PodcastEpisode => "podcast-episode",
            Kind::Article => "article",
            Kind::FactSheet => "fact-sheet",
            Kind::Reading => "reading",
            Kind::Update => "update",
            Kind::Person => "person",
            Kind::Series => "series",
        }
    }

    /// One-byte tag used in index keys.
    pub fn tag(self) -> u8 {
        match self {
            Kind::Event => 1,
            Kind::Interview => 2,
            Kind::PressItem => 3,
            Kind::PodcastEpisode => 4,
            Kind::Article => 5,
            Kind::FactSheet => 6,
            Kind::Reading => 7,
            Kind::Update => 8,
            Kind::Person => 9,
            Kind::Series => 10,
        }
    }

    pub fn from_tag(tag: u8) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.tag() == tag)
    }

    pub fn is_content(self) -> bool {
        Kind::CONTENT.contains(&self)
    }
}

/// Namespace of all scs-series ids: a fixed constant, chosen once. Changing it changes every id.
const NAMESPACE: Uuid = Uuid::from_u128(0x6f0e_6d4c_2b1e_5b7a_9c55_3f4e_1d2a_8b01);

/// The stable id of an entity: UUIDv5 of its kind and slug, so rebuilding the store or
/// re-seeding it gives every entity the same id and mobile caches stay valid.
pub fn entity_id(kind: Kind, slug: &Slug) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("{}/{}", kind.name(), slug).as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_stable_and_distinct_per_kind() -> Result<(), crate::domain::SlugError> {
        let slug = Slug::parse("kaiser-kuo")?;
        assert_eq!(entity_id(Kind::Person, &slug), entity_id(Kind::Person, &slug));
        assert_ne!(entity_id(Kind::Person, &slug), entity_id(Kind::Interview, &slug));
        assert_eq!(entity_id(Kind::Person, &slug).get_version_num(), 5);
        Ok(())
    }

    #[test]
    fn tags_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_tag(k.tag()), Some(k));
        }
    }
}
