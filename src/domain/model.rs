//! The series' entities, as validated values. Built by `seed`, stored by `store`, served by `graphql`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Kind, Language, PartialDate, Slug};

/// The page the series lives on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Series {
    pub id: Uuid,
    pub slug: Slug,
    pub title: String,
    pub subtitle: Option<String>,
    pub publisher: Option<String>,
    pub url: Option<String>,
    pub intro: Option<String>,
    pub hero_image: Option<Image>,
}

/// A person named in the series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Person {
    pub id: Uuid,
    pub slug: Slug,
    pub name: String,
    /// Every affiliation the person is given anywhere in the series.
    pub affiliations: Vec<String>,
    pub note: Option<String>,
}

/// A year's section of the page ("2019 Update"), listing its items in page order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Update {
    pub id: Uuid,
    pub slug: Slug,
    pub year: u16,
    pub title: String,
    pub intro: Option<String>,
    /// Slugs of the content items in the section, in page order.
    pub items: Vec<Slug>,
}

/// What a person did in an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    Speaker,
    Host,
    Guest,
    Interviewee,
    Interviewer,
    Author,
}

/// A person's part in an item, with their affiliation as given in that item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Participation {
    pub person: Slug,
    pub role: Role,
    /// Affiliations as the item gives them (a person is "China law scholar" in one item and
    /// "researcher … at Leiden University" in another).
    pub affiliations: Vec<String>,
}

/// An image with its credits, as published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Image {
    pub caption: Option<String>,
    /// A corrected form of the caption, beside (never instead of) the published one.
    pub caption_corrected: Option<String>,
    pub alt: Option<String>,
    pub credit: Option<String>,
    pub creator: Option<String>,
    pub source: Option<String>,
    pub licence: Option<String>,
    pub url: Option<String>,
}

/// A downloadable file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attachment {
    pub file_name: String,
    pub media_type: String,
    /// The size as the page prints it ("282.9 KB").
    pub size_label: Option<String>,
    /// The exact size in bytes, where known.
    pub byte_size: Option<u64>,
    pub url: Option<String>,
}

/// Where an item stands in a numbered series (the 2018 summer interviews).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeriesMembership {
    pub name: String,
    pub position: u16,
    pub period: Option<String>,
    pub url: Option<String>,
}

/// Another published version of a reading (a journal version of a working paper).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Publication {
    pub venue: Option<String>,
    pub date: Option<PartialDate>,
    pub citation: Option<String>,
    pub url: Option<String>,
    pub doi: Option<String>,
}

/// A content item: what every kind shares, plus the kind's own details.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: Uuid,
    pub slug: Slug,
    /// Absent where the title is unknown (the behind-the-scenes interviews).
    pub title: Option<String>,
    pub dek: Option<String>,
    pub summary: Option<String>,
    pub date: Option<PartialDate>,
    pub url: Option<String>,
    pub language: Option<Language>,
    pub image: Option<Image>,
    pub people: Vec<Participation>,
    /// Provenance or caveats an editor recorded.
    pub note: Option<String>,
    pub details: Details,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Details {
    Event(EventDetails),
    Interview(InterviewDetails),
    PressItem(PressDetails),
    PodcastEpisode(PodcastDetails),
    Article(ArticleDetails),
    FactSheet(FactSheetDetails),
    Reading(ReadingDetails),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventFormat {
    Webcast,
    Talk,
    LiveTaping,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventDetails {
    pub format: EventFormat,
    pub event_series: Option<String>,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub venue: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InterviewCategory {
    /// The 2018 summer interview series.
    Series,
    /// The yearly update interviews.
    Update,
    /// The behind-the-scenes interviews of November 2018.
    BehindTheScenes,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InterviewDetails {
    pub category: InterviewCategory,
    pub quote: Option<String>,
    pub series: Option<SeriesMembership>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PressDetails {
    /// The line the page lists it under ("Interview with Manya Koetse").
    pub label: Option<String>,
    pub outlet: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PodcastDetails {
    pub show: String,
    pub recorded_on: Option<PartialDate>,
    pub released_on: Option<PartialDate>,
    /// Slug of the event the episode was recorded at.
    pub recorded_at: Option<Slug>,
    pub feed_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleDetails {
    pub rubric: Option<String>,
    /// Slug of the item the article is about (the recap is about the podcast episode).
    pub about: Option<Slug>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactSheetDetails {
    pub link_text: Option<String>,
    pub attachment: Option<Attachment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadingDetails {
    /// Position in the page's reading list, from 1.
    pub position: u16,
    pub venue: Option<String>,
    pub doi: Option<String>,
    pub written_on: Option<PartialDate>,
    pub other_versions: Vec<Publication>,
}

impl Item {
    pub fn kind(&self) -> Kind {
        match self.details {
            Details::Event(_) => Kind::Event,
            Details::Interview(_) => Kind::Interview,
            Details::PressItem(_) => Kind::PressItem,
            Details::PodcastEpisode(_) => Kind::PodcastEpisode,
            Details::Article(_) => Kind::Article,
            Details::FactSheet(_) => Kind::FactSheet,
            Details::Reading(_) => Kind::Reading,
        }
    }

    pub fn year(&self) -> Option<u16> {
        self.date.map(|d| d.year())
    }

    /// Position within a numbered list (interview series, reading list), used to break ties
    /// between items of the same date.
    pub fn position(&self) -> Option<u16> {
        match &self.details {
            Details::Interview(InterviewDetails { series: Some(s), .. }) => Some(s.position),
            Details::Reading(r) => Some(r.position),
            _ => None,
        }
    }

    /// The first person taking part in `role` (the interviewee, the host).
    pub fn first_with_role(&self, role: Role) -> Option<&Participation> {
        self.people.iter().find(|p| p.role == role)
    }

    /// The other items this one points to: the field, the slug, and the kind it must have.
    pub fn references(&self) -> Vec<(&'static str, &Slug, Option<Kind>)> {
        match &self.details {
            Details::PodcastEpisode(p) => {
                p.recorded_at.iter().map(|s| ("recorded_at", s, Some(Kind::Event))).collect()
            }
            Details::Article(a) => a.about.iter().map(|s| ("about", s, None)).collect(),
            _ => Vec::new(),
        }
    }
}
