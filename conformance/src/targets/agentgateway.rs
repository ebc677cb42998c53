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
//! Beyond the workshop's route, for the scenarios configured so ([`Configured`]), four more in
//! agentgateway's documented terms (its `schema/config.md`): `/configured/timeout` with the
//! route policy `timeout.requestTimeout: 2s`; `/configured/failover`, whose AI backend has
//! two provider groups, the workshop's vLLM first (evicted on a 5xx by a `health` policy), a
//! second mock next; `/configured/balanced`, one provider group of the two; and
//! `/configured/streaming`, the workshop's provider with its path override on vLLM's
//! `/v1/chat/completions`, so that a chat completion reaches it.

use std::path::PathBuf;
use std::time::Duration;

use async_trait::async_trait;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

use super::access_log::{Fields, without_query};
use super::gateway::{
    BALANCED_PREFIX, ConfiguredRoutes, FAILOVER_PREFIX, Gateway, Placement, Plan, PlanError, STREAMING_PREFIX,
    TIMEOUT_PREFIX, command_output,
};
use super::launcher::{ContainerLaunch, Launch, Readiness};
use super::{AccessRecord, CONFIGURED_TIMEOUT, Capability, StartError};
use crate::client::ClientRoute;
use crate::resources::{ManifestError, WorkshopResources};
use crate::settings::Settings;
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
    /// Where every request on the route goes upstream. (Without one it sends the client's
    /// path as it came, route prefix and all: seen on d579b414f.)
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
    /// types and provider, with a time-out, with a second vLLM at `replica_address` as the
    /// next provider group, or with both in one group.
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
            ..provider.clone()
        };
        let groups = |groups: Vec<Vec<NamedProvider>>| {
            let groups = groups.into_iter().map(|providers| ProviderGroup { providers });
            vec![Backend {
                ai: AiBackend::Groups {
                    groups: groups.collect(),
                },
            }]
        };
        failover.backends = groups(vec![vec![primary], vec![replica.clone()]]);
        let mut balanced = on("configured-balanced", BALANCED_PREFIX);
        let first = NamedProvider {
            name: "first".to_owned(),
            ..provider.clone()
        };
        balanced.backends = groups(vec![vec![first, replica]]);
        let mut streaming = on("configured-streaming", STREAMING_PREFIX);
        streaming.backends = vec![Backend {
            ai: AiBackend::Provider(NamedProvider {
                path_override: CHAT_PATH.to_owned(),
                ..provider
            }),
        }];
        routes.splice(0..0, [timeout, failover, balanced, streaming]);
        self
    }
}

/// Where the streaming route sends its requests.
const CHAT_PATH: &str = "/v1/chat/completions";

/// Where the gateway listens inside its container.
const LISTEN_PORT: u16 = 8080;
/// The path the readiness probe asks for: no route matches it, so the mock never sees it.
const PROBE_PATH: &str = "/conformance-readiness-probe";
/// Where its config is inside its container.
const CONTAINER_CONFIG: &str = "/etc/agentgateway/config.yaml";

/// A user's agentgateway: a binary run here, or an image run beside the mock's.
pub enum Agentgateway {
    Binary(PathBuf),
    Image(String),
}

#[async_trait]
impl Gateway for Agentgateway {
    const NAME: &'static str = "agentgateway";
    const OFFERS: &'static [Capability] = &[
        Capability::InjectsKey,
        Capability::RoutePrefix,
        Capability::AgentGateway,
    ];
    const CONFIGURED: Option<ConfiguredRoutes> = Some(ConfiguredRoutes::BY_PREFIX);

    fn find(settings: &Settings) -> Result<Self, StartError> {
        match (
            settings.env.get("AGENTGATEWAY_BIN"),
            settings.env.get("AGENTGATEWAY_IMAGE"),
        ) {
            (Some(bin), _) => Ok(Agentgateway::Binary(bin.into())),
            (None, Some(image)) => Ok(Agentgateway::Image(image)),
            (None, None) => Err(StartError::Absent(
                "no agentgateway (set AGENTGATEWAY_BIN or AGENTGATEWAY_IMAGE)".to_owned(),
            )),
        }
    }

    /// By host name, as the workshop's backend names vLLM
    /// (`mock-vllm.<namespace>.svc.cluster.local`): agentgateway treats a name and an IP
    /// address differently (see the README).
    fn placement(&self) -> Placement {
        match self {
            Agentgateway::Binary(_) => Placement::InProcess { host: "localhost" },
            Agentgateway::Image(_) => Placement::Containers,
        }
    }

    fn launch(&self, plan: &Plan<'_>) -> Result<Launch, PlanError> {
        let port = match self {
            Agentgateway::Binary(_) => plan.port,
            Agentgateway::Image(_) => LISTEN_PORT,
        };
        let config = StandaloneConfig::for_workshop(plan.workshop, port, &plan.vllm)
            .map_err(PlanError::config)?
            .with_configured(&plan.replica);
        let yaml = serde_yaml_ng::to_string(&config).map_err(PlanError::config)?;
        Ok(match self {
            Agentgateway::Binary(bin) => Launch::Process {
                program: bin.clone(),
                args: vec!["-f".into(), plan.write("agentgateway.yaml", yaml)?.into()],
                // Its admin, stats and readiness listeners default to fixed ports; this run needs none.
                env: ["ADMIN_ADDR", "STATS_ADDR", "READINESS_ADDR"]
                    .map(|var| (var.to_owned(), "off".to_owned()))
                    .into(),
                port,
            },
            Agentgateway::Image(image) => Launch::Container(ContainerLaunch {
                image: image.clone(),
                cmd: vec!["-f".to_owned(), CONTAINER_CONFIG.to_owned()],
                files: vec![(CONTAINER_CONFIG.to_owned(), yaml.into_bytes())],
                port,
                network: plan.network.clone(),
                ..ContainerLaunch::default()
            }),
        })
    }

    fn readiness(&self) -> Readiness {
        Readiness {
            path: PROBE_PATH.into(),
            // Any HTTP answer means the listener is up.
            ready: |_| true,
            timeout: Duration::from_secs(30),
        }
    }

    fn access_line(&self, line: &str) -> Option<AccessRecord> {
        agentgateway_line(line)
    }

    /// As the workshop's client: no key, the route's prefix, the path of the call after it.
    fn route(&self, address: &str) -> ClientRoute {
        ClientRoute::prefixed(format!("http://{address}"), workshop::ROUTE_PREFIX)
    }

    fn implementation(&self) -> String {
        match self {
            Agentgateway::Binary(_) => "agentgateway (standalone binary)",
            Agentgateway::Image(_) => "agentgateway (standalone image)",
        }
        .to_owned()
    }

    async fn version(&self, _address: &str) -> Option<String> {
        match self {
            Agentgateway::Binary(bin) => command_output(tokio::process::Command::new(bin).arg("-V")).await,
            Agentgateway::Image(image) => {
                command_output(tokio::process::Command::new("docker").args(["run", "--rm", image, "-V"])).await
            }
        }
    }
}

/// agentgateway's access line: `key=value` fields (values with spaces in double quotes), e.g.
/// `info request gateway=default/default listener=listener0 route=default/qwen3
/// endpoint=127.0.0.1:18600 ... http.method=POST http.path=/qwen3 http.status=200 ...`.
pub fn agentgateway_line(line: &str) -> Option<AccessRecord> {
    let fields = Fields::of(line);
    let field = |key: &str| fields.get(key);
    Some(AccessRecord {
        method: field("http.method")?,
        path: without_query(&field("http.path")?),
        status: field("http.status").and_then(|s| s.parse().ok()),
        route: field("route"),
        endpoint: field("endpoint"),
        line: line.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// As the shared reference quotes the line of agentgateway d579b414f.
    const LINE: &str = "info request gateway=default/default listener=listener0 route=default/qwen3 \
        endpoint=127.0.0.1:18600 src.addr=127.0.0.1:56272 http.method=POST http.host=localhost \
        http.path=/qwen3/v1/chat/completions http.version=HTTP/1.1 http.status=400 protocol=llm \
        gen_ai.operation.name=chat gen_ai.provider.name=openai duration=6ms";

    #[test]
    fn access_lines_give_route_endpoint_method_path_and_status() {
        let record = agentgateway_line(LINE).unwrap();
        assert_eq!(record.route.as_deref(), Some("default/qwen3"));
        assert_eq!(record.endpoint.as_deref(), Some("127.0.0.1:18600"));
        assert_eq!(
            (record.method.as_str(), record.path.as_str(), record.status),
            ("POST", "/qwen3/v1/chat/completions", Some(400))
        );
        let quoted = r#"info request route=default/qwen3 error="upstream call failed: Connect" http.method=GET http.path=/qwen3/v1/models?x=1 http.status=503"#;
        let record = agentgateway_line(quoted).unwrap();
        assert_eq!((record.path.as_str(), record.status), ("/qwen3/v1/models", Some(503)));
        assert!(agentgateway_line("info state_manager loaded config").is_none());
        assert!(agentgateway_line("").is_none());
    }

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
        assert_eq!(
            prefixes,
            [
                TIMEOUT_PREFIX,
                FAILOVER_PREFIX,
                BALANCED_PREFIX,
                STREAMING_PREFIX,
                "/qwen3"
            ]
        );
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
        let AiBackend::Groups { groups } = &routes[2].backends[0].ai else {
            panic!("the balanced route has a provider group");
        };
        let hosts: Vec<&str> = groups[0].providers.iter().map(|p| p.host_override.as_str()).collect();
        assert_eq!((groups.len(), hosts), (1, vec!["localhost:8000", "localhost:9000"]));
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
            routes[4],
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
