//! A client of one mock's `/_mock` API, typed: what a test reads from the journal and sets in
//! the rules and the config, in the types the server reads and answers with.
//!
//! It talks HTTP whether the mock runs in the test's process, in a container or in a cluster,
//! so a test reads the same evidence wherever its mock is; in process, [`crate::MockServer`]
//! also hands over the journal itself.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;

use super::patch::ConfigPatch;
use super::wire::{ApiKeysUpdate, NewRules, RuleIds, RuleList, WaitParams};
use crate::conditions::RuntimeConfig;
use crate::conditions::rules::{Rule, RuleStatus};
use crate::journal::{Count, Filter, RecordedRequest, RequestList};

/// Why a call of the `/_mock` API did not give its answer.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("the mock's admin API at {url}: {source}")]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("the mock's admin API at {url} answered {status}: {body}")]
    Status { url: String, status: u16, body: String },
    #[error("the mock's admin API at {url} sent JSON we cannot read: {source}")]
    Json {
        url: String,
        #[source]
        source: serde_json::Error,
    },
}

/// Who the client says it is to the mock: `Authorization: Bearer <token>` on every call.
#[derive(Debug, Clone)]
enum Credential {
    None,
    /// The mock's `--admin-token`, which no key rotation changes.
    AdminToken(String),
    /// One of the mock's API keys, which a mock without an admin token takes changes from;
    /// replaced by the first key of a rotation made through the client.
    ApiKey(String),
}

/// A client for one mock's `/_mock` API, cheap to clone (clones share the credential).
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use std::time::Duration;
/// use mock_vllm::admin::{AdminClient, ConfigPatch, Match, Rule};
/// use mock_vllm::Filter;
///
/// let mock = AdminClient::new("http://127.0.0.1:8000");
/// mock.add_rule(&Rule::on(Match::path("/v1/embeddings")).status(429).retry_after(1).first(2))
///     .await?;
/// mock.patch_config(&ConfigPatch::default().inter_token_latency(Duration::from_millis(20)))
///     .await?;
/// // ... send requests through the gateway under test, then:
/// let embeddings = Filter { path: Some("/v1/embeddings".into()), ..Filter::default() };
/// let seen = mock.wait(&embeddings, 3, Duration::from_secs(5)).await?;
/// assert!(seen.is_some(), "the gateway retried twice");
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AdminClient {
    base: String,
    http: reqwest::Client,
    credential: Arc<Mutex<Credential>>,
}

impl AdminClient {
    /// `base_url` is the mock's, e.g. `http://127.0.0.1:8000` (no trailing slash).
    pub fn new(base_url: impl Into<String>) -> Self {
        AdminClient {
            base: base_url.into().trim_end_matches('/').to_owned(),
            http: reqwest::Client::new(),
            credential: Arc::new(Mutex::new(Credential::None)),
        }
    }

    /// For a mock started with `--admin-token`: the API takes nothing without it.
    pub fn with_admin_token(self, token: impl Into<String>) -> Self {
        self.set_credential(Credential::AdminToken(token.into()));
        self
    }

    /// For a mock with API keys and no admin token: it takes changes (a key rotation,
    /// clearing the journal, rules, the config) only from a holder of a key. The client
    /// follows a rotation made through it ([`AdminClient::set_api_keys`]).
    pub fn with_api_key(self, key: impl Into<String>) -> Self {
        self.set_credential(Credential::ApiKey(key.into()));
        self
    }

    fn set_credential(&self, credential: Credential) {
        *self.credential.lock().unwrap_or_else(|e| e.into_inner()) = credential;
    }

    /// The mock's URL, as given.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// `GET /_mock/requests`: the entries `filter` selects, oldest first.
    pub async fn requests(&self, filter: &Filter) -> Result<RequestList, AdminError> {
        self.read(self.request(Method::GET, "/_mock/requests").query(filter))
            .await
    }

    /// `GET /_mock/requests/count`
    pub async fn count(&self, filter: &Filter) -> Result<usize, AdminError> {
        let count: Count = self
            .read(self.request(Method::GET, "/_mock/requests/count").query(filter))
            .await?;
        Ok(count.count)
    }

    /// `GET /_mock/requests/last`: the newest entry, `None` when the journal is empty.
    pub async fn last(&self) -> Result<Option<RecordedRequest>, AdminError> {
        let answer = self.call(self.request(Method::GET, "/_mock/requests/last")).await?;
        if answer.status == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        answer.json().map(Some)
    }

    /// `GET /_mock/requests/wait`: waits up to `timeout` (the mock holds at most 300 s) for
    /// `count` entries matching `filter`; `None` when they did not come in time.
    pub async fn wait(
        &self,
        filter: &Filter,
        count: usize,
        timeout: Duration,
    ) -> Result<Option<RequestList>, AdminError> {
        let params = WaitParams {
            count,
            timeout_ms: u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX),
        };
        let request = self
            .request(Method::GET, "/_mock/requests/wait")
            .query(filter)
            .query(&params);
        let answer = self.call(request).await?;
        if answer.status == StatusCode::REQUEST_TIMEOUT {
            return Ok(None);
        }
        answer.json().map(Some)
    }

    /// `DELETE /_mock/requests`: empties the journal.
    pub async fn clear(&self) -> Result<(), AdminError> {
        self.change(self.request(Method::DELETE, "/_mock/requests")).await
    }

    /// `PUT /_mock/api-keys`: the keys `/v1/*` accepts from now on (none: any), as a key
    /// rotation on the vLLM side. Unless it has an admin token, the client uses the first
    /// new key from now on.
    pub async fn set_api_keys<K: Into<String>>(&self, keys: impl IntoIterator<Item = K>) -> Result<(), AdminError> {
        let update = ApiKeysUpdate {
            keys: keys.into_iter().map(Into::into).collect(),
        };
        let request = self.request(Method::PUT, "/_mock/api-keys").json(&update);
        self.change(request).await?;
        let mut credential = self.credential.lock().unwrap_or_else(|e| e.into_inner());
        if !matches!(*credential, Credential::AdminToken(_)) {
            *credential = match update.keys.into_iter().next() {
                Some(key) => Credential::ApiKey(key),
                None => Credential::None,
            };
        }
        Ok(())
    }

    /// `POST /_mock/rules`: adds a fault rule after those in force; returns its id (its own,
    /// or the one the mock gave it).
    pub async fn add_rule(&self, rule: &Rule) -> Result<String, AdminError> {
        let ids = self.post_rules(&NewRules::One(Box::new(rule.clone()))).await?;
        Ok(ids.into_iter().next().unwrap_or_default())
    }

    /// `POST /_mock/rules` with several: all are added, in order, or none.
    pub async fn add_rules(&self, rules: &[Rule]) -> Result<Vec<String>, AdminError> {
        self.post_rules(&NewRules::Many { rules: rules.to_vec() }).await
    }

    async fn post_rules(&self, rules: &NewRules) -> Result<Vec<String>, AdminError> {
        let answer = self
            .call(self.request(Method::POST, "/_mock/rules").json(rules))
            .await?;
        if answer.status != StatusCode::CREATED {
            return Err(answer.unexpected());
        }
        let ids: RuleIds = answer.parse()?;
        Ok(ids.ids)
    }

    /// `DELETE /_mock/rules/{id}`
    pub async fn remove_rule(&self, id: &str) -> Result<(), AdminError> {
        let path = format!("/_mock/rules/{id}");
        self.change(self.request(Method::DELETE, &path)).await
    }

    /// `DELETE /_mock/rules`
    pub async fn clear_rules(&self) -> Result<(), AdminError> {
        self.change(self.request(Method::DELETE, "/_mock/rules")).await
    }

    /// `GET /_mock/rules`: the rules in force, in order, with how often each matched and acted.
    pub async fn rules(&self) -> Result<Vec<RuleStatus>, AdminError> {
        let list: RuleList = self.read(self.request(Method::GET, "/_mock/rules")).await?;
        Ok(list.rules)
    }

    /// `GET /_mock/config`: the timing, the limits and the metric scripts in force.
    pub async fn config(&self) -> Result<RuntimeConfig, AdminError> {
        self.read(self.request(Method::GET, "/_mock/config")).await
    }

    /// `PATCH /_mock/config`: changes what `patch` names; the config in force after it. The
    /// mock refuses (400) a change whose result is not valid, and then changes nothing.
    pub async fn patch_config(&self, patch: &ConfigPatch) -> Result<RuntimeConfig, AdminError> {
        self.read(self.request(Method::PATCH, "/_mock/config").json(patch))
            .await
    }

    /// No rules, and the timing, the limits and the metric scripts back to the built-in
    /// defaults (not to the flags the mock started with); the journal and the keys stay.
    pub async fn reset_conditions(&self) -> Result<(), AdminError> {
        self.clear_rules().await?;
        self.patch_config(&ConfigPatch::from(&RuntimeConfig::default()))
            .await
            .map(drop)
    }

    /// Whether the mock answers `GET /health` with 200 within 2 s: for a mock started
    /// elsewhere (a container, a pod) that a test waits for.
    pub async fn healthy(&self) -> bool {
        let request = self.http.get(self.url("/health")).timeout(Duration::from_secs(2));
        matches!(request.send().await, Ok(r) if r.status() == StatusCode::OK)
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A call with the credential the client has now.
    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        let request = self.http.request(method, self.url(path));
        match &*self.credential.lock().unwrap_or_else(|e| e.into_inner()) {
            Credential::None => request,
            Credential::AdminToken(token) | Credential::ApiKey(token) => request.bearer_auth(token),
        }
    }

    /// A call answered 200 with `T`.
    async fn read<T: DeserializeOwned>(&self, request: RequestBuilder) -> Result<T, AdminError> {
        self.call(request).await?.json()
    }

    /// A call answered with any 2xx.
    async fn change(&self, request: RequestBuilder) -> Result<(), AdminError> {
        let answer = self.call(request).await?;
        if answer.status.is_success() {
            Ok(())
        } else {
            Err(answer.unexpected())
        }
    }

    async fn call(&self, request: RequestBuilder) -> Result<Answer, AdminError> {
        let request = request.build().map_err(|source| AdminError::Http {
            url: self.base.clone(),
            source,
        })?;
        let url = request.url().to_string();
        let fail = |source| AdminError::Http {
            url: url.clone(),
            source,
        };
        let response = self.http.execute(request).await.map_err(fail)?;
        let status = response.status();
        let body = response.bytes().await.map_err(fail)?;
        Ok(Answer { url, status, body })
    }
}

/// An answer of the admin API, read whole (they are small, a journal listing aside).
struct Answer {
    url: String,
    status: StatusCode,
    body: Bytes,
}

impl Answer {
    /// The body as `T`, of a 200.
    fn json<T: DeserializeOwned>(self) -> Result<T, AdminError> {
        if self.status != StatusCode::OK {
            return Err(self.unexpected());
        }
        self.parse()
    }

    fn parse<T: DeserializeOwned>(self) -> Result<T, AdminError> {
        serde_json::from_slice(&self.body).map_err(|source| AdminError::Json { url: self.url, source })
    }

    fn unexpected(self) -> AdminError {
        AdminError::Status {
            url: self.url,
            status: self.status.as_u16(),
            body: String::from_utf8_lossy(&self.body).into_owned(),
        }
    }
}
