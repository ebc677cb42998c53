//! The client's side of a hop: what it sent and what it got back.

use bytes::Bytes;
use http::{HeaderMap, Method};

/// A request as the client sends it.
#[derive(Debug, Clone)]
pub struct ClientRequest {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Bytes>,
}

impl ClientRequest {
    pub fn post_json(url: String, body: impl Into<Bytes>) -> Self {
        ClientRequest {
            method: Method::POST,
            url,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: Some(body.into()),
        }
    }

    pub fn get(url: String) -> Self {
        ClientRequest {
            method: Method::GET,
            url,
            headers: vec![],
            body: None,
        }
    }

    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
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

    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub async fn send(self, http: &reqwest::Client) -> Result<Exchange, reqwest::Error> {
        let mut builder = http.request(self.method.clone(), &self.url);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = &self.body {
            builder = builder.body(body.clone());
        }
        let response = builder.send().await?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await?;
        Ok(Exchange {
            request: self,
            status,
            headers,
            body,
        })
    }
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
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }
}
