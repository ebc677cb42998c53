//! Extractors that fail the way vLLM fails: a JSON body that must be `application/json`, and
//! query strings, both answered with vLLM's 400 instead of axum's plain-text rejections.

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use bytes::Bytes;
use http::HeaderMap;
use http::header::CONTENT_TYPE;
use http::request::Parts;
use http_body::Body as _;
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;

use crate::openai::{ApiError, RequestBody, parse_body};

/// A JSON request body, checked as vLLM's `validate_json_request` does, then validated as
/// vLLM's pydantic model validates it.
pub struct VllmJson<T>(pub T);

impl<S: Send + Sync, T: RequestBody> FromRequest<S> for VllmJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        require_json(request.headers())?;
        parse_body(&read(request.into_body()).await).map(VllmJson)
    }
}

/// [`VllmJson`] and the request's headers, moved out of the request: the `HeaderMap`
/// extractor would copy them.
pub struct VllmJsonWithHeaders<T>(pub HeaderMap, pub T);

impl<S: Send + Sync, T: RequestBody> FromRequest<S> for VllmJsonWithHeaders<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        require_json(request.headers())?;
        let (parts, body) = request.into_parts();
        let request = parse_body(&read(body).await)?;
        Ok(VllmJsonWithHeaders(parts.headers, request))
    }
}

/// The body, which the recorder has already read whole within its limits and hands on as one
/// chunk: taken as it is, where `Bytes::from_request` would collect it again through a buffer
/// list and a limit (about 1,000 instructions a request). Its limit (axum's 2 MiB
/// `DefaultBodyLimit`) is not vLLM's: uvicorn reads a body of any size, and the mock's own
/// limit (`--max-body-bytes`, 413) is the recorder's.
async fn read(mut body: Body) -> Bytes {
    let first = match body.frame().await {
        Some(Ok(frame)) => frame.into_data().unwrap_or_default(),
        _ => return Bytes::new(),
    };
    if body.is_end_stream() {
        return first;
    }
    let rest = body.collect().await.map(|c| c.to_bytes()).unwrap_or_default();
    Bytes::from([first, rest].concat())
}

/// vLLM's `validate_json_request`: the body must be declared `application/json`.
pub fn require_json(headers: &HeaderMap) -> Result<(), ApiError> {
    let is_json = headers.get(CONTENT_TYPE).is_some_and(|v| {
        // What clients send, compared as it is before it is parsed.
        v.as_bytes() == b"application/json"
            || v.to_str()
                .ok()
                .and_then(|v| v.split(';').next())
                .is_some_and(|v| v.trim().eq_ignore_ascii_case("application/json"))
    });
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
