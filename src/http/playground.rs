//! The GraphiQL playground that browsers get on `GET /graphql`.
//!
//! Its third-party assets (GraphiQL, React, ReactDOM), pinned by `playground/package.json`, are
//! embedded in the binary by `build.rs` when npm was available at build time, and served
//! under `/playground/`; the page then needs no other host. Otherwise the page loads the same
//! pinned versions from a CDN, with Subresource Integrity hashes.

use std::fmt::Write as _;
use std::sync::LazyLock;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use sha2::{Digest, Sha256};

/// The query the editor opens with (until the user has one of their own, which GraphiQL keeps
/// in the browser's local storage).
pub const DEFAULT_QUERY: &str = r#"# The 2018 interview series of "China's Social Credit System", in series order.
# Run with Ctrl-Enter or ▶; the docs are at the top left.
{
  interviews(category: SERIES, year: 2018) {
    totalCount
    nodes {
      quote
      affiliation
      person {
        name
      }
      series {
        position
      }
    }
  }
}
"#;

/// Path prefix of the assets' routes.
const ASSET_PREFIX: &str = "/playground/";

/// The assets' contents never change at a given URL: the page adds their hash to it.
const CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

const TEMPLATE: &str = include_str!("playground.html");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum AssetKind {
    Script,
    Stylesheet,
}

impl AssetKind {
    fn content_type(self) -> &'static str {
        match self {
            AssetKind::Script => "text/javascript; charset=utf-8",
            AssetKind::Stylesheet => "text/css; charset=utf-8",
        }
    }
}

/// One file that the page loads.
#[derive(Debug)]
struct Asset {
    /// File name, served at `/playground/{name}`.
    name: &'static str,
    kind: AssetKind,
    /// The same file of the same pinned version on the CDN.
    cdn_url: &'static str,
    /// Its Subresource Integrity hash (`sha384-…`).
    integrity: &'static str,
    /// Its contents, when embedded.
    bytes: Option<&'static [u8]>,
}

mod generated {
    use super::{Asset, AssetKind};

    include!(concat!(env!("OUT_DIR"), "/playground_assets.rs"));
}

use generated::ASSETS;

/// Whether the playground's assets are embedded or loaded from a CDN (logged at start-up).
pub fn assets_are_embedded() -> bool {
    cfg!(playground_embedded)
}

/// Whether `path` is the route of an embedded asset.
pub(crate) fn is_asset_route(path: &str) -> bool {
    path.strip_prefix(ASSET_PREFIX)
        .is_some_and(|name| ASSETS.iter().any(|asset| asset.bytes.is_some() && asset.name == name))
}

/// Routes for the playground's static assets under `/playground/` (e.g.
/// `/playground/graphiql.min.js`), with correct Content-Type, a strong ETag and
/// `Cache-Control: public, max-age=31536000, immutable`. Empty when the assets aren't embedded.
pub fn asset_routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    let mut router = Router::new();
    for (index, asset) in ASSETS.iter().enumerate() {
        if let Some(bytes) = asset.bytes {
            let handler = move |headers: HeaderMap| async move { serve(asset, bytes, index, &headers) };
            router = router.route(&format!("{ASSET_PREFIX}{}", asset.name), get(handler));
        }
    }
    router
}

/// The GraphiQL HTML page, talking to `endpoint` (e.g. "/graphql"), loading assets from
/// `/playground/...` when embedded and from the CDN (with SRI) otherwise.
pub fn page(endpoint: &str) -> Html<String> {
    let mut stylesheets = String::new();
    let mut scripts = String::new();
    for (index, asset) in ASSETS.iter().enumerate() {
        let (src, attributes) = match asset.bytes {
            Some(_) => (format!("{ASSET_PREFIX}{}?v={}", asset.name, short_hash(index)), String::new()),
            None => (
                asset.cdn_url.to_owned(),
                format!(
                    r#" integrity="{}" crossorigin="anonymous" referrerpolicy="no-referrer""#,
                    asset.integrity
                ),
            ),
        };
        // Writing to a String cannot fail.
        let _ = match asset.kind {
            AssetKind::Stylesheet => {
                writeln!(stylesheets, r#"    <link rel="stylesheet" href="{src}"{attributes}>"#)
            }
            AssetKind::Script => {
                writeln!(scripts, r#"    <script src="{src}"{attributes}></script>"#)
            }
        };
    }
    let source = if assets_are_embedded() { "embedded" } else { "cdn" };
    // The endpoint goes in last, so that nothing in it is taken for a placeholder.
    Html(
        TEMPLATE
            .replace("{{ASSET_SOURCE}}", source)
            .replace("{{STYLESHEETS}}\n", &stylesheets)
            .replace("{{SCRIPTS}}\n", &scripts)
            .replace("{{DEFAULT_QUERY_JSON}}", &js_string(DEFAULT_QUERY))
            .replace("{{ENDPOINT_JSON}}", &js_string(endpoint)),
    )
}

/// The playground page with its security headers: a Content-Security-Policy that lets the page
/// load only this server's assets (or, when they are not embedded, the pinned CDN files) and
/// run only its own inline script, by hash; no framing, no type sniffing, no referrer.
pub fn response(endpoint: &str) -> Response {
    let Html(page) = page(endpoint);
    let policy = content_security_policy(&page);
    let mut response = Html(page).into_response();
    let headers = response.headers_mut();
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}

/// The policy for `page`: its last inline `<script>` (the one that starts GraphiQL) is allowed
/// by its SHA-256; styles may be inline (GraphiQL sets them as it renders).
fn content_security_policy(page: &str) -> String {
    use base64::Engine as _;
    let inline = page
        .rfind("<script>")
        .and_then(|start| page.get(start + "<script>".len()..))
        .and_then(|rest| rest.find("</script>").and_then(|end| rest.get(..end)))
        .unwrap_or_default();
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(inline.as_bytes()));
    let mut cdn = String::new();
    if !assets_are_embedded() {
        for asset in ASSETS {
            let origin: String = asset.cdn_url.split('/').take(3).collect::<Vec<_>>().join("/");
            if !cdn.contains(&origin) {
                cdn.push(' ');
                cdn.push_str(&origin);
            }
        }
    }
    format!(
        "default-src 'none'; script-src 'self' 'sha256-{hash}'{cdn}; style-src 'self' 'unsafe-inline'{cdn}; \
         img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; \
         base-uri 'none'; form-action 'none'"
    )
}

/// An embedded asset's response: 304 when the client has it already.
fn serve(asset: &Asset, bytes: &'static [u8], index: usize, request: &HeaderMap) -> Response {
    let etag = ETAGS.get(index).and_then(Option::as_ref);
    let not_modified = match (etag, request.get(header::IF_NONE_MATCH)) {
        (Some(etag), Some(condition)) => etag_matches(condition.as_bytes(), etag.as_bytes()),
        _ => false,
    };
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = bytes.into_response();
        response
            .headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.kind.content_type()));
        response
    };
    let headers = response.headers_mut();
    if let Some(etag) = etag {
        headers.insert(header::ETAG, etag.clone());
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    response
}

/// Hex SHA-256 of each embedded asset (None for the others), by index in `ASSETS`.
static HASHES: LazyLock<Vec<Option<String>>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|asset| {
            asset.bytes.map(|bytes| {
                Sha256::digest(bytes).iter().fold(String::with_capacity(64), |mut hex, byte| {
                    let _ = write!(hex, "{byte:02x}");
                    hex
                })
            })
        })
        .collect()
});

/// Strong ETag of each embedded asset: a hash of its bytes.
static ETAGS: LazyLock<Vec<Option<HeaderValue>>> = LazyLock::new(|| {
    HASHES
        .iter()
        .map(|hash| {
            hash.as_ref().and_then(|hash| HeaderValue::from_str(&format!("\"{}\"", &hash[..32])).ok())
        })
        .collect()
});

/// A short hash of an asset's bytes, to make its URL change with its contents.
fn short_hash(index: usize) -> &'static str {
    match HASHES.get(index) {
        Some(Some(hash)) => &hash[..12],
        _ => "",
    }
}

/// Whether an `If-None-Match` header value matches `etag` (weak comparison, RFC 9110 13.1.2).
fn etag_matches(condition: &[u8], etag: &[u8]) -> bool {
    let strip_weak = |tag: &[u8]| -> Vec<u8> {
        let tag = tag.trim_ascii();
        tag.strip_prefix(b"W/").unwrap_or(tag).to_vec()
    };
    if condition.trim_ascii() == b"*" {
        return true;
    }
    let etag = strip_weak(etag);
    condition.split(|&b| b == b',').any(|tag| strip_weak(tag) == etag)
}

/// A JavaScript string literal for `value`, safe inside an HTML `<script>` element.
fn js_string(value: &str) -> String {
    let mut literal = String::with_capacity(value.len() + 2);
    literal.push('"');
    for c in value.chars() {
        match c {
            '"' => literal.push_str("\\\""),
            '\\' => literal.push_str("\\\\"),
            '\n' => literal.push_str("\\n"),
            '\r' => literal.push_str("\\r"),
            '\t' => literal.push_str("\\t"),
            '<' | '>' | '&' | '\'' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(literal, "\\u{:04x}", u32::from(c));
            }
            c if c.is_control() => {
                let _ = write!(literal, "\\u{:04x}", u32::from(c));
            }
            c => literal.push(c),
        }
    }
    literal.push('"');
    literal
}

#[cfg(test)]
mod tests {
    use super::*;

    fn html(endpoint: &str) -> String {
        page(endpoint).0
    }

    /// The `src`/`href` of every script and stylesheet element in the page.
    fn asset_urls(page: &str) -> Vec<String> {
        let mut urls = Vec::new();
        for marker in ["<script src=\"", "<link rel=\"stylesheet\" href=\""] {
            for (start, _) in page.match_indices(marker) {
                let rest = &page[start + marker.len()..];
                if let Some(end) = rest.find('"') {
                    urls.push(rest[..end].to_owned());
                }
            }
        }
        urls
    }

    #[test]
    fn page_talks_to_the_endpoint() {
        let page = html("/graphql");
        assert!(page.contains(r#"var endpoint = "/graphql";"#), "{page}");
        assert!(page.starts_with("<!doctype html>"));
        assert!(!page.contains("{{"), "a placeholder was left in the page");
    }

    #[test]
    fn page_opens_with_the_default_query() {
        let page = html("/graphql");
        assert!(page.contains(&js_string(DEFAULT_QUERY)));
        assert!(DEFAULT_QUERY.contains("interviews(category: SERIES, year: 2018)"));
    }

    #[test]
    fn endpoint_cannot_break_out_of_the_script() {
        let page = html("</script><script>alert('x')</script>\"{{SCRIPTS}}");
        assert!(!page.contains("</script><script>alert"));
        assert!(page.contains(
            r#""\u003c/script\u003e\u003cscript\u003ealert(\u0027x\u0027)\u003c/script\u003e\"{{SCRIPTS}}""#
        ));
    }

    #[test]
    fn page_says_where_its_assets_come_from() {
        let page = html("/graphql");
        let marker = if assets_are_embedded() { "embedded" } else { "cdn" };
        assert!(page.contains(&format!(r#"<meta name="scs-playground-assets" content="{marker}">"#)));
    }

    #[test]
    fn page_loads_every_asset_once_styles_first_and_graphiql_last() {
        let page = html("/graphql");
        let urls = asset_urls(&page);
        assert_eq!(urls.len(), ASSETS.len(), "{urls:?}");
        for asset in ASSETS {
            assert_eq!(
                urls.iter().filter(|url| url.contains(&format!("/{}", asset.name))).count(),
                1,
                "{} in {urls:?}",
                asset.name
            );
        }
        let position = |needle: &str| page.find(needle).unwrap_or(usize::MAX);
        assert!(position("graphiql.min.css") < position("react.production.min.js"));
        assert!(position("react.production.min.js") < position("react-dom.production.min.js"));
        assert!(position("react-dom.production.min.js") < position("graphiql.min.js"));
        assert!(position("graphiql.min.js") < position("var endpoint"));
    }

    #[test]
    fn embedded_flag_matches_the_generated_table() {
        assert!(!ASSETS.is_empty());
        for asset in ASSETS {
            assert_eq!(asset.bytes.is_some(), assets_are_embedded(), "{}", asset.name);
            assert!(asset.integrity.starts_with("sha384-"));
            assert!(asset.cdn_url.starts_with("https://"));
            assert!(asset.cdn_url.ends_with(&format!("/{}", asset.name)));
        }
    }

    #[test]
    fn etag_conditions() {
        assert!(etag_matches(b"\"abc\"", b"\"abc\""));
        assert!(etag_matches(b"W/\"abc\"", b"\"abc\""));
        assert!(etag_matches(b"\"x\", \"abc\"", b"\"abc\""));
        assert!(etag_matches(b" * ", b"\"abc\""));
        assert!(!etag_matches(b"\"abd\"", b"\"abc\""));
        assert!(!etag_matches(b"", b"\"abc\""));
    }

    #[test]
    fn js_strings_are_escaped() {
        assert_eq!(js_string("a\"b\\c\nd"), r#""a\"b\\c\nd""#);
        assert_eq!(js_string("<&>"), r#""\u003c\u0026\u003e""#);
        assert_eq!(js_string("\u{1}\u{2028}"), r#""\u0001\u2028""#);
        assert_eq!(js_string("▶ é"), "\"▶ é\"");
    }

    #[cfg(playground_embedded)]
    mod embedded {
        use super::*;
        use base64::Engine as _;
        use sha2::Sha384;

        #[test]
        fn page_references_no_other_host() {
            let page = html("/graphql");
            assert!(!page.contains("http:"), "{page}");
            assert!(!page.contains("https:"), "{page}");
            assert!(!page.contains("//"), "{page}");
            for url in asset_urls(&page) {
                assert!(url.starts_with(ASSET_PREFIX), "{url}");
                assert!(url.contains("?v="), "{url}");
            }
        }

        #[test]
        fn embedded_bytes_are_the_files_whose_integrity_the_cdn_page_checks() {
            for asset in ASSETS {
                let bytes = asset.bytes.unwrap_or_default();
                let digest = base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes));
                assert_eq!(format!("sha384-{digest}"), asset.integrity, "{}", asset.name);
            }
        }

        #[test]
        fn assets_are_served_with_type_etag_and_cache_headers() {
            for (index, asset) in ASSETS.iter().enumerate() {
                let bytes = asset.bytes.unwrap_or_default();
                assert!(bytes.len() > 10_000, "{} is only {} bytes", asset.name, bytes.len());
                let response = serve(asset, bytes, index, &HeaderMap::new());
                assert_eq!(response.status(), StatusCode::OK);
                let headers = response.headers();
                assert_eq!(headers[header::CONTENT_TYPE], asset.kind.content_type());
                assert_eq!(headers[header::CACHE_CONTROL], CACHE_CONTROL);
                let etag = headers[header::ETAG].clone();
                assert_eq!(etag.len(), 34);
                assert!(!etag.as_bytes().starts_with(b"W/"));

                let mut conditional = HeaderMap::new();
                conditional.insert(header::IF_NONE_MATCH, etag.clone());
                let response = serve(asset, bytes, index, &conditional);
                assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
                assert_eq!(response.headers()[header::ETAG], etag);
                assert_eq!(response.headers()[header::CACHE_CONTROL], CACHE_CONTROL);
            }
        }

        #[test]
        fn asset_routes_can_be_built() {
            let _: Router<()> = asset_routes();
        }
    }

    #[cfg(not(playground_embedded))]
    mod cdn {
        use super::*;

        #[test]
        fn page_loads_pinned_assets_with_subresource_integrity() {
            let page = html("/graphql");
            for asset in ASSETS {
                assert!(page.contains(&format!(
                    r#""{}" integrity="{}" crossorigin="anonymous""#,
                    asset.cdn_url, asset.integrity
                )));
            }
            assert!(!page.contains(ASSET_PREFIX));
        }
    }
}
