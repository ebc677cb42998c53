//! API keys as vLLM checks them: a set of accepted bearer tokens, compared as sha256 digests in
//! constant time, so neither a key's length nor its prefix leaks through timing, on the paths
//! vLLM's middleware guards ([`refuses`], played by the recorder). The `/_mock` API has a guard
//! of its own (`routes/guard.rs`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use arc_swap::ArcSwap;
use http::request::Parts;
use http::{HeaderMap, Method, header::AUTHORIZATION};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

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

/// The keys in force: `--api-key` at start, swapped by `PUT /_mock/api-keys` (a rotation).
#[derive(Debug)]
pub struct KeyRing {
    keys: ArcSwap<ApiKeys>,
    /// Whether `keys` holds any: read first, so a mock without keys (the default) checks a
    /// flag per request instead of loading the set (about 160 instructions).
    enabled: AtomicBool,
}

impl KeyRing {
    pub fn new(keys: ApiKeys) -> Self {
        KeyRing {
            enabled: AtomicBool::new(keys.is_enabled()),
            keys: ArcSwap::from_pointee(keys),
        }
    }

    /// The keys in force now.
    pub fn current(&self) -> Arc<ApiKeys> {
        self.keys.load_full()
    }

    pub fn set(&self, keys: ApiKeys) {
        let enabled = keys.is_enabled();
        self.keys.store(Arc::new(keys));
        self.enabled.store(enabled, Ordering::Release);
    }

    pub fn is_enabled(&self) -> bool {
        self.enabled.load(Ordering::Acquire)
    }
}

/// vLLM's AuthenticationMiddleware: whether it refuses `request`, a `/v1` one (but for a CORS
/// preflight) without one of the keys in force. The keys are loaded only for such a path,
/// and only when there are any.
pub fn refuses(keys: &KeyRing, request: &Parts) -> bool {
    let guarded = request.uri.path().starts_with("/v1") && request.method != Method::OPTIONS;
    guarded && keys.is_enabled() && {
        let keys = keys.keys.load();
        keys.is_enabled() && !keys.accepts(&request.headers)
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
