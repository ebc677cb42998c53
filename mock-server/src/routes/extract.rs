//! Extractors that fail the way vLLM fails: a JSON body that must be `application/json`, and
//! query strings, both answered with vLLM's 400 instead of axum's plain-text rejections.

use std::future::{Ready, ready};
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::handler::Handler;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures::FutureExt;
use futures::future::Either;
use http::HeaderMap;
use http::header::CONTENT_TYPE;
use http::request::Parts;
use http_body::Body as _;
use http_body_util::BodyExt;
use serde::de::DeserializeOwned;

use super::endpoints::Answer;
use crate::openai::{ApiError, RequestBody, parse_body};
use crate::outcome::Served;
use crate::record::Direct;
use crate::state::AppState;

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

/// A route of a JSON body, checked and validated as [`VllmJson`]'s, and the request's headers:
/// `handler(state, headers, body)`. Every route of the endpoint table that takes one JSON body
/// type is one, so a route is a plain function of what it answers; `/invocations`, which tries
/// several types on one body, reads its bytes itself.
///
/// A handler of its own rather than axum's for an `async fn` of `State` and an extractor: the
/// body the recorder hands on is there at once, whole, so the route answers it in the call.
/// The recorder calls it itself ([`Direct`]), for the route's own method, without axum's
/// router between (its path lookup, `MatchedPath`, the route's boxed future); through the
/// router ([`JsonHandler`]), for every other way in, its future is the answer alone, where
/// axum's would hold the request, the extractor's future and the `async fn`'s, each copied
/// whole where it is made (`bench/load.py --instructions`).
struct JsonRoute<T, F> {
    handler: F,
    body: PhantomData<fn() -> T>,
}

/// The route of `handler`, which answers a body of type `T` with an outcome.
pub(crate) fn json_route<T, F, R>(handler: F) -> Arc<dyn Direct>
where
    T: RequestBody + 'static,
    F: Fn(&AppState, &HeaderMap, T) -> R + Send + Sync + 'static,
    R: Answer,
{
    Arc::new(JsonRoute {
        handler,
        body: PhantomData,
    })
}

impl<T, F, R> Direct for JsonRoute<T, F>
where
    T: RequestBody + 'static,
    F: Fn(&AppState, &HeaderMap, T) -> R + Send + Sync + 'static,
    R: Answer,
{
    fn answer(&self, state: &AppState, headers: HeaderMap, body: &[u8]) -> Served<Response> {
        if let Err(refused) = require_json(&headers) {
            return refused.served();
        }
        match parse_body(body) {
            Ok(request) => (self.handler)(state, &headers, request).into_served(),
            Err(refused) => refused.served(),
        }
    }
}

/// A [`Direct`] route as axum's router runs it: for a `HEAD` it refuses, an `OPTIONS`, a body
/// that is not there yet.
#[derive(Clone)]
pub(crate) struct JsonHandler(pub Arc<dyn Direct>);

/// The marker of [`JsonHandler`]'s arguments, for axum's `Handler` and the endpoint table's
/// `Answers`.
pub(crate) struct JsonArgs;

// `json_route` checked that the handler answers with an outcome.
impl super::endpoints::Answers<JsonArgs> for JsonHandler {}

impl Handler<JsonArgs, Arc<AppState>> for JsonHandler {
    type Future = Either<Ready<Response>, Pin<Box<dyn Future<Output = Response> + Send>>>;

    fn call(self, request: Request, state: Arc<AppState>) -> Self::Future {
        let (parts, mut body) = request.into_parts();
        // The body's first frame, where it is there (the recorder's whole body always is).
        let Some(first) = body.frame().now_or_never() else {
            return Either::Right(Box::pin(async move {
                let bytes = read(body).await;
                self.0.answer(&state, parts.headers, &bytes).into_response()
            }));
        };
        let first = match first {
            Some(Ok(frame)) => frame.into_data().unwrap_or_default(),
            _ => return Either::Left(ready(self.0.answer(&state, parts.headers, &[]).into_response())),
        };
        if body.is_end_stream() {
            return Either::Left(ready(self.0.answer(&state, parts.headers, &first).into_response()));
        }
        Either::Right(Box::pin(async move {
            let bytes = read_rest(first, body).await;
            self.0.answer(&state, parts.headers, &bytes).into_response()
        }))
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
    read_rest(first, body).await
}

/// The rest of a body whose `first` frame was read.
async fn read_rest(first: Bytes, body: Body) -> Bytes {
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
