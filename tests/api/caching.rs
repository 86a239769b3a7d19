//! HTTP caching: ETags computed before running, 304s, Cache-Control by outcome, compression with
//! an ETag per encoding.

use std::io::Read;
use std::time::Duration;

use reqwest::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY,
};
use reqwest::{RequestBuilder, Response, StatusCode};
use scs_series::http::HttpConfig;
use serde_json::{json, Value};

use crate::helpers::{edit, seed_copy};
use crate::helpers::{spawn_app, spawn_app_on, spawn_app_with, TestApp};

const CACHEABLE: &str = "public, max-age=60, stale-while-revalidate=300";
const EVENTS: &str = "query($y: Int) { events(year: $y) { totalCount nodes { title } } }";
/// An answer of several KiB, worth compressing.
const BIG: &str = "{ contents(first: 100) { nodes { slug title dek summary date } } }";

fn get(app: &TestApp, query: &str, variables: Value) -> RequestBuilder {
    app.client
        .get(format!("{}/graphql", app.address))
        .query(&[("query", query), ("variables", &variables.to_string())])
}

fn post(app: &TestApp, query: &str, variables: Value) -> RequestBuilder {
    app.client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": query, "variables": variables }))
}

async fn send(request: RequestBuilder) -> Response {
    request.send().await.expect("request sent")
}

fn header(response: &Response, name: reqwest::header::HeaderName) -> Option<String> {
    response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// A strong ETag of 32 hex digits, with `-<encoding>` when `encoding` is given.
fn assert_etag(response: &Response, encoding: Option<&str>) -> String {
    let etag = header(response, ETAG).unwrap_or_else(|| panic!("no ETag: {:?}", response.headers()));
    let inner = etag.strip_prefix('"').and_then(|e| e.strip_suffix('"')).unwrap_or_else(|| panic!("{etag}"));
    let hex = match encoding {
        Some(encoding) => inner.strip_suffix(&format!("-{encoding}")).unwrap_or_else(|| panic!("{etag}")),
        None => inner,
    };
    assert!(hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit()), "{etag}");
    etag
}

#[tokio::test]
async fn query_answers_carry_a_stable_etag_that_follows_the_variables() {
    let app = spawn_app().await;
    let first = send(get(&app, EVENTS, json!({ "y": 2019 }))).await;
    assert_eq!(first.status(), StatusCode::OK);
    let etag = assert_etag(&first, None);
    assert_eq!(header(&first, CACHE_CONTROL).as_deref(), Some(CACHEABLE));
    // By encoding, and by origin even without one: a shared cache must not hand an answer
    // without CORS headers to a cross-origin page.
    let vary = header(&first, VARY).unwrap_or_default().to_ascii_lowercase();
    assert_eq!(vary.split(", ").collect::<Vec<_>>(), ["accept-encoding", "origin"]);
    let body: Value = first.json().await.expect("json");
    assert_eq!(body["data"]["events"]["totalCount"], 1);

    let again = send(get(&app, EVENTS, json!({ "y": 2019 }))).await;
    assert_eq!(header(&again, ETAG), Some(etag.clone()), "identical requests, identical ETags");
    let other = send(get(&app, EVENTS, json!({ "y": 2020 }))).await;
    assert_ne!(header(&other, ETAG), Some(etag.clone()), "other variables, other answer");
    let named = send(
        app.client
            .get(format!("{}/graphql", app.address))
            .query(&[("query", "query E { series { title } }"), ("operationName", "E")]),
    )
    .await;
    assert_ne!(header(&named, ETAG), Some(etag.clone()));

    // The same request over POST is the same answer, with the same ETag.
    let over_post = send(post(&app, EVENTS, json!({ "y": 2019 }))).await;
    assert_eq!(header(&over_post, ETAG), Some(etag));
    assert_eq!(header(&over_post, CACHE_CONTROL).as_deref(), Some(CACHEABLE));
}

#[tokio::test]
async fn a_matching_if_none_match_answers_304_without_a_body() {
    let app = spawn_app().await;
    let etag = assert_etag(&send(get(&app, EVENTS, json!({ "y": 2019 }))).await, None);
    for condition in [etag.clone(), format!("\"nope\", {etag}"), format!("W/{etag}"), "*".to_string()] {
        for request in [get(&app, EVENTS, json!({ "y": 2019 })), post(&app, EVENTS, json!({ "y": 2019 }))] {
            let response = send(request.header(IF_NONE_MATCH, &condition)).await;
            assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "If-None-Match: {condition}");
            assert_eq!(header(&response, ETAG), Some(etag.clone()));
            assert_eq!(header(&response, CACHE_CONTROL).as_deref(), Some(CACHEABLE));
            assert!(header(&response, VARY).is_some());
            assert!(response.bytes().await.expect("body").is_empty());
        }
    }
    let stale = send(get(&app, EVENTS, json!({ "y": 2019 })).header(IF_NONE_MATCH, "\"0123\"")).await;
    assert_eq!(stale.status(), StatusCode::OK);
    let other = send(get(&app, EVENTS, json!({ "y": 2020 })).header(IF_NONE_MATCH, &etag)).await;
    assert_eq!(other.status(), StatusCode::OK, "another request's ETag does not match");
}

#[tokio::test]
async fn answers_with_errors_and_transport_errors_are_not_stored() {
    let app = spawn_app().await;
    let partial = r#"{ series { title } person(slug: "nobody") { name } }"#;
    // What is not a query (not even parsed as one) runs whatever If-None-Match says.
    for (query, what, condition) in [
        (partial, "partial data with an error", "\"x\""),
        ("{ series { nope } }", "a validation error", "\"x\""),
        ("{ series { title ", "a parse error", "*"),
        ("mutation { x }", "a mutation over POST", "*"),
        ("mutation { x }", "a mutation, with * in a list", "\"x\", *"),
    ] {
        let response = send(post(&app, query, json!({})).header(IF_NONE_MATCH, condition)).await;
        assert_eq!(response.status(), StatusCode::OK, "{what} with If-None-Match: {condition}");
        assert_eq!(header(&response, CACHE_CONTROL).as_deref(), Some("no-store"), "{what}");
        assert_eq!(header(&response, ETAG), None, "{what}");
        let body: Value = response.json().await.expect("json");
        assert!(body["errors"].is_array(), "{what}: {body}");
    }
    let response = send(get(&app, partial, json!({}))).await;
    assert_eq!(header(&response, CACHE_CONTROL).as_deref(), Some("no-store"));
    assert_eq!(header(&response, ETAG), None);

    let url = format!("{}/graphql", app.address);
    for (request, status) in [
        (app.client.post(&url).header(CONTENT_TYPE, "application/json").body("{not json"), 400),
        (app.client.get(&url).query(&[("query", "mutation { x }")]), 405),
        (app.client.post(&url).header(CONTENT_TYPE, "text/plain").body("{}"), 415),
        (app.client.get(format!("{}/nope", app.address)), 404),
    ] {
        let response = send(request).await;
        assert_eq!(response.status(), status);
        assert_eq!(header(&response, CACHE_CONTROL).as_deref(), Some("no-store"), "{status}");
        assert_eq!(header(&response, ETAG), None);
    }
}

#[tokio::test]
async fn the_lifetimes_come_from_the_configuration() {
    let app = spawn_app_with(HttpConfig {
        cache_max_age: Duration::from_secs(5),
        cache_stale_while_revalidate: Duration::ZERO,
        ..HttpConfig::default()
    })
    .await;
    let response = send(get(&app, EVENTS, json!({}))).await;
    assert_eq!(
        header(&response, CACHE_CONTROL).as_deref(),
        Some("public, max-age=5, stale-while-revalidate=0")
    );
}

#[tokio::test]
async fn the_etag_changes_with_the_content() {
    let seed = seed_copy();
    let app = spawn_app_on(tempfile::tempdir().expect("temp dir"), seed.path()).await;
    let etag = assert_etag(&send(get(&app, EVENTS, json!({ "y": 2019 }))).await, None);

    edit(
        seed.path(),
        "events.toml",
        "Talk at the Library: The Corporate Social Credit System",
        "Talk at the Library: Corporate Social Credit",
    );
    app.catalog.reload_seed().expect("reloaded while serving");
    let response = send(get(&app, EVENTS, json!({ "y": 2019 })).header(IF_NONE_MATCH, &etag)).await;
    assert_eq!(response.status(), StatusCode::OK, "the old ETag no longer matches");
    assert_ne!(assert_etag(&response, None), etag);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["data"]["events"]["nodes"][0]["title"], "Talk at the Library: Corporate Social Credit");
}

#[tokio::test]
async fn compressed_answers_are_smaller_and_have_their_own_etag() {
    let app = spawn_app().await;
    let plain = send(get(&app, BIG, json!({}))).await;
    assert_eq!(header(&plain, CONTENT_ENCODING), None, "no compression unless asked for");
    let plain_etag = assert_etag(&plain, None);
    let plain_body = plain.bytes().await.expect("body");
    assert!(plain_body.len() > 4000, "{} bytes", plain_body.len());

    let gzip = send(get(&app, BIG, json!({})).header(ACCEPT_ENCODING, "gzip")).await;
    assert_eq!(header(&gzip, CONTENT_ENCODING).as_deref(), Some("gzip"));
    let gzip_etag = assert_etag(&gzip, Some("gzip"));
    assert_eq!(gzip_etag, format!("{}-gzip\"", &plain_etag[..plain_etag.len() - 1]));
    let compressed = gzip.bytes().await.expect("body");
    assert!(compressed.len() < plain_body.len() / 2, "{} vs {}", compressed.len(), plain_body.len());
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(&compressed[..]).read_to_end(&mut decoded).expect("gunzip");
    assert_eq!(decoded, plain_body.to_vec(), "the same answer, compressed");

    let br = send(post(&app, BIG, json!({})).header(ACCEPT_ENCODING, "gzip, deflate, br")).await;
    assert_eq!(header(&br, CONTENT_ENCODING).as_deref(), Some("br"));
    let br_etag = assert_etag(&br, Some("br"));
    assert!(br.bytes().await.expect("body").len() < plain_body.len() / 2);

    // Each suffixed ETag round-trips to a 304 that names it, for a client that takes its encoding.
    for (etag, accept) in [(&gzip_etag, "gzip"), (&br_etag, "br, gzip"), (&plain_etag, "br")] {
        let response =
            send(get(&app, BIG, json!({})).header(ACCEPT_ENCODING, accept).header(IF_NONE_MATCH, etag)).await;
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{etag} with Accept-Encoding: {accept}");
        assert_eq!(header(&response, ETAG).as_ref(), Some(etag));
        assert_eq!(header(&response, CONTENT_ENCODING), None);
    }
    // A client without brotli does not get told its brotli copy is current.
    let response = send(get(&app, BIG, json!({})).header(IF_NONE_MATCH, &br_etag)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header(&response, ETAG), Some(plain_etag));
}

#[tokio::test]
async fn the_playground_assets_are_compressed_and_revalidate() {
    let app = spawn_app().await;
    let page = send(app.client.get(format!("{}/graphql", app.address)).header("accept", "text/html")).await;
    let page = page.text().await.expect("page");
    let Some(start) = page.find("src=\"/playground/") else {
        eprintln!("skipped: the playground assets are not embedded in this build");
        return;
    };
    let url = &page[start + 5..];
    let url = &url[..url.find('"').unwrap_or(url.len())];
    let url = format!("{}{url}", app.address);
    let plain = send(app.client.get(&url)).await.bytes().await.expect("asset").len();
    let response = send(app.client.get(&url).header(ACCEPT_ENCODING, "br")).await;
    assert_eq!(header(&response, CONTENT_ENCODING).as_deref(), Some("br"));
    let etag = header(&response, ETAG).expect("ETag");
    assert!(etag.ends_with("-br\""), "{etag}");
    let compressed = response.bytes().await.expect("asset").len();
    assert!(compressed * 2 < plain, "{compressed} vs {plain} bytes");
    let again = send(app.client.get(&url).header(ACCEPT_ENCODING, "br").header(IF_NONE_MATCH, &etag)).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&again, ETAG), Some(etag));
}

/// `scs_response_cache_lookups_total{result}` from `/metrics`.
async fn cache_lookups(app: &TestApp, result: &str) -> u64 {
    lookups(app, "scs_response_cache_lookups_total", result).await
}

/// A lookup counter `name{result}` from `/metrics`.
async fn lookups(app: &TestApp, name: &str, result: &str) -> u64 {
    let text = app.client.get(format!("{}/metrics", app.address)).send().await.expect("sent");
    let text = text.text().await.expect("text");
    let line = format!("{name}{{result=\"{result}\"}} ");
    text.lines().find_map(|l| l.strip_prefix(line.as_str())).map_or(0, |n| n.parse().expect("a count"))
}

/// `scs_validation_cache_lookups_total{result}`: (hits, misses).
async fn validations(app: &TestApp) -> (u64, u64) {
    let name = "scs_validation_cache_lookups_total";
    (lookups(app, name, "hit").await, lookups(app, name, "miss").await)
}

/// A request executed again is not validated again, even where the response cache cannot
/// answer it. Its variables are part of what was validated: a costlier page is checked anew
/// (and refused), and a request that fails validation is never kept.
#[tokio::test]
async fn a_request_executed_again_keeps_its_validation_but_not_for_other_variables() {
    let limits = scs_series::graphql::QueryLimits { complexity: 40, ..Default::default() };
    let app = spawn_app_with(HttpConfig { response_cache_bytes: 0, limits, ..HttpConfig::default() }).await;
    let query = "query($n: Int) { contents(first: $n) { nodes { slug title } } }";
    let mut costs = Vec::new();
    for _ in 0..3 {
        let body = send(post(&app, query, json!({ "n": 2 })).header("x-query-cost", "1")).await;
        let body = body.json::<Value>().await.expect("json");
        assert!(body.get("errors").is_none(), "{body:#}");
        costs.push(body["extensions"]["cost"].clone());
    }
    assert_eq!(validations(&app).await, (2, 1));
    assert!(costs[0]["complexity"].as_u64().is_some_and(|c| c > 0), "{costs:?}");
    assert!(costs.iter().all(|c| *c == costs[0]), "a kept result is the one validation found: {costs:?}");

    // The limits hold on a kept result too: refused when validated, refused when kept.
    for _ in 0..2 {
        let costly = send(post(&app, query, json!({ "n": 50 }))).await.json::<Value>().await.expect("json");
        assert_eq!(costly["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX", "{costly:#}");
    }
    assert_eq!(validations(&app).await, (3, 2));

    for _ in 0..2 {
        let body = send(post(&app, "{ contents { nodes { nope } } }", json!({}))).await;
        let body = body.json::<Value>().await.expect("json");
        assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{body:#}");
    }
    assert_eq!(validations(&app).await, (3, 4), "a failed validation is not kept");
}

#[tokio::test]
async fn a_repeated_query_is_answered_from_the_response_cache_until_the_content_changes() {
    let editors = crate::editing::EditorApp::start().await;
    let app = &editors.app;
    let query = "query($y: Int) { events(year: $y) { nodes { slug title } } }";
    let first = send(post(app, query, json!({ "y": 2019 }))).await;
    let etag = assert_etag(&first, None);
    let first: Value = first.json().await.expect("json");
    assert_eq!((cache_lookups(app, "miss").await, cache_lookups(app, "hit").await), (1, 0));

    let again = send(post(app, query, json!({ "y": 2019 }))).await;
    assert_eq!(assert_etag(&again, None), etag);
    assert_eq!(again.json::<Value>().await.expect("json"), first, "the same answer");
    assert_eq!(cache_lookups(app, "hit").await, 1, "served from the cache");
    // Other variables are another answer; the cost report too.
    let other = send(post(app, query, json!({ "y": 2018 }))).await.json::<Value>().await.expect("json");
    assert_ne!(other, first);
    let costed = send(post(app, query, json!({ "y": 2019 })).header("x-query-cost", "1")).await;
    assert!(costed.json::<Value>().await.expect("json")["extensions"]["cost"].is_object());
    assert_eq!(cache_lookups(app, "hit").await, 1);

    // A write: the next answer is the new content, never the cached one.
    let slug = first["data"]["events"]["nodes"][0]["slug"].as_str().expect("a slug").to_string();
    let (id, version) =
        editors.id_version(&format!("{{ content(slug: \"{slug}\") {{ id version }} }}")).await;
    editors
        .write(
            "mutation($id: ID!, $v: Int!) { updateEvent(id: $id, expectedVersion: $v, input: { title: \"Renamed\" }) { version } }",
            json!({ "id": id, "v": version }),
        )
        .await;
    let after = send(post(app, query, json!({ "y": 2019 }))).await;
    assert_ne!(assert_etag(&after, None), etag);
    let after: Value = after.json().await.expect("json");
    assert_eq!(after["data"]["events"]["nodes"][0]["title"], "Renamed");
    assert_eq!(cache_lookups(app, "hit").await, 1, "the old answer was not served");
}

#[tokio::test]
async fn a_zero_budget_switches_the_response_cache_off() {
    let app = spawn_app_with(HttpConfig { response_cache_bytes: 0, ..HttpConfig::default() }).await;
    for _ in 0..3 {
        let body = send(post(&app, EVENTS, json!({ "y": 2019 }))).await.json::<Value>().await.expect("json");
        assert!(body.get("errors").is_none(), "{body:#}");
    }
    assert_eq!((cache_lookups(&app, "hit").await, cache_lookups(&app, "miss").await), (0, 3));
}
