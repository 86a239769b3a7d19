//! Full-text search over the content items, yearly updates and the series page, with tantivy.
//!
//! The index lives in RAM: it is built from the store at start-up and refreshed after every
//! store change, so sled stays the only source of truth and a crash can never leave an index on
//! disk that disagrees with it. The seed is a few dozen entities: a build takes a fraction of a
//! second (about 0.17 s for the seed in a debug build).
//!
//! Analysis (English and German at once, diacritics folded) is explained in `schema.rs`.
//!
//! Queries are plain words, never query syntax, so no user text can fail to parse: the text
//! is run through the same analyzers as the documents, and each word is looked up in every
//! field, its English and German stems as one disjunction (max, so a word is not counted twice
//! because both stemmers agree). Words are ORed and ranked by BM25, summed over words and
//! fields with the fields' boosts: an item matching more of the words, or matching them in its
//! title, ranks first, and a misspelt word narrows nothing away. Filters (kinds, year, person)
//! are part of the tantivy query, scored zero, so totals count exactly the matching items.

mod ranking;
mod schema;
mod snippet;

use std::sync::{Arc, Mutex, MutexGuard};

use tantivy::collector::{Count, DocSetCollector};
use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, DisjunctionMaxQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};
use uuid::Uuid;

use crate::domain::Kind;
use crate::store::{Entity, Store, StoreError};
use schema::{Fields, Source};
pub use snippet::Snippet;

/// The writer's memory budget per indexing thread: tantivy's minimum, far above what the series
/// needs. Two threads build a large index in two thirds of the time (12 → 8 s at 100k items).
const WRITER_BYTES: usize = 15_000_000;

/// Up to this many entities, the index is built on one thread, into one segment: a search pays
/// its set-up (each word's terms looked up, scorers built) once per segment, and on the seed one
/// segment instead of two takes a fifth off a search's CPU. Above it, two threads build faster.
const ONE_THREAD_UP_TO: usize = 10_000;

/// Distinct words of a query beyond the first this many are ignored: a pasted page should not
/// build a query of thousands of clauses.
const MAX_WORDS: usize = 32;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// The text is empty, or has no word in it (only spaces or punctuation).
    #[error("the search text has no words to search for")]
    EmptyQuery,
    #[error("search index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A document the index itself wrote lacks its id or kind: a bug, never user input.
    #[error("search index document is corrupt: {0}")]
    Corrupt(String),
}

/// What to search for. Filters narrow the matches inside the query, so `total` counts only
/// matches that pass them.
#[derive(Debug, Clone, Copy)]
pub struct SearchQuery<'a> {
    pub text: &'a str,
    /// Only these kinds (content kinds and/or [`Kind::Update`]); empty = all.
    pub kinds: &'a [Kind],
    pub year: Option<u16>,
    /// Only items this person (by id) takes part in, in any role.
    pub person: Option<Uuid>,
    pub offset: usize,
    pub limit: usize,
    /// Whether to make snippets (most of a search's cost): only when the client asks for them.
    pub snippets: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    /// Every match, not just this page.
    pub total: usize,
    pub hits: Vec<Hit>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub id: Uuid,
    pub kind: Kind,
    /// BM25 with field boosts; comparable only within one search.
    pub score: f32,
    /// `None` unless the query asked for snippets.
    pub snippet: Option<Snippet>,
}

/// The search index. Cheap to clone (Arc inside); Send + Sync.
#[derive(Clone)]
pub struct SearchIndex {
    inner: Arc<Inner>,
}

struct Inner {
    index: Index,
    fields: Fields,
    reader: IndexReader,
    /// One writer for the index's life (tantivy allows one); refreshes take turns on it.
    writer: Mutex<IndexWriter>,
}

impl SearchIndex {
    /// Indexes every content item, yearly update and the series page in `store`.
    pub fn build(store: &Store) -> Result<SearchIndex, SearchError> {
        let (schema, fields) = schema::schema();
        let index = Index::create_in_ram(schema);
        schema::register_analyzers(&index);
        let threads = if store.entity_count() <= ONE_THREAD_UP_TO { 1 } else { 2 };
        let writer: IndexWriter = index.writer_with_num_threads(threads, threads * WRITER_BYTES)?;
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        let search =
            SearchIndex { inner: Arc::new(Inner { index, fields, reader, writer: Mutex::new(writer) }) };
        search.rebuild(store)?;
        Ok(search)
    }

    /// Indexes the whole store again, from scratch: the way back to a consistent index after a
    /// refresh failed half-way.
    pub fn rebuild(&self, store: &Store) -> Result<(), SearchError> {
        self.write(|writer, fields| {
            writer.delete_all_documents()?;
            for entry in store.ids() {
                let (id, kind) = entry?;
                if kind != Kind::Person {
                    if let Some(source) = source(store, store.scan_entity_of(kind, id)?)? {
                        writer.add_document(source.document(fields))?;
                    }
                }
            }
            Ok(())
        })
    }

    /// Runs `edit` on the writer and commits, or rolls back when it fails, so nothing half-done
    /// is left for the next commit; then reloads the reader, so the next search sees the edit.
    fn write<F>(&self, edit: F) -> Result<(), SearchError>
    where
        F: FnOnce(&mut IndexWriter, &Fields) -> Result<(), SearchError>,
    {
        let mut writer = self.writer()?;
        let result = edit(&mut writer, &self.inner.fields).and_then(|()| Ok(writer.commit().map(drop)?));
        if result.is_err() {
            let _ = writer.rollback();
        }
        result?;
        drop(writer);
        self.inner.reader.reload()?;
        Ok(())
    }

    /// Brings the index in step with the store for these ids: each id is re-read from the
    /// store; one that is present (content item or update) is (re)indexed, one that is absent
    /// is removed. An id that names a person also refreshes the items indexed with that person,
    /// since their names are part of those items' text. Commits and reloads the reader before
    /// returning, so the next search sees the change.
    pub fn refresh(&self, store: &Store, ids: &[Uuid]) -> Result<(), SearchError> {
        let fields = &self.inner.fields;
        let mut todo: Vec<Uuid> = ids.to_vec();
        let searcher = self.inner.reader.searcher();
        for id in ids {
            let term = Term::from_field_text(fields.person, &id.hyphenated().to_string());
            let query = TermQuery::new(term, IndexRecordOption::Basic);
            for address in searcher.search(&query, &DocSetCollector)? {
                let doc: TantivyDocument = searcher.doc(address)?;
                todo.push(self.stored_id(&doc)?);
            }
        }
        todo.sort();
        todo.dedup();

        self.write(|writer, fields| {
            for id in &todo {
                writer.delete_term(Term::from_field_text(fields.id, &id.hyphenated().to_string()));
                if let Some(source) = source(store, store.entity(*id)?)? {
                    writer.add_document(source.document(fields))?;
                }
            }
            Ok(())
        })
    }

    pub fn search(&self, query: &SearchQuery) -> Result<SearchResults, SearchError> {
        let searcher = self.inner.reader.searcher();
        let text = self.text_query(&searcher, query.text)?;
        let filtered = self.filtered(text.box_clone(), query);
        // TopById keeps offset + limit hits per segment and wants a limit of at least 1: keep
        // both within the index.
        let docs = usize::try_from(searcher.num_docs()).unwrap_or(usize::MAX);
        let (offset, limit) = (query.offset.min(docs), query.limit.min(docs));
        if limit == 0 || offset >= docs {
            let total = searcher.search(&filtered, &Count)?;
            return Ok(SearchResults { total, hits: Vec::new() });
        }
        let (total, top) = searcher.search(&filtered, &ranking::TopById { offset, limit })?;
        let snippets = match query.snippets {
            true => Some(snippet::Generators::new(&searcher, text.as_ref(), &self.inner.fields.texts)?),
            false => None,
        };
        let hits = top
            .into_iter()
            .map(|(score, address)| {
                let doc: TantivyDocument = searcher.doc(address)?;
                Ok(Hit {
                    id: self.stored_id(&doc)?,
                    kind: self.stored_kind(&doc)?,
                    score,
                    snippet: snippets.as_ref().map(|g| g.best(&doc)),
                })
            })
            .collect::<Result<Vec<_>, SearchError>>()?;
        Ok(SearchResults { total, hits })
    }

    /// The text as a query: every word in every field, ORed (see the module doc). Terms no
    /// document has are left out: each would still cost the engine a scorer in every segment.
    fn text_query(&self, searcher: &tantivy::Searcher, text: &str) -> Result<Box<dyn Query>, SearchError> {
        let index = &self.inner.index;
        // Both analyzers tokenize and filter alike and differ only in the final stemmer, so
        // their terms pair up word by word.
        let en = schema::analyze(index, schema::ENGLISH, text);
        let de = schema::analyze(index, schema::GERMAN, text);
        let mut words: Vec<(String, String)> = Vec::new();
        for pair in en.into_iter().zip(de) {
            if words.len() < MAX_WORDS && !words.contains(&pair) {
                words.push(pair);
            }
        }
        if words.is_empty() {
            return Err(SearchError::EmptyQuery);
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (en, de) in &words {
            for f in &self.inner.fields.texts {
                let mut pair: Vec<Box<dyn Query>> = Vec::with_capacity(2);
                for term in [Term::from_field_text(f.en, en), Term::from_field_text(f.de, de)] {
                    if searcher.doc_freq(&term)? > 0 {
                        pair.push(Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)));
                    }
                }
                let best: Box<dyn Query> = match pair.len() {
                    0 => continue,
                    1 => pair.remove(0),
                    _ => Box::new(DisjunctionMaxQuery::new(pair)),
                };
                clauses.push((Occur::Should, Box::new(BoostQuery::new(best, f.boost))));
            }
        }
        Ok(Box::new(BooleanQuery::new(clauses)))
    }

    /// `text` with the query's filters as required clauses that add nothing to the score.
    fn filtered(&self, text: Box<dyn Query>, query: &SearchQuery) -> BooleanQuery {
        let fields = &self.inner.fields;
        let filter = |q: Box<dyn Query>| -> (Occur, Box<dyn Query>) {
            (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
        };
        let mut clauses = vec![(Occur::Must, text)];
        if !query.kinds.is_empty() {
            let kinds = query
                .kinds
                .iter()
                .map(|k| {
                    let term = Term::from_field_u64(fields.kind, u64::from(k.tag()));
                    (
                        Occur::Should,
                        Box::new(TermQuery::new(term, IndexRecordOption::Basic)) as Box<dyn Query>,
                    )
                })
                .collect::<Vec<_>>();
            clauses.push(filter(Box::new(BooleanQuery::new(kinds))));
        }
        if let Some(year) = query.year {
            let term = Term::from_field_u64(fields.year, u64::from(year));
            clauses.push(filter(Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
        }
        if let Some(person) = query.person {
            let term = Term::from_field_text(fields.person, &person.hyphenated().to_string());
            clauses.push(filter(Box::new(TermQuery::new(term, IndexRecordOption::Basic))));
        }
        BooleanQuery::new(clauses)
    }

    /// The writer. A refresh that panicked mid-way poisons the lock; its uncommitted work is
    /// rolled back and the writer used again, rather than refusing every later refresh.
    fn writer(&self) -> Result<MutexGuard<'_, IndexWriter>, SearchError> {
        match self.inner.writer.lock() {
            Ok(w) => Ok(w),
            Err(poisoned) => {
                let mut w = poisoned.into_inner();
                w.rollback()?;
                Ok(w)
            }
        }
    }

    fn stored_id(&self, doc: &TantivyDocument) -> Result<Uuid, SearchError> {
        doc.get_first(self.inner.fields.id)
            .and_then(|v| v.as_str())
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| SearchError::Corrupt("missing or bad id".into()))
    }

    fn stored_kind(&self, doc: &TantivyDocument) -> Result<Kind, SearchError> {
        doc.get_first(self.inner.fields.kind)
            .and_then(|v| v.as_u64())
            .and_then(|t| u8::try_from(t).ok())
            .and_then(Kind::from_tag)
            .ok_or_else(|| SearchError::Corrupt("missing or bad kind".into()))
    }
}

/// What the index keeps of an entity: content items, updates and the series page; `None` for
/// people (their names are indexed with their items).
fn source(store: &Store, entity: Option<Entity>) -> Result<Option<Source>, SearchError> {
    Ok(match entity {
        Some(Entity::Item(item)) => Some(Source::item(store, &item)?),
        Some(Entity::Update(update)) => Some(Source::update(&update)),
        Some(Entity::Series(series)) => Some(Source::series(&series)),
        Some(Entity::Person(_)) | None => None,
    })
}
/// The searcher in use, for tests that look at the index directly.
#[cfg(test)]
impl SearchIndex {
    fn searcher(&self) -> tantivy::Searcher {
        self.inner.reader.searcher()
    }
}

#[cfg(test)]
// Highlights are a Vec of ranges; one range in it is meant.
#[allow(clippy::single_range_in_vec_init)]
mod tests;
