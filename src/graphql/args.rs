//! The arguments several fields share (`year`, `person`), checked the same way everywhere.

use async_graphql::Result;
use uuid::Uuid;

use super::error::{bad_input, internal, not_found};
use crate::domain::Kind;
use crate::store::Store;

/// A `year` argument: four digits, or `BAD_USER_INPUT`.
pub fn year(year: Option<i32>) -> Result<Option<u16>> {
    match year {
        None => Ok(None),
        Some(y) if (1000..=9999).contains(&y) => Ok(Some(y as u16)),
        Some(y) => Err(bad_input("year", format!("`year` must be a four-digit year, got {y}"))),
    }
}

/// A `person` argument: the id of the person with that slug, or `NOT_FOUND`.
pub fn person(store: &Store, slug: Option<&str>) -> Result<Option<Uuid>> {
    let Some(slug) = slug else { return Ok(None) };
    match store.id_by_slug(Kind::Person, slug).map_err(internal)? {
        Some(id) => Ok(Some(id)),
        None => Err(not_found("person", format!("no person with slug `{slug}`"))),
    }
}
