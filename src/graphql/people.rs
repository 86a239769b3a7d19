//! People, yearly updates and the series page.

use async_graphql::{Context, Result, ID};

use super::connection::*;
use super::content::{version_of, Content};
use super::error::internal;
use crate::domain::{Image, InterviewCategory, Kind, Person, Series, Update};
use crate::store::{Scope, Store};

object_with_lists! {
    impl Person, owner(|self| Some(self.id));
    content_lists {
        /// Everything the person takes part in, newest first.
        contents: ContentConnection = Scope::AllContent.tag(),
        events: EventConnection = Kind::Event.tag(),
        interviews: InterviewConnection = Kind::Interview.tag(),
        readings: ReadingConnection = Kind::Reading.tag(),
        press_items: PressItemConnection = Kind::PressItem.tag(),
        podcast_episodes: PodcastEpisodeConnection = Kind::PodcastEpisode.tag(),
        articles: ArticleConnection = Kind::Article.tag(),
    }
    lists {}

    pub async fn id(&self) -> ID {
        ID(self.id.to_string())
    }
    async fn slug(&self) -> &str {
        self.slug.as_str()
    }
    async fn name(&self) -> &str {
        &self.name
    }
    /// Every affiliation the person is given in the series; each item's own are on its `people`.
    async fn affiliations(&self) -> &[String] {
        &self.affiliations
    }
    async fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }
    /// 1 when created, one more each time it changes: send it as `expectedVersion` to change it.
    async fn version(&self, ctx: &Context<'_>) -> Result<u64> {
        version_of(ctx, self.id)
    }
}

/// A year's section of the page ("2019 Update").
#[async_graphql::Object]
impl Update {
    pub async fn id(&self) -> ID {
        ID(self.id.to_string())
    }
    async fn slug(&self) -> &str {
        self.slug.as_str()
    }
    async fn year(&self) -> i32 {
        i32::from(self.year)
    }
    async fn title(&self) -> &str {
        &self.title
    }
    async fn intro(&self) -> Option<&str> {
        self.intro.as_deref()
    }
    /// 1 when created, one more each time it changes: send it as `expectedVersion` to change it.
    async fn version(&self, ctx: &Context<'_>) -> Result<u64> {
        version_of(ctx, self.id)
    }
    /// The section's items, in page order.
    async fn items(&self, ctx: &Context<'_>) -> Result<Vec<Content>> {
        let store = ctx.data::<Store>()?;
        let mut out = Vec::with_capacity(self.items.len());
        for slug in &self.items {
            if let Some(item) = store.item_by_slug(slug.as_str()).map_err(internal)? {
                out.push(Content::from(item));
            }
        }
        Ok(out)
    }
}

/// The page the series lives on.
#[async_graphql::Object]
impl Series {
    pub async fn id(&self) -> ID {
        ID(self.id.to_string())
    }
    async fn slug(&self) -> &str {
        self.slug.as_str()
    }
    async fn title(&self) -> &str {
        &self.title
    }
    async fn subtitle(&self) -> Option<&str> {
        self.subtitle.as_deref()
    }
    async fn publisher(&self) -> Option<&str> {
        self.publisher.as_deref()
    }
    async fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }
    /// The series' introduction (2018).
    async fn intro(&self) -> Option<&str> {
        self.intro.as_deref()
    }
    async fn hero_image(&self) -> Option<&Image> {
        self.hero_image.as_ref()
    }
    /// 1 when created, one more each time it changes: send it as `expectedVersion` to change it.
    async fn version(&self, ctx: &Context<'_>) -> Result<u64> {
        version_of(ctx, self.id)
    }
    /// The yearly sections, newest first.
    async fn updates(&self, ctx: &Context<'_>) -> Result<Vec<Update>> {
        let args = super::connection::ListArgs { first: Some(100), ..Default::default() };
        Ok(super::connection::list::<Update>(ctx, Kind::Update.tag(), None, args)?
            .edges
            .into_iter()
            .map(|e| e.1)
            .collect())
    }
}

pub(crate) fn interview_scope(category: Option<super::values::InterviewCategory>) -> u8 {
    match category {
        Some(c) => Scope::Interviews(InterviewCategory::from(c)).tag(),
        None => Kind::Interview.tag(),
    }
}
