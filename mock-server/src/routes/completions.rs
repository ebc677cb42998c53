//! `POST /v1/completions`, whole or streamed; one choice per prompt.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::Response;

use super::extract::VllmJson;
use crate::embedding::word_count;
use crate::generation::{self, Reply};
use crate::openai::completions::{CompletionChoice, CompletionRequest, CompletionResponse};
use crate::openai::usage::Usage;
use crate::openai::{ApiError, response_id, unix_now};
use crate::outcome::{Outcome, StreamShape, Work};
use crate::state::AppState;

pub async fn create(
    State(state): State<Arc<AppState>>,
    VllmJson(request): VllmJson<CompletionRequest>,
) -> Result<Response, ApiError> {
    let model = state.models.resolve(request.model.as_deref())?;
    let prompt = request.prompt.ok_or_else(|| super::missing("prompt"))?;
    if prompt.is_empty() {
        return Err(ApiError::bad_request("Prompt must not be empty.", "prompt"));
    }
    let max_tokens = super::max_tokens(request.max_tokens)?;
    let prompts = prompt.texts();
    let replies: Vec<Reply> = prompts.iter().map(|p| generation::reply(p, max_tokens)).collect();
    let usage = Usage::new(
        prompts.iter().map(|p| word_count(p)).sum(),
        replies.iter().map(Reply::tokens).sum(),
    );
    let completion_tokens = usage.completion_tokens;
    let streamed = request.stream.unwrap_or(false);
    let finish_reason = if replies.iter().any(|r| r.finish_reason == "length") {
        "length"
    } else {
        "stop"
    };
    let outcome = Outcome::ai(
        &model,
        prompts.len(),
        format!("completion with {completion_tokens} tokens"),
    )
    .with_work(Work {
        prompt_tokens: usage.prompt_tokens,
        completion_tokens,
        finish_reason,
        // One chunk per token, the prompts' one after the other.
        stream: streamed.then_some(StreamShape {
            leading_frames: 0,
            token_frames: completion_tokens,
        }),
    });

    let response = |choices: Vec<CompletionChoice>, usage: Option<Usage>| CompletionResponse {
        id: response_id("cmpl"),
        object: "text_completion".to_owned(),
        created: unix_now(),
        model: model.clone(),
        choices,
        usage,
    };
    let choice = |index: usize, text: String, finish_reason: Option<&str>| CompletionChoice {
        index,
        text,
        logprobs: None,
        finish_reason: finish_reason.map(str::to_owned),
        stop_reason: None,
    };

    if streamed {
        let include_usage = request.stream_options.and_then(|o| o.include_usage).unwrap_or(false);
        let template = response(vec![], None);
        let mut chunks = Vec::new();
        for (index, reply) in replies.iter().enumerate() {
            let last = reply.tokens().saturating_sub(1);
            chunks.extend(reply.pieces().enumerate().map(|(i, piece)| CompletionResponse {
                choices: vec![choice(index, piece, (i == last).then_some(reply.finish_reason))],
                ..template.clone()
            }));
        }
        if include_usage {
            chunks.push(CompletionResponse {
                usage: Some(usage),
                ..template
            });
        }
        return Ok(outcome.attach(super::sse::stream(&chunks)));
    }
    let choices = replies
        .iter()
        .enumerate()
        .map(|(index, reply)| choice(index, reply.text(), Some(reply.finish_reason)))
        .collect();
    Ok(outcome.attach(Json(response(choices, Some(usage)))))
}
