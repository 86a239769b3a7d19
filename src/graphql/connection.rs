//! Relay connections over index ranges: one generic helper for every list.

use async_graphql::{Context, Result, SimpleObject};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use uuid::Uuid;

use super::content::*;
use super::error::{bad_input, internal};
use super::values::{ContentKind, ContentOrder, Role};
use crate::domain::{Kind, Language, PartialDate, Person, Series, Update};
use crate::store::{keys, Entity, ItemFilter, ListOrder, ListSpec, PageRequest, Store, Walk};

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

/// The filter, order and paging arguments of a list. People and updates take only `year`,
/// `person` and paging; content lists take them all.
#[derive(Debug, Clone, Default)]
pub struct ListArgs {
    pub year: Option<i32>,
    pub person: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub kinds: Option<Vec<ContentKind>>,
    pub language: Option<String>,
    pub role: Option<Role>,
    pub order_by: Option<ContentOrder>,
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

impl FromEntity for Series {
    fn from_entity(entity: Entity) -> Option<Self> {
        match entity {
            Entity::Series(s) => Some(s),
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
    let year = super::args::year(args.year)?;
    let named = super::args::person(store, args.person.as_deref())?;
    let mut people: Vec<Uuid> = owner.into_iter().collect();
    people.extend(named);
    let filter = item_filter(&args, named.or(owner))?;
    let walk = keys::walk(scope_tag, args.order_by.map(Into::into));
    let request = PageRequest {
        first: page_size("first", args.first)?,
        last: page_size("last", args.last)?,
        after: args.after.as_deref().map(|c| decode_cursor("after", c, scope_tag, walk)).transpose()?,
        before: args.before.as_deref().map(|c| decode_cursor("before", c, scope_tag, walk)).transpose()?,
        // Counting walks the whole range: only when the client asks for it.
        count: ctx.look_ahead().field("totalCount").exists(),
    };
    if request.first.is_some() && request.last.is_some() {
        return Err(bad_input("last", "give `first` or `last`, not both"));
    }
    let ((tree, prefix), also) = keys::ranges(scope_tag, year, &people);
    let spec = ListSpec { tree, prefix: &prefix, also: &also, filter: &filter, walk };
    let page = store.page(&spec, &request).map_err(internal)?;

    let mut edges = Vec::with_capacity(page.entries.len());
    for (order, kind, id) in page.entries {
        let entity = store.entity_of(kind, id).map_err(internal)?;
        if let Some(node) = entity.and_then(T::from_entity) {
            edges.push((encode_cursor(scope_tag, walk, &order), node));
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

/// The item filter of a content list's arguments. `role` applies to `person` (or the list's
/// owner) when there is one, to anyone otherwise.
fn item_filter(args: &ListArgs, role_person: Option<Uuid>) -> Result<ItemFilter> {
    let date = |argument: &str, value: &Option<String>| -> Result<Option<PartialDate>> {
        value
            .as_deref()
            .map(|v| v.parse::<PartialDate>().map_err(|e| bad_input(argument, format!("`{argument}`: {e}"))))
            .transpose()
    };
    let (from, to) = (date("from", &args.from)?, date("to", &args.to)?);
    if let (Some(f), Some(t)) = (from, to) {
        if f.first_day() > t.last_day() {
            return Err(bad_input("to", format!("`to` ({t}) is before `from` ({f})")));
        }
    }
    let days = (from.is_some() || to.is_some())
        .then(|| (from.map_or(0, |d| d.first_day()), to.map_or(u32::MAX, |d| d.last_day())));
    let language = match &args.language {
        None => None,
        Some(l) => Some(Language::parse(l).map_err(|e| bad_input("language", e.to_string()))?),
    };
    Ok(ItemFilter {
        days,
        kinds: args.kinds.iter().flatten().map(|k| Kind::from(*k)).collect(),
        language,
        role: args.role.map(|r| (r.into(), role_person)),
    })
}

pub(super) fn page_size(argument: &str, n: Option<i32>) -> Result<Option<usize>> {
    match n {
        None => Ok(None),
        Some(n) if (0..=MAX_PAGE_SIZE).contains(&n) => Ok(Some(n as usize)),
        Some(n) => {
            Err(bad_input(argument, format!("`{argument}` must be between 0 and {MAX_PAGE_SIZE}, got {n}")))
        }
    }
}

/// Version of the cursor format, so a future layout can refuse old cursors cleanly.
const CURSOR_VERSION: u8 = 2;

/// A cursor: the format version, the list's scope, how it is walked, and the entry's order
/// key. Scope and walk tie the cursor to its list and order: one from `readings` is refused by
/// `contents`, one from a title-ordered list by a date-ordered one.
fn encode_cursor(scope_tag: u8, walk: Walk, order: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode([&[CURSOR_VERSION, scope_tag, walk_tag(walk)], order].concat())
}

fn walk_tag(walk: Walk) -> u8 {
    match walk {
        Walk::Index => 0,
        Walk::Sorted(ListOrder::DateDesc) => 1,
        Walk::Sorted(ListOrder::DateAsc) => 2,
        Walk::Sorted(ListOrder::Title) => 3,
        Walk::Sorted(ListOrder::Position) => 4,
    }
}

fn decode_cursor(argument: &str, cursor: &str, scope_tag: u8, walk: Walk) -> Result<Vec<u8>> {
    let invalid = || bad_input(argument, format!("`{argument}` is not a cursor of this list and order"));
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let Some(([version, tag, walked], order)) = bytes.split_first_chunk::<3>() else { return Err(invalid()) };
    let length_ok = match walk {
        Walk::Sorted(ListOrder::Title) => order.len() >= 17,
        Walk::Sorted(_) => order.len() == keys::ITEM_ORDER_LEN,
        _ if scope_tag == Kind::Person.tag() => order.len() > 16 && order[order.len() - 17] == 0,
        _ => order.len() == keys::ITEM_ORDER_LEN,
    };
    if *version != CURSOR_VERSION || *tag != scope_tag || *walked != walk_tag(walk) || !length_ok {
        return Err(invalid());
    }
    Ok(order.to_vec())
}

/// Writes an `#[Object]` impl whose list fields all take the same arguments and are served by
/// [`list`]: `content_lists` take every filter and `orderBy`, `lists` (people, updates) take
/// `year`, `person` and paging. `owner` restricts every list to one person's items.
macro_rules! object_with_lists {
    (
        impl $ty:ty, owner(|$this:ident| $owner:expr);
        content_lists { $( $(#[$cdoc:meta])* $cname:ident $(($($cextra:ident: $cextra_ty:ty),*))?: $cconnection:ident = $cscope:expr ),* $(,)? }
        lists { $( $(#[$ldoc:meta])* $name:ident: $connection:ident = $scope:expr ),* $(,)? }
        $($rest:tt)*
    ) => {
        #[async_graphql::Object]
        impl $ty {
            $(
                $(#[$cdoc])*
                #[allow(clippy::too_many_arguments)]
                #[graphql(complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::page_cost(first, last), child_complexity)")]
                async fn $cname(
                    &$this,
                    ctx: &async_graphql::Context<'_>,
                    $($($cextra: $cextra_ty,)*)?
                    #[graphql(desc = "Only items dated in this year.")] year: Option<i32>,
                    #[graphql(desc = "Only items this person (a slug) takes part in, in any role (or in `role`).")] person: Option<String>,
                    #[graphql(desc = "Only items whose date may fall on or after this ISO date (`2018`, `2018-11`, `2018-11-10`); undated items are left out.")] from: Option<String>,
                    #[graphql(desc = "Only items whose date may fall on or before this ISO date; undated items are left out.")] to: Option<String>,
                    #[graphql(desc = "Only items of these kinds.")] kinds: Option<Vec<$crate::graphql::values::ContentKind>>,
                    #[graphql(desc = "Only items in this language (BCP 47: `en`, `de`).")] language: Option<String>,
                    #[graphql(desc = "Only items where `person` (or, without it, anyone) has this role.")] role: Option<$crate::graphql::values::Role>,
                    #[graphql(desc = "The order (default: the list's own, newest first or in series order).")] order_by: Option<$crate::graphql::values::ContentOrder>,
                    #[graphql(desc = "Page size from the start, 0 to 100 (default 20).")] first: Option<i32>,
                    #[graphql(desc = "Start after this cursor.")] after: Option<String>,
                    #[graphql(desc = "Page size from the end, 0 to 100.")] last: Option<i32>,
                    #[graphql(desc = "End before this cursor.")] before: Option<String>,
                ) -> async_graphql::Result<$crate::graphql::connection::$cconnection> {
                    let args = $crate::graphql::connection::ListArgs {
                        year, person, from, to, kinds, language, role, order_by, first, after, last, before,
                    };
                    $crate::graphql::connection::list(ctx, $cscope, $owner, args).map(Into::into)
                }
            )*
            $(
                $(#[$ldoc])*
                #[allow(clippy::too_many_arguments)]
                #[graphql(complexity = "crate::graphql::limits::list_cost(crate::graphql::limits::page_cost(first, last), child_complexity)")]
                async fn $name(
                    &$this,
                    ctx: &async_graphql::Context<'_>,
                    #[graphql(desc = "Only those in an item dated in this year.")] year: Option<i32>,
                    #[graphql(desc = "Only those with an item of this person (a slug).")] person: Option<String>,
                    #[graphql(desc = "Page size from the start, 0 to 100 (default 20).")] first: Option<i32>,
                    #[graphql(desc = "Start after this cursor.")] after: Option<String>,
                    #[graphql(desc = "Page size from the end, 0 to 100.")] last: Option<i32>,
                    #[graphql(desc = "End before this cursor.")] before: Option<String>,
                ) -> async_graphql::Result<$crate::graphql::connection::$connection> {
                    let args = $crate::graphql::connection::ListArgs {
                        year, person, first, after, last, before, ..Default::default()
                    };
                    $crate::graphql::connection::list(ctx, $scope, $owner, args).map(Into::into)
                }
            )*
            $($rest)*
        }
    };
}
pub(crate) use object_with_lists;
