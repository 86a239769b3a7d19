//! Search over the real seed, in a real store in a temporary folder.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{ensure, Context as _};
use tempfile::TempDir;

use super::*;
use crate::domain::{entity_id, Slug};
use crate::seed;

fn seed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seed")
}

/// A store holding the repository's seed, and its index.
fn seeded() -> anyhow::Result<(TempDir, Store, SearchIndex)> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("db"))?;
    store.apply_seed(&seed::load(&seed_dir()).map_err(|e| anyhow::anyhow!("{e}"))?)?;
    let index = SearchIndex::build(&store)?;
    Ok((dir, store, index))
}

fn id(kind: Kind, slug: &str) -> anyhow::Result<Uuid> {
    Ok(entity_id(kind, &Slug::parse(slug)?))
}

fn ids(entries: &[(Kind, &str)]) -> anyhow::Result<BTreeSet<Uuid>> {
    entries.iter().map(|(k, s)| id(*k, s)).collect()
}

fn query(text: &str) -> SearchQuery<'_> {
    SearchQuery { text, kinds: &[], year: None, person: None, offset: 0, limit: 100, snippets: true }
}

fn snippet(hit: &Hit) -> anyhow::Result<&Snippet> {
    hit.snippet.as_ref().context("a snippet was asked for")
}

fn hit_ids(r: &SearchResults) -> BTreeSet<Uuid> {
    r.hits.iter().map(|h| h.id).collect()
}

/// Every item Manya Koetse takes part in, and the 2019 update whose intro names her.
fn koetse() -> anyhow::Result<BTreeSet<Uuid>> {
    ids(&[
        (Kind::Article, "recap-sinica-live-taping"),
        (Kind::Event, "sinica-live-taping-2018"),
        (Kind::Interview, "manya-koetse-pop-songs-for-trustworthiness"),
        (Kind::Interview, "interview-series-part-2-manya-koetse"),
        (Kind::Interview, "behind-the-scenes-manya-koetse"),
        (Kind::PodcastEpisode, "sinica-mythbusting-chinas-social-credit-system"),
        (Kind::PressItem, "nzz-manya-koetse-2018"),
        (Kind::Reading, "koetse-state-media-cartoons"),
        (Kind::Update, "update-2019"),
    ])
}

#[test]
fn the_index_can_be_shared_between_threads() {
    fn shared<T: Send + Sync + Clone + 'static>() {}
    shared::<SearchIndex>();
}

#[test]
fn a_long_text_keeps_its_first_words() -> anyhow::Result<()> {
    let (_dir, _store, index) = seeded()?;
    let filler = (0..100).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
    let first = index.search(&query(&format!("Länder {filler}")))?;
    assert_eq!(first.total, 1);
    let last = index.search(&query(&format!("{filler} Länder")))?;
    assert_eq!(last.total, 0);
    Ok(())
}

#[test]
fn build_indexes_every_content_item_and_update() -> anyhow::Result<()> {
    let (_dir, store, index) = seeded()?;
    let mut expected = 0;
    for entry in store.ids() {
        let (_, kind) = entry?;
        expected += u64::from(kind != Kind::Person);
    }
    ensure!(expected > 20, "the seed has {expected} items, updates and the series page");
    assert_eq!(index.searcher().num_docs(), expected);
    Ok(())
}

#[test]
fn a_name_finds_every_item_the_person_takes_part_in() -> anyhow::Result<()> {
    let (_dir, _store, index) = seeded()?;
    let r = index.search(&query("koetse"))?;
    assert_eq!(hit_ids(&r), koetse()?);
    assert_eq!(r.total, r.hits.len());
    // The behind-the-scenes interview has no text but her name: it is found through it.
    let bts = id(Kind::Interview, "behind-the-scenes-manya-koetse")?;
    let hit = r.hits.iter().find(|h| h.id == bts).context("behind-the-scenes hit")?;
    assert_eq!(snippet(hit)?.field, "people");
    assert_eq!(snippet(hit)?.html(), "Manya <mark>Koetse</mark>");
    Ok(())
}

#[test]
fn umlauts_match_with_and_without_them() -> anyhow::Result<()> {
    let (_dir, _store, index) = seeded()?;
    let press = id(Kind::PressItem, "nzz-am-sonntag-kaiser-kuo-2018")?;
    // "Land" reaches "Länder" through the German stemmer.
    for text in ["Länder", "Lander", "lander", "LÄNDER", "Laender Land"] {
        let r = index.search(&query(text))?;
        let top = r.hits.first().with_context(|| format!("no hit for {text:?}"))?;
        assert_eq!(top.id, press, "{text:?}");
        assert_eq!(top.kind, Kind::PressItem);
        if text != "Laender Land" {
            assert_eq!(r.total, 1, "{text:?}");
        }
    }
    Ok(())
}

#[test]
fn other_diacritics_fold_too() -> anyhow::Result<()> {
    let (_dir, _store, index) = seeded()?;
    // The live taping's venue is "schwarzescafé".
    let taping = id(Kind::Event, "sinica-live-taping-2018")?;
    for text in ["schwarzescafe", "SchwarzesCafé"] {
        let r = index.search(&query(text))?;
        assert_eq!(hit_ids(&r), BTreeSet::from([taping]), "{text:?}");
        assert_eq!(snippet(&r.hits[0])?.field, "venue");
    }
    Ok(())
}

#[test]
fn a_renamed_person_is_found_without_the_diacritic_after_a_refresh_by_their_id() -> anyhow::Result<()> {
    // No person in the seed has a diacritic in their name ("Tauno Tõhk" is an image credit
    // on the series page, not a person), so give one a name with one.
    let (dir, store, index) = seeded()?;
    let seed = copy_seed(dir.path())?;
    edit(&seed.join("people.toml"), "name = \"Manya Koetse\"", "name = \"Manya Kötse\"")?;
    let report = store.apply_seed(&seed::load(&seed)?)?;
    assert_eq!(report.changed.len(), 1);
    assert_eq!(index.search(&query("Kotse")).map(|r| r.total)?, 0);

    index.refresh(&store, &[id(Kind::Person, "manya-koetse")?])?;
    let expected = &koetse()? - &ids(&[(Kind::Update, "update-2019")])?;
    for text in ["Kotse", "Kötse", "kÖtse"] {
        assert_eq!(hit_ids(&index.search(&query(text))?), expected, "{text:?}");
    }
    Ok(())
}

#[test]
fn kind_year_and_person_filters_narrow_the_total() -> anyhow::Result<()> {
    let (_dir, _store, index) = seeded()?;
    let all = index.search(&query("Koetse"))?.total;
    assert_eq!(all, 9);

    let interviews = index.search(&SearchQuery { kinds: &[Kind::Interview], ..query("Koetse") })?;
    assert_eq!(interviews.total, 3);
    assert!(interviews.hits.iter().all(|h| h.kind == Kind::Interview));
    let two = index.search(&SearchQuery { kinds: &[Kind::Interview, Kind::Update], ..query("Koetse") })?;
    assert_eq!(two.total, 4);

    let in_2019 = index.search(&SearchQuery { year: Some(2019), ..query("Koetse") })?;
    assert_eq!(
        hit_ids(&in_2019),
        ids(&[
            (Kind::Interview, "manya-koetse-pop-songs-for-trustworthiness"),
            (Kind::Update, "update-2019")
        ])?
    );
    assert_eq!(index.search(&SearchQuery { year: Some(2018), ..query("Koetse") })?.total, 7);

    // "Sinica" is in the texts of the first interview, the podcast episode, the recap, the
    // 2018 section's intro and the series page's; Kaiser Kuo takes part in the first three.
    assert_eq!(index.search(&query("Sinica"))?.total, 5);
    let kuo = SearchQuery { person: Some(id(Kind::Person, "kaiser-kuo")?), ..query("Sinica") };
    assert_eq!(
        hit_ids(&index.search(&kuo)?),
        ids(&[
            (Kind::Interview, "interview-series-part-1-kaiser-kuo"),
            (Kind::PodcastEpisode, "sinica-mythbusting-chinas-social-credit-system"),
            (Kind::Article, "recap-sinica-live-taping"),
        ])?
    );
    let meissner = SearchQuery { person: Some(id(Kind::Person, "mirjam-meissner")?), ..query("Sinica") };
    assert_eq!(index.search(&meissner)?.total, 0);
    Ok(())
}

#[test]
fn titles_weigh_more_than_body_text() -> anyhow::Result<()> {
    let (_dir, _store, index) = seeded()?;
    // "Orwellian Nightmare" is the live taping's title and a phrase in the 2018 section's intro.
    let kinds = [Kind::Event, Kind::Update];
    let r = index.search(&SearchQuery { kinds: &kinds, ..query("orwellian nightmare") })?;
    assert_eq!(r.total, 2);
    assert_eq!(r.hits[0].id, id(Kind::Event, "sinica-live-taping-2018")?);
    assert_eq!(snippet(&r.hits[0])?.field, "title");
    assert_eq!(snippet(&r.hits[1])?.field, "intro");
    assert!(r.hits[0].score > r.hits[1].score);
    Ok(())
}

#[test]
fn empty_text_is_an_error_and_syntax_is_not() -> anyhow::Result<()> {
    let (_dir, _store, index) = seeded()?;
    for text in ["", "   ", "\t\n", " ?! – ", "*"] {
        assert!(matches!(index.search(&query(text)), Err(SearchError::EmptyQuery)), "{text:?}");
    }
    for text in ["title:\"Länder AND (", "-china", "kuo^", "[a TO", "NOT OR AND"] {
        index.search(&query(text)).with_context(|| format!("{text:?}"))?;
    }
    Ok(())
}

#[test]
fn pages_are_disjoint_and_follow_the_full_ranking() -> anyhow::Result<()> {
    let (_dir, _store, index) = seeded()?;
    let full = index.search(&query("China social credit system"))?;
    ensure!(full.total > 10, "only {} hits", full.total);
    assert_eq!(full.hits.len(), full.total);
    let mut paged = Vec::new();
    let mut seen = BTreeSet::new();
    for offset in (0..full.total + 4).step_by(4) {
        let page = index.search(&SearchQuery { offset, limit: 4, ..query("China social credit system") })?;
        assert_eq!(page.total, full.total);
        for h in &page.hits {
            assert!(seen.insert(h.id), "{} on two pages", h.id);
        }
        paged.extend(page.hits);
    }
    assert_eq!(paged, full.hits);
    // Ranked by score, ties by id.
    for pair in full.hits.windows(2) {
        assert!(pair[0].score > pair[1].score || (pair[0].score == pair[1].score && pair[0].id < pair[1].id));
    }
    let none = index.search(&SearchQuery { limit: 0, ..query("China social credit system") })?;
    assert!(none.hits.is_empty() && none.total == full.total);
    let far = index.search(&SearchQuery {
        offset: usize::MAX,
        limit: usize::MAX,
        ..query("China social credit system")
    })?;
    assert!(far.hits.is_empty() && far.total == full.total);
    Ok(())
}

#[test]
fn a_snippet_marks_the_matched_word() -> anyhow::Result<()> {
    let (_dir, _store, index) = seeded()?;
    let r = index.search(&query("lander"))?;
    let s = snippet(r.hits.first().context("no hit")?)?;
    assert_eq!(s.field, "title");
    assert_eq!(s.text, "Die USA und China sind beide extrem arrogante Länder");
    assert_eq!(s.highlights, vec![46..52]);
    assert_eq!(s.html(), "Die USA und China sind beide extrem arrogante <mark>Länder</mark>");

    // A match deep in a long summary gives a fragment around it, still marked.
    let r = index.search(&query("paternalism"))?;
    let s = snippet(r.hits.first().context("no hit")?)?;
    assert_eq!(s.field, "quote");
    assert!(s.html().contains("<mark>paternalism</mark>"), "{}", s.html());
    Ok(())
}

#[test]
fn refresh_removes_what_the_store_no_longer_has() -> anyhow::Result<()> {
    let (dir, store, index) = seeded()?;
    let press = id(Kind::PressItem, "nzz-am-sonntag-kaiser-kuo-2018")?;
    let seed = copy_seed(dir.path())?;
    // Drop the press item and the 2018 section's reference to it.
    let path = seed.join("press.toml");
    let text = std::fs::read_to_string(&path)?;
    let cut = text.find("[[press_item]]\nslug = \"nzz-am-sonntag-kaiser-kuo-2018\"").context("press item")?;
    std::fs::write(&path, &text[..cut])?;
    edit(&seed.join("updates.toml"), "\"nzz-am-sonntag-kaiser-kuo-2018\",", "")?;
    let report = store.apply_seed(&seed::load(&seed)?)?;

    // The index still has it until it is told.
    assert_eq!(index.search(&query("Länder"))?.total, 1);
    let changed: Vec<Uuid> = [&report.added, &report.changed, &report.removed]
        .into_iter()
        .flatten()
        .map(|(kind, slug)| entity_id(*kind, slug))
        .collect();
    assert!(changed.contains(&press));
    index.refresh(&store, &changed)?;
    assert_eq!(index.search(&query("Länder"))?.total, 0);
    let kuo = index.search(&query("Kuo"))?;
    assert!(!hit_ids(&kuo).contains(&press));
    assert!(!kuo.hits.is_empty());
    // The 2018 section changed too, and is still found, once.
    let section = index.search(&SearchQuery { kinds: &[Kind::Update], ..query("Orwellian") })?;
    assert_eq!(hit_ids(&section), ids(&[(Kind::Update, "series-2018")])?);
    Ok(())
}

#[test]
fn refresh_of_an_unknown_id_changes_nothing() -> anyhow::Result<()> {
    let (_dir, store, index) = seeded()?;
    let before = index.search(&query("China"))?;
    index.refresh(&store, &[Uuid::nil(), id(Kind::Person, "nobody-at-all")?])?;
    assert_eq!(index.search(&query("China"))?, before);
    Ok(())
}

/// Copies the seed folder into `dir` and returns the copy's path.
fn copy_seed(dir: &Path) -> anyhow::Result<PathBuf> {
    let to = dir.join("seed");
    std::fs::create_dir_all(&to)?;
    for entry in std::fs::read_dir(seed_dir())? {
        let entry = entry?;
        std::fs::copy(entry.path(), to.join(entry.file_name()))?;
    }
    Ok(to)
}

fn edit(path: &Path, from: &str, to: &str) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(path)?;
    ensure!(text.contains(from), "{} has no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1))?;
    Ok(())
}

#[test]
fn snippets_are_made_only_when_asked_for() -> anyhow::Result<()> {
    let (_dir, _store, index) = seeded()?;
    let r = index.search(&SearchQuery { snippets: false, ..query("Koetse") })?;
    ensure!(!r.hits.is_empty());
    ensure!(r.hits.iter().all(|h| h.snippet.is_none()));
    Ok(())
}

/// A store of the seed's size is indexed into one segment: a search pays its set-up per segment.
#[test]
fn a_small_store_is_indexed_into_one_segment() -> anyhow::Result<()> {
    let (_dir, _store, index) = seeded()?;
    assert_eq!(index.searcher().segment_readers().len(), 1);
    Ok(())
}
