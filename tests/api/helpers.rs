//! Starts the real server on 127.0.0.1:0 with a fresh sled store in a temp dir.

use std::path::{Path, PathBuf};

use scs_series::catalog::Catalog;
use scs_series::http::server::ServeOptions;
use scs_series::http::HttpConfig;
use serde_json::{json, Value};
use tempfile::TempDir;
use tokio::sync::oneshot;

pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub address: String,
    pub client: reqwest::Client,
    /// The running app's catalog: `reload_seed` is what SIGHUP calls.
    pub catalog: scs_series::catalog::Catalog,
    /// Owns the store's temp dir: it is removed when the app is dropped (unless [`TestApp::stop`]
    /// hands it on).
    _data_dir: Option<TempDir>,
    stop: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// The repository's seed folder.
pub fn seed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seed")
}

/// A copy of the repository's seed to edit.
pub fn seed_copy() -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for entry in std::fs::read_dir(seed_dir()).expect("seed dir") {
        let path = entry.expect("entry").path();
        std::fs::copy(&path, dir.path().join(path.file_name().expect("name"))).expect("copy");
    }
    dir
}

/// Replaces the first `from` in a seed file with `to`, failing the test when it is absent.
pub fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains(from), "{file} contains {from:?}");
    std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
}

/// The path of the built `scs-series` binary.
pub fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_scs-series")
}

/// A server over the repository's seed, in a fresh store.
pub async fn spawn_app() -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    spawn_app_on(data_dir, &seed_dir()).await
}

/// A server over the repository's seed, in a fresh store, configured by `config`.
pub async fn spawn_app_with(config: HttpConfig) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    spawn_app_on_with(data_dir, &seed_dir(), config).await
}

/// A server over `seed`, with its store in `data_dir`.
pub async fn spawn_app_on(data_dir: TempDir, seed: &Path) -> TestApp {
    spawn_app_on_with(data_dir, seed, HttpConfig::default()).await
}

/// A server over `seed`, with its store in `data_dir`, configured by `config`.
pub async fn spawn_app_on_with(data_dir: TempDir, seed: &Path, config: HttpConfig) -> TestApp {
    spawn_app_serving(data_dir, seed, config, ServeOptions::default()).await
}

/// A server over `seed`, with its store in `data_dir`, configured by `config`, its
/// connections handled as `connections` says.
pub async fn spawn_app_serving(
    data_dir: TempDir,
    seed: &Path,
    config: HttpConfig,
    connections: ServeOptions,
) -> TestApp {
    // sled releases its lock a moment after a previous handle on the same store is dropped.
    let store_dir = data_dir.path().join("store");
    let mut catalog = Catalog::open(&store_dir, seed);
    for _ in 0..100 {
        if catalog.is_ok() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        catalog = Catalog::open(&store_dir, seed);
    }
    let catalog = catalog.expect("store prepared");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = oneshot::channel::<()>();
    let router = scs_series::http::router(catalog.clone(), config);
    let server = tokio::spawn(async move {
        scs_series::http::server::serve(listener, router, connections, async {
            let _ = stopped.await;
        })
        .await;
    });
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    TestApp { address, client, catalog, _data_dir: Some(data_dir), stop: Some(stop), server: Some(server) }
}

impl TestApp {
    /// The temp dir the app's store lives in (under `store/`).
    pub fn data_dir(&self) -> &Path {
        self._data_dir.as_ref().map(TempDir::path).expect("the app owns its data dir until stopped")
    }

    /// Stops the server and hands on its data dir, for another process or app to open. (sled
    /// lets go of the store's lock a moment later: openers retry.)
    pub async fn stop(mut self) -> TempDir {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(10), server).await;
        }
        self.catalog.close().expect("the store closes cleanly");
        self._data_dir.take().expect("the app owns its data dir")
    }

    /// POSTs a query and returns the whole JSON response (`data` and `errors`).
    pub async fn query(&self, query: &str, variables: Value) -> Value {
        let response = self
            .client
            .post(format!("{}/graphql", self.address))
            .json(&json!({ "query": query, "variables": variables }))
            .send()
            .await
            .expect("request sent");
        assert_eq!(response.status(), 200, "GraphQL responses are 200");
        response.json().await.expect("JSON body")
    }

    /// Like [`TestApp::query`], but fails the test on any GraphQL error and returns `data`.
    pub async fn data(&self, query: &str, variables: Value) -> Value {
        let body = self.query(query, variables).await;
        assert!(body.get("errors").is_none(), "unexpected errors: {body:#}");
        body["data"].clone()
    }
}

/// Opens a raw connection to `address` (`HOST:PORT`) and sends a GraphQL POST whose body is
/// only `sent` bytes in: the rest is the caller's to send, or not.
pub async fn partial_post(address: &str, body: &str, sent: usize) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::TcpStream::connect(address).await.expect("connect");
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("headers");
    stream.write_all(&body.as_bytes()[..sent]).await.expect("part of the body");
    stream
}

/// POSTs a GraphQL request to `url` (with `Authorization: Bearer <token>` unless `token` is
/// empty) and returns the JSON body.
pub async fn post_graphql(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    query: &str,
    variables: Value,
) -> Value {
    let mut request = client.post(url).json(&json!({ "query": query, "variables": variables }));
    if !token.is_empty() {
        request = request.bearer_auth(token);
    }
    request.send().await.expect("sent").json().await.expect("JSON body")
}

/// The single error's `extensions.code`, failing the test when there is not exactly one error.
pub fn error_code(body: &Value) -> String {
    let errors = body["errors"].as_array().unwrap_or_else(|| panic!("expected errors: {body:#}"));
    assert_eq!(errors.len(), 1, "expected one error: {body:#}");
    errors[0]["extensions"]["code"].as_str().unwrap_or_default().to_string()
}

/// A field of every node of a list as strings (`"<null>"` where absent): `"slug"`, or a path
/// into nested objects such as `"person/name"`.
pub fn strings(nodes: &Value, field: &str) -> Vec<String> {
    let pointer = format!("/{field}");
    nodes
        .as_array()
        .into_iter()
        .flatten()
        .map(|n| n.pointer(&pointer).and_then(Value::as_str).unwrap_or("<null>").to_string())
        .collect()
}

/// The real binary, serving until dropped (then killed).
pub struct Server {
    pub child: std::process::Child,
    /// `http://127.0.0.1:PORT/graphql`
    pub url: String,
    /// Its log lines (stderr), as they come, after those of its start-up.
    pub lines: tokio::sync::mpsc::UnboundedReceiver<String>,
    /// Its log lines up to the one that says it is ready.
    pub startup_log: Vec<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the binary with `args` (plus `--listen 127.0.0.1:0`) and waits until it serves.
pub async fn start_binary(args: &[&std::ffi::OsStr]) -> Server {
    start_binary_with_env(args, &[]).await
}

/// Starts the binary with `args` (plus `--listen 127.0.0.1:0`) and the environment variables
/// `env`, and waits until it serves.
pub async fn start_binary_with_env(args: &[&std::ffi::OsStr], env: &[(&str, &str)]) -> Server {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(binary())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .envs(env.iter().copied())
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("binary starts");
    let stderr = child.stderr.take();
    let (lines_tx, lines) = tokio::sync::mpsc::unbounded_channel::<String>();
    // From here on the child is killed and waited for if the server never comes up.
    let mut server = Server { child, url: String::new(), lines, startup_log: Vec::new() };
    let stderr = stderr.expect("stderr");
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    loop {
        let line = tokio::time::timeout(std::time::Duration::from_secs(60), server.lines.recv()).await;
        let line = line.expect("in time").expect("the server starts (see its log above)");
        // stderr is a pipe here, not a terminal: plain text, no colour codes.
        assert!(!line.contains('\x1b'), "a log line with escape codes: {line:?}");
        if let Some(at) = line.find("ready: http://") {
            let rest = &line[at + "ready: ".len()..];
            server.url =
                rest.split(|c: char| c == '"' || c.is_whitespace()).next().unwrap_or(rest).to_string();
            return server;
        }
        server.startup_log.push(line);
    }
}

/// Runs the binary with `args` to the end, retrying while the store is still locked by a
/// process or app that just stopped; returns (success, stdout).
pub fn run_binary(args: &[&std::ffi::OsStr]) -> (bool, String) {
    let mut tries = 0;
    loop {
        let out = std::process::Command::new(binary()).args(args).output().expect("binary runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        if !out.status.success() && stderr.contains("is the server running") && tries < 100 {
            tries += 1;
            std::thread::sleep(std::time::Duration::from_millis(50));
            continue;
        }
        eprintln!("{stderr}");
        return (out.status.success(), stdout);
    }
}
