//! The inspection and control API under `/_mock`: read, count, wait for and clear the request
//! journal; rotate the API keys; set fault rules; read and change the real conditions.

use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, State};
use http::StatusCode;

use super::extract::{VllmJson, VllmQuery};
use crate::admin::wire::{ApiKeysUpdate, NewRules, RuleIds, RuleList, WaitParams};
use crate::auth::ApiKeys;
use crate::conditions::RuntimeConfig;
use crate::journal::{Count, Filter, RecordedRequest, RequestList};
use crate::openai::{ApiError, RequestBody};
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

impl RequestBody for ApiKeysUpdate {}
impl RequestBody for NewRules {}
/// `PATCH /_mock/config` takes any object; the conditions check it.
impl RequestBody for serde_json::Value {}

/// `PUT /_mock/api-keys`: replaces the accepted API keys at run time (a key rotation upstream).
pub async fn set_api_keys(State(state): State<Arc<AppState>>, VllmJson(update): VllmJson<ApiKeysUpdate>) -> StatusCode {
    state.api_keys.set(ApiKeys::new(&update.keys));
    StatusCode::NO_CONTENT
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

/// `GET /_mock/rules`: the rules in force, in order, with how often each matched and acted.
pub async fn list_rules(State(state): State<Arc<AppState>>) -> Json<RuleList> {
    Json(RuleList {
        rules: state.conditions.rules.list(),
    })
}

/// `POST /_mock/rules`: adds a rule, or `{"rules": [...]}`, after those in force (all or none).
pub async fn add_rules(
    State(state): State<Arc<AppState>>,
    VllmJson(rules): VllmJson<NewRules>,
) -> Result<(StatusCode, Json<RuleIds>), ApiError> {
    let rules = match rules {
        NewRules::One(rule) => vec![*rule],
        NewRules::Many { rules } => rules,
    };
    let ids = state
        .conditions
        .rules
        .add(rules)
        .map_err(|reason| ApiError::bad_request(reason, None))?;
    Ok((StatusCode::CREATED, Json(RuleIds { ids })))
}

/// `DELETE /_mock/rules`
pub async fn clear_rules(State(state): State<Arc<AppState>>) -> StatusCode {
    state.conditions.rules.clear();
    StatusCode::NO_CONTENT
}

/// `DELETE /_mock/rules/{id}`
pub async fn remove_rule(State(state): State<Arc<AppState>>, Path(id): Path<String>) -> Result<StatusCode, ApiError> {
    if state.conditions.rules.remove(&id) {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound(format!("No rule `{id}`.")))
    }
}

/// `GET /_mock/config`: timing, capacity and metric scripts now.
pub async fn config(State(state): State<Arc<AppState>>) -> Json<RuntimeConfig> {
    Json(RuntimeConfig::clone(&state.conditions.config()))
}

/// `PATCH /_mock/config`: changes the fields given; 400 and nothing changed when the result is
/// not valid.
pub async fn patch_config(
    State(state): State<Arc<AppState>>,
    VllmJson(patch): VllmJson<serde_json::Value>,
) -> Result<Json<RuntimeConfig>, ApiError> {
    state
        .conditions
        .patch(patch)
        .map(|config| Json(RuntimeConfig::clone(&config)))
        .map_err(|reason| ApiError::bad_request(reason, None))
}
