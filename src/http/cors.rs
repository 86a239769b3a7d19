//! CORS: any web page may read the public API, but only the configured origins may send a
//! token (and so write). Written here rather than with tower-http's `CorsLayer`, which allows
//! the same request headers to every origin it admits: the point is to allow `Authorization`
//! to some origins and not to others.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;

/// Request headers every origin may send.
const PUBLIC_HEADERS: &str = "content-type, if-none-match, x-query-cost, x-request-id";
/// ... and the configured origins also `authorization`.
const TRUSTED_HEADERS: &str = "content-type, if-none-match, x-query-cost, x-request-id, authorization";

/// Answers preflights and marks every answer to a cross-origin request.
pub async fn cors(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(origin) = request.headers().get(header::ORIGIN).cloned() else {
        // Same-origin and non-browser answers lack the CORS headers: a shared cache must not
        // hand them to a cross-origin page.
        let mut response = next.run(request).await;
        vary_by_origin(response.headers_mut());
        return response;
    };
    let trusted = state.cors_origins.iter().any(|o| o.as_bytes() == origin.as_bytes());
    let allowed_origin = if trusted { origin } else { HeaderValue::from_static("*") };
    let preflight = request.method() == Method::OPTIONS
        && request.headers().contains_key(header::ACCESS_CONTROL_REQUEST_METHOD);
    let mut response = if preflight {
        let mut response = StatusCode::NO_CONTENT.into_response();
        let headers = response.headers_mut();
        headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
        let allowed = if trusted { TRUSTED_HEADERS } else { PUBLIC_HEADERS };
        headers.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static(allowed));
        headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        response
    } else {
        next.run(request).await
    };
    mark(response.headers_mut(), allowed_origin);
    response
}

fn mark(headers: &mut HeaderMap, allowed_origin: HeaderValue) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allowed_origin);
    headers.insert(header::ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("etag, x-request-id"));
    vary_by_origin(headers);
}

/// The answer depends on the origin: caches must keep one per origin.
fn vary_by_origin(headers: &mut HeaderMap) {
    let vary = match headers.get(header::VARY).and_then(|v| v.to_str().ok()) {
        Some(existing) if !existing.is_empty() => HeaderValue::from_str(&format!("{existing}, origin")).ok(),
        _ => None,
    };
    headers.insert(header::VARY, vary.unwrap_or(HeaderValue::from_static("origin")));
}
