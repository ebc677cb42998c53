//! How an [`ApiError`] becomes vLLM's HTTP answer: its status, its body (vLLM's error object,
//! the API-key middleware's bare one, or FastAPI's `{"detail"}`), `Retry-After` for an injected
//! failure that names one, and the outcome the recorder journals, as every answer carries one.

use axum::Json;
use axum::response::{IntoResponse, Response};

use crate::openai::ApiError;
use crate::openai::error::{DetailResponse, UnauthorizedResponse};
use crate::outcome::{Outcome, Served};

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.served().into_response()
    }
}

impl ApiError {
    /// The error's answer with its outcome, for an answer that adds to it (`Allow` on a 405).
    /// What the journal says of an answer that is this error, in whatever body it goes out.
    pub(crate) fn outcome(&self) -> Outcome {
        Outcome::summary(format!("error {} {}", self.status().as_u16(), self.kind()))
    }

    pub(crate) fn served(self) -> Served<Response> {
        let status = self.status();
        let outcome = self.outcome();
        let response = match self {
            ApiError::Unauthorized => (
                status,
                Json(UnauthorizedResponse {
                    error: "Unauthorized".to_owned(),
                }),
            )
                .into_response(),
            ApiError::Routing(_) | ApiError::UnparsableBody => (
                status,
                Json(DetailResponse {
                    detail: self.to_string(),
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
        outcome.serve(response)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::StatusCode;

    #[test]
    fn unknown_routes_answer_as_fastapi() {
        let response = ApiError::Routing(StatusCode::METHOD_NOT_ALLOWED).into_response();
        assert_eq!(response.status(), 405);
        assert_eq!(ApiError::Routing(StatusCode::NOT_FOUND).to_string(), "Not Found");
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
}
