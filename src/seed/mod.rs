//! Reading and validating a `seed/` folder into domain values.
//!
//! The folder holds one TOML file per kind (see [`raw`]). Loading reports every problem at
//! once — syntax, types, bad dates, unknown languages, duplicate slugs, unknown people and
//! dangling references — each naming the file, the line, the item and the field.

mod convert;
mod error;
pub mod export;
pub mod generate;
mod parts;
pub mod raw;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};
use toml::Spanned;

use crate::domain::{Content, Kind, Slug};
use convert::FileCtx;
pub use error::{SeedError, SeedErrors};
use raw::*;

/// The series' content as read from a seed folder, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Seed {
    /// In canonical order (see [`Content::normalize`]).
    pub content: Content,
    /// SHA-256 over every seed file's name and bytes: the store compares it to skip unchanged seeds.
    pub digest: String,
}

/// The files a seed folder may hold. Any other `.toml` file is an error, so a misnamed file
/// cannot silently drop content.
pub const SEED_FILES: &[&str] = &[
    "series.toml",
    "people.toml",
    "updates.toml",
    "events.toml",
    "interviews.toml",
    "press.toml",
    "podcast.toml",
    "articles.toml",
    "fact_sheets.toml",
    "readings.toml",
];

/// Reads and validates the seed folder `dir`.
pub fn load(dir: &Path) -> Result<Seed, SeedErrors> {
    parse_files(read_files(dir)?)
}

/// Validates seed files given as (file name, text), as [`load`] does a folder's files (their
/// names are not checked against [`SEED_FILES`]).
pub fn parse_texts(files: &[(&str, &str)]) -> Result<Seed, SeedErrors> {
    parse_files(
        files.iter().map(|(name, text)| (name.to_string(), PathBuf::from(name), text.to_string())).collect(),
    )
}

/// Validates content by the seed's rules: it is written out in the seed format and read back,
/// so whatever the store holds is always a seed that `load` accepts, and the errors are the
/// seed's own (each naming its item and field).
pub fn check(content: &Content) -> Result<Content, SeedErrors> {
    check_tables(export::tables(content))
}

/// Validates entities given as seed tables (kind, table): what an editor's change becomes.
pub fn check_tables(tables: Vec<(Kind, toml::Table)>) -> Result<Content, SeedErrors> {
    let files = export::files_of(tables)
        .map_err(|e| {
            SeedErrors(vec![SeedError {
                file: PathBuf::new(),
                line: None,
                item: None,
                field: None,
                message: format!("cannot be written in the seed format: {e}"),
            }])
        })?
        .into_iter()
        .map(|(name, text)| (name.to_string(), PathBuf::from(name), text))
        .collect();
    parse_files(files).map(|seed| seed.content)
}

/// Validates the files of a seed folder: (file name, path for messages, text), every one of
/// [`SEED_FILES`] present.
fn parse_files(mut files: Vec<SeedFile>) -> Result<Seed, SeedErrors> {
    // People first, so every other file can check its person references with their lines.
    files.sort_by_key(|(name, _, _)| (name != "people.toml", name.clone()));
    let mut errors = Vec::new();
    let mut seed = Seed { content: Content::default(), digest: digest(&files) };
    let content = &mut seed.content;
    // Where each entity came from, for cross-reference errors.
    let mut origin: HashMap<(bool, Slug), PathBuf> = HashMap::new();
    let mut known_people: HashSet<String> = HashSet::new();
    let mut unreadable: HashSet<String> = HashSet::new();

    for (name, path, src) in &files {
        let mut ctx = FileCtx::new(path, src, &known_people);
        match name.as_str() {
            "series.toml" => {
                if let Some(f) = parse::<SeriesFile>(&mut ctx, src) {
                    content.series = ctx.series(&f);
                }
            }
            "people.toml" => {
                each(&mut ctx, src, |f: PeopleFile| f.person, FileCtx::person, &mut content.people)
            }
            "updates.toml" => {
                each(&mut ctx, src, |f: UpdatesFile| f.update, FileCtx::update, &mut content.updates)
            }
            "events.toml" => each(&mut ctx, src, |f: EventsFile| f.event, FileCtx::event, &mut content.items),
            "interviews.toml" => {
                each(&mut ctx, src, |f: InterviewsFile| f.interview, FileCtx::interview, &mut content.items)
            }
            "press.toml" => {
                each(&mut ctx, src, |f: PressFile| f.press_item, FileCtx::press_item, &mut content.items)
            }
            "podcast.toml" => each(
                &mut ctx,
                src,
                |f: PodcastFile| f.podcast_episode,
                FileCtx::podcast_episode,
                &mut content.items,
            ),
            "articles.toml" => {
                each(&mut ctx, src, |f: ArticlesFile| f.article, FileCtx::article, &mut content.items)
            }
            "fact_sheets.toml" => {
                each(&mut ctx, src, |f: FactSheetsFile| f.fact_sheet, FileCtx::fact_sheet, &mut content.items)
            }
            "readings.toml" => {
                each(&mut ctx, src, |f: ReadingsFile| f.reading, FileCtx::reading, &mut content.items)
            }
            _ => ctx.error(
                None,
                None,
                format!("unknown seed file (expected one of {})", SEED_FILES.join(", ")),
            ),
        }
        errors.append(&mut ctx.errors);
        unreadable.extend(ctx.unreadable.drain(..));
        known_people.extend(content.people.iter().map(|p| p.slug.to_string()));
        for p in &content.people {
            origin.entry((true, p.slug.clone())).or_insert_with(|| path.clone());
        }
        for s in content.items.iter().map(|i| &i.slug).chain(content.updates.iter().map(|u| &u.slug)) {
            origin.entry((false, s.clone())).or_insert_with(|| path.clone());
        }
    }
    check_references(content, &origin, &unreadable, &mut errors);
    content.normalize();
    if errors.is_empty() {
        Ok(seed)
    } else {
        Err(SeedErrors(errors))
    }
}

type SeedFile = (String, PathBuf, String);

fn read_files(dir: &Path) -> Result<Vec<SeedFile>, SeedErrors> {
    let fail = |message: String| {
        SeedErrors(vec![SeedError { file: dir.to_path_buf(), line: None, item: None, field: None, message }])
    };
    let entries = std::fs::read_dir(dir).map_err(|e| fail(format!("cannot read the seed folder: {e}")))?;
    let mut files = Vec::new();
    let mut errors = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| fail(format!("cannot read the seed folder: {e}")))?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_string) else {
            continue;
        };
        if !name.ends_with(".toml") {
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(src) => files.push((name, path, src)),
            Err(e) => errors.push(SeedError {
                file: path,
                line: None,
                item: None,
                field: None,
                message: format!("cannot read: {e}"),
            }),
        }
    }
    if !errors.is_empty() {
        return Err(SeedErrors(errors));
    }
    // A missing file would silently remove a whole kind from the store: every file must be
    // there, even if it holds no tables.
    for name in SEED_FILES {
        if !files.iter().any(|(n, _, _)| n == name) {
            errors.push(SeedError {
                file: dir.join(name),
                line: None,
                item: None,
                field: None,
                message: "missing seed file (an empty file is fine where a kind has no items)".into(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(SeedErrors(errors));
    }
    Ok(files)
}

fn digest(files: &[SeedFile]) -> String {
    let mut hasher = Sha256::new();
    for (name, _, src) in files {
        hasher.update((name.len() as u64).to_be_bytes());
        hasher.update(name.as_bytes());
        hasher.update((src.len() as u64).to_be_bytes());
        hasher.update(src.as_bytes());
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses a whole file; a syntax or type error is reported with its line.
fn parse<T: DeserializeOwned>(ctx: &mut FileCtx<'_>, src: &str) -> Option<T> {
    match toml::from_str::<T>(src) {
        Ok(v) => Some(v),
        Err(e) => {
            let message = e.message().to_string();
            ctx.error(e.span().map(|s| s.start), None, message);
            None
        }
    }
}

/// Parses a file of `[[table]]`s, a part of whole tables at a time (see [`parts`]), and
/// converts each table. When a part does not fit its type, each of its tables is read on its
/// own, so one bad table does not hide the others' problems.
fn each<'s, F: DeserializeOwned, R, T>(
    ctx: &mut FileCtx<'s>,
    src: &str,
    tables: impl Fn(F) -> Vec<Spanned<R>>,
    convert: impl Fn(&mut FileCtx<'s>, &Spanned<R>) -> Option<T>,
    out: &mut Vec<T>,
) {
    for range in parts::ranges(src, parts::TABLES_PER_PART) {
        let base = range.start;
        let Some(part) = src.get(range) else { continue };
        ctx.at(base, None);
        let whole = match toml::from_str::<F>(part) {
            Ok(file) => {
                out.extend(tables(file).iter().filter_map(|t| convert(ctx, t)));
                continue;
            }
            Err(e) => e,
        };
        let Some(starts) = table_starts(part) else {
            // Not even generic TOML: a syntax error, reported once with its line.
            let message = whole.message().to_string();
            ctx.error(whole.span().map(|s| s.start), None, message);
            continue;
        };
        for (i, (start, slug)) in starts.iter().enumerate() {
            let end = starts.get(i + 1).map_or(part.len(), |next| next.0);
            let Some(table) = part.get(*start..end) else { continue };
            ctx.at(base + start, slug.clone());
            match toml::from_str::<F>(table) {
                Ok(file) => out.extend(tables(file).iter().filter_map(|t| convert(ctx, t))),
                Err(e) => {
                    let message = e.message().to_string();
                    ctx.at(base + start, slug.clone());
                    ctx.error(e.span().map(|s| s.start), None, message);
                    ctx.unreadable.extend(slug.clone());
                }
            }
        }
    }
    ctx.at(0, None);
}

/// Where each `[[table]]` of a file starts, with its slug if it has one; in file order.
fn table_starts(src: &str) -> Option<Vec<(usize, Option<String>)>> {
    let file: BTreeMap<String, Vec<Spanned<toml::Value>>> = toml::from_str(src).ok()?;
    let mut starts: Vec<(usize, Option<String>)> = file
        .values()
        .flatten()
        .map(|t| (t.span().start, t.get_ref().get("slug").and_then(toml::Value::as_str).map(str::to_string)))
        .collect();
    starts.sort();
    Some(starts)
}

/// Cross-file checks: duplicate slugs, unknown people, dangling references.
fn check_references(
    seed: &Content,
    origin: &HashMap<(bool, Slug), PathBuf>,
    unreadable: &HashSet<String>,
    errors: &mut Vec<SeedError>,
) {
    let file_of =
        |person: bool, slug: &Slug| origin.get(&(person, slug.clone())).cloned().unwrap_or_default();
    let mut push = |file: PathBuf, item: &Slug, field: &str, message: String| {
        errors.push(SeedError {
            file,
            line: None,
            item: Some(item.to_string()),
            field: Some(field.into()),
            message,
        })
    };

    let mut people = HashSet::new();
    for p in &seed.people {
        if !people.insert(&p.slug) {
            push(file_of(true, &p.slug), &p.slug, "slug", "duplicate person slug".into());
        }
    }
    // Content slugs are unique across all kinds, so a reference needs no kind.
    let mut content: HashMap<&Slug, Kind> = HashMap::new();
    for (slug, kind) in seed
        .items
        .iter()
        .map(|i| (&i.slug, i.kind()))
        .chain(seed.updates.iter().map(|u| (&u.slug, Kind::Update)))
    {
        if let Some(first) = content.insert(slug, kind) {
            push(
                file_of(false, slug),
                slug,
                "slug",
                format!("duplicate slug (already used by a {})", first.name()),
            );
        }
    }
    // Numbered lists (the interview series, the reading list) must not repeat a position.
    let mut positions = HashSet::new();
    for item in &seed.items {
        let file = file_of(false, &item.slug);
        for (field, r, kind) in item.references() {
            match content.get(r) {
                _ if unreadable.contains(r.as_str()) => {}
                None => push(file.clone(), &item.slug, field, format!("dangling reference to `{r}`")),
                Some(k) if kind.is_some_and(|want| want != *k) || !k.is_content() => push(
                    file.clone(),
                    &item.slug,
                    field,
                    format!(
                        "`{r}` is of kind `{}`; `{field}` needs `{}`",
                        k.name(),
                        kind.map_or("content", Kind::name)
                    ),
                ),
                Some(_) => {}
            }
        }
        if let Some(p) = item.position() {
            if !positions.insert((item.kind(), p)) {
                push(file.clone(), &item.slug, "position", format!("position {p} is used twice"));
            }
        }
        for p in &item.people {
            if p.affiliations.iter().any(|a| a.trim().is_empty()) {
                push(file.clone(), &item.slug, "people.affiliations", "an affiliation is empty".into());
            }
        }
    }
    let mut listed = HashSet::new();
    for u in &seed.updates {
        for s in &u.items {
            match content.get(s) {
                _ if unreadable.contains(s.as_str()) => {}
                Some(k) if k.is_content() => {
                    if !listed.insert(s) {
                        push(
                            file_of(false, &u.slug),
                            &u.slug,
                            "items",
                            format!("`{s}` is listed in more than one update"),
                        );
                    }
                }
                _ => push(file_of(false, &u.slug), &u.slug, "items", format!("dangling reference to `{s}`")),
            }
        }
    }
}
