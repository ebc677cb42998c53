//! `POST /generative_scoring`, for a generative model, as vLLM 0.33.0 serves it: each item's
//! prompt is the query's tokens and the item's (the item first with `item_first`), cut to
//! leave room for one token; the engine generates that one token with the labels' logprobs,
//! and an item's score is its first label's probability, normalised over the labels with
//! `apply_softmax` (the default), else over the vocabulary.
//!
//! The mock's engine gives each label a logprob from `sha256` of the prompt's token ids and
//! the label, so a score is deterministic, in (0, 1), and differs by item and label.

use axum::Json;
use http::HeaderMap;
use sha2::{Digest, Sha256};

use crate::openai::generative_scoring::{
    GenerativeScoringRequest, GenerativeScoringResponse, ItemScore, ScoringItems, ScoringText,
};
use crate::openai::usage::Usage;
use crate::openai::{ApiError, unix_now};
use crate::outcome::{Outcome, Served};
use crate::state::AppState;

pub fn create(
    state: &AppState,
    headers: &HeaderMap,
    request: GenerativeScoringRequest,
) -> Result<Served<Json<GenerativeScoringResponse>>, ApiError> {
    let requested = state.models.resolve_listing_names(request.model.as_deref())?;
    let vocab_size = i64::from(state.config.vocab_size());
    if let Some(id) = request.label_token_ids.iter().find(|id| !(0..vocab_size).contains(*id)) {
        return Err(ApiError::bad_request(
            format!(
                "label_token_id {id} is out of vocabulary range [0, {vocab_size}). Please provide valid token IDs."
            ),
            None,
        ));
    }
    if request.label_token_ids.is_empty() {
        return Err(ApiError::bad_request(
            "label_token_ids must contain at least one token ID.",
            None,
        ));
    }
    if request.items.is_empty() {
        return Err(ApiError::bad_request("items must contain at least one item.", None));
    }
    let ids = |text: &str, special| -> Vec<i64> {
        state
            .tokenizer
            .token_ids(text, special)
            .into_iter()
            .map(i64::from)
            .collect()
    };
    let query = match &request.query {
        ScoringText::Text(text) => ids(text, request.add_special_tokens != Some(false)),
        ScoringText::TokenIds(tokens) => tokens.clone(),
    };
    // Items get no special tokens, so the query's are not doubled.
    let items: Vec<Vec<i64>> = match &request.items {
        ScoringItems::Texts(texts) => texts.iter().map(|text| ids(text, false)).collect(),
        ScoringItems::TokenIds(items) => items.clone(),
    };
    let room = (state.config.max_model_len as usize).saturating_sub(1);
    let prompts: Vec<Vec<i64>> = items
        .into_iter()
        .map(|item| {
            let mut prompt = if request.item_first == Some(true) {
                [item, query.clone()].concat()
            } else {
                [query.clone(), item].concat()
            };
            prompt.truncate(room);
            prompt
        })
        .collect();
    let data = prompts
        .iter()
        .enumerate()
        .map(|(index, prompt)| {
            let logprobs: Vec<f64> = request
                .label_token_ids
                .iter()
                .map(|&label| logprob(prompt, label))
                .collect();
            // The first label's, which leads the list.
            let first = logprobs[0];
            let score = if request.apply_softmax == Some(false) {
                first.exp()
            } else {
                let max = logprobs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let sum: f64 = logprobs.iter().map(|l| (l - max).exp()).sum();
                (first - max).exp() / sum
            };
            ItemScore {
                index,
                object: "score",
                score,
            }
        })
        .collect::<Vec<_>>();
    let prompt_tokens = prompts.iter().map(Vec::len).sum();
    // One generated token per item.
    let usage = Usage::new(prompt_tokens, prompts.len());
    let outcome = Outcome::ai(requested, prompts.len(), format!("{} items scored", prompts.len()));
    Ok(outcome.serve(Json(GenerativeScoringResponse {
        id: super::request_id("generative-scoring", headers, request.request_id.as_deref()),
        object: "list",
        created: unix_now(),
        model: state.models.served_name().to_owned(),
        data,
        usage,
    })))
}

/// The mock engine's logprob of `label` as the next token after `prompt`: in [-10, -0.01].
fn logprob(prompt: &[i64], label: i64) -> f64 {
    let mut hasher = Sha256::new();
    for id in prompt {
        hasher.update(id.to_le_bytes());
    }
    hasher.update(label.to_le_bytes());
    let digest = hasher.finalize();
    let n = u16::from_be_bytes([digest[0], digest[1]]);
    -0.01 - f64::from(n) / f64::from(u16::MAX) * 9.99
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logprobs_are_deterministic_and_in_range() {
        let (a, b) = (logprob(&[1, 2], 5), logprob(&[1, 2], 6));
        assert_eq!(a, logprob(&[1, 2], 5));
        assert_ne!(a, b);
        assert!((-10.0..=-0.01).contains(&a), "{a}");
    }
}
