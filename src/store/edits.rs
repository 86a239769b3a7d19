//! Editors' changes and the seed: an entity an editor changed through the API keeps the
//! editor's version when the seed is applied again, until the seed catches up with it.
//!
//! Tree `edits`: UUID → [`EditMark`] for every entity an editor created, changed or deleted.
//! A deleted entity keeps its mark, so a seed that still lists it does not bring it back.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::{Content, Entity, Kind, Slug};

/// What the seed held when an editor first changed an entity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EditMark {
    /// SHA-256 of the entity's JSON as the seed had it; `None` when the seed did not have it
    /// (the editor created it).
    pub baseline: Option<String>,
}

/// The fingerprint [`EditMark::baseline`] compares: SHA-256 of the entity's stored JSON.
pub fn fingerprint(entity: &Entity) -> Option<String> {
    let json = entity.to_json().ok()?;
    Some(Sha256::digest(json).iter().map(|b| format!("{b:02x}")).collect())
}

/// A seed laid over the store's content.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    /// The seed's entities, except that every edited one is as the editor left it.
    pub content: Content,
    /// Edited entities the seed changed too since the edit: the edit was kept; the seed file
    /// should be brought up to date (`scs-series export` gives the edited state).
    pub kept: Vec<(Kind, Slug)>,
    /// Edited entities the seed now holds exactly as edited: their marks can go.
    pub settled: Vec<Uuid>,
}

/// Lays `seed` over `current`, keeping every entity marked in `marks` as it is in `current`.
pub fn merge(seed: &Content, current: &Content, marks: &BTreeMap<Uuid, EditMark>) -> Merged {
    let seeded: BTreeMap<Uuid, Entity> = seed.clone().into_entities().map(|e| (e.id(), e)).collect();
    let mut stored: BTreeMap<Uuid, Entity> = current.clone().into_entities().map(|e| (e.id(), e)).collect();
    let mut out: Vec<Entity> =
        seeded.iter().filter(|(id, _)| !marks.contains_key(id)).map(|(_, e)| e.clone()).collect();
    let (mut kept, mut settled) = (Vec::new(), Vec::new());
    for (id, mark) in marks {
        let edited = stored.remove(id);
        let from_seed = seeded.get(id);
        if edited.as_ref() == from_seed {
            settled.push(*id);
        } else if from_seed.and_then(fingerprint) != mark.baseline {
            if let Some(e) = edited.as_ref().or(from_seed) {
                kept.push((e.kind(), e.slug().clone()));
            }
        }
        out.extend(edited);
    }
    kept.sort();
    Merged { content: Content::from_entities(out), kept, settled }
}
