//! Extractors that fail the way vLLM fails: a JSON body that must be `application/json`, and
//! query strings, both answered with vLLM's 400 instead of axum's plain-text rejections.

use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use bytes::Bytes;
use http::HeaderMap;
use http::header::CONTENT_TYPE;
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::openai::{ApiError, RequestBody, parse_body};

/// A JSON request body, checked as vLLM's `validate_json_request` does, then validated as
/// vLLM's pydantic model validates it.
pub struct VllmJson<T>(pub T);

impl<S: Send + Sync, T: RequestBody> FromRequest<S> for VllmJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        require_json(request.headers())?;
        // The recorder has already read the body within its limits; this cannot fail.
        let body = Bytes::from_request(request, state).await.unwrap_or_default();
        parse_body(&body).map(VllmJson)
    }
}

/// vLLM's `validate_json_request`: the body must be declared `application/json`.
pub fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"));
    if is_json {
        Ok(())
    } else {
        Err(ApiError::unsupported_media_type())
    }
}

/// Query parameters, with vLLM's 400 when they do not parse.
pub struct VllmQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for VllmQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| VllmQuery(value))
            .map_err(|rejection| ApiError::Validation {
                message: rejection.body_text(),
                param: None,
            })
    }
}
