//! Durability over the real binary: a SIGKILL mid-stream loses no answered write, the store
//! checks sound, export round-trips exactly, backups restore, and seed re-applies keep edits.

use std::ffi::OsStr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use scs_series::auth::{self, Scope};
use scs_series::domain::Kind;
use scs_series::store::Store;
use serde_json::{json, Value};

use crate::editing::{editor_config, EditorApp};
use crate::helpers::*;

fn os(s: &str) -> &OsStr {
    s.as_ref()
}

/// Opens a store another app or process just let go of (its lock is released a moment later).
async fn open_store(dir: &Path) -> Store {
    for _ in 0..100 {
        if let Ok(store) = Store::open(dir) {
            return store;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Store::open(dir).expect("store opens")
}

#[tokio::test]
async fn a_sigkill_mid_stream_loses_no_answered_write() {
    let dir = tempfile::tempdir().expect("temp dir");
    let tokens = dir.path().join("tokens.toml");
    let token = auth::create(&tokens, "loader", Scope::Write).expect("token");
    let store = dir.path().join("store");
    // Writers as fast as the server answers: no rate limit in the way.
    let args = [
        os("--data-dir"),
        store.as_os_str(),
        os("--tokens-file"),
        tokens.as_os_str(),
        os("--rate-limit"),
        os("0"),
        os("--token-rate-limit"),
        os("0"),
    ];
    let mut server = start_binary(&args).await;

    // Four writers create people as fast as they are answered, until the server dies.
    let answered = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut writers = Vec::new();
    for w in 0..4 {
        let (url, token, answered) = (server.url.clone(), token.clone(), answered.clone());
        writers.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            for n in 0.. {
                let slug = format!("crash-{w}-{n}");
                let sent = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({
                        "query": "mutation($slug: String!) { createPerson(input: { slug: $slug, name: $slug }) { version } }",
                        "variables": { "slug": slug },
                    }))
                    .send()
                    .await;
                let Ok(response) = sent else { return };
                let Ok(body) = response.json::<Value>().await else { return };
                assert!(body.get("errors").is_none(), "{body:#}");
                answered.lock().expect("lock").push(slug);
            }
        }));
    }
    while answered.lock().expect("lock").len() < 60 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let sync = "query($token: String) { sync(token: $token, first: 1) { nextToken } }";
    let client = reqwest::Client::new();
    let token_before = post_graphql(&client, &server.url, "", sync, json!({ "token": null })).await["data"]
        ["sync"]["nextToken"]
        .clone();
    server.child.kill().expect("SIGKILL"); // std's kill is SIGKILL on Unix
    server.child.wait().expect("killed");
    for w in writers {
        w.await.expect("writer");
    }
    let answered = answered.lock().expect("lock").clone();

    // The crashed store checks sound before anything else opens it.
    let (ok, out) = run_binary(&[os("check-store"), os("--data-dir"), store.as_os_str()]);
    assert!(ok, "check-store after SIGKILL: {out}");
    assert!(out.contains("\nok"), "{out}");

    // Restarted on the same store, every answered create is there.
    let server = start_binary(&args).await;
    // Twenty people a query: the root-field limit.
    for chunk in answered.chunks(20) {
        let query = chunk
            .iter()
            .enumerate()
            .map(|(i, slug)| format!("p{i}: person(slug: \"{slug}\") {{ slug version }}"))
            .collect::<Vec<_>>()
            .join(" ");
        let body = post_graphql(&client, &server.url, "", &format!("{{ {query} }}"), json!({})).await;
        assert!(body.get("errors").is_none(), "every answered write survived: {body:#}");
        assert_eq!(body["data"].as_object().map(|o| o.len()), Some(chunk.len()));
    }
    // Writes that were not answered may be lost, and clients may have seen them: positions
    // from before the crash are void, so every client resyncs rather than skip a change.
    let body = post_graphql(&client, &server.url, "", sync, json!({ "token": token_before })).await;
    assert_eq!(error_code(&body), "SYNC_TOKEN_INVALID");
}

/// Bytes under `dir`, following no links.
fn bytes_under(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => bytes_under(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

/// An empty store is filled at start-up with batches, not transactions. SIGKILLed part-way,
/// before it ever listened, the store says so; the next start empties it and fills it again,
/// so every entity is there, logged and audited exactly once.
#[tokio::test]
async fn a_sigkill_while_an_empty_store_is_filled_is_undone_by_the_next_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (seed, store) = (dir.path().join("seed"), dir.path().join("store"));
    let generate = [os("generate"), os("--items"), os("4000"), os("--people"), os("200"), seed.as_os_str()];
    let (ok, out) = run_binary(&generate);
    assert!(ok, "{out}");
    let args = [os("--data-dir"), store.as_os_str(), os("--seed-dir"), seed.as_os_str()];

    let mut filling = std::process::Command::new(binary())
        .args([os("serve"), os("--listen"), os("127.0.0.1:0")])
        .args(args)
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("binary starts");
    // sled writes its log out as it goes: a few MB on disk is a fill well under way (the
    // whole store is about 40 MB).
    while bytes_under(&store) < 4_000_000 {
        assert!(filling.try_wait().expect("child").is_none(), "the server stopped by itself");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    filling.kill().expect("SIGKILL");
    let out = filling.wait_with_output().expect("killed");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(!log.contains("ready: http"), "killed after the fill, not during it:\n{log}");

    let (ok, out) = run_binary(&[os("check-store"), os("--data-dir"), store.as_os_str()]);
    assert!(!ok && out.contains("fill of this empty store was cut short"), "{out}");

    let server = start_binary(&args).await;
    let log = server.startup_log.join("\n");
    assert!(log.contains("filling it again"), "{log}");
    let client = reqwest::Client::new();
    let body = post_graphql(&client, &server.url, "", "{ people { totalCount } }", json!({})).await;
    assert_eq!(body["data"]["people"]["totalCount"], 200, "{body:#}");
    drop(server);

    let (ok, out) = run_binary(&[os("check-store"), os("--data-dir"), store.as_os_str()]);
    assert!(ok && out.contains("\nok"), "{out}");
    let store = open_store(&store).await;
    let entities = store.entity_count();
    assert_eq!(entities, 4000 + 200 + store.content().expect("content").updates.len() + 1);
    assert_eq!(store.log_head().expect("log head"), entities as u64, "each entity logged once");
    assert_eq!(store.audit_len(), entities, "each entity audited once");
}

#[tokio::test]
async fn export_round_trips_exactly_through_serve() {
    let app = EditorApp::start().await;
    // Some editing first, so the export is not just the seed.
    let (id, v) = app.id_version(r#"{ person(slug: "manya-koetse") { id version } }"#).await;
    app.write(
        r#"mutation($id: ID!, $v: Int!) { updatePerson(id: $id, expectedVersion: $v, input: { note: "Line one.\nLine \"two\"." }) { version } }"#,
        json!({ "id": id, "v": v }),
    )
    .await;
    app.write(
        r#"mutation { createEvent(input: { slug: "talk-2021", title: "Ä talk", format: TALK, date: "2021-05", people: [{ person: "manya-koetse", role: SPEAKER }] }) { version } }"#,
        json!({}),
    )
    .await;
    let (reading, v) = app.id_version(r#"{ content(slug: "kostka-public-opinion") { id version } }"#).await;
    app.write(
        "mutation($id: ID!, $v: Int!) { deleteReading(id: $id, expectedVersion: $v, force: true) { id } }",
        json!({ "id": reading, "v": v }),
    )
    .await;
    let dump = r#"{ contents(first: 100) { totalCount nodes { id slug title date language people { person { slug name } role } ... on Event { format } } } people(first: 100) { nodes { id slug name note affiliations } } updates { nodes { id year items { slug } } } series { id title } }"#;
    let before = app.app.data(dump, json!({})).await;
    let content = app.app.catalog.store().content().expect("content");

    let data = app.app.stop().await;
    let exported = tempfile::tempdir().expect("temp dir");
    let (ok, out) = run_binary(&[
        os("export"),
        exported.path().as_os_str(),
        os("--data-dir"),
        data.path().join("store").as_os_str(),
    ]);
    assert!(ok, "{out}");

    let again = spawn_app_on(tempfile::tempdir().expect("temp dir"), exported.path()).await;
    assert_eq!(
        again.catalog.store().content().expect("content"),
        content,
        "the same entities, field for field"
    );
    assert_eq!(again.data(dump, json!({})).await, before, "the same answers, ids included");
}

#[tokio::test]
async fn a_backup_restores_and_a_damaged_one_is_refused() {
    let app = EditorApp::start().await;
    app.write(
        r#"mutation { createPerson(input: { slug: "backed-up", name: "Backed Up" }) { version } }"#,
        json!({}),
    )
    .await;
    let content = app.app.catalog.store().content().expect("content");
    let revision = app.revision().await;
    let sync = "query($token: String) { sync(token: $token, first: 1) { nextToken } }";
    let token = app.app.data(sync, json!({ "token": null })).await["sync"]["nextToken"].clone();
    let data = app.app.stop().await;
    let store = data.path().join("store");
    let file = data.path().join("store.backup");
    let (ok, out) = run_binary(&[os("backup"), file.as_os_str(), os("--data-dir"), store.as_os_str()]);
    assert!(ok, "{out}");

    // A damaged copy is refused before anything is touched.
    let damaged = data.path().join("damaged.backup");
    let mut bytes = std::fs::read(&file).expect("backup");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&damaged, bytes).expect("write");
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let target = elsewhere.path().join("store");
    let (ok, _) = run_binary(&[os("restore"), damaged.as_os_str(), os("--data-dir"), target.as_os_str()]);
    assert!(!ok, "a damaged backup is refused");
    assert!(!target.exists(), "nothing was written");

    let (ok, out) = run_binary(&[os("restore"), file.as_os_str(), os("--data-dir"), target.as_os_str()]);
    assert!(ok, "{out}");
    let restored = open_store(&target).await;
    assert_eq!(restored.content().expect("content"), content);
    assert_eq!(restored.revision().expect("revision"), revision);
    assert_eq!(restored.check().expect("check").problems, Vec::<String>::new());
    drop(restored);
    // Served, the restored store refuses sync positions from before: it may be behind them.
    let served = spawn_app_on(elsewhere, &seed_dir()).await;
    let body = served.query(sync, json!({ "token": token })).await;
    assert_eq!(error_code(&body), "SYNC_TOKEN_INVALID");
    drop(served);

    // Restoring over an existing store keeps the old one beside it.
    let (ok, out) = run_binary(&[os("restore"), file.as_os_str(), os("--data-dir"), store.as_os_str()]);
    assert!(ok, "{out}");
    let kept = std::fs::read_dir(data.path())
        .expect("dir")
        .filter_map(Result::ok)
        .any(|e| e.file_name().to_string_lossy().starts_with("store.before-restore-"));
    assert!(kept, "{out}");
}

#[tokio::test]
async fn a_seed_reapply_keeps_what_editors_changed_and_reports_it() {
    let seed = seed_copy();
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, _, write, _) = editor_config(dir.path());
    let app = spawn_app_on_with(tempfile::tempdir().expect("temp dir"), seed.path(), config).await;
    let url = format!("{}/graphql", app.address);
    let send = |query: &'static str, variables: Value| {
        let (client, url, token) = (app.client.clone(), url.clone(), write.clone());
        async move {
            let body = post_graphql(&client, &url, &token, query, variables).await;
            assert!(body.get("errors").is_none(), "{body:#}");
        }
    };
    let id_version = |data: &Value, key: &str| (data[key]["id"].clone(), data[key]["version"].clone());
    let data = app
        .data(r#"{ e: content(slug: "talk-at-the-library-2019") { id version } p: person(slug: "manya-koetse") { id version } }"#, json!({}))
        .await;
    let (event, ev) = id_version(&data, "e");
    let (person, pv) = id_version(&data, "p");
    send("mutation($id: ID!, $v: Int!) { updateEvent(id: $id, expectedVersion: $v, input: { dek: \"Edited dek\" }) { version } }", json!({ "id": event, "v": ev })).await;
    send("mutation($id: ID!, $v: Int!) { updatePerson(id: $id, expectedVersion: $v, input: { note: \"Edited note\" }) { version } }", json!({ "id": person, "v": pv })).await;

    // The seed changes the edited event too, and an item nobody edited.
    edit(
        seed.path(),
        "events.toml",
        "Talk at the Library: The Corporate Social Credit System",
        "Seed's new title",
    );
    edit(
        seed.path(),
        "readings.toml",
        "kostka-public-opinion\"",
        "kostka-public-opinion\"\ndek = \"Seed's dek\"",
    );
    let report = app.catalog.reload_seed().expect("the seed applies");
    assert_eq!(
        report.kept_edits.iter().map(|(k, s)| (*k, s.to_string())).collect::<Vec<_>>(),
        [(Kind::Event, "talk-at-the-library-2019".to_string())]
    );
    let data = app
        .data(r#"{ e: content(slug: "talk-at-the-library-2019") { title dek } r: content(slug: "kostka-public-opinion") { dek } p: person(slug: "manya-koetse") { note } }"#, json!({}))
        .await;
    assert_eq!(data["e"]["dek"], "Edited dek", "the edit is not overwritten");
    assert_eq!(
        data["e"]["title"], "Talk at the Library: The Corporate Social Credit System",
        "the edited item stays as edited"
    );
    assert_eq!(data["r"]["dek"], "Seed's dek", "what nobody edited follows the seed");
    assert_eq!(data["p"]["note"], "Edited note");

    // check-store names the item both changed; export gives the edited state.
    let data_dir = app.stop().await;
    let store = data_dir.path().join("store");
    let (ok, out) = run_binary(&[
        os("check-store"),
        os("--data-dir"),
        store.as_os_str(),
        os("--seed-dir"),
        seed.path().as_os_str(),
    ]);
    assert!(ok, "{out}");
    assert!(out.contains("2 entities were edited through the API"), "{out}");
    assert!(out.contains("event/talk-at-the-library-2019: edited, and"), "{out}");
    assert!(!out.contains("person/manya-koetse: edited, and"), "the seed did not change the person: {out}");
    let (ok, out) = run_binary(&[os("export"), seed.path().as_os_str(), os("--data-dir"), store.as_os_str()]);
    assert!(ok, "{out}");
    let events = std::fs::read_to_string(seed.path().join("events.toml")).expect("events");
    assert!(events.contains("Edited dek"), "the export holds the edit");

    // With the seed brought up to date, the edits are settled: the seed is in charge again.
    let seed_path = seed.path().to_path_buf();
    let reopened = open_store(&store).await;
    let seed_now = scs_series::seed::load(&seed_path).expect("exported seed loads");
    let report = reopened.apply_seed(&seed_now).expect("applies");
    assert!(report.kept_edits.is_empty());
    assert!(report.added.is_empty() && report.changed.is_empty() && report.removed.is_empty(), "{report:?}");
    assert!(reopened.edit_marks().expect("marks").is_empty(), "every edit is settled");
}

#[tokio::test]
async fn a_seed_that_does_not_fit_the_edits_is_refused_and_the_store_keeps_serving() {
    let seed = seed_copy();
    let dir = tempfile::tempdir().expect("temp dir");
    let (config, _, write, _) = editor_config(dir.path());
    let app = spawn_app_on_with(tempfile::tempdir().expect("temp dir"), seed.path(), config.clone()).await;
    let url = format!("{}/graphql", app.address);
    let create = r#"mutation { createReading(input: { slug: "editors-reading", title: "An editor's reading", position: 99 }) { version } }"#;
    let body = post_graphql(&app.client, &url, &write, create, json!({})).await;
    assert!(body.get("errors").is_none(), "{body:#}");

    // The seed gets a reading at the position the editor took.
    let readings = seed.path().join("readings.toml");
    let mut text = std::fs::read_to_string(&readings).expect("readings");
    text.push_str("\n[[reading]]\nslug = \"seeds-reading\"\ntitle = \"The seed's reading\"\nposition = 99\n");
    std::fs::write(&readings, text).expect("write");
    let refused = app.catalog.reload_seed();
    assert!(refused.is_err_and(|e| e.to_string().contains("position 99")), "refused, naming the problem");

    // Restarted with that seed, the server still starts and serves what the store holds.
    let data = app.stop().await;
    let app = spawn_app_on_with(data, seed.path(), config).await;
    let got = app.data(r#"{ readings(first: 100) { nodes { slug } } }"#, json!({})).await;
    let slugs = strings(&got["readings"]["nodes"], "slug");
    assert!(slugs.contains(&"editors-reading".to_string()));
    assert!(!slugs.contains(&"seeds-reading".to_string()));
}

#[tokio::test]
async fn sigterm_lets_a_request_in_flight_finish_then_closes_the_store_cleanly() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().expect("temp dir");
    let store = dir.path().join("store");
    let args = [os("--data-dir"), store.as_os_str()];
    let mut server = start_binary(&args).await;
    let client = reqwest::Client::new();
    let sync = "query($token: String) { sync(token: $token, first: 1) { nextToken } }";
    let token = post_graphql(&client, &server.url, "", sync, json!({ "token": null })).await["data"]["sync"]
        ["nextToken"]
        .clone();

    // A request whose body is still arriving when SIGTERM comes.
    let address = server.url.trim_start_matches("http://").trim_end_matches("/graphql").to_string();
    let body = r#"{"query":"{ events { totalCount } }"}"#;
    let mut stream = partial_post(&address, body, 10).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let pid = server.child.id().to_string();
    let status = std::process::Command::new("kill").args(["-TERM", &pid]).status().expect("kill runs");
    assert!(status.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream.write_all(&body.as_bytes()[10..]).await.expect("the rest of the body");
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("totalCount") {
        let n = tokio::time::timeout(Duration::from_secs(10), stream.read(&mut buf))
            .await
            .expect("in time")
            .expect("read");
        assert!(n > 0, "the connection closed before the answer: {}", String::from_utf8_lossy(&answer));
        answer.extend_from_slice(&buf[..n]);
    }
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""totalCount":3"#), "{answer}");
    drop(stream);
    let exit = tokio::task::spawn_blocking(move || {
        let status = server.child.wait();
        (server, status)
    });
    let (server, status) =
        tokio::time::timeout(Duration::from_secs(20), exit).await.expect("it exits").expect("task");
    assert!(status.expect("exit status").success(), "exit 0 after SIGTERM");
    drop(server);

    // Closed cleanly: sound, and the same identity (sync tokens still hold) after a restart.
    let (ok, out) = run_binary(&[os("check-store"), os("--data-dir"), store.as_os_str()]);
    assert!(ok, "{out}");
    let server = start_binary(&args).await;
    let body = post_graphql(&client, &server.url, "", sync, json!({ "token": token })).await;
    assert!(body.get("errors").is_none(), "the token from before still holds: {body:#}");
}
