//! The index's schema and analyzers, and how a stored entity becomes an index document.
//!
//! Text is analyzed as English and as German at once: each searchable field is indexed twice,
//! `<name>_en` through an English Snowball stemmer and `<name>_de` through a German one, and a
//! query word is looked up in both (see `query`). The series is mostly English with German
//! press headlines, and an item's `language` is not always set, so guessing one language per
//! item would lose matches; two stemmed copies of a few kilobytes of text cost nothing.
//!
//! Both analyzers split on anything that is not a letter or digit, lower-case, and fold
//! diacritics to ASCII ("Tõhk" → "tohk", "Länder" → "lander") *before* stemming, so a query
//! typed with or without diacritics meets the same term. The German stemmer folds umlauts
//! itself in its last step, so feeding it folded text changes nothing there ("Länder" and
//! "Lander" both stem to "land").

use tantivy::schema::{
    Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, FAST, INDEXED, STORED, STRING,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer,
};
use tantivy::{Index, TantivyDocument};
use uuid::Uuid;

use crate::domain::{Details, Image, Item, Kind, Series, Update};
use crate::store::{Store, StoreError};

/// Analyzer names, as registered on the index.
pub(super) const ENGLISH: &str = "scs_en";
pub(super) const GERMAN: &str = "scs_de";

/// Tokens longer than this are dropped (pasted URLs, base64): they never match a typed word.
const MAX_TOKEN_BYTES: usize = 60;

/// The searchable fields, by the name a [`super::Snippet`] reports, and their boosts. Earlier
/// fields win ties when a snippet's field is chosen; titles weigh most because a word in a
/// title says more about an item than the same word in a summary.
pub(super) const TEXT_FIELDS: [(&str, f32); 10] = [
    ("title", 3.0),
    ("people", 2.0),
    ("dek", 1.5),
    ("label", 1.5),
    ("outlet", 1.5),
    ("quote", 1.0),
    ("summary", 1.0),
    ("intro", 1.0),
    ("venue", 1.0),
    // An image's caption, credit and creator ("© Tauno Tõhk / Flickr"): credited, so findable.
    ("image", 0.5),
];

/// One searchable field: its English copy (which also stores the original text, for
/// snippets) and its German copy.
#[derive(Debug, Clone, Copy)]
pub(super) struct TextField {
    pub name: &'static str,
    pub boost: f32,
    pub en: Field,
    pub de: Field,
}

/// The schema's fields.
#[derive(Debug, Clone)]
pub(super) struct Fields {
    /// The entity's UUID, hyphenated: the term a refresh deletes by, and the hit's id.
    pub id: Field,
    /// The UUID's two halves as fast fields, to break score ties by id.
    pub id_hi: Field,
    pub id_lo: Field,
    /// [`Kind::tag`].
    pub kind: Field,
    pub year: Field,
    /// The UUIDs of the people taking part, hyphenated.
    pub person: Field,
    pub texts: Vec<TextField>,
}

pub(super) fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |analyzer: &str, stored: bool| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(analyzer)
            .set_index_option(IndexRecordOption::WithFreqs);
        let options = TextOptions::default().set_indexing_options(indexing);
        if stored {
            options.set_stored()
        } else {
            options
        }
    };
    let texts = TEXT_FIELDS
        .iter()
        .map(|&(name, boost)| TextField {
            name,
            boost,
            en: b.add_text_field(&format!("{name}_en"), text(ENGLISH, true)),
            de: b.add_text_field(&format!("{name}_de"), text(GERMAN, false)),
        })
        .collect();
    let fields = Fields {
        id: b.add_text_field("id", STRING | STORED),
        id_hi: b.add_u64_field("id_hi", FAST),
        id_lo: b.add_u64_field("id_lo", FAST),
        kind: b.add_u64_field("kind", INDEXED | STORED),
        year: b.add_u64_field("year", INDEXED),
        person: b.add_text_field("person", STRING),
        texts,
    };
    (b.build(), fields)
}

fn analyzer(language: Language) -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .filter(Stemmer::new(language))
        .build()
}

pub(super) fn register_analyzers(index: &Index) {
    index.tokenizers().register(ENGLISH, analyzer(Language::English));
    index.tokenizers().register(GERMAN, analyzer(Language::German));
}

/// The terms `text` becomes under the analyzer `name` (one per word, in order).
pub(super) fn analyze(index: &Index, name: &str, text: &str) -> Vec<String> {
    let Some(mut analyzer) = index.tokenizers().get(name) else { return Vec::new() };
    let mut stream = analyzer.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

/// What the index keeps of one entity, before it becomes a document.
pub(super) struct Source {
    pub id: Uuid,
    pub kind: Kind,
    pub year: Option<u16>,
    pub people: Vec<Uuid>,
    /// (field name from [`TEXT_FIELDS`], text).
    pub texts: Vec<(&'static str, String)>,
}

impl Source {
    /// A content item, with the names of the people taking part looked up in `store`. A
    /// participation whose person is missing is skipped: the seed's validation keeps that from
    /// happening, and search is no place to fail over it.
    pub fn item(store: &Store, item: &Item) -> Result<Source, StoreError> {
        let mut texts = Vec::new();
        let mut push = |field: &'static str, value: Option<&String>| {
            if let Some(v) = value.filter(|v| !v.trim().is_empty()) {
                texts.push((field, v.clone()));
            }
        };
        push("title", item.title.as_ref());
        push("dek", item.dek.as_ref());
        push("summary", item.summary.as_ref());
        match &item.details {
            Details::Interview(d) => push("quote", d.quote.as_ref()),
            Details::PressItem(d) => {
                push("label", d.label.as_ref());
                push("outlet", Some(&d.outlet));
            }
            Details::Reading(d) => push("venue", d.venue.as_ref()),
            // Where a live event took place is as searchable as where a paper appeared.
            Details::Event(d) => push("venue", d.venue.as_ref()),
            Details::PodcastEpisode(_) | Details::Article(_) | Details::FactSheet(_) => {}
        }
        push_image(&mut texts, item.image.as_ref());
        let mut people = Vec::new();
        for p in &item.people {
            if let Some(person) = store.person_by_slug(p.person.as_str())? {
                if !people.contains(&person.id) {
                    people.push(person.id);
                    texts.push(("people", person.name));
                }
            }
        }
        Ok(Source { id: item.id, kind: item.kind(), year: item.year(), people, texts })
    }

    pub fn update(update: &Update) -> Source {
        let mut texts = vec![("title", update.title.clone())];
        if let Some(intro) = update.intro.as_ref().filter(|v| !v.trim().is_empty()) {
            texts.push(("intro", intro.clone()));
        }
        Source { id: update.id, kind: Kind::Update, year: Some(update.year), people: Vec::new(), texts }
    }

    /// The series page: its title, subtitle, intro and hero image's credits.
    pub fn series(series: &Series) -> Source {
        let mut texts = vec![("title", series.title.clone())];
        for (field, value) in [("dek", &series.subtitle), ("intro", &series.intro)] {
            if let Some(v) = value.as_ref().filter(|v| !v.trim().is_empty()) {
                texts.push((field, v.clone()));
            }
        }
        push_image(&mut texts, series.hero_image.as_ref());
        Source { id: series.id, kind: Kind::Series, year: None, people: Vec::new(), texts }
    }

    pub fn document(&self, fields: &Fields) -> TantivyDocument {
        let mut doc = TantivyDocument::default();
        doc.add_text(fields.id, self.id.hyphenated().to_string());
        let (hi, lo) = self.id.as_u64_pair();
        doc.add_u64(fields.id_hi, hi);
        doc.add_u64(fields.id_lo, lo);
        doc.add_u64(fields.kind, u64::from(self.kind.tag()));
        if let Some(year) = self.year {
            doc.add_u64(fields.year, u64::from(year));
        }
        for person in &self.people {
            doc.add_text(fields.person, person.hyphenated().to_string());
        }
        for (name, text) in &self.texts {
            if let Some(f) = fields.texts.iter().find(|f| f.name == *name) {
                doc.add_text(f.en, text);
                doc.add_text(f.de, text);
            }
        }
        doc
    }
}

/// An image's caption (as published and corrected), credit and creator, as one text.
fn push_image(texts: &mut Vec<(&'static str, String)>, image: Option<&Image>) {
    let Some(image) = image else { return };
    let parts = [&image.caption, &image.caption_corrected, &image.credit, &image.creator];
    let text: Vec<&str> = parts.into_iter().flatten().map(String::as_str).collect();
    if !text.is_empty() {
        texts.push(("image", text.join(" · ")));
    }
}
