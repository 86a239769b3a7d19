//! Relay pagination: forwards and backwards through whole lists, and every bad argument.

use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app, strings, TestApp};

const PAGE: &str = "query($first: Int, $after: String, $last: Int, $before: String) {
    contents(first: $first, after: $after, last: $last, before: $before) {
        totalCount
        nodes { slug }
        edges { cursor node { slug } }
        pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    }
}";

async fn page(app: &TestApp, vars: Value) -> Value {
    app.data(PAGE, vars).await["contents"].clone()
}

#[tokio::test]
async fn forwards_and_backwards_through_the_whole_list() {
    let app = spawn_app().await;
    let all = strings(&page(&app, json!({ "first": 100 })).await["nodes"], "slug");
    assert_eq!(all.len(), 22);

    // Forwards, 5 at a time.
    let mut seen = Vec::new();
    let mut after: Option<String> = None;
    let mut pages = 0;
    loop {
        let p = page(&app, json!({ "first": 5, "after": after })).await;
        assert_eq!(p["totalCount"], 22, "totalCount is steady across pages");
        assert_eq!(p["pageInfo"]["hasPreviousPage"], json!(after.is_some()));
        assert_eq!(
            strings(&p["nodes"], "slug"),
            p["edges"]
                .as_array()
                .unwrap_or(&vec![])
                .iter()
                .map(|e| e["node"]["slug"].as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
        );
        seen.extend(strings(&p["nodes"], "slug"));
        pages += 1;
        if p["pageInfo"]["hasNextPage"] == false {
            break;
        }
        after = p["pageInfo"]["endCursor"].as_str().map(str::to_string);
        assert!(pages < 10, "pagination must end");
    }
    assert_eq!(pages, 5);
    assert_eq!(seen, all);

    // Backwards, 4 at a time.
    let mut seen_back: Vec<String> = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let p = page(&app, json!({ "last": 4, "before": before })).await;
        assert_eq!(p["totalCount"], 22);
        assert_eq!(p["pageInfo"]["hasNextPage"], json!(before.is_some()));
        let mut chunk = strings(&p["nodes"], "slug");
        chunk.extend(seen_back);
        seen_back = chunk;
        if p["pageInfo"]["hasPreviousPage"] == false {
            break;
        }
        before = p["pageInfo"]["startCursor"].as_str().map(str::to_string);
    }
    assert_eq!(seen_back, all);
}

#[tokio::test]
async fn after_and_before_together_give_the_slice_between() {
    let app = spawn_app().await;
    let p = page(&app, json!({ "first": 100 })).await;
    let cursors: Vec<String> = p["edges"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["cursor"].as_str().map(str::to_string))
        .collect();
    let all = strings(&p["nodes"], "slug");
    let between = page(&app, json!({ "after": cursors[2], "before": cursors[7] })).await;
    assert_eq!(strings(&between["nodes"], "slug"), all[3..7].to_vec());
}

#[tokio::test]
async fn first_zero_gives_only_the_count() {
    let app = spawn_app().await;
    let p = page(&app, json!({ "first": 0 })).await;
    assert_eq!(p["totalCount"], 22);
    assert_eq!(p["nodes"], json!([]));
    assert_eq!(p["pageInfo"]["hasNextPage"], true);
}

#[tokio::test]
async fn the_default_page_is_twenty() {
    let app = spawn_app().await;
    let p = page(&app, json!({})).await;
    assert_eq!(p["nodes"].as_array().map(Vec::len), Some(20));
    assert_eq!(p["pageInfo"]["hasNextPage"], true);
}

#[tokio::test]
async fn a_cursor_only_works_in_its_own_list() {
    let app = spawn_app().await;
    let readings = app.data("{ readings(first: 1) { pageInfo { endCursor } } }", json!({})).await;
    let cursor = readings["readings"]["pageInfo"]["endCursor"].clone();
    let body = app.query(PAGE, json!({ "first": 2, "after": cursor })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    let series =
        app.data("{ interviews(category: SERIES, first: 1) { pageInfo { endCursor } } }", json!({})).await;
    let cursor = series["interviews"]["pageInfo"]["endCursor"].clone();
    let body =
        app.query("query($a: String) { interviews(after: $a) { totalCount } }", json!({ "a": cursor })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT", "{body}");
    // The same list with another filter shares the cursor's scope and keeps working.
    let contents = app.data("{ contents(first: 1) { pageInfo { endCursor } } }", json!({})).await;
    let cursor = contents["contents"]["pageInfo"]["endCursor"].clone();
    let data = app
        .data("query($a: String) { contents(year: 2018, after: $a) { totalCount } }", json!({ "a": cursor }))
        .await;
    assert_eq!(data["contents"]["totalCount"], 17);
}

#[tokio::test]
async fn bad_paging_arguments_are_bad_input() {
    let app = spawn_app().await;
    let cases = [
        (json!({ "first": 101 }), "first"),
        (json!({ "first": -1 }), "first"),
        (json!({ "last": 101 }), "last"),
        (json!({ "first": 2, "last": 2 }), "last"),
        (json!({ "after": "not a cursor" }), "after"),
        (json!({ "after": "AAAA" }), "after"),
        (json!({ "before": "%%%" }), "before"),
    ];
    for (vars, argument) in cases {
        let body = app.query(PAGE, vars.clone()).await;
        assert_eq!(error_code(&body), "BAD_USER_INPUT", "{vars}: {body}");
        assert_eq!(body["errors"][0]["extensions"]["argument"], argument, "{vars}");
        assert_eq!(body["data"], Value::Null, "{vars}: no silent partial answer");
    }
}
