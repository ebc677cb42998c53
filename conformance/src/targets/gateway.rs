//! What a gateway says about itself: the one trait a new gateway implements.
//!
//! Everything a local gateway shares (the two vLLM replicas, the process or container, its
//! log, the temporary folder for its config, the `Target` the scenarios talk to) lives once in
//! [`super::local_gateway`]. A gateway only says where it is, what to run given where vLLM
//! is, when it is up, how its access lines read and how a client reaches the workshop's route
//! on it. Adding one is one file with an `impl Gateway` and one line in the registry.

use std::path::{Path, PathBuf};

use async_trait::async_trait;

use super::launcher::{Launch, Readiness};
use super::{AccessRecord, Capability, Configured, StartError};
use crate::client::ClientRoute;
use crate::settings::Settings;
use crate::workshop::Workshop;

#[async_trait]
pub trait Gateway: Send + Sync + Sized + 'static {
    /// The target's name, as `CONFORMANCE_TARGET`, the reports and the features' tables say it.
    const NAME: &'static str;
    /// What it offers beyond standing in front of the mock (which every gateway does).
    const OFFERS: &'static [Capability] = &[];
    /// Its routes for the `@configured` scenarios; a gateway with them offers
    /// [`Capability::Configured`], one without is not asked for them.
    const CONFIGURED: Option<ConfiguredRoutes> = None;

    /// Whether each scenario meets it freshly started: for a gateway that keeps what earlier
    /// requests did (a circuit breaker, a worker's health) and would answer the next
    /// scenario's client from that.
    const FRESH_PER_SCENARIO: bool = false;

    /// What it offers, known before it starts: standing in front of the mock, its
    /// [`Gateway::OFFERS`], and [`Capability::Configured`] where it has [`Gateway::CONFIGURED`]
    /// routes. Said once: a gateway whose routes come from settings reads them here too.
    fn capabilities(_settings: &Settings) -> Vec<Capability> {
        let mut offers = vec![Capability::Gateway];
        offers.extend_from_slice(Self::OFFERS);
        if let Some(routes) = Self::CONFIGURED {
            offers.push(Capability::Configured);
            offers.extend(routes.capabilities());
        }
        offers
    }

    /// Its routes for the `@configured` scenarios, once found.
    fn configured(&self) -> Option<ConfiguredRoutes> {
        Self::CONFIGURED
    }

    /// The features' rows it is held to: its own name's, unless it stands for another gateway.
    fn rows(&self) -> &str {
        Self::NAME
    }

    /// Finds it on this machine: [`StartError::Absent`] with a one-line reason when nothing
    /// points at it.
    fn find(settings: &Settings) -> Result<Self, StartError>;

    /// Where its vLLM replicas run: in this process (the default), or as containers beside it.
    fn placement(&self) -> Placement {
        Placement::InProcess { host: "127.0.0.1" }
    }

    /// What to run, its configuration written through `plan`.
    fn launch(&self, plan: &Plan<'_>) -> Result<Launch, PlanError>;

    /// When it counts as up.
    fn readiness(&self) -> Readiness;

    /// One line of its log as the record of a client's request; `None` for other lines.
    fn access_line(&self, line: &str) -> Option<AccessRecord>;

    /// How the workshop's client reaches the route on it, listening at `address`.
    fn route(&self, address: &str) -> ClientRoute;

    /// Its name in the reports, e.g. "LiteLLM proxy".
    fn implementation(&self) -> String;

    /// Its version as it reports it, asked once it is up at `address`.
    async fn version(&self, address: &str) -> Option<String>;

    /// Placeholders of its table cells beyond the common ones, e.g. LiteLLM's `<client key>`.
    fn placeholders(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
}

/// Where a gateway's vLLM replicas run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Placement {
    /// mock-vllm in this process; the gateway is told `host:port` (a gateway may treat a name
    /// and an address differently, so it picks the host).
    InProcess { host: &'static str },
    /// The mock-vllm image on one Docker network with the gateway's container, reached by name.
    Containers,
}

/// What a gateway's launch needs to know, and where it writes its files.
pub struct Plan<'a> {
    pub workshop: &'a Workshop,
    /// `host:port` of the workshop's vLLM, as the gateway is told it.
    pub vllm: String,
    /// `host:port` of the second replica (the failover's, and a second worker).
    pub replica: String,
    /// A free port on loopback for a process to listen on.
    pub port: u16,
    /// The Docker network the replicas are on, for a gateway that runs as a container.
    pub network: Option<String>,
    /// The `@configured` behaviour this launch is for, where the gateway's routes for it are
    /// the gateway started again with other flags ([`RouteTo::Restart`]); `None` for the
    /// workshop's launch, and always for a gateway whose configured routes sit beside the
    /// workshop's.
    pub configured: Option<Configured>,
    pub(super) dir: &'a Path,
}

impl Plan<'_> {
    /// Writes `contents` to `name` in the run's temporary folder; its path.
    pub fn write(&self, name: &str, contents: impl AsRef<[u8]>) -> Result<PathBuf, PlanError> {
        let path = self.dir.join(name);
        std::fs::write(&path, contents).map_err(|source| PlanError::Write {
            path: path.clone(),
            source,
        })?;
        Ok(path)
    }

    /// The run's temporary folder, for a gateway that keeps more than its config there.
    pub fn dir(&self) -> &Path {
        self.dir
    }

    /// `http://<vllm>` and `http://<replica>`: the replicas as base URLs.
    pub fn vllm_urls(&self) -> [String; 2] {
        [format!("http://{}", self.vllm), format!("http://{}", self.replica)]
    }
}

/// Why a gateway's launch could not be planned.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("cannot write {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("its config: {0}")]
    Config(String),
}

impl PlanError {
    pub fn config(err: impl std::fmt::Display) -> Self {
        PlanError::Config(err.to_string())
    }
}

/// Where a gateway serves the `@configured` behaviours, each configured in the gateway's
/// documented terms on a route of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConfiguredRoutes {
    /// A request time-out of [`super::CONFIGURED_TIMEOUT`].
    pub timeout: RouteTo,
    /// The workshop's vLLM first, the replica when it answers 5xx.
    pub failover: RouteTo,
    /// Both replicas as equals, with the gateway's defaults.
    pub balanced: RouteTo,
    /// A stream passed through as vLLM paces it.
    pub streaming: RouteTo,
    /// vLLM's `/health` checked every second, where the gateway checks it at all: nginx's
    /// open-source build, agentgateway and LiteLLM route by what calls answered, not by
    /// `/health`.
    pub health_checked: Option<RouteTo>,
}

impl ConfiguredRoutes {
    /// The route for `behaviour`, where the gateway has one.
    pub fn route(&self, behaviour: Configured) -> Option<RouteTo> {
        Some(match behaviour {
            Configured::Timeout => self.timeout,
            Configured::Failover => self.failover,
            Configured::Balanced => self.balanced,
            Configured::Streaming => self.streaming,
            Configured::HealthChecked => self.health_checked?,
        })
    }

    /// Each on a path prefix of its own, for a gateway that routes by path (agentgateway's
    /// routes, nginx's `location`s); no health-checked route.
    pub const BY_PREFIX: ConfiguredRoutes = ConfiguredRoutes {
        timeout: RouteTo::Prefix(TIMEOUT_PREFIX),
        failover: RouteTo::Prefix(FAILOVER_PREFIX),
        balanced: RouteTo::Prefix(BALANCED_PREFIX),
        streaming: RouteTo::Prefix(STREAMING_PREFIX),
        health_checked: None,
    };

    /// What they offer beyond [`Capability::Configured`].
    pub fn capabilities(&self) -> impl Iterator<Item = Capability> {
        self.health_checked.map(|_| Capability::HealthChecks).into_iter()
    }
}

/// The path prefixes of [`ConfiguredRoutes::BY_PREFIX`]; nothing else on a gateway begins so.
pub const TIMEOUT_PREFIX: &str = "/configured/timeout";
pub const FAILOVER_PREFIX: &str = "/configured/failover";
pub const BALANCED_PREFIX: &str = "/configured/balanced";
pub const STREAMING_PREFIX: &str = "/configured/streaming";

/// How a client picks a configured route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouteTo {
    /// A path prefix before OpenAI's paths (agentgateway's route, nginx's `location`).
    Prefix(&'static str),
    /// A model name of the gateway's own (LiteLLM's `model_name`).
    Model(&'static str),
    /// The workshop's route, on the gateway started again configured for the behaviour
    /// ([`Plan::configured`]): for what a gateway sets by flags of the whole gateway, as
    /// sglang-router's time-out, retries and workers.
    Restart,
    /// The workshop's own route, which does it already.
    Workshop,
}

impl RouteTo {
    /// The workshop's route, moved to this one.
    pub fn apply(self, route: ClientRoute) -> ClientRoute {
        match self {
            RouteTo::Prefix(prefix) => ClientRoute {
                prefix: prefix.to_owned(),
                embeddings_path: format!("{prefix}{}", crate::client::Call::Embeddings.api_path()),
                ..route
            },
            RouteTo::Model(name) => ClientRoute {
                model_name: Some(name.to_owned()),
                ..route
            },
            RouteTo::Restart | RouteTo::Workshop => route,
        }
    }
}

/// The first line a command prints, when it succeeds; stderr when stdout is empty (nginx
/// prints its version there).
pub async fn command_output(command: &mut tokio::process::Command) -> Option<String> {
    let output = command.stdin(std::process::Stdio::null()).output().await.ok()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let text = if stdout.trim().is_empty() { stderr } else { stdout };
    output
        .status
        .success()
        .then(|| text.lines().next().unwrap_or_default().trim().to_owned())
        .filter(|line| !line.is_empty())
}

/// The program `variable` names, else what `otherwise` finds.
pub fn program(settings: &Settings, variable: &str, otherwise: impl FnOnce() -> Option<PathBuf>) -> Option<PathBuf> {
    settings.env.get(variable).map(PathBuf::from).or_else(otherwise)
}

/// `name` in the peers venv (`.ci/run` makes it), then on `PATH`.
pub fn peers_or_path(name: &str) -> Option<PathBuf> {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../.venv/bin")
        .join(name);
    if venv.exists() {
        return Some(venv);
    }
    on_path(name)
}

/// `name` on `PATH`.
pub fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|candidate| candidate.is_file())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configured_route_is_a_prefix_or_a_model_name() {
        let workshop = ClientRoute::prefixed("http://gw:1", "/qwen3");
        let timeout = RouteTo::Prefix("/configured/timeout").apply(workshop.clone());
        assert_eq!(timeout.embeddings_path, "/configured/timeout/v1/embeddings");
        assert_eq!(timeout.prefix, "/configured/timeout");
        let model = RouteTo::Model("qwen3-timeout").apply(workshop.clone());
        assert_eq!(model.model_name.as_deref(), Some("qwen3-timeout"));
        assert_eq!(model.embeddings_path, workshop.embeddings_path);
    }
}
