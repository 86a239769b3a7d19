//! The mutations' input types: the seed's fields under the API's names. Every field may be
//! left out; on an update a left-out field keeps its value and `null` clears it. Nested
//! values (an image, the people, a series membership) are replaced whole.

use async_graphql::{InputObject, MaybeUndefined};
use serde::Serialize;
use toml::Value;

use super::values::{EventFormat, InterviewCategory, Role};
use crate::editing::Patch;

/// A field's value in the seed format.
fn seed_value<T: Serialize>(value: &T) -> Value {
    // Strings, numbers, enums, lists and plain structs always serialize.
    Value::try_from(value).unwrap_or_else(|_| Value::String(String::new()))
}

/// Declares an input type whose fields are all [`MaybeUndefined`], and its [`Patch`]: a field
/// marked `= stand_in` is required on create (the stand-in only lets the other fields be checked
/// when it is missing).
macro_rules! input {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident: $ty:ty $(= $stand_in:expr)?,)* }) => {
        $(#[$doc])*
        #[derive(InputObject, Default, Debug)]
        pub struct $name {
            $($(#[$fdoc])* pub $field: MaybeUndefined<$ty>,)*
        }

        impl $name {
            pub fn patch(self) -> Patch {
                let mut patch = Patch::default();
                $(
                    match &self.$field {
                        MaybeUndefined::Undefined => {}
                        MaybeUndefined::Null => patch.fields.push((stringify!($field), None)),
                        MaybeUndefined::Value(v) => patch.fields.push((stringify!($field), Some(seed_value(v)))),
                    }
                    $(patch.required.push((stringify!($field), Value::from($stand_in)));)?
                )*
                patch
            }
        }
    };
}

/// Declares a content item's input: the fields every item has, then the kind's own.
macro_rules! item_input {
    ($(#[$doc:meta])* $name:ident, title $(= $title:literal)? { $($own:tt)* }) => {
        input! {
            $(#[$doc])*
            $name {
                /// Lowercase ASCII words joined by `-`; required on create, fixed after (the id derives from it).
                slug: String = "stand-in",
                title: String $(= $title)?,
                dek: String,
                summary: String,
                /// ISO 8601 at the precision known: `2021-05-04`, `2021-05` or `2021`.
                date: String,
                /// An http(s) URL.
                url: String,
                /// BCP 47: `en`, `de`, `fr`, `it` or `zh`.
                language: String,
                image: ImageInput,
                /// The people in the item (replaced whole); each `person` is a person's slug.
                people: Vec<ParticipationInput>,
                note: String,
                $($own)*
            }
        }
    };
}

/// An image with its credits.
#[derive(InputObject, Serialize, Debug)]
pub struct ImageInput {
    pub caption: Option<String>,
    pub caption_corrected: Option<String>,
    pub alt: Option<String>,
    pub credit: Option<String>,
    pub creator: Option<String>,
    pub source: Option<String>,
    pub licence: Option<String>,
    pub url: Option<String>,
}

/// A person's part in an item.
#[derive(InputObject, Serialize, Debug)]
pub struct ParticipationInput {
    /// The person's slug.
    pub person: String,
    pub role: Role,
    /// Affiliations as this item gives them.
    pub affiliations: Option<Vec<String>>,
}

/// Where an interview stands in a numbered series.
#[derive(InputObject, Serialize, Debug)]
pub struct SeriesMembershipInput {
    pub name: String,
    pub position: i32,
    pub period: Option<String>,
    pub url: Option<String>,
}

/// A downloadable file.
#[derive(InputObject, Serialize, Debug)]
pub struct AttachmentInput {
    pub file_name: String,
    pub media_type: String,
    /// As the page prints it ("282.9 KB").
    pub size_label: Option<String>,
    pub byte_size: Option<u32>,
    pub url: Option<String>,
}

/// Another published version of a reading.
#[derive(InputObject, Serialize, Debug)]
pub struct PublicationInput {
    pub venue: Option<String>,
    pub date: Option<String>,
    pub citation: Option<String>,
    pub url: Option<String>,
    /// `10.xxxx/…`
    pub doi: Option<String>,
}

item_input! {
    /// An event's fields; `slug`, `title` and `format` are required on create.
    EventInput, title = "stand-in" {
        format: EventFormat = "talk",
        event_series: String,
        /// `HH:MM`
        start_time: String,
        /// `HH:MM`
        end_time: String,
        venue: String,
        address: String,
        city: String,
    }
}

item_input! {
    /// An interview's fields; `slug` and `category` are required on create.
    InterviewInput, title {
        category: InterviewCategory = "update",
        /// At most 600 characters.
        quote: String,
        series: SeriesMembershipInput,
    }
}

item_input! {
    /// A press item's fields; `slug`, `title` and `outlet` are required on create.
    PressItemInput, title = "stand-in" {
        label: String,
        outlet: String = "stand-in",
    }
}

item_input! {
    /// A podcast episode's fields; `slug`, `title` and `show` are required on create.
    PodcastEpisodeInput, title = "stand-in" {
        show: String = "stand-in",
        recorded_on: String,
        released_on: String,
        /// The slug of the event it was recorded at.
        recorded_at: String,
        feed_url: String,
    }
}

item_input! {
    /// An article's fields; `slug` and `title` are required on create.
    ArticleInput, title = "stand-in" {
        rubric: String,
        /// The slug of the item the article is about.
        about: String,
    }
}

item_input! {
    /// A fact sheet's fields; `slug` and `title` are required on create.
    FactSheetInput, title = "stand-in" {
        link_text: String,
        attachment: AttachmentInput,
    }
}

item_input! {
    /// A reading's fields; `slug`, `title` and `position` are required on create.
    ReadingInput, title = "stand-in" {
        /// Place in the reading list, from 1; no two readings share one.
        position: i32 = 1i64,
        venue: String,
        /// `10.xxxx/…`
        doi: String,
        written_on: String,
        other_versions: Vec<PublicationInput>,
    }
}

input! {
    /// A person's fields; `slug` and `name` are required on create.
    PersonInput {
        slug: String = "stand-in",
        name: String = "stand-in",
        affiliations: Vec<String>,
        note: String,
    }
}

input! {
    /// A yearly section's fields; `slug`, `year` and `title` are required on create.
    UpdateInput {
        slug: String = "stand-in",
        year: i32 = 2000i64,
        title: String = "stand-in",
        intro: String,
        /// Slugs of the section's content items, in page order.
        items: Vec<String>,
    }
}

input! {
    /// The series page's fields.
    SeriesInput {
        slug: String = "stand-in",
        title: String = "stand-in",
        subtitle: String,
        publisher: String,
        url: String,
        intro: String,
        hero_image: ImageInput,
    }
}
