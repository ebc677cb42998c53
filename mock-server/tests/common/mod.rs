//! Shared helpers: a mock on a free loopback port, an HTTP client for its vLLM routes, and the
//! admin client for its `/_mock` API.
#![allow(dead_code)]

use mock_vllm::admin::AdminClient;
use mock_vllm::{Config, Filter, MockServer, RecordedRequest, RequestList};
use serde_json::{Value, json};

pub const WORKSHOP_MODEL: &str = mock_vllm::WORKSHOP_MODEL;
pub const WORKSHOP_TEXT: &str = "The food was delicious and the waiter was friendly.";
/// The workshop's Python mock's answer for WORKSHOP_TEXT, as its json.dumps prints it.
pub const WORKSHOP_VECTOR: [f64; 10] = [
    -0.21764705882352942,
    -0.12745098039215685,
    -0.4372549019607843,
    0.025490196078431393,
    -0.052941176470588214,
    -0.3156862745098039,
    0.02941176470588236,
    0.00588235294117645,
    0.09999999999999998,
    0.13137254901960782,
];

pub struct Mock {
    pub server: MockServer,
    pub http: reqwest::Client,
    /// With the mock's admin token, else its first API key, as a test that drives it has.
    pub admin: AdminClient,
}

impl Mock {
    pub async fn start() -> Mock {
        Mock::with(|_| {}).await
    }

    pub async fn with(tweak: impl FnOnce(&mut Config)) -> Mock {
        let mut config = Config::ephemeral();
        tweak(&mut config);
        let admin_token = config.admin_token.clone();
        let api_key = config.api_keys.first().cloned();
        let server = MockServer::start(config).await.expect("mock starts");
        let admin = AdminClient::new(server.uri());
        let admin = match (admin_token, api_key) {
            (Some(token), _) => admin.with_admin_token(token),
            (None, Some(key)) => admin.with_api_key(key),
            (None, None) => admin,
        };
        Mock {
            server,
            http: reqwest::Client::new(),
            admin,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.uri())
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Posts `body` as JSON and reads the answer as JSON.
    pub async fn post_for_json(&self, path: &str, body: &Value) -> Value {
        self.post_json(path, body).await.json().await.expect("JSON body")
    }

    /// Posts a JSON body in the given pieces, without a content-length (chunked).
    pub async fn post_chunked(&self, path: &str, pieces: Vec<Vec<u8>>) -> reqwest::Response {
        let stream = futures::stream::iter(pieces.into_iter().map(Ok::<_, std::io::Error>));
        self.http
            .post(self.url(path))
            .header("content-type", "application/json")
            .body(reqwest::Body::wrap_stream(stream))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.expect("request sent")
    }

    pub async fn embed(&self, body: Value) -> (u16, Value) {
        let response = self.post_json("/v1/embeddings", &body).await;
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON body"))
    }

    pub async fn journal(&self, filter: &Filter) -> RequestList {
        self.admin.requests(filter).await.expect("journal")
    }

    pub async fn last(&self) -> RecordedRequest {
        self.admin.last().await.expect("journal").expect("an entry")
    }

    /// The entries for `path`, once `count` of them are written (within 5 s).
    pub async fn wait_for(&self, path: &str, count: usize) -> RequestList {
        self.admin
            .wait(&on_path(path), count, std::time::Duration::from_secs(5))
            .await
            .expect("journal")
            .unwrap_or_else(|| panic!("{count} entries for {path} within 5 s"))
    }
}

/// The journal's entries for exactly `path`.
pub fn on_path(path: &str) -> Filter {
    Filter {
        path: Some(path.to_owned()),
        ..Filter::default()
    }
}

/// A JSON array of numbers.
pub fn floats(value: &Value) -> Vec<f64> {
    value
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v.as_f64().expect("a number"))
        .collect()
}

pub fn workshop_request() -> Value {
    json!({"model": WORKSHOP_MODEL, "input": WORKSHOP_TEXT, "encoding_format": "float"})
}

/// Asserts a vLLM error body with this status and type, and returns its message.
pub fn assert_vllm_error(status: u16, body: &Value, expected_status: u16, expected_type: &str) -> String {
    assert_eq!(status, expected_status, "status; body {body}");
    assert_eq!(body["error"]["code"], expected_status, "code in {body}");
    assert_eq!(body["error"]["type"], expected_type, "type in {body}");
    assert!(body["error"].get("param").is_some(), "param in {body}");
    body["error"]["message"].as_str().expect("message").to_owned()
}
