//! What every request passes through, in one service around the router: its id, span and
//! access line, CORS, the caps on the request head, the rate limit, the request deadline, ETags
//! per content encoding, the metrics, and `no-store` on errors.
//!
//! One hand-written service rather than a stack of `from_fn` middleware, because each of those
//! boxes a clone of everything inside it for every request: as separate layers these cost a
//! cached answer a fifth of its CPU.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::response::Response;
use tower::{Layer, Service, ServiceExt as _};
use tracing::Instrument as _;

use super::caching::{self, NO_STORE};
use super::{access, cors, error, metrics, ratelimit, AppState};

/// Puts a [`Gate`] around a service.
#[derive(Clone)]
pub struct GateLayer(pub AppState);

impl<S> Layer<S> for GateLayer {
    type Service = Gate<S>;

    fn layer(&self, inner: S) -> Gate<S> {
        Gate { state: self.0.clone(), inner }
    }
}

/// The service [`GateLayer`] makes.
#[derive(Clone)]
pub struct Gate<S> {
    state: AppState,
    inner: S,
}

impl<S> Service<Request> for Gate<S>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let started = Instant::now();
        let (state, inner) = (self.state.clone(), self.inner.clone());
        let id = access::request_id(&request);
        let span = access::span(&id);
        let (method, uri) = (request.method().clone(), request.uri().clone());
        let answer = async move {
            let mut response = gate(state, request, inner, started).await;
            response.headers_mut().insert(access::X_REQUEST_ID, id);
            access::log(&method, uri.path(), &response, started.elapsed());
            Ok(response)
        };
        Box::pin(answer.instrument(span))
    }
}

async fn gate<S>(state: AppState, mut request: Request, inner: S, started: Instant) -> Response
where
    S: Service<Request, Response = Response, Error = Infallible> + Send + 'static,
    S::Future: Send + 'static,
{
    let route = metrics::route(request.uri().path());
    let origin = request.headers().get(header::ORIGIN).cloned();
    // Refusals come before the handler and still get the CORS headers, so that a page of
    // another origin can read a 408, 413, 414, 429 or 431.
    let refusal = cors::preflight(&state, &request)
        .or_else(|| head_refusal(&state, &request))
        .or_else(|| ratelimit::refusal(&state, &request));
    let mut response = match refusal {
        Some(refusal) => refusal,
        None => {
            let encoding = caching::unsuffix_request(request.headers_mut());
            let answer = inner.oneshot(request);
            let mut response = within_deadline(&state, started, async move {
                match answer.await {
                    Ok(response) => response,
                    Err(never) => match never {},
                }
            })
            .await;
            caching::suffix_answer(encoding, &mut response);
            response
        }
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

/// The answer, or 408 if it is not ready within the deadline from `started`: a body that
/// trickles in (a slowloris), or anything else that keeps a connection busy that long.
///
/// The timer is only set when the answer is not ready at once: most are (the body came with
/// the head, the response cache had the answer), and a timer costs them 6% of their CPU.
async fn within_deadline(
    state: &AppState,
    started: Instant,
    answer: impl Future<Output = Response>,
) -> Response {
    let mut answer = std::pin::pin!(answer);
    let first = std::future::poll_fn(|cx| Poll::Ready(answer.as_mut().poll(cx))).await;
    if let Poll::Ready(response) = first {
        return response;
    }
    let limit = state.request_timeout;
    // A deadline past what the clock can hold is no deadline (`--request-timeout` is unbounded).
    let timed = match started.checked_add(limit) {
        Some(deadline) => tokio::time::timeout_at(deadline.into(), answer).await,
        None => Ok(answer.await),
    };
    match timed {
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
