//! Seed loading: idempotent, applies edits by slug, refuses broken seeds without touching the store.

use std::path::Path;
use std::process::Command;

use serde_json::json;

use crate::helpers::{binary, edit, seed_copy, seed_dir, spawn_app_on};
use scs_series::store::Store;

fn apply(store_dir: &Path, seed: &Path) -> scs_series::store::Report {
    let seed = scs_series::seed::load(seed).expect("seed loads");
    let store = open_store(store_dir);
    let report = store.apply_seed(&seed).expect("seed applies");
    store.flush().expect("flushed");
    report
}

/// Opens a store that an earlier handle in this test just closed: sled releases its file lock
/// a moment after the handle is dropped, so a reopen may need a few tries.
fn open_store(dir: &Path) -> Store {
    for _ in 0..100 {
        if let Ok(store) = Store::open(dir) {
            return store;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("store at {} stays locked", dir.display());
}

#[test]
fn loading_the_same_seed_twice_changes_nothing() {
    let data = tempfile::tempdir().expect("temp dir");
    let first = apply(data.path(), &seed_dir());
    assert!(!first.unchanged);
    assert_eq!(first.added.len(), 22 + 10 + 3 + 1);
    assert_eq!(first.revision, 1);
    let second = apply(data.path(), &seed_dir());
    assert!(second.unchanged);
    assert_eq!(second.revision, 1);
}

#[tokio::test]
async fn an_edited_seed_is_applied_by_slug() {
    let data = tempfile::tempdir().expect("temp dir");
    let store_dir = data.path().join("store");
    apply(&store_dir, &seed_dir());

    let seed = seed_copy();
    edit(
        seed.path(),
        "events.toml",
        "Talk at the Library: The Corporate Social Credit System",
        "Talk at the Library: Corporate Social Credit",
    );
    // Remove the last reading and add a new one in its place.
    edit(
        seed.path(),
        "readings.toml",
        "slug = \"hernig-big-data-diktatur\"",
        "slug = \"hernig-big-data-diktatur-2\"",
    );
    let report = apply(&store_dir, seed.path());
    let slugs = |v: &[(scs_series::domain::Kind, scs_series::domain::Slug)]| {
        v.iter().map(|(_, s)| s.to_string()).collect::<Vec<_>>()
    };
    assert_eq!(slugs(&report.changed), ["talk-at-the-library-2019"]);
    assert_eq!(slugs(&report.added), ["hernig-big-data-diktatur-2"]);
    assert_eq!(slugs(&report.removed), ["hernig-big-data-diktatur"]);
    assert_eq!(report.revision, 2);

    let app = spawn_app_on(data, seed.path()).await;
    let data = app
        .data(
            r#"{ talk: content(slug: "talk-at-the-library-2019") { title }
                 readings { totalCount nodes { slug } }
                 hernig: person(slug: "marcus-hernig") { readings { nodes { slug } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["talk"]["title"], "Talk at the Library: Corporate Social Credit");
    assert_eq!(data["readings"]["totalCount"], 5);
    assert_eq!(data["hernig"]["readings"]["nodes"], json!([{ "slug": "hernig-big-data-diktatur-2" }]));
    let gone = app.query(r#"{ content(slug: "hernig-big-data-diktatur") { slug } }"#, json!({})).await;
    assert_eq!(gone["errors"][0]["extensions"]["code"], "NOT_FOUND");
}

#[test]
fn a_broken_seed_stops_start_up_names_the_place_and_leaves_the_store_untouched() {
    let data = tempfile::tempdir().expect("temp dir");
    let store_dir = data.path().join("store");
    apply(&store_dir, &seed_dir());
    let before = {
        let store = open_store(&store_dir);
        (store.revision().expect("revision"), store.seed_digest().expect("digest"))
    };

    let seed = seed_copy();
    edit(seed.path(), "events.toml", "date = \"2019-10-22\"", "date = \"2019-10-32\"");
    let line = std::fs::read_to_string(seed.path().join("events.toml"))
        .expect("read")
        .lines()
        .position(|l| l.contains("2019-10-32"))
        .expect("edited line")
        + 1;
    let out = Command::new(binary())
        .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&store_dir)
        .arg("--seed-dir")
        .arg(seed.path())
        .output()
        .expect("binary runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("events.toml:{line}: item `talk-at-the-library-2019` field `date`")),
        "{stderr}"
    );
    assert!(stderr.contains("2019-10-32"), "{stderr}");

    let store = open_store(&store_dir);
    assert_eq!((store.revision().expect("revision"), store.seed_digest().expect("digest")), before);
    assert!(store.item_by_slug("talk-at-the-library-2019").expect("read").is_some());
}

#[test]
fn a_syntax_error_is_reported_with_its_line() {
    let seed = seed_copy();
    edit(seed.path(), "people.toml", "name = \"Kaiser Kuo\"", "name = \"Kaiser Kuo");
    let errors = scs_series::seed::load(seed.path()).expect_err("broken");
    let e = &errors.0[0];
    assert!(e.file.ends_with("people.toml"));
    assert!(e.line.is_some(), "{e}");
}

#[test]
fn a_missing_seed_dir_is_a_clear_error() {
    let data = tempfile::tempdir().expect("temp dir");
    let out = Command::new(binary())
        .args(["--listen", "127.0.0.1:0", "--seed-dir", "/nonexistent/seed", "--data-dir"])
        .arg(data.path().join("store"))
        .output()
        .expect("binary runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/nonexistent/seed") && stderr.contains("cannot read the seed folder"),
        "{stderr}"
    );
    assert!(!data.path().join("store").exists(), "no store is created for a seed that cannot be read");
}

#[test]
fn a_missing_seed_file_is_an_error_not_a_mass_deletion() {
    let seed = seed_copy();
    std::fs::remove_file(seed.path().join("readings.toml")).expect("removed");
    let errors = scs_series::seed::load(seed.path()).expect_err("incomplete seed");
    assert!(
        errors.0.iter().any(|e| e.file.ends_with("readings.toml") && e.message.contains("missing seed file")),
        "{errors}"
    );
}

#[test]
fn check_seed_reports_every_problem_at_once() {
    let seed = seed_copy();
    edit(seed.path(), "interviews.toml", "person = \"kaiser-kuo\"", "person = \"kaiser-kou\"");
    edit(
        seed.path(),
        "press.toml",
        "slug = \"nzz-am-sonntag-kaiser-kuo-2018\"",
        "slug = \"nzz-manya-koetse-2018\"",
    );
    edit(seed.path(), "events.toml", "date = \"2020\"", "date = \"20-20\"");
    edit(seed.path(), "readings.toml", "language = \"de\"", "language = \"german\"");
    edit(
        seed.path(),
        "articles.toml",
        "title = \"Social Credit Score's in a Low-Trust Society\"",
        "title = \" \"",
    );
    edit(
        seed.path(),
        "podcast.toml",
        "recorded_at = \"sinica-live-taping-2018\"",
        "recorded_at = \"kostka-public-opinion\"",
    );
    edit(
        seed.path(),
        "articles.toml",
        "about = \"sinica-mythbusting-chinas-social-credit-system\"",
        "about = \"no-such-item\"",
    );
    // A table that does not fit its type must not hide the other problems of its file.
    edit(seed.path(), "events.toml", "format = \"talk\"\n", "");
    edit(seed.path(), "readings.toml", "position = 2", "position = 1");

    let out = Command::new(binary()).arg("check-seed").arg(seed.path()).output().expect("binary runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "unknown person `kaiser-kou`",
        "duplicate slug",
        "field `date`: `20-20` is not an ISO 8601 date",
        "unknown language `german`",
        "field `title`: must not be empty",
        "dangling reference to `no-such-item`",
        "`kostka-public-opinion` is of kind `reading`; `recorded_at` needs `event`",
        "item `talk-at-the-library-2019`: missing field `format`",
        "position 1 is used twice",
    ] {
        assert!(stderr.contains(expected), "missing {expected:?} in:\n{stderr}");
    }

    let unknown = stderr.lines().find(|l| l.contains("unknown person")).unwrap_or_default();
    let after_file = unknown.split("interviews.toml:").nth(1).unwrap_or_default();
    assert!(after_file.starts_with(|c: char| c.is_ascii_digit()), "the line is named: {unknown}");

    let ok = Command::new(binary()).arg("check-seed").arg(seed_dir()).output().expect("binary runs");
    assert!(ok.status.success(), "{}", String::from_utf8_lossy(&ok.stderr));
}
