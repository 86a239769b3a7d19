//! Live updates: `contentChanged` over graphql-transport-ws on /graphql/ws, and SIGHUP reloads.

use std::process::Command;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

use std::sync::Arc;

use scs_series::http::persisted::{sha256_hex, Registry};
use scs_series::http::HttpConfig;

use crate::helpers::{edit, seed_copy, spawn_app_on, spawn_app_on_with, start_binary};

type Socket = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Opens a graphql-transport-ws connection (the protocol of Apollo Client and urql).
async fn connect(address: &str) -> Socket {
    let url = format!("{}/graphql/ws", address.replace("http://", "ws://"));
    let mut request = url.into_client_request().expect("request");
    request.headers_mut().insert("sec-websocket-protocol", HeaderValue::from_static("graphql-transport-ws"));
    let (mut socket, response) = tokio_tungstenite::connect_async(request).await.expect("connected");
    assert_eq!(
        response.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok()),
        Some("graphql-transport-ws")
    );
    send(&mut socket, json!({ "type": "connection_init" })).await;
    assert_eq!(receive(&mut socket).await["type"], "connection_ack");
    socket
}

async fn send(socket: &mut Socket, message: Value) {
    socket.send(Message::text(message.to_string())).await.expect("sent");
}

/// The next protocol message (pings are answered), within a few seconds.
async fn receive(socket: &mut Socket) -> Value {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message in time")
            .expect("socket open")
            .expect("a frame");
        if let Message::Text(text) = message {
            let value: Value = serde_json::from_str(&text).expect("JSON message");
            if value["type"] == "ping" {
                send(socket, json!({ "type": "pong" })).await;
                continue;
            }
            return value;
        }
    }
}

const SUBSCRIPTION: &str = "subscription($token: String) {
    contentChanged(kinds: [EVENT, READING], token: $token) {
        change id kind at syncToken node { ... on Event { title } } } }";

async fn reload(app: &crate::helpers::TestApp) {
    let catalog = app.catalog.clone();
    tokio::task::spawn_blocking(move || catalog.reload_seed()).await.expect("joined").expect("reloaded");
}

#[tokio::test]
async fn a_subscriber_replays_from_its_token_then_hears_each_change() {
    let seed = seed_copy();
    let app = spawn_app_on(tempfile::tempdir().expect("temp dir"), seed.path()).await;
    let token = current_token_for(&app, "[EVENT, READING]").await;

    // A change while the app was away, then the subscription with the app's token.
    edit(
        seed.path(),
        "events.toml",
        "Talk at the Library: The Corporate Social Credit System",
        "Renamed talk",
    );
    reload(&app).await;
    let mut socket = connect(&app.address).await;
    let payload = json!({ "query": SUBSCRIPTION, "variables": { "token": token } });
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": payload })).await;
    let message = receive(&mut socket).await;
    assert_eq!(message["type"], "next", "{message:#}");
    assert_eq!(message["id"], "1");
    let change = &message["payload"]["data"]["contentChanged"];
    assert_eq!(change["change"], "UPDATED");
    assert_eq!(change["kind"], "EVENT");
    assert_eq!(change["node"]["title"], "Renamed talk", "the missed change, replayed");
    assert!(change["at"].as_str().is_some_and(|t| t.ends_with('Z')));

    // Live changes. The person is filtered out by kinds, but the event Kaiser Kuo hosts shows
    // his name, so it is reported as updated.
    edit(seed.path(), "people.toml", "name = \"Kaiser Kuo\"", "name = \"Kaiser Kuo (renamed)\"");
    edit(seed.path(), "readings.toml", r#"slug = "hernig-big-data-diktatur""#, r#"slug = "renamed-reading""#);
    reload(&app).await;
    let mut seen = Vec::new();
    for _ in 0..3 {
        let message = receive(&mut socket).await;
        assert_eq!(message["type"], "next", "{message:#}");
        seen.push(message["payload"]["data"]["contentChanged"].clone());
    }
    let mut changes: Vec<String> = seen.iter().map(|c| format!("{} {}", c["change"], c["kind"])).collect();
    changes.sort();
    assert_eq!(changes, [r#""CREATED" "READING""#, r#""DELETED" "READING""#, r#""UPDATED" "EVENT""#]);
    let deleted = seen.iter().find(|c| c["change"] == "DELETED").expect("a deletion");
    assert_eq!(deleted["node"], Value::Null);

    // Changes arrive in sequence order, so the last one's token covers them all: a sync from
    // it has nothing new for these kinds.
    let token = seen[2]["syncToken"].as_str().expect("token");
    let sync = app
        .data(
            "query($t: String) { sync(token: $t, kinds: [EVENT, READING]) { updated { id } deleted { id } } }",
            json!({ "t": token }),
        )
        .await;
    assert_eq!(sync["sync"], json!({ "updated": [], "deleted": [] }));

    send(&mut socket, json!({ "id": "1", "type": "complete" })).await;
    let _ = socket.close(None).await;
}

#[tokio::test]
async fn only_persisted_holds_on_the_websocket_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let registered = "subscription Live($token: String) { contentChanged(kinds: [EVENT], token: $token) { kind node { ... on Event { title } } } }";
    let hash = sha256_hex(registered);
    let path = dir.path().join("operations.json");
    let sync = "{ sync(kinds: [EVENT]) { nextToken hasMore } }";
    let operations = json!({ hash.clone(): registered, sha256_hex(sync): sync });
    std::fs::write(&path, operations.to_string()).expect("written");
    let registry = Registry::load(&path).expect("loads");
    let config =
        HttpConfig { persisted_queries: Arc::new(registry), only_persisted: true, ..HttpConfig::default() };
    let seed = seed_copy();
    let app = spawn_app_on_with(tempfile::tempdir().expect("temp dir"), seed.path(), config).await;
    let token = current_token_for(&app, "[EVENT]").await;

    let mut socket = connect(&app.address).await;
    let ad_hoc = json!({ "query": "subscription { contentChanged { id } }" });
    send(&mut socket, json!({ "id": "a", "type": "subscribe", "payload": ad_hoc })).await;
    let message = receive(&mut socket).await;
    assert_eq!(
        message["payload"]["errors"][0]["extensions"]["code"], "PERSISTED_QUERY_NOT_IN_LIST",
        "{message:#}"
    );
    assert_eq!(message["payload"]["data"], Value::Null, "nothing ran");
    assert_eq!(receive(&mut socket).await["type"], "complete");

    edit(
        seed.path(),
        "events.toml",
        "Talk at the Library: The Corporate Social Credit System",
        "Persisted talk",
    );
    reload(&app).await;
    let by_hash = json!({ "variables": { "token": token },
        "extensions": { "persistedQuery": { "version": 1, "sha256Hash": hash } } });
    send(&mut socket, json!({ "id": "b", "type": "subscribe", "payload": by_hash })).await;
    let message = receive(&mut socket).await;
    assert_eq!(message["id"], "b", "{message:#}");
    assert_eq!(
        message["payload"]["data"]["contentChanged"]["node"]["title"], "Persisted talk",
        "{message:#}"
    );
}

/// A sync token for `kinds` (a GraphQL list literal), covering everything up to now.
async fn current_token_for(app: &crate::helpers::TestApp, kinds: &str) -> String {
    let query = format!("{{ sync(kinds: {kinds}) {{ nextToken hasMore }} }}");
    let data = app.data(&query, json!({})).await;
    data["sync"]["nextToken"].as_str().expect("token").to_string()
}

#[tokio::test]
async fn a_bad_subscription_gets_an_error_message() {
    let app = spawn_app_on(tempfile::tempdir().expect("temp dir"), &crate::helpers::seed_dir()).await;
    let mut socket = connect(&app.address).await;
    let query = "subscription { contentChanged(kinds: [NOPE]) { id } }";
    send(&mut socket, json!({ "id": "7", "type": "subscribe", "payload": { "query": query } })).await;
    // async-graphql reports a refused operation as a `next` carrying `errors`, then `complete`.
    let message = receive(&mut socket).await;
    assert_eq!(message["type"], "next", "{message:#}");
    assert_eq!(message["id"], "7");
    let code = &message["payload"]["errors"][0]["extensions"]["code"];
    assert_eq!(code, "GRAPHQL_VALIDATION_FAILED", "{message:#}");
    assert_eq!(receive(&mut socket).await["type"], "complete");
}

/// The real binary re-applies its seed folder on SIGHUP while serving.
#[tokio::test]
async fn sighup_reloads_the_seed_without_a_restart() {
    let seed = seed_copy();
    let data = tempfile::tempdir().expect("temp dir");
    let mut server = start_binary(&[
        "--data-dir".as_ref(),
        data.path().join("store").as_os_str(),
        "--seed-dir".as_ref(),
        seed.path().as_os_str(),
    ])
    .await;
    let url = server.url.clone();
    let client = reqwest::Client::new();
    let title = || async {
        let body: Value = client
            .post(&url)
            .json(&json!({ "query": "{ content(slug: \"talk-at-the-library-2019\") { title } }" }))
            .send()
            .await
            .expect("sent")
            .json()
            .await
            .expect("json");
        body["data"]["content"]["title"].as_str().unwrap_or_default().to_string()
    };
    assert_eq!(title().await, "Talk at the Library: The Corporate Social Credit System");

    edit(
        seed.path(),
        "events.toml",
        "Talk at the Library: The Corporate Social Credit System",
        "After SIGHUP",
    );
    let status =
        Command::new("kill").args(["-HUP", &server.child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
    let mut seen = String::new();
    for _ in 0..100 {
        seen = title().await;
        if seen == "After SIGHUP" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen, "After SIGHUP");

    // A broken seed on reload is refused and the server keeps serving what it had.
    edit(seed.path(), "events.toml", "After SIGHUP", "After SIGHUP\"\"\"broken");
    Command::new("kill").args(["-HUP", &server.child.id().to_string()]).status().expect("kill runs");
    let mut refused = false;
    for _ in 0..200 {
        match tokio::time::timeout(Duration::from_millis(50), server.lines.recv()).await {
            Ok(Some(line)) if line.contains("seed reload refused") => {
                refused = true;
                break;
            }
            _ => {}
        }
    }
    assert!(refused, "the refusal is logged");
    assert_eq!(title().await, "After SIGHUP");

    Command::new("kill").args(["-TERM", &server.child.id().to_string()]).status().expect("kill runs");
    let status = server.child.wait().expect("exits");
    assert!(status.success(), "a clean exit on SIGTERM");
}
