//! `POST /invocations`, SageMaker's single entry point: vLLM tries the body against each
//! request type the model serves, in order, and answers with the first that validates.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use bytes::Bytes;
use http::HeaderMap;

use super::{chat, completions, embeddings, pooling, score};
use crate::openai::{ApiError, RequestBody, parse_body, python_json};
use crate::state::AppState;

/// Serves the body if it validates as one request type.
type Attempt = fn(&AppState, &HeaderMap, &[u8]) -> Option<Result<Response, ApiError>>;

fn attempt<T: RequestBody>(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    serve: fn(&AppState, &HeaderMap, T) -> Result<Response, ApiError>,
) -> Option<Result<Response, ApiError>> {
    parse_body::<T>(body).ok().map(|request| serve(state, headers, request))
}

pub async fn invoke(State(state): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Result<Response, ApiError> {
    super::extract::require_json(&headers)?;
    if serde_json::from_slice::<serde::de::IgnoredAny>(&body).is_err()
        && let Err(refused) = python_json::loads(&body)
    {
        // vLLM reads the body itself here, and answers a `JSONDecodeError` as an HTTPException.
        return Err(match refused {
            python_json::Refused::Invalid(error) => ApiError::Http {
                status: http::StatusCode::BAD_REQUEST,
                message: format!("JSON decode error: {error}"),
            },
            python_json::Refused::Unreadable => ApiError::UnparsableBody,
        });
    }
    // In vLLM's order: the generative types, then the pooling ones.
    let generate: [(&str, Attempt); 2] = [
        ("ChatCompletionRequest", |s, h, b| attempt(s, h, b, chat::serve)),
        ("CompletionRequest", |s, h, b| attempt(s, h, b, completions::serve)),
    ];
    let pool: [(&str, Attempt); 4] = [
        ("EmbeddingRequest", |s, h, b| attempt(s, h, b, embeddings::serve)),
        ("RerankRequest", |s, h, b| attempt(s, h, b, score::serve_rerank)),
        ("ScoreRequest", |s, h, b| attempt(s, h, b, score::serve_score)),
        ("PoolingRequest", |s, h, b| attempt(s, h, b, pooling::serve)),
    ];
    let runner = state.config.runner();
    let candidates: Vec<(&str, Attempt)> = [(runner.generates(), &generate[..]), (runner.pools(), &pool[..])]
        .into_iter()
        .filter(|(served, _)| *served)
        .flat_map(|(_, types)| types.iter().copied())
        .collect();
    for (_, try_serve) in &candidates {
        if let Some(answer) = try_serve(&state, &headers, &body) {
            return answer;
        }
    }
    let names: Vec<String> = candidates.iter().map(|(name, _)| format!("'{name}'")).collect();
    Err(ApiError::bad_request(
        format!(
            "Cannot find suitable handler for request. Expected one of: [{}]",
            names.join(", ")
        ),
        None,
    ))
}
