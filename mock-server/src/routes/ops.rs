//! The operational routes vLLM serves outside `/v1`: health, version and metrics.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::IntoResponse;
use http::header::CONTENT_TYPE;
use serde::{Deserialize, Serialize};

use crate::outcome::{Outcome, Served};
use crate::state::AppState;

/// `GET /health` (and vLLM's SageMaker-style `GET|POST /ping`): 200 with an empty body, as vLLM
/// answers while its engine is alive.
pub async fn health() -> Served<()> {
    Outcome::summary("healthy").serve(())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Version {
    pub version: String,
}

/// `GET /version`: `{"version": "<mock-vllm version>"}`.
pub async fn version() -> Served<Json<Version>> {
    let version = env!("CARGO_PKG_VERSION").to_owned();
    Outcome::summary(format!("version {version}")).serve(Json(Version { version }))
}

/// `GET /kv_event_sources`: where each data-parallel rank publishes its KV-cache events; the
/// mock publishes none, as a server without `--kv-events-config`.
pub async fn kv_event_sources() -> Served<Json<serde_json::Map<String, serde_json::Value>>> {
    Outcome::summary("no KV event sources").serve(Json(serde_json::Map::new()))
}

/// vLLM's `GET /load`: how many requests are with the model now, running or waiting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerLoad {
    pub server_load: usize,
}

pub async fn load(State(state): State<Arc<AppState>>) -> Served<Json<ServerLoad>> {
    let scheduler = &state.conditions.scheduler;
    let server_load = scheduler.running() + scheduler.waiting();
    Outcome::summary(format!("load {server_load}")).serve(Json(ServerLoad { server_load }))
}

/// `GET /metrics`: Prometheus text, as vLLM serves it.
pub async fn metrics(State(state): State<Arc<AppState>>) -> Served<impl IntoResponse> {
    let text = state.metrics.render(&state.journal, &state.conditions);
    Outcome::summary("metrics").serve(([(CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], text))
}
