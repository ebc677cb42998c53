//! A change to the run-time conditions, as `PATCH /_mock/config` takes it: every field left
//! out keeps its value.
//!
//! The server merges the JSON it gets into the [`RuntimeConfig`] in force and validates the
//! whole (`conditions/mod.rs`), so this type only has to serialise to a subset of that config's
//! fields; the tests below hold its fields to the config's, so neither can gain one alone.

use std::time::Duration;

use serde::Serialize;

use crate::conditions::RuntimeConfig;
use crate::conditions::scripts::{MetricScripts, Script};
use crate::conditions::timing::Millis;

/// A change to the timing, the limits and the metric scripts. A limit or a script is an
/// `Option` of its own, so a patch can also lift it: `Some(None)` is sent as `null`.
///
/// ```
/// use std::time::Duration;
/// use mock_vllm::admin::ConfigPatch;
/// let patch = ConfigPatch::default()
///     .time_to_first_token(Duration::from_millis(250))
///     .max_num_seqs(Some(4));
/// assert_eq!(
///     serde_json::to_value(&patch).unwrap(),
///     serde_json::json!({"time-to-first-token": 250.0, "max-num-seqs": 4})
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct ConfigPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_first_token: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_to_first_token_std_dev: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inter_token_latency: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inter_token_latency_std_dev: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefill_time_per_token: Option<Millis>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_factor_under_load: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_num_seqs: Option<Option<usize>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_waiting_queue_length: Option<Option<usize>>,
    /// Merged gauge by gauge: a gauge left out keeps its script.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics: Option<MetricsPatch>,
}

/// A change to the scripted load gauges of `/metrics`; `Some(None)` makes a gauge follow the
/// real load again.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub struct MetricsPatch {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub running_requests: Option<Option<Script>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_requests: Option<Option<Script>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kv_cache_usage: Option<Option<Script>>,
}

fn millis(duration: Duration) -> Option<Millis> {
    Some(Millis(duration.as_secs_f64() * 1000.0))
}

impl ConfigPatch {
    /// The time to first token (before the prefill cost).
    pub fn time_to_first_token(self, time: Duration) -> Self {
        ConfigPatch {
            time_to_first_token: millis(time),
            ..self
        }
    }

    pub fn time_to_first_token_std_dev(self, time: Duration) -> Self {
        ConfigPatch {
            time_to_first_token_std_dev: millis(time),
            ..self
        }
    }

    /// The gap between streamed tokens.
    pub fn inter_token_latency(self, time: Duration) -> Self {
        ConfigPatch {
            inter_token_latency: millis(time),
            ..self
        }
    }

    pub fn inter_token_latency_std_dev(self, time: Duration) -> Self {
        ConfigPatch {
            inter_token_latency_std_dev: millis(time),
            ..self
        }
    }

    /// Added to the time to first token per prompt token.
    pub fn prefill_time_per_token(self, time: Duration) -> Self {
        ConfigPatch {
            prefill_time_per_token: millis(time),
            ..self
        }
    }

    /// How much slower everything is with every running slot taken (at least 1).
    pub fn time_factor_under_load(self, factor: f64) -> Self {
        ConfigPatch {
            time_factor_under_load: Some(factor),
            ..self
        }
    }

    /// Requests running at once; `None`: no limit.
    pub fn max_num_seqs(self, limit: Option<usize>) -> Self {
        ConfigPatch {
            max_num_seqs: Some(limit),
            ..self
        }
    }

    /// Requests waiting for a running slot; `None`: no limit, as vLLM.
    pub fn max_waiting_queue_length(self, limit: Option<usize>) -> Self {
        ConfigPatch {
            max_waiting_queue_length: Some(limit),
            ..self
        }
    }

    /// Changes the metric scripts as `metrics` says.
    pub fn metrics(self, metrics: MetricsPatch) -> Self {
        ConfigPatch {
            metrics: Some(metrics),
            ..self
        }
    }
}

impl MetricsPatch {
    /// `vllm:num_requests_running`; `None`: the real count.
    pub fn running_requests(self, script: Option<Script>) -> Self {
        MetricsPatch {
            running_requests: Some(script),
            ..self
        }
    }

    /// `vllm:num_requests_waiting`; `None`: the real count.
    pub fn waiting_requests(self, script: Option<Script>) -> Self {
        MetricsPatch {
            waiting_requests: Some(script),
            ..self
        }
    }

    /// `vllm:kv_cache_usage_perc`; `None`: the real usage.
    pub fn kv_cache_usage(self, script: Option<Script>) -> Self {
        MetricsPatch {
            kv_cache_usage: Some(script),
            ..self
        }
    }
}

/// The patch that sets every field to `config`'s, e.g. back to [`RuntimeConfig::default`].
impl From<&RuntimeConfig> for ConfigPatch {
    fn from(config: &RuntimeConfig) -> Self {
        let RuntimeConfig {
            timing,
            limits,
            metrics,
        } = config;
        let MetricScripts {
            running_requests,
            waiting_requests,
            kv_cache_usage,
        } = metrics;
        ConfigPatch {
            time_to_first_token: Some(timing.time_to_first_token),
            time_to_first_token_std_dev: Some(timing.time_to_first_token_std_dev),
            inter_token_latency: Some(timing.inter_token_latency),
            inter_token_latency_std_dev: Some(timing.inter_token_latency_std_dev),
            prefill_time_per_token: Some(timing.prefill_time_per_token),
            time_factor_under_load: Some(timing.time_factor_under_load),
            max_num_seqs: Some(limits.max_num_seqs),
            max_waiting_queue_length: Some(limits.max_waiting_queue_length),
            metrics: Some(MetricsPatch {
                running_requests: Some(*running_requests),
                waiting_requests: Some(*waiting_requests),
                kv_cache_usage: Some(*kv_cache_usage),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::conditions::Conditions;

    /// Every key of `value`, nested ones as `outer.inner`, sorted.
    fn keys(value: &Value, prefix: &str) -> Vec<String> {
        let mut keys = Vec::new();
        if let Value::Object(map) = value {
            for (key, inner) in map {
                let name = format!("{prefix}{key}");
                keys.extend(self::keys(inner, &format!("{name}.")));
                keys.push(name);
            }
        }
        keys.sort();
        keys
    }

    #[test]
    fn a_whole_patch_names_every_setting_of_the_config() {
        let config = RuntimeConfig::default();
        let patch = serde_json::to_value(ConfigPatch::from(&config)).unwrap();
        let whole = serde_json::to_value(&config).unwrap();
        assert_eq!(keys(&patch, ""), keys(&whole, ""));
    }

    #[test]
    fn the_server_applies_a_patch_as_given() {
        let conditions = Conditions::new(RuntimeConfig::default(), 1).unwrap();
        let patch = ConfigPatch::default()
            .time_to_first_token(Duration::from_millis(100))
            .time_to_first_token_std_dev(Duration::from_millis(10))
            .inter_token_latency(Duration::from_millis(20))
            .inter_token_latency_std_dev(Duration::from_millis(5))
            .prefill_time_per_token(Duration::from_micros(500))
            .time_factor_under_load(2.0)
            .max_num_seqs(Some(4))
            .max_waiting_queue_length(Some(8))
            .metrics(
                MetricsPatch::default()
                    .running_requests(Some(Script::Fixed(3.0)))
                    .waiting_requests(Some("ramp:0:10:5s".parse().unwrap()))
                    .kv_cache_usage(Some(Script::Fixed(0.5))),
            );
        let config = conditions.patch(serde_json::to_value(&patch).unwrap()).unwrap();
        assert_eq!(ConfigPatch::from(&*config), patch);

        let lifted = ConfigPatch::default()
            .max_num_seqs(None)
            .metrics(MetricsPatch::default().running_requests(None));
        let config = conditions.patch(serde_json::to_value(&lifted).unwrap()).unwrap();
        assert_eq!(config.limits.max_num_seqs, None);
        assert_eq!(config.limits.max_waiting_queue_length, Some(8), "left as it was");
        assert_eq!(config.metrics.running_requests, None);
        assert_eq!(config.metrics.kv_cache_usage, Some(Script::Fixed(0.5)));

        let back = ConfigPatch::from(&RuntimeConfig::default());
        let config = conditions.patch(serde_json::to_value(&back).unwrap()).unwrap();
        assert_eq!(*config, RuntimeConfig::default());
    }
}
