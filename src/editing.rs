//! Editors' changes to the content, planned in seed terms: a change is made to the seed-format
//! tables of the store's content and the result is checked by the seed's own rules (see
//! [`seed::check_tables`]), so the store always holds a valid seed and `export` always works.
//!
//! Planning is pure (content in, content out); [`crate::catalog::Catalog::edit`] commits it.

use toml::{Table, Value};
use uuid::Uuid;

use crate::domain::{entity_id, Content, Details, Entity, Kind, Slug};
use crate::seed::{self, export, SeedError};
use crate::store::StoreError;

/// Fields to set (`Some`) or clear (`None`), by their key in the seed format.
#[derive(Debug, Clone, Default)]
pub struct Patch {
    pub fields: Vec<(&'static str, Option<Value>)>,
    /// The keys a new entity must have, each with a stand-in used only to check the other
    /// fields when the key is missing (so every problem is reported at once).
    pub required: Vec<(&'static str, Value)>,
}

/// An editor's change.
#[derive(Debug, Clone)]
pub enum Change {
    Create {
        kind: Kind,
        patch: Patch,
    },
    Update {
        kind: Kind,
        id: Uuid,
        expected_version: u64,
        patch: Patch,
    },
    /// With `force`, references to the entity are removed first; without, they are a conflict.
    Delete {
        kind: Kind,
        id: Uuid,
        expected_version: u64,
        force: bool,
    },
}

impl Change {
    pub fn kind(&self) -> Kind {
        match self {
            Change::Create { kind, .. } | Change::Update { kind, .. } | Change::Delete { kind, .. } => *kind,
        }
    }

    /// The entity changed, and the version the editor last saw (`None` for a create).
    pub fn target(&self) -> Option<(Uuid, u64)> {
        match self {
            Change::Create { .. } => None,
            Change::Update { id, expected_version, .. } | Change::Delete { id, expected_version, .. } => {
                Some((*id, *expected_version))
            }
        }
    }
}

/// One problem with an editor's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The input field, as the API names it (`startTime`, `people.person`).
    pub field: String,
    /// The slug of the entity the problem is in, where known (another one than the edited
    /// entity when, say, two readings would share a position).
    pub item: Option<String>,
    pub message: String,
}

/// Something else that points at an entity being deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub kind: Kind,
    pub slug: Slug,
    /// The field that points (`people`, `items`, `recordedAt`, `about`).
    pub field: &'static str,
}

#[derive(Debug, thiserror::Error)]
pub enum EditError {
    #[error("the input has {} problem(s)", .0.len())]
    Invalid(Vec<Problem>),
    #[error("no {kind} has the id `{1}`", kind = .0.name())]
    NotFound(Kind, Uuid),
    #[error("version {expected} is not the current one ({actual}): someone else changed it; read it again")]
    StaleVersion { expected: u64, actual: u64 },
    #[error("still referenced by {}", describe(.0))]
    Referenced(Vec<Reference>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn describe(refs: &[Reference]) -> String {
    refs.iter()
        .map(|r| format!("{} `{}` ({})", r.kind.name(), r.slug, r.field))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a planned change produces.
#[derive(Debug, Clone)]
pub struct Plan {
    pub content: Content,
    /// The entity created, changed or deleted.
    pub id: Uuid,
    /// Entities a forced delete detached from the deleted one.
    pub detached: Vec<Reference>,
}

/// Applies `change` to `content`, checking the result by the seed's rules.
pub fn plan(content: &Content, change: &Change) -> Result<Plan, EditError> {
    match change {
        Change::Create { kind, patch } => {
            let mut problems = Vec::new();
            let mut table = Table::new();
            let mut stand_ins = Vec::new();
            apply(&mut table, patch, &mut problems);
            for (key, stand_in) in &patch.required {
                if !table.contains_key(*key) {
                    problems.push(problem(key, None, "required"));
                    table.insert(key.to_string(), stand_in.clone());
                    stand_ins.push(*key);
                }
            }
            let own = table.get("slug").and_then(Value::as_str).map(str::to_string);
            let slug = own.as_deref().and_then(|s| Slug::parse(s).ok());
            let mut tables = export::tables(content);
            tables.push((*kind, table));
            let checked = check(tables, own.as_deref(), &stand_ins, problems)?;
            let slug = slug.ok_or_else(|| EditError::Invalid(vec![problem("slug", None, "required")]))?;
            Ok(Plan { content: checked, id: entity_id(*kind, &slug), detached: Vec::new() })
        }
        Change::Update { kind, id, patch, .. } => {
            let entity = find(content, *kind, *id)?;
            let mut table = export::table_of(&entity);
            let mut problems = Vec::new();
            let slug = entity.slug().to_string();
            apply(&mut table, patch, &mut problems);
            for (key, _) in &patch.required {
                if !table.contains_key(*key) {
                    problems.push(problem(key, None, "required: it can be changed but not removed"));
                }
            }
            if table.get("slug").and_then(Value::as_str) != Some(slug.as_str()) {
                problems.push(problem(
                    "slug",
                    None,
                    "a slug cannot change (the id derives from it): create a new entity and delete this one",
                ));
                table.insert("slug".into(), Value::String(slug));
            }
            let mut tables = export::tables(content);
            let position = tables.iter().position(|(k, t)| *k == *kind && t.get("slug") == table.get("slug"));
            match position {
                Some(i) => tables[i].1 = table,
                None => return Err(EditError::NotFound(*kind, *id)),
            }
            let checked = check(tables, Some(entity.slug().as_str()), &[], problems)?;
            Ok(Plan { content: checked, id: *id, detached: Vec::new() })
        }
        Change::Delete { kind, id, force, .. } => {
            let entity = find(content, *kind, *id)?;
            if *kind == Kind::Series {
                return Err(EditError::Invalid(vec![problem(
                    "id",
                    None,
                    "the series page cannot be deleted",
                )]));
            }
            let mut next = content.clone();
            let detached = detach(&mut next, &entity);
            if !detached.is_empty() && !force {
                return Err(EditError::Referenced(detached));
            }
            let next = Content::from_entities(next.into_entities().filter(|e| e.id() != *id));
            let checked = seed::check(&next).map_err(|e| EditError::Invalid(problems_of(e.0, None, &[])))?;
            Ok(Plan { content: checked, id: *id, detached })
        }
    }
}

fn find(content: &Content, kind: Kind, id: Uuid) -> Result<Entity, EditError> {
    content.entity(id).filter(|e| e.kind() == kind).ok_or(EditError::NotFound(kind, id))
}

/// Sets and clears the patch's fields.
fn apply(table: &mut Table, patch: &Patch, problems: &mut Vec<Problem>) {
    for (key, value) in &patch.fields {
        match value {
            Some(v) => {
                table.insert(key.to_string(), v.clone());
            }
            None if patch.required.iter().any(|(k, _)| k == key) => {
                problems.push(problem(key, None, "must not be null"));
            }
            None => {
                table.remove(*key);
            }
        }
    }
}

/// Checks the tables; every problem, those found here and the seed's, is reported at once.
/// `own` is the edited entity's slug: problems in it name no other item.
fn check(
    tables: Vec<(Kind, Table)>,
    own: Option<&str>,
    stand_ins: &[&str],
    mut problems: Vec<Problem>,
) -> Result<Content, EditError> {
    match seed::check_tables(tables) {
        Ok(content) if problems.is_empty() => Ok(content),
        Ok(_) => Err(EditError::Invalid(problems)),
        Err(errors) => {
            problems.extend(problems_of(errors.0, own, stand_ins));
            Err(EditError::Invalid(problems))
        }
    }
}

/// The seed's errors as input problems; those about stand-ins for missing fields are dropped
/// (the missing field is reported already).
fn problems_of(errors: Vec<SeedError>, own: Option<&str>, stand_ins: &[&str]) -> Vec<Problem> {
    errors
        .into_iter()
        .filter(|e| !e.field.as_deref().is_some_and(|f| stand_ins.contains(&f)))
        .map(|e| Problem {
            field: camel_case(e.field.as_deref().unwrap_or("input")),
            item: e.item.filter(|item| Some(item.as_str()) != own),
            message: e.message,
        })
        .collect()
}

fn problem(field: &str, item: Option<String>, message: &str) -> Problem {
    Problem { field: camel_case(field), item, message: message.to_string() }
}

/// `other_versions.doi` → `otherVersions.doi`: seed keys as the API's input fields.
pub fn camel_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        match c {
            '_' => upper = true,
            c if upper => {
                out.extend(c.to_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

/// Removes every reference to `target` from `content`, and says where they were.
fn detach(content: &mut Content, target: &Entity) -> Vec<Reference> {
    let mut found = Vec::new();
    let slug = target.slug();
    match target {
        Entity::Person(_) => {
            for item in &mut content.items {
                let before = item.people.len();
                item.people.retain(|p| &p.person != slug);
                if item.people.len() != before {
                    found.push(Reference { kind: item.kind(), slug: item.slug.clone(), field: "people" });
                }
            }
        }
        Entity::Item(_) => {
            for update in &mut content.updates {
                let before = update.items.len();
                update.items.retain(|s| s != slug);
                if update.items.len() != before {
                    found.push(Reference { kind: Kind::Update, slug: update.slug.clone(), field: "items" });
                }
            }
            for item in content.items.iter_mut().filter(|i| &i.slug != slug) {
                let (kind, own) = (item.kind(), item.slug.clone());
                let field = match &mut item.details {
                    Details::PodcastEpisode(p) if p.recorded_at.as_ref() == Some(slug) => {
                        p.recorded_at = None;
                        "recordedAt"
                    }
                    Details::Article(a) if a.about.as_ref() == Some(slug) => {
                        a.about = None;
                        "about"
                    }
                    _ => continue,
                };
                found.push(Reference { kind, slug: own, field });
            }
        }
        Entity::Update(_) | Entity::Series(_) => {}
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_keys_become_input_fields() {
        assert_eq!(camel_case("start_time"), "startTime");
        assert_eq!(camel_case("other_versions.doi"), "otherVersions.doi");
        assert_eq!(camel_case("title"), "title");
    }
}
