//! The GraphiQL playground on `GET /graphql`: its page and self-hosted assets over HTTP, and a
//! query run through its UI in a real headless Chromium (`tests/browser/playground.mjs`).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, CACHE_CONTROL, CONTENT_TYPE, ETAG, IF_NONE_MATCH};
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{spawn_app, strings, TestApp};

/// What a browser sends when it navigates to a page.
const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

/// Longest the browser script may take, Chromium's start included (it stops itself at 30 s).
const BROWSER_TIMEOUT: Duration = Duration::from_secs(60);

/// Whether this run is CI's, where nothing may be skipped.
fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !matches!(value.trim(), "" | "0" | "false"))
}

/// Fails in CI, else says plainly why the test is skipped. Returns whether to go on.
fn required(what: &str, available: bool) -> bool {
    if available {
        return true;
    }
    assert!(!in_ci(), "{what}: CI must run this test (run ./scripts/test.sh, which installs it)");
    eprintln!("skipped: {what} (./scripts/test.sh installs it; CI does not skip this test)");
    false
}

/// Where the page's assets come from: `embedded` or `cdn` (the page's own marker).
enum AssetSource {
    Embedded,
    Cdn,
}

async fn fetch_page(app: &TestApp) -> (AssetSource, String) {
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .header(ACCEPT, BROWSER_ACCEPT)
        .send()
        .await
        .expect("GET /graphql");
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = header(&response, CONTENT_TYPE);
    assert!(content_type.starts_with("text/html"), "Content-Type: {content_type}");
    let page = response.text().await.expect("page body");
    assert!(page.contains(r#"<div id="graphiql">"#), "not the GraphiQL page:\n{page}");
    assert!(page.contains(r#"var endpoint = "/graphql";"#), "the page must query /graphql:\n{page}");
    let source = if page.contains(r#"<meta name="scs-playground-assets" content="embedded">"#) {
        AssetSource::Embedded
    } else if page.contains(r#"<meta name="scs-playground-assets" content="cdn">"#) {
        AssetSource::Cdn
    } else {
        panic!("the page does not say where its assets come from:\n{page}")
    };
    (source, page)
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> String {
    response.headers().get(&name).and_then(|value| value.to_str().ok()).unwrap_or_default().to_owned()
}

/// Every `src="…"` and `href="…"` in the page.
fn linked_urls(page: &str) -> Vec<&str> {
    let mut urls = Vec::new();
    for attribute in [" src=\"", " href=\""] {
        for (start, _) in page.match_indices(attribute) {
            let rest = &page[start + attribute.len()..];
            urls.push(&rest[..rest.find('"').unwrap_or(rest.len())]);
        }
    }
    urls
}

#[tokio::test]
async fn browsers_get_the_graphiql_page_and_its_self_hosted_assets() {
    let app = spawn_app().await;
    let (source, page) = fetch_page(&app).await;
    let urls: Vec<&str> = linked_urls(&page).into_iter().filter(|url| *url != "data:,").collect();
    assert!(urls.len() >= 4, "the page loads too little: {urls:?}");

    if let AssetSource::Cdn = source {
        assert!(
            !in_ci(),
            "the playground's assets are not embedded: CI builds with npm and \
             SCS_REQUIRE_PLAYGROUND_ASSETS=1, so the build should have failed instead"
        );
        for url in &urls {
            assert!(url.starts_with("https://"), "{url}");
            let tag = &page[page.find(url).unwrap_or(0)..];
            let tag = &tag[..tag.find('>').unwrap_or(tag.len())];
            assert!(tag.contains(r#"integrity="sha384-"#), "no integrity hash for {url}");
        }
        eprintln!(
            "skipped the self-hosted assets' checks: this build loads them from a CDN (npm was \
             not available when it was built; see build.rs)"
        );
        return;
    }

    assert!(!page.contains("http://") && !page.contains("https://"), "external URL in the page:\n{page}");
    for url in urls {
        assert!(url.starts_with("/playground/"), "the page loads {url} from elsewhere");
        let path = url.split('?').next().unwrap_or(url);
        let expected_type = match Path::new(path).extension().and_then(|e| e.to_str()) {
            Some("js") => "text/javascript",
            Some("css") => "text/css",
            other => panic!("unexpected asset type {other:?}: {url}"),
        };

        let response = app.client.get(format!("{}{url}", app.address)).send().await.expect("GET asset");
        assert_eq!(response.status(), StatusCode::OK, "{url}");
        let content_type = header(&response, CONTENT_TYPE);
        assert!(content_type.starts_with(expected_type), "{url}: Content-Type {content_type}");
        let cache_control = header(&response, CACHE_CONTROL);
        assert!(cache_control.contains("immutable"), "{url}: Cache-Control {cache_control}");
        let etag = header(&response, ETAG);
        assert!(etag.starts_with('"') && etag.len() > 2, "{url}: no strong ETag ({etag:?})");
        let body = response.bytes().await.expect("asset body");
        assert!(body.len() > 10_000, "{url} is only {} bytes", body.len());

        let response = app
            .client
            .get(format!("{}{url}", app.address))
            .header(IF_NONE_MATCH, &etag)
            .send()
            .await
            .expect("conditional GET asset");
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{url} with If-None-Match");
    }
}

#[tokio::test]
async fn a_query_runs_in_the_playground_in_headless_chromium() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let script = root.join("tests/browser/playground.mjs");
    let chromium =
        std::env::var_os("CHROMIUM").map_or_else(|| PathBuf::from("/usr/bin/chromium"), PathBuf::from);
    if !required(&format!("no Chromium at {}", chromium.display()), chromium.is_file())
        || !required(
            "tests/browser/node_modules is missing (npm ci in tests/browser)",
            root.join("tests/browser/node_modules/playwright-core/package.json").is_file(),
        )
        || !required("node is not on PATH", Command::new("node").arg("--version").output().is_ok())
    {
        return;
    }

    let app = spawn_app().await;
    if let (AssetSource::Cdn, _) = fetch_page(&app).await {
        required("this build loads the playground from a CDN, which a test cannot reach", false);
        return;
    }

    let address = app.address.clone();
    let output = tokio::task::spawn_blocking(move || run_node(&script, &address, &chromium))
        .await
        .expect("the browser test's thread");
    let output: Value = serde_json::from_str(output.trim())
        .unwrap_or_else(|e| panic!("the browser script printed no JSON ({e}):\n{output}"));

    let result = &output["result"];
    assert!(result.get("errors").is_none(), "the query failed: {result}");
    let interviews = &result["data"]["interviews"];
    assert_eq!(interviews["totalCount"], 2, "{result}");
    let titles: Vec<&str> = interviews["nodes"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|node| node["title"].as_str())
        .collect();
    assert!(titles.contains(&"Manya Koetse: Pop Songs for Trustworthiness"), "{titles:?}");

    let requests: Vec<&str> =
        output["requests"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    assert!(requests.iter().any(|url| url.contains("/playground/graphiql.min.js")), "{requests:?}");
    let own = format!("{}/", app.address);
    assert!(own.starts_with("http://127.0.0.1:"), "{own}");
    for url in &requests {
        assert!(url.starts_with(&own), "the page requested {url}, which is not the app's ({own})");
    }
}

/// Runs the browser script to completion (or kills it after `BROWSER_TIMEOUT`); returns its stdout.
fn run_node(script: &Path, address: &str, chromium: &Path) -> String {
    let mut child = Command::new("node")
        .arg(script)
        .arg(address)
        .env("CHROMIUM", chromium)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start node");
    let read_all = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = read_all(Box::new(child.stdout.take().expect("stdout")));
    let stderr = read_all(Box::new(child.stderr.take().expect("stderr")));

    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for node") {
            break Some(status);
        }
        if started.elapsed() > BROWSER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    match status {
        Some(status) if status.success() => stdout,
        Some(status) => panic!("the browser script failed ({status}):\n{stderr}\n{stdout}"),
        None => panic!("the browser script took over {BROWSER_TIMEOUT:?}:\n{stderr}\n{stdout}"),
    }
}

#[tokio::test]
async fn the_playgrounds_default_query_runs() {
    let app = spawn_app().await;
    let data = app.data(scs_series::http::playground::DEFAULT_QUERY, Value::Null).await;
    let interviews = &data["interviews"];
    assert_eq!(interviews["totalCount"], 4, "{data}");
    let names = strings(&interviews["nodes"], "person/name");
    assert_eq!(names, ["Kaiser Kuo", "Manya Koetse", "Rogier Creemers", "Mirjam Meissner"], "{data}");
}
