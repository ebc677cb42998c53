//! What a run is asked to do, read from the environment once.
//!
//! The run's own settings live here; a target reads its own variables (`LITELLM_BIN`,
//! `AGENTGATEWAY_BIN`, ...) through [`Env`] when it starts, so adding a target adds no field
//! here. A variable that is set but does not parse is an error naming it, never a silent default.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `CONFORMANCE_TARGET` | comma-separated targets to run; a named target must run | every target |
//! | `CONFORMANCE_REQUIRE` | components whose absence fails the run instead of skipping | none |
//! | `CONFORMANCE_NAMESPACE` | the workshop's namespace | `enterprise-agentgateway` |
//! | `CONFORMANCE_GATEWAY_NAME` | the Gateway the HTTPRoute attaches to | `agentgateway` |
//! | `CONFORMANCE_API_KEY` | the vLLM API key put in the Secret | `sk-workshop-vllm-key` |
//! | `CONFORMANCE_MOCK_IMAGE` | the mock-vllm image (container, agentgateway image, kind) | `mock-vllm:dev` |
//! | `CONFORMANCE_TAGS` | a tag expression selecting scenarios | all |
//! | `CONFORMANCE_NAME` | a regex on `Feature: Scenario` names | all |

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use cucumber::codegen::Regex;
use cucumber::gherkin::tagexpr::TagOperation;

use crate::workshop::Workshop;

/// A variable that is set to something the suite cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}={value:?}: {reason}")]
pub struct SettingsError {
    pub variable: String,
    pub value: String,
    pub reason: String,
}

type Lookup = dyn Fn(&str) -> Option<String> + Send + Sync;

/// The environment, as the suite reads it: unset and blank are the same.
#[derive(Clone)]
pub struct Env(Arc<Lookup>);

impl Env {
    /// The process environment.
    pub fn process() -> Self {
        Env::from_fn(|key| std::env::var(key).ok())
    }

    /// An environment of the caller's, e.g. a test's map.
    pub fn from_fn(get: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Env(Arc::new(get))
    }

    pub fn get(&self, key: &str) -> Option<String> {
        (self.0)(key).filter(|v| !v.trim().is_empty())
    }

    /// `key` parsed as `T`; an error naming `key` when it is set and does not parse.
    pub fn parse<T>(&self, key: &str) -> Result<Option<T>, SettingsError>
    where
        T: FromStr,
        T::Err: fmt::Display,
    {
        self.get(key)
            .map(|value| {
                value.trim().parse().map_err(|err: T::Err| SettingsError {
                    variable: key.to_owned(),
                    value: value.clone(),
                    reason: err.to_string(),
                })
            })
            .transpose()
    }

    /// A comma-separated list; empty when unset.
    pub fn list(&self, key: &str) -> Vec<String> {
        self.get(key)
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Env")
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// The targets the user named (`crate::targets::selected` resolves them): each must run,
    /// none is skipped for being absent. `None`: every target, each where it is found.
    pub targets: Option<Vec<String>>,
    /// Components CI must have (targets, `openai-sdk`, `crds`, `fuzz`).
    pub required: Vec<String>,
    pub workshop: Workshop,
    pub mock_image: String,
    pub tags: Option<TagOperation>,
    pub name: Option<Regex>,
    /// For the variables each target reads itself.
    pub env: Env,
}

impl Settings {
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from(Env::process())
    }

    pub fn from(env: Env) -> Result<Self, SettingsError> {
        let named = env.list("CONFORMANCE_TARGET");
        let defaults = Workshop::default();
        let tags = env.get("CONFORMANCE_TAGS").map(|expr| {
            expr.parse::<TagOperation>().map_err(|err| SettingsError {
                variable: "CONFORMANCE_TAGS".to_owned(),
                value: expr.clone(),
                reason: format!("not a tag expression: {err}"),
            })
        });
        Ok(Settings {
            targets: (!named.is_empty()).then_some(named),
            required: env.list("CONFORMANCE_REQUIRE"),
            workshop: Workshop {
                namespace: env.get("CONFORMANCE_NAMESPACE").unwrap_or(defaults.namespace),
                gateway_name: env.get("CONFORMANCE_GATEWAY_NAME").unwrap_or(defaults.gateway_name),
                api_key: env.get("CONFORMANCE_API_KEY").unwrap_or(defaults.api_key),
            },
            mock_image: env
                .get("CONFORMANCE_MOCK_IMAGE")
                .unwrap_or_else(|| "mock-vllm:dev".to_owned()),
            tags: tags.transpose()?,
            name: env.parse("CONFORMANCE_NAME")?,
            env,
        })
    }

    pub fn requires(&self, component: &str) -> bool {
        self.required.iter().any(|r| r == component)
    }

    /// Whether a target must run: the user named it, or CI requires it.
    pub fn insists_on(&self, target: &str) -> bool {
        self.targets.is_some() || self.requires(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Settings::from(Env::from_fn(move |k| vars.get(k).cloned()))
    }

    fn names(s: &Settings) -> Vec<&str> {
        crate::targets::selected(s).unwrap().iter().map(|t| t.name).collect()
    }

    #[test]
    fn every_target_by_default_with_the_workshops_values() {
        let s = settings(&[]).unwrap();
        let registered: Vec<&str> = crate::targets::REGISTRY.iter().map(|t| t.name).collect();
        assert_eq!(names(&s), registered);
        assert_eq!(names(&s).first(), Some(&"direct"), "the mock alone runs first");
        assert!(s.targets.is_none());
        assert_eq!(s.workshop.namespace, "enterprise-agentgateway");
        assert_eq!(s.workshop.gateway_name, "agentgateway");
        assert!(s.required.is_empty());
    }

    #[test]
    fn targets_and_requirements_are_lists() {
        let s = settings(&[
            ("CONFORMANCE_TARGET", "litellm, direct"),
            ("CONFORMANCE_REQUIRE", "direct,openai-sdk"),
            ("CONFORMANCE_NAMESPACE", "ns"),
        ])
        .unwrap();
        assert_eq!(names(&s), ["litellm", "direct"]);
        assert!(s.insists_on("litellm"));
        assert!(s.requires("openai-sdk") && !s.requires("kind"));
        assert_eq!(s.workshop.namespace, "ns");
    }

    #[test]
    fn malformed_values_are_errors_naming_the_variable() {
        let named = settings(&[("CONFORMANCE_TARGET", "direct,nope")]).unwrap();
        let err = crate::targets::selected(&named).unwrap_err();
        assert_eq!(err.variable, "CONFORMANCE_TARGET");
        assert!(err.to_string().contains("\"nope\""), "{err}");

        let err = settings(&[("CONFORMANCE_TAGS", "@mock and and")]).unwrap_err();
        assert_eq!(err.variable, "CONFORMANCE_TAGS");

        let err = settings(&[("CONFORMANCE_NAME", "Step (6")]).unwrap_err();
        assert_eq!(err.variable, "CONFORMANCE_NAME");
    }

    #[test]
    fn tag_expressions_and_name_patterns_parse() {
        let s = settings(&[
            ("CONFORMANCE_TAGS", "@mock and not @slow"),
            ("CONFORMANCE_NAME", "Step 6"),
        ])
        .unwrap();
        assert!(s.tags.is_some() && s.name.is_some());
    }

    #[test]
    fn a_number_that_does_not_parse_names_its_variable() {
        let env = Env::from_fn(|k| (k == "CONFORMANCE_GATEWAY_PORT").then(|| "80x".to_owned()));
        let err = env.parse::<u16>("CONFORMANCE_GATEWAY_PORT").unwrap_err();
        assert_eq!(
            err.to_string(),
            "CONFORMANCE_GATEWAY_PORT=\"80x\": invalid digit found in string"
        );
        assert_eq!(Env::from_fn(|_| None).parse::<u16>("X").unwrap(), None);
    }
}
