//! `POST /v1/chat/completions`, whole or streamed.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use http::HeaderMap;

use super::extract::VllmJson;
use super::prompts::check_length;
use crate::generation::{self, Reply};
use crate::openai::chat::{
    AssistantMessage, ChatChoice, ChatChunkChoice, ChatCompletionChunk, ChatCompletionRequest, ChatCompletionResponse,
    ChatMessage, Delta, StreamOptions,
};
use crate::openai::usage::Usage;
use crate::openai::{ApiError, unix_now};
use crate::outcome::{Outcome, StreamShape, Work};
use crate::state::AppState;

pub async fn create(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    VllmJson(request): VllmJson<ChatCompletionRequest>,
) -> Result<Response, ApiError> {
    serve(&state, &headers, request)
}

/// Answers a chat completion request (also for `/invocations`).
pub fn serve(state: &AppState, headers: &HeaderMap, request: ChatCompletionRequest) -> Result<Response, ApiError> {
    let requested = state.models.resolve(request.model.as_deref())?;
    let messages = request.messages.unwrap_or_default();
    if messages.is_empty() {
        return Err(ApiError::bad_request("messages must not be empty.", "messages"));
    }
    let prompt = messages.iter().map(ChatMessage::text).collect::<Vec<_>>().join("\n");
    let prompt_tokens = state.tokenizer.count(&prompt, false);
    let (param, max_tokens) = match request.max_completion_tokens {
        Some(n) => ("max_completion_tokens", Some(n)),
        None => ("max_tokens", request.max_tokens),
    };
    let max_tokens = super::max_tokens(max_tokens)?;
    let max_model_len = state.config.max_model_len as usize;
    check_length(prompt_tokens, max_tokens.unwrap_or(0), max_model_len, param)?;
    let limits = super::completions::limits(
        max_tokens,
        request.min_tokens,
        request.ignore_eos,
        max_model_len - prompt_tokens,
    )?;
    let n = super::completions::choices(request.n)?;
    let replies: Vec<Reply> = (0..n).map(|i| generation::reply(&prompt, i, limits)).collect();
    let completion_tokens = replies.iter().map(Reply::tokens).sum();
    let usage = Usage::new(prompt_tokens, completion_tokens);
    let streamed = request.stream.unwrap_or(false);
    let outcome = Outcome::ai(
        &requested,
        messages.len(),
        format!("chat completion with {completion_tokens} tokens"),
    )
    .with_work(Work {
        prompt_tokens,
        completion_tokens,
        finish_reason: super::completions::finish_reason(&replies),
        // The role chunks go out with the first token.
        stream: streamed.then_some(StreamShape {
            leading_frames: n,
            token_frames: completion_tokens,
        }),
    });

    let frame = Frame {
        id: super::request_id("chatcmpl", headers, request.request_id.as_deref()),
        created: unix_now(),
        model: state.models.served_name().to_owned(),
    };
    if streamed {
        let (include_usage, continuous) = StreamOptions::usage(request.stream_options.as_ref());
        let chunks = frame.chunks(&replies, prompt_tokens, continuous, include_usage.then_some(usage));
        return Ok(outcome.attach(super::sse::stream(&chunks)));
    }
    let choices = replies
        .iter()
        .enumerate()
        .map(|(index, reply)| ChatChoice {
            index,
            message: AssistantMessage::reply(reply.text()),
            logprobs: None,
            finish_reason: Some(reply.finish_reason.to_owned()),
            stop_reason: None,
            token_ids: None,
        })
        .collect();
    Ok(outcome.attach(Json(ChatCompletionResponse {
        id: frame.id,
        object: "chat.completion".to_owned(),
        created: frame.created,
        model: frame.model,
        choices,
        usage,
        unused: Default::default(),
    })))
}

/// What every chunk of one answer shares.
struct Frame {
    id: String,
    created: u64,
    model: String,
}

impl Frame {
    /// vLLM's chunk sequence: a role chunk per choice, then a chunk per token, the choices
    /// taking turns (the last of each with its finish reason), then the usage with no choices
    /// when the client asked for it. With `continuous_usage_stats` every chunk also carries the
    /// usage so far of its choice.
    fn chunks(
        &self,
        replies: &[Reply],
        prompt_tokens: usize,
        continuous: bool,
        usage: Option<Usage>,
    ) -> Vec<ChatCompletionChunk> {
        let chunk =
            |index: usize, delta: Delta, finish_reason: Option<&str>, tokens_so_far: usize| ChatCompletionChunk {
                id: self.id.clone(),
                object: "chat.completion.chunk".to_owned(),
                created: self.created,
                model: self.model.clone(),
                choices: vec![ChatChunkChoice {
                    index,
                    delta,
                    logprobs: None,
                    finish_reason: finish_reason.map(str::to_owned),
                }],
                usage: continuous.then(|| Usage::new(prompt_tokens, tokens_so_far)),
            };
        let mut chunks: Vec<ChatCompletionChunk> = (0..replies.len())
            .map(|index| {
                let role = Delta {
                    role: Some("assistant".to_owned()),
                    content: Some(String::new()),
                };
                chunk(index, role, None, 0)
            })
            .collect();
        let pieces: Vec<Vec<String>> = replies.iter().map(|r| r.pieces().collect()).collect();
        let longest = replies.iter().map(Reply::tokens).max().unwrap_or(0);
        for step in 0..longest {
            for (index, reply) in replies.iter().enumerate() {
                let Some(piece) = pieces[index].get(step) else { continue };
                let delta = Delta {
                    role: None,
                    content: Some(piece.clone()),
                };
                let last = step + 1 == reply.tokens();
                chunks.push(chunk(index, delta, last.then_some(reply.finish_reason), step + 1));
            }
        }
        if let Some(usage) = usage {
            chunks.push(ChatCompletionChunk {
                choices: vec![],
                usage: Some(usage),
                ..chunk(0, Delta::default(), None, 0)
            });
        }
        chunks
    }
}
