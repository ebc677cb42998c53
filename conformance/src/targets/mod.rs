//! Where the workshop runs: one trait, a registry, one file per target.
//!
//! A target brings up the mock and, where it has one, the gateway in front of it; tells the
//! client how to reach the workshop's route ([`ClientRoute`]); and hands out the evidence of
//! each hop: the gateway's own access log for the client's hop, the mock's journal and log for
//! the upstream. Scenarios only talk to this trait.
//!
//! A new gateway is one file: a type implementing [`gateway::Gateway`] (where it is, what to
//! run, its access line, the client's route), one line in [`REGISTRY`], and rows in the
//! features' tables where it differs from their `default` row. [`local_gateway`] runs it in
//! front of two vLLM replicas; [`launcher`] runs a process or a container and keeps its log.

pub mod access_log;
pub mod agentgateway;
pub mod command;
pub mod container;
pub mod direct;
pub mod gateway;
pub mod kind;
pub mod launcher;
pub mod litellm;
pub mod local_gateway;
mod local_mock;
mod log_capture;
mod mock_container;
pub mod nginx;
pub mod sglang_router;

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;

pub use access_log::AccessRecord;
pub use local_mock::LocalMock;
pub use log_capture::LogCapture;
pub use mock_container::MockContainer;

use crate::client::ClientRoute;
use crate::poll::poll;
use crate::settings::{Settings, SettingsError};
use local_gateway::spec;
use mock_vllm::admin::{AdminClient, AdminError};

/// Every target the suite knows, in the order a run takes them.
pub static REGISTRY: &[TargetSpec] = &[
    direct::SPEC,
    container::SPEC,
    spec::<litellm::Litellm>(),
    spec::<agentgateway::Agentgateway>(),
    spec::<nginx::Nginx>(),
    spec::<sglang_router::SglangRouter>(),
    spec::<command::Command>(),
    kind::SPEC,
];

/// The targets a run takes: those `CONFORMANCE_TARGET` names, in its order, or all.
pub fn selected(settings: &Settings) -> Result<Vec<&'static TargetSpec>, SettingsError> {
    let Some(named) = &settings.targets else {
        return Ok(REGISTRY.iter().collect());
    };
    named
        .iter()
        .map(|name| {
            REGISTRY.iter().find(|t| t.name == name).ok_or_else(|| SettingsError {
                variable: "CONFORMANCE_TARGET".to_owned(),
                value: name.clone(),
                reason: format!(
                    "unknown target (expected one of {})",
                    REGISTRY.iter().map(|t| t.name).collect::<Vec<_>>().join(", ")
                ),
            })
        })
        .collect()
}

/// The future a target's `start` returns.
pub type Starting<'a> = Pin<Box<dyn Future<Output = Result<Arc<dyn Target>, StartError>> + Send + 'a>>;

/// A target as the registry knows it before it is brought up.
pub struct TargetSpec {
    pub name: &'static str,
    /// What it offers, matched against scenario tags before it starts.
    pub capabilities: fn(&Settings) -> Vec<Capability>,
    pub start: for<'a> fn(&'a Settings) -> Starting<'a>,
}

impl std::fmt::Debug for TargetSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name)
    }
}

/// What a scenario may need, by tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capability {
    /// The mock is the client's peer (`@mock`).
    Mock,
    /// A real gateway stands between client and mock (`@gateway`).
    Gateway,
    /// Agent Gateway's route types and path override (`@agentgateway`).
    AgentGateway,
    /// The Kubernetes API (`@kubernetes`).
    Kubernetes,
    /// The gateway sends vLLM the key it holds, whatever the client sent (`@injects-key`):
    /// the workshop's Secret.
    InjectsKey,
    /// The workshop's route is a path prefix (`/qwen3`) before OpenAI's paths
    /// (`@route-prefix`), as the HTTPRoute's `PathPrefix` match makes it.
    RoutePrefix,
    /// The OpenAI Python SDK as a client (`@openai-sdk`), from the peers venv.
    OpenAiSdk,
    /// A gateway also configured, beyond the workshop, for a time-out, a failover and two
    /// replicas behind one route (`@configured`): see [`Configured`].
    Configured,
    /// The gateway checks vLLM's health itself and can be configured to do so every second
    /// (`@health-checks`): [`Configured::HealthChecked`].
    HealthChecks,
}

impl Capability {
    pub fn from_tag(tag: &str) -> Option<Self> {
        match tag {
            "mock" => Some(Capability::Mock),
            "gateway" => Some(Capability::Gateway),
            "agentgateway" => Some(Capability::AgentGateway),
            "kubernetes" => Some(Capability::Kubernetes),
            "injects-key" => Some(Capability::InjectsKey),
            "route-prefix" => Some(Capability::RoutePrefix),
            "openai-sdk" => Some(Capability::OpenAiSdk),
            "configured" => Some(Capability::Configured),
            "health-checks" => Some(Capability::HealthChecks),
            _ => None,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Capability::Mock => "the mock as the client's peer",
            Capability::Gateway => "a gateway in front of the mock",
            Capability::AgentGateway => "Agent Gateway's route types",
            Capability::Kubernetes => "a Kubernetes cluster",
            Capability::InjectsKey => "a gateway that sends vLLM its own key",
            Capability::RoutePrefix => "the workshop's route as a path prefix (/qwen3)",
            Capability::OpenAiSdk => "the OpenAI Python SDK (the peers venv: run .ci/run, or set PEERS_PYTHON)",
            Capability::Configured => "a gateway configured for a time-out, a failover, two replicas and streaming",
            Capability::HealthChecks => "a gateway that checks vLLM's /health itself",
        }
    }
}

/// What a gateway is configured for beyond the workshop's config, each on a route (or model
/// entry) of its own, through the gateway's documented configuration, for the scenarios that
/// say so. The workshop's own route keeps the gateway's defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Configured {
    /// A request time-out of [`CONFIGURED_TIMEOUT`].
    Timeout,
    /// A second vLLM replica ([`Target::replica`]) to fail over to when the first answers
    /// 5xx: LiteLLM's `fallbacks`, agentgateway's provider groups with health eviction.
    Failover,
    /// Both replicas behind one route as equals, with the gateway's own defaults for picking
    /// one and for trying the other: LiteLLM's two deployments of one `model_name`,
    /// agentgateway's one provider group of two, nginx's `upstream` of two servers,
    /// sglang-router's two workers.
    Balanced,
    /// A route that passes a stream through as vLLM paces it: nginx's `proxy_buffering off`,
    /// agentgateway's route with its path override on chat's path; the workshop's own route
    /// where it already does.
    Streaming,
    /// The gateway checks vLLM's `/health` itself, often enough for a scenario to see it
    /// take vLLM out and back (sglang-router's `--health-check-interval-secs 1`): only on
    /// gateways that have active health checks ([`Capability::HealthChecks`]).
    HealthChecked,
}

impl Configured {
    /// How the features name its route: "the client sends ... on the <name> route".
    pub const fn route_name(self) -> &'static str {
        match self {
            Configured::Timeout => "time-out",
            Configured::Failover => "failover",
            Configured::Balanced => "balanced",
            Configured::Streaming => "streaming",
            Configured::HealthChecked => "health-checked",
        }
    }

    pub const ALL: [Configured; 5] = [
        Configured::Timeout,
        Configured::Failover,
        Configured::Balanced,
        Configured::Streaming,
        Configured::HealthChecked,
    ];
}

/// The second mock's instance name (`--instance-id`), where the suite starts it in process.
pub const REPLICA_INSTANCE: &str = "mock-vllm-replica";

/// The request time-out of [`Configured::Timeout`].
pub const CONFIGURED_TIMEOUT: Duration = Duration::from_secs(2);

/// Why a target did not come up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartError {
    /// Nothing points at it on this machine: skipped with this one-line reason, unless the run
    /// insists on it.
    #[error("{0}")]
    Absent(String),
    /// It was pointed at and did not come up: the run fails.
    #[error("{0}")]
    Failed(String),
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error(transparent)]
    Upstream(#[from] AdminError),
    #[error(transparent)]
    Kube(#[from] kind::KubeError),
    /// The target's set-up failed before; it is not tried again for every scenario.
    #[error("Steps 1 to 5 are not in place: {0}")]
    SetUp(String),
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, String),
    /// A gateway started again (for a scenario, or with a configured behaviour's flags) did
    /// not come up.
    #[error("it did not start again: {0}")]
    Restart(StartError),
}

#[async_trait]
/// `Any`, so that steps that need one kind of target (the cluster's Kubernetes API) can ask
/// for it by type (`&dyn Target` upcasts to `&dyn Any`) instead of every target answering
/// "not me".
pub trait Target: Send + Sync + Any {
    fn name(&self) -> &'static str;

    /// The features' table rows it is held to: its name's, unless it runs a gateway that has
    /// rows of its own (the `command` target running nginx).
    fn rows(&self) -> &str {
        self.name()
    }

    /// Step 1: the mock is deployed (idempotent). Local targets start it when they start.
    async fn deploy_mock(&self) -> Result<(), TargetError> {
        Ok(())
    }

    /// Steps 1 to 5: everything Step 6 needs, ready (idempotent). Local targets are ready
    /// when they start.
    async fn set_up(&self) -> Result<(), TargetError> {
        Ok(())
    }

    /// The mock's inspection API.
    fn upstream(&self) -> &AdminClient;

    /// How the workshop's client reaches the route on this target.
    fn route(&self) -> ClientRoute;

    /// `host:port` as the gateway was told to reach the mock (LiteLLM's `api_base`, the
    /// backend's host and port); the client's own address of the mock without a gateway.
    fn mock_address(&self) -> String;

    /// Where the gateway connects when it reaches [`Target::mock_address`], as its log may
    /// name it: the address as given (agentgateway logs the name it was given), or what the
    /// name resolves to (a pod's IP, a Service's cluster IP).
    async fn mock_endpoints(&self) -> Result<Vec<String>, TargetError> {
        Ok(vec![self.mock_address()])
    }

    /// Placeholders of this target's table cells beyond the common ones, e.g. LiteLLM's
    /// `<client key>`.
    fn placeholders(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// The mock's stdout so far.
    async fn mock_log(&self) -> Result<String, TargetError>;

    /// The client's hop as the first thing it reached recorded it: the gateway's own access
    /// log, oldest first; the mock's journal where there is no gateway.
    async fn access_log(&self) -> Result<Vec<AccessRecord>, TargetError>;

    /// What answers the client, named and versioned as it reports itself (for the reports).
    fn implementation(&self) -> Implementation;

    /// Requests to other entries of the gateway's model list, on gateways that have one.
    fn model_entries(&self) -> Option<&dyn ModelEntries> {
        None
    }

    /// The client's route configured for `behaviour`, on targets with the `Configured`
    /// capability. A gateway configured by its flags is started again with them here, and
    /// kept so for the rest of the scenario.
    async fn configured_route(&self, _behaviour: Configured) -> Result<Option<ClientRoute>, TargetError> {
        Ok(None)
    }

    /// The second vLLM replica behind [`Configured::Failover`] and [`Configured::Balanced`].
    fn replica(&self) -> Option<&AdminClient> {
        None
    }

    /// Stops what the target started.
    async fn shut_down(&self) {}
}

/// The gateway (or mock) a target runs, as the conformance report names it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Implementation {
    pub name: String,
    pub version: String,
}

impl Implementation {
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        Implementation {
            name: name.into(),
            version: version.into(),
        }
    }

    /// A target that did not come up: its name, no version.
    pub fn not_started(target: &str) -> Self {
        Implementation::new(target, "not started")
    }

    /// mock-vllm itself, when no gateway stands in front of it.
    pub fn mock_vllm(how: &str) -> Self {
        Implementation::new(format!("mock-vllm {how}, no gateway"), env!("CARGO_PKG_VERSION"))
    }
}

/// A gateway configured with several model entries (LiteLLM's `model_list`).
pub trait ModelEntries: Send + Sync {
    /// The workshop's embeddings request addressed to another entry.
    fn request_for_model(&self, model_name: &str, body: Bytes) -> crate::client::ClientRequest;
}

/// A port on loopback that nothing listens on now, for a process we start.
pub fn free_port() -> Result<u16, StartError> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| StartError::Failed(format!("no free port: {e}")))
}

/// Polls `ready` every 100 ms until it holds or `timeout` passes ([`poll`]).
pub async fn wait_until<F, Fut>(timeout: Duration, what: &str, mut ready: F) -> Result<(), TargetError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    poll(timeout, Duration::from_millis(100), || {
        let check = ready();
        async move { check.await.then_some(()) }
    })
    .await
    .ok_or_else(|| TargetError::Timeout(timeout, what.to_owned()))
}

/// Whether a scenario with `tags` runs on `target` given what is `available`; if not, why not.
pub fn applies(target: &str, available: &[Capability], tags: &[String]) -> Result<(), String> {
    for tag in tags {
        let refusal = if let Some(only) = tag.strip_prefix("target.") {
            (only != target).then(|| format!("only for the {only} target"))
        } else if let Some(not) = tag.strip_prefix("not-target.") {
            (not == target).then(|| format!("not for the {not} target"))
        } else {
            Capability::from_tag(tag)
                .filter(|needed| !available.contains(needed))
                .map(|needed| format!("needs {}", needed.describe()))
        };
        if let Some(reason) = refusal {
            return Err(reason);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn scenarios_apply_by_capability_and_target_tags() {
        let direct = [Capability::Mock];
        assert!(applies("direct", &direct, &tags(&[])).is_ok());
        assert!(applies("direct", &direct, &tags(&["mock"])).is_ok());
        assert_eq!(
            applies("direct", &direct, &tags(&["kubernetes"])),
            Err("needs a Kubernetes cluster".into())
        );
        assert!(applies("litellm", &[], &tags(&["target.litellm"])).is_ok());
        assert_eq!(
            applies("direct", &direct, &tags(&["target.litellm"])),
            Err("only for the litellm target".into())
        );
        assert!(applies("direct", &direct, &tags(&["not-target.litellm"])).is_ok());
        assert!(applies("litellm", &[], &tags(&["not-target.litellm"])).is_err());
        assert!(applies("direct", &direct, &tags(&["openai-sdk"])).is_err());
        // Tags that are not about targets do not matter.
        assert!(applies("direct", &direct, &tags(&["slow"])).is_ok());
    }

    #[test]
    fn registry_names_are_unique() {
        let mut names: Vec<&str> = REGISTRY.iter().map(|t| t.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), REGISTRY.len());
    }

    #[test]
    fn a_gateway_offers_what_its_impl_says() {
        let settings = Settings::from(crate::settings::Env::from_fn(|_| None)).unwrap();
        let capabilities = |name: &str| (REGISTRY.iter().find(|t| t.name == name).unwrap().capabilities)(&settings);
        assert_eq!(
            capabilities("agentgateway"),
            [
                Capability::Gateway,
                Capability::InjectsKey,
                Capability::RoutePrefix,
                Capability::AgentGateway,
                Capability::Configured
            ]
        );
        assert_eq!(
            capabilities("litellm"),
            [Capability::Gateway, Capability::InjectsKey, Capability::Configured]
        );
        assert_eq!(
            capabilities("sglang-router"),
            [Capability::Gateway, Capability::Configured, Capability::HealthChecks]
        );
        assert_eq!(capabilities("direct"), [Capability::Mock]);
    }
}
