//! What the log knows a request by: its id (the client's own `X-Request-Id`, or a new UUID),
//! echoed in the answer; the span every line logged while it runs carries; and its one access
//! line (target [`ACCESS_LOG`]) once it is answered.
//!
//! Written into the gate rather than as tower-http's request-id and trace layers: those three
//! layers, each wrapping the answer's future and its body, were a third of the instructions of a
//! cached answer; here the span is entered once per poll of the whole request, and never for
//! its body.

use std::time::Duration;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method};
use axum::response::Response;
use tracing::Span;
use uuid::Uuid;

use super::metrics::Outcome;
use crate::logging::ACCESS_LOG;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The request's id: the one the client sent, if it did, else a new UUID.
pub fn request_id(request: &Request) -> HeaderValue {
    if let Some(id) = request.headers().get(X_REQUEST_ID) {
        return id.clone();
    }
    let mut text = Uuid::encode_buffer();
    let text = Uuid::new_v4().hyphenated().encode_lower(&mut text);
    // A UUID's text is always a valid header value.
    HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static("-"))
}

/// The span of a request: its id on every line logged while it runs. Only the id: each field
/// of a span is formatted when it opens, for every request, and the id is what ties a line to
/// the access line (which has the rest) and to the client's `X-Request-Id`.
pub fn span(id: &HeaderValue) -> Span {
    tracing::info_span!("request", id = %id.to_str().unwrap_or("-"))
}

/// The access line of an answered request (logged inside its span): the method, path,
/// operation's name, status, and the time to the answer's head in milliseconds, to the
/// microsecond.
pub fn log(method: &Method, path: &str, response: &Response, latency: Duration) {
    let outcome = response.extensions().get::<Outcome>();
    tracing::info!(
        target: ACCESS_LOG,
        method = %method,
        path = %path,
        operation = outcome.and_then(|o| o.operation.as_deref()),
        status = response.status().as_u16(),
        ms = latency.as_micros() as f64 / 1000.0,
        "answered"
    );
}
