//! Facets: counts for archive navigation, without fetching the items.

use async_graphql::{Context, Object, Result, SimpleObject};

use super::error::internal;
use super::values::ContentKind;
use crate::domain::{Kind, Person};
use crate::store::{FacetFilter, Facets, Store};

/// The `facets` query, merged into the root query.
#[derive(Default)]
pub struct FacetsQuery;

#[Object]
impl FacetsQuery {
    /// How many content items there are per year (and kind), per kind and per person, for
    /// drawing "2018 (14) · 2019 (3) · 2020 (1)". The arguments narrow what is counted.
    async fn facets(
        &self,
        ctx: &Context<'_>,
        kinds: Option<Vec<ContentKind>>,
        #[graphql(desc = "Only items dated in this year.")] year: Option<i32>,
        #[graphql(desc = "Only items of this person (a slug).")] person: Option<String>,
    ) -> Result<ContentFacets> {
        let store = ctx.data::<Store>()?;
        let year = super::args::year(year)?;
        let person = super::args::person(store, person.as_deref())?;
        let kinds = kinds.into_iter().flatten().map(Kind::from).collect();
        let facets = store.facets(&FacetFilter { year, person, kinds }).map_err(internal)?;
        Ok(ContentFacets(facets))
    }
}

pub struct ContentFacets(Facets);

#[Object]
impl ContentFacets {
    /// How many items are counted in all.
    async fn total_count(&self) -> u64 {
        self.0.by_kind.values().sum()
    }
    /// Each year with items, newest first, with its count and the count per kind.
    async fn years(&self) -> Vec<YearFacet> {
        let mut years: Vec<YearFacet> = Vec::new();
        for (&(year, kind), &count) in self.0.by_year.iter().rev() {
            match years.last_mut() {
                Some(y) if y.year == i32::from(year) => {
                    y.count += count;
                    y.kinds.push(KindFacet { kind: ContentKind::of(kind), count });
                }
                _ => years.push(YearFacet {
                    year: i32::from(year),
                    count,
                    kinds: vec![KindFacet { kind: ContentKind::of(kind), count }],
                }),
            }
        }
        for y in &mut years {
            y.kinds.sort_by_key(|k| kind_rank(k.kind));
        }
        years
    }
    /// How many items have no known date.
    async fn undated_count(&self) -> u64 {
        let dated: u64 = self.0.by_year.values().sum();
        self.0.by_kind.values().sum::<u64>().saturating_sub(dated)
    }
    /// Each kind with items and its count.
    async fn kinds(&self) -> Vec<KindFacet> {
        self.0.by_kind.iter().map(|(k, c)| KindFacet { kind: ContentKind::of(*k), count: *c }).collect()
    }
    /// Each person with the number of items they take part in, most first, then by name.
    async fn people(&self, ctx: &Context<'_>) -> Result<Vec<PersonFacet>> {
        let store = ctx.data::<Store>()?;
        let mut people = Vec::new();
        for (id, count) in &self.0.by_person {
            if let Some(person) = store.person(*id).map_err(internal)? {
                people.push(PersonFacet { person, count: *count });
            }
        }
        people.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.person.name.cmp(&b.person.name)));
        Ok(people)
    }
}

fn kind_rank(kind: ContentKind) -> u8 {
    Kind::from(kind).tag()
}

#[derive(SimpleObject)]
pub struct YearFacet {
    pub year: i32,
    pub count: u64,
    /// The year's count per kind.
    pub kinds: Vec<KindFacet>,
}

#[derive(SimpleObject)]
pub struct KindFacet {
    pub kind: ContentKind,
    pub count: u64,
}

#[derive(SimpleObject)]
pub struct PersonFacet {
    pub person: Person,
    pub count: u64,
}
