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
//! Beyond the workshop's block, for the scenarios configured so ([`Configured`]), more entries
//! in LiteLLM's documented terms: `qwen3-timeout` with `timeout: 2`; `qwen3-primary` with a
//! `fallbacks` entry to `qwen3-replica`, a second mock; and `qwen3-balanced` twice, once for
//! each mock, a model group its router spreads requests over (`simple-shuffle` by default).

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::access_log::without_query;
use super::gateway::{ConfiguredRoutes, Gateway, Plan, PlanError, RouteTo, peers_or_path, program};
use super::launcher::{Launch, Readiness};
use super::{AccessRecord, CONFIGURED_TIMEOUT, Capability, StartError};
use crate::client::ClientRoute;
use crate::settings::Settings;
use crate::workshop::{MODEL, MODEL_NAME, Workshop};

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
/// Two entries, one for each mock: one model group.
pub const BALANCED_MODEL_NAME: &str = "qwen3-balanced";

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
    /// workshop's vLLM, a fallback from it to a second vLLM at `replica_url`, and a group of
    /// the two.
    pub fn with_configured(mut self, replica_url: &str) -> Self {
        let workshop = self.model_list[0].clone();
        let entry = |model_name: &str| ModelEntry {
            model_name: model_name.to_owned(),
            ..workshop.clone()
        };
        let mut timeout = entry(TIMEOUT_MODEL_NAME);
        timeout.litellm_params.timeout = Some(CONFIGURED_TIMEOUT.as_secs());
        let on_replica = |mut entry: ModelEntry| {
            entry.litellm_params.api_base = format!("{replica_url}/v1");
            entry
        };
        self.model_list.extend([
            timeout,
            entry(PRIMARY_MODEL_NAME),
            on_replica(entry(REPLICA_MODEL_NAME)),
            entry(BALANCED_MODEL_NAME),
            on_replica(entry(BALANCED_MODEL_NAME)),
        ]);
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

/// The LiteLLM proxy found on this machine.
pub struct Litellm {
    bin: PathBuf,
}

#[async_trait]
impl Gateway for Litellm {
    const NAME: &'static str = "litellm";
    const OFFERS: &'static [Capability] = &[Capability::InjectsKey];
    const CONFIGURED: Option<ConfiguredRoutes> = Some(ConfiguredRoutes {
        timeout: RouteTo::Model(TIMEOUT_MODEL_NAME),
        failover: RouteTo::Model(PRIMARY_MODEL_NAME),
        balanced: RouteTo::Model(BALANCED_MODEL_NAME),
        // The workshop's entry streams a chat completion as vLLM paces it.
        streaming: RouteTo::Workshop,
        health_checked: None,
    });

    fn find(settings: &Settings) -> Result<Self, StartError> {
        program(settings, "LITELLM_BIN", || peers_or_path("litellm"))
            .map(|bin| Litellm { bin })
            .ok_or_else(|| {
                StartError::Absent("no LiteLLM proxy (run .ci/run to create .venv, or set LITELLM_BIN)".to_owned())
            })
    }

    fn launch(&self, plan: &Plan<'_>) -> Result<Launch, PlanError> {
        let [vllm, replica] = plan.vllm_urls();
        let config = LitellmConfig::workshop(plan.workshop, &vllm).with_configured(&replica);
        let config = plan.write(
            "litellm.yaml",
            serde_yaml_ng::to_string(&config).map_err(PlanError::config)?,
        )?;
        let log_config = plan.write("log-config.json", access_log_config().to_string())?;
        Ok(Launch::Process {
            program: self.bin.clone(),
            args: vec![
                "--config".into(),
                config.into(),
                "--host".into(),
                "127.0.0.1".into(),
                "--port".into(),
                plan.port.to_string().into(),
                "--log_config".into(),
                log_config.into(),
            ],
            env: vec![
                ("LITELLM_LOCAL_MODEL_COST_MAP".into(), "True".into()),
                ("LITELLM_MASTER_KEY".into(), MASTER_KEY.into()),
                ("LITELLM_LOG".into(), "ERROR".into()),
            ],
            port: plan.port,
        })
    }

    fn readiness(&self) -> Readiness {
        Readiness {
            path: "/health/liveliness".into(),
            ready: |status| (200..300).contains(&status),
            timeout: Duration::from_secs(90),
        }
    }

    fn access_line(&self, line: &str) -> Option<AccessRecord> {
        uvicorn_line(line)
    }

    fn route(&self, address: &str) -> ClientRoute {
        ClientRoute {
            model_name: Some(MODEL_NAME.to_owned()),
            ..ClientRoute::openai(format!("http://{address}"), Some(MASTER_KEY.to_owned()))
        }
    }

    fn implementation(&self) -> String {
        "LiteLLM proxy".to_owned()
    }

    /// What `/health/readiness/details` reports (`litellm_version`; the master key reads it).
    async fn version(&self, address: &str) -> Option<String> {
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

    fn placeholders(&self) -> Vec<(&'static str, String)> {
        vec![("<client key>", MASTER_KEY.to_owned())]
    }
}

/// uvicorn's access line, as the LiteLLM proxy logs it with [`access_log_config`]:
/// `INFO:     127.0.0.1:49916 - "POST /v1/embeddings HTTP/1.1" 200 OK`.
pub fn uvicorn_line(line: &str) -> Option<AccessRecord> {
    let (_, rest) = line.split_once(" - \"")?;
    let (request_line, after) = rest.split_once('"')?;
    let mut request = request_line.split(' ');
    let (method, target, version) = (request.next()?, request.next()?, request.next()?);
    if !version.starts_with("HTTP/") {
        return None;
    }
    Some(AccessRecord {
        method: method.to_owned(),
        path: without_query(target),
        status: after.split_whitespace().next().and_then(|s| s.parse().ok()),
        route: None,
        endpoint: None,
        line: line.to_owned(),
    })
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
        let group: Vec<&str> = config
            .model_list
            .iter()
            .filter(|e| e.model_name == BALANCED_MODEL_NAME)
            .map(|e| e.litellm_params.api_base.as_str())
            .collect();
        assert_eq!(group, ["http://a:1/v1", "http://b:2/v1"]);
        assert!(
            yaml.ends_with("litellm_settings:\n  fallbacks:\n  - qwen3-primary:\n    - qwen3-replica\n"),
            "{yaml}"
        );
    }

    #[test]
    fn uvicorn_lines_give_method_path_and_status() {
        let record = uvicorn_line(r#"INFO:     127.0.0.1:49916 - "POST /v1/embeddings?x=1 HTTP/1.1" 200 OK"#).unwrap();
        assert_eq!(
            (record.method.as_str(), record.path.as_str(), record.status),
            ("POST", "/v1/embeddings", Some(200))
        );
        assert_eq!(record.route, None);
        assert!(uvicorn_line("LiteLLM: Proxy initialized with Config").is_none());
        assert!(uvicorn_line(r#"x - "not a request" y"#).is_none());
    }

    #[test]
    fn the_access_log_config_keeps_uvicorn_access_at_info() {
        let config = access_log_config();
        assert_eq!(config["loggers"]["uvicorn.access"]["level"], "INFO");
        assert_eq!(config["handlers"]["access"]["stream"], "ext://sys.stdout");
    }
}
