//! `agentgateway`: a user's agentgateway (`AGENTGATEWAY_BIN`, or `AGENTGATEWAY_IMAGE` through
//! testcontainers), run standalone with a config generated from the workshop's resources, in
//! front of an in-process mock.
//!
//! The standalone config spells the CRDs' fields its own way (see
//! `../shared/reference/agentgateway-standalone/`): `hostOverride` for host and port,
//! `pathOverride` for the path, `backendAuth.key` for the Secret's value, and route types in
//! lower camel case under the route's `policies.ai.routes`.

use std::any::Any;
use std::process::Stdio;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use testcontainers::core::{ContainerPort, Host};
use testcontainers::runners::AsyncRunner;
use testcontainers::{ContainerAsync, GenericImage, ImageExt};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

use super::{Call, LocalMock, Target, TargetError, Unavailable, free_port, wait_until};
use crate::client::ClientRequest;
use crate::resources::{ManifestError, WorkshopResources};
use crate::settings::{Settings, TargetName};
use crate::upstream::Upstream;
use crate::workshop::{self, Workshop};

/// agentgateway's standalone config (`agentgateway -f config.yaml`), the part the workshop uses.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StandaloneConfig {
    pub binds: Vec<Bind>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Bind {
    pub port: u16,
    pub listeners: Vec<Listener>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Listener {
    pub protocol: String,
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub name: String,
    pub matches: Vec<Match>,
    pub policies: RoutePolicies,
    pub backends: Vec<Backend>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Match {
    pub path: PathPrefix,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PathPrefix {
    pub path_prefix: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoutePolicies {
    pub ai: RouteAi,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteAi {
    pub routes: IndexMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backend {
    pub ai: AiBackend,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AiBackend {
    pub name: String,
    pub host_override: String,
    pub path_override: String,
    pub provider: Provider,
    pub policies: BackendPolicies,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provider {
    #[serde(rename = "openAI")]
    pub open_ai: OpenAi,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OpenAi {
    pub model: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BackendPolicies {
    pub backend_auth: BackendAuth,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BackendAuth {
    pub key: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Manifests(#[from] ManifestError),
    #[error("the workshop's resources lack {0}")]
    Missing(&'static str),
}

impl StandaloneConfig {
    /// Steps 2 to 5 as one standalone config: the gateway listens on `port` and reaches the
    /// vLLM server at `vllm_address` (`host:port`).
    pub fn from_resources(
        resources: &WorkshopResources,
        api_key: &str,
        port: u16,
        vllm_address: &str,
    ) -> Result<Self, ConfigError> {
        let provider = resources.provider().ok_or(ConfigError::Missing("an AI provider"))?;
        let model = provider
            .openai
            .as_ref()
            .and_then(|o| o.model.clone())
            .ok_or(ConfigError::Missing("an OpenAI model"))?;
        let path = provider.path.clone().ok_or(ConfigError::Missing("a provider path"))?;
        let prefix = resources.route_prefix().ok_or(ConfigError::Missing("a route path"))?;
        let routes = resources
            .route_types()
            .into_iter()
            .map(|(suffix, kind)| (suffix, kind.standalone_name().to_owned()))
            .collect();
        Ok(StandaloneConfig {
            binds: vec![Bind {
                port,
                listeners: vec![Listener {
                    protocol: "HTTP".to_owned(),
                    routes: vec![Route {
                        name: resources.route.metadata.name.clone().unwrap_or_default(),
                        matches: vec![Match {
                            path: PathPrefix {
                                path_prefix: prefix.to_owned(),
                            },
                        }],
                        policies: RoutePolicies { ai: RouteAi { routes } },
                        backends: vec![Backend {
                            ai: AiBackend {
                                name: resources.backend.metadata.name.clone().unwrap_or_default(),
                                host_override: vllm_address.to_owned(),
                                path_override: path,
                                provider: Provider {
                                    open_ai: OpenAi { model },
                                },
                                policies: BackendPolicies {
                                    backend_auth: BackendAuth {
                                        key: api_key.to_owned(),
                                    },
                                },
                            },
                        }],
                    }],
                }],
            }],
        })
    }

    pub fn for_workshop(workshop: &Workshop, port: u16, vllm_address: &str) -> Result<Self, ConfigError> {
        let resources = WorkshopResources::from_manifests()?;
        Self::from_resources(&resources, &workshop.api_key, port, vllm_address)
    }
}

enum Gateway {
    Process(Child),
    Container(Box<ContainerAsync<GenericImage>>),
}

pub struct Agentgateway {
    mock: LocalMock,
    gateway: Mutex<Option<Gateway>>,
    address: String,
    _dir: tempfile::TempDir,
}

/// Where the gateway listens inside its process or container.
const LISTEN_PORT: u16 = 8080;

impl Agentgateway {
    pub async fn start(settings: &Settings) -> Result<Self, Unavailable> {
        if settings.agentgateway_bin.is_none() && settings.agentgateway_image.is_none() {
            return Err(Unavailable(
                "no agentgateway (set AGENTGATEWAY_BIN or AGENTGATEWAY_IMAGE)".to_owned(),
            ));
        }
        let mock = LocalMock::start(&settings.workshop).await?;
        let dir = tempfile::tempdir().map_err(|e| Unavailable(format!("no temporary folder: {e}")))?;
        let (gateway, address) = match (&settings.agentgateway_bin, &settings.agentgateway_image) {
            (Some(bin), _) => {
                let port = free_port()?;
                let config = StandaloneConfig::for_workshop(&settings.workshop, port, &mock.address())
                    .map_err(|e| Unavailable(e.to_string()))?;
                let path = dir.path().join("agentgateway.yaml");
                write_config(&path, &config)?;
                let child = Command::new(bin)
                    .arg("-f")
                    .arg(&path)
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .kill_on_drop(true)
                    .spawn()
                    .map_err(|e| Unavailable(format!("cannot start {bin}: {e}")))?;
                (Gateway::Process(child), format!("127.0.0.1:{port}"))
            }
            (None, Some(image)) => {
                // The container reaches the in-process mock through the Docker host.
                let mock_port = mock.port();
                let config = StandaloneConfig::for_workshop(
                    &settings.workshop,
                    LISTEN_PORT,
                    &format!("host.docker.internal:{mock_port}"),
                )
                .map_err(|e| Unavailable(e.to_string()))?;
                let yaml = serde_yaml::to_string(&config).map_err(|e| Unavailable(e.to_string()))?;
                let (name, tag) = image.rsplit_once(':').unwrap_or((image, "latest"));
                let container = GenericImage::new(name, tag)
                    .with_exposed_port(ContainerPort::Tcp(LISTEN_PORT))
                    .with_host("host.docker.internal", Host::HostGateway)
                    .with_copy_to("/etc/agentgateway/config.yaml", yaml.into_bytes())
                    .with_cmd(["-f", "/etc/agentgateway/config.yaml"])
                    .start()
                    .await
                    .map_err(|e| Unavailable(format!("cannot run {image}: {e}")))?;
                let port = container
                    .get_host_port_ipv4(LISTEN_PORT)
                    .await
                    .map_err(|e| Unavailable(format!("no port mapped for {image}: {e}")))?;
                (Gateway::Container(Box::new(container)), format!("127.0.0.1:{port}"))
            }
            (None, None) => unreachable!("checked above"),
        };
        let target = Agentgateway {
            mock,
            gateway: Mutex::new(Some(gateway)),
            address,
            _dir: dir,
        };
        // Any HTTP answer means the listener is up; the mock must not be reached by this probe.
        let http = reqwest::Client::new();
        let probe = format!("http://{}/conformance-readiness-probe", target.address);
        wait_until(Duration::from_secs(30), "agentgateway to listen", || async {
            http.get(&probe).send().await.is_ok()
        })
        .await
        .map_err(|e| Unavailable(format!("agentgateway did not start: {e}")))?;
        Ok(target)
    }
}

fn write_config(path: &std::path::Path, config: &StandaloneConfig) -> Result<(), Unavailable> {
    let yaml = serde_yaml::to_string(config).map_err(|e| Unavailable(e.to_string()))?;
    std::fs::write(path, yaml).map_err(|e| Unavailable(format!("cannot write the config: {e}")))
}

#[async_trait]
impl Target for Agentgateway {
    fn name(&self) -> TargetName {
        TargetName::Agentgateway
    }

    fn upstream(&self) -> &Upstream {
        self.mock.upstream()
    }

    /// As the workshop's client: no key, the route's prefix, the path of the call after it.
    fn request(&self, call: Call, body: Option<Bytes>) -> ClientRequest {
        route_request(&self.address, call, body)
    }

    fn mock_address(&self) -> String {
        self.mock.address()
    }

    fn gateway_address(&self) -> String {
        self.address.clone()
    }

    async fn mock_log(&self) -> Result<String, TargetError> {
        Ok(self.mock.log())
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    async fn shut_down(&self) {
        match self.gateway.lock().await.take() {
            Some(Gateway::Process(mut child)) => {
                let _ = child.kill().await;
            }
            Some(Gateway::Container(container)) => {
                let _ = container.rm().await;
            }
            None => {}
        }
    }
}

/// The workshop's client request to an Agent Gateway route: Step 6 posts to the prefix itself.
pub fn route_request(gateway: &str, call: Call, body: Option<Bytes>) -> ClientRequest {
    let path = match call {
        Call::Embeddings => workshop::ROUTE_PREFIX.to_owned(),
        other => format!("{}{}", workshop::ROUTE_PREFIX, other.api_path()),
    };
    let url = format!("http://{gateway}{path}");
    match body {
        Some(body) => ClientRequest::post_json(url, body),
        None => ClientRequest::get(url),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_matches_the_golden_file() {
        let config = StandaloneConfig::for_workshop(&Workshop::default(), 8080, "127.0.0.1:8000").unwrap();
        let yaml = serde_yaml::to_string(&config).unwrap();
        let golden = include_str!("../../golden/agentgateway-standalone.yaml");
        assert_eq!(
            yaml, golden,
            "regenerate golden/agentgateway-standalone.yaml if the change is intended"
        );
    }

    #[test]
    fn config_has_the_reference_shape() {
        // The shape the shared reference ran on a real agentgateway, values aside.
        let config = StandaloneConfig::for_workshop(&Workshop::default(), 8080, "127.0.0.1:8000").unwrap();
        let route = &config.binds[0].listeners[0].routes[0];
        assert_eq!(route.matches[0].path.path_prefix, "/qwen3");
        let routes: Vec<(&str, &str)> = route
            .policies
            .ai
            .routes
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        assert_eq!(
            routes,
            [
                ("/v1/chat/completions", "completions"),
                ("/v1/embeddings", "passthrough"),
                ("/v1/models", "passthrough"),
                ("*", "passthrough"),
            ]
        );
        let ai = &route.backends[0].ai;
        assert_eq!(ai.path_override, "/v1/embeddings");
        assert_eq!(ai.provider.open_ai.model, workshop::MODEL);
        assert_eq!(ai.policies.backend_auth.key, "sk-workshop-vllm-key");
    }

    #[test]
    fn step_6_posts_to_the_route_prefix() {
        let request = route_request("127.0.0.1:8080", Call::Embeddings, Some(Bytes::from_static(b"{}")));
        assert_eq!(request.url, "http://127.0.0.1:8080/qwen3");
        assert!(request.headers.iter().all(|(name, _)| name != "authorization"));
        let models = route_request("127.0.0.1:8080", Call::Models, None);
        assert_eq!(models.url, "http://127.0.0.1:8080/qwen3/v1/models");
    }
}
