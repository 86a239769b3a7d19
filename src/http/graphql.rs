//! GraphQL over HTTP: `POST /graphql` (JSON) and `GET /graphql?query=…` (queries only), both
//! with persisted queries (see [`super::persisted`]) and caching headers (see [`super::caching`]).

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument, OperationType};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use super::caching::{self, CacheKey};
use super::{error, playground, AppState};

/// The parameters of a GET request, as the GraphQL-over-HTTP spec names them.
#[derive(Debug, Deserialize)]
pub struct GetParams {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    /// JSON, URL-encoded.
    variables: Option<String>,
    /// JSON, URL-encoded (persisted queries use it).
    extensions: Option<String>,
}

/// The JSON body of a POST request.
#[derive(Debug, Deserialize)]
struct PostBody {
    query: Option<String>,
    #[serde(rename = "operationName")]
    operation_name: Option<String>,
    variables: Option<Value>,
    extensions: Option<Value>,
}

/// A request as sent, before a persisted query is resolved to its text.
struct Sent {
    query: Option<String>,
    operation_name: Option<String>,
    /// Always a JSON object.
    variables: Value,
    extensions: Option<Value>,
}

impl Sent {
    fn new(
        query: Option<String>,
        operation_name: Option<String>,
        variables: Option<Value>,
        extensions: Option<Value>,
    ) -> Result<Sent, String> {
        let variables = match variables {
            None | Some(Value::Null) => Value::Object(Default::default()),
            Some(object @ Value::Object(_)) => object,
            Some(_) => return Err("`variables` must be a JSON object".into()),
        };
        Ok(Sent { query, operation_name: operation_name.filter(|n| !n.is_empty()), variables, extensions })
    }
}

impl GetParams {
    fn into_sent(self) -> Result<Sent, String> {
        let json = |name: &str, text: Option<String>| -> Result<Option<Value>, String> {
            match text.filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(text) => {
                    serde_json::from_str(&text).map(Some).map_err(|e| format!("`{name}` is not JSON: {e}"))
                }
            }
        };
        let variables = json("variables", self.variables)?;
        let extensions = json("extensions", self.extensions)?;
        Sent::new(self.query, self.operation_name, variables, extensions)
    }
}

/// `GET /graphql`: a query (or a persisted query's hash) in the URL, or the playground for a
/// browser.
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<GetParams>, QueryRejection>,
) -> Response {
    let sent = match params.map_err(|e| e.body_text()).and_then(|Query(p)| p.into_sent()) {
        Ok(r) => r,
        Err(e) => {
            return error(StatusCode::BAD_REQUEST, "BAD_REQUEST", &format!("malformed GET request: {e}"))
        }
    };
    if sent.query.is_none() && sent.extensions.is_none() {
        if accepts_html(&headers) {
            return playground::response("/graphql");
        }
        return error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "GET /graphql needs a `query` parameter (open it in a browser for the playground)",
        );
    }
    run(&state, &headers, true, sent).await
}

/// `POST /graphql`: a JSON request body.
pub async fn post(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let message = format!("the request body is over the limit of {} bytes", state.max_body_bytes);
            return error(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", &message);
        }
        Err(e) => return error(e.status(), "BAD_REQUEST", &e.body_text()),
    };
    if !is_json(&headers) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "POST /graphql needs `Content-Type: application/json` (or `application/graphql-response+json`)",
        );
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return batch(&state, headers, &body).await;
    }
    let sent = serde_json::from_slice::<PostBody>(&body)
        .map_err(|e| format!("malformed JSON request: {e}"))
        .and_then(|b| Sent::new(b.query, b.operation_name, b.variables, b.extensions));
    let sent = match sent {
        Ok(sent) if sent.query.is_none() && sent.extensions.is_none() => {
            return error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "malformed JSON request: missing field `query`",
            )
        }
        Ok(sent) => sent,
        Err(e) => return error(StatusCode::BAD_REQUEST, "BAD_REQUEST", &e),
    };
    run(&state, &headers, false, sent).await
}

/// A batched request: a JSON array of requests, each run as if sent alone, answered with the
/// array of their answers (never cached). Off unless `--max-batch` allows it, and capped.
async fn batch(state: &AppState, mut headers: HeaderMap, body: &[u8]) -> Response {
    if state.max_batch == 0 {
        return error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "batched requests are switched off on this server",
        );
    }
    let items = match serde_json::from_slice::<Vec<PostBody>>(body) {
        Ok(items) if items.is_empty() => {
            return error(StatusCode::BAD_REQUEST, "BAD_REQUEST", "an empty batch");
        }
        Ok(items) => items,
        Err(e) => {
            return error(StatusCode::BAD_REQUEST, "BAD_REQUEST", &format!("malformed JSON request: {e}"))
        }
    };
    if items.len() > state.max_batch {
        let message =
            format!("a batch of {} operations; the most allowed is {}", items.len(), state.max_batch);
        return error(StatusCode::BAD_REQUEST, "BATCH_TOO_LARGE", &message);
    }
    // Each answer goes in the array whole: no 304 for a part of it.
    headers.remove(header::IF_NONE_MATCH);
    let mut answers = Vec::with_capacity(items.len());
    for item in items {
        let response = match Sent::new(item.query, item.operation_name, item.variables, item.extensions) {
            Ok(sent) if sent.query.is_some() || sent.extensions.is_some() => {
                run(state, &headers, false, sent).await
            }
            Ok(_) => error(StatusCode::BAD_REQUEST, "BAD_REQUEST", "a batch entry has no `query`"),
            Err(e) => error(StatusCode::BAD_REQUEST, "BAD_REQUEST", &e),
        };
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.unwrap_or_default();
        answers.push(serde_json::from_slice::<Value>(&bytes).unwrap_or(Value::Null));
    }
    let mut response = axum::Json(answers).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Resolves a persisted query, refuses what may not run, and runs the rest with caching.
async fn run(state: &AppState, headers: &HeaderMap, over_get: bool, sent: Sent) -> Response {
    let query = match state.persisted.resolve(sent.query, sent.extensions.as_ref()) {
        Ok(Some(query)) => query,
        Ok(None) => {
            return error(
                StatusCode::BAD_REQUEST,
                "BAD_REQUEST",
                "the request needs `query`, or a persisted query's hash in `extensions`",
            )
        }
        Err(refusal) => return refusal.into_response(),
    };
    // An answer to a request with a token may hold what only that token may read (the audit
    // log): it is never cached, by us or anyone.
    let authorization = headers.get(header::AUTHORIZATION);
    let report_cost = wants_cost(headers);
    let key = authorization.is_none().then(|| CacheKey {
        query: &query,
        operation_name: sent.operation_name.as_deref(),
        variables: &sent.variables,
        report_cost,
    });
    // A repeated query is answered before it is even parsed.
    let tag = match caching::lookup(state, headers, key.as_ref()) {
        caching::Lookup::Answered(response, operation) => {
            let named = operation.or(sent.operation_name.clone()).unwrap_or_else(|| "-".into());
            return with_operation(response, named);
        }
        caching::Lookup::Run(tag) => tag,
    };
    // Parsed once (or found parsed): for the operation's type here, and handed on so execution
    // does not parse again. A document over the token limit is not parsed at all: the engine
    // refuses it.
    let parse = crate::graphql::limits::count_tokens(&query) <= state.limits.tokens;
    let document = parse.then(|| state.documents.parse(&query)).flatten();
    let operation = document.as_ref().and_then(|doc| operation_type(doc, sent.operation_name.as_deref()));
    if over_get && operation.is_some_and(|op| op != OperationType::Query) {
        let mut response = error(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "only queries may be sent over GET; send mutations and subscriptions with POST",
        );
        response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    let named = sent.operation_name.as_deref().or_else(|| document.as_ref().and_then(single_operation_name));
    let named = named.unwrap_or("-").to_string();
    let mut request = async_graphql::Request::new(query.as_str())
        .variables(async_graphql::Variables::from_json(sent.variables.clone()));
    if let Some(name) = &sent.operation_name {
        request = request.operation_name(name.as_str());
    }
    if let Some(document) = document {
        request.set_parsed_query(document);
    }
    if state.validated.is_on() {
        let key = caching::validation_digest(&query, sent.operation_name.as_deref(), &sent.variables);
        request = request.data(crate::graphql::ValidationKey { cache: state.validated.clone(), key });
    }
    request = request.data(state.tokens.credentials(authorization.map(HeaderValue::as_bytes)));
    if report_cost {
        request = request.data(crate::graphql::ReportCost);
    }
    let is_query = key.is_some() && operation == Some(OperationType::Query);
    let tag = tag.filter(|_| is_query);
    // Boxed: the engine's future is kilobytes, and unboxed it would be part of every request's
    // future, moved through each layer even when the answer comes from a cache.
    let response = Box::pin(caching::execute(state, headers, request, is_query, tag, &named)).await;
    with_operation(response, named)
}

/// Names the operation in the response's outcome (a 304 gets one), for the metrics and the
/// access log.
fn with_operation(mut response: Response, named: String) -> Response {
    response.extensions_mut().get_or_insert_default::<super::metrics::Outcome>().operation = Some(named);
    response
}

/// `X-Query-Cost: 1` (or `true`) asks for the query's cost in `extensions.cost`.
fn wants_cost(headers: &HeaderMap) -> bool {
    headers
        .get("x-query-cost")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| matches!(v.trim(), "1" | "true"))
}

fn accepts_html(headers: &HeaderMap) -> bool {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("text/html"))
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| v == "application/json" || v == "application/graphql-response+json")
}

/// The name of a document's only operation, if it is named.
fn single_operation_name(doc: &ExecutableDocument) -> Option<&str> {
    match &doc.operations {
        DocumentOperations::Multiple(ops) if ops.len() == 1 => ops.keys().next().map(|n| n.as_str()),
        _ => None,
    }
}

/// The type of the operation a document would run; `None` when it names no operation it has
/// (execution then reports that as a GraphQL error).
fn operation_type(doc: &ExecutableDocument, operation_name: Option<&str>) -> Option<OperationType> {
    match (&doc.operations, operation_name) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        _ => None,
    }
}
