//! Entry points for the fuzz targets in `fuzz/` (cargo-fuzz): each takes arbitrary bytes and
//! panics only when the code under test misbehaves. They live here, not in `fuzz/`, so that
//! the ordinary test suite builds and runs them and they cannot rot; the library has them only
//! in its tests and with the `fuzzing` feature (which `fuzz/` turns on).

use std::path::Path;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use tower::ServiceExt as _;

use crate::catalog::Catalog;
use crate::http::{self, HttpConfig};
use crate::seed::{self, SEED_FILES};

/// Reads `data` as one seed file (its first byte picks which) among the other files of
/// `seed_dir`: the seed loader must answer with content or with errors, never panic, and
/// what it accepts must pass its own check again.
pub fn seed_file(seed_dir: &Path, data: &[u8]) {
    let Some((&pick, text)) = data.split_first() else { return };
    let Ok(text) = std::str::from_utf8(text) else { return };
    let fuzzed = SEED_FILES[usize::from(pick) % SEED_FILES.len()];
    let others: Vec<(&str, String)> = SEED_FILES
        .iter()
        .filter(|name| **name != fuzzed)
        .map(|name| (*name, std::fs::read_to_string(seed_dir.join(name)).unwrap_or_default()))
        .collect();
    let mut files: Vec<(&str, &str)> = others.iter().map(|(name, text)| (*name, text.as_str())).collect();
    files.push((fuzzed, text));
    if let Ok(accepted) = seed::parse_texts(&files) {
        // What the store holds is written back out in the seed format (export, edits): it
        // must read back the same.
        match seed::check(&accepted.content) {
            Ok(again) => assert!(again == accepted.content, "the seed format lost or changed something"),
            Err(errors) => panic!("the seed accepted content its own check refuses: {errors}"),
        }
    }
}

/// A server over a seed in a store of its own, answering requests without a socket.
pub struct RequestHarness {
    runtime: tokio::runtime::Runtime,
    router: tower::util::BoxCloneSyncService<
        axum::extract::Request,
        axum::response::Response,
        std::convert::Infallible,
    >,
}

impl RequestHarness {
    /// Opens a fresh store in `data_dir` (removed first) over `seed_dir`.
    pub fn new(data_dir: &Path, seed_dir: &Path) -> anyhow::Result<RequestHarness> {
        let _ = std::fs::remove_dir_all(data_dir);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
        let catalog = Catalog::open(data_dir, seed_dir)?;
        let config = HttpConfig {
            // Well inside libFuzzer's 10 s, so a slow query shows as this server's TIMEOUT
            // or 408, and a real hang as libFuzzer's timeout.
            query_timeout: std::time::Duration::from_secs(1),
            request_timeout: std::time::Duration::from_secs(2),
            max_batch: 4,
            rate: http::ratelimit::RateConfig { per_ip: 0, per_token: 0, ..Default::default() },
            ..HttpConfig::default()
        };
        let router =
            runtime.block_on(async { tower::util::BoxCloneSyncService::new(http::router(catalog, config)) });
        Ok(RequestHarness { runtime, router })
    }

    /// Sends `data` as a request: its first byte picks a JSON POST body, a form-encoded POST
    /// body, or a GET query string; the rest is the payload. The server must answer with a
    /// status below 500 and, for JSON, a JSON body.
    pub fn request(&self, data: &[u8]) {
        let Some((&pick, payload)) = data.split_first() else { return };
        let request = match pick % 3 {
            0 => post(payload, "application/json"),
            1 => post(payload, "application/x-www-form-urlencoded"),
            _ => {
                let Ok(query) = std::str::from_utf8(payload) else { return };
                Request::builder().uri(format!("/graphql?{query}")).body(Body::empty())
            }
        };
        let Ok(mut request) = request else { return };
        request.extensions_mut().insert(ConnectInfo(std::net::SocketAddr::from(([127, 0, 0, 1], 9))));
        self.runtime.block_on(async {
            let Ok(response) = self.router.clone().oneshot(request).await;
            let status = response.status();
            let json = response
                .headers()
                .get(header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("json"));
            let body = axum::body::to_bytes(response.into_body(), usize::MAX).await;
            assert!(status < StatusCode::INTERNAL_SERVER_ERROR, "{status} for {payload:?}");
            if json {
                let body = body.unwrap_or_default();
                assert!(serde_json::from_slice::<serde_json::Value>(&body).is_ok(), "not JSON: {body:?}");
            }
        });
    }
}

fn post(body: &[u8], content_type: &str) -> Result<Request<Body>, axum::http::Error> {
    Request::builder()
        .method(Method::POST)
        .uri("/graphql")
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed_dir() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("seed")
    }

    /// The inputs the fuzz corpus starts from, plus a few that once were or could be trouble.
    #[test]
    fn the_seed_target_takes_broken_and_valid_files() {
        let events = std::fs::read(seed_dir().join("events.toml")).unwrap_or_default();
        let mut valid = vec![3u8];
        valid.extend(&events);
        for data in
            [&b""[..], b"\x00", b"\x01[[person]]\nslug = 1", b"\x03[[event]]\ndate = 2019-13-45", &valid]
        {
            seed_file(&seed_dir(), data);
        }
    }

    #[test]
    fn the_request_target_answers_every_kind_of_request() -> anyhow::Result<()> {
        let data = std::env::temp_dir().join(format!("scs-fuzz-test-{}", std::process::id()));
        let harness = RequestHarness::new(&data, &seed_dir())?;
        for input in [
            &b"\x00{\"query\":\"{ events { totalCount } }\"}"[..],
            b"\x00[{\"query\":\"{ __typename }\"},{\"query\":\"{ nope }\"}]",
            b"\x00{\"query\":\"{ search(query: \\\"\\\\\\\" AND (\\\") { totalCount } }\"}",
            b"\x00{\"query\":\"query($a: Int) { events(first: $a) { totalCount } }\",\"variables\":{\"a\":1e999}}",
            b"\x00\xff\xfe",
            b"\x01query=%7B__typename%7D",
            b"\x02query=%7Bevents(year%3A-1)%7BtotalCount%7D%7D",
            b"\x02query=%7B",
            b"",
        ] {
            harness.request(input);
        }
        drop(harness);
        let _ = std::fs::remove_dir_all(&data);
        Ok(())
    }
}
