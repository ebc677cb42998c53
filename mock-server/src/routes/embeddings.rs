//! `POST /v1/embeddings`.

use std::borrow::Cow;
use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;

use super::extract::VllmJson;
use crate::embedding::{MAX_VALUES_PER_REQUEST, embed, to_le_f32_bytes, word_count};
use crate::openai::chat::ChatMessage;
use crate::openai::embeddings::{
    Conversations, EmbeddingData, EmbeddingInput, EmbeddingRequest, EmbeddingResponse, EmbeddingValue, EncodingFormat,
    render_conversation,
};
use crate::openai::usage::Usage;
use crate::openai::{ApiError, response_id, unix_now};
use crate::outcome::{Outcome, Work};
use crate::state::AppState;

pub async fn create(
    State(state): State<Arc<AppState>>,
    VllmJson(request): VllmJson<EmbeddingRequest>,
) -> Result<Response, ApiError> {
    let model = state.models.resolve(request.model.as_deref())?;
    let texts = texts(&request)?;
    let dimensions = dimensions(request.dimensions, &state)?;
    let normalize = request.normalize.unwrap_or(state.config.normalize);

    let values = texts.len().saturating_mul(dimensions);
    if values > MAX_VALUES_PER_REQUEST {
        return Err(ApiError::bad_request(
            format!(
                "The request asks for {values} values ({} inputs x {dimensions} dimensions); the limit is {MAX_VALUES_PER_REQUEST}.",
                texts.len()
            ),
            "input",
        ));
    }
    let data = texts
        .iter()
        .enumerate()
        .map(|(index, text)| {
            let values = embed(text, dimensions, normalize);
            EmbeddingData {
                index,
                object: "embedding".to_owned(),
                embedding: match request.encoding_format {
                    EncodingFormat::Float => EmbeddingValue::Float(values),
                    EncodingFormat::Base64 => EmbeddingValue::Base64(BASE64.encode(to_le_f32_bytes(&values))),
                },
            }
        })
        .collect();
    let prompt_tokens = texts.iter().map(|t| word_count(t)).sum();

    let summary = match texts.len() {
        1 => format!("embedding with {dimensions} dims"),
        n => format!("{n} embeddings with {dimensions} dims"),
    };
    let response = EmbeddingResponse {
        id: response_id("embd"),
        object: "list".to_owned(),
        created: unix_now(),
        model: model.clone(),
        data,
        usage: Usage::new(prompt_tokens, 0),
    };
    let work = Work {
        prompt_tokens,
        completion_tokens: 0,
        finish_reason: "stop",
        stream: None,
    };
    Ok(Outcome::ai(&model, texts.len(), summary)
        .with_work(work)
        .attach(Json(response)))
}

/// What gets embedded: the prompts of `input`, or the rendered conversations of `input` or
/// `messages` (vLLM's chat-style embeddings request).
fn texts(request: &EmbeddingRequest) -> Result<Vec<Cow<'_, str>>, ApiError> {
    let generation_prompt = request.add_generation_prompt.unwrap_or(false);
    if generation_prompt && request.continue_final_message.unwrap_or(false) {
        return Err(ApiError::Validation {
            message: "Cannot set both `continue_final_message` and `add_generation_prompt` to True.".to_owned(),
            param: None,
        });
    }
    let render = |conversations: &[Vec<ChatMessage>]| -> Result<Vec<Cow<'_, str>>, ApiError> {
        if conversations.is_empty() || conversations.iter().any(Vec::is_empty) {
            return Err(ApiError::bad_request("Messages must not be empty.", "messages"));
        }
        Ok(conversations
            .iter()
            .map(|c| Cow::Owned(render_conversation(c, generation_prompt)))
            .collect())
    };
    match (&request.input, &request.messages) {
        (Some(EmbeddingInput::Prompt(prompt)), _) if prompt.is_empty() => {
            Err(ApiError::bad_request("Input must not be empty.", "input"))
        }
        (Some(EmbeddingInput::Prompt(prompt)), _) => Ok(prompt.texts()),
        (Some(EmbeddingInput::Conversation(messages)), _) => render(std::slice::from_ref(messages)),
        (Some(EmbeddingInput::Conversations(batch)), _) => render(batch),
        (None, Some(Conversations::One(messages))) => render(std::slice::from_ref(messages)),
        (None, Some(Conversations::Batch(batch))) => render(batch),
        (None, None) => Err(super::missing("input")),
    }
}

fn dimensions(requested: Option<i64>, state: &AppState) -> Result<usize, ApiError> {
    let max = state.config.max_dimensions;
    match requested {
        None => Ok(state.config.embedding_dimensions),
        Some(n) if n >= 1 && usize::try_from(n).is_ok_and(|n| n <= max) => Ok(n as usize),
        Some(n) => Err(ApiError::bad_request(
            format!("dimensions must be between 1 and {max}, got {n}."),
            "dimensions",
        )),
    }
}
