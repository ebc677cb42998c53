//! Where the workshop runs: one trait, one module per target.
//!
//! A target brings up the mock and, where it has one, the gateway in front of it; tells the
//! client how to address the workshop's route; and hands out the upstream's evidence (the
//! mock's journal and log). Scenarios only talk to this trait.

pub mod agentgateway;
pub mod container;
pub mod direct;
pub mod kind;
pub mod litellm;
mod local_mock;
mod log_capture;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;

pub use local_mock::LocalMock;
pub use log_capture::LogCapture;

use crate::client::ClientRequest;
use crate::settings::{Settings, TargetName};
use crate::upstream::{Upstream, UpstreamError};

/// What a target can do, matched against scenario tags.
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
}

impl Capability {
    pub fn from_tag(tag: &str) -> Option<Self> {
        match tag {
            "mock" => Some(Capability::Mock),
            "gateway" => Some(Capability::Gateway),
            "agentgateway" => Some(Capability::AgentGateway),
            "kubernetes" => Some(Capability::Kubernetes),
            _ => None,
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Capability::Mock => "the mock as the client's peer",
            Capability::Gateway => "a gateway in front of the mock",
            Capability::AgentGateway => "Agent Gateway's route types",
            Capability::Kubernetes => "a Kubernetes cluster",
        }
    }
}

/// The calls the workshop's client makes, addressed per target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    Embeddings,
    ChatCompletions,
    Models,
}

impl Call {
    /// The OpenAI path of the call.
    pub fn api_path(self) -> &'static str {
        match self {
            Call::Embeddings => "/v1/embeddings",
            Call::ChatCompletions => "/v1/chat/completions",
            Call::Models => "/v1/models",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error(transparent)]
    Upstream(#[from] UpstreamError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Container(String),
    #[error("{0}")]
    Gateway(String),
    #[error(transparent)]
    Kube(#[from] kind::KubeError),
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, String),
    #[error("this target has no {0}")]
    NotSupported(&'static str),
}

impl TargetError {
    pub fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> TargetError {
        let what = what.into();
        move |source| TargetError::Io { what, source }
    }
}

/// Why a target cannot run on this machine, in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable(pub String);

#[async_trait]
pub trait Target: Send + Sync {
    fn name(&self) -> TargetName;

    fn capabilities(&self) -> &'static [Capability] {
        capabilities(self.name())
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
    fn upstream(&self) -> &Upstream;

    /// The request the client sends for `call`, with `body` as the workshop writes it.
    fn request(&self, call: Call, body: Option<Bytes>) -> ClientRequest;

    /// `host:port` as the gateway addresses the mock (LiteLLM's `api_base`, the backend's
    /// host and port); the client's own address of the mock on gateway-less targets.
    fn mock_address(&self) -> String;

    /// `host:port` the client sends to.
    fn gateway_address(&self) -> String;

    /// The mock's stdout so far.
    async fn mock_log(&self) -> Result<String, TargetError>;

    /// For the steps that only one target's own API can take (e.g. LiteLLM's second model).
    fn as_any(&self) -> &dyn std::any::Any;

    /// The Kubernetes side, on targets that have one.
    fn kubernetes(&self) -> Option<&kind::Kind> {
        None
    }

    /// Stops what the target started.
    async fn shut_down(&self) {}
}

/// What each target can do, known before it is brought up.
pub fn capabilities(name: TargetName) -> &'static [Capability] {
    match name {
        TargetName::Direct | TargetName::Container => &[Capability::Mock],
        TargetName::Litellm => &[Capability::Gateway],
        TargetName::Agentgateway => &[Capability::Gateway, Capability::AgentGateway],
        TargetName::Kind => &[Capability::Gateway, Capability::AgentGateway, Capability::Kubernetes],
    }
}

/// Brings a target up, or says in one line why it cannot run here.
pub async fn prepare(name: TargetName, settings: &Settings) -> Result<Arc<dyn Target>, Unavailable> {
    match name {
        TargetName::Direct => direct::Direct::start(&settings.workshop)
            .await
            .map(|t| Arc::new(t) as Arc<dyn Target>),
        TargetName::Container => container::Container::start(settings)
            .await
            .map(|t| Arc::new(t) as Arc<dyn Target>),
        TargetName::Litellm => litellm::Litellm::start(settings)
            .await
            .map(|t| Arc::new(t) as Arc<dyn Target>),
        TargetName::Agentgateway => agentgateway::Agentgateway::start(settings)
            .await
            .map(|t| Arc::new(t) as Arc<dyn Target>),
        TargetName::Kind => kind::Kind::connect(settings)
            .await
            .map(|t| Arc::new(t) as Arc<dyn Target>),
    }
}

/// A port on loopback that nothing listens on now, for a process we start.
pub fn free_port() -> Result<u16, Unavailable> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| Unavailable(format!("no free port: {e}")))
}

/// Polls `ready` every 100 ms until it holds or `timeout` passes.
pub async fn wait_until<F, Fut>(timeout: Duration, what: &str, mut ready: F) -> Result<(), TargetError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if ready().await {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(TargetError::Timeout(timeout, what.to_owned()));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Whether a scenario with `tags` runs on a target with `capabilities`; if not, why not.
pub fn applies(target: TargetName, capabilities: &[Capability], tags: &[String]) -> Result<(), String> {
    for tag in tags {
        let refusal = if let Some(only) = tag.strip_prefix("target.") {
            (only != target.as_str()).then(|| format!("only for the {only} target"))
        } else if let Some(not) = tag.strip_prefix("not-target.") {
            (not == target.as_str()).then(|| format!("not for the {not} target"))
        } else {
            Capability::from_tag(tag)
                .filter(|needed| !capabilities.contains(needed))
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
        assert!(applies(TargetName::Direct, &direct, &tags(&[])).is_ok());
        assert!(applies(TargetName::Direct, &direct, &tags(&["mock"])).is_ok());
        assert_eq!(
            applies(TargetName::Direct, &direct, &tags(&["kubernetes"])),
            Err("needs a Kubernetes cluster".into())
        );
        assert!(applies(TargetName::Litellm, &[], &tags(&["target.litellm"])).is_ok());
        assert_eq!(
            applies(TargetName::Direct, &direct, &tags(&["target.litellm"])),
            Err("only for the litellm target".into())
        );
        assert!(applies(TargetName::Direct, &direct, &tags(&["not-target.litellm"])).is_ok());
        assert!(applies(TargetName::Litellm, &[], &tags(&["not-target.litellm"])).is_err());
        // Tags that are not about targets do not matter.
        assert!(applies(TargetName::Direct, &direct, &tags(&["slow"])).is_ok());
    }
}
