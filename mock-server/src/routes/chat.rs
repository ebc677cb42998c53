//! `POST /v1/chat/completions`, whole or streamed.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::Response;

use super::extract::VllmJson;
use crate::embedding::word_count;
use crate::generation::{self, Reply};
use crate::openai::chat::{
    AssistantMessage, ChatChoice, ChatChunkChoice, ChatCompletionChunk, ChatCompletionRequest, ChatCompletionResponse,
    ChatMessage, Delta,
};
use crate::openai::usage::Usage;
use crate::openai::{ApiError, response_id, unix_now};
use crate::outcome::{Outcome, StreamShape, Work};
use crate::state::AppState;

pub async fn create(
    State(state): State<Arc<AppState>>,
    VllmJson(request): VllmJson<ChatCompletionRequest>,
) -> Result<Response, ApiError> {
    let model = state.models.resolve(request.model.as_deref())?;
    let messages = request.messages.ok_or_else(|| super::missing("messages"))?;
    if messages.is_empty() {
        return Err(ApiError::bad_request("messages must not be empty.", "messages"));
    }
    let max_tokens = super::max_tokens(request.max_completion_tokens.or(request.max_tokens))?;
    let prompt = messages.iter().map(ChatMessage::text).collect::<Vec<_>>().join("\n");
    let reply = generation::reply(&prompt, max_tokens);
    let usage = Usage::new(word_count(&prompt), reply.tokens());
    let streamed = request.stream.unwrap_or(false);
    let outcome = Outcome::ai(
        &model,
        messages.len(),
        format!("chat completion with {} tokens", reply.tokens()),
    )
    .with_work(Work {
        prompt_tokens: usage.prompt_tokens,
        completion_tokens: reply.tokens(),
        finish_reason: reply.finish_reason,
        // The role chunk goes out with the first token.
        stream: streamed.then_some(StreamShape {
            leading_frames: 1,
            token_frames: reply.tokens(),
        }),
    });

    let id = response_id("chatcmpl");
    let created = unix_now();
    if streamed {
        let include_usage = request.stream_options.and_then(|o| o.include_usage).unwrap_or(false);
        let chunks = stream_chunks(&id, created, &model, &reply, include_usage.then_some(usage));
        return Ok(outcome.attach(super::sse::stream(&chunks)));
    }
    Ok(outcome.attach(Json(ChatCompletionResponse {
        id,
        object: "chat.completion".to_owned(),
        created,
        model,
        choices: vec![ChatChoice {
            index: 0,
            message: AssistantMessage {
                role: "assistant".to_owned(),
                content: reply.text(),
                tool_calls: vec![],
            },
            logprobs: None,
            finish_reason: Some(reply.finish_reason.to_owned()),
            stop_reason: None,
        }],
        usage,
    })))
}

/// vLLM's chunk sequence: the role, one chunk per word (the last with the finish reason), then
/// the usage with no choices when the client asked for it.
fn stream_chunks(id: &str, created: u64, model: &str, reply: &Reply, usage: Option<Usage>) -> Vec<ChatCompletionChunk> {
    let chunk = |delta: Delta, finish_reason: Option<&str>| ChatCompletionChunk {
        id: id.to_owned(),
        object: "chat.completion.chunk".to_owned(),
        created,
        model: model.to_owned(),
        choices: vec![ChatChunkChoice {
            index: 0,
            delta,
            logprobs: None,
            finish_reason: finish_reason.map(str::to_owned),
        }],
        usage: None,
    };
    let role = Delta {
        role: Some("assistant".to_owned()),
        content: Some(String::new()),
    };
    let last = reply.tokens().saturating_sub(1);
    let mut chunks = vec![chunk(role, None)];
    chunks.extend(reply.pieces().enumerate().map(|(i, piece)| {
        let delta = Delta {
            role: None,
            content: Some(piece),
        };
        chunk(delta, (i == last).then_some(reply.finish_reason))
    }));
    if let Some(usage) = usage {
        chunks.push(ChatCompletionChunk {
            choices: vec![],
            usage: Some(usage),
            ..chunk(Delta::default(), None)
        });
    }
    chunks
}
