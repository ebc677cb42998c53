//! `litellm`: the real LiteLLM proxy, started with the workshop's LiteLLM config, in front of
//! an in-process mock.
//!
//! Reads `LITELLM_BIN`; without it, `.venv/bin/litellm` (what `.ci/run` installs), then
//! `litellm` on `PATH`. LiteLLM starts offline with `LITELLM_LOCAL_MODEL_COST_MAP=True` and
//! needs a master key, which the client then sends. Its `hosted_vllm` provider appends
//! `/embeddings` to `api_base`, so `api_base` carries `/v1` (the `qwen3-no-v1` entry shows what
//! happens without it). Its access log is uvicorn's, kept at INFO by a log config of ours while
//! LiteLLM's own chatter stays at ERROR.
//!
//! Beyond the workshop's block, for the scenarios configured so ([`Configured`]), three more
//! entries in LiteLLM's documented terms: `qwen3-timeout` with `timeout: 2`, and
//! `qwen3-primary` with a `fallbacks` entry to `qwen3-replica`, a second mock.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::access_log::{records, uvicorn_line};
use super::launcher::{Launch, Launched, Readiness};
use super::{
    AccessRecord, CONFIGURED_TIMEOUT, Capability, Configured, Implementation, LocalMock, ModelEntries,
    REPLICA_INSTANCE, StartError, Starting, Target, TargetError, TargetSpec, free_port,
};
use crate::client::{ClientRequest, ClientRoute, with_model};
use crate::settings::Settings;
use crate::upstream::Upstream;
use crate::workshop::{MODEL, MODEL_NAME, Workshop};

pub const SPEC: TargetSpec = TargetSpec {
    name: "litellm",
    capabilities: &[Capability::Gateway, Capability::Configured],
    start,
};

/// The key the client presents to the proxy.
pub const MASTER_KEY: &str = "sk-conformance-litellm-master";
/// A second model entry whose `api_base` lacks `/v1`.
pub const NO_V1_MODEL_NAME: &str = "qwen3-no-v1";
/// The entry with a request time-out.
pub const TIMEOUT_MODEL_NAME: &str = "qwen3-timeout";
/// The entry that falls back to [`REPLICA_MODEL_NAME`].
pub const PRIMARY_MODEL_NAME: &str = "qwen3-primary";
/// The second mock, as an entry of its own.
pub const REPLICA_MODEL_NAME: &str = "qwen3-replica";

/// LiteLLM's proxy config: the part the workshop writes, and the configured entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LitellmConfig {
    pub model_list: Vec<ModelEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub litellm_settings: Option<LitellmSettings>,
}

/// `litellm_settings`: here only the fallbacks between model groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LitellmSettings {
    pub fallbacks: Vec<IndexMap<String, Vec<String>>>,
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
    /// Seconds before LiteLLM gives up on the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u64>,
}

impl LitellmConfig {
    /// The workshop's LiteLLM block for a vLLM server at `vllm_url` (no trailing slash).
    pub fn workshop(workshop: &Workshop, vllm_url: &str) -> Self {
        LitellmConfig {
            model_list: vec![
                ModelEntry::workshop(workshop, MODEL_NAME, format!("{vllm_url}/v1")),
                ModelEntry::workshop(workshop, NO_V1_MODEL_NAME, vllm_url.to_owned()),
            ],
            litellm_settings: None,
        }
    }

    /// Adds the [`Configured`] entries, built from the workshop's: a time-out on the
    /// workshop's vLLM, and a fallback from it to a second vLLM at `replica_url`.
    pub fn with_configured(mut self, replica_url: &str) -> Self {
        let workshop = self.model_list[0].clone();
        let entry = |model_name: &str| ModelEntry {
            model_name: model_name.to_owned(),
            ..workshop.clone()
        };
        let mut timeout = entry(TIMEOUT_MODEL_NAME);
        timeout.litellm_params.timeout = Some(CONFIGURED_TIMEOUT.as_secs());
        let mut replica = entry(REPLICA_MODEL_NAME);
        replica.litellm_params.api_base = format!("{replica_url}/v1");
        self.model_list.extend([timeout, entry(PRIMARY_MODEL_NAME), replica]);
        self.litellm_settings = Some(LitellmSettings {
            fallbacks: vec![IndexMap::from([(
                PRIMARY_MODEL_NAME.to_owned(),
                vec![REPLICA_MODEL_NAME.to_owned()],
            )])],
        });
        self
    }
}

impl ModelEntry {
    /// An entry as the workshop writes its one: the vLLM model through `hosted_vllm`.
    fn workshop(workshop: &Workshop, model_name: &str, api_base: String) -> Self {
        ModelEntry {
            model_name: model_name.to_owned(),
            litellm_params: LitellmParams {
                model: format!("hosted_vllm/{MODEL}"),
                api_key: workshop.api_key.clone(),
                api_base,
                mode: "embedding".to_owned(),
                timeout: None,
            },
        }
    }
}

/// uvicorn's logging config: its access log on stdout at INFO, everything else as LiteLLM sets it.
fn access_log_config() -> serde_json::Value {
    json!({
        "version": 1,
        "disable_existing_loggers": false,
        "formatters": {"access": {
            "()": "uvicorn.logging.AccessFormatter",
            "fmt": "%(levelprefix)s %(client_addr)s - \"%(request_line)s\" %(status_code)s",
            "use_colors": false
        }},
        "handlers": {"access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stdout"}},
        "loggers": {"uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": false}}
    })
}

fn start(settings: &Settings) -> Starting<'_> {
    Box::pin(async move {
        let Some(bin) = find_binary(settings) else {
            return Err(StartError::Absent(
                "no LiteLLM proxy (run .ci/run to create .venv, or set LITELLM_BIN)".to_owned(),
            ));
        };
        let target = Litellm::start(settings, bin).await?;
        Ok(Arc::new(target) as Arc<dyn Target>)
    })
}

pub struct Litellm {
    mock: LocalMock,
    replica: LocalMock,
    proxy: Launched,
    version: Option<String>,
    _dir: tempfile::TempDir,
}

impl Litellm {
    async fn start(settings: &Settings, bin: PathBuf) -> Result<Self, StartError> {
        let failed = |what: &str, e: &dyn std::fmt::Display| StartError::Failed(format!("litellm: {what}: {e}"));
        let mock = LocalMock::start(&settings.workshop).await?;
        let replica = LocalMock::start_as(&settings.workshop, Some(REPLICA_INSTANCE)).await?;
        let dir = tempfile::tempdir().map_err(|e| failed("no temporary folder", &e))?;
        let config = LitellmConfig::workshop(&settings.workshop, mock.upstream().base())
            .with_configured(replica.upstream().base());
        let config_path = dir.path().join("litellm.yaml");
        let yaml = serde_yaml_ng::to_string(&config).map_err(|e| failed("config", &e))?;
        std::fs::write(&config_path, yaml).map_err(|e| failed("cannot write the config", &e))?;
        let log_config_path = dir.path().join("log-config.json");
        std::fs::write(&log_config_path, access_log_config().to_string())
            .map_err(|e| failed("cannot write the log config", &e))?;
        let port = free_port()?;

        let launch = Launch::Process {
            program: bin,
            args: vec![
                "--config".into(),
                config_path.into(),
                "--host".into(),
                "127.0.0.1".into(),
                "--port".into(),
                port.to_string().into(),
                "--log_config".into(),
                log_config_path.into(),
            ],
            env: vec![
                ("LITELLM_LOCAL_MODEL_COST_MAP".into(), "True".into()),
                ("LITELLM_MASTER_KEY".into(), MASTER_KEY.into()),
                ("LITELLM_LOG".into(), "ERROR".into()),
            ],
            port,
        };
        let readiness = Readiness {
            path: "/health/liveliness",
            ready: |status| (200..300).contains(&status),
            timeout: Duration::from_secs(90),
        };
        let proxy = Launched::start("the LiteLLM proxy", launch, readiness).await?;
        let version = reported_version(proxy.address()).await;
        Ok(Litellm {
            mock,
            replica,
            proxy,
            version,
            _dir: dir,
        })
    }
}

/// The version `/health/readiness/details` reports (`litellm_version`; the master key reads it).
async fn reported_version(address: &str) -> Option<String> {
    #[derive(Deserialize)]
    struct Readiness {
        litellm_version: Option<String>,
    }
    let url = format!("http://{address}/health/readiness/details");
    let response = reqwest::Client::new()
        .get(&url)
        .bearer_auth(MASTER_KEY)
        .send()
        .await
        .ok()?;
    response.json::<Readiness>().await.ok()?.litellm_version
}

fn find_binary(settings: &Settings) -> Option<PathBuf> {
    if let Some(bin) = settings.env.get("LITELLM_BIN") {
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

#[async_trait]
impl Target for Litellm {
    fn name(&self) -> &'static str {
        SPEC.name
    }

    fn upstream(&self) -> &Upstream {
        self.mock.upstream()
    }

    fn route(&self) -> ClientRoute {
        ClientRoute {
            model_name: Some(MODEL_NAME.to_owned()),
            ..ClientRoute::openai(format!("http://{}", self.proxy.address()), Some(MASTER_KEY.to_owned()))
        }
    }

    fn mock_address(&self) -> String {
        self.mock.address()
    }

    fn placeholders(&self) -> Vec<(&'static str, String)> {
        vec![("<client key>", MASTER_KEY.to_owned())]
    }

    async fn mock_log(&self) -> Result<String, TargetError> {
        Ok(self.mock.log())
    }

    async fn access_log(&self) -> Result<Vec<AccessRecord>, TargetError> {
        Ok(records(&self.proxy.log().text(), uvicorn_line))
    }

    fn implementation(&self) -> Implementation {
        Implementation::new(
            "LiteLLM proxy",
            self.version.as_deref().unwrap_or("version not reported"),
        )
    }

    fn model_entries(&self) -> Option<&dyn ModelEntries> {
        Some(self)
    }

    fn configured_request(&self, behaviour: Configured, body: Bytes) -> Option<ClientRequest> {
        let model_name = match behaviour {
            Configured::Timeout => TIMEOUT_MODEL_NAME,
            Configured::Failover => PRIMARY_MODEL_NAME,
        };
        Some(self.request_for_model(model_name, body))
    }

    fn replica(&self) -> Option<&Upstream> {
        Some(self.replica.upstream())
    }

    async fn shut_down(&self) {
        self.proxy.stop().await;
    }
}

impl ModelEntries for Litellm {
    fn request_for_model(&self, model_name: &str, body: Bytes) -> ClientRequest {
        let url = format!("http://{}/v1/embeddings", self.proxy.address());
        ClientRequest::post_json(url, with_model(&body, model_name)).with_bearer(Some(MASTER_KEY))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_is_the_workshops_litellm_block() {
        let config = LitellmConfig::workshop(&Workshop::default(), "http://127.0.0.1:8000");
        let yaml = serde_yaml_ng::to_string(&config).unwrap();
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
    fn configured_entries_use_litellms_timeout_and_fallbacks() {
        let workshop = Workshop::default();
        let config = LitellmConfig::workshop(&workshop, "http://a:1").with_configured("http://b:2");
        let yaml = serde_yaml_ng::to_string(&config).unwrap();
        let tail = yaml
            .split("- model_name: qwen3-timeout")
            .nth(1)
            .expect("the time-out entry");
        assert!(tail.starts_with("\n  litellm_params:\n"), "{tail}");
        assert!(tail.contains("    timeout: 2\n"), "{yaml}");
        let base = |name: &str| {
            let entry = config.model_list.iter().find(|e| e.model_name == name).unwrap();
            entry.litellm_params.api_base.clone()
        };
        assert_eq!(base(TIMEOUT_MODEL_NAME), "http://a:1/v1");
        assert_eq!(base(PRIMARY_MODEL_NAME), "http://a:1/v1");
        assert_eq!(base(REPLICA_MODEL_NAME), "http://b:2/v1");
        assert!(
            yaml.ends_with("litellm_settings:\n  fallbacks:\n  - qwen3-primary:\n    - qwen3-replica\n"),
            "{yaml}"
        );
    }

    #[test]
    fn the_access_log_config_keeps_uvicorn_access_at_info() {
        let config = access_log_config();
        assert_eq!(config["loggers"]["uvicorn.access"]["level"], "INFO");
        assert_eq!(config["handlers"]["access"]["stream"], "ext://sys.stdout");
    }
}
