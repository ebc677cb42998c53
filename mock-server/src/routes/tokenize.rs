//! `POST /tokenize` and `POST /detokenize`, with the mock's tokenizer.

use axum::Json;
use http::HeaderMap;

use crate::openai::ApiError;
use crate::openai::embeddings::render_conversation;
use crate::openai::tokenize::{DetokenizeRequest, DetokenizeResponse, TokenizeRequest, TokenizeResponse};
use crate::openai::validation::Int;
use crate::outcome::{Outcome, Served};
use crate::state::AppState;

pub fn tokenize(
    state: &AppState,
    _: &HeaderMap,
    request: TokenizeRequest,
) -> Result<Served<Json<TokenizeResponse>>, ApiError> {
    let model = state.models.resolve_listing_names(request.model.as_deref())?;
    // With both, vLLM reads the request as a chat one: `messages` wins.
    let text = match (&request.prompt, &request.messages) {
        (_, Some(messages)) => {
            super::embeddings::require_chat_template(state)?;
            render_conversation(messages, request.add_generation_prompt.unwrap_or(true))
        }
        (Some(prompt), None) => prompt.clone(),
        (None, None) => String::new(),
    };
    // A conversation is rendered with its template's own special tokens.
    let add_special_tokens = request.add_special_tokens.unwrap_or(request.messages.is_none());
    let (tokens, words): (Vec<u32>, Vec<String>) = state
        .tokenizer
        .tokenize(&text, add_special_tokens)
        .into_iter()
        .map(|token| (token.id, token.text))
        .unzip();
    let summary = format!("{} tokens", tokens.len());
    Ok(Outcome::ai(&model, 1, summary).serve(Json(TokenizeResponse {
        count: tokens.len(),
        max_model_len: state.config.max_model_len,
        tokens,
        token_strs: request.return_token_strs.unwrap_or(false).then_some(words),
    })))
}

pub fn detokenize(
    state: &AppState,
    _: &HeaderMap,
    request: DetokenizeRequest,
) -> Result<Served<Json<DetokenizeResponse>>, ApiError> {
    let model = state.models.resolve_listing_names(request.model.as_deref())?;
    let ids: Vec<u64> = request
        .tokens
        .unwrap_or_default()
        .into_iter()
        .map(|Int(id)| id.unsigned_abs())
        .collect();
    // vLLM decodes whatever ids come; the tokenizer skips those it does not know.
    let prompt = state.tokenizer.detokenize(&ids);
    let summary = format!("{} tokens", ids.len());
    Ok(Outcome::ai(&model, 1, summary).serve(Json(DetokenizeResponse { prompt })))
}
