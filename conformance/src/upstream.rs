//! The upstream's evidence: the mock's journal and key, read and set over its `/_mock` API.
//!
//! Every target reaches its mock this way, in process or not, so a scenario reads the same
//! evidence whether the mock runs in this process, in a container or in a cluster.

use std::time::Duration;

use mock_vllm::{Filter, RecordedRequest, RequestList};
use reqwest::Method;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum UpstreamError {
    #[error("the mock's inspection API at {url}: {source}")]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("the mock's inspection API at {url} answered {status}: {body}")]
    Status { url: String, status: u16, body: String },
    #[error("the mock's inspection API at {url} sent JSON we cannot read: {source}")]
    Json {
        url: String,
        #[source]
        source: serde_json::Error,
    },
}

/// A client for one mock's `/_mock` API.
#[derive(Debug, Clone)]
pub struct Upstream {
    base: String,
    http: reqwest::Client,
}

impl Upstream {
    /// `base` is the mock's URL, e.g. `http://127.0.0.1:8000`.
    pub fn new(base: impl Into<String>) -> Self {
        Upstream {
            base: base.into(),
            http: reqwest::Client::new(),
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub async fn requests(&self, filter: &Filter) -> Result<RequestList, UpstreamError> {
        let response = self
            .call(Method::GET, &format!("/_mock/requests?{}", query(filter)), None)
            .await?;
        response.json()
    }

    /// Waits up to `timeout` for `count` entries matching `filter`; `None` when they did not come.
    pub async fn wait(
        &self,
        filter: &Filter,
        count: usize,
        timeout: Duration,
    ) -> Result<Option<RequestList>, UpstreamError> {
        let path = format!(
            "/_mock/requests/wait?count={count}&timeout_ms={}&{}",
            timeout.as_millis(),
            query(filter)
        );
        let response = self.call(Method::GET, &path, None).await?;
        if response.status == 408 {
            return Ok(None);
        }
        response.json().map(Some)
    }

    /// The newest entry, if any.
    pub async fn last(&self) -> Result<Option<RecordedRequest>, UpstreamError> {
        let response = self.call(Method::GET, "/_mock/requests/last", None).await?;
        if response.status == 404 {
            return Ok(None);
        }
        response.json().map(Some)
    }

    pub async fn clear(&self) -> Result<(), UpstreamError> {
        self.call(Method::DELETE, "/_mock/requests", None).await?.success()
    }

    /// Sets the API keys the mock accepts (empty: any), as a key rotation on the vLLM side.
    pub async fn set_api_keys(&self, keys: &[&str]) -> Result<(), UpstreamError> {
        let body = json!({ "keys": keys });
        self.call(Method::PUT, "/_mock/api-keys", Some(body)).await?.success()
    }

    /// Whether `/health` answers 200.
    pub async fn healthy(&self) -> bool {
        let url = format!("{}/health", self.base);
        matches!(self.http.get(&url).timeout(Duration::from_secs(2)).send().await, Ok(r) if r.status() == 200)
    }

    async fn call(&self, method: Method, path: &str, body: Option<serde_json::Value>) -> Result<Answer, UpstreamError> {
        let url = format!("{}{path}", self.base);
        let mut request = self.http.request(method, &url);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let fail = |source| UpstreamError::Http {
            url: url.clone(),
            source,
        };
        let response = request.send().await.map_err(fail)?;
        let status = response.status().as_u16();
        let body = response.bytes().await.map_err(fail)?;
        Ok(Answer { url, status, body })
    }
}

/// An answer of the inspection API, read whole.
struct Answer {
    url: String,
    status: u16,
    body: bytes::Bytes,
}

impl Answer {
    fn success(self) -> Result<(), UpstreamError> {
        if (200..300).contains(&self.status) {
            return Ok(());
        }
        Err(self.unexpected())
    }

    fn json<T: serde::de::DeserializeOwned>(self) -> Result<T, UpstreamError> {
        if self.status != 200 {
            return Err(self.unexpected());
        }
        serde_json::from_slice(&self.body).map_err(|source| UpstreamError::Json { url: self.url, source })
    }

    fn unexpected(self) -> UpstreamError {
        UpstreamError::Status {
            url: self.url,
            status: self.status,
            body: String::from_utf8_lossy(&self.body).into_owned(),
        }
    }
}

/// The filter as a query string.
fn query(filter: &Filter) -> String {
    let mut parts = Vec::new();
    let mut push = |key: &str, value: Option<String>| {
        if let Some(value) = value {
            parts.push(format!("{key}={}", encode(&value)));
        }
    };
    push("method", filter.method.clone());
    push("path", filter.path.clone());
    push("path_prefix", filter.path_prefix.clone());
    push("since_seq", filter.since_seq.map(|s| s.to_string()));
    push("limit", filter.limit.map(|l| l.to_string()));
    parts.join("&")
}

/// Percent-encodes the characters that would change a query string's meaning.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_become_query_strings() {
        let filter = Filter {
            method: Some("POST".into()),
            path: Some("/v1/embeddings".into()),
            since_seq: Some(3),
            ..Filter::default()
        };
        assert_eq!(query(&filter), "method=POST&path=/v1/embeddings&since_seq=3");
        assert_eq!(encode("a b&c"), "a%20b%26c");
    }

    #[tokio::test]
    async fn reads_and_drives_a_real_mock() {
        let mock = mock_vllm::MockServer::start(mock_vllm::Config::ephemeral())
            .await
            .unwrap();
        let upstream = Upstream::new(mock.uri());
        assert!(upstream.healthy().await);
        upstream.set_api_keys(&["k"]).await.unwrap();
        let http = reqwest::Client::new();
        let url = format!("{}/v1/models", mock.uri());
        assert_eq!(http.get(&url).send().await.unwrap().status(), 401);
        let filter = Filter {
            path: Some("/v1/models".into()),
            ..Filter::default()
        };
        let seen = upstream
            .wait(&filter, 1, Duration::from_secs(5))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(seen.requests[0].status, 401);
        assert!(
            upstream
                .wait(&filter, 2, Duration::from_millis(50))
                .await
                .unwrap()
                .is_none()
        );
        upstream.clear().await.unwrap();
        assert!(upstream.last().await.unwrap().is_none());
    }
}
