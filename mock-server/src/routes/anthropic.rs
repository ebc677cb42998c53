//! `POST /v1/messages`: Anthropic's Messages API, served as vLLM 0.33.0 serves it. vLLM makes
//! a chat completion request of it (the system prompt first, the messages, `max_tokens`,
//! `stop_sequences` as `stop`, the sampling fields, tools as functions), answers that as
//! `/v1/chat/completions` would and turns the answer into Anthropic's message, stream or
//! error body; so does the mock, through the same chat path.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;

use super::chat::generate;
use super::sse::Events;
use crate::openai::anthropic::{
    AnthropicCountTokensRequest, AnthropicCountTokensResponse, AnthropicError, AnthropicErrorResponse,
    AnthropicMessagesRequest, AnthropicMessagesResponse, AnthropicUsage, ContextManagement, MessageDelta, StreamEvent,
    StreamedMessage, TextBlock, TextDelta, error_type,
};
use crate::openai::anthropic_chat;
use crate::openai::chat::ChatCompletionRequest;
use crate::openai::{ApiError, parse_body};
use crate::outcome::{FrameKind, Outcome, Served};
use crate::state::AppState;

pub fn create(state: &AppState, headers: &HeaderMap, request: AnthropicMessagesRequest) -> Served<Response> {
    match answer(state, headers, &request) {
        Ok(served) => served,
        Err(error) => refusal(error),
    }
}

/// `POST /v1/messages/count_tokens`: the conversation rendered as `/v1/messages` renders it,
/// refused as it refuses it, and its prompt's tokens counted.
pub fn count_tokens(state: &AppState, _: &HeaderMap, request: AnthropicCountTokensRequest) -> Served<Response> {
    match counted(state, request.into_messages_request()) {
        Ok(served) => served,
        Err(error) => refusal(error),
    }
}

fn counted(state: &AppState, request: AnthropicMessagesRequest) -> Result<Served<Response>, ApiError> {
    let generated = generate(state, &chat_request(&request)?)?;
    let input_tokens = generated.prompt_tokens;
    let outcome = Outcome::ai(
        state.models.resolve_listing_names(Some(&request.model))?,
        request.messages.len(),
        format!("{input_tokens} input tokens counted"),
    );
    let counted = AnthropicCountTokensResponse {
        input_tokens,
        context_management: ContextManagement {
            original_input_tokens: input_tokens,
        },
    };
    Ok(outcome.serve(Json(counted).into_response()))
}

fn answer(
    state: &AppState,
    headers: &HeaderMap,
    request: &AnthropicMessagesRequest,
) -> Result<Served<Response>, ApiError> {
    let generated = generate(state, &chat_request(request)?)?;
    let outcome = generated.outcome("message");
    // The chat completion's id, which takes the client's `X-Request-Id`.
    let id = super::request_id("chatcmpl", headers, None);
    let model = state.models.served_name().to_owned();
    let Some(reply) = generated.replies.first() else {
        return Err(ApiError::bad_request(crate::openai::NO_PROMPT, None));
    };
    let usage = AnthropicUsage {
        input_tokens: generated.prompt_tokens,
        output_tokens: reply.tokens(),
    };
    let stop_reason = stop_reason(reply.finish_reason);
    if request.stream == Some(true) {
        let mut events = Events::with_capacity(reply.tokens() + 5);
        let start = StreamEvent::MessageStart {
            message: StreamedMessage {
                id,
                kind: "message",
                role: "assistant",
                content: [],
                model,
                stop_reason: None,
                stop_sequence: None,
                usage: AnthropicUsage {
                    output_tokens: 0,
                    ..usage
                },
            },
        };
        let block = StreamEvent::ContentBlockStart {
            content_block: TextBlock {
                kind: "text",
                text: String::new(),
            },
            index: 0,
        };
        push(&mut events, FrameKind::Lead, &start);
        push(&mut events, FrameKind::Lead, &block);
        for text in reply.pieces() {
            let delta = StreamEvent::ContentBlockDelta {
                delta: TextDelta {
                    kind: "text_delta",
                    text,
                },
                index: 0,
            };
            push(&mut events, FrameKind::Token, &delta);
        }
        let delta = StreamEvent::MessageDelta {
            delta: MessageDelta {
                stop_reason: Some(stop_reason),
                stop_sequence: None,
            },
            usage,
        };
        for event in [
            StreamEvent::ContentBlockStop { index: 0 },
            delta,
            StreamEvent::MessageStop,
        ] {
            push(&mut events, FrameKind::Tail, &event);
        }
        return Ok(outcome.serve(events.finish_without_done()));
    }
    let response = AnthropicMessagesResponse {
        id,
        kind: "message",
        role: "assistant",
        content: vec![TextBlock {
            kind: "text",
            text: reply.text(),
        }],
        model,
        stop_reason: Some(stop_reason),
        stop_sequence: None,
        usage,
    };
    Ok(outcome.serve(Json(response).into_response()))
}

/// The chat completion request vLLM makes of it, parsed as `/v1/chat/completions` parses one.
fn chat_request(request: &AnthropicMessagesRequest) -> Result<ChatCompletionRequest, ApiError> {
    let chat = anthropic_chat::chat_request(request).map_err(|refusal| ApiError::bad_request(&refusal, None))?;
    parse_body::<ChatCompletionRequest>(&serde_json::to_vec(&chat).unwrap_or_default())
}

fn push(events: &mut Events, kind: FrameKind, event: &StreamEvent) {
    events.push_named(kind, event.name(), event);
}

/// Anthropic's stop reason for a chat finish reason: `max_tokens` for a cut reply, else
/// `end_turn` (the mock's words never end on a stop string).
fn stop_reason(finish_reason: &str) -> &'static str {
    match finish_reason {
        "length" => "max_tokens",
        _ => "end_turn",
    }
}

/// An error, in Anthropic's body with the status vLLM gives it.
fn refusal(error: ApiError) -> Served<Response> {
    let status = error.status();
    let outcome = error.outcome();
    let body = AnthropicErrorResponse {
        kind: "error",
        error: AnthropicError {
            kind: error_type(status.as_u16()),
            message: error.body().error.message,
        },
    };
    outcome.serve((status, Json(body)).into_response())
}
