//! Full-text search: ranked hits with a highlighted snippet and a score.

use async_graphql::{Context, Object, Result, SimpleObject};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::connection::PageInfo;
use super::content::Node;
use super::error::{bad_input, internal};
use super::values::EntityKind;
use crate::domain::Kind;
use crate::search::{Hit, SearchError, SearchIndex};
use crate::store::{Store, DEFAULT_PAGE_SIZE};

/// The `search` query, merged into the root query.
#[derive(Default)]
pub struct SearchQuery;

#[Object]
impl SearchQuery {
    /// Content items, yearly updates and the series page matching `query`, best first. Words
    /// match in English and German, with or without diacritics ("Tohk" finds "Tõhk"), in titles,
    /// deks, summaries, quotes, intros, image credits and the names of the people taking part.
    #[allow(clippy::too_many_arguments)]
    #[graphql(
        complexity = "super::limits::list_cost(super::limits::page_cost(first, None), child_complexity)"
    )]
    async fn search(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Plain words; no query syntax. Must not be empty.")] query: String,
        #[graphql(desc = "Only these kinds (not `PERSON`).")] kinds: Option<Vec<EntityKind>>,
        #[graphql(desc = "Only items dated in this year.")] year: Option<i32>,
        #[graphql(desc = "Only items this person (a slug) takes part in.")] person: Option<String>,
        #[graphql(desc = "Page size, 0 to 100 (default 20).")] first: Option<i32>,
        #[graphql(desc = "Start after this cursor.")] after: Option<String>,
    ) -> Result<SearchConnection> {
        let store = ctx.data::<Store>()?;
        let index = ctx.data::<SearchIndex>()?;
        let year = super::args::year(year)?;
        let person = super::args::person(store, person.as_deref())?;
        let limit = super::connection::page_size("first", first)?.unwrap_or(DEFAULT_PAGE_SIZE);
        let offset = after.as_deref().map(decode_cursor).transpose()?.map_or(0, |o| o + 1);
        let kinds: Vec<Kind> = kinds.into_iter().flatten().map(Kind::from).collect();
        if kinds.contains(&Kind::Person) {
            return Err(bad_input("kinds", "people are found through their items: search without `PERSON`"));
        }
        let snippets = ctx.look_ahead().field("edges").field("snippet").exists();
        let query =
            crate::search::SearchQuery { text: &query, kinds: &kinds, year, person, offset, limit, snippets };
        let results = index.search(&query).map_err(|e| match e {
            SearchError::EmptyQuery => bad_input("query", "`query` needs at least one word"),
            other => internal(other),
        })?;

        let mut edges = Vec::with_capacity(results.hits.len());
        for (n, hit) in results.hits.into_iter().enumerate() {
            // A hit the store no longer holds was deleted since the search: skip it.
            if let Some(entity) = store.entity_of(hit.kind, hit.id).map_err(internal)? {
                edges.push(SearchEdge::new(encode_cursor(offset + n), hit, Node::from(entity)));
            }
        }
        let page_info = PageInfo {
            has_next_page: offset + limit < results.total,
            has_previous_page: offset > 0,
            start_cursor: edges.first().map(|e| e.cursor.clone()),
            end_cursor: edges.last().map(|e| e.cursor.clone()),
        };
        Ok(SearchConnection { total_count: results.total as u64, edges, page_info })
    }
}

/// One page of search hits.
pub struct SearchConnection {
    total_count: u64,
    edges: Vec<SearchEdge>,
    page_info: PageInfo,
}

#[Object]
impl SearchConnection {
    /// How many entities match, on all pages.
    async fn total_count(&self) -> u64 {
        self.total_count
    }
    /// The matching entities of this page, best first (the same as `edges { node }`; the
    /// edges also carry each hit's score and snippet).
    async fn nodes(&self) -> Vec<&Node> {
        self.edges.iter().map(|e| &e.node).collect()
    }
    async fn edges(&self) -> &[SearchEdge] {
        &self.edges
    }
    async fn page_info(&self) -> &PageInfo {
        &self.page_info
    }
}

/// A hit: the entity, how well it matches, and where.
pub struct SearchEdge {
    cursor: String,
    score: f32,
    /// Made only when the query selects it (see `search`).
    snippet: Option<Snippet>,
    node: Node,
}

impl SearchEdge {
    fn new(cursor: String, hit: Hit, node: Node) -> SearchEdge {
        let snippet = hit.snippet.map(|s| Snippet {
            field: s.field.to_string(),
            highlights: s
                .highlights
                .iter()
                .map(|r| TextRange { start: r.start as i32, end: r.end as i32 })
                .collect(),
            html: s.html(),
            text: s.text,
        });
        SearchEdge { cursor, score: hit.score, snippet, node }
    }
}

#[Object]
impl SearchEdge {
    /// Opaque; pass it as `after`.
    async fn cursor(&self) -> &str {
        &self.cursor
    }
    /// The relevance score (BM25); higher is better. Comparable within one search only.
    async fn score(&self) -> f64 {
        f64::from(self.score)
    }
    async fn snippet(&self) -> Result<&Snippet> {
        self.snippet.as_ref().ok_or_else(|| internal("a snippet was selected but not made"))
    }
    /// The matching entity: a content item (`... on Content`), an update or the series.
    async fn node(&self) -> &Node {
        &self.node
    }
}

/// Where a hit matched: a fragment of its best field with the matched words marked.
#[derive(SimpleObject)]
pub struct Snippet {
    /// The field the fragment is from: `title`, `people`, `dek`, `summary`, `quote`, `intro`,
    /// `label`, `outlet`, `venue` or `image`.
    field: String,
    text: String,
    /// The matched words in `text`, as character offsets (Unicode scalar values).
    highlights: Vec<TextRange>,
    /// `text`, HTML-escaped, with each matched word in `<mark>…</mark>`: safe to insert as HTML.
    html: String,
}

/// A range of characters: `start` inclusive, `end` exclusive.
#[derive(SimpleObject)]
pub struct TextRange {
    start: i32,
    end: i32,
}

/// Version and kind of a search cursor: the hit's position in the ranking.
const CURSOR_PREFIX: [u8; 2] = [1, b's'];

fn encode_cursor(position: usize) -> String {
    let position = u32::try_from(position).unwrap_or(u32::MAX);
    URL_SAFE_NO_PAD.encode([&CURSOR_PREFIX[..], &position.to_be_bytes()].concat())
}

fn decode_cursor(cursor: &str) -> Result<usize> {
    let invalid = || bad_input("after", "`after` is not a cursor of a search");
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    match bytes.split_first_chunk::<2>() {
        Some((prefix, rest)) if *prefix == CURSOR_PREFIX => {
            let position: [u8; 4] = rest.try_into().map_err(|_| invalid())?;
            Ok(u32::from_be_bytes(position) as usize)
        }
        _ => Err(invalid()),
    }
}
