//! vLLM 0.33.0's decision APIs: `POST /v1/decisions` (OpenAI's Decisions API,
//! `DecisionRequest`) and `POST /v1/systemone` (vLLM's structured decisions,
//! `StructuredDecisionRequest`). vLLM serves them only for a model its decision strategies
//! take; for the others (the oracle's models among them) it validates the request and answers
//! 501. The mock's models are of the others, so it reads only what decides the refusal.

use serde::Deserialize;
use serde_json::{Map, Value};

use super::RequestBody;
use super::pydantic::{Schema, validate};
use super::validation::FieldError;

/// `DecisionRequest`: the body as it came, for vLLM's validation only, as no model of the
/// mock's answers it (see [`super::vllm_models`] for its schema).
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct DecisionRequest(Map<String, Value>);

/// `StructuredDecisionRequest`, read as [`DecisionRequest`] is.
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct StructuredDecisionRequest(Map<String, Value>);

/// Every error vLLM's model finds in the body: both forbid unknown fields and validate their
/// questions as unions, which typed fields would not tell apart more cheaply.
fn errors(schema: &Schema, body: &Map<String, Value>) -> Vec<FieldError> {
    validate(schema, &Value::Object(body.clone()))
}

impl RequestBody for DecisionRequest {
    fn schema() -> Option<&'static Schema> {
        Some(&super::vllm_models::DECISION_REQUEST)
    }

    fn check(&self) -> Vec<FieldError> {
        errors(&super::vllm_models::DECISION_REQUEST, &self.0)
    }
}

impl RequestBody for StructuredDecisionRequest {
    fn schema() -> Option<&'static Schema> {
        Some(&super::vllm_models::STRUCTURED_DECISION_REQUEST)
    }

    fn check(&self) -> Vec<FieldError> {
        errors(&super::vllm_models::STRUCTURED_DECISION_REQUEST, &self.0)
    }
}
