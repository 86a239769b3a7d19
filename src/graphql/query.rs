//! The root query.

use async_graphql::{Context, Result, ID};
use uuid::Uuid;

use super::connection::*;
use super::content::{Content, Node};
use super::error::{bad_input, internal, not_found};
use super::people::interview_scope;
use super::values::InterviewCategory;
use crate::domain::{Kind, Person, Series};
use crate::store::{Scope, Store};

pub struct Query;

object_with_lists! {
    impl Query, owner(|self| None);
    content_lists {
        /// Every content item of every kind, newest first.
        contents: ContentConnection = Scope::AllContent.tag(),
        /// Interviews, newest first (the summer series in series order); `category` keeps one group.
        interviews(category: Option<InterviewCategory>): InterviewConnection = interview_scope(category),
        /// Events, newest first.
        events: EventConnection = Kind::Event.tag(),
        /// Press items, newest first.
        press_items: PressItemConnection = Kind::PressItem.tag(),
        /// Podcast episodes, newest first.
        podcast_episodes: PodcastEpisodeConnection = Kind::PodcastEpisode.tag(),
        /// Articles, newest first.
        articles: ArticleConnection = Kind::Article.tag(),
        /// Fact sheets, newest first.
        fact_sheets: FactSheetConnection = Kind::FactSheet.tag(),
        /// The recommended reading, in the page's order.
        readings: ReadingConnection = Kind::Reading.tag(),
    }
    lists {
        /// The yearly sections, newest first; `person` keeps those with an item of that person.
        updates: UpdateConnection = Kind::Update.tag(),
        /// People by name; `year` keeps those in an item of that year, `person` those who
        /// appear alongside that person.
        people: PersonConnection = Kind::Person.tag(),
    }

    /// The series page.
    async fn series(&self, ctx: &Context<'_>) -> Result<Option<Series>> {
        ctx.data::<Store>()?.series().map_err(internal)
    }

    /// A person by slug; an unknown slug is a `NOT_FOUND` error.
    async fn person(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Person>> {
        match ctx.data::<Store>()?.person_by_slug(&slug).map_err(internal)? {
            Some(p) => Ok(Some(p)),
            None => Err(not_found("slug", format!("no person with slug `{slug}`"))),
        }
    }

    /// A content item of any kind by slug; an unknown slug is a `NOT_FOUND` error.
    async fn content(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Content>> {
        match ctx.data::<Store>()?.item_by_slug(&slug).map_err(internal)? {
            Some(i) => Ok(Some(Content::from(i))),
            None => Err(not_found("slug", format!("no content item with slug `{slug}`"))),
        }
    }

    /// Anything by its global id. A malformed id is `BAD_USER_INPUT`, an unknown one `NOT_FOUND`.
    async fn node(&self, ctx: &Context<'_>, id: ID) -> Result<Option<Node>> {
        let uuid = Uuid::parse_str(&id).map_err(|_| bad_input("id", format!("`{}` is not an id of this API", *id)))?;
        match ctx.data::<Store>()?.entity(uuid).map_err(internal)? {
            Some(e) => Ok(Some(Node::from(e))),
            None => Err(not_found("id", format!("nothing has the id `{}`", *id))),
        }
    }
}
