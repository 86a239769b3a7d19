//! Live updates: `contentChanged` over graphql-transport-ws on /graphql/ws, and SIGHUP reloads.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::Message;

use crate::helpers::{binary, edit, seed_copy, spawn_app_on};

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

#[tokio::test]
async fn a_subscriber_hears_each_change_with_a_sync_token() {
    let seed = seed_copy();
    let app = spawn_app_on(tempfile::tempdir().expect("temp dir"), seed.path()).await;
    let mut socket = connect(&app.address).await;
    let subscription = "subscription { contentChanged(kinds: [EVENT, READING]) {
        change id kind at syncToken node { ... on Event { title } } } }";
    send(&mut socket, json!({ "id": "1", "type": "subscribe", "payload": { "query": subscription } })).await;
    // Give the server a moment to register the subscription before the change.
    tokio::time::sleep(Duration::from_millis(200)).await;

    edit(
        seed.path(),
        "events.toml",
        "Talk at the Library: The Corporate Social Credit System",
        "Renamed talk",
    );
    edit(seed.path(), "people.toml", "name = \"Kaiser Kuo\"", "name = \"Kaiser Kuo (renamed)\"");
    let reloaded = app.catalog.clone();
    tokio::task::spawn_blocking(move || reloaded.reload_seed()).await.expect("joined").expect("reloaded");

    let message = receive(&mut socket).await;
    assert_eq!(message["type"], "next", "{message:#}");
    assert_eq!(message["id"], "1");
    let change = &message["payload"]["data"]["contentChanged"];
    assert_eq!(change["change"], "UPDATED");
    assert_eq!(change["kind"], "EVENT", "the person's change is filtered out by kinds");
    assert_eq!(change["node"]["title"], "Renamed talk");
    assert!(change["at"].as_str().is_some_and(|t| t.ends_with('Z')));

    // The token covers the change: a sync from it has nothing new for these kinds.
    let token = change["syncToken"].as_str().expect("token");
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
    let mut child = Command::new(binary())
        .args(["--listen", "127.0.0.1:0", "--data-dir"])
        .arg(data.path().join("store"))
        .arg("--seed-dir")
        .arg(seed.path())
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stderr = child.stderr.take().expect("stderr");
    let (lines_tx, mut lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let mut address = None;
    while address.is_none() {
        let line = tokio::time::timeout(Duration::from_secs(30), lines.recv()).await.expect("in time");
        let line = line.expect("server is up");
        if let Some(at) = line.find("ready: http://") {
            let rest = &line[at + "ready: ".len()..];
            address = rest.split("/graphql").next().map(str::to_string);
        }
    }
    let url = format!("{}/graphql", address.expect("address"));
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
    let status = Command::new("kill").args(["-HUP", &child.id().to_string()]).status().expect("kill runs");
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
    Command::new("kill").args(["-HUP", &child.id().to_string()]).status().expect("kill runs");
    let mut refused = false;
    for _ in 0..200 {
        match tokio::time::timeout(Duration::from_millis(50), lines.recv()).await {
            Ok(Some(line)) if line.contains("seed reload refused") => {
                refused = true;
                break;
            }
            _ => {}
        }
    }
    assert!(refused, "the refusal is logged");
    assert_eq!(title().await, "After SIGHUP");

    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    let status = child.wait().expect("exits");
    assert!(status.success(), "a clean exit on SIGTERM");
}
