//! `node(id:)` for every id of every kind, and bad ids.

use serde_json::{json, Value};

use crate::helpers::{error_code, spawn_app};

#[tokio::test]
async fn node_resolves_every_id_of_every_kind() {
    let app = spawn_app().await;
    let data = app
        .data(
            "{ contents(first: 100) { nodes { id __typename slug } }
               people(first: 100) { nodes { id __typename slug } }
               updates { nodes { id __typename slug } }
               series { id __typename slug } }",
            json!({}),
        )
        .await;
    let mut entities: Vec<Value> = Vec::new();
    for list in ["contents", "people", "updates"] {
        entities.extend(data[list]["nodes"].as_array().cloned().unwrap_or_default());
    }
    entities.push(data["series"].clone());
    assert_eq!(entities.len(), 22 + 10 + 3 + 1);
    let mut kinds: Vec<String> =
        entities.iter().filter_map(|e| e["__typename"].as_str().map(str::to_string)).collect();
    kinds.sort();
    kinds.dedup();
    assert_eq!(kinds.len(), 10, "every kind is covered: {kinds:?}");

    for e in &entities {
        let got = app
            .data(
                "query($id: ID!) { node(id: $id) { id __typename ... on Content { slug } ... on Person { slug } ... on Update { slug } ... on Series { slug } } }",
                json!({ "id": e["id"] }),
            )
            .await;
        assert_eq!(&got["node"], e, "node({}) is the same entity", e["id"]);
    }
}

#[tokio::test]
async fn ids_are_stable_uuids_derived_from_kind_and_slug() {
    let first = spawn_app().await;
    let second = spawn_app().await;
    let q = r#"{ person(slug: "tauno-tohk-is-not-here") { id } }"#;
    assert_eq!(error_code(&first.query(q, json!({})).await), "NOT_FOUND");
    let q = r#"{ person(slug: "kaiser-kuo") { id } }"#;
    let a = first.data(q, json!({})).await;
    let b = second.data(q, json!({})).await;
    assert_eq!(a, b, "two fresh stores give the same id");
    let id = a["person"]["id"].as_str().unwrap_or_default();
    assert_eq!(uuid::Uuid::parse_str(id).map(|u| u.get_version_num()), Ok(5));
}

#[tokio::test]
async fn a_malformed_id_is_bad_input_and_an_unknown_one_not_found() {
    let app = spawn_app().await;
    let q = "query($id: ID!) { node(id: $id) { id } }";
    let body = app.query(q, json!({ "id": "not-an-id" })).await;
    assert_eq!(error_code(&body), "BAD_USER_INPUT");
    assert_eq!(body["data"]["node"], Value::Null);
    let body = app.query(q, json!({ "id": "00000000-0000-5000-8000-000000000000" })).await;
    assert_eq!(error_code(&body), "NOT_FOUND");
    assert_eq!(body["data"]["node"], Value::Null);
}
