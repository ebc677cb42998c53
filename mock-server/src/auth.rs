//! API-key checks as vLLM does them: `/v1/*` needs `Authorization: Bearer <key>` when keys are
//! configured; OPTIONS and every other path stay open. Keys are compared as sha256 digests in
//! constant time, so neither a key's length nor its prefix leaks through timing.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, Method, header::AUTHORIZATION};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::openai::ApiError;
use crate::state::AppState;

/// A set of accepted bearer tokens; empty means no check.
#[derive(Debug, Clone, Default)]
pub struct ApiKeys {
    digests: Vec<[u8; 32]>,
}

impl ApiKeys {
    pub fn new(keys: &[String]) -> Self {
        ApiKeys {
            digests: keys.iter().map(|k| Sha256::digest(k.as_bytes()).into()).collect(),
        }
    }

    pub fn is_enabled(&self) -> bool {
        !self.digests.is_empty()
    }

    /// Whether the headers carry `Authorization: Bearer <one of the keys>` (scheme case-insensitive).
    pub fn accepts(&self, headers: &HeaderMap) -> bool {
        let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
        if !scheme.eq_ignore_ascii_case("bearer") {
            return false;
        }
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        // Compare with every key, so the time taken does not tell which one matched.
        self.digests
            .iter()
            .fold(subtle::Choice::from(0), |found, key| found | key.ct_eq(&digest))
            .into()
    }
}

/// vLLM's AuthenticationMiddleware.
pub async fn require_api_key(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let guarded = request.uri().path().starts_with("/v1") && request.method() != Method::OPTIONS;
    if guarded {
        let keys = state.api_keys.load();
        if keys.is_enabled() && !keys.accepts(request.headers()) {
            return ApiError::Unauthorized.into_response();
        }
    }
    next.run(request).await
}

/// Who may use the `/_mock` API: with `--admin-token`, whoever has that token; otherwise, when
/// the mock has API keys, whoever has one of them for a call that changes something (a key
/// rotation, clearing the journal, a fault rule), so the key cannot be gone around; reads stay
/// open. Without either, everyone.
pub async fn require_admin_token(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let allowed = match &state.admin_token {
        Some(token) => token.accepts(request.headers()),
        None => {
            let reads = matches!(*request.method(), Method::GET | Method::HEAD);
            let keys = state.api_keys.load();
            reads || !keys.is_enabled() || keys.accepts(request.headers())
        }
    };
    if allowed {
        next.run(request).await
    } else {
        ApiError::Unauthorized.into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(AUTHORIZATION, value.parse().unwrap());
        headers
    }

    #[test]
    fn bearer_keys_are_checked() {
        let keys = ApiKeys::new(&["k1".into(), "k2".into()]);
        assert!(keys.accepts(&headers("Bearer k1")));
        assert!(keys.accepts(&headers("bearer k2")));
        assert!(!keys.accepts(&headers("Bearer k3")));
        assert!(!keys.accepts(&headers("Basic k1")));
        assert!(!keys.accepts(&headers("k1")));
        assert!(!keys.accepts(&HeaderMap::new()));
    }

    #[test]
    fn no_keys_means_no_check() {
        assert!(!ApiKeys::new(&[]).is_enabled());
    }
}
