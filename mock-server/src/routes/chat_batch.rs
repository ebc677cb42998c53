//! `POST /v1/chat/completions/batch`: several conversations in one request, each answered as
//! `/v1/chat/completions` answers it, one choice per conversation in one chat completion.
//!
//! As in vLLM 0.33.0, each conversation's request is the batch's other fields with its
//! messages, read and refused as a chat request; the answer is always whole (vLLM's batch
//! collects each conversation's final output, whatever `stream` says).

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;

use super::chat::{Frame, Generated, generate};
use crate::openai::chat::ChatCompletionRequest;
use crate::openai::chat_batch::BatchChatCompletionRequest;
use crate::openai::usage::Usage;
use crate::openai::{ApiError, parse_body, unix_now};
use crate::outcome::Served;
use crate::state::AppState;

pub fn create(
    state: &AppState,
    headers: &HeaderMap,
    batch: BatchChatCompletionRequest,
) -> Result<Served<Response>, ApiError> {
    let generated = batch
        .conversations()
        .iter()
        .map(|body| generate(state, &parse_body::<ChatCompletionRequest>(body)?))
        .collect::<Result<Vec<Generated>, ApiError>>()?;
    let outcome = Generated::outcome_of(&generated, "chat completion");
    let id = super::request_id("chatcmpl", headers, batch.request_id());
    let created = unix_now();
    let frame = |g: &Generated| Frame {
        id: id.clone(),
        created,
        model: state.models.served_name().to_owned(),
        system_fingerprint: state.system_fingerprint.clone(),
        role: g.role.clone(),
        top_logprobs: g.top_logprobs,
    };
    // One choice per conversation, indexed by it (the batch takes no `n`).
    let choices = generated
        .iter()
        .enumerate()
        .flat_map(|(index, g)| g.replies.iter().map(move |reply| frame(g).choice(index, reply)))
        .collect();
    let prompt_tokens = generated.iter().map(|g| g.prompt_tokens).sum();
    let completion_tokens = generated.iter().map(Generated::completion_tokens).sum();
    let Some(first) = generated.first() else {
        // `messages` holds at least one conversation: vLLM's model refuses none.
        return Err(ApiError::bad_request(crate::openai::NO_PROMPT, None));
    };
    let response = frame(first).response(choices, Usage::new(prompt_tokens, completion_tokens));
    Ok(outcome.serve(Json(response).into_response()))
}
