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

/// The longest client-chosen request id kept (a W3C `traceparent` is 55 bytes).
const MAX_CLIENT_ID: usize = 128;

/// The request's id: the one the client sent, if it is a plain token (letters, digits and
/// `-_.:+/=`, at most [`MAX_CLIENT_ID`] bytes), else a new UUID. Anything else could break the
/// log line it is written into, or be empty, or be too long to be worth a line.
pub fn request_id(request: &Request) -> HeaderValue {
    if let Some(id) = request.headers().get(X_REQUEST_ID).filter(|id| is_plain_token(id.as_bytes())) {
        return id.clone();
    }
    let mut text = Uuid::encode_buffer();
    let text = Uuid::new_v4().hyphenated().encode_lower(&mut text);
    // A UUID's text is always a valid header value.
    HeaderValue::from_str(text).unwrap_or(HeaderValue::from_static("-"))
}

fn is_plain_token(id: &[u8]) -> bool {
    (1..=MAX_CLIENT_ID).contains(&id.len())
        && id.iter().all(|&b| b.is_ascii_alphanumeric() || b"-_.:+/=".contains(&b))
}

/// The span of a request: its id on every line logged while it runs. Only the id: each field
/// of a span is formatted when it opens, for every request, and the id is what ties a line to
/// the access line (which has the rest) and to the client's `X-Request-Id`.
pub fn span(id: &HeaderValue) -> Span {
    tracing::info_span!("request", id = %id.to_str().unwrap_or("-"))
}

/// The access line of an answered request (logged inside its span): the method, path,
/// operation's name, status, and the time to the answer's head in milliseconds, to the
/// microsecond. A server error (5xx) also gets an error line, which filtering the access log
/// out does not drop.
pub fn log(method: &Method, path: &str, response: &Response, latency: Duration) {
    let outcome = response.extensions().get::<Outcome>();
    let (status, ms) = (response.status().as_u16(), latency.as_micros() as f64 / 1000.0);
    tracing::info!(
        target: ACCESS_LOG,
        method = %method,
        path = %path,
        operation = outcome.and_then(|o| o.operation.as_deref()),
        status,
        ms,
        "answered"
    );
    if response.status().is_server_error() {
        let codes = outcome.map(|o| o.codes.join(",")).unwrap_or_default();
        tracing::error!(method = %method, path = %path, status, codes, ms, "answered with a server error");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::logging::sink::Sink;

    fn with_id(id: &[u8]) -> Request {
        let mut request = Request::new(axum::body::Body::empty());
        if let Ok(value) = HeaderValue::from_bytes(id) {
            request.headers_mut().insert(X_REQUEST_ID, value);
        }
        request
    }

    #[test]
    fn a_plain_client_id_is_kept_and_anything_else_replaced() {
        for kept in
            ["client-chosen-id", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "a/b+c=:d.e_f"]
        {
            assert_eq!(request_id(&with_id(kept.as_bytes())), kept);
        }
        let long = "x".repeat(MAX_CLIENT_ID + 1);
        for replaced in [&b""[..], b"two words", b"a}b", b"status=500 x", b"\xff\xfe", long.as_bytes()] {
            let id = request_id(&with_id(replaced));
            assert_ne!(id.as_bytes(), replaced);
            assert!(Uuid::parse_str(id.to_str().unwrap_or_default()).is_ok(), "{id:?}");
        }
        assert!(Uuid::parse_str(
            request_id(&Request::new(axum::body::Body::empty())).to_str().unwrap_or_default()
        )
        .is_ok());
    }

    /// What `log` writes for an answer of `status`, through a real subscriber.
    fn logged(status: axum::http::StatusCode) -> String {
        let sink = Sink::default();
        let subscriber = tracing_subscriber::fmt().with_ansi(false).with_writer(sink.clone()).finish();
        let mut response = Response::new(axum::body::Body::empty());
        *response.status_mut() = status;
        response.extensions_mut().insert(Outcome { codes: vec!["UNAVAILABLE".into()], ..Default::default() });
        tracing::subscriber::with_default(subscriber, || {
            log(&Method::GET, "/ready", &response, Duration::from_micros(1_250));
        });
        sink.text()
    }

    #[test]
    fn a_server_error_gets_an_error_line_besides_its_access_line() {
        let text = logged(axum::http::StatusCode::SERVICE_UNAVAILABLE);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(
            lines[0].contains(" INFO ")
                && lines[0].contains("answered method=GET path=/ready status=503 ms=1.25"),
            "{text}"
        );
        assert!(lines[1].contains("ERROR") && lines[1].contains("answered with a server error"), "{text}");
        assert!(lines[1].contains("status=503") && lines[1].contains("codes=\"UNAVAILABLE\""), "{text}");
        let text = logged(axum::http::StatusCode::NOT_FOUND);
        assert_eq!(text.lines().count(), 1, "a client error is only an access line: {text}");
    }
}
