//! The upstream's evidence: the mock's journal and key, read and set over its `/_mock` API.
//!
//! Every target reaches its mock this way, in process or not, so a scenario reads the same
//! evidence whether the mock runs in this process, in a container or in a cluster.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use mock_vllm::conditions::rules::Rule;
use mock_vllm::{Filter, RecordedRequest, RequestList};
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
///
/// A mock with API keys takes changes (a key rotation, clearing the journal, rules) only from
/// a holder of one; the client keeps the key the mock accepts now, as set through it.
#[derive(Debug, Clone)]
pub struct Upstream {
    base: String,
    http: reqwest::Client,
    key: Arc<Mutex<Option<String>>>,
}

impl Upstream {
    /// `base` is the mock's URL, e.g. `http://127.0.0.1:8000`; `key` one it accepts, if any.
    pub fn new(base: impl Into<String>, key: Option<String>) -> Self {
        Upstream {
            base: base.into(),
            http: reqwest::Client::new(),
            key: Arc::new(Mutex::new(key)),
        }
    }

    /// A change to the mock, with the key it accepts now.
    fn change(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let request = self.http.request(method, self.url(path));
        match self.key.lock().unwrap_or_else(|e| e.into_inner()).as_deref() {
            Some(key) => request.bearer_auth(key),
            None => request,
        }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub async fn requests(&self, filter: &Filter) -> Result<RequestList, UpstreamError> {
        let request = self.http.get(self.url("/_mock/requests")).query(filter);
        self.call(request).await?.json()
    }

    /// Waits up to `timeout` for `count` entries matching `filter`; `None` when they did not come.
    pub async fn wait(
        &self,
        filter: &Filter,
        count: usize,
        timeout: Duration,
    ) -> Result<Option<RequestList>, UpstreamError> {
        let request = self
            .http
            .get(self.url("/_mock/requests/wait"))
            .query(filter)
            .query(&[("count", count as u128), ("timeout_ms", timeout.as_millis())]);
        let response = self.call(request).await?;
        if response.status == 408 {
            return Ok(None);
        }
        response.json().map(Some)
    }

    /// The newest entry, if any.
    pub async fn last(&self) -> Result<Option<RecordedRequest>, UpstreamError> {
        let response = self.call(self.http.get(self.url("/_mock/requests/last"))).await?;
        if response.status == 404 {
            return Ok(None);
        }
        response.json().map(Some)
    }

    pub async fn clear(&self) -> Result<(), UpstreamError> {
        self.call(self.change(reqwest::Method::DELETE, "/_mock/requests"))
            .await?
            .success()
    }

    /// Sets the API keys the mock accepts (empty: any), as a key rotation on the vLLM side.
    pub async fn set_api_keys(&self, keys: &[&str]) -> Result<(), UpstreamError> {
        let request = self
            .change(reqwest::Method::PUT, "/_mock/api-keys")
            .json(&json!({ "keys": keys }));
        self.call(request).await?.success()?;
        *self.key.lock().unwrap_or_else(|e| e.into_inner()) = keys.first().map(|k| k.to_string());
        Ok(())
    }

    /// Adds a fault rule (`/_mock/rules`); returns its id.
    pub async fn add_rule(&self, rule: &Rule) -> Result<String, UpstreamError> {
        #[derive(serde::Deserialize)]
        struct Ids {
            ids: Vec<String>,
        }
        let request = self.change(reqwest::Method::POST, "/_mock/rules").json(rule);
        let answer = self.call(request).await?;
        if answer.status != 201 {
            return Err(answer.unexpected());
        }
        let ids: Ids = serde_json::from_slice(&answer.body).map_err(|source| UpstreamError::Json {
            url: answer.url.clone(),
            source,
        })?;
        Ok(ids.ids.into_iter().next().unwrap_or_default())
    }

    /// Removes the rule `id` (`DELETE /_mock/rules/{id}`).
    pub async fn remove_rule(&self, id: &str) -> Result<(), UpstreamError> {
        let path = format!("/_mock/rules/{id}");
        self.call(self.change(reqwest::Method::DELETE, &path)).await?.success()
    }

    /// The rules in force with their counters.
    pub async fn rules(&self) -> Result<Vec<mock_vllm::conditions::rules::RuleStatus>, UpstreamError> {
        #[derive(serde::Deserialize)]
        struct List {
            rules: Vec<mock_vllm::conditions::rules::RuleStatus>,
        }
        let list: List = self.call(self.http.get(self.url("/_mock/rules"))).await?.json()?;
        Ok(list.rules)
    }

    /// Changes the mock's run-time config (`PATCH /_mock/config`).
    pub async fn patch_config(&self, patch: &serde_json::Value) -> Result<(), UpstreamError> {
        let request = self.change(reqwest::Method::PATCH, "/_mock/config").json(patch);
        self.call(request).await?.success()
    }

    /// Back to the mock's defaults: no rules, no timing, no limits, no metric scripts.
    pub async fn reset_conditions(&self) -> Result<(), UpstreamError> {
        self.call(self.change(reqwest::Method::DELETE, "/_mock/rules"))
            .await?
            .success()?;
        let defaults =
            serde_json::to_value(mock_vllm::conditions::RuntimeConfig::default()).expect("the defaults serialise");
        self.patch_config(&defaults).await
    }

    /// Whether `/health` answers 200.
    pub async fn healthy(&self) -> bool {
        let url = format!("{}/health", self.base);
        matches!(self.http.get(&url).timeout(Duration::from_secs(2)).send().await, Ok(r) if r.status() == 200)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn call(&self, request: reqwest::RequestBuilder) -> Result<Answer, UpstreamError> {
        let request = request.build().map_err(|source| UpstreamError::Http {
            url: self.base.clone(),
            source,
        })?;
        let url = request.url().to_string();
        let fail = |source| UpstreamError::Http {
            url: url.clone(),
            source,
        };
        let response = self.http.execute(request).await.map_err(fail)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reads_and_drives_a_real_mock() {
        let mock = mock_vllm::MockServer::start(mock_vllm::Config::ephemeral())
            .await
            .unwrap();
        let upstream = Upstream::new(mock.uri(), None);
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
        // The filter travels as the query: another path is not counted.
        http.get(format!("{}/health", mock.uri())).send().await.unwrap();
        assert_eq!(upstream.requests(&filter).await.unwrap().requests.len(), 1);
        let since = Filter {
            since_seq: Some(seen.requests[0].seq),
            ..Filter::default()
        };
        assert_eq!(upstream.requests(&since).await.unwrap().requests[0].path, "/health");
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
