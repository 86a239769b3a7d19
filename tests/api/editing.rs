//! The editorial API over real HTTP: every mutation with and without tokens and scopes,
//! validation, versions, references, the audit log and the online backup.

use std::path::Path;

use scs_series::auth::{self, Scope, Tokens};
use scs_series::http::HttpConfig;
use serde_json::{json, Value};
use tempfile::TempDir;

use crate::helpers::*;

/// A server whose tokens file holds one token per scope.
pub struct EditorApp {
    pub app: TestApp,
    pub read: String,
    pub write: String,
    pub admin: String,
    /// The tokens file and the backup folder.
    pub dir: TempDir,
}

impl EditorApp {
    pub async fn start() -> EditorApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let (config, read, write, admin) = editor_config(dir.path());
        let app = spawn_app_with(config).await;
        EditorApp { app, read, write, admin, dir }
    }

    /// POSTs with `Authorization: Bearer <token>` (none when `token` is empty).
    pub async fn send(&self, token: &str, query: &str, variables: Value) -> reqwest::Response {
        let mut request = self
            .app
            .client
            .post(format!("{}/graphql", self.app.address))
            .json(&json!({ "query": query, "variables": variables }));
        if !token.is_empty() {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request sent")
    }

    pub async fn as_(&self, token: &str, query: &str, variables: Value) -> Value {
        let response = self.send(token, query, variables).await;
        assert_eq!(response.status(), 200);
        response.json().await.expect("JSON")
    }

    /// Runs as the `write` token and fails the test on any error.
    pub async fn write(&self, query: &str, variables: Value) -> Value {
        let body = self.as_(&self.write, query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }

    pub async fn revision(&self) -> u64 {
        self.app.catalog.store().revision().expect("revision")
    }

    /// The id and version of the entity a query (`{ x(slug:…) { id version } }`) finds.
    pub async fn id_version(&self, query: &str) -> (String, u64) {
        let data = self.app.data(query, json!({})).await;
        let node = data.as_object().and_then(|o| o.values().next()).cloned().unwrap_or_default();
        (node["id"].as_str().expect("id").to_string(), node["version"].as_u64().expect("version"))
    }
}

/// An HTTP config with a tokens file in `dir` holding a read, a write and an admin token.
pub fn editor_config(dir: &Path) -> (HttpConfig, String, String, String) {
    let file = dir.join("tokens.toml");
    let read = auth::create(&file, "reader", Scope::Read).expect("token");
    let write = auth::create(&file, "alice", Scope::Write).expect("token");
    let admin = auth::create(&file, "root", Scope::Admin).expect("token");
    let tokens = Tokens::load(Some(&file), None).expect("tokens");
    let config = HttpConfig {
        tokens: std::sync::Arc::new(tokens),
        backup_dir: dir.join("backups"),
        ..HttpConfig::default()
    };
    (config, read, write, admin)
}

/// Every problem's `extensions.field`, in order.
pub fn fields(body: &Value) -> Vec<String> {
    let errors = body["errors"].as_array().cloned().unwrap_or_default();
    for e in &errors {
        assert_eq!(e["extensions"]["code"], "BAD_USER_INPUT", "{e:#}");
    }
    errors.iter().map(|e| e["extensions"]["field"].as_str().unwrap_or("<none>").to_string()).collect()
}

/// One new entity of each kind: (type name, input, a field an update can change).
fn one_of_each() -> Vec<(&'static str, Value, &'static str)> {
    let people =
        json!([{ "person": "manya-koetse", "role": "SPEAKER", "affiliations": ["What's on Weibo"] }]);
    vec![
        (
            "Person",
            json!({ "slug": "new-person", "name": "New Person", "affiliations": ["Somewhere"] }),
            "note",
        ),
        (
            "Event",
            json!({ "slug": "talk-2021", "title": "A 2021 talk", "format": "TALK", "date": "2021-05-04", "people": people }),
            "dek",
        ),
        (
            "Interview",
            json!({ "slug": "update-2021-koetse", "category": "UPDATE", "quote": "Still here.", "date": "2021", "people": [{ "person": "manya-koetse", "role": "INTERVIEWEE" }] }),
            "dek",
        ),
        ("PressItem", json!({ "slug": "press-2021", "title": "Press 2021", "outlet": "NZZ" }), "dek"),
        (
            "PodcastEpisode",
            json!({ "slug": "episode-2021", "title": "Episode", "show": "Sinica", "recordedAt": "sinica-live-taping-2018" }),
            "dek",
        ),
        ("Article", json!({ "slug": "article-2021", "title": "Recap 2021", "about": "talk-2021" }), "dek"),
        (
            "FactSheet",
            json!({ "slug": "facts-2021", "title": "Facts 2021", "attachment": { "fileName": "f.pdf", "mediaType": "application/pdf", "byteSize": 1234 } }),
            "dek",
        ),
        (
            "Reading",
            json!({ "slug": "reading-2021", "title": "A reading", "position": 99, "doi": "10.1000/xyz", "language": "de" }),
            "dek",
        ),
        (
            "Update",
            json!({ "slug": "update-2021", "year": 2021, "title": "2021 Update", "items": ["talk-2021", "update-2021-koetse"] }),
            "intro",
        ),
    ]
}

#[tokio::test]
async fn every_kind_can_be_created_updated_and_deleted() {
    let app = EditorApp::start().await;
    // A client that synced before the editing starts.
    let (_, _, token, _) = crate::sync::sync_all(&app.app, None, json!(null), 100).await;
    let mut created = Vec::new();
    for (ty, input, field) in one_of_each() {
        let before = app.revision().await;
        let query = format!(
            "mutation($input: {ty}Input!) {{ create{ty}(input: $input) {{ item {{ id slug version }} version revision }} }}"
        );
        let data = app.write(&query, json!({ "input": input })).await;
        let payload = &data[format!("create{ty}")];
        assert_eq!(payload["item"]["slug"], input["slug"], "{ty}");
        assert_eq!(payload["version"], 1, "{ty}: a new entity is at version 1");
        assert_eq!(payload["item"]["version"], 1);
        assert_eq!(payload["revision"].as_u64(), Some(before + 1), "{ty}: one change, one revision");
        let id = payload["item"]["id"].as_str().expect("id").to_string();
        // Readable at once, through `node`, as the type it was created as.
        let node =
            app.app.data("query($id: ID!) { node(id: $id) { __typename id } }", json!({ "id": id })).await;
        assert_eq!(node["node"]["__typename"], ty);
        created.push((ty, id, field));
    }
    // The new event is in its lists and its person's.
    let data = app
        .app
        .data(r#"{ events(year: 2021) { nodes { slug } } person(slug: "manya-koetse") { events { nodes { slug } } } }"#, json!({}))
        .await;
    assert_eq!(strings(&data["events"]["nodes"], "slug"), ["talk-2021"]);
    assert!(strings(&data["person"]["events"]["nodes"], "slug").contains(&"talk-2021".to_string()));

    for (ty, id, field) in &created {
        let query = format!(
            "mutation($id: ID!, $input: {ty}Input!) {{ update{ty}(id: $id, expectedVersion: 1, input: $input) {{ version item {{ slug }} }} }}"
        );
        let data = app.write(&query, json!({ "id": id, "input": { (*field): "Edited." } })).await;
        assert_eq!(data[format!("update{ty}")]["version"], 2, "{ty}");
    }
    // Deleted in an order that leaves nothing referenced: the update lists the event, the
    // article is about it, and the new person is in no item.
    for (ty, id, _) in created.iter().rev() {
        let query =
            format!("mutation($id: ID!) {{ delete{ty}(id: $id, expectedVersion: 2) {{ id revision detached {{ slug }} }} }}");
        let data = app.write(&query, json!({ "id": id })).await;
        assert_eq!(data[format!("delete{ty}")]["id"], id.as_str(), "{ty}");
        assert_eq!(data[format!("delete{ty}")]["detached"], json!([]));
        let body = app.app.query("query($id: ID!) { node(id: $id) { id } }", json!({ "id": id })).await;
        assert_eq!(error_code(&body), "NOT_FOUND", "{ty} is gone");
    }
    assert_eq!(app.app.catalog.store().check().expect("check").problems, Vec::<String>::new());
    // Its next sync gets a tombstone for each, and no trace of them among the updated.
    let (updated, deleted, _, _) = crate::sync::sync_all(&app.app, Some(token), json!(null), 100).await;
    let mut tombstones: Vec<&str> = deleted.iter().filter_map(|d| d["id"].as_str()).collect();
    let mut ids: Vec<&str> = created.iter().map(|(_, id, _)| id.as_str()).collect();
    tombstones.sort();
    ids.sort();
    assert_eq!(tombstones, ids);
    assert!(created.iter().all(|(_, id, _)| !updated.contains(id)), "{updated:?}");

    // Created again with the same slug (so the same id), a person goes on counting versions:
    // a version read before the delete never matches the new one.
    let data = app
        .write(r#"mutation { createPerson(input: { slug: "new-person", name: "Back" }) { version item { id } } }"#, json!({}))
        .await;
    assert_eq!(data["createPerson"]["version"], 3);
    let id = data["createPerson"]["item"]["id"].clone();
    let stale = app
        .as_(&app.write, "mutation($id: ID!) { updatePerson(id: $id, expectedVersion: 1, input: { note: \"x\" }) { version } }", json!({ "id": id }))
        .await;
    assert_eq!(error_code(&stale), "CONFLICT");
}

#[tokio::test]
async fn an_update_changes_only_the_fields_given_and_null_clears_one() {
    let app = EditorApp::start().await;
    let (id, version) =
        app.id_version(r#"{ content(slug: "talk-at-the-library-2019") { id version } }"#).await;
    let before = app
        .app
        .data(r#"{ content(slug: "talk-at-the-library-2019") { title url language people { person { slug } } } }"#, json!({}))
        .await;
    let data = app
        .write(
            "mutation($id: ID!, $v: Int!) { updateEvent(id: $id, expectedVersion: $v, input: { dek: \"New dek\", language: null }) { version item { title dek url language people { person { slug } } } } }",
            json!({ "id": id, "v": version }),
        )
        .await;
    let item = &data["updateEvent"]["item"];
    assert_eq!(item["dek"], "New dek");
    assert_eq!(item["language"], Value::Null, "null clears a field");
    assert_eq!(item["title"], before["content"]["title"], "fields left out keep their values");
    assert_eq!(item["url"], before["content"]["url"]);
    assert_eq!(item["people"], before["content"]["people"]);
    assert_eq!(data["updateEvent"]["version"].as_u64(), Some(version + 1));

    // A required field cannot be cleared; the slug cannot change.
    let before = app.revision().await;
    let body = app
        .as_(
            &app.write,
            "mutation($id: ID!, $v: Int!) { updateEvent(id: $id, expectedVersion: $v, input: { title: null, slug: \"other\" }) { version } }",
            json!({ "id": id, "v": version + 1 }),
        )
        .await;
    assert_eq!(fields(&body), ["slug", "title"]);
    assert_eq!(app.revision().await, before, "nothing was written");

    // An id of another kind is not found, whatever the version.
    let (person, v) = app.id_version(r#"{ person(slug: "manya-koetse") { id version } }"#).await;
    for v in [v, v + 5] {
        let body = app
            .as_(&app.write, "mutation($id: ID!, $v: Int!) { updateEvent(id: $id, expectedVersion: $v, input: {}) { version } }", json!({ "id": person, "v": v }))
            .await;
        assert_eq!(error_code(&body), "NOT_FOUND");
    }
}

/// Reads decode each entity once and keep it (the decoded-entity cache): an update must still
/// show in every read after it, by slug, by id and in lists, and a delete in none.
#[tokio::test]
async fn reads_after_an_update_see_it_though_the_entity_was_kept_decoded() {
    let app = EditorApp::start().await;
    let (id, version) =
        app.id_version(r#"{ content(slug: "talk-at-the-library-2019") { id version } }"#).await;
    let reads = [
        r#"{ content(slug: "talk-at-the-library-2019") { dek } }"#.to_string(),
        format!(r#"{{ node(id: "{id}") {{ ... on Event {{ dek }} }} }}"#),
        r#"{ events(year: 2019) { nodes { slug dek } } }"#.to_string(),
    ];
    let deks = |data: &Value| -> Vec<Value> {
        let mut found = Vec::new();
        for value in [&data["content"]["dek"], &data["node"]["dek"]] {
            if !value.is_null() {
                found.push(value.clone());
            }
        }
        for node in data["events"]["nodes"].as_array().into_iter().flatten() {
            if node["slug"] == "talk-at-the-library-2019" {
                found.push(node["dek"].clone());
            }
        }
        found
    };
    for _ in 0..2 {
        for read in &reads {
            let data = app.app.data(read, json!({})).await;
            assert!(deks(&data).iter().all(|d| d != "Kept or not"), "{data}");
        }
    }
    app.write(
        "mutation($id: ID!, $v: Int!) { updateEvent(id: $id, expectedVersion: $v, input: { dek: \"Kept or not\" }) { version } }",
        json!({ "id": id, "v": version }),
    )
    .await;
    for read in &reads {
        let data = app.app.data(read, json!({})).await;
        let found = deks(&data);
        assert_eq!(found, vec![json!("Kept or not")], "{read}: {data}");
    }
    // Deleted, it is gone from every read, though it was kept a moment ago.
    app.write(
        "mutation($id: ID!, $v: Int!) { deleteEvent(id: $id, expectedVersion: $v) { id } }",
        json!({ "id": id, "v": version + 1 }),
    )
    .await;
    for read in &reads {
        let body = app.app.query(read, json!({})).await;
        assert_eq!(deks(&body["data"]), Vec::<Value>::new(), "{read}: {body}");
    }
    let by_slug = app.app.query(&reads[0], json!({})).await;
    assert_eq!(error_code(&by_slug), "NOT_FOUND", "{by_slug}");
}

#[tokio::test]
async fn every_problem_is_reported_at_once_with_its_field_and_nothing_is_written() {
    let app = EditorApp::start().await;
    let before = app.revision().await;
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        (
            "Event",
            json!({ "title": " ", "date": "2021-13-01", "language": "xx", "url": "ftp://example.org",
                    "startTime": "25:00", "people": [{ "person": "nobody", "role": "SPEAKER" }] }),
            vec!["slug", "format", "title", "people.person", "date", "url", "language", "startTime"],
        ),
        ("Event", json!({ "slug": "Not A Slug", "title": "t", "format": "TALK" }), vec!["slug"]),
        // Slugs are unique across content kinds.
        (
            "PressItem",
            json!({ "slug": "talk-at-the-library-2019", "title": "t", "outlet": "o" }),
            vec!["slug"],
        ),
        ("Person", json!({ "slug": "manya-koetse", "name": "Again" }), vec!["slug"]),
        (
            "Interview",
            json!({ "slug": "long-quote", "category": "UPDATE", "quote": "x".repeat(601) }),
            vec!["quote"],
        ),
        (
            "Reading",
            json!({ "slug": "r", "title": "t", "position": 1, "doi": "not-a-doi" }),
            vec!["doi", "position"],
        ),
        (
            "PodcastEpisode",
            json!({ "slug": "p", "title": "t", "show": "s", "recordedAt": "talk-at-the-library-2019x" }),
            vec!["recordedAt"],
        ),
        (
            "Update",
            json!({ "slug": "u", "year": 21, "title": "t", "items": ["no-such-item"] }),
            vec!["year", "items"],
        ),
        ("Person", json!({ "name": "" }), vec!["slug", "name"]),
    ];
    for (ty, input, want) in cases {
        let query = format!("mutation($input: {ty}Input!) {{ create{ty}(input: $input) {{ version }} }}");
        let body = app.as_(&app.write, &query, json!({ "input": input })).await;
        let mut got = fields(&body);
        let mut want: Vec<String> = want.into_iter().map(String::from).collect();
        got.sort();
        want.sort();
        assert_eq!(got, want, "{ty} {input}: {body:#}");
        assert_eq!(body["data"], Value::Null);
    }
    assert_eq!(app.revision().await, before, "no invalid input was written");
}

#[tokio::test]
async fn a_stale_version_is_a_conflict_so_no_update_is_lost() {
    let app = EditorApp::start().await;
    let (id, version) = app.id_version(r#"{ person(slug: "manya-koetse") { id version } }"#).await;
    // Eight editors change the same person at once, each from the version they read.
    let mut tasks = Vec::new();
    for n in 0..8 {
        let (client, address, token, id) =
            (app.app.client.clone(), app.app.address.clone(), app.write.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            let query = "mutation($id: ID!, $v: Int!, $note: String!) { updatePerson(id: $id, expectedVersion: $v, input: { note: $note }) { version } }";
            let variables = json!({ "id": id, "v": version, "note": format!("editor {n}") });
            post_graphql(&client, &format!("{address}/graphql"), &token, query, variables).await
        }));
    }
    let mut won = Vec::new();
    for task in tasks {
        let body = task.await.expect("task");
        if body.get("errors").is_none() {
            won.push(body);
        } else {
            assert_eq!(error_code(&body), "CONFLICT");
            assert_eq!(body["errors"][0]["extensions"]["expectedVersion"].as_u64(), Some(version));
            assert_eq!(body["errors"][0]["extensions"]["currentVersion"].as_u64(), Some(version + 1));
        }
    }
    assert_eq!(won.len(), 1, "exactly one editor's change is taken");
    let data = app.app.data(r#"{ person(slug: "manya-koetse") { version note } }"#, json!({})).await;
    assert_eq!(data["person"]["version"].as_u64(), Some(version + 1));
}

#[tokio::test]
async fn deleting_something_referenced_is_a_conflict_unless_forced() {
    let app = EditorApp::start().await;
    let (id, version) = app.id_version(r#"{ person(slug: "kaiser-kuo") { id version } }"#).await;
    let before = app.revision().await;
    let delete = "mutation($id: ID!, $v: Int!, $force: Boolean!) { deletePerson(id: $id, expectedVersion: $v, force: $force) { id detached { kind slug field } } }";
    let body = app.as_(&app.write, delete, json!({ "id": id, "v": version, "force": false })).await;
    assert_eq!(error_code(&body), "CONFLICT");
    let refs = body["errors"][0]["extensions"]["references"].as_array().cloned().unwrap_or_default();
    assert!(
        refs.contains(
            &json!({ "kind": "INTERVIEW", "slug": "interview-series-part-1-kaiser-kuo", "field": "people" })
        ),
        "{body:#}"
    );
    assert_eq!(app.revision().await, before);

    let data = app.write(delete, json!({ "id": id, "v": version, "force": true })).await;
    assert_eq!(data["deletePerson"]["detached"].as_array().map(Vec::len), Some(refs.len()));
    let data = app
        .app
        .data(
            r#"{ content(slug: "interview-series-part-1-kaiser-kuo") { people { person { slug } } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(data["content"]["people"], json!([]), "the person was detached");

    // An item an update lists, and that a podcast episode was recorded at.
    let (event, v) = app.id_version(r#"{ content(slug: "sinica-live-taping-2018") { id version } }"#).await;
    let delete = "mutation($id: ID!, $v: Int!) { deleteEvent(id: $id, expectedVersion: $v) { id } }";
    let body = app.as_(&app.write, delete, json!({ "id": event, "v": v })).await;
    let refs = body["errors"][0]["extensions"]["references"].clone();
    assert!(refs.as_array().is_some_and(|r| r.contains(&json!({ "kind": "PODCAST_EPISODE", "slug": "sinica-mythbusting-chinas-social-credit-system", "field": "recordedAt" }))), "{body:#}");
    assert_eq!(app.app.catalog.store().check().expect("check").problems, Vec::<String>::new());
}

/// Every mutation, by name, with arguments that would be valid.
fn every_mutation() -> Vec<String> {
    let kinds = [
        "Event",
        "Interview",
        "PressItem",
        "PodcastEpisode",
        "Article",
        "FactSheet",
        "Reading",
        "Person",
        "Update",
    ];
    let id = "00000000-0000-0000-0000-000000000000";
    let mut out = Vec::new();
    for k in kinds {
        out.push(format!("mutation {{ create{k}(input: {{}}) {{ version }} }}"));
        out.push(format!(
            "mutation {{ update{k}(id: \"{id}\", expectedVersion: 1, input: {{}}) {{ version }} }}"
        ));
        out.push(format!("mutation {{ delete{k}(id: \"{id}\", expectedVersion: 1) {{ id }} }}"));
    }
    out.push(format!(
        "mutation {{ updateSeries(id: \"{id}\", expectedVersion: 1, input: {{}}) {{ version }} }}"
    ));
    out.push("mutation { backup { path } }".into());
    out
}

#[tokio::test]
async fn mutations_need_a_token_of_the_right_scope() {
    let app = EditorApp::start().await;
    let before = app.revision().await;
    for mutation in every_mutation() {
        let needs = if mutation.contains("backup") { "admin" } else { "write" };
        for (token, code) in [
            ("", "UNAUTHENTICATED"),
            ("scs_not-a-token", "UNAUTHENTICATED"),
            (app.read.as_str(), "FORBIDDEN"),
        ] {
            let body = app.as_(token, &mutation, json!({})).await;
            assert_eq!(error_code(&body), code, "{mutation} with {token:?}");
            assert_eq!(body["errors"][0]["extensions"]["requiredScope"], needs);
            assert_eq!(body["data"], Value::Null);
        }
        if needs == "admin" {
            let body = app.as_(&app.write, &mutation, json!({})).await;
            assert_eq!(error_code(&body), "FORBIDDEN", "{mutation} needs admin");
        }
    }
    assert_eq!(app.revision().await, before, "no refused mutation wrote anything");
    assert!(!app.dir.path().join("backups").exists(), "no refused backup was written");
    // Reads stay public, with or without a token.
    for token in ["", app.read.as_str()] {
        let body = app.as_(token, "{ events { totalCount } }", json!({})).await;
        assert!(body["data"]["events"]["totalCount"].as_u64() > Some(0));
    }
}

#[tokio::test]
async fn mutations_and_answers_to_tokens_are_never_cached() {
    let app = EditorApp::start().await;
    let mutation =
        r#"mutation { createPerson(input: { slug: "cache-test", name: "Cache Test" }) { version } }"#;
    let response = app.send(&app.write, mutation, json!({})).await;
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(response.headers().get("etag").is_none());
    let response = app.send(&app.read, "{ events { totalCount } }", json!({})).await;
    assert_eq!(response.headers()["cache-control"], "no-store", "an answer to a token may be private");
    assert!(response.headers().get("etag").is_none());
    let response = app.send("", "{ events { totalCount } }", json!({})).await;
    assert!(response.headers().get("etag").is_some(), "anonymous reads are still cached");
}

#[tokio::test]
async fn admins_read_who_changed_what_in_the_audit_log() {
    let app = EditorApp::start().await;
    let (id, version) = app.id_version(r#"{ person(slug: "manya-koetse") { id version } }"#).await;
    app.write(
        "mutation($id: ID!, $v: Int!) { updatePerson(id: $id, expectedVersion: $v, input: { note: \"Checked.\" }) { version } }",
        json!({ "id": id, "v": version }),
    )
    .await;
    let query = "query($after: String) { changes(first: 100, after: $after) { totalCount hasNextPage endCursor edges { node { seq at actor operation change kind slug version before after } } } }";
    for token in ["", app.read.as_str(), app.write.as_str()] {
        let body = app.as_(token, query, json!({})).await;
        assert!(["UNAUTHENTICATED", "FORBIDDEN"].contains(&error_code(&body).as_str()));
    }
    let mut entries = Vec::new();
    let mut after = Value::Null;
    loop {
        let body = app.as_(&app.admin, query, json!({ "after": after })).await;
        let page = &body["data"]["changes"];
        entries.extend(page["edges"].as_array().cloned().unwrap_or_default());
        if page["hasNextPage"] != true {
            assert_eq!(page["totalCount"].as_u64(), Some(entries.len() as u64));
            break;
        }
        after = page["endCursor"].clone();
    }
    let seed_entries = entries.iter().filter(|e| e["node"]["actor"] == "seed").count();
    assert_eq!(seed_entries, entries.len() - 1, "the seed's changes are audited too");
    let last = &entries[entries.len() - 1]["node"];
    assert_eq!(last["actor"], "alice");
    assert_eq!(last["operation"], "updatePerson");
    assert_eq!(last["change"], "UPDATED");
    assert_eq!(last["kind"], "PERSON");
    assert_eq!(last["slug"], "manya-koetse");
    assert_eq!(last["version"].as_u64(), Some(version + 1));
    assert_eq!(last["before"]["note"], Value::Null);
    assert_eq!(last["after"]["note"], "Checked.");
    assert!(last["at"].as_str().is_some_and(|at| at.ends_with('Z')));
}

#[tokio::test]
async fn an_admin_can_back_the_store_up_while_it_serves() {
    let app = EditorApp::start().await;
    let body = app.as_(&app.admin, "mutation { backup { path bytes sha256 revision } }", json!({})).await;
    let backup = &body["data"]["backup"];
    let path = backup["path"].as_str().expect("path");
    assert!(path.starts_with(app.dir.path().join("backups").to_str().expect("utf-8")));
    let bytes = std::fs::read(path).expect("backup file");
    assert_eq!(backup["bytes"].as_u64(), Some(bytes.len() as u64));
    assert_eq!(backup["revision"].as_u64(), Some(app.revision().await));
    scs_series::store::backup::verify(Path::new(path)).expect("a sound backup");
}

/// The query deadline never stops a mutation half-way: its answer is whole, and says what
/// was written.
#[tokio::test]
async fn a_mutation_is_not_stopped_by_the_query_deadline() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, _, write, _) = editor_config(dir.path());
    let config = HttpConfig { query_timeout: std::time::Duration::from_nanos(1), ..config };
    let app = spawn_app_with(config).await;
    let body = post_graphql(
        &app.client,
        &format!("{}/graphql", app.address),
        &write,
        r#"mutation { createPerson(input: { slug: "in-time", name: "In Time" }) { version item { name } } }"#,
        json!({}),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_eq!(body["data"]["createPerson"]["item"]["name"], "In Time");
    let query = post_graphql(
        &app.client,
        &format!("{}/graphql", app.address),
        "",
        "{ people { totalCount } }",
        json!({}),
    )
    .await;
    assert_eq!(error_code(&query), "TIMEOUT", "queries are still timed");
}

/// Once the store is closed (shutdown), a late mutation writes nothing and says why.
#[tokio::test]
async fn a_mutation_after_the_store_closed_is_refused_as_unavailable() {
    let editor = EditorApp::start().await;
    editor.app.catalog.close().expect("closed");
    let body = editor
        .as_(
            &editor.write,
            r#"mutation { createPerson(input: { slug: "too-late", name: "Too Late" }) { version } }"#,
            json!({}),
        )
        .await;
    assert_eq!(error_code(&body), "UNAVAILABLE", "{body:#}");
    assert_eq!(body["data"], Value::Null);
}
