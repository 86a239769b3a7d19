//! What the public API refuses and reveals: introspection and suggestions switches, content
//! types, caps on the request target and headers, readiness.

use scs_series::http::server::ServeOptions;
use scs_series::http::HttpConfig;
use serde_json::{json, Value};

use crate::helpers::*;

#[tokio::test]
async fn introspection_and_suggestions_can_be_switched_off() {
    let open = spawn_app().await;
    let body = open.query("{ evnts { totalCount } }", json!({})).await;
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("Did you mean")), "{body:#}");
    let data = open.data("{ __schema { queryType { name } } }", json!({})).await;
    assert_eq!(data["__schema"]["queryType"]["name"], "Root");

    let closed =
        spawn_app_with(HttpConfig { introspection: false, suggestions: false, ..HttpConfig::default() })
            .await;
    let body = closed.query("{ evnts { totalCount } }", json!({})).await;
    let message = body["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(message.contains("evnts") && !message.contains("Did you mean"), "{message}");
    let body = closed.query("{ __schema { queryType { name } } }", json!({})).await;
    assert_eq!(error_code(&body), "INTROSPECTION_DISABLED", "{body:#}");
    assert!(body.get("data").is_none_or(Value::is_null));
    let data = closed.data("{ __typename events { totalCount } }", json!({})).await;
    assert_eq!(data["events"]["totalCount"], 3, "queries still work");
}

#[tokio::test]
async fn a_post_may_say_it_is_graphql_response_json() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/graphql-response+json")
        .body(json!({ "query": "{ events { totalCount } }" }).to_string())
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["data"]["events"]["totalCount"], 3);
}

#[tokio::test]
async fn an_overlong_target_or_header_is_refused_with_its_status() {
    let defaults = HttpConfig::default();
    let app = spawn_app().await;
    let long = format!("{}/graphql?query={}", app.address, "%20".repeat(defaults.max_url_bytes / 3 + 10));
    let response = app.client.get(long).send().await.expect("sent");
    assert_eq!(response.status(), 414);
    assert_eq!(response.headers()["cache-control"], "no-store", "a refusal is never cached");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["errors"][0]["extensions"]["code"], "URI_TOO_LONG");
    let metrics = app.client.get(format!("{}/metrics", app.address)).send().await.expect("sent");
    let text = metrics.text().await.expect("text");
    assert!(text.lines().any(|l| l == r#"scs_limit_refusals_total{limit="url"} 1"#), "{text}");

    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("x-padding", "p".repeat(defaults.max_header_bytes))
        .json(&json!({ "query": "{ events { totalCount } }" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 431);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["errors"][0]["extensions"]["code"], "HEADERS_TOO_LARGE");
    let data = app.data("{ events { totalCount } }", json!({})).await;
    assert_eq!(data["events"]["totalCount"], 3, "the server answers right after");
}

#[tokio::test]
async fn the_size_caps_are_configurable() {
    let config = HttpConfig {
        max_body_bytes: 600,
        max_url_bytes: 300,
        max_header_bytes: 900,
        ..HttpConfig::default()
    };
    let app = spawn_app_with(config).await;
    let query = "{ events { totalCount } }";
    let padded = |n: usize| format!("{query}{}", " ".repeat(n));
    let get =
        |text: String| app.client.get(format!("{}/graphql", app.address)).query(&[("query", text)]).send();
    assert_eq!(get(padded(10)).await.expect("sent").status(), 200);
    let response = get(padded(400)).await.expect("sent");
    assert_eq!(response.status(), 414);
    let body: Value = response.json().await.expect("JSON");
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("300")), "{body}");

    let post = |text: String, padding: usize| {
        app.client
            .post(format!("{}/graphql", app.address))
            .header("x-padding", "p".repeat(padding))
            .json(&json!({ "query": text }))
            .send()
    };
    assert_eq!(post(padded(400), 10).await.expect("sent").status(), 200);
    let response = post(padded(700), 10).await.expect("sent");
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["errors"][0]["extensions"]["code"], "PAYLOAD_TOO_LARGE");
    assert!(body["errors"][0]["message"].as_str().is_some_and(|m| m.contains("600")), "{body}");
    let response = post(padded(10), 1000).await.expect("sent");
    assert_eq!(response.status(), 431);
    let data = app.data(query, json!({})).await;
    assert_eq!(data["events"]["totalCount"], 3, "the server answers right after");
}

#[tokio::test]
async fn headers_that_trickle_in_or_an_idle_connection_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let connections =
        ServeOptions { header_timeout: std::time::Duration::from_millis(300), ..ServeOptions::default() };
    let data_dir = tempfile::tempdir().expect("temp dir");
    let app = spawn_app_serving(data_dir, &seed_dir(), HttpConfig::default(), connections).await;
    let address = app.address.trim_start_matches("http://").to_string();
    let read_all = |mut stream: tokio::net::TcpStream| async move {
        let mut answer = Vec::new();
        let read = tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_end(&mut answer));
        (read.await.is_ok(), String::from_utf8_lossy(&answer).to_string())
    };

    // A slowloris: the request line and one header, then nothing.
    let mut slow = tokio::net::TcpStream::connect(&address).await.expect("connect");
    let started = std::time::Instant::now();
    slow.write_all(b"GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: x\r\n").await.expect("sent");
    let (closed, answer) = read_all(slow).await;
    assert!(closed, "the server closes the connection");
    assert_eq!(answer, "", "and runs nothing");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));

    // One byte of a request line (the start of an HTTP/2 preface, too), then nothing.
    let mut one_byte = tokio::net::TcpStream::connect(&address).await.expect("connect");
    one_byte.write_all(b"P").await.expect("sent");
    let (closed, _) = read_all(one_byte).await;
    assert!(closed, "a request line that stops after one byte is cut off");

    // A connection that never sends anything is closed too.
    let idle = tokio::net::TcpStream::connect(&address).await.expect("connect");
    let (closed, _) = read_all(idle).await;
    assert!(closed, "an idle connection is closed");

    // A whole request in time is answered; the connection, kept alive, is closed once idle.
    let mut prompt = tokio::net::TcpStream::connect(&address).await.expect("connect");
    prompt.write_all(b"GET /graphql?query=%7B__typename%7D HTTP/1.1\r\nHost: x\r\n\r\n").await.expect("sent");
    let (closed, answer) = read_all(prompt).await;
    assert!(closed, "an idle kept-alive connection is closed");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""__typename":"Root""#), "{answer}");
    let data = app.data("{ events { totalCount } }", json!({})).await;
    assert_eq!(data["events"]["totalCount"], 3, "everyone else is still served");
}

#[tokio::test]
async fn a_query_past_its_deadline_is_stopped_with_one_timeout_error() {
    // A deadline that has passed before any field starts: every query is stopped.
    let config = HttpConfig { query_timeout: std::time::Duration::from_nanos(1), ..HttpConfig::default() };
    let app = spawn_app_with(config).await;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": "{ events { totalCount nodes { title } } interviews { totalCount } }" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("etag").is_none(), "a stopped query is not cached");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["data"], Value::Null, "no partial data: {body:#}");
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "one error for the whole query: {body:#}");
    assert_eq!(errors[0]["extensions"]["code"], "TIMEOUT");
    assert_eq!(errors[0]["extensions"]["limit"], "queryTimeout");
    assert_eq!(errors[0]["extensions"]["max"], 0);

    // With the default deadline the same query runs.
    let app = spawn_app().await;
    let data =
        app.data("{ events { totalCount nodes { title } } interviews { totalCount } }", json!({})).await;
    assert_eq!(data["events"]["totalCount"], 3);
}

#[tokio::test]
async fn ready_says_the_store_is_open_and_the_seed_applied() {
    let app = spawn_app().await;
    let response = app.client.get(format!("{}/ready", app.address)).send().await.expect("sent");
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["status"], "ready");
    assert_eq!(body["revision"].as_u64(), Some(app.catalog.store().revision().expect("revision")));
    assert!(body["seedDigest"].as_str().is_some_and(|d| d.len() > 64));
}

#[tokio::test]
async fn every_request_gets_an_id_and_one_json_log_line_without_secrets() {
    let data = tempfile::tempdir().expect("temp dir");
    let store = data.path().join("store");
    let mut server =
        start_binary(&["--log-format".as_ref(), "json".as_ref(), "--data-dir".as_ref(), store.as_os_str()])
            .await;
    let client = reqwest::Client::new();
    let response = client
        .post(&server.url)
        .bearer_auth("scs_secret-token-value")
        .json(&json!({ "query": "query Named($y: Int) { events(year: $y) { totalCount } }", "variables": { "y": 2019 } }))
        .send()
        .await
        .expect("sent");
    let id = response.headers()["x-request-id"].to_str().expect("ascii").to_string();
    assert_eq!(id.len(), 36, "a UUID");
    let mine = client
        .get(format!("{}?query={{__typename}}", server.url))
        .header("x-request-id", "client-chosen-id")
        .send()
        .await
        .expect("sent");
    assert_eq!(mine.headers()["x-request-id"], "client-chosen-id", "a client's id is kept");
    let odd = client
        .get(format!("{}?query={{__typename}}", server.url))
        .header("x-request-id", "two words}")
        .send()
        .await
        .expect("sent");
    let replaced = odd.headers()["x-request-id"].to_str().expect("ascii");
    assert_eq!(replaced.len(), 36, "an id that is not a plain token is replaced by a UUID: {replaced}");

    let mut line = None;
    while line.is_none() {
        let next = tokio::time::timeout(std::time::Duration::from_secs(10), server.lines.recv()).await;
        let text = next.expect("a log line in time").expect("the server logs");
        assert!(
            !text.contains("secret-token-value") && !text.contains("2019"),
            "no token or variables: {text}"
        );
        let json: Value = serde_json::from_str(&text).expect("JSON log lines");
        if json["span"]["id"] == id.as_str() && json["fields"]["message"] == "answered" {
            line = Some(json);
        }
    }
    let line = line.expect("found");
    assert_eq!(line["fields"]["operation"], "Named");
    assert_eq!(line["fields"]["method"], "POST");
    assert_eq!(line["fields"]["path"], "/graphql");
    assert_eq!(line["fields"]["status"], 200);
    assert!(line["fields"]["ms"].as_f64().is_some());
}

#[tokio::test]
async fn a_body_that_trickles_in_is_cut_off_with_408() {
    use tokio::io::AsyncReadExt;
    let timeout = std::time::Duration::from_millis(300);
    let app = spawn_app_with(HttpConfig { request_timeout: timeout, ..HttpConfig::default() }).await;
    let address = app.address.trim_start_matches("http://").to_string();
    let body = r#"{"query":"{ events { totalCount } }"}"#;
    let mut stream = partial_post(&address, body, 5).await;
    let started = std::time::Instant::now();
    let mut answer = Vec::new();
    let read =
        tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(read.is_ok(), "the server does not wait forever");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("REQUEST_TIMEOUT"), "{answer}");
    assert!(answer.contains("cache-control: no-store"), "a refusal is never cached: {answer}");
    assert!(answer.contains("vary: origin"), "{answer}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let data = app.data("{ events { totalCount } }", json!({})).await;
    assert_eq!(data["events"]["totalCount"], 3, "everyone else is still served");
    let metrics = app.client.get(format!("{}/metrics", app.address)).send().await.expect("sent");
    let text = metrics.text().await.expect("text");
    assert!(text.lines().any(|l| l == r#"scs_limit_refusals_total{limit="time"} 1"#), "{text}");
}

#[tokio::test]
async fn batches_are_off_by_default_and_capped_when_on() {
    let send = |app: &TestApp, body: String| {
        let request =
            app.client.post(format!("{}/graphql", app.address)).header("content-type", "application/json");
        request.body(body).send()
    };
    let one = r#"{"query":"{ events { totalCount } }"}"#;
    let off = spawn_app().await;
    let response = send(&off, format!("[{one}]")).await.expect("sent");
    assert_eq!(response.status(), 400);

    let on = spawn_app_with(HttpConfig { max_batch: 2, ..HttpConfig::default() }).await;
    let two = format!(
        r#"[{one}, {{"query":"query($y: Int) {{ events(year: $y) {{ totalCount }} }}","variables":{{"y":2019}}}}]"#
    );
    let response = send(&on, two).await.expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let answers: Value = response.json().await.expect("JSON");
    assert_eq!(answers[0]["data"]["events"]["totalCount"], 3);
    assert_eq!(answers[1]["data"]["events"]["totalCount"], 1);

    let response = send(&on, format!("[{one}, {one}, {one}]")).await.expect("sent");
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["errors"][0]["extensions"]["code"], "BATCH_TOO_LARGE");
    let data = on.data("{ events { totalCount } }", json!({})).await;
    assert_eq!(data["events"]["totalCount"], 3);
}

#[tokio::test]
async fn the_playground_page_allows_only_its_own_scripts_and_no_framing() {
    use base64::Engine as _;
    use sha2::Digest as _;
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .header("accept", "text/html")
        .send()
        .await
        .expect("sent");
    let header = |name: &str| response.headers()[name].to_str().expect("ascii").to_string();
    let policy = header("content-security-policy");
    assert_eq!(header("x-content-type-options"), "nosniff");
    assert_eq!(header("referrer-policy"), "no-referrer");
    assert_eq!(header("x-frame-options"), "DENY");
    let page = response.text().await.expect("page");
    for part in ["default-src 'none'", "frame-ancestors 'none'", "connect-src 'self'", "base-uri 'none'"] {
        assert!(policy.contains(part), "{policy}");
    }
    assert!(
        !policy.split(';').any(|d| d.trim().starts_with("script-src") && d.contains("unsafe")),
        "{policy}"
    );
    // The page's one inline script is allowed by its hash, and nothing else inline is.
    let start = page.rfind("<script>").expect("inline script") + "<script>".len();
    let end = start + page[start..].find("</script>").expect("end");
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&page[start..end]));
    assert!(policy.contains(&format!("'sha256-{hash}'")), "{policy}");
}

#[tokio::test]
async fn any_page_may_read_but_only_configured_origins_may_send_a_token() {
    let trusted = "https://editor.example.org";
    let app =
        spawn_app_with(HttpConfig { cors_origins: vec![trusted.to_string()], ..HttpConfig::default() }).await;
    let url = format!("{}/graphql", app.address);
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, &url)
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type, authorization")
            .send()
    };
    let header = |r: &reqwest::Response, name: &str| {
        r.headers().get(name).map(|v| v.to_str().unwrap_or_default().to_string()).unwrap_or_default()
    };
    let other = preflight("https://elsewhere.example").await.expect("sent");
    assert_eq!(other.status(), 204);
    assert_eq!(header(&other, "access-control-allow-origin"), "*");
    assert!(header(&other, "access-control-allow-headers").contains("content-type"));
    assert!(
        !header(&other, "access-control-allow-headers").contains("authorization"),
        "no token from other pages"
    );
    assert!(header(&other, "vary").contains("origin"));
    let editor = preflight(trusted).await.expect("sent");
    assert_eq!(header(&editor, "access-control-allow-origin"), trusted);
    assert!(header(&editor, "access-control-allow-headers").contains("authorization"));

    let read = app
        .client
        .post(&url)
        .header("origin", "https://elsewhere.example")
        .json(&json!({ "query": "{ events { totalCount } }" }))
        .send()
        .await
        .expect("sent");
    assert_eq!(header(&read, "access-control-allow-origin"), "*");
    assert!(header(&read, "access-control-expose-headers").contains("etag"));
    assert!(header(&read, "vary").contains("origin"));
    let body: Value = read.json().await.expect("JSON");
    assert_eq!(body["data"]["events"]["totalCount"], 3);
}

#[tokio::test]
async fn clients_over_their_rate_get_429_and_forged_forwarded_for_does_not_help() {
    use scs_series::http::ratelimit::RateConfig;
    let rate = RateConfig { per_ip: 1, per_token: 1, trusted_proxies: Vec::new() };
    let app = spawn_app_with(HttpConfig { rate, ..HttpConfig::default() }).await;
    let url = format!("{}/graphql?query={{__typename}}", app.address);
    let get = |forwarded: &'static str| app.client.get(&url).header("x-forwarded-for", forwarded).send();
    // A burst of two passes; the third is refused, whatever X-Forwarded-For says.
    for forwarded in ["1.1.1.1", "2.2.2.2"] {
        assert_eq!(get(forwarded).await.expect("sent").status(), 200);
    }
    let refused = get("3.3.3.3").await.expect("sent");
    assert_eq!(refused.status(), 429);
    let retry: u64 = refused.headers()["retry-after"].to_str().expect("ascii").parse().expect("seconds");
    assert!((1..=2).contains(&retry), "{retry}");
    assert_eq!(refused.headers()["cache-control"], "no-store", "a refusal is never cached");
    let body: Value = refused.json().await.expect("JSON");
    assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");

    // Behind a trusted proxy, each forwarded client has its own allowance.
    let rate =
        RateConfig { per_ip: 1, per_token: 0, trusted_proxies: vec!["127.0.0.1".parse().expect("ip")] };
    let proxied = spawn_app_with(HttpConfig { rate, ..HttpConfig::default() }).await;
    let url = format!("{}/graphql?query={{__typename}}", proxied.address);
    let get = |forwarded: &'static str| proxied.client.get(&url).header("x-forwarded-for", forwarded).send();
    for _ in 0..2 {
        assert_eq!(get("10.0.0.1").await.expect("sent").status(), 200);
    }
    assert_eq!(get("10.0.0.1").await.expect("sent").status(), 429);
    assert_eq!(get("10.0.0.2, 127.0.0.1").await.expect("sent").status(), 200, "another client");
}

#[tokio::test]
async fn a_token_has_its_own_rate() {
    use scs_series::http::ratelimit::RateConfig;
    let rate = RateConfig { per_ip: 0, per_token: 1, trusted_proxies: Vec::new() };
    let app = spawn_app_with(HttpConfig { rate, ..HttpConfig::default() }).await;
    let url = format!("{}/graphql", app.address);
    let post = |token: &'static str| {
        app.client.post(&url).bearer_auth(token).json(&json!({ "query": "{ __typename }" })).send()
    };
    for _ in 0..2 {
        assert_eq!(post("scs_one").await.expect("sent").status(), 200);
    }
    assert_eq!(post("scs_one").await.expect("sent").status(), 429);
    assert_eq!(post("scs_two").await.expect("sent").status(), 200, "another token");
    let anonymous =
        app.client.post(&url).json(&json!({ "query": "{ __typename }" })).send().await.expect("sent");
    assert_eq!(anonymous.status(), 200, "no per-IP limit here");
    // Refusals are counted like any other answer.
    let metrics = app.client.get(format!("{}/metrics", app.address)).send().await.expect("sent");
    let text = metrics.text().await.expect("text");
    for line in [r#"scs_limit_refusals_total{limit="rate"} 1"#, r#"scs_errors_total{code="RATE_LIMITED"} 1"#]
    {
        assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
    }
}

#[tokio::test]
async fn metrics_count_requests_errors_refusals_and_the_store() {
    let app = spawn_app().await;
    app.data("query Named { events { totalCount } }", json!({})).await;
    let aliases: String = (0..51).map(|i| format!("a{i}: __typename ")).collect();
    app.query(&format!("query Greedy {{ {aliases} }}"), json!({})).await;
    // An anonymous operation is counted as `-`, other answers by their route.
    app.data("{ events { totalCount } }", json!({})).await;
    let health = app.client.get(format!("{}/health", app.address)).send().await.expect("sent");
    assert_eq!(health.status(), 200);
    let lost = app.client.get(format!("{}/no/such/route", app.address)).send().await.expect("sent");
    assert_eq!(lost.status(), 404);
    let response = app.client.get(format!("{}/metrics", app.address)).send().await.expect("sent");
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().is_ok_and(|t| t.starts_with("text/plain")));
    let text = response.text().await.expect("text");
    for line in [
        r#"scs_http_requests_total{operation="Named",status="200"} 1"#,
        r#"scs_http_requests_total{operation="Greedy",status="200"} 1"#,
        r#"scs_errors_total{code="QUERY_TOO_COMPLEX"} 1"#,
        r#"scs_limit_refusals_total{limit="aliases"} 1"#,
        r#"scs_http_request_duration_seconds_count{operation="Named"} 1"#,
        r#"scs_http_requests_total{operation="-",status="200"} 1"#,
        r#"scs_http_requests_total{operation="/health",status="200"} 1"#,
        r#"scs_http_requests_total{operation="unmatched",status="404"} 1"#,
    ] {
        assert!(text.lines().any(|l| l == line), "{line} in:\n{text}");
    }
    let revision = app.catalog.store().revision().expect("revision");
    assert!(text.lines().any(|l| l == format!("scs_store_revision {revision}")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("scs_store_entities ") && !l.ends_with(" 0")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("scs_store_size_bytes ")), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn normal_requests_succeed_among_thousands_of_abusive_ones() {
    use scs_series::http::ratelimit::RateConfig;
    // Rate limits off: this is about the other defences not starving anyone.
    let rate = RateConfig { per_ip: 0, per_token: 0, trusted_proxies: Vec::new() };
    // The default header timeout (10 s): the test's own 3,000 clients share the two cores with
    // the server, and a shorter one could close a connection before its starved client writes.
    let app = spawn_app_with(HttpConfig { rate, ..HttpConfig::default() }).await;
    let url = format!("{}/graphql", app.address);
    let aliases: String = (0..60).map(|i| format!("a{i}: __typename ")).collect();
    let level = "contents(first: 1) { nodes { people { person { ";
    let deep =
        format!("{{ person(slug: \"kaiser-kuo\") {{ {} name {} }} }}", level.repeat(7), "} } } } ".repeat(7));
    let abusive: Vec<(String, &str)> = vec![
        (json!({ "query": format!("{{ {aliases} }}") }).to_string(), "application/json"),
        (json!({ "query": deep }).to_string(), "application/json"),
        ("{not json".to_string(), "application/json"),
        (json!({ "query": "{ series { title } }" }).to_string(), "text/plain"),
        (format!("[{}]", json!({ "query": "{ __typename }" })), "application/json"),
        (json!({ "query": "{ a".repeat(3000) }).to_string(), "application/json"),
    ];
    // And 200 connections that send half a request head and then hold on.
    let address = app.address.trim_start_matches("http://").to_string();
    let mut slowloris = Vec::new();
    for _ in 0..200 {
        use tokio::io::AsyncWriteExt;
        let mut stream = tokio::net::TcpStream::connect(&address).await.expect("connect");
        stream.write_all(b"POST /graphql HTTP/1.1\r\nHost: x\r\nX-Slow: ").await.expect("sent");
        slowloris.push(stream);
    }
    // Idle connections are closed after the header timeout: a client keeps them for less, or
    // it may send a request on one the server is closing.
    let client = reqwest::Client::builder()
        .pool_idle_timeout(std::time::Duration::from_secs(1))
        .build()
        .expect("client");
    let tasks: Vec<_> = (0..3000)
        .map(|i| {
            let (client, url) = (client.clone(), url.clone());
            let abuse = (i % 3 != 0).then(|| abusive[i % abusive.len()].clone());
            tokio::spawn(async move {
                match abuse {
                    Some((body, content_type)) => {
                        let sent =
                            client.post(&url).header("content-type", content_type).body(body).send().await;
                        sent.map(|r| r.status().as_u16() != 500).unwrap_or(false)
                    }
                    None => {
                        let body =
                            post_graphql(&client, &url, "", "{ events { totalCount } }", json!({})).await;
                        body["data"]["events"]["totalCount"] == 3
                    }
                }
            })
        })
        .collect();
    let mut failed = 0;
    for task in tasks {
        if !task.await.expect("task") {
            failed += 1;
        }
    }
    assert_eq!(failed, 0, "every normal request answered, every abusive one refused without a 500");
    for mut stream in slowloris {
        use tokio::io::AsyncReadExt;
        let mut answer = Vec::new();
        let read = tokio::time::timeout(std::time::Duration::from_secs(30), stream.read_to_end(&mut answer));
        assert!(read.await.is_ok(), "every slowloris connection is cut off");
    }
}

/// The flags reach the server: a binary started with them behaves as they say.
#[tokio::test]
async fn the_command_line_flags_take_effect() {
    let data = tempfile::tempdir().expect("temp dir");
    let store = data.path().join("store");
    let args: Vec<&std::ffi::OsStr> = vec![
        "--data-dir".as_ref(),
        store.as_os_str(),
        "--max-aliases".as_ref(),
        "2".as_ref(),
        "--introspection".as_ref(),
        "false".as_ref(),
        "--max-batch".as_ref(),
        "2".as_ref(),
        "--rate-limit".as_ref(),
        "3".as_ref(),
        "--cors-origins".as_ref(),
        "https://editor.example.org".as_ref(),
    ];
    let server = start_binary(&args).await;
    let client = reqwest::Client::new();
    let body =
        post_graphql(&client, &server.url, "", "{ a: __typename b: __typename c: __typename }", json!({}))
            .await;
    assert_eq!(body["errors"][0]["extensions"]["max"], 2, "{body:#}");
    let body = post_graphql(&client, &server.url, "", "{ __schema { queryType { name } } }", json!({})).await;
    assert_eq!(error_code(&body), "INTROSPECTION_DISABLED");
    let batch = client
        .post(&server.url)
        .header("content-type", "application/json")
        .header("origin", "https://editor.example.org")
        .body(r#"[{"query":"{ __typename }"}]"#)
        .send()
        .await
        .expect("sent");
    assert_eq!(batch.status(), 200);
    assert_eq!(batch.headers()["access-control-allow-origin"], "https://editor.example.org");
    // Three a second from one IP, bursts of six: a few more quick ones and one is refused, with
    // the CORS headers a page needs to read the refusal.
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let response = client
            .post(&server.url)
            .header("origin", "https://elsewhere.example")
            .json(&json!({ "query": "{ __typename }" }))
            .send()
            .await
            .expect("sent");
        if response.status() == 429 {
            assert_eq!(response.headers()["access-control-allow-origin"], "*");
        }
        statuses.push(response.status().as_u16());
    }
    assert!(statuses.contains(&429), "{statuses:?}");
}

/// `--config FILE` sets flags; the environment wins over it, and the command line over both.
#[tokio::test]
async fn a_config_file_sets_flags_below_the_environment_and_the_command_line() {
    let data = tempfile::tempdir().expect("temp dir");
    let store = data.path().join("store");
    let file = data.path().join("scs.toml");
    let settings = r#"
max-aliases = 2
max-batch = 2
introspection = false
cors-origins = ["https://editor.example.org", "https://desk.example.org"]
request_timeout = "20s"
"#;
    std::fs::write(&file, settings).expect("written");
    let args: Vec<&std::ffi::OsStr> = vec![
        "--data-dir".as_ref(),
        store.as_os_str(),
        "--config".as_ref(),
        file.as_os_str(),
        "--introspection".as_ref(),
        "true".as_ref(),
    ];
    let env = [("SCS_MAX_BATCH", "1"), ("SCS_INTROSPECTION", "false")];
    let server = start_binary_with_env(&args, &env).await;
    let client = reqwest::Client::new();
    let three_aliases = "{ a: __typename b: __typename c: __typename }";
    let body = post_graphql(&client, &server.url, "", three_aliases, json!({})).await;
    assert_eq!(body["errors"][0]["extensions"]["max"], 2, "the file's max-aliases: {body:#}");
    let body = post_graphql(&client, &server.url, "", "{ __schema { queryType { name } } }", json!({})).await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Root", "the flag wins: {body:#}");
    let batch = |n: usize| {
        let operations = vec![json!({ "query": "{ __typename }" }); n];
        client.post(&server.url).header("origin", "https://desk.example.org").json(&operations).send()
    };
    let response = batch(1).await.expect("sent");
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://desk.example.org",
        "the file's list"
    );
    assert_eq!(batch(2).await.expect("sent").status(), 400, "SCS_MAX_BATCH wins over the file");
    drop(server);

    // Other commands take the keys they have flags for and pass over serve's.
    let offline =
        format!("max-depth = 30\nlog-format = \"text\"\ndata-dir = {:?}\n", store.display().to_string());
    std::fs::write(&file, offline).expect("written");
    let (ok, stdout) = run_binary(&["check-store".as_ref(), "--config".as_ref(), file.as_os_str()]);
    assert!(ok && stdout.contains("ok"), "check-store reads data-dir from the file: {stdout}");

    // A key that is no setting, or a value its flag refuses, stops the start with the file's name.
    for (settings, expected) in
        [("max-alias = 3", "`max-alias` is not a setting"), ("rate-limit = \"x\"", "--rate-limit")]
    {
        std::fs::write(&file, settings).expect("written");
        let out = std::process::Command::new(binary())
            .args(["serve", "--config"])
            .arg(&file)
            .args(["--data-dir"])
            .arg(&store)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success());
        assert!(stderr.contains("scs.toml") && stderr.contains(expected), "{stderr}");
        assert!(!stderr.contains("error: error"), "{stderr}");
    }
}
