//! What the mock does to a request besides answering it: how long it takes ([`timing`]),
//! whether it waits for a running slot ([`capacity`]), whether a fault rule acts on it
//! ([`rules`], each action in [`actions`], [`failures`]), and what the load gauges show
//! ([`scripts`]).
//!
//! Everything is off by default, so the mock answers at once as it always did. The settings
//! here can be read and changed at run time through `GET`/`PATCH /_mock/config`; a change is
//! validated whole and applies to the requests that come after it.

pub mod actions;
pub mod capacity;
pub mod failures;
pub mod rules;
pub mod scripts;
pub mod timing;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use arc_swap::ArcSwap;
use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use capacity::{Limits, Scheduler};
use rules::RuleSet;
use scripts::MetricScripts;
use timing::{Plan, Timing};

/// The settings `/_mock/config` shows and changes, named as the flags are.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct RuntimeConfig {
    #[serde(flatten)]
    pub timing: Timing,
    #[serde(flatten)]
    pub limits: Limits,
    /// Scripted values for the load gauges of `/metrics`.
    pub metrics: MetricScripts,
}

impl RuntimeConfig {
    pub fn validate(&self) -> Result<(), String> {
        self.timing.validate()?;
        self.limits.validate()
    }
}

pub struct Conditions {
    config: ArcSwap<RuntimeConfig>,
    /// Whether `config` times answers, kept beside it: every request asks, and loading the
    /// settings from the `ArcSwap` to learn that it does not costs a request about 150
    /// instructions (`bench/load.py --instructions`).
    timed: AtomicBool,
    /// Held through a patch: patches apply one after the other, the flags above with theirs.
    patching: Mutex<()>,
    /// When the metric scripts were last set: their time origin.
    scripts_since: Mutex<Instant>,
    pub scheduler: Arc<Scheduler>,
    pub rules: RuleSet,
    rng: Mutex<StdRng>,
}

impl Conditions {
    pub fn new(config: RuntimeConfig, seed: u64) -> Result<Self, String> {
        config.validate()?;
        Ok(Conditions {
            scheduler: Scheduler::new(config.limits),
            timed: AtomicBool::new(config.timing.is_on()),
            patching: Mutex::new(()),
            config: ArcSwap::from_pointee(config),
            scripts_since: Mutex::new(Instant::now()),
            rules: RuleSet::new(seed),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        })
    }

    pub fn config(&self) -> Arc<RuntimeConfig> {
        self.config.load_full()
    }

    /// The settings, where they time answers; none, without loading them, where they do not.
    pub fn timed(&self) -> Option<Arc<RuntimeConfig>> {
        self.timed.load(Ordering::Relaxed).then(|| self.config())
    }

    /// Applies a partial update: the fields given replace theirs (`metrics` field by field).
    /// Nothing changes unless the whole result is valid.
    pub fn patch(&self, patch: Value) -> Result<Arc<RuntimeConfig>, String> {
        let _patching = self.patching.lock().unwrap_or_else(|e| e.into_inner());
        let mut merged = serde_json::to_value(&**self.config.load()).map_err(|e| e.to_string())?;
        merge(&mut merged, patch, "")?;
        let next: RuntimeConfig = serde_json::from_value(merged).map_err(|e| e.to_string())?;
        next.validate()?;
        let before = self.config();
        if next.limits != before.limits {
            self.scheduler.set_limits(next.limits);
        }
        if next.metrics != before.metrics {
            *self.scripts_since.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
        }
        let timed = next.timing.is_on();
        self.config.store(Arc::new(next));
        self.timed.store(timed, Ordering::Relaxed);
        Ok(self.config())
    }

    /// Samples the times of one request.
    pub fn plan(&self, timing: &Timing, prompt_tokens: usize, tokens: usize) -> Plan {
        let running = self.scheduler.running();
        let max = self.scheduler.limits().max_num_seqs;
        let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
        timing.plan(&mut *rng, prompt_tokens, tokens, running, max)
    }

    /// How long the metric scripts have run.
    pub fn scripts_elapsed(&self) -> std::time::Duration {
        self.scripts_since.lock().unwrap_or_else(|e| e.into_inner()).elapsed()
    }
}

/// Merges `patch` into `target`, refusing a field `target` does not have.
fn merge(target: &mut Value, patch: Value, prefix: &str) -> Result<(), String> {
    let Value::Object(patch) = patch else {
        return Err("the body must be a JSON object of settings".to_owned());
    };
    let Value::Object(target) = target else {
        return Err(format!("{prefix} is not a group of settings"));
    };
    for (key, value) in patch {
        let name = format!("{prefix}{key}");
        let Some(slot) = target.get_mut(&key) else {
            let known: Vec<&String> = target.keys().collect();
            return Err(format!("unknown setting `{name}` (known: {known:?})"));
        };
        if slot.is_object() && value.is_object() {
            merge(slot, value, &format!("{name}."))?;
        } else {
            *slot = value;
        }
    }
    Ok(())
}

/// A setting given as a JSON number or as text ("250", "ramp:0:10:5s"), as the flags take it.
#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrText {
    Number(f64),
    Text(String),
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let conditions = Conditions::new(RuntimeConfig::default(), 1).unwrap();
        let config = conditions
            .patch(json!({"time-to-first-token": "250ms", "max-num-seqs": 4, "metrics": {"running-requests": 3}}))
            .unwrap();
        assert_eq!(config.timing.time_to_first_token, timing::Millis(250.0));
        assert_eq!(config.limits.max_num_seqs, Some(4));
        assert_eq!(conditions.scheduler.limits().max_num_seqs, Some(4));
        let config = conditions
            .patch(json!({"metrics": {"kv-cache-usage": "ramp:0:1:10s"}}))
            .unwrap();
        assert!(
            config.metrics.running_requests.is_some(),
            "metrics merge field by field"
        );
        assert!(config.metrics.kv_cache_usage.is_some());
        let config = conditions.patch(json!({"max-num-seqs": null})).unwrap();
        assert_eq!(config.limits.max_num_seqs, None);
    }

    #[test]
    fn a_bad_patch_changes_nothing() {
        let conditions = Conditions::new(RuntimeConfig::default(), 1).unwrap();
        let before = conditions.config();
        for bad in [
            json!({"time-to-first-token": "soon"}),
            json!({"inter-token-latency": 10, "inter-token-latency-std-dev": 9}),
            json!({"max-num-seqs": 0}),
            json!({"warp-speed": 9}),
            json!({"metrics": {"gpu-temperature": 3}}),
            json!([1, 2]),
        ] {
            let err = conditions.patch(bad.clone()).unwrap_err();
            assert!(!err.is_empty(), "{bad}");
            assert_eq!(conditions.config(), before, "{bad} changed the config");
        }
        let err = conditions.patch(json!({"warp-speed": 9})).unwrap_err();
        assert!(err.contains("warp-speed"), "{err}");
    }

    #[test]
    fn the_config_reads_as_the_flags_are_named() {
        let value = serde_json::to_value(RuntimeConfig::default()).unwrap();
        for key in [
            "time-to-first-token",
            "time-to-first-token-std-dev",
            "inter-token-latency",
            "inter-token-latency-std-dev",
            "prefill-time-per-token",
            "time-factor-under-load",
            "max-num-seqs",
            "max-waiting-queue-length",
            "metrics",
        ] {
            assert!(value.get(key).is_some(), "{key} in {value}");
        }
    }
}
