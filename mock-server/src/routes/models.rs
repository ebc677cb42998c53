//! `GET /v1/models`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;

use crate::openai::models::{ModelCard, ModelList};
use crate::openai::unix_now;
use crate::outcome::{Outcome, Served};
use crate::state::AppState;

pub async fn list(State(state): State<Arc<AppState>>) -> Served<Json<ModelList>> {
    let created = unix_now();
    let data: Vec<ModelCard> = state
        .models
        .names()
        .iter()
        .map(|name| ModelCard::served(name, state.config.model_path(), state.config.max_model_len, created))
        .collect();
    let summary = format!("{} model(s)", data.len());
    Outcome::summary(summary).serve(Json(ModelList {
        object: "list".to_owned(),
        data,
    }))
}
