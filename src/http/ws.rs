//! GraphQL over WebSocket (`/graphql/ws`, for subscriptions), under the same persisted-query
//! rules as HTTP: with `--only-persisted`, a WebSocket is no way around the list.

use std::pin::Pin;
use std::sync::Arc;

use async_graphql::{Data, ErrorExtensionValues, Executor, Request, Response, ServerError};
use tokio_stream::Stream;

use super::persisted::Persisted;
use crate::graphql::ApiSchema;

/// The schema, behind the persisted-query check.
#[derive(Clone)]
pub struct Guarded {
    pub schema: ApiSchema,
    pub persisted: Arc<Persisted>,
}

impl Guarded {
    /// The request with its query resolved (a persisted query's hash becomes its text), or the
    /// refusal as a GraphQL response.
    fn admit(&self, mut request: Request) -> Result<Request, Box<Response>> {
        let extensions = serde_json::to_value(&request.extensions).ok();
        let query = (!request.query.is_empty()).then(|| std::mem::take(&mut request.query));
        match self.persisted.resolve(query, extensions.as_ref()) {
            Ok(Some(query)) => {
                request.query = query;
                Ok(request)
            }
            Ok(None) => {
                Err(refused("the operation has neither a query nor a persisted query", "BAD_REQUEST"))
            }
            Err(refusal) => {
                let (_, code, message) = refusal.parts();
                Err(refused(message, code))
            }
        }
    }
}

fn refused(message: &str, code: &str) -> Box<Response> {
    let mut error = ServerError::new(message, None);
    let mut extensions = ErrorExtensionValues::default();
    extensions.set("code", code);
    error.extensions = Some(extensions);
    Box::new(Response::from_errors(vec![error]))
}

impl Executor for Guarded {
    async fn execute(&self, request: Request) -> Response {
        match self.admit(request) {
            Ok(request) => self.schema.execute(request).await,
            Err(refusal) => *refusal,
        }
    }

    fn execute_stream(
        &self,
        request: Request,
        session_data: Option<Arc<Data>>,
    ) -> Pin<Box<dyn Stream<Item = Response> + Send + 'static>> {
        match self.admit(request) {
            Ok(request) => Executor::execute_stream(&self.schema, request, session_data),
            Err(refusal) => Box::pin(tokio_stream::once(*refusal)),
        }
    }
}
