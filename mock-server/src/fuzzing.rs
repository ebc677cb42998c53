//! The fuzz target's input format and the invariant it checks, shared by `fuzz/` and the
//! regression test that replays the corpus (`tests/fuzz.rs`).
//!
//! An input's first byte picks the route (a row of the mock's endpoint table) and, with its
//! high bit, a wrong content type; the rest is the body. Whatever comes in, the mock must answer below 500 (but where
//! vLLM itself answers 500), and every client error must be one of vLLM's error bodies (FastAPI's `{"detail": ...}` only for 404, 405 and an
//! undecodable body).

use axum::body::Body;
use http::{Request, StatusCode};

use crate::openai::error::{DetailResponse, ErrorResponse, UnauthorizedResponse};
use crate::routes::endpoints::ENDPOINTS;

/// The request a fuzz input stands for; `None` for the empty input.
pub fn request(data: &[u8]) -> Option<Request<Body>> {
    let (&selector, body) = data.split_first()?;
    let endpoint = &ENDPOINTS[usize::from(selector) % ENDPOINTS.len()];
    let content_type = if selector & 0x80 == 0 {
        "application/json"
    } else {
        "text/plain"
    };
    Request::builder()
        .method(endpoint.verb.as_method())
        .uri(endpoint.example_path())
        .header("content-type", content_type)
        .body(Body::from(body.to_vec()))
        .ok()
}

/// The routes where vLLM itself answers a 500 to what a client may send: `/scale_elastic_ep`
/// on an engine that cannot scale ("Scale failed"), and to a body that is not an object (the
/// `AttributeError` its handler raises). There a 500 in vLLM's error body is the answer.
const VLLM_SERVER_ERRORS: &[&str] = &["/scale_elastic_ep"];

/// Checks the answer to a request for `path`: no server error but vLLM's own, and client errors
/// in vLLM's format.
pub fn check(path: &str, status: StatusCode, body: &[u8]) -> Result<(), String> {
    let vllms_own = VLLM_SERVER_ERRORS.contains(&path) && serde_json::from_slice::<ErrorResponse>(body).is_ok();
    if status.is_server_error() && !vllms_own {
        return Err(format!("{status}: {}", String::from_utf8_lossy(body)));
    }
    // FastAPI's own `{"detail"}`: no route (404, 405), or a body it could not decode (400).
    let fastapi = matches!(
        status,
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED | StatusCode::BAD_REQUEST
    ) && serde_json::from_slice::<DetailResponse>(body).is_ok();
    if status.is_client_error()
        && !fastapi
        && serde_json::from_slice::<ErrorResponse>(body).is_err()
        && serde_json::from_slice::<UnauthorizedResponse>(body).is_err()
    {
        return Err(format!(
            "{status} without vLLM's error body: {}",
            String::from_utf8_lossy(body)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inputs_pick_routes_and_content_types() {
        let request = request(b"\x01{}").unwrap();
        assert_eq!(request.uri(), ENDPOINTS[1].paths[0]);
        assert_eq!(request.headers()["content-type"], "application/json");
        let request = super::request(b"\x80{}").unwrap();
        assert_eq!(request.uri(), ENDPOINTS[0x80 % ENDPOINTS.len()].paths[0]);
        assert_eq!(request.headers()["content-type"], "text/plain");
        assert!(super::request(b"").is_none());
    }

    #[test]
    fn the_invariant_refuses_server_errors_and_foreign_bodies() {
        assert!(check("/v1/embeddings", StatusCode::OK, b"{}").is_ok());
        assert!(check("/v1/embeddings", StatusCode::INTERNAL_SERVER_ERROR, b"").is_err());
        let scale_failed =
            br#"{"error": {"message": "Scale failed", "type": "Internal Server Error", "param": null, "code": 500}}"#;
        assert!(check("/scale_elastic_ep", StatusCode::INTERNAL_SERVER_ERROR, scale_failed).is_ok());
        assert!(check("/v1/embeddings", StatusCode::INTERNAL_SERVER_ERROR, scale_failed).is_err());
        assert!(
            check(
                "/v1/embeddings",
                StatusCode::UNPROCESSABLE_ENTITY,
                b"{\"detail\": \"x\"}"
            )
            .is_err()
        );
        assert!(check("/v1/embeddings", StatusCode::NOT_FOUND, b"{\"detail\": \"Not Found\"}").is_ok());
        let body = br#"{"error": {"message": "m", "type": "Bad Request", "param": null, "code": 400}}"#;
        assert!(check("/v1/embeddings", StatusCode::BAD_REQUEST, body).is_ok());
        assert!(
            check(
                "/v1/embeddings",
                StatusCode::UNAUTHORIZED,
                br#"{"error": "Unauthorized"}"#
            )
            .is_ok()
        );
    }
}
