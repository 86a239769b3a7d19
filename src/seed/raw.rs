//! The on-disk seed format: TOML, one file per kind, as an editor writes it.
//!
//! These structs mirror the files one to one (`deny_unknown_fields`, so a misspelt key is an
//! error, not a silently ignored fact). Fields that need checking beyond their type are kept as
//! [`Spanned`] strings so an error can point at the line.

use serde::Deserialize;
use toml::Spanned;

/// `series.toml`: the page itself.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeriesFile {
    pub slug: Spanned<String>,
    pub title: Spanned<String>,
    pub subtitle: Option<String>,
    pub publisher: Option<String>,
    pub url: Option<Spanned<String>>,
    pub intro: Option<String>,
    pub hero_image: Option<RawImage>,
}

/// `people.toml`: `[[person]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeopleFile {
    #[serde(default)]
    pub person: Vec<Spanned<RawPerson>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPerson {
    pub slug: Spanned<String>,
    pub name: Spanned<String>,
    #[serde(default)]
    pub affiliations: Vec<String>,
    pub note: Option<String>,
}

/// `updates.toml`: `[[update]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdatesFile {
    #[serde(default)]
    pub update: Vec<Spanned<RawUpdate>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUpdate {
    pub slug: Spanned<String>,
    pub year: Spanned<i64>,
    pub title: Spanned<String>,
    pub intro: Option<String>,
    /// Slugs of content items, in page order.
    #[serde(default)]
    pub items: Vec<Spanned<String>>,
}

/// Fields every content item has, borrowed from whichever kind's table holds them.
#[derive(Debug)]
pub struct Common<'a> {
    pub slug: &'a Spanned<String>,
    pub title: Option<&'a Spanned<String>>,
    pub dek: &'a Option<String>,
    pub summary: &'a Option<String>,
    pub date: &'a Option<Spanned<String>>,
    pub url: &'a Option<Spanned<String>>,
    pub language: &'a Option<Spanned<String>>,
    pub image: &'a Option<RawImage>,
    pub people: &'a [RawParticipation],
    pub note: &'a Option<String>,
}

/// A title that is required (`Spanned<String>`) or may be unknown (`Option<…>`).
pub trait RawTitle {
    fn get(&self) -> Option<&Spanned<String>>;
}

impl RawTitle for Spanned<String> {
    fn get(&self) -> Option<&Spanned<String>> {
        Some(self)
    }
}

impl RawTitle for Option<Spanned<String>> {
    fn get(&self) -> Option<&Spanned<String>> {
        self.as_ref()
    }
}

/// Declares a content item's table: the fields every item has, then the kind's own.
/// (TOML tables with `deny_unknown_fields` cannot use `#[serde(flatten)]`.)
macro_rules! raw_item {
    ($(#[$doc:meta])* $name:ident, title: $title:ty { $($(#[$fdoc:meta])* $field:ident: $ty:ty,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            pub slug: Spanned<String>,
            pub title: $title,
            pub dek: Option<String>,
            pub summary: Option<String>,
            pub date: Option<Spanned<String>>,
            pub url: Option<Spanned<String>>,
            pub language: Option<Spanned<String>>,
            pub image: Option<RawImage>,
            #[serde(default)]
            pub people: Vec<RawParticipation>,
            pub note: Option<String>,
            $($(#[$fdoc])* pub $field: $ty,)*
        }

        impl $name {
            pub fn common(&self) -> Common<'_> {
                Common {
                    slug: &self.slug,
                    title: RawTitle::get(&self.title),
                    dek: &self.dek,
                    summary: &self.summary,
                    date: &self.date,
                    url: &self.url,
                    language: &self.language,
                    image: &self.image,
                    people: &self.people,
                    note: &self.note,
                }
            }
        }
    };
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParticipation {
    pub person: Spanned<String>,
    pub role: Spanned<String>,
    #[serde(default)]
    pub affiliations: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawImage {
    pub caption: Option<String>,
    pub caption_corrected: Option<String>,
    pub alt: Option<String>,
    pub credit: Option<String>,
    pub creator: Option<String>,
    pub source: Option<String>,
    pub licence: Option<String>,
    pub url: Option<Spanned<String>>,
}

/// `events.toml`: `[[event]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsFile {
    #[serde(default)]
    pub event: Vec<Spanned<RawEvent>>,
}

raw_item! {
    RawEvent, title: Spanned<String> {
        /// `webcast`, `talk` or `live-taping`.
        format: Spanned<String>,
        event_series: Option<String>,
        start_time: Option<Spanned<String>>,
        end_time: Option<Spanned<String>>,
        venue: Option<String>,
        address: Option<String>,
        city: Option<String>,
    }
}

/// `interviews.toml`: `[[interview]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterviewsFile {
    #[serde(default)]
    pub interview: Vec<Spanned<RawInterview>>,
}

raw_item! {
    RawInterview, title: Option<Spanned<String>> {
        /// `series`, `update` or `behind-the-scenes`.
        category: Spanned<String>,
        quote: Option<String>,
        series: Option<RawSeriesMembership>,
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSeriesMembership {
    pub name: String,
    pub position: Spanned<i64>,
    pub period: Option<String>,
    pub url: Option<Spanned<String>>,
}

/// `press.toml`: `[[press_item]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PressFile {
    #[serde(default)]
    pub press_item: Vec<Spanned<RawPressItem>>,
}

raw_item! {
    RawPressItem, title: Spanned<String> {
        label: Option<String>,
        outlet: Spanned<String>,
    }
}

/// `podcast.toml`: `[[podcast_episode]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PodcastFile {
    #[serde(default)]
    pub podcast_episode: Vec<Spanned<RawPodcastEpisode>>,
}

raw_item! {
    RawPodcastEpisode, title: Spanned<String> {
        show: Spanned<String>,
        recorded_on: Option<Spanned<String>>,
        released_on: Option<Spanned<String>>,
        /// Slug of the event the episode was recorded at.
        recorded_at: Option<Spanned<String>>,
        feed_url: Option<Spanned<String>>,
    }
}

/// `articles.toml`: `[[article]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticlesFile {
    #[serde(default)]
    pub article: Vec<Spanned<RawArticle>>,
}

raw_item! {
    RawArticle, title: Spanned<String> {
        rubric: Option<String>,
        /// Slug of the item the article is about.
        about: Option<Spanned<String>>,
    }
}

/// `fact_sheets.toml`: `[[fact_sheet]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactSheetsFile {
    #[serde(default)]
    pub fact_sheet: Vec<Spanned<RawFactSheet>>,
}

raw_item! {
    RawFactSheet, title: Spanned<String> {
        link_text: Option<String>,
        attachment: Option<RawAttachment>,
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAttachment {
    pub file_name: Spanned<String>,
    pub media_type: Spanned<String>,
    pub size_label: Option<String>,
    pub byte_size: Option<u64>,
    pub url: Option<Spanned<String>>,
}

/// `readings.toml`: `[[reading]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadingsFile {
    #[serde(default)]
    pub reading: Vec<Spanned<RawReading>>,
}

raw_item! {
    RawReading, title: Spanned<String> {
        position: Spanned<i64>,
        venue: Option<String>,
        doi: Option<Spanned<String>>,
        written_on: Option<Spanned<String>>,
        #[serde(default)]
        other_versions: Vec<RawPublication>,
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPublication {
    pub venue: Option<String>,
    pub date: Option<Spanned<String>>,
    pub citation: Option<String>,
    pub url: Option<Spanned<String>>,
    pub doi: Option<Spanned<String>>,
}
