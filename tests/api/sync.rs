//! Delta sync: first sync, tokens, tombstones across pages, refused tokens.

use serde_json::{json, Value};

use crate::helpers::{edit, error_code, seed_copy, spawn_app, spawn_app_on, strings, TestApp};

const SYNC: &str = r#"query($token: String, $kinds: [EntityKind!], $first: Int) {
  sync(token: $token, kinds: $kinds, first: $first) {
    updated { id ... on Reading { slug title } ... on Event { slug title } ... on Person { slug } }
    deleted { id kind deletedAt }
    nextToken hasMore
  }
}"#;

/// Everything since `token`, page by page: (updated slugs or ids, tombstones, final token, pages).
pub async fn sync_all(
    app: &TestApp,
    mut token: Option<String>,
    kinds: Value,
    first: i32,
) -> (Vec<String>, Vec<Value>, String, usize) {
    let (mut updated, mut deleted, mut pages) = (Vec::new(), Vec::new(), 0);
    loop {
        let data = app.data(SYNC, json!({ "token": token, "kinds": kinds, "first": first })).await;
        let page = &data["sync"];
        pages += 1;
        assert!(page["updated"].as_array().map_or(0, Vec::len) <= first as usize, "page size kept");
        for node in page["updated"].as_array().into_iter().flatten() {
            updated.push(node["slug"].as_str().or(node["id"].as_str()).unwrap_or_default().to_string());
        }
        deleted.extend(page["deleted"].as_array().into_iter().flatten().cloned());
        token = page["nextToken"].as_str().map(str::to_string);
        if page["hasMore"] == false {
            return (updated, deleted, token.expect("a token"), pages);
        }
        assert!(pages < 100, "sync ends");
    }
}

#[tokio::test]
async fn a_first_sync_pages_through_every_entity_once() {
    let app = spawn_app().await;
    let (updated, deleted, token, pages) = sync_all(&app, None, json!(null), 7).await;
    assert_eq!(updated.len(), 22 + 10 + 3 + 1, "{updated:?}");
    let mut unique = updated.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), updated.len(), "each entity once");
    assert!(deleted.is_empty(), "a first sync has nothing to delete");
    assert_eq!(pages, 6, "36 entities in pages of 7");

    // Nothing changed since: an empty page, and the same position.
    let data = app.data(SYNC, json!({ "token": token })).await;
    assert_eq!(data["sync"]["updated"], json!([]));
    assert_eq!(data["sync"]["deleted"], json!([]));
    assert_eq!(data["sync"]["hasMore"], false);
}

#[tokio::test]
async fn kinds_narrow_a_sync() {
    let app = spawn_app().await;
    let (updated, _, _, _) = sync_all(&app, None, json!(["READING", "EVENT"]), 100).await;
    let counts = app.data("{ events { totalCount } readings { totalCount } }", json!({})).await;
    let expected = counts["events"]["totalCount"].as_u64().unwrap_or(0)
        + counts["readings"]["totalCount"].as_u64().unwrap_or(0);
    assert_eq!(updated.len() as u64, expected, "{updated:?}");
    assert!(updated.contains(&"talk-at-the-library-2019".to_string()));
    assert!(updated.contains(&"hernig-big-data-diktatur".to_string()));
    let data = app.data(SYNC, json!({ "kinds": ["PERSON"] })).await;
    assert_eq!(strings(&data["sync"]["updated"], "slug").len(), 10);
}

#[tokio::test]
async fn create_update_delete_and_recreate_reach_a_syncing_client() {
    let seed = seed_copy();
    let data_dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_app_on(data_dir, seed.path()).await;
    let (_, _, token, _) = sync_all(&app, None, json!(null), 100).await;

    // Update an event; "delete" a reading and create another by changing its slug.
    let event = "Talk at the Library: The Corporate Social Credit System";
    edit(seed.path(), "events.toml", event, "Talk at the Library (updated)");
    edit(seed.path(), "readings.toml", r#"slug = "hernig-big-data-diktatur""#, r#"slug = "renamed-reading""#);
    app.catalog.reload_seed().expect("reload");

    let (mut updated, deleted, token, pages) = sync_all(&app, Some(token), json!(null), 1).await;
    assert!(pages >= 3, "paged one change at a time");
    updated.sort();
    assert_eq!(updated, ["renamed-reading", "talk-at-the-library-2019"]);
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert_eq!(deleted[0]["kind"], "READING");
    let old_id = deleted[0]["id"].as_str().expect("id").to_string();
    assert!(deleted[0]["deletedAt"].as_str().is_some_and(|t| t.ends_with('Z') && t.contains('T')));

    // Re-create the deleted reading (and delete the new one).
    edit(seed.path(), "readings.toml", r#"slug = "renamed-reading""#, r#"slug = "hernig-big-data-diktatur""#);
    app.catalog.reload_seed().expect("reload");
    let (updated, deleted, _, _) = sync_all(&app, Some(token), json!(null), 1).await;
    assert_eq!(updated, ["hernig-big-data-diktatur"], "the re-created reading comes back");
    assert_eq!(deleted.len(), 1, "{deleted:?}");
    assert_ne!(deleted[0]["id"], old_id, "the re-created one is not reported deleted");

    let node = app.data("query($id: ID!) { node(id: $id) { id } }", json!({ "id": old_id })).await;
    assert_eq!(node["node"]["id"], old_id, "same id as before: ids derive from kind and slug");
}

#[tokio::test]
async fn a_change_made_between_pages_is_not_lost() {
    let seed = seed_copy();
    let data_dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_app_on(data_dir, seed.path()).await;
    // A client half-way through its first sync…
    let first = app.data(SYNC, json!({ "first": 5 })).await;
    let token = first["sync"]["nextToken"].as_str().expect("token").to_string();
    let seen: Vec<String> = first["sync"]["updated"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| n["id"].as_str().unwrap_or_default().to_string())
        .collect();
    // …while everything is removed but the series page and people.
    for file in ["events", "interviews", "press", "podcast", "articles", "fact_sheets", "readings", "updates"]
    {
        let path = seed.path().join(format!("{file}.toml"));
        std::fs::write(&path, "").expect("empty file");
    }
    app.catalog.reload_seed().expect("reload");
    let (_, deleted, _, _) = sync_all(&app, Some(token), json!(null), 100).await;
    let deleted: Vec<&str> = deleted.iter().filter_map(|t| t["id"].as_str()).collect();
    for id in &seen {
        let kept = app.query("query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
        if kept.get("errors").is_some() {
            assert!(deleted.contains(&id.as_str()), "a deletion of an item seen on page 1 is reported");
        }
    }
    assert_eq!(deleted.len(), 22 + 3, "every removed item and update is reported deleted");
}

#[tokio::test]
async fn bad_tokens_are_refused_with_sync_token_invalid() {
    let app = spawn_app().await;
    let other = spawn_app().await;
    let token = |body: &Value| body["sync"]["nextToken"].as_str().expect("token").to_string();
    let mine = token(&app.data(SYNC, json!({ "kinds": ["EVENT"] })).await);
    let theirs = token(&other.data(SYNC, json!({})).await);
    let mut forged = mine.clone();
    forged.replace_range(10..11, if &mine[10..11] == "A" { "B" } else { "A" });

    for (token, kinds) in [
        ("garbage!".to_string(), json!(["EVENT"])),
        (String::new(), json!(["EVENT"])),
        (forged, json!(["EVENT"])),
        (mine.clone(), json!(["READING"])),
        (mine.clone(), json!(null)),
        (theirs, json!(null)),
    ] {
        let body = app.query(SYNC, json!({ "token": token, "kinds": kinds })).await;
        assert_eq!(error_code(&body), "SYNC_TOKEN_INVALID", "{token} {kinds}: {body:#}");
        assert_eq!(body["errors"][0]["extensions"]["argument"], "token");
        assert_eq!(body["data"], Value::Null, "nothing served");
    }
    let body = app.query(SYNC, json!({ "first": 0 })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    let body = app.query(SYNC, json!({ "first": 101 })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    // The right token still works.
    app.data(SYNC, json!({ "token": mine, "kinds": ["EVENT"] })).await;
}

#[tokio::test]
async fn a_first_sync_never_reports_old_deletions() {
    let seed = seed_copy();
    let app = spawn_app_on(tempfile::tempdir().expect("temp dir"), seed.path()).await;
    edit(seed.path(), "readings.toml", r#"slug = "hernig-big-data-diktatur""#, r#"slug = "renamed-reading""#);
    app.catalog.reload_seed().expect("reload");
    // A new client, paging through its first sync: the old reading's tombstone is not its business.
    let (updated, deleted, _, pages) = sync_all(&app, None, json!(null), 5).await;
    assert!(pages > 2);
    assert_eq!(updated.len(), 36);
    assert!(deleted.is_empty(), "{deleted:?}");
}

#[tokio::test]
async fn a_token_held_across_delete_recreate_and_update_sees_the_end_state() {
    let seed = seed_copy();
    let app = spawn_app_on(tempfile::tempdir().expect("temp dir"), seed.path()).await;
    let (_, _, token, _) = sync_all(&app, None, json!(null), 100).await;
    let reading = r#"slug = "hernig-big-data-diktatur""#;

    edit(seed.path(), "readings.toml", reading, r#"slug = "gone-for-a-while""#);
    app.catalog.reload_seed().expect("deleted");
    edit(seed.path(), "readings.toml", r#"slug = "gone-for-a-while""#, reading);
    edit(
        seed.path(),
        "readings.toml",
        "Errichtet China eine Big-Data-Diktatur? Nein.",
        "Re-created, with a new title",
    );
    app.catalog.reload_seed().expect("re-created");

    // One change at a time; while the client pages, the talk is deleted.
    let first = app.data(SYNC, json!({ "token": token, "first": 1 })).await;
    assert_eq!(first["sync"]["hasMore"], true);
    let talk = app.data(r#"{ content(slug: "talk-at-the-library-2019") { id } }"#, json!({})).await;
    let talk_id = talk["content"]["id"].clone();
    let events = std::fs::read_to_string(seed.path().join("events.toml")).expect("read");
    let start = events.find("slug = \"talk-at-the-library-2019\"").expect("the talk");
    let table = events[..start].rfind("[[event]]").expect("its table");
    let end = events[start..].find("\n[[event]]\n").map_or(events.len(), |e| start + e + 1);
    std::fs::write(seed.path().join("events.toml"), format!("{}{}", &events[..table], &events[end..]))
        .expect("written");
    app.catalog.reload_seed().expect("talk deleted");

    let next = first["sync"]["nextToken"].as_str().map(str::to_string);
    let (rest, deleted, _, _) = sync_all(&app, next, json!(null), 1).await;
    let mut updated = strings(&first["sync"]["updated"], "slug");
    updated.extend(rest);
    let deleted: Vec<&Value> = deleted.iter().map(|t| &t["id"]).collect();
    assert!(updated.contains(&"hernig-big-data-diktatur".to_string()), "re-created: {updated:?}");
    assert!(
        !updated.contains(&"gone-for-a-while".to_string()),
        "created and deleted in between: {updated:?}"
    );
    assert_eq!(deleted.len(), 2, "the in-between reading and the talk: {deleted:?}");
    assert!(deleted.contains(&&talk_id), "a deletion made while paging is reported");
    let node = app.data(r#"{ content(slug: "hernig-big-data-diktatur") { title } }"#, json!({})).await;
    assert_eq!(node["content"]["title"], "Re-created, with a new title");
}

#[tokio::test]
async fn a_renamed_person_updates_the_items_that_show_the_name() {
    let seed = seed_copy();
    let app = spawn_app_on(tempfile::tempdir().expect("temp dir"), seed.path()).await;
    let (_, _, token, _) = sync_all(&app, None, json!(["EVENT"]), 100).await;
    edit(seed.path(), "people.toml", "name = \"Markus Herrmann\"", "name = \"Markus Herrmann-Renamed\"");
    app.catalog.reload_seed().expect("reload");
    let (updated, _, _, _) = sync_all(&app, Some(token), json!(["EVENT"]), 100).await;
    assert_eq!(updated, ["talk-at-the-library-2019"], "the talk he speaks at");
}

#[tokio::test]
async fn a_token_ahead_of_a_restored_store_is_refused() {
    let seed = seed_copy();
    let backup = tempfile::tempdir().expect("temp dir");
    let app = spawn_app_on(tempfile::tempdir().expect("temp dir"), seed.path()).await;
    app.catalog.store().flush().expect("flushed");
    copy_dir(&app.data_dir().join("store"), &backup.path().join("store"));
    // The store moves on by two changes after the backup, and a client syncs to the end.
    let talk = "Talk at the Library: The Corporate Social Credit System";
    edit(seed.path(), "events.toml", talk, "Later title");
    app.catalog.reload_seed().expect("reload");
    edit(seed.path(), "events.toml", "Later title", "Even later title");
    app.catalog.reload_seed().expect("reload");
    let (_, _, token, _) = sync_all(&app, None, json!(null), 100).await;
    drop(app);

    // Restored from the backup (same store, same secret), it applies the seed in one change:
    // its log is shorter than the client's token, which would skip whatever comes next.
    let restored = spawn_app_on(backup, seed.path()).await;
    let body = restored.query(SYNC, json!({ "token": token })).await;
    assert_eq!(error_code(&body), "SYNC_TOKEN_INVALID", "{body:#}");
    restored.data(SYNC, json!({})).await;
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}
