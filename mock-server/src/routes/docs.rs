//! FastAPI's interactive documentation pages, which vLLM 0.33.0 serves as FastAPI makes them:
//! Swagger UI at `/docs` (with its OAuth2 redirect page) and ReDoc at `/redoc`, both reading
//! `/openapi.json`. The pages are FastAPI's own output for vLLM's app, byte for byte.

use axum::response::Html;

use crate::outcome::{Outcome, Served};

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
