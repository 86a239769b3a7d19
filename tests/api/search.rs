//! Full-text search over the real seed.

use serde_json::{json, Value};

use crate::helpers::{edit, error_code, seed_copy, spawn_app, spawn_app_on, strings, TestApp};

const SEARCH: &str = r#"query($q: String!, $kinds: [EntityKind!], $year: Int, $person: String, $first: Int, $after: String) {
  search(query: $q, kinds: $kinds, year: $year, person: $person, first: $first, after: $after) {
    totalCount
    edges { cursor score snippet { field text html highlights { start end } }
            node { id __typename ... on Content { slug title } ... on Series { title } } }
    nodes { id }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}"#;

async fn search(app: &TestApp, variables: Value) -> Value {
    app.data(SEARCH, variables).await["search"].clone()
}

fn slugs(result: &Value) -> Vec<String> {
    strings(&result["edges"], "node/slug")
}

#[tokio::test]
async fn diacritics_fold_both_ways() {
    let app = spawn_app().await;
    let tohk = search(&app, json!({ "q": "Tohk" })).await;
    assert_eq!(tohk["totalCount"], 1, "{tohk:#}");
    assert_eq!(tohk["edges"][0]["node"]["__typename"], "Series", "the hero image's credit");
    let snippet = &tohk["edges"][0]["snippet"];
    assert_eq!(snippet["field"], "image");
    assert!(snippet["html"].as_str().is_some_and(|h| h.contains("<mark>Tõhk</mark>")), "{snippet:#}");
    // Highlights are character offsets into `text`.
    let text: Vec<char> = snippet["text"].as_str().unwrap_or_default().chars().collect();
    let first = &snippet["highlights"][0];
    let (start, end) =
        (first["start"].as_u64().unwrap_or(0) as usize, first["end"].as_u64().unwrap_or(0) as usize);
    assert_eq!(text[start..end].iter().collect::<String>(), "Tõhk");

    for q in ["Länder", "Lander", "LANDER"] {
        let result = search(&app, json!({ "q": q })).await;
        assert_eq!(slugs(&result), ["nzz-am-sonntag-kaiser-kuo-2018"], "{q}");
        assert!(result["edges"][0]["snippet"]["html"]
            .as_str()
            .is_some_and(|h| h.contains("<mark>Länder</mark>")));
    }
}

#[tokio::test]
async fn hits_are_ranked_and_filtered() {
    let app = spawn_app().await;
    let result = search(&app, json!({ "q": "Manya Koetse", "first": 100 })).await;
    let scores: Vec<f64> =
        result["edges"].as_array().into_iter().flatten().filter_map(|e| e["score"].as_f64()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "best first: {scores:?}");
    assert!(scores.iter().all(|s| *s > 0.0));
    let top = result["edges"][0]["node"]["title"].as_str().unwrap_or_default();
    assert!(top.contains("Manya Koetse"), "a title naming her ranks first: {top}");
    assert_eq!(result["nodes"].as_array().map(Vec::len), result["edges"].as_array().map(Vec::len));

    let interviews = search(&app, json!({ "q": "koetse", "kinds": ["INTERVIEW"], "year": 2018 })).await;
    assert_eq!(slugs(&interviews).len(), 2, "{interviews:#}");
    assert!(slugs(&interviews).iter().all(|s| s.contains("manya-koetse")));
    let by_person = search(&app, json!({ "q": "social credit", "person": "kaiser-kuo", "first": 100 })).await;
    let kuo = app.data(r#"{ contents(person: "kaiser-kuo") { nodes { slug } } }"#, json!({})).await;
    let kuos = strings(&kuo["contents"]["nodes"], "slug");
    assert!(!slugs(&by_person).is_empty());
    assert!(slugs(&by_person).iter().all(|s| kuos.contains(s)), "only Kaiser Kuo's items");
}

#[tokio::test]
async fn search_pages_do_not_overlap() {
    let app = spawn_app().await;
    let all = search(&app, json!({ "q": "China social credit system", "first": 100 })).await;
    let total = all["totalCount"].as_u64().expect("count") as usize;
    assert!(total > 6, "a broad query: {total}");
    let mut ids = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page =
            search(&app, json!({ "q": "China social credit system", "first": 3, "after": after })).await;
        assert_eq!(page["pageInfo"]["hasPreviousPage"], after.is_some());
        ids.extend(strings(&page["edges"], "node/id"));
        if page["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = page["pageInfo"]["endCursor"].as_str().map(str::to_string);
    }
    assert_eq!(ids, strings(&all["edges"], "node/id"));
}

#[tokio::test]
async fn the_index_follows_every_change() {
    let seed = seed_copy();
    let app = spawn_app_on(tempfile::tempdir().expect("temp dir"), seed.path()).await;
    assert_eq!(search(&app, json!({ "q": "arrogante" })).await["totalCount"], 1);
    edit(seed.path(), "press.toml", "extrem arrogante Länder", "extrem hochmütige Länder");
    app.catalog.reload_seed().expect("reloaded");
    assert_eq!(search(&app, json!({ "q": "arrogante" })).await["totalCount"], 0, "the old word is gone");
    assert_eq!(slugs(&search(&app, json!({ "q": "hochmutige" })).await), ["nzz-am-sonntag-kaiser-kuo-2018"]);
}

#[tokio::test]
async fn bad_searches_are_refused() {
    let app = spawn_app().await;
    for (variables, code, argument) in [
        (json!({ "q": "" }), "BAD_USER_INPUT", "query"),
        (json!({ "q": "   \t" }), "BAD_USER_INPUT", "query"),
        (json!({ "q": "?!*" }), "BAD_USER_INPUT", "query"),
        (json!({ "q": "china", "first": 101 }), "BAD_USER_INPUT", "first"),
        (json!({ "q": "china", "after": "bm9wZQ" }), "BAD_USER_INPUT", "after"),
        (json!({ "q": "china", "year": 18 }), "BAD_USER_INPUT", "year"),
        (json!({ "q": "china", "person": "nobody" }), "NOT_FOUND", "person"),
        (json!({ "q": "china", "kinds": ["PERSON"] }), "BAD_USER_INPUT", "kinds"),
    ] {
        let body = app.query(SEARCH, variables.clone()).await;
        assert_eq!(error_code(&body), code, "{variables}");
        assert_eq!(body["errors"][0]["extensions"]["argument"], argument, "{variables}");
    }
    // Query syntax is just text: no parse errors from user input.
    let result = search(&app, json!({ "q": "title:(\"unbalanced AND OR -" })).await;
    assert!(result["totalCount"].as_u64().is_some());
}

#[tokio::test]
async fn snippets_come_through_fragments_and_are_skipped_when_not_selected() {
    let app = spawn_app().await;
    let query = r#"query { search(query: "Lander") { edges { ...Hit } } }
                   fragment Hit on SearchEdge { snippet { html } node { id } }"#;
    let data = app.data(query, json!({})).await;
    let html = data["search"]["edges"][0]["snippet"]["html"].as_str().unwrap_or_default().to_string();
    assert!(html.contains("<mark>Länder</mark>"), "{data:#}");
    let data = app
        .data(r#"{ search(query: "Lander") { totalCount edges { score node { id } } } }"#, json!({}))
        .await;
    assert_eq!(data["search"]["totalCount"], 1);
}
