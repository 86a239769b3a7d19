//! The HTTP surface: GET queries, refused GET mutations, bad requests, redirects, health, SDL.

use serde_json::{json, Value};

use crate::helpers::{binary, spawn_app};

#[tokio::test]
async fn a_query_over_get_works() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .query(&[
            ("query", "query($y: Int) { events(year: $y) { totalCount nodes { title } } }"),
            ("variables", r#"{"y": 2019}"#),
        ])
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["data"]["events"]["totalCount"], 1);
    assert_eq!(
        body["data"]["events"]["nodes"][0]["title"],
        "Talk at the Library: The Corporate Social Credit System"
    );
}

#[tokio::test]
async fn a_mutation_over_get_is_refused_with_405() {
    let app = spawn_app().await;
    for (query, operation) in [
        ("mutation { deleteEverything }", None),
        ("query A { series { title } } mutation B { x }", Some("B")),
    ] {
        let mut params = vec![("query", query)];
        if let Some(op) = operation {
            params.push(("operationName", op));
        }
        let response =
            app.client.get(format!("{}/graphql", app.address)).query(&params).send().await.expect("sent");
        assert_eq!(response.status(), 405, "{query}");
        assert_eq!(response.headers().get("allow").and_then(|v| v.to_str().ok()), Some("POST"));
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["errors"][0]["extensions"]["code"], "METHOD_NOT_ALLOWED");
    }
}

#[tokio::test]
async fn malformed_requests_get_specific_errors() {
    let app = spawn_app().await;
    let url = format!("{}/graphql", app.address);
    let send = |body: &'static str, content_type: &'static str| {
        app.client.post(&url).header("content-type", content_type).body(body).send()
    };
    let cases = [
        (send("{not json", "application/json").await.expect("sent"), 400, "BAD_REQUEST"),
        (
            send(r#"[{"query":"{ series { title } }"}]"#, "application/json").await.expect("sent"),
            400,
            "BAD_REQUEST",
        ),
        (
            send(r#"{"query":"{ series { title } }"}"#, "text/plain").await.expect("sent"),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
        (
            send("query={series{title}}", "application/x-www-form-urlencoded").await.expect("sent"),
            415,
            "UNSUPPORTED_MEDIA_TYPE",
        ),
    ];
    for (response, status, code) in cases {
        assert_eq!(response.status(), status);
        let body: Value = response.json().await.expect("json error body");
        assert_eq!(body["errors"][0]["extensions"]["code"], code);
    }
    let response = app.client.get(&url).header("accept", "application/json").send().await.expect("sent");
    assert_eq!(response.status(), 400, "GET without a query and not from a browser");

    // A syntax error is a GraphQL error, not an HTTP one.
    let body = app.query("{ series { title ", json!({})).await;
    assert!(body["errors"][0]["message"].as_str().unwrap_or_default().contains("expected"), "{body}");
    let body = app.query("{ series { nope } }", json!({})).await;
    assert!(body["errors"][0]["message"].as_str().unwrap_or_default().contains("nope"), "{body}");
}

#[tokio::test]
async fn root_redirects_to_the_playground_and_health_answers() {
    let app = spawn_app().await;
    let response = app.client.get(format!("{}/", app.address)).send().await.expect("sent");
    assert!(response.status().is_redirection());
    assert_eq!(response.headers().get("location").and_then(|v| v.to_str().ok()), Some("/graphql"));

    let health: Value = app
        .client
        .get(format!("{}/health", app.address))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(health, json!({ "status": "ok", "revision": 1 }));

    let missing = app.client.get(format!("{}/nope", app.address)).send().await.expect("sent");
    assert_eq!(missing.status(), 404);
}

#[test]
fn schema_graphql_is_exactly_the_served_sdl() {
    let checked_in = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql"))
        .expect("schema.graphql");
    let out = std::process::Command::new(binary()).arg("schema").output().expect("binary runs");
    assert!(out.status.success());
    let printed = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(printed, scs_series::graphql::sdl());
    assert!(
        checked_in == printed,
        "schema.graphql is out of date: run `cargo run -- schema > schema.graphql`"
    );
}

#[tokio::test]
async fn the_served_schema_matches_the_sdl() {
    let app = spawn_app().await;
    let data = app.data("{ __schema { types { name } } }", json!({})).await;
    let served: Vec<&str> = data["__schema"]["types"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|t| t["name"].as_str())
        .collect();
    let sdl = scs_series::graphql::sdl();
    for name in served.iter().filter(|n| !n.starts_with("__")) {
        let declared = ["type", "interface", "enum", "scalar", "input", "union"]
            .iter()
            .any(|kw| sdl.contains(&format!("{kw} {name} ")) || sdl.contains(&format!("{kw} {name}\n")));
        assert!(
            declared || ["String", "Int", "Boolean", "ID", "Float"].contains(name),
            "{name} missing from the SDL"
        );
    }
}

#[tokio::test]
async fn nested_lists_that_would_multiply_are_refused_before_running() {
    let app = spawn_app().await;
    let abusive = "{ people(first: 100) { nodes { contents(first: 100) { nodes { people { person {
        contents(first: 100) { nodes { slug } } } } } } } } }";
    let body = app.query(abusive, json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX", "{body}");
    assert!(body.get("data").is_none_or(Value::is_null), "nothing executed: {body}");

    let level = "contents(first: 1) { nodes { people { person { ";
    let deep = format!(
        r#"{{ person(slug: "kaiser-kuo") {{ {} name {} }} }}"#,
        level.repeat(7),
        "} } } } ".repeat(7)
    );
    let body = app.query(&deep, json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "QUERY_TOO_COMPLEX", "{body}");

    // A big but flat page is fine, and the server still answers after the refusals.
    let data = app
        .data(
            "{ contents(first: 100) { totalCount nodes { slug title people { role person { name } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["contents"]["totalCount"], 22);
}

#[tokio::test]
async fn engine_errors_carry_codes_too() {
    let app = spawn_app().await;
    let body = app.query("{ series { title ", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_PARSE_FAILED", "{body}");
    let body = app.query("{ series { nope } }", json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "GRAPHQL_VALIDATION_FAILED", "{body}");
}

#[tokio::test]
async fn every_transport_error_has_the_json_error_shape() {
    let app = spawn_app().await;
    let url = format!("{}/graphql", app.address);
    let big = format!(r#"{{"query":"{{ series {{ title }} }}","pad":"{}"}}"#, "x".repeat(300 * 1024));
    let cases = [
        (app.client.put(&url).send().await.expect("sent"), 405, "METHOD_NOT_ALLOWED"),
        (
            app.client.post(format!("{}/health", app.address)).send().await.expect("sent"),
            405,
            "METHOD_NOT_ALLOWED",
        ),
        (
            app.client
                .post(&url)
                .header("content-type", "application/json")
                .body(big)
                .send()
                .await
                .expect("sent"),
            413,
            "PAYLOAD_TOO_LARGE",
        ),
        (
            app.client
                .get(&url)
                .header("accept", "text/html")
                .query(&[("extensions", r#"{"persistedQuery":{}}"#)])
                .send()
                .await
                .expect("sent"),
            400,
            "BAD_REQUEST",
        ),
        (
            app.client
                .get(&url)
                .query(&[("query", "{ series { title } }"), ("variables", "[1]")])
                .send()
                .await
                .expect("sent"),
            400,
            "BAD_REQUEST",
        ),
    ];
    for (response, status, code) in cases {
        assert_eq!(response.status(), status);
        let body: Value = response.json().await.expect("a JSON error body");
        assert_eq!(body["errors"][0]["extensions"]["code"], code, "{body}");
    }
}
