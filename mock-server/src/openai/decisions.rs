//! vLLM 0.33.0's decision APIs: `POST /v1/decisions` (OpenAI's Decisions API,
//! `DecisionRequest`) and `POST /v1/systemone` (vLLM's structured decisions,
//! `StructuredDecisionRequest`). vLLM serves them only for a model its decision strategies
//! take; for the others (the oracle's models among them) it validates the request and answers
//! 501. The mock's models are of the others, so it reads only what decides the refusal.

use serde::Deserialize;
use serde_json::Value;

use super::RequestBody;
use super::model_validators::cache_salt_errors;
use super::validation::FieldError;

/// `DecisionRequest`: read for its shape only, as the refusal comes after it; its questions are
/// taken as they come (see [`super::vllm_models`]).
#[expect(dead_code, reason = "read to be refused as vLLM refuses it; no model answers it")]
#[derive(Debug, Clone, Deserialize)]
pub struct DecisionRequest {
    pub model: String,
    pub input: DecisionInput,
    pub questions: Vec<Value>,
    pub safety_identifier: Option<String>,
    #[serde(default)]
    pub joint: bool,
    pub cache_salt: Option<Value>,
}

#[expect(dead_code, reason = "read for its shape only")]
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum DecisionInput {
    Text(String),
    Messages(Vec<Value>),
}

/// `StructuredDecisionRequest`, read as [`DecisionRequest`] is.
#[expect(dead_code, reason = "read to be refused as vLLM refuses it; no model answers it")]
#[derive(Debug, Clone, Deserialize)]
pub struct StructuredDecisionRequest {
    pub model: Option<String>,
    pub state: Value,
    pub questions: serde_json::Map<String, Value>,
    pub instructions: Option<String>,
    pub images: Option<Vec<String>>,
    pub audio: Option<Vec<String>>,
    pub videos: Option<Vec<String>>,
    #[serde(default)]
    pub joint: bool,
    pub cache_salt: Option<Value>,
}

impl RequestBody for DecisionRequest {
    fn schema() -> Option<&'static super::pydantic::Schema> {
        Some(&super::vllm_models::DECISION_REQUEST)
    }

    /// `check_cache_salt_support`, then the bounds the type cannot see (which the schema
    /// words).
    fn check(&self) -> Vec<FieldError> {
        let refused = cache_salt_errors(self.cache_salt.as_ref());
        if !refused.is_empty() {
            return refused;
        }
        if (1..=200).contains(&self.questions.len()) {
            return Vec::new();
        }
        vec![FieldError::new(
            "too_short",
            vec!["questions".into()],
            "List should have between 1 and 200 items",
        )]
    }
}

impl RequestBody for StructuredDecisionRequest {
    fn schema() -> Option<&'static super::pydantic::Schema> {
        Some(&super::vllm_models::STRUCTURED_DECISION_REQUEST)
    }

    fn check(&self) -> Vec<FieldError> {
        cache_salt_errors(self.cache_salt.as_ref())
    }
}
