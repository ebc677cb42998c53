//! The HTTP surface: one module per endpoint family, assembled here.

mod admin;
mod chat;
mod completions;
mod embeddings;
mod extract;
mod models;
mod ops;
mod sse;

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, post, put};
use http::{Method, Uri};

use crate::auth::{require_admin_token, require_api_key};
use crate::openai::ApiError;
use crate::record::{ADMIN_PREFIX, record};
use crate::state::AppState;

/// The whole mock: vLLM's routes behind the API-key check, the inspection API, and the
/// recorder around everything.
pub fn router(state: Arc<AppState>) -> Router {
    let vllm = Router::new()
        .route("/v1/embeddings", post(embeddings::create))
        .route("/v1/chat/completions", post(chat::create))
        .route("/v1/completions", post(completions::create))
        .route("/v1/models", get(models::list))
        .route("/health", get(ops::health))
        .route("/ping", get(ops::health).post(ops::health))
        .route("/version", get(ops::version))
        .route("/metrics", get(ops::metrics));

    let admin = Router::new()
        .route("/requests", get(admin::list).delete(admin::clear))
        .route("/requests/count", get(admin::count))
        .route("/requests/last", get(admin::last))
        .route("/requests/wait", get(admin::wait))
        .route("/api-keys", put(admin::set_api_keys))
        .route(
            "/rules",
            get(admin::list_rules).post(admin::add_rules).delete(admin::clear_rules),
        )
        .route("/rules/{id}", delete(admin::remove_rule))
        .route("/config", get(admin::config).patch(admin::patch_config))
        .route_layer(from_fn_with_state(state.clone(), require_admin_token));

    vllm.nest(ADMIN_PREFIX, admin)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), require_api_key))
        .layer(from_fn_with_state(state.clone(), record))
        .with_state(state)
}

async fn not_found(method: Method, uri: Uri) -> ApiError {
    ApiError::RouteNotFound {
        method: method.to_string(),
        path: uri.path().to_owned(),
    }
}

async fn method_not_allowed(method: Method, uri: Uri) -> ApiError {
    ApiError::MethodNotAllowed {
        method: method.to_string(),
        path: uri.path().to_owned(),
    }
}

/// `max_tokens` as vLLM validates it: absent, or at least 1.
fn max_tokens(value: Option<i64>) -> Result<Option<usize>, ApiError> {
    match value {
        None => Ok(None),
        Some(n) if n >= 1 => Ok(Some(usize::try_from(n).unwrap_or(usize::MAX))),
        Some(n) => Err(ApiError::bad_request(
            format!("max_tokens must be at least 1, got {n}."),
            "max_tokens",
        )),
    }
}

/// A required field that is missing, worded as pydantic words it.
fn missing(field: &'static str) -> ApiError {
    ApiError::Validation {
        message: format!("Field required: {field}"),
        param: Some(field.to_owned()),
    }
}
