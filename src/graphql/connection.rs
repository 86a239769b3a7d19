//! Relay connections over index ranges: one generic helper for every list.

use async_graphql::{Context, Result, SimpleObject};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use uuid::Uuid;

use super::content::*;
use super::error::{bad_input, internal, not_found};
use crate::domain::{Kind, Person, Update};
use crate::store::{keys, Entity, PageRequest, Store};

/// Largest page a client may ask for; more is an error, never a silent cut.
pub const MAX_PAGE_SIZE: i32 = 100;

/// One page of a list, before it becomes a concrete GraphQL connection type.
pub struct Paged<T> {
    pub total_count: u64,
    pub edges: Vec<(String, T)>,
    pub page_info: PageInfo,
}

/// Declares a Relay connection type and its edge type for one node type.
macro_rules! connection_type {
    ($($connection:ident, $edge:ident, $node:ty;)*) => {$(
        #[derive(SimpleObject)]
        pub struct $connection {
            /// How many entries match the filters, on all pages.
            pub total_count: u64,
            /// The entries of this page (the same as `edges { node }`).
            pub nodes: Vec<$node>,
            pub edges: Vec<$edge>,
            pub page_info: PageInfo,
        }

        #[derive(SimpleObject)]
        pub struct $edge {
            /// Opaque; pass it as `after` or `before`.
            pub cursor: String,
            pub node: $node,
        }

        impl From<Paged<$node>> for $connection {
            fn from(p: Paged<$node>) -> Self {
                let nodes = p.edges.iter().map(|(_, n)| n.clone()).collect();
                let edges = p.edges.into_iter().map(|(cursor, node)| $edge { cursor, node }).collect();
                $connection { total_count: p.total_count, nodes, edges, page_info: p.page_info }
            }
        }
    )*};
}

connection_type! {
    ContentConnection, ContentEdge, Content;
    EventConnection, EventEdge, Event;
    InterviewConnection, InterviewEdge, Interview;
    PressItemConnection, PressItemEdge, PressItem;
    PodcastEpisodeConnection, PodcastEpisodeEdge, PodcastEpisode;
    ArticleConnection, ArticleEdge, Article;
    FactSheetConnection, FactSheetEdge, FactSheet;
    ReadingConnection, ReadingEdge, Reading;
    PersonConnection, PersonEdge, Person;
    UpdateConnection, UpdateEdge, Update;
}

#[derive(SimpleObject)]
pub struct PageInfo {
    pub has_next_page: bool,
    pub has_previous_page: bool,
    pub start_cursor: Option<String>,
    pub end_cursor: Option<String>,
}

/// The filter and paging arguments every list takes.
#[derive(Debug, Clone, Default)]
pub struct ListArgs {
    pub year: Option<i32>,
    pub person: Option<String>,
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

/// What can be built from a stored entity: each list's node type.
pub trait FromEntity: Sized {
    fn from_entity(entity: Entity) -> Option<Self>;
}

impl FromEntity for Person {
    fn from_entity(entity: Entity) -> Option<Self> {
        match entity {
            Entity::Person(p) => Some(p),
            _ => None,
        }
    }
}

impl FromEntity for Update {
    fn from_entity(entity: Entity) -> Option<Self> {
        match entity {
            Entity::Update(u) => Some(u),
            _ => None,
        }
    }
}

impl FromEntity for Content {
    fn from_entity(entity: Entity) -> Option<Self> {
        match entity {
            Entity::Item(i) => Some(Content::from(i)),
            _ => None,
        }
    }
}

/// Serves one page of the list `scope_tag` (see [`keys::Scope`]), filtered by `args` and, for a
/// person's own lists, by `owner`.
pub fn list<T: FromEntity>(
    ctx: &Context<'_>,
    scope_tag: u8,
    owner: Option<Uuid>,
    args: ListArgs,
) -> Result<Paged<T>> {
    let store = ctx.data::<Store>()?;
    let year = match args.year {
        None => None,
        Some(y) if (1000..=9999).contains(&y) => Some(y as u16),
        Some(y) => return Err(bad_input("year", format!("`year` must be a four-digit year, got {y}"))),
    };
    let mut people: Vec<Uuid> = owner.into_iter().collect();
    if let Some(slug) = &args.person {
        match store.id_by_slug(Kind::Person, slug).map_err(internal)? {
            Some(id) => people.push(id),
            None => return Err(not_found("person", format!("no person with slug `{slug}`"))),
        }
    }
    let request = PageRequest {
        first: page_size("first", args.first)?,
        last: page_size("last", args.last)?,
        after: args.after.as_deref().map(|c| decode_cursor("after", c, scope_tag)).transpose()?,
        before: args.before.as_deref().map(|c| decode_cursor("before", c, scope_tag)).transpose()?,
        // Counting walks the whole range: only when the client asks for it.
        count: ctx.look_ahead().field("totalCount").exists(),
    };
    if request.first.is_some() && request.last.is_some() {
        return Err(bad_input("last", "give `first` or `last`, not both"));
    }
    let (tree, prefix) = keys::prefix(scope_tag, year, people.first().copied());
    let also: Vec<Vec<u8>> =
        people.iter().skip(1).map(|p| keys::prefix(scope_tag, None, Some(*p)).1).collect();
    let page = store.page(tree, &prefix, &also, &request).map_err(internal)?;

    let mut edges = Vec::with_capacity(page.entries.len());
    for (order, kind, id) in page.entries {
        let entity = store.entity_of(kind, id).map_err(internal)?;
        if let Some(node) = entity.and_then(T::from_entity) {
            edges.push((encode_cursor(scope_tag, &order), node));
        }
    }
    let page_info = PageInfo {
        has_next_page: page.has_next,
        has_previous_page: page.has_previous,
        start_cursor: edges.first().map(|e| e.0.clone()),
        end_cursor: edges.last().map(|e| e.0.clone()),
    };
    Ok(Paged { total_count: page.total, edges, page_info })
}

fn page_size(argument: &str, n: Option<i32>) -> Result<Option<usize>> {
    match n {
        None => Ok(None),
        Some(n) if (0..=MAX_PAGE_SIZE).contains(&n) => Ok(Some(n as usize)),
        Some(n) => {
            Err(bad_input(argument, format!("`{argument}` must be between 0 and {MAX_PAGE_SIZE}, got {n}")))
        }
    }
}

/// Version of the cursor format, so a future layout can refuse old cursors cleanly.
const CURSOR_VERSION: u8 = 1;

/// A cursor: the format version, the list's scope and the entry's order key. The scope ties
/// the cursor to its list: one from `readings` is refused by `contents`.
fn encode_cursor(scope_tag: u8, order: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode([&[CURSOR_VERSION, scope_tag], order].concat())
}

fn decode_cursor(argument: &str, cursor: &str, scope_tag: u8) -> Result<Vec<u8>> {
    let invalid = || bad_input(argument, format!("`{argument}` is not a cursor of this list"));
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let Some(([version, tag], order)) = bytes.split_first_chunk::<2>() else { return Err(invalid()) };
    let length_ok = if scope_tag == Kind::Person.tag() {
        order.len() > 16 && order[order.len() - 17] == 0
    } else {
        order.len() == keys::ITEM_ORDER_LEN
    };
    if *version != CURSOR_VERSION || *tag != scope_tag || !length_ok {
        return Err(invalid());
    }
    Ok(order.to_vec())
}

/// Writes an `#[Object]` impl whose list fields all take the same filter and paging
/// arguments and are served by [`list`]. `owner` restricts every list to one person's items.
macro_rules! object_with_lists {
    (
        impl $ty:ty, owner(|$this:ident| $owner:expr);
        lists { $( $(#[$ldoc:meta])* $name:ident $(($($extra:ident: $extra_ty:ty),*))?: $connection:ident = $scope:expr ),* $(,)? }
        $($rest:tt)*
    ) => {
        #[async_graphql::Object]
        impl $ty {
            $(
                $(#[$ldoc])*
                #[allow(clippy::too_many_arguments)]
                #[graphql(complexity = "crate::graphql::limits::page_cost(first, last) * child_complexity + 1")]
                async fn $name(
                    &$this,
                    ctx: &async_graphql::Context<'_>,
                    $($($extra: $extra_ty,)*)?
                    #[graphql(desc = "Only items dated in this year.")] year: Option<i32>,
                    #[graphql(desc = "Only items this person (a slug) takes part in, in any role.")] person: Option<String>,
                    #[graphql(desc = "Page size from the start, 0 to 100 (default 20).")] first: Option<i32>,
                    #[graphql(desc = "Start after this cursor.")] after: Option<String>,
                    #[graphql(desc = "Page size from the end, 0 to 100.")] last: Option<i32>,
                    #[graphql(desc = "End before this cursor.")] before: Option<String>,
                ) -> async_graphql::Result<$crate::graphql::connection::$connection> {
                    let args = $crate::graphql::connection::ListArgs { year, person, first, after, last, before };
                    $crate::graphql::connection::list(ctx, $scope, $owner, args).map(Into::into)
                }
            )*
            $($rest)*
        }
    };
}
pub(crate) use object_with_lists;
