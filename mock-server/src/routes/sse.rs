//! Server-sent events as vLLM streams them: `data: <json>` per chunk, then `data: [DONE]`.

use std::convert::Infallible;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use serde::Serialize;

pub fn stream<T: Serialize>(chunks: &[T]) -> Response {
    let events: Vec<Result<String, Infallible>> = chunks
        .iter()
        .map(|chunk| {
            let json = serde_json::to_string(chunk).unwrap_or_default();
            Ok(format!("data: {json}\n\n"))
        })
        .chain(std::iter::once(Ok("data: [DONE]\n\n".to_owned())))
        .collect();
    (
        [
            (CONTENT_TYPE, "text/event-stream; charset=utf-8"),
            (CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(futures::stream::iter(events)),
    )
        .into_response()
}
