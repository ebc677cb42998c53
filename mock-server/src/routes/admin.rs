//! The inspection API under `/_mock`: read, count, wait for and clear the request journal.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::State;
use http::StatusCode;
use serde::Deserialize;

use super::extract::{VllmJson, VllmQuery};
use crate::auth::ApiKeys;
use crate::journal::{Count, Filter, RecordedRequest, RequestList};
use crate::openai::ApiError;
use crate::state::AppState;

/// The longest a single `wait` call holds the connection.
const MAX_WAIT: Duration = Duration::from_secs(300);

/// `GET /_mock/requests`
pub async fn list(State(state): State<Arc<AppState>>, VllmQuery(filter): VllmQuery<Filter>) -> Json<RequestList> {
    Json(state.journal.list(&filter))
}

/// `GET /_mock/requests/count`
pub async fn count(State(state): State<Arc<AppState>>, VllmQuery(filter): VllmQuery<Filter>) -> Json<Count> {
    Json(Count {
        count: state.journal.count(&filter),
    })
}

/// `GET /_mock/requests/last`: 404 when nothing matches.
pub async fn last(
    State(state): State<Arc<AppState>>,
    VllmQuery(filter): VllmQuery<Filter>,
) -> Result<Json<RecordedRequest>, ApiError> {
    state
        .journal
        .last(&filter)
        .map(Json)
        .ok_or_else(|| ApiError::NotFound("No recorded request matches.".to_owned()))
}

/// `DELETE /_mock/requests`
pub async fn clear(State(state): State<Arc<AppState>>) -> StatusCode {
    state.journal.clear();
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
pub struct ApiKeysUpdate {
    /// The keys `/v1/*` accepts from now on; empty opens it.
    keys: Vec<String>,
}

/// `PUT /_mock/api-keys`: replaces the accepted API keys at run time (a key rotation upstream).
pub async fn set_api_keys(State(state): State<Arc<AppState>>, VllmJson(update): VllmJson<ApiKeysUpdate>) -> StatusCode {
    state.api_keys.store(Arc::new(ApiKeys::new(&update.keys)));
    StatusCode::NO_CONTENT
}

#[derive(Debug, Deserialize)]
pub struct WaitParams {
    /// How many matching entries to wait for.
    #[serde(default = "one")]
    count: usize,
    #[serde(default = "five_seconds")]
    timeout_ms: u64,
}

fn one() -> usize {
    1
}

fn five_seconds() -> u64 {
    5_000
}

/// `GET /_mock/requests/wait?count=N&timeout_ms=T`: long-polls until `count` entries match,
/// then answers like `GET /_mock/requests`; 408 when the time runs out first.
pub async fn wait(
    State(state): State<Arc<AppState>>,
    VllmQuery(filter): VllmQuery<Filter>,
    VllmQuery(params): VllmQuery<WaitParams>,
) -> Result<Json<RequestList>, ApiError> {
    let timeout = Duration::from_millis(params.timeout_ms).min(MAX_WAIT);
    let (enough, list) = state.journal.wait(&filter, params.count, timeout).await;
    if enough {
        Ok(Json(list))
    } else {
        Err(ApiError::Timeout(format!(
            "Timed out after {} ms waiting for {} matching request(s); {} matched.",
            timeout.as_millis(),
            params.count,
            list.requests.len()
        )))
    }
}
