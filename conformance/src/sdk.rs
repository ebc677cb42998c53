//! The OpenAI Python SDK as a client: Step 6 as an application sends it, with
//! `base_url=<gateway>/qwen3/v1` on Agent Gateway (so it posts to `/qwen3/v1/embeddings`, a
//! path the workshop's curl never takes).
//!
//! The SDK comes from the peers venv that `.ci/run` builds (`.venv`), or from `PEERS_PYTHON`.
//! `conformance/peers/openai_embeddings.py` sends one request and prints the exchange as the
//! SDK's HTTP client saw it: the request it built (method, URL, headers, body) and the answer.

use std::path::PathBuf;
use std::process::Stdio;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use serde::Deserialize;

use crate::client::{ClientRequest, Exchange};
use crate::settings::Env;

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/peers/openai_embeddings.py");

#[derive(Debug, thiserror::Error)]
pub enum SdkError {
    #[error("cannot run {python}: {source}")]
    Spawn {
        python: String,
        #[source]
        source: std::io::Error,
    },
    #[error("the SDK script failed ({status}): {stderr}")]
    Script { status: String, stderr: String },
    #[error("the SDK script printed something other than an exchange: {0}")]
    Output(String),
}

/// A Python that can `import openai`.
#[derive(Debug, Clone)]
pub struct OpenAiSdk {
    python: PathBuf,
}

/// What the SDK asks for, beyond the route.
#[derive(Debug, Clone)]
pub struct EmbeddingsCall<'a> {
    pub base_url: &'a str,
    pub api_key: &'a str,
    pub model: &'a str,
    pub input: &'a str,
}

/// The exchange as the script prints it.
#[derive(Debug, Deserialize)]
struct Printed {
    request: PrintedRequest,
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

#[derive(Debug, Deserialize)]
struct PrintedRequest {
    method: String,
    url: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl OpenAiSdk {
    /// `PEERS_PYTHON`, else the workspace's `.venv`, when `openai` imports there.
    pub async fn find(env: &Env) -> Option<Self> {
        let python = env
            .get("PEERS_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/python"));
        let imports = tokio::process::Command::new(&python)
            .args(["-c", "import openai"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .await
            .is_ok_and(|s| s.success());
        imports.then_some(OpenAiSdk { python })
    }

    /// `client.embeddings.create(model=..., input=...)` with the SDK's defaults (base64 on
    /// the wire), no retries.
    pub async fn embeddings(&self, call: &EmbeddingsCall<'_>) -> Result<Exchange, SdkError> {
        let output = tokio::process::Command::new(&self.python)
            .args([SCRIPT, call.base_url, call.api_key, call.model, call.input])
            .stdin(Stdio::null())
            .output()
            .await
            .map_err(|source| SdkError::Spawn {
                python: self.python.display().to_string(),
                source,
            })?;
        if !output.status.success() {
            return Err(SdkError::Script {
                status: output.status.to_string(),
                stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            });
        }
        let printed: Printed = serde_json::from_slice(&output.stdout)
            .map_err(|e| SdkError::Output(format!("{e}: {}", String::from_utf8_lossy(&output.stdout))))?;
        Ok(printed.into_exchange())
    }
}

impl Printed {
    fn into_exchange(self) -> Exchange {
        Exchange {
            request: ClientRequest {
                method: self.request.method.parse().unwrap_or(Method::POST),
                url: self.request.url,
                headers: self.request.headers,
                body: Some(Bytes::from(self.request.body)),
                timeout: None,
            },
            status: self.status,
            headers: header_map(&self.headers),
            body: Bytes::from(self.body),
        }
    }
}

fn header_map(headers: &[(String, String)]) -> HeaderMap {
    headers
        .iter()
        .filter_map(|(name, value)| {
            Some((
                HeaderName::try_from(name.as_str()).ok()?,
                HeaderValue::try_from(value.as_str()).ok()?,
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_printed_exchange_becomes_the_clients() {
        let printed: Printed = serde_json::from_str(
            r#"{"request": {"method": "POST", "url": "http://gw/qwen3/v1/embeddings",
                 "headers": [["authorization", "Bearer sk-x"]], "body": "{}"},
               "status": 200, "headers": [["content-type", "application/json"]], "body": "{\"object\": \"list\"}"}"#,
        )
        .unwrap();
        let exchange = printed.into_exchange();
        assert_eq!(exchange.request.path(), "/qwen3/v1/embeddings");
        assert_eq!(exchange.status, 200);
        assert_eq!(exchange.headers["content-type"], "application/json");
        assert_eq!(exchange.json().unwrap()["object"], "list");
    }
}
