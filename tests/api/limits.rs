//! Query limits: every limit refuses its abusive document before anything runs, names itself,
//! its maximum and what it found; the server answers normally right after; the introspection
//! query GraphiQL sends passes; the cost is reported when asked.

use scs_series::graphql::QueryLimits;
use scs_series::http::HttpConfig;
use serde_json::{json, Value};

use crate::editing::EditorApp;
use crate::helpers::*;

/// Asserts one refusal of `limit` with `max` and `found`, no data, and a server that still works.
async fn assert_refused(app: &TestApp, query: &str, code: &str, limit: &str, max: usize, found: usize) {
    let body = app.query(query, json!({})).await;
    assert_eq!(error_code(&body), code, "{limit}: {body:#}");
    let extensions = &body["errors"][0]["extensions"];
    assert_eq!(extensions["limit"], limit);
    assert_eq!(extensions["max"].as_u64(), Some(max as u64));
    assert_eq!(extensions["found"].as_u64(), Some(found as u64));
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains(limit) && message.contains(&found.to_string()), "{message}");
    assert!(body.get("data").is_none_or(Value::is_null), "nothing ran: {body:#}");
    let data = app.data("{ events { totalCount } }", json!({})).await;
    assert_eq!(data["events"]["totalCount"], 3, "the server answers right after");
}

#[tokio::test]
async fn each_document_limit_refuses_with_its_name_and_numbers() {
    let app = spawn_app().await;
    let limits = QueryLimits::default();
    let vars: Vec<String> = (0..1300).map(|i| format!("$v{i}: Int")).collect();
    let tokens = format!("query Q({}) {{ __typename }}", vars.join(", "));
    assert_refused(&app, &tokens, "BAD_REQUEST", "tokens", limits.tokens, 1300 * 4 + 7).await;
    let fields = format!("{{ series {{ {} }} }}", "title ".repeat(501));
    assert_refused(&app, &fields, "QUERY_TOO_COMPLEX", "fields", limits.fields, 502).await;
    let aliases: String = (0..51).map(|i| format!("a{i}: __typename ")).collect();
    assert_refused(&app, &format!("{{ {aliases} }}"), "QUERY_TOO_COMPLEX", "aliases", limits.aliases, 51)
        .await;
    let directives = format!("{{ series {{ {} }} }}", "title @include(if: true) ".repeat(51));
    assert_refused(&app, &directives, "QUERY_TOO_COMPLEX", "directives", limits.directives, 51).await;
    let roots = format!("{{ {} }}", "__typename ".repeat(21));
    assert_refused(&app, &roots, "QUERY_TOO_COMPLEX", "rootFields", limits.root_fields, 21).await;
}

#[tokio::test]
async fn depth_and_complexity_refusals_say_what_the_query_has() {
    let app = spawn_app().await;
    let level = "contents(first: 1) { nodes { people { person { ";
    let deep = format!(
        r#"{{ person(slug: "kaiser-kuo") {{ {} name {} }} }}"#,
        level.repeat(7),
        "} } } } ".repeat(7)
    );
    assert_refused(&app, &deep, "QUERY_TOO_COMPLEX", "depth", 24, 30).await;
    let costly = "{ people(first: 100) { nodes { contents(first: 100) { nodes { people { person {
        contents(first: 100) { nodes { slug } } } } } } } } }";
    let body = app.query(costly, json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["limit"], "complexity", "{body:#}");
    assert!(body["errors"][0]["extensions"]["found"].as_u64() > Some(10_000));
}

#[tokio::test]
async fn a_refused_mutation_writes_nothing() {
    let app = EditorApp::start().await;
    let before = app.revision().await;
    let creates: String = (0..51)
        .map(|i| format!("p{i}: createPerson(input: {{ slug: \"p-{i}\", name: \"P\" }}) {{ version }} "))
        .collect();
    let body = app.as_(&app.write, &format!("mutation {{ {creates} }}"), json!({})).await;
    assert_eq!(error_code(&body), "QUERY_TOO_COMPLEX");
    assert_eq!(body["errors"][0]["extensions"]["limit"], "aliases");
    assert_eq!(app.revision().await, before, "none of the mutations ran");
}

#[tokio::test]
async fn limits_are_configurable() {
    let limits = QueryLimits { aliases: 2, depth: 3, ..QueryLimits::default() };
    let app = spawn_app_with(HttpConfig { limits, ..HttpConfig::default() }).await;
    assert_refused(
        &app,
        "{ a: __typename b: __typename c: __typename }",
        "QUERY_TOO_COMPLEX",
        "aliases",
        2,
        3,
    )
    .await;
    let body = app.query("{ a: __typename b: __typename }", json!({})).await;
    assert!(body.get("errors").is_none(), "{body:#}");
    assert_refused(&app, "{ events { nodes { people { role } } } }", "QUERY_TOO_COMPLEX", "depth", 3, 4)
        .await;
}

/// The introspection query GraphiQL and schema tools send (graphql-js `getIntrospectionQuery`).
const INTROSPECTION: &str = r#"query IntrospectionQuery {
  __schema {
    queryType { name } mutationType { name } subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) {
    name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason
  }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}"#;

#[tokio::test]
async fn the_standard_introspection_query_passes_and_reports_its_cost_when_asked() {
    let app = spawn_app().await;
    let data = app.data(INTROSPECTION, json!({})).await;
    assert!(data["__schema"]["types"].as_array().is_some_and(|t| t.len() > 50));

    let ask = |cost: bool| {
        let mut request = app
            .client
            .post(format!("{}/graphql", app.address))
            .json(&json!({ "query": "{ events(first: 5) { nodes { slug } } }" }));
        if cost {
            request = request.header("x-query-cost", "1");
        }
        request.send()
    };
    let body: Value = ask(true).await.expect("sent").json().await.expect("JSON");
    let cost = &body["extensions"]["cost"];
    // The page of 5 times what each selects (`nodes` and `slug`, 1 each), plus the list itself.
    assert_eq!(cost["complexity"], 5 * 2 + 1, "{body:#}");
    assert_eq!(cost["depth"], 3);
    assert_eq!(cost["maxComplexity"].as_u64(), Some(QueryLimits::default().complexity as u64));
    let body: Value = ask(false).await.expect("sent").json().await.expect("JSON");
    assert!(body.get("extensions").is_none(), "only when asked: {body:#}");
}
