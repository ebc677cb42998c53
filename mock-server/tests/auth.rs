//! API keys as vLLM checks them, and the inspection API's own token.

mod common;

use common::*;
use mock_vllm::admin::{AdminClient, AdminError};
use serde_json::Value;

const KEY: &str = "sk-workshop-key";

async fn keyed() -> Mock {
    Mock::with(|c| c.api_keys = vec![KEY.into(), "second-key".into()]).await
}

#[tokio::test]
async fn v1_routes_need_the_bearer_key() {
    let mock = keyed().await;
    for auth in [None, Some("Bearer wrong"), Some(KEY), Some("Basic sk-workshop-key")] {
        let mut request = mock.http.post(mock.url("/v1/embeddings")).json(&workshop_request());
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "{auth:?}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body, serde_json::json!({"error": "Unauthorized"}));
    }
    for auth in [format!("Bearer {KEY}"), "bearer second-key".to_owned()] {
        let response = mock
            .http
            .post(mock.url("/v1/embeddings"))
            .header("authorization", &auth)
            .json(&workshop_request())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{auth}");
    }
}

#[tokio::test]
async fn every_v1_path_is_guarded_even_unknown_ones() {
    let mock = keyed().await;
    assert_eq!(mock.get("/v1/models").await.status(), 401);
    assert_eq!(mock.get("/v1/nothing-here").await.status(), 401);
    let authorized = mock
        .http
        .get(mock.url("/v1/nothing-here"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(authorized.status(), 404);
}

#[tokio::test]
async fn health_version_metrics_and_options_stay_open() {
    let mock = keyed().await;
    for path in ["/health", "/version", "/metrics"] {
        assert_eq!(mock.get(path).await.status(), 200, "{path}");
    }
    let options = mock
        .http
        .request(reqwest::Method::OPTIONS, mock.url("/v1/embeddings"))
        .send()
        .await
        .unwrap();
    assert_ne!(options.status(), 401);
}

#[tokio::test]
async fn rejections_are_journaled_with_the_header_as_sent() {
    let mock = keyed().await;
    mock.http
        .post(mock.url("/v1/embeddings"))
        .header("authorization", "Bearer wrong")
        .json(&workshop_request())
        .send()
        .await
        .unwrap();
    let entry = mock.last().await;
    assert_eq!(entry.status, 401);
    assert_eq!(entry.header("authorization"), Some("Bearer wrong"));
    assert_eq!(entry.summary, "error 401 Unauthorized");
}

#[tokio::test]
async fn admin_token_guards_the_inspection_api_only() {
    let mock = Mock::with(|c| c.admin_token = Some("admin-secret".into())).await;
    assert_eq!(mock.embed(workshop_request()).await.0, 200);
    assert_eq!(mock.get("/_mock/requests").await.status(), 401);
    let response = mock
        .http
        .get(mock.url("/_mock/requests/count"))
        .bearer_auth("admin-secret")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let count: Value = response.json().await.unwrap();
    assert_eq!(count["count"], 1);
    // The client with the token reads and changes; without it, nothing.
    assert_eq!(mock.admin.count(&Default::default()).await.unwrap(), 1);
    mock.admin.clear().await.unwrap();
    let without = AdminClient::new(mock.server.uri());
    let refused = without.count(&Default::default()).await.unwrap_err();
    assert!(matches!(refused, AdminError::Status { status: 401, .. }), "{refused}");
}

#[tokio::test]
async fn keys_can_be_rotated_at_run_time_by_whoever_holds_one() {
    let mock = keyed().await;
    // Without a key there is no way around it, not even through the inspection API.
    let stranger = AdminClient::new(mock.server.uri()).with_api_key("not-a-key");
    let refused = stranger.set_api_keys(Vec::<String>::new()).await.unwrap_err();
    assert!(matches!(refused, AdminError::Status { status: 401, .. }), "{refused}");
    let cleared = mock.http.delete(mock.url("/_mock/requests")).send().await.unwrap();
    assert_eq!(cleared.status(), 401);
    assert_eq!(mock.get("/_mock/requests").await.status(), 200, "reads stay open");
    mock.admin.set_api_keys(["rotated"]).await.unwrap();
    let with = |key: &'static str| {
        mock.http
            .post(mock.url("/v1/embeddings"))
            .bearer_auth(key)
            .json(&workshop_request())
            .send()
    };
    assert_eq!(with(KEY).await.unwrap().status(), 401);
    assert_eq!(with("rotated").await.unwrap().status(), 200);
    // The client took the new key: it changes things still.
    mock.admin.clear().await.expect("the rotated key clears the journal");
    // An empty list opens /v1 again, as a mock without --api-key.
    mock.admin.set_api_keys(Vec::<String>::new()).await.unwrap();
    assert_eq!(mock.embed(workshop_request()).await.0, 200);
}
