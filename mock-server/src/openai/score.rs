//! `POST /score` and `POST /rerank`: vLLM's `ScoreRequest` (in its four spellings of the two
//! sides), `RerankRequest`, `ScoreResponse` and `RerankResponse`.

use serde::{Deserialize, Serialize};

use super::embeddings::{TokenizeParams, TruncationSide};
use super::usage::Usage;
use super::validation::{FieldError, lax_int};
use super::{ApiError, RequestBody};

/// One side of a pair: a text, or vLLM's `ScoreMultiModalParam` (`{"content": [parts]}`), which
/// only a multimodal model scores.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged, expecting = "expected a string or an object with content parts")]
pub enum ScoreInput {
    Text(String),
    MultiModal { content: Vec<serde_json::Value> },
}

impl ScoreInput {
    /// The text, or vLLM's refusal of content parts for a text-only model (`architecture`).
    pub fn text(&self, architecture: &str) -> Result<&str, ApiError> {
        match self {
            ScoreInput::Text(text) => Ok(text),
            ScoreInput::MultiModal { .. } => Err(ApiError::bad_request(
                format!("MultiModalParam is not supported for {architecture}"),
                None,
            )),
        }
    }
}

/// One input or a list of them (vLLM's `ScoreInput | list[ScoreInput]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(
    untagged,
    expecting = "expected a string, an object with content parts, or an array of them"
)]
pub enum Texts {
    One(ScoreInput),
    Many(Vec<ScoreInput>),
}

impl Texts {
    pub fn as_slice(&self) -> &[ScoreInput] {
        match self {
            Texts::One(input) => std::slice::from_ref(input),
            Texts::Many(inputs) => inputs,
        }
    }

    /// Every input's text, as vLLM's `_validate_mm_score_input` reads them.
    pub fn texts(&self, architecture: &str) -> Result<Vec<&str>, ApiError> {
        self.as_slice().iter().map(|input| input.text(architecture)).collect()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ScoreRequest {
    pub model: Option<String>,
    pub queries: Option<Texts>,
    pub documents: Option<Texts>,
    pub items: Option<Texts>,
    pub data_1: Option<Texts>,
    pub data_2: Option<Texts>,
    pub text_1: Option<Texts>,
    pub text_2: Option<Texts>,
    #[serde(default, with = "lax_int")]
    pub truncate_prompt_tokens: Option<i64>,
    pub truncation_side: Option<TruncationSide>,
    #[expect(dead_code, reason = "read to be refused as vLLM refuses it; the answer needs none")]
    pub use_activation: Option<bool>,
    #[expect(dead_code, reason = "read to be refused as vLLM refuses it; the answer needs none")]
    pub user: Option<String>,
    #[expect(dead_code, reason = "read to be refused as vLLM refuses it; the answer needs none")]
    pub request_id: Option<String>,
}

impl ScoreRequest {
    /// The two sides, whichever names the body gave them.
    pub fn sides(&self) -> Option<(&Texts, &Texts)> {
        let pairs = [
            (&self.queries, &self.documents),
            (&self.queries, &self.items),
            (&self.data_1, &self.data_2),
            (&self.text_1, &self.text_2),
        ];
        pairs.into_iter().find_map(|(a, b)| a.as_ref().zip(b.as_ref()))
    }

    pub fn tokenize_params(&self) -> TokenizeParams {
        TokenizeParams {
            tokens: self.truncate_prompt_tokens,
            side: self.truncation_side,
            pad_to_max_length: false,
        }
    }
}

impl RequestBody for ScoreRequest {
    fn schema() -> Option<&'static super::pydantic::Schema> {
        Some(&super::vllm_models::SCORE_REQUEST)
    }

    fn check(&self) -> Vec<FieldError> {
        let mut errors = self.tokenize_params().check();
        if self.sides().is_none() {
            // The first of vLLM's spellings, as pydantic names it first.
            if self.queries.is_none() {
                errors.push(FieldError::missing("queries"));
            }
            if self.documents.is_none() {
                errors.push(FieldError::missing("documents"));
            }
        }
        errors
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct RerankRequest {
    pub model: Option<String>,
    pub query: Option<ScoreInput>,
    pub documents: Option<Texts>,
    #[serde(default, with = "lax_int")]
    pub top_n: Option<i64>,
    #[serde(default, with = "lax_int")]
    pub truncate_prompt_tokens: Option<i64>,
    pub truncation_side: Option<TruncationSide>,
    #[expect(dead_code, reason = "read to be refused as vLLM refuses it; the answer needs none")]
    pub use_activation: Option<bool>,
    #[expect(dead_code, reason = "read to be refused as vLLM refuses it; the answer needs none")]
    pub user: Option<String>,
    #[expect(dead_code, reason = "read to be refused as vLLM refuses it; the answer needs none")]
    pub request_id: Option<String>,
}

impl RerankRequest {
    pub fn tokenize_params(&self) -> TokenizeParams {
        TokenizeParams {
            tokens: self.truncate_prompt_tokens,
            side: self.truncation_side,
            pad_to_max_length: false,
        }
    }
}

impl RequestBody for RerankRequest {
    fn schema() -> Option<&'static super::pydantic::Schema> {
        Some(&super::vllm_models::RERANK_REQUEST)
    }

    fn check(&self) -> Vec<FieldError> {
        let mut errors = self.tokenize_params().check();
        errors.extend(FieldError::check_ge("top_n", self.top_n, 0));
        if self.query.is_none() {
            errors.push(FieldError::missing("query"));
        }
        if self.documents.is_none() {
            errors.push(FieldError::missing("documents"));
        }
        errors
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreResponse {
    pub id: String,
    pub object: String,
    pub created: u64,
    pub model: String,
    pub data: Vec<ScoreData>,
    pub usage: Usage,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreData {
    pub index: usize,
    pub object: String,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RerankResponse {
    pub id: String,
    pub model: String,
    pub usage: RerankUsage,
    pub results: Vec<RerankResult>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RerankUsage {
    pub prompt_tokens: usize,
    pub total_tokens: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RerankResult {
    pub index: usize,
    pub document: RerankDocument,
    pub relevance_score: f64,
}

/// vLLM's `RerankDocument`: the text, and `multi_modal` (always null here).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RerankDocument {
    pub text: Option<String>,
    pub multi_modal: Option<serde_json::Value>,
}
