//! `litellm`: the real LiteLLM proxy, started with the workshop's LiteLLM config, in front of
//! an in-process mock.
//!
//! LiteLLM starts offline with `LITELLM_LOCAL_MODEL_COST_MAP=True` and needs a master key,
//! which the client then sends. Its `hosted_vllm` provider appends `/embeddings` to `api_base`,
//! so `api_base` carries `/v1` (the `qwen3-no-v1` entry shows what happens without it).

use std::any::Any;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use serde::{Deserialize, Serialize};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

use super::{Call, LocalMock, Target, TargetError, Unavailable, free_port, wait_until};
use crate::client::ClientRequest;
use crate::settings::{Settings, TargetName};
use crate::upstream::Upstream;
use crate::workshop::{MODEL, MODEL_NAME, Workshop};

/// The key the client presents to the proxy.
pub const MASTER_KEY: &str = "sk-conformance-litellm-master";
/// A second model entry whose `api_base` lacks `/v1`.
pub const NO_V1_MODEL_NAME: &str = "qwen3-no-v1";

/// LiteLLM's proxy config, the part the workshop writes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LitellmConfig {
    pub model_list: Vec<ModelEntry>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelEntry {
    pub model_name: String,
    pub litellm_params: LitellmParams,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LitellmParams {
    pub model: String,
    pub api_key: String,
    pub api_base: String,
    /// Where the workshop puts it; LiteLLM forwards it upstream in the body.
    pub mode: String,
}

impl LitellmConfig {
    /// The workshop's LiteLLM block for a vLLM server at `vllm_url` (no trailing slash).
    pub fn workshop(workshop: &Workshop, vllm_url: &str) -> Self {
        let entry = |model_name: &str, api_base: String| ModelEntry {
            model_name: model_name.to_owned(),
            litellm_params: LitellmParams {
                model: format!("hosted_vllm/{MODEL}"),
                api_key: workshop.api_key.clone(),
                api_base,
                mode: "embedding".to_owned(),
            },
        };
        LitellmConfig {
            model_list: vec![
                entry(MODEL_NAME, format!("{vllm_url}/v1")),
                entry(NO_V1_MODEL_NAME, vllm_url.to_owned()),
            ],
        }
    }
}

pub struct Litellm {
    mock: LocalMock,
    proxy: Mutex<Option<Child>>,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Litellm {
    pub async fn start(settings: &Settings) -> Result<Self, Unavailable> {
        let bin = find_binary(settings).ok_or_else(|| {
            Unavailable("no LiteLLM proxy (run .ci/run to create .venv, or set LITELLM_BIN)".to_owned())
        })?;
        let mock = LocalMock::start(&settings.workshop).await?;
        let dir = tempfile::tempdir().map_err(|e| Unavailable(format!("no temporary folder: {e}")))?;
        let config = LitellmConfig::workshop(&settings.workshop, mock.upstream().base());
        let config_path = dir.path().join("litellm.yaml");
        let yaml = serde_yaml::to_string(&config).map_err(|e| Unavailable(e.to_string()))?;
        std::fs::write(&config_path, yaml).map_err(|e| Unavailable(format!("cannot write the config: {e}")))?;
        let log_path = dir.path().join("litellm.log");
        let log_file = std::fs::File::create(&log_path).map_err(|e| Unavailable(e.to_string()))?;
        let port = free_port()?;

        let child = Command::new(&bin)
            .arg("--config")
            .arg(&config_path)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .env("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            .env("LITELLM_MASTER_KEY", MASTER_KEY)
            .env("LITELLM_LOG", "ERROR")
            .stdin(Stdio::null())
            .stdout(log_file.try_clone().map_err(|e| Unavailable(e.to_string()))?)
            .stderr(log_file)
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| Unavailable(format!("cannot start {}: {e}", bin.display())))?;
        let target = Litellm {
            mock,
            proxy: Mutex::new(Some(child)),
            port,
            _dir: dir,
        };
        let http = reqwest::Client::new();
        let liveliness = format!("http://127.0.0.1:{port}/health/liveliness");
        let started = wait_until(Duration::from_secs(90), "LiteLLM to start", || async {
            matches!(http.get(&liveliness).send().await, Ok(r) if r.status().is_success())
        })
        .await;
        if let Err(err) = started {
            let output = std::fs::read_to_string(&log_path).unwrap_or_default();
            let last = output
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no output");
            return Err(Unavailable(format!("LiteLLM did not start: {err}; last line: {last}")));
        }
        Ok(target)
    }

    /// The workshop's embeddings request addressed to another model entry of the config.
    pub fn request_for_model(&self, model_name: &str, body: &Bytes) -> ClientRequest {
        let body = with_model(body, model_name);
        ClientRequest::post_json(format!("http://127.0.0.1:{}/v1/embeddings", self.port), body)
            .with_bearer(Some(MASTER_KEY))
    }
}

fn find_binary(settings: &Settings) -> Option<PathBuf> {
    if let Some(bin) = &settings.litellm_bin {
        return Some(bin.into());
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.venv/bin/litellm");
    if venv.exists() {
        return Some(venv);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("litellm"))
            .find(|candidate| candidate.is_file())
    })
}

/// The body with `model` replaced: the client names LiteLLM's `model_name`.
fn with_model(body: &Bytes, model_name: &str) -> Bytes {
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(mut value) if value.is_object() => {
            value["model"] = serde_json::Value::from(model_name);
            Bytes::from(value.to_string())
        }
        _ => body.clone(),
    }
}

#[async_trait]
impl Target for Litellm {
    fn name(&self) -> TargetName {
        TargetName::Litellm
    }

    fn upstream(&self) -> &Upstream {
        self.mock.upstream()
    }

    fn request(&self, call: Call, body: Option<Bytes>) -> ClientRequest {
        let url = format!("http://127.0.0.1:{}{}", self.port, call.api_path());
        let request = match body {
            Some(body) => ClientRequest::post_json(url, with_model(&body, MODEL_NAME)),
            None => ClientRequest::get(url),
        };
        request.with_bearer(Some(MASTER_KEY))
    }

    fn mock_address(&self) -> String {
        self.mock.address()
    }

    fn gateway_address(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    async fn mock_log(&self) -> Result<String, TargetError> {
        Ok(self.mock.log())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    async fn shut_down(&self) {
        if let Some(mut child) = self.proxy.lock().await.take() {
            let _ = child.kill().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_is_the_workshops_litellm_block() {
        let config = LitellmConfig::workshop(&Workshop::default(), "http://127.0.0.1:8000");
        let yaml = serde_yaml::to_string(&config).unwrap();
        assert_eq!(
            yaml,
            "model_list:\n\
             - model_name: qwen3\n  \
               litellm_params:\n    \
                 model: hosted_vllm//apps/ecs_mounts/data/q3.6b\n    \
                 api_key: sk-workshop-vllm-key\n    \
                 api_base: http://127.0.0.1:8000/v1\n    \
                 mode: embedding\n\
             - model_name: qwen3-no-v1\n  \
               litellm_params:\n    \
                 model: hosted_vllm//apps/ecs_mounts/data/q3.6b\n    \
                 api_key: sk-workshop-vllm-key\n    \
                 api_base: http://127.0.0.1:8000\n    \
                 mode: embedding\n"
        );
    }

    #[test]
    fn the_client_names_the_model_entry() {
        let body = Bytes::from(Workshop::default().embeddings_body());
        let rewritten: serde_json::Value = serde_json::from_slice(&with_model(&body, "qwen3")).unwrap();
        assert_eq!(rewritten["model"], "qwen3");
        assert_eq!(rewritten["input"], crate::workshop::TEXT);
    }
}
