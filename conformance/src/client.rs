//! The client's side of a hop: how it reaches the route, what it sent, what it got back.

use bytes::Bytes;
use http::{HeaderMap, Method};

/// The calls the workshop's client makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// Step 6, as the workshop's curl sends it.
    Embeddings,
    ChatCompletions,
    Models,
}

impl Call {
    /// The OpenAI path of the call.
    pub fn api_path(self) -> &'static str {
        match self {
            Call::Embeddings => "/v1/embeddings",
            Call::ChatCompletions => "/v1/chat/completions",
            Call::Models => "/v1/models",
        }
    }
}

/// How a client reaches the workshop's route on a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientRoute {
    /// `http://host:port`
    pub origin: String,
    /// What comes before OpenAI's paths: the HTTPRoute's `/qwen3` on Agent Gateway, empty
    /// where the gateway serves OpenAI's paths itself.
    pub prefix: String,
    /// The path of Step 6: the workshop's curl posts to the route itself (`/qwen3`).
    pub embeddings_path: String,
    /// The key the client presents: LiteLLM's master key; vLLM's own key where no gateway
    /// injects one; none on Agent Gateway, which injects the Secret's.
    pub key: Option<String>,
    /// The model name the client uses where the gateway has names of its own (LiteLLM's
    /// `model_name`); otherwise the client names vLLM's model, as the workshop's curl does.
    pub model_name: Option<String>,
}

impl ClientRoute {
    /// The route of a client that talks to vLLM's OpenAI paths at `origin` itself.
    pub fn openai(origin: impl Into<String>, key: Option<String>) -> Self {
        ClientRoute {
            origin: origin.into(),
            prefix: String::new(),
            embeddings_path: Call::Embeddings.api_path().to_owned(),
            key,
            model_name: None,
        }
    }

    /// How a client reaches a route on a path prefix, as the workshop's HTTPRoute on Agent
    /// Gateway: Step 6 posts to the prefix itself; an OpenAI client puts `/v1/...` after it;
    /// no key (the gateway injects vLLM's).
    pub fn prefixed(origin: impl Into<String>, prefix: &str) -> Self {
        ClientRoute {
            origin: origin.into(),
            prefix: prefix.to_owned(),
            embeddings_path: prefix.to_owned(),
            key: None,
            model_name: None,
        }
    }

    /// The workshop's client request for `call`, with `body` as the workshop writes it.
    pub fn request(&self, call: Call, body: Option<Bytes>) -> ClientRequest {
        let path = match call {
            Call::Embeddings => self.embeddings_path.clone(),
            other => format!("{}{}", self.prefix, other.api_path()),
        };
        let url = format!("{}{path}", self.origin);
        let request = match body {
            Some(body) => ClientRequest::post_json(url, self.with_model(body)),
            None => ClientRequest::get(url),
        };
        request.with_bearer(self.key.as_deref())
    }

    /// `base_url` for an OpenAI SDK client: the route's prefix and `/v1`.
    pub fn sdk_base_url(&self) -> String {
        format!("{}{}/v1", self.origin, self.prefix)
    }

    /// `host:port` the client sends to.
    pub fn address(&self) -> &str {
        self.origin.trim_start_matches("http://").trim_start_matches("https://")
    }

    /// The body with `model` set to the gateway's own name, where it has one.
    pub fn with_model(&self, body: Bytes) -> Bytes {
        match &self.model_name {
            Some(name) => with_model(&body, name),
            None => body,
        }
    }
}

/// `body` with its `model` replaced by `model_name`; a body that is not a JSON object as is.
pub fn with_model(body: &Bytes, model_name: &str) -> Bytes {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut value) if value.is_object() => {
            value["model"] = serde_json::Value::from(model_name);
            Bytes::from(value.to_string())
        }
        _ => body.clone(),
    }
}

/// A request as the client sends it.
#[derive(Debug, Clone)]
pub struct ClientRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Bytes>,
    /// How long the client waits for the whole answer before it gives up; the client's
    /// default when unset.
    pub timeout: Option<std::time::Duration>,
}

impl ClientRequest {
    pub fn post_json(url: String, body: impl Into<Bytes>) -> Self {
        ClientRequest {
            method: Method::POST,
            url,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: Some(body.into()),
            timeout: None,
        }
    }

    pub fn get(url: String) -> Self {
        ClientRequest {
            method: Method::GET,
            url,
            headers: vec![],
            body: None,
            timeout: None,
        }
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.retain(|(header, _)| !header.eq_ignore_ascii_case(name));
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// The client gives up after `timeout`.
    pub fn giving_up_after(mut self, timeout: std::time::Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    pub fn with_bearer(self, token: Option<&str>) -> Self {
        match token {
            Some(token) => self.with_header("authorization", format!("Bearer {token}")),
            None => self,
        }
    }

    /// The path the request addresses.
    pub fn path(&self) -> String {
        reqwest::Url::parse(&self.url)
            .map(|url| url.path().to_owned())
            .unwrap_or_default()
    }

    /// The request as reqwest sends it: method, headers, body, and the client's patience, which
    /// covers the whole answer, a streamed body included.
    pub fn builder(&self, http: &reqwest::Client) -> reqwest::RequestBuilder {
        let mut builder = http.request(self.method.clone(), &self.url);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = &self.body {
            builder = builder.body(body.clone());
        }
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        builder
    }

    /// Sends the request; an answer that never came (a refused or reset connection, the
    /// client's time-out) is an exchange with status 0 and the error as its body.
    pub async fn send(self, http: &reqwest::Client) -> Exchange {
        let builder = self.builder(http);
        let answered = async {
            let response = builder.send().await?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = response.bytes().await?;
            Ok::<_, reqwest::Error>((status, headers, body))
        };
        match answered.await {
            Ok((status, headers, body)) => Exchange {
                request: self,
                status,
                headers,
                body,
            },
            Err(err) => Exchange::no_answer(self, &err),
        }
    }
}

/// The status of an exchange whose answer never came.
pub const NO_ANSWER: u16 = 0;

/// An error with its causes, e.g. `error sending request: ... : connection reset by peer`.
fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// One request and its answer, as the client saw them.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub request: ClientRequest,
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Exchange {
    /// A request whose answer never came: status 0, the error as the body.
    pub fn no_answer(request: ClientRequest, err: &dyn std::error::Error) -> Self {
        Exchange {
            request,
            status: NO_ANSWER,
            headers: HeaderMap::new(),
            body: Bytes::from(error_chain(err)),
        }
    }

    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent_gateway() -> ClientRoute {
        ClientRoute {
            origin: "http://127.0.0.1:8080".into(),
            prefix: "/qwen3".into(),
            embeddings_path: "/qwen3".into(),
            key: None,
            model_name: None,
        }
    }

    #[test]
    fn step_6_posts_to_the_route_and_other_calls_follow_the_prefix() {
        let route = agent_gateway();
        let request = route.request(Call::Embeddings, Some(Bytes::from_static(b"{}")));
        assert_eq!(request.url, "http://127.0.0.1:8080/qwen3");
        assert!(request.headers.iter().all(|(name, _)| name != "authorization"));
        assert_eq!(
            route.request(Call::Models, None).url,
            "http://127.0.0.1:8080/qwen3/v1/models"
        );
        assert_eq!(route.sdk_base_url(), "http://127.0.0.1:8080/qwen3/v1");
        assert_eq!(route.address(), "127.0.0.1:8080");
    }

    #[test]
    fn a_gateway_with_model_names_gets_its_name_and_key() {
        let route = ClientRoute {
            model_name: Some("qwen3".into()),
            ..ClientRoute::openai("http://127.0.0.1:4000", Some("sk-master".into()))
        };
        let body = Bytes::from_static(br#"{"model": "/apps/x", "input": "hi"}"#);
        let request = route.request(Call::Embeddings, Some(body));
        assert_eq!(request.url, "http://127.0.0.1:4000/v1/embeddings");
        let sent: serde_json::Value = serde_json::from_slice(request.body.as_ref().unwrap()).unwrap();
        assert_eq!(sent["model"], "qwen3");
        assert_eq!(sent["input"], "hi");
        assert_eq!(request.headers[1], ("authorization".into(), "Bearer sk-master".into()));
    }

    #[test]
    fn a_header_set_twice_is_sent_once() {
        let request = ClientRequest::get("http://x/".into())
            .with_bearer(Some("a"))
            .with_header("Authorization", "Bearer b");
        assert_eq!(request.headers, [("Authorization".to_owned(), "Bearer b".to_owned())]);
    }
}
