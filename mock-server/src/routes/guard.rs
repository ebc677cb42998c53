//! Who may call the `/_mock` inspection API. vLLM's own API-key check in front of `/v1/*` is
//! played by the recorder (`auth.rs`, `record.rs`).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::Method;

use crate::openai::ApiError;
use crate::state::AppState;

/// Who may use the `/_mock` API: with `--admin-token`, whoever has that token; otherwise, when
/// the mock has API keys, whoever has one of them for a call that changes something (a key
/// rotation, clearing the journal, a fault rule), so the key cannot be gone around; reads stay
/// open. Without either, everyone.
pub async fn require_admin_token(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let allowed = match &state.admin_token {
        Some(token) => token.accepts(request.headers()),
        None => {
            let reads = matches!(*request.method(), Method::GET | Method::HEAD);
            let keys = state.api_keys.current();
            reads || !keys.is_enabled() || keys.accepts(request.headers())
        }
    };
    if allowed {
        next.run(request).await
    } else {
        ApiError::Unauthorized.into_response()
    }
}
