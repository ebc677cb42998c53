//! FastAPI's interactive documentation pages, which vLLM 0.33.0 serves as FastAPI makes them:
//! Swagger UI at `/docs` (with its OAuth2 redirect page) and ReDoc at `/redoc`, both reading
//! `/openapi.json`. The pages are FastAPI's own output for vLLM's app, byte for byte, and so
//! is the schema, which lists a pooling model's routes or a generative one's. Both schemas were
//! recorded from the vLLM oracle's server (`../shared/vllm-oracle/`), e.g.
//! `curl -o docs/openapi-pooling.json http://127.0.0.1:8011/openapi.json` against its stub,
//! and the generative one against a stub run with `--runner generate`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Html;
use http::HeaderValue;
use http::header::CONTENT_TYPE;

use crate::outcome::{Outcome, Served};
use crate::state::AppState;

const OPENAPI_POOLING: &str = include_str!("docs/openapi-pooling.json");
const OPENAPI_GENERATE: &str = include_str!("docs/openapi-generate.json");

/// `GET /openapi.json`: the schema of the routes the served model has.
pub async fn openapi(
    State(state): State<Arc<AppState>>,
) -> Served<([(http::HeaderName, HeaderValue); 1], &'static str)> {
    // The mock's default serves both families; its model is the workshop's embedding model.
    let (runner, schema) = if state.config.runner().pools() {
        ("pooling", OPENAPI_POOLING)
    } else {
        ("generative", OPENAPI_GENERATE)
    };
    Outcome::summary(format!("OpenAPI schema of a {runner} model"))
        .serve(([(CONTENT_TYPE, HeaderValue::from_static("application/json"))], schema))
}

pub async fn swagger_ui() -> Served<Html<&'static str>> {
    page("Swagger UI", include_str!("docs/swagger_ui.html"))
}

pub async fn oauth2_redirect() -> Served<Html<&'static str>> {
    page(
        "Swagger UI's OAuth2 redirect",
        include_str!("docs/swagger_ui_oauth2_redirect.html"),
    )
}

pub async fn redoc() -> Served<Html<&'static str>> {
    page("ReDoc", include_str!("docs/redoc.html"))
}

fn page(name: &str, html: &'static str) -> Served<Html<&'static str>> {
    Outcome::summary(format!("{name} page")).serve(Html(html))
}
