//! `POST /invocations`, SageMaker's single entry point: vLLM tries the body against each
//! request type the model serves, in order, and answers with the first that validates.
//!
//! A refusal by one of vLLM's own model validators (a `VLLMValidationError`, such as a
//! completion without a prompt) is not a pydantic `ValidationError`: it leaves the loop and is
//! the answer (seen on 0.33.0: `{"foo": 1}` to a generative model).

use std::sync::Arc;

use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::HeaderMap;

use super::{chat, completions, embeddings, pooling, score};
use crate::config::Runner;
use crate::openai::{ApiError, RequestBody, parse_body, python_json};
use crate::outcome::{Outcome, Served};
use crate::state::AppState;

/// What trying the body as one request type gave.
enum Tried {
    /// It validated: the handler's answer.
    Served(Result<Served<Response>, ApiError>),
    /// One of vLLM's own validators refused it (a `VLLMValidationError`).
    Refused(ApiError),
    /// pydantic refused it: the next type is tried.
    Invalid,
}

type Attempt = fn(&AppState, &HeaderMap, &[u8]) -> Tried;

fn attempt<T: RequestBody, B: IntoResponse>(
    state: &AppState,
    headers: &HeaderMap,
    body: &[u8],
    serve: fn(&AppState, &HeaderMap, T) -> Result<Served<B>, ApiError>,
) -> Tried {
    match parse_body::<T>(body) {
        Ok(request) => Tried::Served(serve(state, headers, request).map(|served| served.map(B::into_response))),
        Err(refusal @ ApiError::BadRequest { .. }) => Tried::Refused(refusal),
        Err(_) => Tried::Invalid,
    }
}

/// The request types as vLLM's message names them: a class's `__name__`, or a union's (and an
/// `Annotated` one's) `str()`.
const CHAT_COMPLETION_REQUEST: &str = "ChatCompletionRequest";
const COMPLETION_REQUEST: &str = "CompletionRequest";
const EMBEDDING_REQUEST: &str = "typing.Annotated[vllm.entrypoints.pooling.embed.protocol.EmbeddingCompletionRequest \
    | vllm.entrypoints.pooling.embed.protocol.EmbeddingChatRequest \
    | vllm.entrypoints.pooling.embed.protocol.EmbeddingBatchChatRequest \
    | vllm.entrypoints.pooling.embed.protocol.EmbeddingChatInputRequest \
    | vllm.entrypoints.pooling.embed.protocol.EmbeddingBatchChatInputRequest, \
    BeforeValidator(func=<function reject_removed_pooling_parameters>, json_schema_input_type=PydanticUndefined)]";
const RERANK_REQUEST: &str = "RerankRequest";
const SCORE_REQUEST: &str = "vllm.entrypoints.pooling.scoring.protocol.ScoreQueriesDocumentsRequest \
    | vllm.entrypoints.pooling.scoring.protocol.ScoreQueriesItemsRequest \
    | vllm.entrypoints.pooling.scoring.protocol.ScoreDataRequest \
    | vllm.entrypoints.pooling.scoring.protocol.ScoreTextRequest";
const POOLING_REQUEST: &str = "typing.Annotated[vllm.entrypoints.pooling.pooling.protocol.PoolingCompletionRequest \
    | vllm.entrypoints.pooling.pooling.protocol.PoolingChatRequest \
    | vllm.entrypoints.pooling.pooling.protocol.IOProcessorRequest, \
    BeforeValidator(func=<function reject_removed_pooling_parameters>, json_schema_input_type=PydanticUndefined)]";

pub async fn invoke(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Served<Response>, ApiError> {
    // axum's own answer to a body over its limit, with an outcome as every answer has.
    let body = match body {
        Ok(body) => body,
        Err(rejection) => {
            let status = rejection.status();
            let reason = status.canonical_reason().unwrap_or("Error");
            return Ok(Outcome::summary(format!("error {} {reason}", status.as_u16())).serve(rejection.into_response()));
        }
    };
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
        (CHAT_COMPLETION_REQUEST, |s, h, b| attempt(s, h, b, chat::serve)),
        (COMPLETION_REQUEST, |s, h, b| attempt(s, h, b, completions::serve)),
    ];
    let pool: [(&str, Attempt); 4] = [
        (EMBEDDING_REQUEST, |s, h, b| attempt(s, h, b, embeddings::serve)),
        (RERANK_REQUEST, |s, h, b| attempt(s, h, b, score::serve_rerank)),
        (SCORE_REQUEST, |s, h, b| attempt(s, h, b, score::serve_score)),
        (POOLING_REQUEST, |s, h, b| attempt(s, h, b, pooling::serve)),
    ];
    let runner = state.config.runner();
    let candidates: Vec<(&str, Attempt)> = [(runner.generates(), &generate[..]), (runner.pools(), &pool[..])]
        .into_iter()
        .filter(|(served, _)| *served)
        .flat_map(|(_, types)| types.iter().copied())
        .collect();
    let mut refused = None;
    for (_, try_serve) in &candidates {
        match try_serve(&state, &headers, &body) {
            Tried::Served(answer) => return answer,
            // vLLM's loop ends there. The mock's own `auto` runner serves both families, which
            // no vLLM model does: an embeddings body must not end at the completion validator.
            Tried::Refused(refusal) if runner != Runner::Auto => return Err(refusal),
            Tried::Refused(refusal) => refused = refused.or(Some(refusal)),
            Tried::Invalid => {}
        }
    }
    if let Some(refusal) = refused {
        return Err(refusal);
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
