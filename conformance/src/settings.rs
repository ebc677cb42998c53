//! What a run is asked to do, read from the environment once.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `CONFORMANCE_TARGET` | comma-separated targets to run | every target |
//! | `CONFORMANCE_REQUIRE` | components whose absence fails the run instead of skipping | none |
//! | `CONFORMANCE_NAMESPACE` | the workshop's namespace | `enterprise-agentgateway` |
//! | `CONFORMANCE_GATEWAY_NAME` | the Gateway the HTTPRoute attaches to | `agentgateway` |
//! | `CONFORMANCE_API_KEY` | the vLLM API key put in the Secret | `sk-workshop-vllm-key` |
//! | `CONFORMANCE_MOCK_IMAGE` | the mock-vllm image (container and kind targets) | `mock-vllm:dev` |
//! | `CONFORMANCE_GATEWAY_URL` | where the kind target reaches the gateway | `http://localhost:8080` |
//! | `CONFORMANCE_GATEWAY_PORT` | the Gateway's listener port, for a port-forward to its pod | `8080` |
//! | `CONFORMANCE_KUBE_CONTEXT` | kubeconfig context for the kind target | the current one |
//! | `CONFORMANCE_TAGS`, `CONFORMANCE_NAME` | tag expression / scenario-name regex to run | all |
//! | `LITELLM_BIN` | the LiteLLM proxy | `.venv/bin/litellm`, then `litellm` on PATH |
//! | `AGENTGATEWAY_BIN`, `AGENTGATEWAY_IMAGE` | a standalone agentgateway | none |

use std::fmt;
use std::str::FromStr;

use crate::workshop::Workshop;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TargetName {
    Direct,
    Container,
    Litellm,
    Agentgateway,
    Kind,
}

impl TargetName {
    pub const ALL: [TargetName; 5] = [
        TargetName::Direct,
        TargetName::Container,
        TargetName::Litellm,
        TargetName::Agentgateway,
        TargetName::Kind,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TargetName::Direct => "direct",
            TargetName::Container => "container",
            TargetName::Litellm => "litellm",
            TargetName::Agentgateway => "agentgateway",
            TargetName::Kind => "kind",
        }
    }
}

impl fmt::Display for TargetName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown target `{0}` (expected one of direct, container, litellm, agentgateway, kind)")]
pub struct UnknownTarget(String);

impl FromStr for TargetName {
    type Err = UnknownTarget;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        TargetName::ALL
            .into_iter()
            .find(|t| t.as_str() == s.trim())
            .ok_or_else(|| UnknownTarget(s.trim().to_owned()))
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub targets: Vec<TargetName>,
    /// Components CI must have (targets, and `openai-sdk`).
    pub required: Vec<String>,
    pub workshop: Workshop,
    pub mock_image: String,
    pub gateway_url: String,
    /// The port the Gateway's pod listens on (its listener's port).
    pub gateway_port: u16,
    pub kube_context: Option<String>,
    pub litellm_bin: Option<String>,
    pub agentgateway_bin: Option<String>,
    pub agentgateway_image: Option<String>,
    pub tags: Option<String>,
    pub name: Option<String>,
}

impl Settings {
    pub fn from_env() -> Result<Self, UnknownTarget> {
        Self::from_lookup(|key| std::env::var(key).ok().filter(|v| !v.trim().is_empty()))
    }

    /// Reads the settings through `get`, so tests can supply their own environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, UnknownTarget> {
        let list = |key: &str| -> Vec<String> {
            get(key)
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        let targets = match list("CONFORMANCE_TARGET") {
            names if names.is_empty() => TargetName::ALL.to_vec(),
            names => names.iter().map(|n| n.parse()).collect::<Result<_, _>>()?,
        };
        let defaults = Workshop::default();
        Ok(Settings {
            targets,
            required: list("CONFORMANCE_REQUIRE"),
            workshop: Workshop {
                namespace: get("CONFORMANCE_NAMESPACE").unwrap_or(defaults.namespace),
                gateway_name: get("CONFORMANCE_GATEWAY_NAME").unwrap_or(defaults.gateway_name),
                api_key: get("CONFORMANCE_API_KEY").unwrap_or(defaults.api_key),
            },
            mock_image: get("CONFORMANCE_MOCK_IMAGE").unwrap_or_else(|| "mock-vllm:dev".to_owned()),
            gateway_url: get("CONFORMANCE_GATEWAY_URL").unwrap_or_else(|| "http://localhost:8080".to_owned()),
            gateway_port: get("CONFORMANCE_GATEWAY_PORT")
                .and_then(|p| p.parse().ok())
                .unwrap_or(8080),
            kube_context: get("CONFORMANCE_KUBE_CONTEXT"),
            litellm_bin: get("LITELLM_BIN"),
            agentgateway_bin: get("AGENTGATEWAY_BIN"),
            agentgateway_image: get("AGENTGATEWAY_IMAGE"),
            tags: get("CONFORMANCE_TAGS"),
            name: get("CONFORMANCE_NAME"),
        })
    }

    pub fn requires(&self, component: &str) -> bool {
        self.required.iter().any(|r| r == component)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, UnknownTarget> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from_lookup(|k| vars.get(k).cloned())
    }

    #[test]
    fn every_target_by_default_with_the_workshops_values() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.targets, TargetName::ALL);
        assert_eq!(s.workshop.namespace, "enterprise-agentgateway");
        assert_eq!(s.workshop.gateway_name, "agentgateway");
        assert!(s.required.is_empty());
    }

    #[test]
    fn targets_and_requirements_are_lists() {
        let s = settings(&[
            ("CONFORMANCE_TARGET", "litellm, direct"),
            ("CONFORMANCE_REQUIRE", "direct,litellm"),
            ("CONFORMANCE_NAMESPACE", "ns"),
        ])
        .unwrap();
        assert_eq!(s.targets, [TargetName::Litellm, TargetName::Direct]);
        assert!(s.requires("litellm") && !s.requires("kind"));
        assert_eq!(s.workshop.namespace, "ns");
    }

    #[test]
    fn unknown_targets_are_refused() {
        let err = settings(&[("CONFORMANCE_TARGET", "direct,nope")]).unwrap_err();
        assert_eq!(err, UnknownTarget("nope".into()));
    }
}
