//! The recorder: the outermost middleware, which turns every request into a journal entry.
//!
//! It reads the whole body first (bounded in size and time), so that a request refused for its
//! body (413, 408, a broken stream) is journaled like any other; then it runs the rest of the
//! stack, and records what was answered. Only the `/_mock` inspection API passes unrecorded.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::HeaderMap;
use http::header::CONTENT_LENGTH;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use time::OffsetDateTime;

use crate::journal::{Header, RecordedRequest, StoredBody};
use crate::openai::ApiError;
use crate::outcome::Outcome;
use crate::state::AppState;

/// Where the inspection API lives; its calls are not journaled.
pub const ADMIN_PREFIX: &str = "/_mock";

pub async fn record(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    if is_admin(request.uri().path()) {
        return next.run(request).await;
    }
    let started = Instant::now();
    let time = OffsetDateTime::now_utc();
    let (parts, body) = request.into_parts();
    let method = parts.method.clone();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().map(str::to_owned);
    let headers = received_headers(&parts.headers);
    let declared = declared_length(&parts.headers);

    let (mut response, body, body_size) = match read_body(&state, declared, body).await {
        Ok(bytes) => {
            let size = bytes.len();
            let response = next.run(Request::from_parts(parts, Body::from(bytes.clone()))).await;
            (response, bytes, size)
        }
        // A body refused unread is journaled empty, with the size its sender declared.
        Err(error) => (error.into_response(), Bytes::new(), declared.unwrap_or(0) as usize),
    };

    let outcome = response.extensions_mut().remove::<Outcome>().unwrap_or_default();
    let status = response.status().as_u16();
    let stored = StoredBody::new(&body, state.config.journal_body_limit);
    state.metrics.count_request(&path, &method, status);
    state.journal.record(RecordedRequest {
        seq: 0,
        time,
        method: method.to_string(),
        path,
        query,
        headers,
        body: stored.body,
        body_encoding: stored.encoding,
        body_size,
        body_truncated: stored.truncated,
        status,
        latency_ms: started.elapsed().as_secs_f64() * 1000.0,
        model: outcome.model,
        inputs: outcome.inputs,
        summary: outcome.summary,
    });
    response
}

fn is_admin(path: &str) -> bool {
    path == ADMIN_PREFIX || path.starts_with("/_mock/")
}

/// Header names as hyper hands them over (lower-cased), in order, repeats kept.
fn received_headers(headers: &HeaderMap) -> Vec<Header> {
    headers
        .iter()
        .map(|(name, value)| Header {
            name: name.as_str().to_owned(),
            value: String::from_utf8_lossy(value.as_bytes()).into_owned(),
        })
        .collect()
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

async fn read_body(state: &AppState, declared: Option<u64>, body: Body) -> Result<Bytes, ApiError> {
    let limit = state.config.max_body_bytes;
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let timeout = state.config.read_timeout();
    match tokio::time::timeout(timeout, Limited::new(body, limit).collect()).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(err)) if err.downcast_ref::<LengthLimitError>().is_some() => Err(ApiError::PayloadTooLarge { limit }),
        Ok(Err(err)) => Err(ApiError::bad_request(
            format!("Failed to read the request body: {err}"),
            None,
        )),
        Err(_) => Err(ApiError::Timeout(format!(
            "The request body was not received within {} s",
            timeout.as_secs()
        ))),
    }
}
