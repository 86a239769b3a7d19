//! Starts the real server on 127.0.0.1:0 with a fresh sled store in a temp dir.

use std::path::{Path, PathBuf};

use scs_series::catalog::Catalog;
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
    /// Owns the store's temp dir: it is removed when the app is dropped.
    _data_dir: TempDir,
    stop: Option<oneshot::Sender<()>>,
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
    tokio::spawn(async move {
        let _ = axum::serve(listener, router)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    let client =
        reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    TestApp { address, client, catalog, _data_dir: data_dir, stop: Some(stop) }
}

impl TestApp {
    /// The temp dir the app's store lives in (under `store/`).
    pub fn data_dir(&self) -> &Path {
        self._data_dir.path()
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
