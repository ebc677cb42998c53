//! The workshop's resources through the Kubernetes API: apply, wait, read, delete.
//!
//! Everything is server-side apply with one field manager, so a rerun is idempotent and a
//! user's own changes to other fields survive. Waiting is `await_condition` on a watch, with a
//! timeout, never a sleep loop. Conditions are read exactly where the workshop reads them.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Event, Pod, Secret, Service};
use kube::api::{Api, DeleteParams, ListParams, LogParams, Patch, PatchParams};
use kube::runtime::wait::{Condition, await_condition, conditions};
use kube::{Client, Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::preflight::{Blocks, Finding};
use crate::resources::{
    AgentgatewayBackend, AgentgatewayPolicy, Condition as StatusCondition, HTTPRoute, WorkshopResources,
};

/// The field manager of every apply.
pub const FIELD_MANAGER: &str = "vllm-gateway-conformance";

#[derive(Debug, thiserror::Error)]
pub enum KubeError {
    #[error("no usable kubeconfig: {0}")]
    Config(String),
    #[error("Kubernetes API: {0}")]
    Api(#[from] kube::Error),
    #[error("watching {what}: {source}")]
    Wait {
        what: String,
        #[source]
        source: kube::runtime::wait::Error,
    },
    #[error("timed out after {0:?} waiting for {1}")]
    Timeout(Duration, String),
    /// Step 1's Deployment did not become ready; why, as the cluster tells it.
    #[error("the {name} Deployment was not ready within {timeout:?}: {why}")]
    NotReady {
        name: String,
        timeout: Duration,
        why: String,
    },
    /// A resource was not Accepted in time; what its status holds now, and who should have set it.
    #[error("{kind} {name} was not Accepted within {timeout:?}: {status}")]
    NotAccepted {
        kind: &'static str,
        name: String,
        timeout: Duration,
        status: String,
    },
    /// The preflight found what makes this step impossible, so it was not waited for.
    #[error("{0}")]
    Unavailable(String),
    #[error("no pod of {0} is running")]
    NoPod(String),
    #[error("port-forward: {0}")]
    Forward(String),
    #[error("unknown workshop resource kind `{0}`")]
    UnknownKind(String),
}

/// One of the six resources of Steps 1 to 5.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkshopKind {
    Deployment,
    Service,
    Secret,
    Backend,
    Route,
    Policy,
}

impl WorkshopKind {
    /// In the order the workshop creates them; Cleanup deletes in reverse.
    pub const ALL: [WorkshopKind; 6] = [
        WorkshopKind::Deployment,
        WorkshopKind::Service,
        WorkshopKind::Secret,
        WorkshopKind::Backend,
        WorkshopKind::Route,
        WorkshopKind::Policy,
    ];

    /// The kind as Kubernetes names it.
    pub fn kind_name(self) -> &'static str {
        match self {
            WorkshopKind::Deployment => "Deployment",
            WorkshopKind::Service => "Service",
            WorkshopKind::Secret => "Secret",
            WorkshopKind::Backend => "AgentgatewayBackend",
            WorkshopKind::Route => "HTTPRoute",
            WorkshopKind::Policy => "AgentgatewayPolicy",
        }
    }

    pub fn parse(kind: &str) -> Result<Self, KubeError> {
        WorkshopKind::ALL
            .into_iter()
            .find(|k| k.kind_name() == kind)
            .ok_or_else(|| KubeError::UnknownKind(kind.to_owned()))
    }
}

/// Where the workshop reads a resource's `Accepted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusPath {
    /// `status.conditions[0]` (AgentgatewayBackend)
    Conditions,
    /// `status.parents[0].conditions[0]` (HTTPRoute)
    Parents,
    /// `status.ancestors[0].conditions[0]` (AgentgatewayPolicy)
    Ancestors,
}

/// The reasons the workshop accepts: "Expected: all three show Accepted (or Valid)".
pub const ACCEPTED_REASONS: [&str; 2] = ["Accepted", "Valid"];

pub struct WorkshopApi {
    client: Client,
    namespace: String,
    resources: WorkshopResources,
    /// What the preflight found missing, when the run goes on anyway: the waits it makes
    /// hopeless fail at once, naming it.
    missing: Vec<Finding>,
}

impl WorkshopApi {
    pub fn new(client: Client, namespace: &str, resources: WorkshopResources) -> Self {
        WorkshopApi {
            client,
            namespace: namespace.to_owned(),
            resources,
            missing: Vec::new(),
        }
    }

    /// The preflight's findings, for a run told to go on without what they name.
    pub fn with_missing(mut self, missing: Vec<Finding>) -> Self {
        self.missing = missing;
        self
    }

    /// An error naming what the preflight found missing that `blocks` this step, if anything.
    fn blocked(&self, blocks: Blocks, step: &str) -> Result<(), KubeError> {
        let missing: Vec<String> = self
            .missing
            .iter()
            .filter(|f| f.blocks == blocks || (blocks == Blocks::Controller && f.blocks == Blocks::Pods))
            .map(Finding::to_string)
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        Err(KubeError::Unavailable(format!(
            "not waiting for {step}: the preflight found {}",
            missing.join("; ")
        )))
    }

    pub fn resources(&self) -> &WorkshopResources {
        &self.resources
    }

    fn api<K>(&self) -> Api<K>
    where
        K: Resource<Scope = k8s_openapi::NamespaceResourceScope>,
        <K as Resource>::DynamicType: Default,
    {
        Api::namespaced(self.client.clone(), &self.namespace)
    }

    /// Server-side applies one resource.
    pub async fn apply(&self, kind: WorkshopKind) -> Result<(), KubeError> {
        let r = &self.resources;
        match kind {
            WorkshopKind::Deployment => apply(self.api::<Deployment>(), &r.deployment).await,
            WorkshopKind::Service => apply(self.api::<Service>(), &r.service).await,
            WorkshopKind::Secret => apply(self.api::<Secret>(), &r.secret).await,
            WorkshopKind::Backend => apply(self.api::<AgentgatewayBackend>(), &r.backend).await,
            WorkshopKind::Route => apply(self.api::<HTTPRoute>(), &r.route).await,
            WorkshopKind::Policy => apply(self.api::<AgentgatewayPolicy>(), &r.policy).await,
        }
    }

    /// Step 1's `kubectl wait --for=condition=ready`: the Deployment has a ready replica.
    pub async fn wait_mock_ready(&self, timeout: Duration) -> Result<(), KubeError> {
        self.blocked(Blocks::Pods, "the mock-vllm Deployment to be ready")?;
        let name = self.resources.deployment.name_any();
        let ready = |d: Option<&Deployment>| {
            d.and_then(|d| d.status.as_ref())
                .and_then(|s| s.ready_replicas)
                .is_some_and(|n| n >= 1)
        };
        match wait(
            self.api::<Deployment>(),
            &name,
            ready,
            timeout,
            "the mock-vllm Deployment to be ready",
        )
        .await
        {
            Ok(_) => Ok(()),
            Err(KubeError::Timeout(..)) => Err(KubeError::NotReady {
                why: self.why_not_ready(&name).await,
                name,
                timeout,
            }),
            Err(other) => Err(other),
        }
    }

    /// Why the mock's Deployment has no ready replica, from its status, its pods' conditions
    /// and container states, their events and, for a container that keeps crashing, its last
    /// log lines. Read only on the failure path.
    pub async fn why_not_ready(&self, name: &str) -> String {
        let deployment = match self.api::<Deployment>().get_opt(name).await {
            Ok(Some(deployment)) => deployment,
            Ok(None) => return "it does not exist".to_owned(),
            Err(err) => return format!("it cannot be read: {err}"),
        };
        if deployment.status.is_none() {
            return "it has no status: no controller-manager has seen it (is kube-controller-manager running?)"
                .to_owned();
        }
        let pods = match self
            .api::<Pod>()
            .list(&ListParams::default().labels(super::MOCK_SELECTOR))
            .await
        {
            Ok(pods) => pods.items,
            Err(err) => return format!("its pods cannot be listed: {err}"),
        };
        if pods.is_empty() {
            let replica_failure = deployment
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .and_then(|c| c.iter().find(|c| c.type_.as_deref() == Some("ReplicaFailure")))
                .and_then(|c| c.message.clone());
            return match replica_failure {
                Some(message) => format!("no pod was created: {message}"),
                None => "no pod was created (is kube-controller-manager running?)".to_owned(),
            };
        }
        let mut reasons = Vec::new();
        for pod in &pods {
            reasons.push(self.why_pod_not_ready(pod).await);
        }
        reasons.join("; ")
    }

    async fn why_pod_not_ready(&self, pod: &Pod) -> String {
        let name = pod.name_any();
        let status = pod.status.clone().unwrap_or_default();
        let phase = status.phase.clone().unwrap_or_else(|| "no phase".to_owned());
        let mut why = Vec::new();
        for condition in status.conditions.iter().flatten() {
            if condition.status != "True" && condition.type_ == "PodScheduled" {
                why.push(format!(
                    "unschedulable: {}",
                    condition.message.as_deref().unwrap_or("no reason given")
                ));
            }
        }
        for container in status.container_statuses.iter().flatten() {
            let state = container.state.clone().unwrap_or_default();
            if let Some(waiting) = state.waiting {
                let reason = waiting.reason.unwrap_or_default();
                let message = waiting.message.map(|m| format!(": {m}")).unwrap_or_default();
                let mut line = format!("container {} waiting, {reason}{message}", container.name);
                if reason == "CrashLoopBackOff" {
                    line.push_str(&self.last_log_lines(&name, &container.name).await);
                }
                why.push(line);
            } else if let Some(terminated) = state.terminated {
                why.push(format!(
                    "container {} terminated, {} (exit code {})",
                    container.name,
                    terminated.reason.unwrap_or_default(),
                    terminated.exit_code
                ));
            } else if !container.ready {
                why.push(format!(
                    "container {} running but not ready (readiness probe)",
                    container.name
                ));
            }
        }
        why.extend(self.warning_events(&name).await);
        if why.is_empty() {
            why.push("no condition, container state or event says why".to_owned());
        }
        format!("pod {name} ({phase}): {}", why.join(", "))
    }

    /// The pod's Warning events, newest last, as `reason: message`.
    async fn warning_events(&self, pod: &str) -> Vec<String> {
        let params = ListParams::default().fields(&format!("involvedObject.name={pod}"));
        let Ok(events) = self.api::<Event>().list(&params).await else {
            return vec![];
        };
        let mut seen: Vec<String> = Vec::new();
        for event in events.items.iter().filter(|e| e.type_.as_deref() == Some("Warning")) {
            let line = format!(
                "event {}: {}",
                event.reason.as_deref().unwrap_or("Warning"),
                event.message.as_deref().unwrap_or_default().trim()
            );
            if !seen.contains(&line) {
                seen.push(line);
            }
        }
        // The most recent few; a crash loop repeats itself.
        let keep = seen.len().saturating_sub(3);
        seen.split_off(keep)
    }

    /// The last lines the crashed container printed, as ` (last log lines: ...)`.
    async fn last_log_lines(&self, pod: &str, container: &str) -> String {
        let params = LogParams {
            container: Some(container.to_owned()),
            previous: true,
            tail_lines: Some(5),
            ..LogParams::default()
        };
        match self.api::<Pod>().logs(pod, &params).await {
            Ok(log) if !log.trim().is_empty() => format!(" (last log lines: {})", log.trim().replace('\n', " | ")),
            _ => String::new(),
        }
    }

    /// The value the Secret holds under `key`, decoded.
    pub async fn secret_value(&self, key: &str) -> Result<Option<String>, KubeError> {
        let secret = self.api::<Secret>().get(&self.resources.secret.name_any()).await?;
        Ok(secret
            .data
            .and_then(|d| d.get(key).map(|v| String::from_utf8_lossy(&v.0).into_owned())))
    }

    /// Waits until the status reason the workshop reads is Accepted (or Valid), and returns it.
    /// A time-out says what the status holds then, and who should have set it.
    pub async fn wait_accepted(&self, kind: WorkshopKind, timeout: Duration) -> Result<String, KubeError> {
        self.blocked(
            Blocks::Controller,
            &format!("{} {} to be Accepted", kind.kind_name(), self.name_of(kind)),
        )?;
        let r = &self.resources;
        let waited = match kind {
            WorkshopKind::Backend => wait_reason(self.api(), &r.backend.name_any(), backend_condition, timeout).await,
            WorkshopKind::Route => wait_reason(self.api(), &r.route.name_any(), route_condition, timeout).await,
            WorkshopKind::Policy => wait_reason(self.api(), &r.policy.name_any(), policy_condition, timeout).await,
            other => return Err(KubeError::UnknownKind(format!("{other:?} has no Accepted condition"))),
        };
        match waited {
            Err(KubeError::Timeout(..)) => {
                let status = match self.condition(kind).await {
                    Ok(Some(condition)) => format!(
                        "its condition is {} {} ({}){}",
                        condition.kind,
                        condition.status,
                        condition.reason.unwrap_or_default(),
                        condition
                            .message
                            .filter(|m| !m.is_empty())
                            .map(|m| format!(": {m}"))
                            .unwrap_or_default()
                    ),
                    Ok(None) => "no status: no controller has seen this object (the agentgateway controller \
                                 sets it; is it installed and running? kind/setup.sh installs it)"
                        .to_owned(),
                    Err(err) => format!("its status cannot be read: {err}"),
                };
                Err(KubeError::NotAccepted {
                    kind: kind.kind_name(),
                    name: self.name_of(kind),
                    timeout,
                    status,
                })
            }
            other => other,
        }
    }

    /// The name the workshop gives the resource of `kind`.
    pub fn name_of(&self, kind: WorkshopKind) -> String {
        let r = &self.resources;
        match kind {
            WorkshopKind::Deployment => r.deployment.name_any(),
            WorkshopKind::Service => r.service.name_any(),
            WorkshopKind::Secret => r.secret.name_any(),
            WorkshopKind::Backend => r.backend.name_any(),
            WorkshopKind::Route => r.route.name_any(),
            WorkshopKind::Policy => r.policy.name_any(),
        }
    }

    /// The condition at the resource's status path now, as the workshop reads it.
    pub async fn condition(&self, kind: WorkshopKind) -> Result<Option<StatusCondition>, KubeError> {
        let name = self.name_of(kind);
        Ok(match kind {
            WorkshopKind::Backend => backend_condition(Some(&self.api().get(&name).await?)).cloned(),
            WorkshopKind::Route => route_condition(Some(&self.api().get(&name).await?)).cloned(),
            WorkshopKind::Policy => policy_condition(Some(&self.api().get(&name).await?)).cloned(),
            _ => None,
        })
    }

    /// The reason at the resource's status path now, as `kubectl get -o jsonpath` prints it.
    pub async fn reason(&self, kind: WorkshopKind) -> Result<Option<String>, KubeError> {
        Ok(self.condition(kind).await?.and_then(|c| c.reason))
    }

    /// Cleanup: deletes the six resources, policy first, and waits until each is gone.
    pub async fn delete_all(&self, timeout: Duration) -> Result<(), KubeError> {
        let r = &self.resources;
        delete(self.api::<AgentgatewayPolicy>(), &r.policy.name_any(), timeout).await?;
        delete(self.api::<HTTPRoute>(), &r.route.name_any(), timeout).await?;
        delete(self.api::<AgentgatewayBackend>(), &r.backend.name_any(), timeout).await?;
        delete(self.api::<Secret>(), &r.secret.name_any(), timeout).await?;
        delete(self.api::<Deployment>(), &r.deployment.name_any(), timeout).await?;
        delete(self.api::<Service>(), &r.service.name_any(), timeout).await
    }

    /// Which of the six still exist.
    pub async fn existing(&self) -> Result<Vec<WorkshopKind>, KubeError> {
        let r = &self.resources;
        let mut found = Vec::new();
        let checks = [
            (
                WorkshopKind::Deployment,
                exists(self.api::<Deployment>(), &r.deployment.name_any()).await?,
            ),
            (
                WorkshopKind::Service,
                exists(self.api::<Service>(), &r.service.name_any()).await?,
            ),
            (
                WorkshopKind::Secret,
                exists(self.api::<Secret>(), &r.secret.name_any()).await?,
            ),
            (
                WorkshopKind::Backend,
                exists(self.api::<AgentgatewayBackend>(), &r.backend.name_any()).await?,
            ),
            (
                WorkshopKind::Route,
                exists(self.api::<HTTPRoute>(), &r.route.name_any()).await?,
            ),
            (
                WorkshopKind::Policy,
                exists(self.api::<AgentgatewayPolicy>(), &r.policy.name_any()).await?,
            ),
        ];
        for (kind, present) in checks {
            if present {
                found.push(kind);
            }
        }
        Ok(found)
    }

    /// A running pod selected by `selector`, e.g. `app=mock-vllm`.
    pub async fn running_pod(&self, selector: &str) -> Result<String, KubeError> {
        running_pod(&self.api::<Pod>(), selector).await
    }

    /// The mock's log, as `kubectl logs -l app=mock-vllm -c server --tail=N`.
    pub async fn mock_log(&self, tail_lines: i64) -> Result<String, KubeError> {
        let pod = self.running_pod(super::MOCK_SELECTOR).await?;
        let params = LogParams {
            container: Some("server".to_owned()),
            tail_lines: Some(tail_lines),
            ..LogParams::default()
        };
        Ok(self.api::<Pod>().logs(&pod, &params).await?)
    }

    /// The logs of every running pod `selector` picks, oldest pod first, as
    /// `kubectl logs -l <selector>` prints them (the Gateway's proxy may run several replicas).
    pub async fn pod_logs(&self, selector: &str) -> Result<String, KubeError> {
        let pods = self.api::<Pod>();
        let mut running: Vec<Pod> = pods
            .list(&ListParams::default().labels(selector))
            .await?
            .items
            .into_iter()
            .filter(is_running)
            .collect();
        running.sort_by(|a, b| a.metadata.creation_timestamp.cmp(&b.metadata.creation_timestamp));
        let mut text = String::new();
        for pod in running {
            text.push_str(&pods.logs(&pod.name_any(), &LogParams::default()).await?);
        }
        Ok(text)
    }

    /// `ip:port` the mock is reached at inside the cluster: its Service's cluster IP and its
    /// running pods' IPs (a gateway may dial either, depending on how it resolves the host).
    pub async fn mock_endpoints(&self, port: u16) -> Result<Vec<String>, KubeError> {
        let service = self.api::<Service>().get(&self.resources.service.name_any()).await?;
        let cluster_ip = service.spec.and_then(|s| s.cluster_ip).into_iter();
        let pods = self
            .api::<Pod>()
            .list(&ListParams::default().labels(super::MOCK_SELECTOR))
            .await?;
        let pod_ips = pods
            .items
            .into_iter()
            .filter(is_running)
            .filter_map(|p| p.status.and_then(|s| s.pod_ip));
        Ok(cluster_ip.chain(pod_ips).map(|ip| format!("{ip}:{port}")).collect())
    }

    /// The image of the first container of a running pod `selector` picks.
    pub async fn pod_image(&self, selector: &str) -> Result<Option<String>, KubeError> {
        let pods = self.api::<Pod>().list(&ListParams::default().labels(selector)).await?;
        Ok(pods
            .items
            .into_iter()
            .find(is_running)
            .and_then(|p| p.spec)
            .and_then(|s| s.containers.into_iter().next())
            .and_then(|c| c.image))
    }

    pub fn pods(&self) -> Api<Pod> {
        self.api()
    }
}

fn is_running(pod: &Pod) -> bool {
    pod.metadata.deletion_timestamp.is_none() && pod.status.as_ref().and_then(|s| s.phase.as_deref()) == Some("Running")
}

/// A running pod among `pods` selected by `selector`.
pub async fn running_pod(pods: &Api<Pod>, selector: &str) -> Result<String, KubeError> {
    let list = pods.list(&ListParams::default().labels(selector)).await?;
    list.items
        .iter()
        .find(|p| is_running(p))
        .map(|p| p.name_any())
        .ok_or_else(|| KubeError::NoPod(selector.to_owned()))
}

/// `status.conditions[0]`
pub fn backend_condition(b: Option<&AgentgatewayBackend>) -> Option<&StatusCondition> {
    b.and_then(|b| b.status.as_ref())?.conditions.first()
}

/// `status.parents[0].conditions[0]`
pub fn route_condition(r: Option<&HTTPRoute>) -> Option<&StatusCondition> {
    r.and_then(|r| r.status.as_ref())?.parents.first()?.conditions.first()
}

/// `status.ancestors[0].conditions[0]`
pub fn policy_condition(p: Option<&AgentgatewayPolicy>) -> Option<&StatusCondition> {
    p.and_then(|p| p.status.as_ref())?.ancestors.first()?.conditions.first()
}

async fn apply<K>(api: Api<K>, object: &K) -> Result<(), KubeError>
where
    K: Resource + Clone + DeserializeOwned + Serialize + std::fmt::Debug,
{
    let params = PatchParams::apply(FIELD_MANAGER).force();
    api.patch(&object.name_any(), &params, &Patch::Apply(object)).await?;
    Ok(())
}

/// Waits for the reason of the condition `condition_of` reads to be Accepted (or Valid), and
/// returns it from the object the watch delivered (no second read).
async fn wait_reason<K>(
    api: Api<K>,
    name: &str,
    condition_of: fn(Option<&K>) -> Option<&StatusCondition>,
    timeout: Duration,
) -> Result<String, KubeError>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug + Send + 'static,
    K::DynamicType: Default,
{
    let reason_of = move |object: Option<&K>| condition_of(object).and_then(|c| c.reason.clone());
    let accepted = move |object: Option<&K>| reason_of(object).is_some_and(|r| ACCEPTED_REASONS.contains(&r.as_str()));
    let what = format!("{} {name} to be Accepted", K::kind(&K::DynamicType::default()));
    let object = wait(api, name, accepted, timeout, &what).await?;
    Ok(reason_of(object.as_ref()).unwrap_or_default())
}

/// Waits for `cond` on the named object, returning the object that met it.
async fn wait<K>(
    api: Api<K>,
    name: &str,
    cond: impl Condition<K>,
    timeout: Duration,
    what: &str,
) -> Result<Option<K>, KubeError>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug + Send + 'static,
{
    match tokio::time::timeout(timeout, await_condition(api, name, cond)).await {
        Ok(Ok(object)) => Ok(object),
        Ok(Err(source)) => Err(KubeError::Wait {
            what: what.to_owned(),
            source,
        }),
        Err(_) => Err(KubeError::Timeout(timeout, what.to_owned())),
    }
}

async fn delete<K>(api: Api<K>, name: &str, timeout: Duration) -> Result<(), KubeError>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug + Send + 'static,
{
    let uid = match api.get_opt(name).await? {
        Some(object) => object.uid().unwrap_or_default(),
        None => return Ok(()),
    };
    api.delete(name, &DeleteParams::default()).await?;
    wait(
        api,
        name,
        conditions::is_deleted(&uid),
        timeout,
        &format!("{name} to be deleted"),
    )
    .await?;
    Ok(())
}

async fn exists<K>(api: Api<K>, name: &str) -> Result<bool, KubeError>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    Ok(api.get_opt(name).await?.is_some())
}
