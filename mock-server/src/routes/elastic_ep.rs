//! vLLM's elastic expert-parallel controls, served for a generative model: `POST
//! /scale_elastic_ep` asks the engine to change its data-parallel size, `POST
//! /is_scaling_elastic_ep` says whether it is. The mock's engine is one process that never
//! scales: a well-formed request to scale fails as vLLM's does when its engine cannot ("Scale
//! failed"), and it is never scaling.

use axum::Json;
use axum::body::Bytes;
use http::{HeaderMap, StatusCode};
use serde::Serialize;
use serde_json::Value;

use super::extract::require_json;
use crate::openai::{ApiError, python_json};
use crate::outcome::{Outcome, Served};

/// vLLM's default drain timeout, in seconds.
const DRAIN_TIMEOUT: i64 = 120;

/// `POST /scale_elastic_ep`: vLLM reads the body itself (`raw_request.json()`), so its checks
/// are its own words, not pydantic's.
pub async fn scale(headers: HeaderMap, body: Bytes) -> Result<Served<()>, ApiError> {
    require_json(&headers)?;
    let body = python_json::loads(&body)
        .map_err(|_| http_error(StatusCode::BAD_REQUEST, "Invalid JSON format"))?
        .value;
    // `body.get(...)` on what is not a dict.
    let Value::Object(fields) = &body else {
        return Err(ApiError::Internal(format!(
            "'{}' object has no attribute 'get'",
            python_type(&body)
        )));
    };
    let size = fields.get("new_data_parallel_size").filter(|v| !v.is_null());
    let Some(size) = size else {
        return Err(http_error(
            StatusCode::BAD_REQUEST,
            "new_data_parallel_size is required",
        ));
    };
    if !is_positive_int(size) {
        return Err(http_error(
            StatusCode::BAD_REQUEST,
            "new_data_parallel_size must be a positive integer",
        ));
    }
    let drain_timeout = fields
        .get("drain_timeout")
        .cloned()
        .unwrap_or(Value::from(DRAIN_TIMEOUT));
    if !is_positive_int(&drain_timeout) {
        return Err(http_error(
            StatusCode::BAD_REQUEST,
            "drain_timeout must be a positive integer",
        ));
    }
    Err(http_error(StatusCode::INTERNAL_SERVER_ERROR, "Scale failed"))
}

#[derive(Debug, Clone, Serialize)]
pub struct ScalingStatus {
    pub is_scaling_elastic_ep: bool,
    pub phase: &'static str,
    pub epoch: Option<u64>,
    pub error: Option<String>,
    pub requested_data_parallel_size: Option<u64>,
}

/// `POST /is_scaling_elastic_ep`: idle, always.
pub async fn status() -> Served<Json<ScalingStatus>> {
    Outcome::summary("not scaling").serve(Json(ScalingStatus {
        is_scaling_elastic_ep: false,
        phase: "idle",
        epoch: None,
        error: None,
        requested_data_parallel_size: None,
    }))
}

/// A FastAPI `HTTPException`: vLLM's error body with the status's phrase as its type.
fn http_error(status: StatusCode, message: &str) -> ApiError {
    ApiError::Http {
        status,
        message: message.to_owned(),
    }
}

/// Python's `isinstance(v, int) and v > 0`: `true` is the integer 1.
fn is_positive_int(value: &Value) -> bool {
    match value {
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_u64().is_some_and(|n| n > 0),
        _ => false,
    }
}

/// The Python type of a JSON value, as an `AttributeError` names it.
fn python_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "NoneType",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_f64() => "float",
        Value::Number(_) => "int",
        Value::String(_) => "str",
        Value::Array(_) => "list",
        Value::Object(_) => "dict",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_python_ints() {
        assert!(is_positive_int(&Value::from(2)));
        assert!(is_positive_int(&Value::Bool(true)));
        assert!(!is_positive_int(&Value::from(0)));
        assert!(!is_positive_int(&Value::from(2.0)));
        assert!(!is_positive_int(&Value::from("2")));
    }
}
