//! The domain model: entity types, ids, slugs, partial dates and languages.
//!
//! Knows nothing of sled, GraphQL or HTTP; every value here can only be built valid.

mod content;
mod date;
mod kind;
mod language;
mod model;
mod slug;

pub use content::{Content, Entity};
pub use date::{DateError, PartialDate, Precision};
pub use kind::{entity_id, Kind};
pub use language::{Language, LanguageError, KNOWN_LANGUAGES};
pub use model::*;
pub use slug::{Slug, SlugError};
