//! What every request passes through, in one middleware: CORS, the caps on the request head,
//! the rate limit, the request deadline, the metrics, and `no-store` on errors.
//!
//! One layer rather than six, because axum clones and boxes every layer for every request: as
//! separate layers these cost a cached answer a fifth of its CPU.

use std::time::Instant;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use super::caching::NO_STORE;
use super::{cors, error, metrics, ratelimit, AppState};

pub async fn gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = metrics::route(&request);
    let origin = request.headers().get(header::ORIGIN).cloned();
    // Refusals come before the handler and still get the CORS headers, so that a page of
    // another origin can read a 408, 413, 414, 429 or 431.
    let refusal = cors::preflight(&state, &request)
        .or_else(|| head_refusal(&state, &request))
        .or_else(|| ratelimit::refusal(&state, &request));
    let mut response = match refusal {
        Some(refusal) => refusal,
        None => within_deadline(&state, next.run(request)).await,
    };
    metrics::record(&state.metrics, route, started, &response);
    cors::mark_answer(&state, origin, response.headers_mut());
    let status = response.status();
    if (status.is_client_error() || status.is_server_error())
        && !response.headers().contains_key(header::CACHE_CONTROL)
    {
        response.headers_mut().insert(header::CACHE_CONTROL, NO_STORE);
    }
    response
}

/// The answer, or 408 if it is not ready within the deadline: a body that trickles in (a
/// slowloris), or anything else that keeps a connection busy that long.
async fn within_deadline(state: &AppState, answer: impl std::future::Future<Output = Response>) -> Response {
    let limit = state.request_timeout;
    match tokio::time::timeout(limit, answer).await {
        Ok(response) => response,
        Err(_) => {
            let message =
                format!("the request was not received and answered within {} s", limit.as_secs_f64());
            error(StatusCode::REQUEST_TIMEOUT, "REQUEST_TIMEOUT", &message)
        }
    }
}

/// The refusal of a request whose target or headers are over the caps.
fn head_refusal(state: &AppState, request: &Request) -> Option<Response> {
    let target = request.uri().path_and_query().map_or(0, |p| p.as_str().len());
    if target > state.max_url_bytes {
        let message =
            format!("the request target is {target} bytes; the most accepted is {}", state.max_url_bytes);
        return Some(error(StatusCode::URI_TOO_LONG, "URI_TOO_LONG", &message));
    }
    let headers: usize = request.headers().iter().map(|(k, v)| k.as_str().len() + v.len()).sum();
    if headers > state.max_header_bytes {
        let message = format!(
            "the request headers are {headers} bytes; the most accepted is {}",
            state.max_header_bytes
        );
        return Some(error(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE, "HEADERS_TOO_LARGE", &message));
    }
    None
}
