//! The byte layout of index keys.
//!
//! Every index key is `[scope][filter…][order]`, where the order suffix ends with the entity's
//! 16-byte UUID. All keys matching a filter form one contiguous range, sorted in the order a
//! list is served, and the order suffix doubles as the Relay cursor. Numbers are big-endian so
//! byte order is numeric order.

use uuid::Uuid;

use super::filter::ListOrder;
use super::page::Walk;
use crate::domain::{Details, InterviewCategory, Item, Kind, Person, Update};

/// A group of entities listed together: all content, one kind, or one category of interviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    AllContent,
    Kind(Kind),
    Interviews(InterviewCategory),
}

impl Scope {
    pub fn tag(self) -> u8 {
        match self {
            Scope::AllContent => 0,
            Scope::Kind(k) => k.tag(),
            Scope::Interviews(InterviewCategory::Series) => 0x21,
            Scope::Interviews(InterviewCategory::Update) => 0x22,
            Scope::Interviews(InterviewCategory::BehindTheScenes) => 0x23,
        }
    }

    /// Scopes an item is listed in.
    pub fn of_item(item: &Item) -> Vec<Scope> {
        let mut scopes = vec![Scope::AllContent, Scope::Kind(item.kind())];
        if let Details::Interview(d) = &item.details {
            scopes.push(Scope::Interviews(d.category));
        }
        scopes
    }
}

/// Whether a scope is a numbered list (the reading list, the interview series), whose index
/// is ordered by position first.
pub fn is_numbered(scope_tag: u8) -> bool {
    scope_tag == Scope::Kind(Kind::Reading).tag()
        || scope_tag == Scope::Interviews(InterviewCategory::Series).tag()
}

/// How to walk a scope's index for `order` (`None`: the list's own order). Orders the index
/// holds are range reads; the others sort the range in memory.
pub fn walk(scope_tag: u8, order: Option<ListOrder>) -> Walk {
    let numbered = is_numbered(scope_tag);
    match order {
        None => Walk::Index,
        Some(ListOrder::Position) if numbered => Walk::Index,
        Some(ListOrder::DateDesc) if !numbered => Walk::Index,
        Some(other) => Walk::Sorted(other),
    }
}

/// Length of the order suffix of content and update keys.
pub const ITEM_ORDER_LEN: usize = 4 + 2 + 16;

/// Order of content within a scope: newest first, then in page order (`page_index`, the
/// item's place among the updates' items) or series position, then by id. Numbered lists (the
/// reading list, the interview series) are served in their own order.
pub fn item_order(scope: Scope, item: &Item, page_index: Option<u16>) -> Vec<u8> {
    let date = item.date.map_or(0, |d| d.sort_key());
    let tie_break = if is_numbered(scope.tag()) { item.position() } else { page_index.or(item.position()) };
    numbered_first(scope, date, tie_break.unwrap_or(u16::MAX), item.id)
}

fn numbered_first(scope: Scope, date: u32, position: u16, id: Uuid) -> Vec<u8> {
    let newest_first = (u32::MAX - date).to_be_bytes();
    let mut key = Vec::with_capacity(ITEM_ORDER_LEN);
    if is_numbered(scope.tag()) {
        key.extend_from_slice(&position.to_be_bytes());
        key.extend_from_slice(&newest_first);
    } else {
        key.extend_from_slice(&newest_first);
        key.extend_from_slice(&position.to_be_bytes());
    }
    key.extend_from_slice(id.as_bytes());
    key
}

/// Order of updates: newest year first.
pub fn update_order(update: &Update) -> Vec<u8> {
    numbered_first(Scope::Kind(Kind::Update), u32::from(update.year) * 10_000, 0, update.id)
}

/// Order of people: by name with diacritics folded, case-insensitive, then by id.
pub fn person_order(person: &Person) -> Vec<u8> {
    let mut key = deunicode::deunicode(&person.name).to_lowercase().into_bytes();
    key.retain(|b| *b != 0);
    key.push(0);
    key.extend_from_slice(person.id.as_bytes());
    key
}

/// The entity's UUID: the last 16 bytes of any order suffix.
pub fn id_of_order(order: &[u8]) -> Option<Uuid> {
    let start = order.len().checked_sub(16)?;
    Uuid::from_slice(&order[start..]).ok()
}

/// Which index tree a key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub enum IndexTree {
    Kind,
    Year,
    Person,
    PersonYear,
}

impl IndexTree {
    pub const ALL: [IndexTree; 4] =
        [IndexTree::Kind, IndexTree::Year, IndexTree::Person, IndexTree::PersonYear];

    /// The tree's byte in a record's stored index keys and in its counters' keys (so never
    /// renumbered).
    pub fn tag(self) -> u8 {
        match self {
            IndexTree::Kind => 0,
            IndexTree::Year => 1,
            IndexTree::Person => 2,
            IndexTree::PersonYear => 3,
        }
    }

    pub fn from_tag(tag: u8) -> Option<IndexTree> {
        IndexTree::ALL.into_iter().find(|t| t.tag() == tag)
    }

    pub fn tree_name(self) -> &'static str {
        match self {
            IndexTree::Kind => "idx_kind",
            IndexTree::Year => "idx_year",
            IndexTree::Person => "idx_person",
            IndexTree::PersonYear => "idx_person_year",
        }
    }
}

/// The range prefix for a filter: `[scope]`, `[scope][year]`, `[scope][person]` or
/// `[scope][person][year]`.
pub fn prefix(scope_tag: u8, year: Option<u16>, person: Option<Uuid>) -> (IndexTree, Vec<u8>) {
    let mut key = vec![scope_tag];
    if let Some(p) = person {
        key.extend_from_slice(p.as_bytes());
    }
    if let Some(y) = year {
        key.extend_from_slice(&y.to_be_bytes());
    }
    let tree = match (year, person) {
        (None, None) => IndexTree::Kind,
        (Some(_), None) => IndexTree::Year,
        (None, Some(_)) => IndexTree::Person,
        (Some(_), Some(_)) => IndexTree::PersonYear,
    };
    (tree, key)
}

/// The year of a year-index key (`[scope][person?][year][order]`).
pub fn year_of_key(key: &[u8], with_person: bool) -> Option<u16> {
    let at = if with_person { 17 } else { 1 };
    key.get(at..at + 2).map(|y| u16::from_be_bytes([y[0], y[1]]))
}

/// The person of a person-index key (`[scope][person][year?][order]`).
pub fn person_of_key(key: &[u8]) -> Option<Uuid> {
    key.get(1..17).and_then(|p| Uuid::from_slice(p).ok())
}

/// Whether a scope's index holds person-and-year keys. People are listed by who they appear
/// with: a key per co-person and year grew with co-people × years (about 900 a person at
/// 100,000 items). So `people(person:, year:)` reads the person range and looks each entry up
/// in the year index instead (see [`ranges`]); items keep the pairs (a few per item).
pub fn pairs_person_and_year(scope_tag: u8) -> bool {
    scope_tag != Kind::Person.tag()
}

/// The index range a list filtered by `year` and `people` reads, and the further prefixes
/// (index tree, prefix) each entry's order suffix must also be under: point lookups, never scans.
pub fn ranges(scope_tag: u8, year: Option<u16>, people: &[Uuid]) -> (Range, Vec<Range>) {
    let first = people.first().copied();
    let mut also: Vec<Range> = people.iter().skip(1).map(|p| prefix(scope_tag, None, Some(*p))).collect();
    if first.is_some() && year.is_some() && !pairs_person_and_year(scope_tag) {
        also.push(prefix(scope_tag, year, None));
        return (prefix(scope_tag, None, first), also);
    }
    (prefix(scope_tag, year, first), also)
}

/// An index tree and a key prefix in it.
pub type Range = (IndexTree, Vec<u8>);

/// Every index key of an entity listed in `scope_tag` with the given years and people.
pub fn entries(
    scope_tag: u8,
    order: &[u8],
    years: &[u16],
    people: &[Uuid],
    out: &mut Vec<(IndexTree, Vec<u8>)>,
) {
    let mut push = |year: Option<u16>, person: Option<Uuid>| {
        let (tree, mut key) = prefix(scope_tag, year, person);
        key.extend_from_slice(order);
        out.push((tree, key));
    };
    push(None, None);
    for y in years {
        push(Some(*y), None);
    }
    for p in people {
        push(None, Some(*p));
        if pairs_person_and_year(scope_tag) {
            for y in years {
                push(Some(*y), Some(*p));
            }
        }
    }
}
