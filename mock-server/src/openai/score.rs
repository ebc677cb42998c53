//! `POST /score` and `POST /rerank`: vLLM's `ScoreRequest` (in its four spellings of the two
//! sides), `RerankRequest`, `ScoreResponse` and `RerankResponse`.

use serde::{Deserialize, Serialize};

use super::RequestBody;
use super::embeddings::{TokenizeParams, TruncationSide};
use super::usage::Usage;
use super::validation::{FieldError, lax_int};

/// One text or a list of them (vLLM's `ScoreInput | list[ScoreInput]`, text only).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged, expecting = "expected a string or an array of strings")]
pub enum Texts {
    One(String),
    Many(Vec<String>),
}

impl Texts {
    pub fn as_slice(&self) -> &[String] {
        match self {
            Texts::One(text) => std::slice::from_ref(text),
            Texts::Many(texts) => texts,
        }
    }

    pub fn into_vec(self) -> Vec<String> {
        match self {
            Texts::One(text) => vec![text],
            Texts::Many(texts) => texts,
        }
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
    pub use_activation: Option<bool>,
    pub user: Option<String>,
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
    pub query: Option<String>,
    pub documents: Option<Texts>,
    #[serde(default, with = "lax_int")]
    pub top_n: Option<i64>,
    #[serde(default, with = "lax_int")]
    pub truncate_prompt_tokens: Option<i64>,
    pub truncation_side: Option<TruncationSide>,
    pub use_activation: Option<bool>,
    pub user: Option<String>,
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
