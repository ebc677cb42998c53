//! `agentgateway`: a user's agentgateway, run standalone with a config generated from the
//! workshop's resources, in front of mock-vllm.
//!
//! Reads `AGENTGATEWAY_BIN` (a binary, run here, in front of an in-process mock) or
//! `AGENTGATEWAY_IMAGE` (an image, run through testcontainers with the mock-vllm image beside
//! it on one Docker network, as a gateway and vLLM share a cluster network). Setting either
//! points the suite at it: a gateway that does not come up fails the run.
//!
//! The standalone config spells the CRDs' fields its own way (see
//! `../shared/reference/agentgateway-standalone/`): `hostOverride` for host and port,
//! `pathOverride` for the path, `backendAuth.key` for the Secret's value, and route types in
//! lower camel case under the route's `policies.ai.routes`. Its access log is one line per
//! request on stdout (`route=... endpoint=... http.method=... http.path=... http.status=...`).
//!
//! Beyond the workshop's route, for the scenarios configured so ([`Configured`]), two more in
//! agentgateway's documented terms (its `schema/config.md`): `/configured/timeout` with the
//! route policy `timeout.requestTimeout: 2s`, and `/configured/failover`, whose AI backend has
//! two provider groups, the workshop's vLLM first (evicted on a 5xx by a `health` policy), a
//! second mock next.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::access_log::{agentgateway_line, records};
use super::launcher::{ContainerLaunch, Launch, Launched, Readiness};
use super::{
    AccessRecord, CONFIGURED_TIMEOUT, Capability, Configured, Implementation, LocalMock, MockContainer, StartError,
    Starting, Target, TargetError, TargetSpec, free_port,
};
use crate::client::{ClientRequest, ClientRoute};
use crate::resources::{ManifestError, WorkshopResources};
use crate::settings::Settings;
use crate::upstream::Upstream;
use crate::workshop::{self, MOCK_PORT, Workshop};

pub const SPEC: TargetSpec = TargetSpec {
    name: "agentgateway",
    capabilities: &[Capability::Gateway, Capability::AgentGateway, Capability::Configured],
    start,
};

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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<TimeoutPolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimeoutPolicy {
    pub request_timeout: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteAi {
    pub routes: IndexMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Backend {
    pub ai: AiBackend,
}

/// An AI backend: one provider (the workshop's), or groups of them tried in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AiBackend {
    Provider(NamedProvider),
    Groups { groups: Vec<ProviderGroup> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProviderGroup {
    pub providers: Vec<NamedProvider>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NamedProvider {
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
    /// Outlier detection: evicted after an unhealthy answer (by default any 5xx).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthPolicy>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthPolicy {
    pub eviction: Eviction,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Eviction {
    pub duration: String,
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
                        policies: RoutePolicies {
                            ai: RouteAi { routes },
                            timeout: None,
                        },
                        backends: vec![Backend {
                            ai: AiBackend::Provider(NamedProvider {
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
                                    health: None,
                                },
                            }),
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

    /// Adds the [`Configured`] routes before the workshop's, built from it: the same route
    /// types and provider, with a time-out, or with a second vLLM at `replica_address` as the
    /// next provider group.
    pub fn with_configured(mut self, replica_address: &str) -> Self {
        let routes = &mut self.binds[0].listeners[0].routes;
        let workshop = routes[0].clone();
        let AiBackend::Provider(provider) = workshop.backends[0].ai.clone() else {
            return self;
        };
        let on = |name: &str, prefix: &str| Route {
            name: name.to_owned(),
            matches: vec![Match {
                path: PathPrefix {
                    path_prefix: prefix.to_owned(),
                },
            }],
            ..workshop.clone()
        };
        let mut timeout = on("configured-timeout", TIMEOUT_PREFIX);
        timeout.policies.timeout = Some(TimeoutPolicy {
            request_timeout: format!("{}s", CONFIGURED_TIMEOUT.as_secs()),
        });
        let mut failover = on("configured-failover", FAILOVER_PREFIX);
        let primary = NamedProvider {
            name: "primary".to_owned(),
            policies: BackendPolicies {
                health: Some(HealthPolicy {
                    eviction: Eviction {
                        duration: "10s".to_owned(),
                    },
                }),
                ..provider.policies.clone()
            },
            ..provider.clone()
        };
        let replica = NamedProvider {
            name: "replica".to_owned(),
            host_override: replica_address.to_owned(),
            ..provider
        };
        failover.backends = vec![Backend {
            ai: AiBackend::Groups {
                groups: vec![
                    ProviderGroup {
                        providers: vec![primary],
                    },
                    ProviderGroup {
                        providers: vec![replica],
                    },
                ],
            },
        }];
        routes.splice(0..0, [timeout, failover]);
        self
    }
}

/// Where the configured routes are; nothing else on the gateway begins so.
const TIMEOUT_PREFIX: &str = "/configured/timeout";
const FAILOVER_PREFIX: &str = "/configured/failover";

/// Where the gateway listens inside its container.
const LISTEN_PORT: u16 = 8080;
/// The path the readiness probe asks for: no route matches it, so the mock never sees it.
const PROBE_PATH: &str = "/conformance-readiness-probe";

fn start(settings: &Settings) -> Starting<'_> {
    Box::pin(async move {
        let target = match (
            settings.env.get("AGENTGATEWAY_BIN"),
            settings.env.get("AGENTGATEWAY_IMAGE"),
        ) {
            (Some(bin), _) => Agentgateway::run_binary(settings, bin).await?,
            (None, Some(image)) => Agentgateway::run_image(settings, image).await?,
            (None, None) => {
                return Err(StartError::Absent(
                    "no agentgateway (set AGENTGATEWAY_BIN or AGENTGATEWAY_IMAGE)".to_owned(),
                ));
            }
        };
        Ok(Arc::new(target) as Arc<dyn Target>)
    })
}

/// The vLLM side: in this process beside a local binary, a container beside an image.
enum Mock {
    InProcess(LocalMock),
    Container {
        mock: Box<MockContainer>,
        /// `name:8000` on the shared network, as the gateway is told.
        address: String,
    },
}

impl Mock {
    fn upstream(&self) -> &Upstream {
        match self {
            Mock::InProcess(mock) => mock.upstream(),
            Mock::Container { mock, .. } => mock.upstream(),
        }
    }

    /// As the backend names it: by host name, as the workshop's backend does
    /// (`mock-vllm.<namespace>.svc.cluster.local`); agentgateway treats a name and an IP
    /// address differently (see the README).
    fn address(&self) -> String {
        match self {
            Mock::InProcess(mock) => format!("localhost:{}", mock.port()),
            Mock::Container { address, .. } => address.clone(),
        }
    }

    fn log(&self) -> String {
        match self {
            Mock::InProcess(mock) => mock.log(),
            Mock::Container { mock, .. } => mock.log(),
        }
    }
}

pub struct Agentgateway {
    mock: Mock,
    /// The second vLLM of the failover route.
    replica: Mock,
    gateway: Launched,
    version: Option<String>,
    _dir: tempfile::TempDir,
}

fn readiness() -> Readiness {
    Readiness {
        path: PROBE_PATH,
        // Any HTTP answer means the listener is up.
        ready: |_| true,
        timeout: Duration::from_secs(30),
    }
}

fn failed(what: &str, err: impl std::fmt::Display) -> StartError {
    StartError::Failed(format!("agentgateway: {what}: {err}"))
}

impl Agentgateway {
    async fn run_binary(settings: &Settings, bin: String) -> Result<Self, StartError> {
        let mock = Mock::InProcess(LocalMock::start(&settings.workshop).await?);
        let replica = Mock::InProcess(LocalMock::start_as(&settings.workshop, Some(super::REPLICA_INSTANCE)).await?);
        let dir = tempfile::tempdir().map_err(|e| failed("no temporary folder", e))?;
        let port = free_port()?;
        let config = StandaloneConfig::for_workshop(&settings.workshop, port, &mock.address())
            .map_err(|e| failed("config", e))?
            .with_configured(&replica.address());
        let path = dir.path().join("agentgateway.yaml");
        let yaml = serde_yaml_ng::to_string(&config).map_err(|e| failed("config", e))?;
        std::fs::write(&path, yaml).map_err(|e| failed("cannot write the config", e))?;
        let launch = Launch::Process {
            program: bin.clone().into(),
            args: vec!["-f".into(), path.into()],
            // Its admin, stats and readiness listeners default to fixed ports; this run needs none.
            env: ["ADMIN_ADDR", "STATS_ADDR", "READINESS_ADDR"]
                .map(|var| (var.to_owned(), "off".to_owned()))
                .into(),
            port,
        };
        let gateway = Launched::start("agentgateway", launch, readiness()).await?;
        let version = command_output(tokio::process::Command::new(&bin).arg("-V")).await;
        Ok(Agentgateway {
            mock,
            replica,
            gateway,
            version,
            _dir: dir,
        })
    }

    async fn run_image(settings: &Settings, image: String) -> Result<Self, StartError> {
        let dir = tempfile::tempdir().map_err(|e| failed("no temporary folder", e))?;
        let run = format!("conformance-{}", std::process::id());
        let mock_name = format!("{run}-mock-vllm");
        let replica_name = format!("{run}-mock-vllm-replica");
        let start_mock = |name: &str| {
            MockContainer::start(
                &settings.mock_image,
                &settings.workshop.api_key,
                Some((run.clone(), Some(name.to_owned()))),
                true,
            )
        };
        let mock = start_mock(&mock_name).await?;
        let replica = match start_mock(&replica_name).await {
            Ok(replica) => replica,
            Err(err) => {
                mock.stop().await;
                return Err(err);
            }
        };
        let address = format!("{mock_name}:{MOCK_PORT}");
        let replica_address = format!("{replica_name}:{MOCK_PORT}");
        let config = StandaloneConfig::for_workshop(&settings.workshop, LISTEN_PORT, &address)
            .map_err(|e| failed("config", e))?
            .with_configured(&replica_address);
        let yaml = serde_yaml_ng::to_string(&config).map_err(|e| failed("config", e))?;
        let launch = Launch::Container(ContainerLaunch {
            image: image.clone(),
            cmd: vec!["-f".to_owned(), "/etc/agentgateway/config.yaml".to_owned()],
            files: vec![("/etc/agentgateway/config.yaml".to_owned(), yaml.into_bytes())],
            port: LISTEN_PORT,
            network: Some(run),
            ..ContainerLaunch::default()
        });
        let gateway = match Launched::start("agentgateway", launch, readiness()).await {
            Ok(gateway) => gateway,
            Err(err) => {
                mock.stop().await;
                replica.stop().await;
                return Err(err);
            }
        };
        let version = command_output(tokio::process::Command::new("docker").args(["run", "--rm", &image, "-V"])).await;
        Ok(Agentgateway {
            mock: Mock::Container {
                mock: Box::new(mock),
                address,
            },
            replica: Mock::Container {
                mock: Box::new(replica),
                address: replica_address,
            },
            gateway,
            version,
            _dir: dir,
        })
    }
}

/// The first line a command prints, when it succeeds.
async fn command_output(command: &mut tokio::process::Command) -> Option<String> {
    let output = command.stdin(std::process::Stdio::null()).output().await.ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    output
        .status
        .success()
        .then(|| text.lines().next().unwrap_or_default().trim().to_owned())
        .filter(|line| !line.is_empty())
}

#[async_trait]
impl Target for Agentgateway {
    fn name(&self) -> &'static str {
        SPEC.name
    }

    fn upstream(&self) -> &Upstream {
        self.mock.upstream()
    }

    /// As the workshop's client: no key, the route's prefix, the path of the call after it.
    fn route(&self) -> ClientRoute {
        agent_gateway_route(self.gateway.address())
    }

    fn mock_address(&self) -> String {
        self.mock.address()
    }

    async fn mock_log(&self) -> Result<String, TargetError> {
        Ok(self.mock.log())
    }

    async fn access_log(&self) -> Result<Vec<AccessRecord>, TargetError> {
        Ok(records(&self.gateway.log().text(), agentgateway_line))
    }

    fn implementation(&self) -> Implementation {
        let how = match self.mock {
            Mock::InProcess(_) => "agentgateway (standalone binary)",
            Mock::Container { .. } => "agentgateway (standalone image)",
        };
        Implementation::new(how, self.version.as_deref().unwrap_or("version not reported"))
    }

    fn configured_request(&self, behaviour: Configured, body: bytes::Bytes) -> Option<ClientRequest> {
        let prefix = match behaviour {
            Configured::Timeout => TIMEOUT_PREFIX,
            Configured::Failover => FAILOVER_PREFIX,
        };
        let url = format!("http://{}{prefix}/v1/embeddings", self.gateway.address());
        Some(ClientRequest::post_json(url, body))
    }

    fn replica(&self) -> Option<&Upstream> {
        Some(self.replica.upstream())
    }

    async fn shut_down(&self) {
        self.gateway.stop().await;
        for mock in [&self.mock, &self.replica] {
            if let Mock::Container { mock, .. } = mock {
                mock.stop().await;
            }
        }
    }
}

/// How a client reaches the workshop's HTTPRoute on an Agent Gateway at `address`: Step 6
/// posts to the route's prefix itself; an OpenAI client puts `/v1/...` after it.
pub fn agent_gateway_route(address: &str) -> ClientRoute {
    ClientRoute {
        origin: format!("http://{address}"),
        prefix: workshop::ROUTE_PREFIX.to_owned(),
        embeddings_path: workshop::ROUTE_PREFIX.to_owned(),
        key: None,
        model_name: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_matches_the_golden_file() {
        let config = StandaloneConfig::for_workshop(&Workshop::default(), 8080, "127.0.0.1:8000").unwrap();
        let yaml = serde_yaml_ng::to_string(&config).unwrap();
        let golden = include_str!("../../golden/agentgateway-standalone.yaml");
        assert_eq!(
            yaml, golden,
            "regenerate golden/agentgateway-standalone.yaml if the change is intended"
        );
    }

    #[test]
    fn configured_routes_come_first_in_agentgateways_terms() {
        let config = StandaloneConfig::for_workshop(&Workshop::default(), 8080, "localhost:8000")
            .unwrap()
            .with_configured("localhost:9000");
        let routes = &config.binds[0].listeners[0].routes;
        let prefixes: Vec<&str> = routes.iter().map(|r| r.matches[0].path.path_prefix.as_str()).collect();
        assert_eq!(prefixes, [TIMEOUT_PREFIX, FAILOVER_PREFIX, "/qwen3"]);
        let timeout = routes[0].policies.timeout.as_ref().map(|t| t.request_timeout.as_str());
        assert_eq!(timeout, Some("2s"));
        let AiBackend::Groups { groups } = &routes[1].backends[0].ai else {
            panic!("the failover route has provider groups");
        };
        let hosts: Vec<&str> = groups.iter().map(|g| g.providers[0].host_override.as_str()).collect();
        assert_eq!(hosts, ["localhost:8000", "localhost:9000"]);
        let eviction = groups[0].providers[0]
            .policies
            .health
            .as_ref()
            .map(|h| h.eviction.duration.as_str());
        assert_eq!(eviction, Some("10s"));
        // In agentgateway's spelling, as its schema/config.md has it.
        let yaml = serde_yaml_ng::to_string(&routes[..2]).unwrap();
        for field in [
            "requestTimeout: 2s",
            "groups:",
            "providers:",
            "health:",
            "eviction:",
            "hostOverride: localhost:9000",
        ] {
            assert!(yaml.contains(field), "{field} in {yaml}");
        }
        // The workshop's own route is as before.
        assert_eq!(
            routes[2],
            StandaloneConfig::for_workshop(&Workshop::default(), 8080, "localhost:8000")
                .unwrap()
                .binds[0]
                .listeners[0]
                .routes[0]
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
        let AiBackend::Provider(ai) = &route.backends[0].ai else {
            panic!("the workshop's backend is one provider");
        };
        assert_eq!(ai.path_override, "/v1/embeddings");
        assert_eq!(ai.provider.open_ai.model, workshop::MODEL);
        assert_eq!(ai.policies.backend_auth.key, "sk-workshop-vllm-key");
    }
}
