//! `kind`: the workshop on a Kubernetes cluster with Agent Gateway (kind by default, any
//! cluster a kubeconfig context reaches).
//!
//! Steps 1 to 5 are server-side applies of `kind/manifests/` through kube-rs; the mock's
//! journal is read through a port-forward to its pod, its log and the Gateway's access log
//! through the log API; the gateway is reached at `CONFORMANCE_GATEWAY_URL` (default
//! `http://localhost:8080`) or, when nothing answers there, through a port-forward to the
//! Gateway's pod on `CONFORMANCE_GATEWAY_PORT` (default 8080).
//!
//! It runs on the current context when that is a kind cluster (`kind-*`), or on the context
//! `CONFORMANCE_KUBE_CONTEXT` names; any other current context is left alone, so a run never
//! applies the workshop to a cluster nobody pointed it at.
//!
//! Before the first scenario, [`preflight`] checks that the cluster can run the workshop at
//! all; what is missing fails the run at once, one line each with its fix, unless
//! `CONFORMANCE_PREFLIGHT=continue` says to go on (to see which steps work without it), in which
//! case the steps it makes hopeless fail at once, naming it. Steps 1 to 5 are set up once: a
//! set-up that failed is not tried again for every scenario.

pub mod api;
mod forward;
pub mod preflight;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kube::config::{KubeConfigOptions, Kubeconfig};
use tokio::sync::OnceCell;

pub use api::{KubeError, StatusPath, WorkshopApi, WorkshopKind};
use forward::Forward;

use super::agentgateway::agentgateway_line;
use super::{AccessRecord, Capability, Implementation, StartError, Starting, Target, TargetError, TargetSpec};
use crate::client::ClientRoute;
use crate::resources::WorkshopResources;
use crate::settings::{Settings, SettingsError};
use crate::workshop::{self, MOCK_PORT, Workshop};
use mock_vllm::admin::AdminClient;

pub const SPEC: TargetSpec = TargetSpec {
    name: "kind",
    capabilities: |_| {
        vec![
            Capability::Gateway,
            Capability::InjectsKey,
            Capability::RoutePrefix,
            Capability::AgentGateway,
            Capability::Kubernetes,
        ]
    },
    start,
};

/// The label of the mock's pods (the workshop's `-l app=mock-vllm`).
pub const MOCK_SELECTOR: &str = "app=mock-vllm";

/// How long a step waits for the cluster (the workshop's `--timeout=60s`).
pub const STEP_TIMEOUT: Duration = Duration::from_secs(60);

pub struct Kind {
    api: WorkshopApi,
    workshop: Workshop,
    gateway_url: String,
    gateway_pod_port: u16,
    mock_forward: OnceCell<(Forward, AdminClient)>,
    /// The gateway's `host:port`, with the port-forward that serves it when there is one.
    gateway_forward: OnceCell<(Option<Forward>, String)>,
    /// The Gateway proxy's image, as its implementation and version.
    gateway_image: OnceCell<Option<String>>,
    /// Until the mock's pod is forwarded, scenarios that read the journal have nothing to read.
    unforwarded: AdminClient,
    /// Steps 1 to 5, done once; a failure is kept and given to every later scenario.
    set_up: OnceCell<Result<(), String>>,
}

/// What the run does when the preflight finds something missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OnMissing {
    Fail,
    Continue,
}

impl std::str::FromStr for OnMissing {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "fail" => Ok(OnMissing::Fail),
            "continue" => Ok(OnMissing::Continue),
            _ => Err("expected `fail` or `continue`".to_owned()),
        }
    }
}

fn start(settings: &Settings) -> Starting<'_> {
    Box::pin(async move {
        let target = Kind::connect(settings).await?;
        Ok(Arc::new(target) as Arc<dyn Target>)
    })
}

fn invalid(err: SettingsError) -> StartError {
    StartError::Failed(err.to_string())
}

impl Kind {
    /// Connects to the cluster of `CONFORMANCE_KUBE_CONTEXT`, or of the current context when it
    /// is a kind cluster.
    async fn connect(settings: &Settings) -> Result<Self, StartError> {
        let env = &settings.env;
        let named_context = env.get("CONFORMANCE_KUBE_CONTEXT");
        let gateway_port = env.parse("CONFORMANCE_GATEWAY_PORT").map_err(invalid)?.unwrap_or(8080);
        let gateway_url = env
            .get("CONFORMANCE_GATEWAY_URL")
            .unwrap_or_else(|| "http://localhost:8080".to_owned());
        // A named context is something the user pointed at; the current one only when it is kind's.
        let insist = named_context.is_some();
        let absent = |reason: String| {
            if insist {
                StartError::Failed(reason)
            } else {
                StartError::Absent(reason)
            }
        };
        let context = match named_context {
            Some(context) => context,
            None => match current_context() {
                Some(context) if context.starts_with("kind-") || settings.insists_on(SPEC.name) => context,
                Some(context) => {
                    return Err(StartError::Absent(format!(
                        "the current kubeconfig context `{context}` is not a kind cluster \
                         (set CONFORMANCE_KUBE_CONTEXT to run the workshop on it)"
                    )));
                }
                None => {
                    return Err(absent(
                        "no Kubernetes cluster: no kubeconfig context (KUBECONFIG unset, no ~/.kube/config)".to_owned(),
                    ));
                }
            },
        };
        let client = client(&context).await.map_err(|e| absent(e.to_string()))?;
        match tokio::time::timeout(Duration::from_secs(5), client.apiserver_version()).await {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(absent(format!("context `{context}`: no Kubernetes API reachable: {e}"))),
            Err(_) => {
                return Err(absent(format!(
                    "context `{context}`: no Kubernetes API answered within 5 s"
                )));
            }
        }
        let on_missing = env
            .parse("CONFORMANCE_PREFLIGHT")
            .map_err(invalid)?
            .unwrap_or(OnMissing::Fail);
        let expected = preflight::Expected {
            namespace: &settings.workshop.namespace,
            gateway: &settings.workshop.gateway_name,
            image: &settings.mock_image,
            kind_cluster: context.strip_prefix("kind-"),
        };
        let mut missing = preflight::check(&client, &expected).await;
        for unsure in missing.iter().filter(|f| f.blocks == preflight::Blocks::Unsure) {
            println!("preflight, perhaps a problem: {unsure}");
        }
        missing.retain(|f| f.blocks != preflight::Blocks::Unsure);
        if !missing.is_empty() {
            let lines: Vec<String> = missing.iter().map(|f| format!("  - {f}")).collect();
            let report = format!(
                "context `{context}`: the cluster cannot run the workshop yet:\n{}",
                lines.join("\n")
            );
            match on_missing {
                OnMissing::Fail => {
                    return Err(StartError::Failed(format!(
                        "{report}\n(CONFORMANCE_PREFLIGHT=continue runs the scenarios anyway)"
                    )));
                }
                OnMissing::Continue => println!("{report}\ngoing on (CONFORMANCE_PREFLIGHT=continue)"),
            }
        }
        let resources = WorkshopResources::for_run(&settings.workshop, &settings.mock_image)
            .map_err(|e| StartError::Failed(e.to_string()))?;
        Ok(Kind {
            api: WorkshopApi::new(client, &settings.workshop.namespace, resources).with_missing(missing),
            workshop: settings.workshop.clone(),
            gateway_url: gateway_url.trim_end_matches('/').to_owned(),
            gateway_pod_port: gateway_port,
            mock_forward: OnceCell::new(),
            gateway_forward: OnceCell::new(),
            gateway_image: OnceCell::new(),
            unforwarded: AdminClient::new("http://127.0.0.1:9"),
            set_up: OnceCell::new(),
        })
    }

    pub fn api(&self) -> &WorkshopApi {
        &self.api
    }

    /// The mock's `/_mock` API, forwarded from its pod once it runs.
    async fn forward_mock(&self) -> Result<&AdminClient, TargetError> {
        let (_, upstream) = self
            .mock_forward
            .get_or_try_init(|| async {
                let forward = Forward::start(self.api.pods(), MOCK_SELECTOR.to_owned(), MOCK_PORT).await?;
                // The mock starts without a key; the suite sets it through this client.
                let upstream = AdminClient::new(format!("http://{}", forward.addr));
                // A forward that cannot reach the pod (RBAC, the kubelet) says so now, not as a
                // later time-out.
                if !upstream.healthy().await {
                    let why = forward
                        .last_error()
                        .unwrap_or_else(|| "the mock did not answer /health".to_owned());
                    return Err(KubeError::Forward(why));
                }
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
                let selector = self.gateway_selector();
                // Fail here, not on the first request, when the Gateway has no pod.
                self.api.running_pod(&selector).await?;
                let forward = Forward::start(self.api.pods(), selector, self.gateway_pod_port).await?;
                let address = forward.addr.to_string();
                Ok::<_, KubeError>((Some(forward), address))
            })
            .await?;
        Ok(address)
    }

    /// Steps 1 to 5, and the gateway reached.
    async fn set_up_once(&self) -> Result<(), TargetError> {
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
        let selector = self.gateway_selector();
        self.gateway_image
            .get_or_try_init(|| self.api.pod_image(&selector))
            .await?;
        Ok(())
    }

    fn gateway_selector(&self) -> String {
        format!("gateway.networking.k8s.io/gateway-name={}", self.workshop.gateway_name)
    }
}

/// The kubeconfig's current context, read the way kubectl reads it (`KUBECONFIG` honoured).
fn current_context() -> Option<String> {
    Kubeconfig::read().ok()?.current_context
}

/// A client for `context` of the kubeconfig.
async fn client(context: &str) -> Result<kube::Client, KubeError> {
    let kubeconfig = Kubeconfig::read().map_err(|e| KubeError::Config(e.to_string()))?;
    let options = KubeConfigOptions {
        context: Some(context.to_owned()),
        ..KubeConfigOptions::default()
    };
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &options)
        .await
        .map_err(|e| KubeError::Config(format!("context `{context}`: {e}")))?;
    kube::Client::try_from(config).map_err(KubeError::Api)
}

#[async_trait]
impl Target for Kind {
    fn name(&self) -> &'static str {
        SPEC.name
    }

    async fn deploy_mock(&self) -> Result<(), TargetError> {
        self.api.apply(WorkshopKind::Deployment).await?;
        self.api.apply(WorkshopKind::Service).await?;
        self.api.wait_mock_ready(STEP_TIMEOUT).await?;
        self.forward_mock().await?;
        Ok(())
    }

    async fn set_up(&self) -> Result<(), TargetError> {
        let done = self
            .set_up
            .get_or_init(|| async { self.set_up_once().await.map_err(|e| e.to_string()) })
            .await;
        done.clone().map_err(TargetError::SetUp)
    }

    fn upstream(&self) -> &AdminClient {
        self.mock_forward
            .get()
            .map_or(&self.unforwarded, |(_, upstream)| upstream)
    }

    fn route(&self) -> ClientRoute {
        let gateway = match self.gateway_forward.get() {
            Some((_, address)) => address.clone(),
            None => self
                .gateway_url
                .trim_start_matches("http://")
                .trim_start_matches("https://")
                .to_owned(),
        };
        ClientRoute::prefixed(format!("http://{gateway}"), workshop::ROUTE_PREFIX)
    }

    fn mock_address(&self) -> String {
        format!("{}:{MOCK_PORT}", self.workshop.mock_host())
    }

    async fn mock_endpoints(&self) -> Result<Vec<String>, TargetError> {
        let mut endpoints = vec![self.mock_address()];
        endpoints.extend(self.api.mock_endpoints(MOCK_PORT).await?);
        Ok(endpoints)
    }

    async fn mock_log(&self) -> Result<String, TargetError> {
        Ok(self.api.mock_log(200).await?)
    }

    async fn access_log(&self) -> Result<Vec<AccessRecord>, TargetError> {
        let log = self.api.pod_logs(&self.gateway_selector()).await?;
        Ok(log.lines().filter_map(agentgateway_line).collect())
    }

    fn implementation(&self) -> Implementation {
        let image = self.gateway_image.get().cloned().flatten();
        Implementation::new(
            "agentgateway on Kubernetes",
            image.unwrap_or_else(|| "image not read yet".to_owned()),
        )
    }
}
