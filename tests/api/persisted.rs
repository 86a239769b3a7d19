//! Persisted queries: Apollo's APQ protocol over POST and GET, the trusted-operations list loaded
//! from a file, only-persisted mode, and a broken list stopping start-up.

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use reqwest::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH};
use reqwest::{Response, StatusCode};
use scs_series::http::persisted::{sha256_hex, Registry};
use scs_series::http::HttpConfig;
use serde_json::{json, Value};

use crate::helpers::{binary, error_code, seed_dir, spawn_app, spawn_app_with, TestApp};

const QUERY: &str = "query Events($y: Int) { events(year: $y) { totalCount nodes { title } } }";
const TALK: &str = "Talk at the Library: The Corporate Social Credit System";

fn extensions(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

/// POSTs `{ query?, variables, extensions }`.
async fn post(app: &TestApp, query: Option<&str>, hash: &str) -> Response {
    let mut body = json!({ "variables": { "y": 2019 }, "extensions": extensions(hash) });
    if let Some(query) = query {
        body["query"] = json!(query);
    }
    app.client.post(format!("{}/graphql", app.address)).json(&body).send().await.expect("sent")
}

/// GETs a persisted query by hash alone, as Apollo Client does with `useGETForHashedQueries`.
async fn get(app: &TestApp, hash: &str) -> Response {
    app.client
        .get(format!("{}/graphql", app.address))
        .query(&[("variables", r#"{"y":2019}"#), ("extensions", &extensions(hash).to_string())])
        .send()
        .await
        .expect("sent")
}

fn cache_control(response: &Response) -> Option<String> {
    response.headers().get(CACHE_CONTROL).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// The JSON body of a 200.
async fn body(response: Response) -> Value {
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.expect("json")
}

async fn refused(response: Response, code: &str) {
    assert_eq!(cache_control(&response).as_deref(), Some("no-store"), "{code}");
    assert!(response.headers().get(ETAG).is_none(), "{code}");
    let body = body(response).await;
    assert_eq!(error_code(&body), code, "{body}");
    assert!(body.get("data").is_none_or(Value::is_null), "nothing ran: {body}");
}

async fn talk_title(response: Response) -> Value {
    let body = body(response).await;
    assert!(body.get("errors").is_none(), "{body}");
    body["data"]["events"]["nodes"][0]["title"].clone()
}

#[tokio::test]
async fn an_unknown_hash_is_persisted_query_not_found_and_not_stored() {
    let app = spawn_app().await;
    let hash = sha256_hex(QUERY);
    for response in [post(&app, None, &hash).await, get(&app, &hash).await] {
        assert_eq!(cache_control(&response).as_deref(), Some("no-store"));
        let body = body(response).await;
        assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound", "Apollo Client matches on it");
        assert_eq!(error_code(&body), "PERSISTED_QUERY_NOT_FOUND");
    }
}

#[tokio::test]
async fn a_query_registered_with_its_hash_then_runs_by_hash_over_post_and_get() {
    let app = spawn_app().await;
    let hash = sha256_hex(QUERY);
    assert_eq!(talk_title(post(&app, Some(QUERY), &hash).await).await, TALK);
    assert_eq!(talk_title(post(&app, None, &hash).await).await, TALK);

    // The short GET URL is cacheable like the full query's, with the same ETag.
    let by_hash = get(&app, &hash).await;
    let etag = by_hash.headers().get(ETAG).cloned().expect("an ETag for a GET by hash");
    assert!(cache_control(&by_hash).is_some_and(|c| c.starts_with("public, max-age=")));
    assert_eq!(talk_title(by_hash).await, TALK);
    let full = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", QUERY), ("variables", r#"{"y":2019}"#)])
        .send()
        .await
        .expect("sent");
    assert_eq!(full.headers().get(ETAG), Some(&etag));
    let conditional = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[("variables", r#"{"y":2019}"#), ("extensions", &extensions(&hash).to_string())])
        .header(IF_NONE_MATCH, &etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(conditional.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn a_hash_that_is_not_the_querys_is_refused_and_not_remembered() {
    let app = spawn_app().await;
    let wrong = sha256_hex("{ series { title } }");
    refused(post(&app, Some(QUERY), &wrong).await, "PERSISTED_QUERY_HASH_MISMATCH").await;
    refused(post(&app, None, &wrong).await, "PERSISTED_QUERY_NOT_FOUND").await;
}

#[tokio::test]
async fn a_version_other_than_1_is_refused() {
    let app = spawn_app().await;
    let body = json!({
        "query": QUERY,
        "extensions": { "persistedQuery": { "version": 2, "sha256Hash": sha256_hex(QUERY) } },
    });
    let response =
        app.client.post(format!("{}/graphql", app.address)).json(&body).send().await.expect("sent");
    refused(response, "PERSISTED_QUERY_VERSION_NOT_SUPPORTED").await;
}

#[tokio::test]
async fn a_mutation_by_hash_over_get_is_refused_with_405() {
    let app = spawn_app().await;
    let mutation = "mutation { deleteEverything }";
    let hash = sha256_hex(mutation);
    // Registered (over POST, where it fails validation: the schema has no mutations) …
    let registered = body(post(&app, Some(mutation), &hash).await).await;
    assert_eq!(registered["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{registered}");
    // … but GET sees the text the hash stands for.
    let response = get(&app, &hash).await;
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
}

fn write_manifest(dir: &Path, operations: Value) -> std::path::PathBuf {
    let path = dir.join("operations.json");
    let manifest =
        json!({ "format": "apollo-persisted-query-manifest", "version": 1, "operations": operations });
    std::fs::write(&path, manifest.to_string()).expect("write manifest");
    path
}

fn registry_config(only_persisted: bool) -> (tempfile::TempDir, HttpConfig) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_manifest(
        dir.path(),
        json!([{ "id": sha256_hex(QUERY), "name": "Events", "type": "query", "body": QUERY }]),
    );
    let registry = Registry::load(&path).expect("the manifest loads");
    (dir, HttpConfig { persisted_queries: Arc::new(registry), only_persisted, ..HttpConfig::default() })
}

#[tokio::test]
async fn operations_of_the_list_run_by_hash_without_registration() {
    let (_dir, config) = registry_config(false);
    let app = spawn_app_with(config).await;
    assert_eq!(talk_title(get(&app, &sha256_hex(QUERY)).await).await, TALK);
    // Other queries still run, and APQ still works.
    let other = "{ series { title } }";
    assert!(body(post(&app, Some(other), &sha256_hex(other)).await).await.get("errors").is_none());
    assert!(app.data(other, json!({})).await["series"]["title"].is_string());
}

#[tokio::test]
async fn only_persisted_runs_the_list_and_refuses_everything_else() {
    let (_dir, config) = registry_config(true);
    let app = spawn_app_with(config).await;
    let hash = sha256_hex(QUERY);
    assert_eq!(talk_title(get(&app, &hash).await).await, TALK);
    assert_eq!(talk_title(post(&app, None, &hash).await).await, TALK);
    assert_eq!(talk_title(post(&app, Some(QUERY), &hash).await).await, TALK);
    let full_text = app.data(QUERY, json!({ "y": 2019 })).await;
    assert_eq!(full_text["events"]["nodes"][0]["title"], TALK, "the list's text runs as it is");

    let other = "{ series { title } }";
    let ad_hoc = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": other }))
        .send()
        .await
        .expect("sent");
    refused(ad_hoc, "PERSISTED_QUERY_NOT_IN_LIST").await;
    refused(post(&app, Some(other), &sha256_hex(other)).await, "PERSISTED_QUERY_NOT_IN_LIST").await;
    refused(get(&app, &sha256_hex(other)).await, "PERSISTED_QUERY_NOT_IN_LIST").await;
}

#[test]
fn a_broken_list_stops_start_up_and_names_the_file_and_the_operation() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write_manifest(
        dir.path(),
        json!([
            { "id": sha256_hex(QUERY), "name": "Events", "body": QUERY },
            { "id": sha256_hex("{ x }"), "name": "Tampered", "body": "{ y }" },
        ]),
    );
    let data_dir = dir.path().join("data");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = Command::new(binary());
        command
            .args(["serve", "--listen", "127.0.0.1:0", "--seed-dir"])
            .arg(seed_dir())
            .arg("--data-dir")
            .arg(&data_dir)
            .args(args)
            .env_remove("SCS_PERSISTED_QUERIES")
            .env_remove("SCS_ONLY_PERSISTED");
        command.envs(env.iter().copied());
        command.output().expect("binary runs")
    };
    let out = run(&["--persisted-queries", path.to_str().expect("utf-8 path")], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "started with a broken list: {stderr}");
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(stderr.contains("`Tampered`") && stderr.contains("not the SHA-256"), "{stderr}");
    assert!(!stderr.contains("`Events`"), "only the broken operation is named: {stderr}");
    assert!(!data_dir.exists(), "the store is not opened before the list is checked");

    std::fs::write(&path, "{ not json").expect("write");
    let out = run(&["--persisted-queries", path.to_str().expect("utf-8 path")], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not valid JSON"));

    let out = run(&[], &[("SCS_ONLY_PERSISTED", "1")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "only-persisted without a list: {stderr}");
    assert!(stderr.contains("--persisted-queries"), "{stderr}");
}
