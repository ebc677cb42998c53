//! `POST /v1/decisions` and `POST /v1/systemone`: vLLM's decision APIs, which its decision
//! strategies serve for some generative models only. For the mock's models vLLM 0.33.0
//! validates the request, then answers 501, as these do.

use http::HeaderMap;

use crate::openai::ApiError;
use crate::openai::decisions::{DecisionRequest, StructuredDecisionRequest};
use crate::outcome::Served;
use crate::state::AppState;

pub fn decisions(_: &AppState, _: &HeaderMap, _: DecisionRequest) -> Result<Served<()>, ApiError> {
    Err(ApiError::NotImplemented("The model does not support the Decisions API"))
}

pub fn structured(_: &AppState, _: &HeaderMap, _: StructuredDecisionRequest) -> Result<Served<()>, ApiError> {
    Err(ApiError::NotImplemented(
        "The model does not support the structured decision API",
    ))
}
