//! vLLM's error bodies, and the one error type every handler returns.
//!
//! vLLM answers errors as `{"error": {"message", "type", "param", "code"}}`, except the API-key
//! middleware, which answers a bare `{"error": "Unauthorized"}`. Handlers return
//! `Result<_, ApiError>` and never build an error body by hand.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::outcome::Outcome;

/// The body of every vLLM error except the API-key rejection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorResponse {
    pub error: ErrorInfo,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ErrorInfo {
    pub message: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub param: Option<String>,
    pub code: u16,
}

/// vLLM's API-key rejection body: `{"error": "Unauthorized"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnauthorizedResponse {
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON, or a field has the wrong type (FastAPI's validation error).
    #[error("{message}")]
    Validation { message: String, param: Option<String> },
    /// The request is well-formed but cannot be served (vLLM's serving-layer error).
    #[error("{message}")]
    BadRequest { message: String, param: Option<String> },
    #[error("The model `{0}` does not exist.")]
    ModelNotFound(String),
    #[error("Unauthorized")]
    Unauthorized,
    #[error("Not Found: {method} {path}")]
    RouteNotFound { method: String, path: String },
    #[error("Method Not Allowed: {method} {path}")]
    MethodNotAllowed { method: String, path: String },
    #[error("Request body exceeds the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    Timeout(String),
    #[error("{0}")]
    NotFound(String),
    /// A failure a fault rule injected (or the waiting queue refused), with its status.
    #[error("{message}")]
    Injected {
        status: u16,
        message: String,
        param: Option<String>,
        /// Seconds, sent as `Retry-After`.
        retry_after: Option<u64>,
    },
}

impl ApiError {
    pub fn invalid_json(err: serde_json::Error) -> Self {
        let message = match err.classify() {
            serde_json::error::Category::Data => format!("Invalid request: {err}"),
            _ => format!("JSON decode error: {err}"),
        };
        ApiError::Validation { message, param: None }
    }

    pub fn bad_request(message: impl Into<String>, param: impl Into<Option<&'static str>>) -> Self {
        ApiError::BadRequest {
            message: message.into(),
            param: param.into().map(str::to_owned),
        }
    }

    /// An injected failure with `status`, `message` (or the status's usual one) and
    /// `Retry-After`; a 401 without a message is vLLM's own API-key rejection.
    pub fn injected(status: u16, message: Option<String>, retry_after: Option<u64>) -> Self {
        if status == 401 && message.is_none() {
            return ApiError::Unauthorized;
        }
        let message = message.unwrap_or_else(|| {
            match status {
                429 => "Too many requests, please retry later.",
                500 => "Internal server error.",
                503 => "The server is overloaded or not ready yet.",
                _ => StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("Injected failure."),
            }
            .to_owned()
        });
        ApiError::Injected {
            status,
            message,
            param: None,
            retry_after,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::Injected { status, .. } => {
                StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
            }
            ApiError::Validation { .. } | ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::ModelNotFound(_) | ApiError::RouteNotFound { .. } | ApiError::NotFound(_) => {
                StatusCode::NOT_FOUND
            }
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
        }
    }

    /// vLLM's `type`: the exception name for serving errors, the HTTP phrase for the others.
    fn kind(&self) -> &'static str {
        match self {
            ApiError::BadRequest { .. } => "BadRequestError",
            ApiError::ModelNotFound(_) => "NotFoundError",
            ApiError::Validation { .. } => "Bad Request",
            ApiError::Unauthorized => "Unauthorized",
            ApiError::RouteNotFound { .. } | ApiError::NotFound(_) => "Not Found",
            ApiError::MethodNotAllowed { .. } => "Method Not Allowed",
            ApiError::PayloadTooLarge { .. } => "Request Entity Too Large",
            ApiError::Timeout(_) => "Request Timeout",
            ApiError::Injected { status, .. } => match status {
                400 => "BadRequestError",
                401 => "AuthenticationError",
                404 => "NotFoundError",
                429 => "RateLimitError",
                500 => "InternalServerError",
                503 => "ServiceUnavailableError",
                _ => "Error",
            },
        }
    }

    fn param(&self) -> Option<String> {
        match self {
            ApiError::Validation { param, .. } | ApiError::BadRequest { param, .. } => param.clone(),
            ApiError::ModelNotFound(_) => Some("model".to_owned()),
            ApiError::Injected { param, .. } => param.clone(),
            _ => None,
        }
    }

    pub fn body(&self) -> ErrorResponse {
        ErrorResponse {
            error: ErrorInfo {
                message: self.to_string(),
                kind: self.kind().to_owned(),
                param: self.param(),
                code: self.status().as_u16(),
            },
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let outcome = Outcome::summary(format!("error {} {}", status.as_u16(), self.kind()));
        let mut response = match self {
            ApiError::Unauthorized => (
                status,
                Json(UnauthorizedResponse {
                    error: "Unauthorized".to_owned(),
                }),
            )
                .into_response(),
            ApiError::Injected {
                retry_after: Some(seconds),
                ..
            } => (
                status,
                [(http::header::RETRY_AFTER, seconds.to_string())],
                Json(self.body()),
            )
                .into_response(),
            _ => (status, Json(self.body())).into_response(),
        };
        response.extensions_mut().insert(outcome);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_not_found_is_vllms_body() {
        let body = serde_json::to_value(ApiError::ModelNotFound("gpt-4".into()).body()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"error": {
                "message": "The model `gpt-4` does not exist.",
                "type": "NotFoundError",
                "param": "model",
                "code": 404
            }})
        );
    }

    #[test]
    fn syntax_and_type_errors_are_told_apart() {
        let syntax = serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        assert!(
            ApiError::invalid_json(syntax)
                .to_string()
                .starts_with("JSON decode error")
        );
        let data = serde_json::from_str::<u8>("\"x\"").unwrap_err();
        assert!(ApiError::invalid_json(data).to_string().starts_with("Invalid request"));
    }

    #[test]
    fn injected_failures_carry_their_status_and_retry_after() {
        let response = ApiError::injected(429, None, Some(1)).into_response();
        assert_eq!(response.status(), 429);
        assert_eq!(response.headers()["retry-after"], "1");
        let body = ApiError::injected(503, Some("down".into()), None).body();
        assert_eq!(
            (body.error.kind.as_str(), body.error.message.as_str()),
            ("ServiceUnavailableError", "down")
        );
        assert_eq!(ApiError::injected(401, None, None), ApiError::Unauthorized);
    }

    #[test]
    fn every_error_keeps_code_and_status_equal() {
        let errors = [
            ApiError::bad_request("x", "input"),
            ApiError::Unauthorized,
            ApiError::PayloadTooLarge { limit: 1 },
            ApiError::Timeout("t".into()),
            ApiError::MethodNotAllowed {
                method: "GET".into(),
                path: "/v1/embeddings".into(),
            },
        ];
        for err in errors {
            assert_eq!(err.body().error.code, err.status().as_u16());
        }
    }
}
