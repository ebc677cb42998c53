//! The HTTP surface: one module per endpoint family, assembled here.

mod admin;
mod anthropic;
mod chat;
mod chat_batch;
mod cohere;
mod completions;
mod decisions;
mod docs;
mod elastic_ep;
mod embeddings;
pub(crate) mod endpoints;
mod error;
mod extract;
mod generative_scoring;
mod guard;
mod invocations;
mod misses;
mod models;
mod ops;
mod pooled;
mod pooling;
mod prompts;
mod responses;
mod score;
mod sse;
mod tokenize;

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{delete, get, put};
use guard::require_admin_token;
use http::{HeaderMap, HeaderName};

use crate::openai::{ApiError, push_random_uuid};
use crate::record::{ADMIN_PREFIX, Recorder, Routed, Routes};
use crate::state::AppState;

/// The whole mock: vLLM's routes behind the API-key check, the inspection API, and the
/// recorder around everything.
///
/// As `vllm serve` does, the routes depend on what the model is run for (`--runner`): a
/// generative model serves chat and completions, a pooling model embeddings, pooling, score
/// and rerank; the mock serves both unless told otherwise. A route the runner does not serve
/// is FastAPI's 404.
pub fn router(state: Arc<AppState>) -> Recorder {
    let mut vllm = Router::new();
    // The same patterns for the recorder, which labels a request's metrics with the one it
    // matched; `/ping`'s second method adds no pattern.
    let mut routes = Routes::new();
    let mut route = |vllm: Router<Arc<AppState>>, path: &str, endpoint: &endpoints::Endpoint| {
        let (routed, direct) = endpoint.routes();
        let pattern = Arc::from(path);
        let _ = routes.insert(path, Routed { pattern, direct });
        vllm.route(path, routed)
    };
    for endpoint in endpoints::served(state.config.runner()) {
        for &path in endpoint.paths {
            vllm = route(vllm, path, endpoint);
            if endpoint.verb == endpoints::Verb::Mount {
                vllm = route(vllm, &format!("{path}/"), endpoint);
                vllm = route(vllm, &format!("{path}/{{*rest}}"), endpoint);
            }
        }
    }
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

    let vllm = vllm
        .nest(ADMIN_PREFIX, admin)
        .fallback(endpoints::answering(misses::not_found))
        .method_not_allowed_fallback(endpoints::answering(misses::method_not_allowed))
        .with_state(state.clone());
    Recorder::new(state, routes, vllm)
}

/// A response id as vLLM builds it: the prefix, then the client's `X-Request-Id`, else the
/// body's `request_id` where that route reads it, else a fresh uuid.
///
/// Built in one string (no `format!`, no copy of the base, the header looked up by a name
/// already parsed): it is on every answer's path.
fn request_id(prefix: &str, headers: &HeaderMap, body_request_id: Option<&str>) -> String {
    static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");
    let base = headers
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .or(body_request_id);
    let mut id = String::with_capacity(prefix.len() + 1 + base.map_or(16, str::len));
    id.push_str(prefix);
    id.push('-');
    match base {
        Some(base) => id.push_str(base),
        None => push_random_uuid(&mut id),
    }
    id
}

/// `max_tokens` as vLLM validates it: absent, or at least 1.
fn max_tokens(value: Option<i64>) -> Result<Option<usize>, ApiError> {
    match value {
        None => Ok(None),
        Some(n) if n >= 1 => Ok(Some(usize::try_from(n).unwrap_or(usize::MAX))),
        Some(n) => Err(ApiError::bad_request(
            format!("max_tokens must be at least 1, got {n}. (parameter=max_tokens, value={n})"),
            "max_tokens",
        )),
    }
}
