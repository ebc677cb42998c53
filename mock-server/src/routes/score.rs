//! `POST /score` (`/v1/score`) and `POST /rerank` (`/v1/rerank`, `/v2/rerank`): for an
//! embedding model vLLM scores a pair by the cosine similarity of its two embeddings; so does
//! the mock, with its own embeddings.

use std::borrow::Cow;

use axum::Json;
use http::HeaderMap;

use super::prompts::Tokenized;
use crate::embedding::embed;
use crate::openai::Counting;
use crate::openai::embeddings::TokenizeParams;
use crate::openai::score::{
    RerankDocument, RerankRequest, RerankResponse, RerankResult, RerankUsage, ScoreData, ScoreRequest, ScoreResponse,
};
use crate::openai::usage::Usage;
use crate::openai::{ApiError, unix_now};
use crate::outcome::{Outcome, Served, Work};
use crate::state::AppState;

/// Answers a score request (also for `/invocations`).
pub fn serve_score(
    state: &AppState,
    headers: &HeaderMap,
    request: ScoreRequest,
) -> Result<Served<Json<ScoreResponse>>, ApiError> {
    let requested = state.models.resolve(request.model.as_deref())?;
    let params = request.tokenize_params();
    let architecture = state.config.model_profile.architecture();
    let (queries, documents) = match request.sides() {
        Some((a, b)) => (a.texts(architecture)?, b.texts(architecture)?),
        None => Default::default(),
    };
    let pairs = Pairs::scored(&queries, &documents, params, state)?;
    let data = pairs
        .scores
        .iter()
        .enumerate()
        .map(|(index, &score)| ScoreData {
            index,
            object: "score".to_owned(),
            score,
        })
        .collect();
    let response = ScoreResponse {
        id: super::request_id("score", headers, None),
        object: "list".to_owned(),
        created: unix_now(),
        model: state.models.served_name().to_owned(),
        data,
        usage: Usage::new(pairs.prompt_tokens, 0),
    };
    Ok(pairs.outcome(&requested).serve(Json(response)))
}

/// Answers a rerank request (also for `/invocations`): every document scored against the
/// query, best first, the first `top_n` when it is set.
pub fn serve_rerank(
    state: &AppState,
    headers: &HeaderMap,
    request: RerankRequest,
) -> Result<Served<Json<RerankResponse>>, ApiError> {
    let requested = state.models.resolve(request.model.as_deref())?;
    let params = request.tokenize_params();
    let architecture = state.config.model_profile.architecture();
    let query = match &request.query {
        Some(query) => vec![query.text(architecture)?],
        None => vec![],
    };
    let documents = match &request.documents {
        Some(documents) => documents.texts(architecture)?,
        None => vec![],
    };
    let pairs = Pairs::scored(&query, &documents, params, state)?;
    let mut results: Vec<RerankResult> = documents
        .into_iter()
        .zip(&pairs.scores)
        .enumerate()
        .map(|(index, (text, &relevance_score))| RerankResult {
            index,
            document: RerankDocument {
                text: Some(text.to_owned()),
                multi_modal: None,
            },
            relevance_score,
        })
        .collect();
    // Python's sort is stable, and so is this one: equal scores keep the documents' order.
    results.sort_by(|a, b| b.relevance_score.total_cmp(&a.relevance_score));
    let top_n = match request.top_n {
        Some(n) if n > 0 => usize::try_from(n).unwrap_or(usize::MAX),
        _ => results.len(),
    };
    results.truncate(top_n);
    let response = RerankResponse {
        id: super::request_id("score", headers, None),
        model: state.models.served_name().to_owned(),
        usage: RerankUsage {
            prompt_tokens: pairs.prompt_tokens,
            total_tokens: pairs.prompt_tokens,
        },
        results,
    };
    Ok(pairs.outcome(&requested).serve(Json(response)))
}

/// Query-document pairs, scored.
struct Pairs {
    scores: Vec<f64>,
    /// Both texts of every pair, as vLLM counts a pair's prompt.
    prompt_tokens: usize,
}

impl Pairs {
    /// Pairs `queries` with `documents` as vLLM does (1:1, 1:N or N:N) and scores each.
    fn scored(
        queries: &[&str],
        documents: &[&str],
        params: TokenizeParams,
        state: &AppState,
    ) -> Result<Self, ApiError> {
        if queries.len() > 1 && queries.len() != documents.len() {
            return Err(ApiError::bad_request(
                "Input lengths must be either 1:1, 1:N or N:N",
                None,
            ));
        }
        if queries.is_empty() {
            return Err(ApiError::bad_request("At least one text element must be given", None));
        }
        if documents.is_empty() {
            return Err(ApiError::bad_request(
                "At least one text_pair element must be given",
                None,
            ));
        }
        let queries = tokenize(queries, params, state)?;
        let documents = tokenize(documents, params, state)?;
        super::embeddings::check_size(queries.len() + documents.len(), state.config.embedding_dimensions)?;
        let vector = |prompt: &Tokenized<'_>| embed(&prompt.text, state.config.embedding_dimensions, false);
        let query_vectors: Vec<Vec<f64>> = queries.iter().map(vector).collect();
        let scores = documents
            .iter()
            .enumerate()
            .map(|(i, document)| {
                let q = if queries.len() == 1 { 0 } else { i };
                cosine(&query_vectors[q], &vector(document))
            })
            .collect();
        // vLLM embeds each text once, a 1:N query too, and counts what it embedded.
        let prompt_tokens = queries.iter().chain(&documents).map(|p| p.tokens).sum();
        Ok(Pairs { scores, prompt_tokens })
    }

    fn outcome(&self, model: &str) -> Outcome {
        Outcome::ai(model, self.scores.len(), format!("{} scores", self.scores.len())).with_work(Work {
            prompt_tokens: self.prompt_tokens,
            completion_tokens: 0,
            finish_reason: "stop",
        })
    }
}

fn tokenize<'a>(texts: &[&'a str], params: TokenizeParams, state: &AppState) -> Result<Vec<Tokenized<'a>>, ApiError> {
    super::prompts::tokenized(
        texts.iter().map(|&t| Cow::Borrowed(t)).collect(),
        Counting::Text {
            add_special_tokens: true,
        },
        params,
        state,
    )
}

/// Cosine similarity; 0 when either vector is all zeros.
pub fn cosine(a: &[f64], b: &[f64]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let denominator = norm(a) * norm(b);
    if denominator == 0.0 { 0.0 } else { dot / denominator }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_of_parallel_opposite_and_orthogonal_vectors() {
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-12);
        assert!((cosine(&[1.0, 0.0], &[-3.0, 0.0]) + 1.0).abs() < 1e-12);
        assert_eq!(cosine(&[1.0, 0.0], &[0.0, 1.0]), 0.0);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 1.0]), 0.0);
    }
}
