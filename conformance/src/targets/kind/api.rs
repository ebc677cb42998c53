//! The workshop's resources through the Kubernetes API: apply, wait, read, delete.
//!
//! Everything is server-side apply with one field manager, so a rerun is idempotent and a
//! user's own changes to other fields survive. Waiting is `await_condition` on a watch, with a
//! timeout, never a sleep loop. Conditions are read exactly where the workshop reads them.

use std::time::Duration;

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Secret, Service};
use kube::api::{Api, DeleteParams, ListParams, LogParams, Patch, PatchParams};
use kube::runtime::wait::{Condition, await_condition, conditions};
use kube::{Client, Resource, ResourceExt};
use serde::Serialize;
use serde::de::DeserializeOwned;

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

    pub fn parse(kind: &str) -> Result<Self, KubeError> {
        match kind {
            "Deployment" => Ok(WorkshopKind::Deployment),
            "Service" => Ok(WorkshopKind::Service),
            "Secret" => Ok(WorkshopKind::Secret),
            "AgentgatewayBackend" => Ok(WorkshopKind::Backend),
            "HTTPRoute" => Ok(WorkshopKind::Route),
            "AgentgatewayPolicy" => Ok(WorkshopKind::Policy),
            other => Err(KubeError::UnknownKind(other.to_owned())),
        }
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
}

impl WorkshopApi {
    pub fn new(client: Client, namespace: &str, resources: WorkshopResources) -> Self {
        WorkshopApi {
            client,
            namespace: namespace.to_owned(),
            resources,
        }
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
        let name = self.resources.deployment.name_any();
        let ready = |d: Option<&Deployment>| {
            d.and_then(|d| d.status.as_ref())
                .and_then(|s| s.ready_replicas)
                .is_some_and(|n| n >= 1)
        };
        wait(
            self.api::<Deployment>(),
            &name,
            ready,
            timeout,
            "the mock-vllm Deployment to be ready",
        )
        .await?;
        Ok(())
    }

    /// The value the Secret holds under `key`, decoded.
    pub async fn secret_value(&self, key: &str) -> Result<Option<String>, KubeError> {
        let secret = self.api::<Secret>().get(&self.resources.secret.name_any()).await?;
        Ok(secret
            .data
            .and_then(|d| d.get(key).map(|v| String::from_utf8_lossy(&v.0).into_owned())))
    }

    /// Waits until the status reason the workshop reads is Accepted (or Valid), and returns it.
    pub async fn wait_accepted(&self, kind: WorkshopKind, timeout: Duration) -> Result<String, KubeError> {
        let r = &self.resources;
        match kind {
            WorkshopKind::Backend => wait_reason(self.api(), &r.backend.name_any(), backend_reason, timeout).await,
            WorkshopKind::Route => wait_reason(self.api(), &r.route.name_any(), route_reason, timeout).await,
            WorkshopKind::Policy => wait_reason(self.api(), &r.policy.name_any(), policy_reason, timeout).await,
            other => Err(KubeError::UnknownKind(format!("{other:?} has no Accepted condition"))),
        }
    }

    /// The reason at the resource's status path now, as `kubectl get -o jsonpath` prints it.
    pub async fn reason(&self, kind: WorkshopKind) -> Result<Option<String>, KubeError> {
        Ok(match kind {
            WorkshopKind::Backend => {
                let b = self
                    .api::<AgentgatewayBackend>()
                    .get(&self.resources.backend.name_any())
                    .await?;
                backend_reason(Some(&b)).map(str::to_owned)
            }
            WorkshopKind::Route => {
                let r = self.api::<HTTPRoute>().get(&self.resources.route.name_any()).await?;
                route_reason(Some(&r)).map(str::to_owned)
            }
            WorkshopKind::Policy => {
                let p = self
                    .api::<AgentgatewayPolicy>()
                    .get(&self.resources.policy.name_any())
                    .await?;
                policy_reason(Some(&p)).map(str::to_owned)
            }
            _ => None,
        })
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

fn first_reason(conditions: &[StatusCondition]) -> Option<&str> {
    conditions.first().and_then(|c| c.reason.as_deref())
}

/// `status.conditions[0].reason`
pub fn backend_reason(b: Option<&AgentgatewayBackend>) -> Option<&str> {
    b.and_then(|b| b.status.as_ref())
        .and_then(|s| first_reason(&s.conditions))
}

/// `status.parents[0].conditions[0].reason`
pub fn route_reason(r: Option<&HTTPRoute>) -> Option<&str> {
    r.and_then(|r| r.status.as_ref())
        .and_then(|s| s.parents.first())
        .and_then(|p| first_reason(&p.conditions))
}

/// `status.ancestors[0].conditions[0].reason`
pub fn policy_reason(p: Option<&AgentgatewayPolicy>) -> Option<&str> {
    p.and_then(|p| p.status.as_ref())
        .and_then(|s| s.ancestors.first())
        .and_then(|a| first_reason(&a.conditions))
}

async fn apply<K>(api: Api<K>, object: &K) -> Result<(), KubeError>
where
    K: Resource + Clone + DeserializeOwned + Serialize + std::fmt::Debug,
{
    let params = PatchParams::apply(FIELD_MANAGER).force();
    api.patch(&object.name_any(), &params, &Patch::Apply(object)).await?;
    Ok(())
}

/// Waits for the reason `reason_of` reads to be Accepted (or Valid), and returns it from the
/// object the watch delivered (no second read).
async fn wait_reason<K>(
    api: Api<K>,
    name: &str,
    reason_of: fn(Option<&K>) -> Option<&str>,
    timeout: Duration,
) -> Result<String, KubeError>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug + Send + 'static,
    K::DynamicType: Default,
{
    let accepted = move |object: Option<&K>| reason_of(object).is_some_and(|r| ACCEPTED_REASONS.contains(&r));
    let what = format!("{} {name} to be Accepted", K::kind(&K::DynamicType::default()));
    let object = wait(api, name, accepted, timeout, &what).await?;
    Ok(reason_of(object.as_ref()).unwrap_or_default().to_owned())
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
