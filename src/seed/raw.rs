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

/// Fields every content item has. Each kind's file repeats them explicitly (TOML tables with
/// `deny_unknown_fields` cannot be flattened).
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

macro_rules! common {
    ($raw:expr, title) => {
        Common {
            slug: &$raw.slug,
            title: Some(&$raw.title),
            dek: &$raw.dek,
            summary: &$raw.summary,
            date: &$raw.date,
            url: &$raw.url,
            language: &$raw.language,
            image: &$raw.image,
            people: &$raw.people,
            note: &$raw.note,
        }
    };
    ($raw:expr, optional_title) => {
        Common {
            slug: &$raw.slug,
            title: $raw.title.as_ref(),
            dek: &$raw.dek,
            summary: &$raw.summary,
            date: &$raw.date,
            url: &$raw.url,
            language: &$raw.language,
            image: &$raw.image,
            people: &$raw.people,
            note: &$raw.note,
        }
    };
}
pub(crate) use common;

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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawEvent {
    pub slug: Spanned<String>,
    pub title: Spanned<String>,
    pub dek: Option<String>,
    pub summary: Option<String>,
    pub date: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    pub language: Option<Spanned<String>>,
    pub image: Option<RawImage>,
    #[serde(default)]
    pub people: Vec<RawParticipation>,
    pub note: Option<String>,
    /// `webcast`, `talk` or `live-taping`.
    pub format: Spanned<String>,
    pub event_series: Option<String>,
    pub start_time: Option<Spanned<String>>,
    pub end_time: Option<Spanned<String>>,
    pub venue: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
}

/// `interviews.toml`: `[[interview]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InterviewsFile {
    #[serde(default)]
    pub interview: Vec<Spanned<RawInterview>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawInterview {
    pub slug: Spanned<String>,
    pub title: Option<Spanned<String>>,
    pub dek: Option<String>,
    pub summary: Option<String>,
    pub date: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    pub language: Option<Spanned<String>>,
    pub image: Option<RawImage>,
    #[serde(default)]
    pub people: Vec<RawParticipation>,
    pub note: Option<String>,
    /// `series`, `update` or `behind-the-scenes`.
    pub category: Spanned<String>,
    pub quote: Option<String>,
    pub series: Option<RawSeriesMembership>,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPressItem {
    pub slug: Spanned<String>,
    pub title: Spanned<String>,
    pub dek: Option<String>,
    pub summary: Option<String>,
    pub date: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    pub language: Option<Spanned<String>>,
    pub image: Option<RawImage>,
    #[serde(default)]
    pub people: Vec<RawParticipation>,
    pub note: Option<String>,
    pub label: Option<String>,
    pub outlet: Spanned<String>,
}

/// `podcast.toml`: `[[podcast_episode]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PodcastFile {
    #[serde(default)]
    pub podcast_episode: Vec<Spanned<RawPodcastEpisode>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPodcastEpisode {
    pub slug: Spanned<String>,
    pub title: Spanned<String>,
    pub dek: Option<String>,
    pub summary: Option<String>,
    pub date: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    pub language: Option<Spanned<String>>,
    pub image: Option<RawImage>,
    #[serde(default)]
    pub people: Vec<RawParticipation>,
    pub note: Option<String>,
    pub show: Spanned<String>,
    pub recorded_on: Option<Spanned<String>>,
    pub released_on: Option<Spanned<String>>,
    /// Slug of the event the episode was recorded at.
    pub recorded_at: Option<Spanned<String>>,
    pub feed_url: Option<Spanned<String>>,
}

/// `articles.toml`: `[[article]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArticlesFile {
    #[serde(default)]
    pub article: Vec<Spanned<RawArticle>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawArticle {
    pub slug: Spanned<String>,
    pub title: Spanned<String>,
    pub dek: Option<String>,
    pub summary: Option<String>,
    pub date: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    pub language: Option<Spanned<String>>,
    pub image: Option<RawImage>,
    #[serde(default)]
    pub people: Vec<RawParticipation>,
    pub note: Option<String>,
    pub rubric: Option<String>,
    /// Slug of the item the article is about.
    pub about: Option<Spanned<String>>,
}

/// `fact_sheets.toml`: `[[fact_sheet]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FactSheetsFile {
    #[serde(default)]
    pub fact_sheet: Vec<Spanned<RawFactSheet>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFactSheet {
    pub slug: Spanned<String>,
    pub title: Spanned<String>,
    pub dek: Option<String>,
    pub summary: Option<String>,
    pub date: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    pub language: Option<Spanned<String>>,
    pub image: Option<RawImage>,
    #[serde(default)]
    pub people: Vec<RawParticipation>,
    pub note: Option<String>,
    pub link_text: Option<String>,
    pub attachment: Option<RawAttachment>,
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReading {
    pub slug: Spanned<String>,
    pub title: Spanned<String>,
    pub dek: Option<String>,
    pub summary: Option<String>,
    pub date: Option<Spanned<String>>,
    pub url: Option<Spanned<String>>,
    pub language: Option<Spanned<String>>,
    pub image: Option<RawImage>,
    #[serde(default)]
    pub people: Vec<RawParticipation>,
    pub note: Option<String>,
    pub position: Spanned<i64>,
    pub venue: Option<String>,
    pub doi: Option<Spanned<String>>,
    pub written_on: Option<Spanned<String>>,
    #[serde(default)]
    pub other_versions: Vec<RawPublication>,
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
