//! The content types: one GraphQL object per kind, the `Content` interface they share, and
//! the `Node` interface of everything with a global id.

use async_graphql::{Context, Interface, Object, Result, ID};

use super::error::internal;
use super::values::{ContentKind, DatePrecision, EventFormat, InterviewCategory, Role};
use crate::domain::{
    self, ArticleDetails, Attachment, Details, EventDetails, FactSheetDetails, Image, InterviewDetails, Item,
    Person, PodcastDetails, PressDetails, Publication, ReadingDetails, Series, SeriesMembership, Update,
};
use crate::store::{Entity, Store};

/// What every content item has, whatever its kind.
// Clippy mistakes the repeated `ty = …` of the interface's fields for duplicated attributes.
#[allow(clippy::duplicated_attributes)]
#[derive(Interface, Clone)]
#[graphql(
    field(
        name = "id",
        ty = "ID",
        desc = "Global id (a UUID derived from kind and slug, stable across rebuilds)."
    ),
    field(name = "slug", ty = "String"),
    field(name = "kind", ty = "ContentKind"),
    field(name = "title", ty = "Option<String>", desc = "As published; null where unknown."),
    field(name = "dek", ty = "Option<String>"),
    field(name = "summary", ty = "Option<String>"),
    field(
        name = "date",
        ty = "Option<String>",
        desc = "ISO 8601 at the precision known: `2019-10-22`, `2018-11` or `2020`."
    ),
    field(name = "year", ty = "Option<i32>"),
    field(name = "date_precision", ty = "Option<DatePrecision>"),
    field(name = "url", ty = "Option<String>"),
    field(name = "language", ty = "Option<String>", desc = "BCP 47 tag (`en`, `de`)."),
    field(name = "image", ty = "Option<Image>"),
    field(name = "people", ty = "Vec<Participation>", arg(name = "role", ty = "Option<Role>")),
    field(name = "note", ty = "Option<String>"),
    field(
        name = "version",
        ty = "u64",
        desc = "1 when created, one more each time it changes: send it as `expectedVersion` to change it."
    )
)]
pub enum Content {
    Event(Event),
    Interview(Interview),
    PressItem(PressItem),
    PodcastEpisode(PodcastEpisode),
    Article(Article),
    FactSheet(FactSheet),
    Reading(Reading),
}

/// Anything with a global id: `node(id:)` resolves every one of them.
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID"))]
pub enum Node {
    Event(Event),
    Interview(Interview),
    PressItem(PressItem),
    PodcastEpisode(PodcastEpisode),
    Article(Article),
    FactSheet(FactSheet),
    Reading(Reading),
    Person(Person),
    Update(Update),
    Series(Series),
}

impl From<Entity> for Node {
    fn from(entity: Entity) -> Node {
        match entity {
            Entity::Item(i) => match Content::from(i) {
                Content::Event(x) => Node::Event(x),
                Content::Interview(x) => Node::Interview(x),
                Content::PressItem(x) => Node::PressItem(x),
                Content::PodcastEpisode(x) => Node::PodcastEpisode(x),
                Content::Article(x) => Node::Article(x),
                Content::FactSheet(x) => Node::FactSheet(x),
                Content::Reading(x) => Node::Reading(x),
            },
            Entity::Person(p) => Node::Person(p),
            Entity::Update(u) => Node::Update(u),
            Entity::Series(s) => Node::Series(s),
        }
    }
}

/// A person's part in an item, with their affiliation as that item gives it.
#[derive(Clone)]
pub struct Participation(domain::Participation);

#[Object]
impl Participation {
    async fn person(&self, ctx: &Context<'_>) -> Result<Person> {
        let store = ctx.data::<Store>()?;
        store
            .person_by_slug(self.0.person.as_str())
            .map_err(internal)?
            .ok_or_else(|| async_graphql::Error::new("internal error: dangling person reference"))
    }
    async fn role(&self) -> Role {
        self.0.role.into()
    }
    /// Affiliations as given in this item.
    async fn affiliations(&self) -> &[String] {
        &self.0.affiliations
    }
    /// The first of `affiliations`, for display.
    async fn affiliation(&self) -> Option<&str> {
        self.0.affiliations.first().map(String::as_str)
    }
}

/// Defines a content type: the fields of the `Content` interface, then the kind's own.
macro_rules! content_type {
    ($(#[$doc:meta])* $name:ident, $variant:ident, $details:ty { $($own:tt)* }) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name {
            item: Item,
            d: $details,
        }

        impl super::connection::FromEntity for $name {
            fn from_entity(entity: Entity) -> Option<Self> {
                match Content::from_entity_item(entity)? {
                    Content::$variant(x) => Some(x),
                    _ => None,
                }
            }
        }

        #[Object]
        impl $name {
            /// Global id (a UUID derived from kind and slug, stable across rebuilds).
            async fn id(&self) -> ID {
                ID(self.item.id.to_string())
            }
            async fn slug(&self) -> String {
                self.item.slug.to_string()
            }
            async fn kind(&self) -> ContentKind {
                ContentKind::of(self.item.kind())
            }
            /// As published; null where unknown.
            async fn title(&self) -> Option<String> {
                self.item.title.clone()
            }
            async fn dek(&self) -> Option<String> {
                self.item.dek.clone()
            }
            async fn summary(&self) -> Option<String> {
                self.item.summary.clone()
            }
            /// ISO 8601 at the precision known: `2019-10-22`, `2018-11` or `2020`.
            async fn date(&self) -> Option<String> {
                self.item.date.map(|d| d.to_string())
            }
            async fn year(&self) -> Option<i32> {
                self.item.year().map(i32::from)
            }
            async fn date_precision(&self) -> Option<DatePrecision> {
                self.item.date.map(|d| d.precision().into())
            }
            async fn url(&self) -> Option<String> {
                self.item.url.clone()
            }
            /// BCP 47 tag (`en`, `de`).
            async fn language(&self) -> Option<String> {
                self.item.language.as_ref().map(|l| l.to_string())
            }
            async fn image(&self) -> Option<Image> {
                self.item.image.clone()
            }
            /// The people in the item, with their role; `role` keeps only that role.
            async fn people(&self, role: Option<Role>) -> Vec<Participation> {
                participations(&self.item, role)
            }
            /// Provenance or caveats the editors recorded.
            async fn note(&self) -> Option<String> {
                self.item.note.clone()
            }
            /// 1 when created, one more each time it changes: send it as `expectedVersion` to change it.
            async fn version(&self, ctx: &Context<'_>) -> Result<u64> {
                version_of(ctx, self.item.id)
            }
            $($own)*
        }
    };
}

/// An entity's current version.
pub(super) fn version_of(ctx: &Context<'_>, id: uuid::Uuid) -> Result<u64> {
    ctx.data::<Store>()?.version(id).map_err(internal)
}

fn participations(item: &Item, role: Option<Role>) -> Vec<Participation> {
    item.people
        .iter()
        .filter(|p| role.is_none_or(|r| domain::Role::from(r) == p.role))
        .map(|p| Participation(p.clone()))
        .collect()
}

/// The first participant with `role`, resolved.
fn first_with_role(ctx: &Context<'_>, item: &Item, role: domain::Role) -> Result<Option<Person>> {
    let Some(p) = item.first_with_role(role) else { return Ok(None) };
    ctx.data::<Store>()?.person_by_slug(p.person.as_str()).map_err(internal)
}

fn item_by_slug(ctx: &Context<'_>, slug: Option<&domain::Slug>) -> Result<Option<Content>> {
    let Some(slug) = slug else { return Ok(None) };
    Ok(ctx.data::<Store>()?.item_by_slug(slug.as_str()).map_err(internal)?.map(Content::from))
}

impl Content {
    fn from_entity_item(entity: Entity) -> Option<Content> {
        match entity {
            Entity::Item(i) => Some(Content::from(i)),
            _ => None,
        }
    }
}

impl From<Item> for Content {
    fn from(item: Item) -> Content {
        match item.details.clone() {
            Details::Event(d) => Event { item, d }.into(),
            Details::Interview(d) => Interview { item, d }.into(),
            Details::PressItem(d) => PressItem { item, d }.into(),
            Details::PodcastEpisode(d) => PodcastEpisode { item, d }.into(),
            Details::Article(d) => Article { item, d }.into(),
            Details::FactSheet(d) => FactSheet { item, d }.into(),
            Details::Reading(d) => Reading { item, d }.into(),
        }
    }
}

content_type!(
    /// An event: a webcast, a talk, or the public live taping of a podcast.
    Event, Event, EventDetails {
        async fn format(&self) -> EventFormat {
            self.d.format.into()
        }
        /// The event series it belongs to ("Talk at the Library").
        async fn event_series(&self) -> Option<&str> {
            self.d.event_series.as_deref()
        }
        /// Local start time, `HH:MM`.
        async fn start_time(&self) -> Option<&str> {
            self.d.start_time.as_deref()
        }
        async fn end_time(&self) -> Option<&str> {
            self.d.end_time.as_deref()
        }
        async fn venue(&self) -> Option<&str> {
            self.d.venue.as_deref()
        }
        async fn address(&self) -> Option<&str> {
            self.d.address.as_deref()
        }
        async fn city(&self) -> Option<&str> {
            self.d.city.as_deref()
        }
    }
);

content_type!(
    /// An interview: the 2018 summer series, the yearly update interviews, or the
    /// behind-the-scenes interviews.
    Interview, Interview, InterviewDetails {
        async fn category(&self) -> InterviewCategory {
            self.d.category.into()
        }
        /// The pull quote, verbatim.
        async fn quote(&self) -> Option<&str> {
            self.d.quote.as_deref()
        }
        /// The interviewee.
        async fn person(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
            first_with_role(ctx, &self.item, domain::Role::Interviewee)
        }
        /// The interviewee's affiliations at the time of the interview, as the item gives them.
        async fn affiliations(&self) -> &[String] {
            self.item.first_with_role(domain::Role::Interviewee).map_or(&[], |p| p.affiliations.as_slice())
        }
        /// The first of `affiliations`, for display.
        async fn affiliation(&self) -> Option<&str> {
            let p = self.item.first_with_role(domain::Role::Interviewee)?;
            p.affiliations.first().map(String::as_str)
        }
        /// The numbered series the interview is part of, and its position there.
        async fn series(&self) -> Option<&SeriesMembership> {
            self.d.series.as_ref()
        }
    }
);

content_type!(
    /// A press item: an interview with one of the series' experts in a newspaper.
    PressItem, PressItem, PressDetails {
        /// The line the page lists it under ("Interview with Manya Koetse").
        async fn label(&self) -> Option<&str> {
            self.d.label.as_deref()
        }
        async fn outlet(&self) -> &str {
            &self.d.outlet
        }
    }
);

content_type!(
    /// A podcast episode, linked to the live taping it was recorded at.
    PodcastEpisode, PodcastEpisode, PodcastDetails {
        async fn show(&self) -> &str {
            &self.d.show
        }
        async fn recorded_on(&self) -> Option<String> {
            self.d.recorded_on.map(|d| d.to_string())
        }
        /// Null: the release date is unknown.
        async fn released_on(&self) -> Option<String> {
            self.d.released_on.map(|d| d.to_string())
        }
        /// The event the episode was recorded at.
        async fn recorded_at(&self, ctx: &Context<'_>) -> Result<Option<Content>> {
            item_by_slug(ctx, self.d.recorded_at.as_ref())
        }
        async fn feed_url(&self) -> Option<&str> {
            self.d.feed_url.as_deref()
        }
        async fn host(&self, ctx: &Context<'_>) -> Result<Option<Person>> {
            first_with_role(ctx, &self.item, domain::Role::Host)
        }
    }
);

content_type!(
    /// An article, such as the recap of the live taping.
    Article, Article, ArticleDetails {
        /// The rubric printed above the title ("Sinica Podcast").
        async fn rubric(&self) -> Option<&str> {
            self.d.rubric.as_deref()
        }
        /// The item the article is about.
        async fn about(&self, ctx: &Context<'_>) -> Result<Option<Content>> {
            item_by_slug(ctx, self.d.about.as_ref())
        }
    }
);

content_type!(
    /// A fact sheet with its downloadable attachment.
    FactSheet, FactSheet, FactSheetDetails {
        async fn link_text(&self) -> Option<&str> {
            self.d.link_text.as_deref()
        }
        async fn attachment(&self) -> Option<&Attachment> {
            self.d.attachment.as_ref()
        }
    }
);

content_type!(
    /// A recommended reading, in the order of the page's list.
    Reading, Reading, ReadingDetails {
        /// 1-based position in the reading list.
        async fn position(&self) -> u16 {
            self.d.position
        }
        async fn authors(&self, ctx: &Context<'_>) -> Result<Vec<Person>> {
            let store = ctx.data::<Store>()?;
            let mut out = Vec::new();
            for p in self.item.people.iter().filter(|p| p.role == domain::Role::Author) {
                if let Some(person) = store.person_by_slug(p.person.as_str()).map_err(internal)? {
                    out.push(person);
                }
            }
            Ok(out)
        }
        async fn venue(&self) -> Option<&str> {
            self.d.venue.as_deref()
        }
        /// Bare DOI (`10.2139/ssrn.3175792`).
        async fn doi(&self) -> Option<&str> {
            self.d.doi.as_deref()
        }
        async fn written_on(&self) -> Option<String> {
            self.d.written_on.map(|d| d.to_string())
        }
        /// Other published versions (a journal version of a working paper).
        async fn other_versions(&self) -> &[Publication] {
            &self.d.other_versions
        }
    }
);
