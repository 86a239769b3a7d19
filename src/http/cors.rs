//! CORS: any web page may read the public API, but only the configured origins may send a
//! token (and so write). Written here rather than with tower-http's `CorsLayer`, which allows
//! the same request headers to every origin it admits: the point is to allow `Authorization`
//! to some origins and not to others.

use axum::extract::Request;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AppState;

/// Request headers every origin may send.
const PUBLIC_HEADERS: &str = "content-type, if-none-match, x-query-cost, x-request-id";
/// ... and the configured origins also `authorization`.
const TRUSTED_HEADERS: &str = "content-type, if-none-match, x-query-cost, x-request-id, authorization";

/// The answer to a CORS preflight (`OPTIONS` with `Access-Control-Request-Method`), if
/// `request` is one.
pub fn preflight(state: &AppState, request: &Request) -> Option<Response> {
    let origin = request.headers().get(header::ORIGIN)?;
    if request.method() != Method::OPTIONS
        || !request.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        return None;
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    let headers = response.headers_mut();
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
    let allowed = if is_trusted(state, origin) { TRUSTED_HEADERS } else { PUBLIC_HEADERS };
    headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(allowed));
    headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    Some(response)
}

/// Marks an answer to a request from `origin` (`None`: same-origin or not a browser).
pub fn mark_answer(state: &AppState, origin: Option<HeaderValue>, headers: &mut HeaderMap) {
    match origin {
        Some(origin) => {
            let allowed_origin =
                if is_trusted(state, &origin) { origin } else { HeaderValue::from_static("*") };
            mark(headers, allowed_origin);
        }
        // Same-origin and non-browser answers lack the CORS headers: a shared cache must not
        // hand them to a cross-origin page.
        None => vary_by_origin(headers),
    }
}

fn is_trusted(state: &AppState, origin: &HeaderValue) -> bool {
    state.cors_origins.iter().any(|o| o.as_bytes() == origin.as_bytes())
}

fn mark(headers: &mut HeaderMap, allowed_origin: HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed_origin);
    headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("etag, x-request-id"));
    vary_by_origin(headers);
}

/// The answer depends on the origin: caches must keep one per origin.
fn vary_by_origin(headers: &mut HeaderMap) {
    let vary = match headers.get(header::VARY).and_then(|v| v.to_str().ok()) {
        // What every cacheable answer has: no formatting for it.
        Some("accept-encoding") => Some(HeaderValue::from_static("accept-encoding, origin")),
        Some(existing) if !existing.is_empty() => HeaderValue::from_str(&format!("{existing}, origin")).ok(),
        _ => None,
    };
    headers.insert(header::VARY, vary.unwrap_or(HeaderValue::from_static("origin")));
}
