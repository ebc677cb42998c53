//! The workshop's six Kubernetes resources as types, loaded from `kind/manifests/`.
//!
//! The manifests are the one source: `kubectl apply -f kind/manifests` applies them as they are,
//! and the kind target loads the same files, sets the run's namespace, key and image, and
//! applies them through kube-rs. Deployment, Service and Secret are k8s-openapi's types; the
//! Agent Gateway and Gateway API kinds are typed here with the fields the workshop uses.

use indexmap::IndexMap;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Secret, Service};
use kube::CustomResource;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::workshop::{self, Workshop};

/// A status condition, as every kind here reports it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    #[serde(rename = "type")]
    pub kind: String,
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// `AgentgatewayBackend` (Step 3): an AI backend with an OpenAI-compatible provider.
#[derive(CustomResource, Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "agentgateway.dev",
    version = "v1alpha1",
    kind = "AgentgatewayBackend",
    namespaced,
    status = "BackendStatus"
)]
pub struct AgentgatewayBackendSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai: Option<AiBackend>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policies: Option<BackendPolicies>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AiBackend {
    pub provider: AiProvider,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct AiProvider {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub openai: Option<OpenAiProvider>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct OpenAiProvider {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BackendPolicies {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth: Option<BackendAuth>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct BackendAuth {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<LocalRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct LocalRef {
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct BackendStatus {
    #[serde(default)]
    pub conditions: Vec<Condition>,
}

/// `HTTPRoute` (Step 4), with the Gateway API fields the workshop uses.
#[derive(CustomResource, Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "gateway.networking.k8s.io",
    version = "v1",
    kind = "HTTPRoute",
    namespaced,
    status = "RouteStatus"
)]
#[serde(rename_all = "camelCase")]
pub struct HTTPRouteSpec {
    #[serde(default)]
    pub parent_refs: Vec<ObjectRef>,
    #[serde(default)]
    pub rules: Vec<RouteRule>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct ObjectRef {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct RouteRule {
    #[serde(default)]
    pub matches: Vec<RouteMatch>,
    #[serde(default)]
    pub backend_refs: Vec<ObjectRef>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RouteMatch {
    pub path: PathMatch,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PathMatch {
    #[serde(rename = "type")]
    pub kind: String,
    pub value: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RouteStatus {
    #[serde(default)]
    pub parents: Vec<ParentStatus>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParentStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub controller_name: Option<String>,
    #[serde(default)]
    pub conditions: Vec<Condition>,
}

/// `AgentgatewayPolicy` (Step 5): the route types of the AI backend behind an HTTPRoute.
#[derive(CustomResource, Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[kube(
    group = "agentgateway.dev",
    version = "v1alpha1",
    kind = "AgentgatewayPolicy",
    namespaced,
    status = "PolicyStatus"
)]
#[serde(rename_all = "camelCase")]
pub struct AgentgatewayPolicySpec {
    #[serde(default)]
    pub target_refs: Vec<ObjectRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backend: Option<PolicyBackend>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyBackend {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ai: Option<PolicyAi>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyAi {
    /// URL path suffix (or `*`) to route type, in the order written.
    #[serde(default)]
    pub routes: IndexMap<String, RouteType>,
}

/// How Agent Gateway treats a request on an AI route (the CRD's enum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum RouteType {
    AnthropicTokenCount,
    Completions,
    Detect,
    Embeddings,
    Messages,
    Models,
    Passthrough,
    Realtime,
    Responses,
}

impl RouteType {
    /// The spelling of agentgateway's standalone config: lower camel case.
    pub fn standalone_name(self) -> &'static str {
        match self {
            RouteType::AnthropicTokenCount => "anthropicTokenCount",
            RouteType::Completions => "completions",
            RouteType::Detect => "detect",
            RouteType::Embeddings => "embeddings",
            RouteType::Messages => "messages",
            RouteType::Models => "models",
            RouteType::Passthrough => "passthrough",
            RouteType::Realtime => "realtime",
            RouteType::Responses => "responses",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct PolicyStatus {
    #[serde(default)]
    pub ancestors: Vec<ParentStatus>,
}

/// The manifests, as committed.
pub const MANIFESTS: [(&str, &str); 5] = [
    (
        "01-mock-vllm.yaml",
        include_str!("../../kind/manifests/01-mock-vllm.yaml"),
    ),
    ("02-secret.yaml", include_str!("../../kind/manifests/02-secret.yaml")),
    ("03-backend.yaml", include_str!("../../kind/manifests/03-backend.yaml")),
    (
        "04-httproute.yaml",
        include_str!("../../kind/manifests/04-httproute.yaml"),
    ),
    ("05-policy.yaml", include_str!("../../kind/manifests/05-policy.yaml")),
];

#[derive(Debug, thiserror::Error)]
pub enum ManifestError {
    #[error("{file}: {source}")]
    Parse {
        file: &'static str,
        #[source]
        source: serde_yaml_ng::Error,
    },
    #[error("{file}: unexpected kind `{kind}`")]
    UnexpectedKind { file: &'static str, kind: String },
    #[error("the manifests lack a {0}")]
    Missing(&'static str),
}

/// The six resources of Steps 1-5.
#[derive(Debug, Clone)]
pub struct WorkshopResources {
    pub deployment: Deployment,
    pub service: Service,
    pub secret: Secret,
    pub backend: AgentgatewayBackend,
    pub route: HTTPRoute,
    pub policy: AgentgatewayPolicy,
}

#[derive(Default)]
struct Loaded {
    deployment: Option<Deployment>,
    service: Option<Service>,
    secret: Option<Secret>,
    backend: Option<AgentgatewayBackend>,
    route: Option<HTTPRoute>,
    policy: Option<AgentgatewayPolicy>,
}

impl WorkshopResources {
    /// The manifests exactly as committed.
    pub fn from_manifests() -> Result<Self, ManifestError> {
        let mut loaded = Loaded::default();
        for (file, text) in MANIFESTS {
            for document in serde_yaml_ng::Deserializer::from_str(text) {
                let value = serde_yaml_ng::Value::deserialize(document)
                    .map_err(|source| ManifestError::Parse { file, source })?;
                let kind = value
                    .get("kind")
                    .and_then(|k| k.as_str())
                    .unwrap_or_default()
                    .to_owned();
                let parse = |value| ManifestError::Parse { file, source: value };
                match kind.as_str() {
                    "Deployment" => loaded.deployment = Some(serde_yaml_ng::from_value(value).map_err(parse)?),
                    "Service" => loaded.service = Some(serde_yaml_ng::from_value(value).map_err(parse)?),
                    "Secret" => loaded.secret = Some(serde_yaml_ng::from_value(value).map_err(parse)?),
                    "AgentgatewayBackend" => loaded.backend = Some(serde_yaml_ng::from_value(value).map_err(parse)?),
                    "HTTPRoute" => loaded.route = Some(serde_yaml_ng::from_value(value).map_err(parse)?),
                    "AgentgatewayPolicy" => loaded.policy = Some(serde_yaml_ng::from_value(value).map_err(parse)?),
                    _ => return Err(ManifestError::UnexpectedKind { file, kind }),
                }
            }
        }
        Ok(WorkshopResources {
            deployment: loaded.deployment.ok_or(ManifestError::Missing("Deployment"))?,
            service: loaded.service.ok_or(ManifestError::Missing("Service"))?,
            secret: loaded.secret.ok_or(ManifestError::Missing("Secret"))?,
            backend: loaded.backend.ok_or(ManifestError::Missing("AgentgatewayBackend"))?,
            route: loaded.route.ok_or(ManifestError::Missing("HTTPRoute"))?,
            policy: loaded.policy.ok_or(ManifestError::Missing("AgentgatewayPolicy"))?,
        })
    }

    /// The manifests with a run's namespace, Gateway, API key and mock image.
    pub fn for_run(workshop: &Workshop, mock_image: &str) -> Result<Self, ManifestError> {
        let mut r = Self::from_manifests()?;
        let ns = Some(workshop.namespace.clone());
        r.deployment.metadata.namespace = ns.clone();
        r.service.metadata.namespace = ns.clone();
        r.secret.metadata.namespace = ns.clone();
        r.backend.metadata.namespace = ns.clone();
        r.route.metadata.namespace = ns.clone();
        r.policy.metadata.namespace = ns.clone();

        if let Some(container) = r
            .deployment
            .spec
            .template
            .spec
            .as_mut()
            .and_then(|s| s.containers.first_mut())
        {
            container.image = Some(mock_image.to_owned());
        }
        r.secret.string_data = Some([(workshop::SECRET_KEY.to_owned(), workshop.api_key.clone())].into());
        if let Some(ai) = r.backend.spec.ai.as_mut() {
            ai.provider.host = Some(workshop.mock_host());
        }
        for parent in &mut r.route.spec.parent_refs {
            parent.name = workshop.gateway_name.clone();
            parent.namespace = ns.clone();
        }
        for backend in r.route.spec.rules.iter_mut().flat_map(|rule| &mut rule.backend_refs) {
            backend.namespace = ns.clone();
        }
        Ok(r)
    }

    /// The route types of Step 5's policy, in the order written.
    pub fn route_types(&self) -> Vec<(String, RouteType)> {
        self.policy
            .spec
            .backend
            .as_ref()
            .and_then(|b| b.ai.as_ref())
            .map(|ai| ai.routes.iter().map(|(k, v)| (k.clone(), *v)).collect())
            .unwrap_or_default()
    }

    /// The route's path prefix (Step 4).
    pub fn route_prefix(&self) -> Option<&str> {
        self.route
            .spec
            .rules
            .first()
            .and_then(|r| r.matches.first())
            .map(|m| m.path.value.as_str())
    }

    /// The provider of Step 3's backend.
    pub fn provider(&self) -> Option<&AiProvider> {
        self.backend.spec.ai.as_ref().map(|ai| &ai.provider)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workshop::*;

    #[test]
    fn manifests_carry_the_workshops_values() {
        let r = WorkshopResources::from_manifests().unwrap();
        let ns = Some("enterprise-agentgateway".to_owned());
        for meta in [
            &r.deployment.metadata,
            &r.service.metadata,
            &r.secret.metadata,
            &r.backend.metadata,
            &r.route.metadata,
            &r.policy.metadata,
        ] {
            assert_eq!(meta.namespace, ns);
        }
        assert_eq!(r.deployment.metadata.name.as_deref(), Some(MOCK_NAME));
        let pod = r.deployment.spec.template.spec.as_ref().unwrap();
        let server = &pod.containers[0];
        assert_eq!(server.name, "server");
        assert_eq!(server.ports.as_ref().unwrap()[0].container_port, 8000);
        let probe = server.readiness_probe.as_ref().unwrap().http_get.as_ref().unwrap();
        assert_eq!(probe.path.as_deref(), Some("/health"));
        assert!(server.liveness_probe.is_some());
        assert_eq!(r.service.spec.as_ref().unwrap().ports.as_ref().unwrap()[0].port, 8000);

        assert_eq!(r.secret.metadata.name.as_deref(), Some(SECRET_NAME));
        assert!(r.secret.string_data.as_ref().unwrap().contains_key(SECRET_KEY));

        let provider = r.provider().unwrap();
        assert_eq!(provider.openai.as_ref().unwrap().model.as_deref(), Some(MODEL));
        assert_eq!(
            provider.host.as_deref(),
            Some("mock-vllm.enterprise-agentgateway.svc.cluster.local")
        );
        assert_eq!(provider.port, Some(8000));
        assert_eq!(provider.path.as_deref(), Some(UPSTREAM_PATH));
        let auth = r.backend.spec.policies.as_ref().unwrap().auth.as_ref().unwrap();
        assert_eq!(auth.secret_ref.as_ref().unwrap().name, SECRET_NAME);

        assert_eq!(r.route_prefix(), Some(ROUTE_PREFIX));
        assert_eq!(r.route.spec.parent_refs[0].name, "agentgateway");
        let backend_ref = &r.route.spec.rules[0].backend_refs[0];
        assert_eq!(
            (backend_ref.kind.as_deref(), backend_ref.name.as_str()),
            (Some("AgentgatewayBackend"), BACKEND_NAME)
        );

        assert_eq!(r.policy.spec.target_refs[0].name, ROUTE_NAME);
        assert_eq!(
            r.route_types(),
            [
                ("/v1/chat/completions".to_owned(), RouteType::Completions),
                ("/v1/embeddings".to_owned(), RouteType::Passthrough),
                ("/v1/models".to_owned(), RouteType::Passthrough),
                ("*".to_owned(), RouteType::Passthrough),
            ]
        );
    }

    #[test]
    fn a_run_sets_namespace_key_image_and_gateway() {
        let workshop = Workshop {
            namespace: "ns1".into(),
            gateway_name: "gw".into(),
            api_key: "sk-run".into(),
        };
        let r = WorkshopResources::for_run(&workshop, "registry.local/mock-vllm:1").unwrap();
        assert_eq!(r.policy.metadata.namespace.as_deref(), Some("ns1"));
        let image = r.deployment.spec.template.spec.unwrap().containers[0].image.clone();
        assert_eq!(image.as_deref(), Some("registry.local/mock-vllm:1"));
        assert_eq!(r.secret.string_data.unwrap()[SECRET_KEY], "sk-run");
        assert_eq!(
            r.backend.spec.ai.unwrap().provider.host.as_deref(),
            Some("mock-vllm.ns1.svc.cluster.local")
        );
        assert_eq!(r.route.spec.parent_refs[0].name, "gw");
        assert_eq!(r.route.spec.rules[0].backend_refs[0].namespace.as_deref(), Some("ns1"));
    }
}
