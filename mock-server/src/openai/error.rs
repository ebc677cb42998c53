//! vLLM's error bodies, and the one error type every handler returns.
//!
//! vLLM answers errors as `{"error": {"message", "type", "param", "code"}}`, except the API-key
//! middleware, which answers a bare `{"error": "Unauthorized"}`, and FastAPI's router, which
//! answers an unknown path or method with `{"detail": "Not Found"}`. Handlers return
//! `Result<_, ApiError>` and never build an error body by hand; how an error becomes an HTTP
//! answer is the routes' business (`routes/error.rs`).

use http::StatusCode;
use serde::{Deserialize, Serialize};

use super::validation::{self, FieldError, python_str};

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

/// FastAPI's answer for a path or method no route serves: `{"detail": "Not Found"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetailResponse {
    pub detail: String,
}

/// vLLM's API-key rejection body: `{"error": "Unauthorized"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnauthorizedResponse {
    pub error: String,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ApiError {
    /// The body is not JSON, or does not validate (FastAPI's validation error); see
    /// [`ApiError::validation`].
    #[error("{message}")]
    Validation { message: String, param: Option<String> },
    /// The request is well-formed but cannot be served (vLLM's serving-layer error).
    #[error("{message}")]
    BadRequest { message: String, param: Option<String> },
    /// A pooling route's check: the model alone.
    #[error("The model `{0}` does not exist.")]
    ModelNotFound(String),
    /// The generative and tokenizer routes' check, which lists the served names and names
    /// `model` as the param.
    #[error("The model `{model}` does not exist. Valid aliases: {valid_aliases}.")]
    UnknownModel { model: String, valid_aliases: String },
    #[error("Unauthorized")]
    Unauthorized,
    /// A route's `HTTPException`: vLLM's error body with the status's phrase as its type.
    #[error("{message}")]
    Http { status: StatusCode, message: String },
    /// No route serves the path (404) or the method (405): FastAPI's `{"detail": ...}`.
    #[error("{}", .0.canonical_reason().unwrap_or("Not Found"))]
    Routing(StatusCode),
    /// A body FastAPI could not read at all: its `{"detail": ...}` with a 400.
    #[error("There was an error parsing the body")]
    UnparsableBody,
    #[error("Request body exceeds the limit of {limit} bytes")]
    PayloadTooLarge { limit: usize },
    #[error("{0}")]
    Timeout(String),
    #[error("{0}")]
    NotFound(String),
    /// vLLM's `NotImplementedError`: a route its model does not serve.
    #[error("{0}")]
    NotImplemented(&'static str),
    /// An exception vLLM's code did not expect, answered by its catch-all handler.
    #[error("{0}")]
    Internal(String),
    /// A serving-layer refusal vLLM types as OpenAI does (`err_type="invalid_request_error"`):
    /// the Responses API's.
    #[error("{message}")]
    InvalidRequest {
        status: StatusCode,
        message: String,
        param: &'static str,
    },
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
    /// pydantic's errors, worded as vLLM's 400.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        let (message, param) = validation::message_and_param(&errors);
        ApiError::Validation { message, param }
    }

    /// A body that is not JSON, as FastAPI reports Python's `JSONDecodeError`: `json_invalid` at
    /// the character it failed.
    pub fn json_decode(error: &super::python_json::DecodeError) -> Self {
        let error = FieldError {
            input: Some(serde_json::Value::Object(Default::default())),
            ctx: Some(format!("{{'error': {}}}", python_str(error.msg))),
            ..FieldError::new(
                "json_invalid",
                vec![validation::Loc::Index(error.pos)],
                "JSON decode error",
            )
        };
        ApiError::validation(vec![error])
    }

    /// What FastAPI answers for a body Python's `json.loads` refuses.
    pub fn from_python_refusal(refused: super::python_json::Refused) -> Self {
        match refused {
            super::python_json::Refused::Unreadable => ApiError::UnparsableBody,
            super::python_json::Refused::Invalid(error) => ApiError::json_decode(&error),
        }
    }

    /// vLLM's `validate_json_request`: a body that is not `application/json`.
    pub fn unsupported_media_type() -> Self {
        ApiError::Validation {
            message: "1 validation error:\n  Unsupported Media Type: Only 'application/json' is allowed".to_owned(),
            param: None,
        }
    }

    pub fn invalid_request(status: StatusCode, message: impl Into<String>, param: &'static str) -> Self {
        ApiError::InvalidRequest {
            status,
            message: message.into(),
            param,
        }
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
            ApiError::Validation { .. } | ApiError::BadRequest { .. } | ApiError::UnparsableBody => {
                StatusCode::BAD_REQUEST
            }
            ApiError::ModelNotFound(_) | ApiError::UnknownModel { .. } | ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::Routing(status) | ApiError::Http { status, .. } | ApiError::InvalidRequest { status, .. } => {
                *status
            }
            ApiError::Unauthorized => StatusCode::UNAUTHORIZED,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
            ApiError::NotImplemented(_) => StatusCode::NOT_IMPLEMENTED,
            ApiError::PayloadTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Timeout(_) => StatusCode::REQUEST_TIMEOUT,
        }
    }

    /// vLLM's `type`: the exception name for serving errors, the HTTP phrase for the others.
    pub fn kind(&self) -> &'static str {
        match self {
            ApiError::BadRequest { .. } => "BadRequestError",
            ApiError::ModelNotFound(_) | ApiError::UnknownModel { .. } => "NotFoundError",
            ApiError::Validation { .. } | ApiError::UnparsableBody => "Bad Request",
            ApiError::Unauthorized => "Unauthorized",
            ApiError::NotFound(_) => "Not Found",
            ApiError::Routing(status) | ApiError::Http { status, .. } => status.canonical_reason().unwrap_or("Error"),
            ApiError::PayloadTooLarge { .. } => "Request Entity Too Large",
            ApiError::Timeout(_) => "Request Timeout",
            ApiError::InvalidRequest { .. } => "invalid_request_error",
            ApiError::Internal(_) => "InternalServerError",
            ApiError::NotImplemented(_) => "NotImplementedError",
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
            ApiError::Injected { param, .. } => param.clone(),
            ApiError::UnknownModel { .. } => Some("model".to_owned()),
            ApiError::InvalidRequest { param, .. } => Some((*param).to_owned()),
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
                "param": null,
                "code": 404
            }})
        );
    }

    #[test]
    fn json_decode_errors_are_fastapis() {
        let refused = super::super::python_json::loads(b"{\n  \"input\": ").unwrap_err();
        assert_eq!(
            ApiError::from_python_refusal(refused).to_string(),
            "1 validation error:\n  {'type': 'json_invalid', 'loc': 'body.13', 'msg': 'JSON decode error', 'input': '<dict of 0 items>', \
             'ctx': {'error': 'Expecting value'}}"
        );
        let not_text = super::super::python_json::loads(b"\xff").unwrap_err();
        assert_eq!(ApiError::from_python_refusal(not_text).status(), 400);
    }

    #[test]
    fn every_error_keeps_code_and_status_equal() {
        let errors = [
            ApiError::bad_request("x", "input"),
            ApiError::Unauthorized,
            ApiError::PayloadTooLarge { limit: 1 },
            ApiError::Timeout("t".into()),
            ApiError::unsupported_media_type(),
        ];
        for err in errors {
            assert_eq!(err.body().error.code, err.status().as_u16());
        }
    }
}
