//! `POST /generative_scoring`: vLLM 0.33.0's `GenerativeScoringRequest` and its answer. A
//! generative model scores each item by how likely its first label token is to come next after
//! the query and the item.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::RequestBody;
use super::model_validators::cache_salt_errors;
use super::usage::Usage;
use super::validation::{FieldError, lax_bool};

/// A vLLM `OpenAIBaseModel`.
#[derive(Debug, Clone, Deserialize)]
pub struct GenerativeScoringRequest {
    pub model: Option<String>,
    pub query: ScoringText,
    pub items: ScoringItems,
    pub label_token_ids: Vec<i64>,
    #[serde(default, with = "lax_bool")]
    pub apply_softmax: Option<bool>,
    #[serde(default, with = "lax_bool")]
    pub item_first: Option<bool>,
    #[serde(default, with = "lax_bool")]
    pub add_special_tokens: Option<bool>,
    pub cache_salt: Option<Value>,
    pub request_id: Option<String>,
}

/// A query: text, or token ids.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ScoringText {
    Text(String),
    TokenIds(Vec<i64>),
}

/// The items: all texts, or all token-id lists.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ScoringItems {
    Texts(Vec<String>),
    TokenIds(Vec<Vec<i64>>),
}

impl ScoringItems {
    pub fn len(&self) -> usize {
        match self {
            ScoringItems::Texts(items) => items.len(),
            ScoringItems::TokenIds(items) => items.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl RequestBody for GenerativeScoringRequest {
    fn schema() -> Option<&'static super::pydantic::Schema> {
        Some(&super::vllm_models::GENERATIVE_SCORING_REQUEST)
    }

    /// `check_cache_salt_support`.
    fn check(&self) -> Vec<FieldError> {
        cache_salt_errors(self.cache_salt.as_ref())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct GenerativeScoringResponse {
    pub id: String,
    pub object: &'static str,
    pub created: u64,
    pub model: String,
    pub data: Vec<ItemScore>,
    pub usage: Usage,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemScore {
    pub index: usize,
    pub object: &'static str,
    pub score: f64,
}
