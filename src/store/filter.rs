//! Filters and orders of a list beyond what its index range selects.
//!
//! Year and person are index ranges (see [`super::keys`]). A kind is read from the index entry
//! itself. Dates, language and role need the item, so those filters read each entry of the
//! range they walk: their cost grows with the range, not only the page.

use uuid::Uuid;

use crate::domain::{entity_id, Item, Kind, Language, Role};

/// What an item must also be to be listed. The default keeps everything.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ItemFilter {
    /// Only items whose date may fall in these days (`YYYYMMDD`, inclusive); undated items are
    /// left out.
    pub days: Option<(u32, u32)>,
    /// Only these kinds; every kind when empty.
    pub kinds: Vec<Kind>,
    pub language: Option<Language>,
    /// Only items with someone in this role: `person` when given, anyone otherwise.
    pub role: Option<(Role, Option<Uuid>)>,
}

impl ItemFilter {
    pub fn keeps_kind(&self, kind: Kind) -> bool {
        self.kinds.is_empty() || self.kinds.contains(&kind)
    }

    /// Whether deciding needs the item itself, not only its index entry.
    pub fn needs_item(&self) -> bool {
        self.days.is_some() || self.language.is_some() || self.role.is_some()
    }

    pub fn keeps(&self, item: &Item) -> bool {
        let dated_within = self.days.is_none_or(|(from, to)| item.date.is_some_and(|d| d.overlaps(from, to)));
        let in_language = self.language.as_ref().is_none_or(|l| item.language.as_ref() == Some(l));
        let in_role = self.role.is_none_or(|(role, person)| {
            item.people
                .iter()
                .any(|p| p.role == role && person.is_none_or(|id| entity_id(Kind::Person, &p.person) == id))
        });
        self.keeps_kind(item.kind()) && dated_within && in_language && in_role
    }
}

/// The order a list is served in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOrder {
    /// Newest first (undated items last); ties by series position, then id.
    DateDesc,
    /// Oldest first (undated items last); ties by series position, then id.
    DateAsc,
    /// By title, diacritics folded and case-insensitive; untitled items last; ties by id.
    Title,
    /// By position in a numbered list (the interview series, the reading list), unnumbered
    /// items last, then newest first.
    Position,
}

/// Sort keys of an item for the orders an index does not hold. Ascending byte order is the
/// order served; each ends with the id, so no two items tie.
pub fn sort_key(order: ListOrder, item: &Item) -> Vec<u8> {
    let newest_first = (u32::MAX - item.date.map_or(0, |d| d.sort_key())).to_be_bytes();
    // Undated items come last in both date orders.
    let oldest_first = item.date.map_or(u32::MAX, |d| d.sort_key()).to_be_bytes();
    let position = item.position().unwrap_or(u16::MAX).to_be_bytes();
    let mut key = match order {
        ListOrder::DateDesc => [&newest_first[..], &position].concat(),
        ListOrder::DateAsc => [&oldest_first[..], &position].concat(),
        ListOrder::Position => [&position[..], &newest_first].concat(),
        ListOrder::Title => match &item.title {
            // 0x01 before every untitled item's 0x02, so untitled items come last.
            Some(t) => {
                let mut k = vec![1];
                k.extend(deunicode::deunicode(t).to_lowercase().bytes().filter(|b| *b != 0));
                k.push(0);
                k
            }
            None => vec![2],
        },
    };
    key.extend_from_slice(item.id.as_bytes());
    key
}
