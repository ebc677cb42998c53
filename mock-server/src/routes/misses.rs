//! What vLLM's Starlette router answers when no route takes a request as it came: a path served
//! with the other trailing slash is a 307 to it, a path served for another method is a 405 that
//! names that method in `Allow`, anything else FastAPI's 404.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use http::header::{HOST, LOCATION};
use http::{StatusCode, Uri};

use super::endpoints::{self, Verb};
use crate::openai::ApiError;
use crate::outcome::{Outcome, Served};
use crate::state::AppState;

/// The router's fallback: Starlette's `redirect_slashes`, else 404.
pub(super) async fn not_found(State(state): State<Arc<AppState>>, request: Request) -> Served<Response> {
    let path = request.uri().path();
    let other = match path.strip_suffix('/') {
        Some(without) => without.to_owned(),
        None => format!("{path}/"),
    };
    if path == "/" || endpoints::taking(&other, state.config.runner()).is_none() {
        return ApiError::Routing(StatusCode::NOT_FOUND).served();
    }
    let location = redirect_location(request.uri(), request.headers().get(HOST), &other);
    let redirect = (StatusCode::TEMPORARY_REDIRECT, [(LOCATION, location)]).into_response();
    Outcome::summary(format!("redirect to {other}")).serve(redirect)
}

/// Starlette builds the new URL from the request's own: its scheme, host and query.
fn redirect_location(uri: &Uri, host: Option<&http::HeaderValue>, path: &str) -> String {
    let scheme = uri.scheme_str().unwrap_or("http");
    let host = host
        .and_then(|h| h.to_str().ok())
        .or_else(|| uri.authority().map(|a| a.as_str()))
        .unwrap_or("localhost");
    match uri.query() {
        Some(query) => format!("{scheme}://{host}{path}?{query}"),
        None => format!("{scheme}://{host}{path}"),
    }
}

/// The router's 405: `Allow` is the first route's method for the path, as Starlette's first
/// partial match gives it.
pub(super) async fn method_not_allowed(State(state): State<Arc<AppState>>, uri: Uri) -> Served<impl IntoResponse> {
    let verb = endpoints::taking(uri.path(), state.config.runner()).map_or(Verb::Get, |e| e.verb);
    verb.refusal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_redirect_keeps_the_host_and_the_query() {
        let uri: Uri = "/v1/embeddings/?a=1".parse().unwrap();
        let host = http::HeaderValue::from_static("127.0.0.1:8011");
        assert_eq!(
            redirect_location(&uri, Some(&host), "/v1/embeddings"),
            "http://127.0.0.1:8011/v1/embeddings?a=1"
        );
    }
}
