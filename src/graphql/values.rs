//! Value types and enums: the domain's small types, served as they are.

use async_graphql::{Enum, Object};

use crate::domain::{self, Attachment, Image, Publication, SeriesMembership};

/// The kinds of content item.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
pub enum ContentKind {
    Event,
    Interview,
    PressItem,
    PodcastEpisode,
    Article,
    FactSheet,
    Reading,
}

impl ContentKind {
    pub fn of(kind: domain::Kind) -> ContentKind {
        match kind {
            domain::Kind::Event => ContentKind::Event,
            domain::Kind::Interview => ContentKind::Interview,
            domain::Kind::PressItem => ContentKind::PressItem,
            domain::Kind::PodcastEpisode => ContentKind::PodcastEpisode,
            domain::Kind::Article => ContentKind::Article,
            domain::Kind::FactSheet => ContentKind::FactSheet,
            _ => ContentKind::Reading,
        }
    }
}

impl From<ContentKind> for domain::Kind {
    fn from(kind: ContentKind) -> domain::Kind {
        match kind {
            ContentKind::Event => domain::Kind::Event,
            ContentKind::Interview => domain::Kind::Interview,
            ContentKind::PressItem => domain::Kind::PressItem,
            ContentKind::PodcastEpisode => domain::Kind::PodcastEpisode,
            ContentKind::Article => domain::Kind::Article,
            ContentKind::FactSheet => domain::Kind::FactSheet,
            ContentKind::Reading => domain::Kind::Reading,
        }
    }
}

/// Every kind of entity: what `search`, `sync` and `contentChanged` can be narrowed to.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::Kind")]
pub enum EntityKind {
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

/// The orders a content list can be served in. Every order breaks ties the same way each
/// time, ending with the id, so pages never overlap.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::store::ListOrder")]
pub enum ContentOrder {
    /// Newest first; a date known only to the month or year counts as its start, so "2018"
    /// comes after "2018-11".
    DateDesc,
    /// Oldest first.
    DateAsc,
    /// By title, diacritics folded, case-insensitive; untitled items last.
    Title,
    /// By position in the interview series or the reading list; unnumbered items last.
    Position,
}

/// A person's part in an item.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[graphql(remote = "crate::domain::Role")]
pub enum Role {
    Speaker,
    Host,
    Guest,
    Interviewee,
    Interviewer,
    Author,
}

/// Which group of interviews an interview belongs to.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[graphql(remote = "crate::domain::InterviewCategory")]
pub enum InterviewCategory {
    /// The interview series of July / August 2018.
    Series,
    /// The yearly update interviews.
    Update,
    /// The behind-the-scenes interviews of November 2018.
    BehindTheScenes,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
#[graphql(remote = "crate::domain::EventFormat")]
pub enum EventFormat {
    Webcast,
    Talk,
    /// A public live taping of a podcast.
    LiveTaping,
}

/// How precisely a date is known.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "crate::domain::Precision")]
pub enum DatePrecision {
    Year,
    Month,
    Day,
}

/// An image with its credits, as published.
#[Object]
impl Image {
    /// The caption as published, typos included.
    async fn caption(&self) -> Option<&str> {
        self.caption.as_deref()
    }
    /// A corrected form of the caption, where the published one has a typo.
    async fn caption_corrected(&self) -> Option<&str> {
        self.caption_corrected.as_deref()
    }
    async fn alt(&self) -> Option<&str> {
        self.alt.as_deref()
    }
    /// The credit line as published.
    async fn credit(&self) -> Option<&str> {
        self.credit.as_deref()
    }
    async fn creator(&self) -> Option<&str> {
        self.creator.as_deref()
    }
    /// Where the image comes from (Flickr, unsplash).
    async fn source(&self) -> Option<&str> {
        self.source.as_deref()
    }
    async fn licence(&self) -> Option<&str> {
        self.licence.as_deref()
    }
    async fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }
}

/// A downloadable file.
#[Object]
impl Attachment {
    async fn file_name(&self) -> &str {
        &self.file_name
    }
    /// IANA media type (`application/pdf`).
    async fn media_type(&self) -> &str {
        &self.media_type
    }
    /// The size as the page prints it ("282.9 KB").
    async fn size_label(&self) -> Option<&str> {
        self.size_label.as_deref()
    }
    /// The exact size in bytes; null where only the printed size is known.
    async fn byte_size(&self) -> Option<u64> {
        self.byte_size
    }
    async fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }
}

/// Where an item stands in a numbered series.
#[Object]
impl SeriesMembership {
    async fn name(&self) -> &str {
        &self.name
    }
    /// 1-based position in the series.
    async fn position(&self) -> u16 {
        self.position
    }
    /// When the series ran, as published ("July / August 2018").
    async fn period(&self) -> Option<&str> {
        self.period.as_deref()
    }
    async fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }
}

/// Another published version of a reading.
#[Object]
impl Publication {
    async fn venue(&self) -> Option<&str> {
        self.venue.as_deref()
    }
    /// ISO 8601 at the precision known.
    async fn date(&self) -> Option<String> {
        self.date.map(|d| d.to_string())
    }
    async fn citation(&self) -> Option<&str> {
        self.citation.as_deref()
    }
    async fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }
    async fn doi(&self) -> Option<&str> {
        self.doi.as_deref()
    }
}
