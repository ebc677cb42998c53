//! `kind`: the workshop on a Kubernetes cluster with Agent Gateway (kind by default, any
//! cluster that the current kubeconfig context reaches).
//!
//! Steps 1 to 5 are server-side applies of `kind/manifests/` through kube-rs; the mock's
//! journal is read through a port-forward to its pod, its log through the log API; the gateway
//! is reached at `CONFORMANCE_GATEWAY_URL` (default `http://localhost:8080`) or, when nothing
//! answers there, through a port-forward to the Gateway's pod.

pub mod api;
mod forward;

use std::any::Any;
use std::time::Duration;

use async_trait::async_trait;
use bytes::Bytes;
use kube::config::{KubeConfigOptions, Kubeconfig};
use tokio::sync::OnceCell;

pub use api::{KubeError, StatusPath, WorkshopApi, WorkshopKind};
use forward::Forward;

use super::agentgateway::route_request;
use super::{Call, Target, TargetError, Unavailable};
use crate::client::ClientRequest;
use crate::resources::WorkshopResources;
use crate::settings::{Settings, TargetName};
use crate::upstream::Upstream;
use crate::workshop::{MOCK_PORT, Workshop};

/// The label of the mock's pods (the workshop's `-l app=mock-vllm`).
pub const MOCK_SELECTOR: &str = "app=mock-vllm";

/// How long a step waits for the cluster (the workshop's `--timeout=60s`).
pub const STEP_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Kind {
    api: WorkshopApi,
    workshop: Workshop,
    gateway_url: String,
    gateway_pod_port: u16,
    mock_forward: OnceCell<(Forward, Upstream)>,
    /// The gateway's `host:port`, with the port-forward that serves it when there is one.
    gateway_forward: OnceCell<(Option<Forward>, String)>,
    /// Until the mock's pod is forwarded, scenarios that read the journal have nothing to read.
    unforwarded: Upstream,
}

impl Kind {
    /// Connects to the cluster of the current (or `CONFORMANCE_KUBE_CONTEXT`) context.
    pub async fn connect(settings: &Settings) -> Result<Self, Unavailable> {
        let client = client(settings.kube_context.as_deref()).await.map_err(|e| match e {
            KubeError::Config(_) if !kubeconfig_exists() => {
                Unavailable("no Kubernetes cluster: no kubeconfig (KUBECONFIG unset, no ~/.kube/config)".to_owned())
            }
            other => Unavailable(other.to_string()),
        })?;
        match tokio::time::timeout(Duration::from_secs(5), client.apiserver_version()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(Unavailable(format!("no Kubernetes API reachable: {e}"))),
            Err(_) => return Err(Unavailable("no Kubernetes API answered within 5 s".to_owned())),
        }
        let resources = WorkshopResources::for_run(&settings.workshop, &settings.mock_image)
            .map_err(|e| Unavailable(e.to_string()))?;
        Ok(Kind {
            api: WorkshopApi::new(client, &settings.workshop.namespace, resources),
            workshop: settings.workshop.clone(),
            gateway_url: settings.gateway_url.trim_end_matches('/').to_owned(),
            gateway_pod_port: settings.gateway_port,
            mock_forward: OnceCell::new(),
            gateway_forward: OnceCell::new(),
            unforwarded: Upstream::new("http://127.0.0.1:9"),
        })
    }

    pub fn api(&self) -> &WorkshopApi {
        &self.api
    }

    /// The mock's `/_mock` API, forwarded from its pod once it runs.
    async fn forward_mock(&self) -> Result<&Upstream, TargetError> {
        let (_, upstream) = self
            .mock_forward
            .get_or_try_init(|| async {
                let forward = Forward::start(self.api.pods(), MOCK_SELECTOR.to_owned(), MOCK_PORT).await?;
                let upstream = Upstream::new(format!("http://{}", forward.addr));
                Ok::<_, KubeError>((forward, upstream))
            })
            .await?;
        Ok(upstream)
    }

    /// `host:port` of the gateway: the configured URL when it answers, else a port-forward.
    async fn gateway(&self) -> Result<&str, TargetError> {
        let (_, address) = self
            .gateway_forward
            .get_or_try_init(|| async {
                let configured = self
                    .gateway_url
                    .trim_start_matches("http://")
                    .trim_start_matches("https://")
                    .to_owned();
                if tokio::net::TcpStream::connect(&configured).await.is_ok() {
                    return Ok((None, configured));
                }
                let selector = format!("gateway.networking.k8s.io/gateway-name={}", self.workshop.gateway_name);
                // Fail here, not on the first request, when the Gateway has no pod.
                self.api.running_pod(&selector).await?;
                let forward = Forward::start(self.api.pods(), selector, self.gateway_pod_port).await?;
                let address = forward.addr.to_string();
                Ok::<_, KubeError>((Some(forward), address))
            })
            .await?;
        Ok(address)
    }
}

/// Whether a kubeconfig is there to read, the way kubectl looks for one.
fn kubeconfig_exists() -> bool {
    std::env::var_os("KUBECONFIG").is_some_and(|v| !v.is_empty())
        || std::env::var_os("KUBERNETES_SERVICE_HOST").is_some()
        || std::env::var_os("HOME").is_some_and(|home| std::path::Path::new(&home).join(".kube/config").exists())
}

/// A client for `context` (or the current one) of the kubeconfig.
async fn client(context: Option<&str>) -> Result<kube::Client, KubeError> {
    let config = match context {
        Some(context) => {
            let kubeconfig = Kubeconfig::read().map_err(|e| KubeError::Config(e.to_string()))?;
            let options = KubeConfigOptions {
                context: Some(context.to_owned()),
                ..KubeConfigOptions::default()
            };
            kube::Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(|e| KubeError::Config(e.to_string()))?
        }
        None => kube::Config::infer()
            .await
            .map_err(|e| KubeError::Config(e.to_string()))?,
    };
    kube::Client::try_from(config).map_err(KubeError::Api)
}

#[async_trait]
impl Target for Kind {
    fn name(&self) -> TargetName {
        TargetName::Kind
    }

    async fn deploy_mock(&self) -> Result<(), TargetError> {
        self.api.apply(WorkshopKind::Deployment).await?;
        self.api.apply(WorkshopKind::Service).await?;
        self.api.wait_mock_ready(STEP_TIMEOUT).await?;
        self.forward_mock().await?;
        Ok(())
    }

    async fn set_up(&self) -> Result<(), TargetError> {
        self.deploy_mock().await?;
        for kind in [
            WorkshopKind::Secret,
            WorkshopKind::Backend,
            WorkshopKind::Route,
            WorkshopKind::Policy,
        ] {
            self.api.apply(kind).await?;
        }
        for kind in [WorkshopKind::Backend, WorkshopKind::Route, WorkshopKind::Policy] {
            self.api.wait_accepted(kind, STEP_TIMEOUT).await?;
        }
        self.gateway().await?;
        Ok(())
    }

    fn upstream(&self) -> &Upstream {
        self.mock_forward
            .get()
            .map_or(&self.unforwarded, |(_, upstream)| upstream)
    }

    fn request(&self, call: Call, body: Option<Bytes>) -> ClientRequest {
        let gateway = match self.gateway_forward.get() {
            Some((_, address)) => address.clone(),
            None => self.gateway_url.trim_start_matches("http://").to_owned(),
        };
        route_request(&gateway, call, body)
    }

    fn mock_address(&self) -> String {
        format!("{}:{MOCK_PORT}", self.workshop.mock_host())
    }

    fn gateway_address(&self) -> String {
        self.gateway_forward
            .get()
            .map(|(_, address)| address.clone())
            .unwrap_or_default()
    }

    async fn mock_log(&self) -> Result<String, TargetError> {
        Ok(self.api.mock_log(200).await?)
    }

    fn as_any(&self) -> &dyn Any {
        self
    }

    fn kubernetes(&self) -> Option<&Kind> {
        Some(self)
    }
}
