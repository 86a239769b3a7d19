//! GraphQL over HTTP: `POST /graphql` (JSON) and `GET /graphql?query=…` (queries only).

use async_graphql::parser::types::{DocumentOperations, OperationType};
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

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

impl GetParams {
    fn into_request(self) -> Result<Option<async_graphql::Request>, String> {
        if self.extensions.is_some() && self.query.is_none() {
            return Err("persisted queries are not supported yet: send the `query` text".into());
        }
        let Some(query) = self.query else { return Ok(None) };
        let mut request = async_graphql::Request::new(query);
        if let Some(vars) = self.variables.filter(|v| !v.is_empty()) {
            let json: serde_json::Value =
                serde_json::from_str(&vars).map_err(|e| format!("`variables` is not JSON: {e}"))?;
            if !json.is_object() {
                return Err("`variables` must be a JSON object".into());
            }
            request = request.variables(async_graphql::Variables::from_json(json));
        }
        if let Some(name) = self.operation_name.filter(|n| !n.is_empty()) {
            request = request.operation_name(name);
        }
        Ok(Some(request))
    }
}

/// `GET /graphql`: a query in the URL, or the playground for a browser.
pub async fn get(
    State(state): State<AppState>,
    headers: HeaderMap,
    params: Result<Query<GetParams>, QueryRejection>,
) -> Response {
    let request = match params.map_err(|e| e.body_text()).and_then(|Query(p)| p.into_request()) {
        Ok(r) => r,
        Err(e) => {
            return error(StatusCode::BAD_REQUEST, "BAD_REQUEST", &format!("malformed GET request: {e}"))
        }
    };
    let Some(request) = request else {
        if accepts_html(&headers) {
            return playground::page("/graphql").into_response();
        }
        return error(
            StatusCode::BAD_REQUEST,
            "BAD_REQUEST",
            "GET /graphql needs a `query` parameter (open it in a browser for the playground)",
        );
    };
    if let Some(op) = operation_type(&request) {
        if op != OperationType::Query {
            let mut response = error(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                "only queries may be sent over GET; send mutations and subscriptions with POST",
            );
            response.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
            return response;
        }
    }
    Json(state.schema.execute(request).await).into_response()
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
            let message = format!("the request body is over the limit of {} bytes", super::MAX_BODY_BYTES);
            return error(StatusCode::PAYLOAD_TOO_LARGE, "PAYLOAD_TOO_LARGE", &message);
        }
        Err(e) => return error(e.status(), "BAD_REQUEST", &e.body_text()),
    };
    if !is_json(&headers) {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "POST /graphql needs `Content-Type: application/json`",
        );
    }
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return error(StatusCode::BAD_REQUEST, "BAD_REQUEST", "batched requests are not supported");
    }
    let request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return error(StatusCode::BAD_REQUEST, "BAD_REQUEST", &format!("malformed JSON request: {e}"))
        }
    };
    Json(state.schema.execute(request).await).into_response()
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
        .is_some_and(|v| v == "application/json")
}

/// The type of the operation a request would run; `None` when the document does not parse
/// or names no operation it has (execution then reports that as a GraphQL error).
fn operation_type(request: &async_graphql::Request) -> Option<OperationType> {
    let doc = async_graphql::parser::parse_query(&request.query).ok()?;
    match (&doc.operations, request.operation_name.as_deref()) {
        (DocumentOperations::Single(op), _) => Some(op.node.ty),
        (DocumentOperations::Multiple(ops), Some(name)) => ops.get(name).map(|op| op.node.ty),
        (DocumentOperations::Multiple(ops), None) if ops.len() == 1 => {
            ops.values().next().map(|op| op.node.ty)
        }
        _ => None,
    }
}
