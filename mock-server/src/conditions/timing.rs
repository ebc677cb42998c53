//! How long a request takes: time to first token (with a per-prompt-token prefill cost), the
//! gaps between streamed tokens, and how both grow as the running set fills.
//!
//! The model and the names are llm-d's inference simulator's, so its users can switch binaries:
//! a value is sampled from a normal distribution around its setting when a standard deviation
//! is given (at most 30% of the setting, the sample kept within 30% to 170% of it), and a load
//! factor `f` multiplies times by `1 + (f - 1) * (running - 1) / (max_num_seqs - 1)`, so by
//! `f` when every slot is taken. Off (all zero) by default: the mock answers at once.

use std::fmt;
use std::time::Duration;

use rand::Rng;
use rand_distr::{Distribution, Normal};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A time setting in milliseconds; accepted as a number of milliseconds or a duration such
/// as `"250ms"` or `"2s"`, shown as milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, PartialOrd)]
pub struct Millis(pub f64);

impl Millis {
    pub fn duration(self) -> Duration {
        Duration::from_secs_f64(self.0.max(0.0) / 1000.0)
    }

    pub fn is_zero(self) -> bool {
        self.0 == 0.0
    }
}

impl Millis {
    fn checked(ms: f64) -> Result<Self, String> {
        if ms.is_finite() && ms >= 0.0 {
            Ok(Millis(ms))
        } else {
            Err(format!("{ms} is not a number of milliseconds at least 0"))
        }
    }
}

impl std::str::FromStr for Millis {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let text = text.trim();
        if let Ok(ms) = text.parse::<f64>() {
            return Millis::checked(ms);
        }
        humantime::parse_duration(text)
            .map(|d| Millis(d.as_secs_f64() * 1000.0))
            .map_err(|err| format!("`{text}` is neither milliseconds nor a duration like 250ms or 2s: {err}"))
    }
}

impl fmt::Display for Millis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl Serialize for Millis {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.0)
    }
}

impl<'de> Deserialize<'de> for Millis {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match super::NumberOrText::deserialize(deserializer)? {
            super::NumberOrText::Number(ms) => Millis::checked(ms),
            super::NumberOrText::Text(text) => text.parse(),
        }
        .map_err(serde::de::Error::custom)
    }
}

/// The timing settings, as flags and as `/_mock/config` fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
// Unknown fields are refused where it is merged into the whole config (`RuntimeConfig`).
#[serde(rename_all = "kebab-case")]
pub struct Timing {
    pub time_to_first_token: Millis,
    pub time_to_first_token_std_dev: Millis,
    pub inter_token_latency: Millis,
    pub inter_token_latency_std_dev: Millis,
    /// Added to the time to first token per prompt token, so a large batch takes longer.
    pub prefill_time_per_token: Millis,
    /// How much slower everything is with every running slot taken (at least 1).
    pub time_factor_under_load: f64,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            time_to_first_token: Millis(0.0),
            time_to_first_token_std_dev: Millis(0.0),
            inter_token_latency: Millis(0.0),
            inter_token_latency_std_dev: Millis(0.0),
            prefill_time_per_token: Millis(0.0),
            time_factor_under_load: 1.0,
        }
    }
}

impl Timing {
    /// The simulator's rules: a standard deviation at most 30% of its setting, a factor of at
    /// least 1.
    pub fn validate(&self) -> Result<(), String> {
        let pairs = [
            (
                "time-to-first-token",
                self.time_to_first_token,
                self.time_to_first_token_std_dev,
            ),
            (
                "inter-token-latency",
                self.inter_token_latency,
                self.inter_token_latency_std_dev,
            ),
        ];
        for (name, base, std_dev) in pairs {
            if std_dev.0 > base.0 * 0.3 + f64::EPSILON {
                return Err(format!(
                    "{name}-std-dev ({std_dev} ms) must be at most 30% of {name} ({base} ms)"
                ));
            }
        }
        if !(self.time_factor_under_load >= 1.0 && self.time_factor_under_load.is_finite()) {
            return Err(format!(
                "time-factor-under-load must be at least 1, got {}",
                self.time_factor_under_load
            ));
        }
        Ok(())
    }

    /// Whether any time is set: off, requests are answered at once.
    pub fn is_on(&self) -> bool {
        !(self.time_to_first_token.is_zero()
            && self.inter_token_latency.is_zero()
            && self.prefill_time_per_token.is_zero())
    }

    /// The times for one request with `prompt_tokens` in and `tokens` out, `running` requests
    /// in the engine (this one included) of at most `max_num_seqs`.
    pub(crate) fn plan(
        &self,
        rng: &mut impl Rng,
        prompt_tokens: usize,
        tokens: usize,
        running: usize,
        max_num_seqs: Option<usize>,
    ) -> Plan {
        let load = self.load_factor(running, max_num_seqs);
        let prefill = self.prefill_time_per_token.0 * prompt_tokens as f64 * load;
        let first_token = sample(
            rng,
            self.time_to_first_token.0 * load,
            self.time_to_first_token_std_dev.0,
        ) + prefill;
        let gaps = (1..tokens.max(1))
            .map(|_| {
                let gap = sample(
                    rng,
                    self.inter_token_latency.0 * load,
                    self.inter_token_latency_std_dev.0,
                );
                Duration::from_secs_f64(gap / 1000.0)
            })
            .collect();
        Plan {
            first_token: Duration::from_secs_f64(first_token / 1000.0),
            gaps,
        }
    }

    fn load_factor(&self, running: usize, max_num_seqs: Option<usize>) -> f64 {
        match max_num_seqs {
            Some(max) if max > 1 => {
                let busy = running.clamp(1, max) - 1;
                1.0 + (self.time_factor_under_load - 1.0) * busy as f64 / (max - 1) as f64
            }
            _ => 1.0,
        }
    }
}

/// A value around `mean` (milliseconds): normal with `std_dev`, kept within 30% to 170% of it.
fn sample(rng: &mut impl Rng, mean: f64, std_dev: f64) -> f64 {
    if std_dev <= 0.0 || mean <= 0.0 {
        return mean.max(0.0);
    }
    let value = Normal::new(mean, std_dev).map_or(mean, |normal| normal.sample(rng));
    value.clamp(0.3 * mean, 1.7 * mean)
}

/// The times sampled for one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    /// From admission to the first token (prefill included).
    pub first_token: Duration,
    /// Between each token and the next; one fewer than the tokens.
    pub gaps: Vec<Duration>,
}

impl Plan {
    /// From admission to the last token.
    pub fn total(&self) -> Duration {
        self.first_token + self.gaps.iter().sum::<Duration>()
    }

    /// When token `index` is due, from admission.
    pub fn token_due(&self, index: usize) -> Duration {
        self.first_token + self.gaps.iter().take(index).sum::<Duration>()
    }

    /// The mean gap in milliseconds, when there are gaps.
    pub fn mean_gap_ms(&self) -> Option<f64> {
        (!self.gaps.is_empty())
            .then(|| self.gaps.iter().sum::<Duration>().as_secs_f64() * 1000.0 / self.gaps.len() as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    fn timing(ttft: f64, itl: f64) -> Timing {
        Timing {
            time_to_first_token: Millis(ttft),
            inter_token_latency: Millis(itl),
            ..Timing::default()
        }
    }

    #[test]
    fn millis_read_numbers_and_durations() {
        assert_eq!("250".parse::<Millis>().unwrap(), Millis(250.0));
        assert_eq!("250ms".parse::<Millis>().unwrap(), Millis(250.0));
        assert_eq!("2s".parse::<Millis>().unwrap(), Millis(2000.0));
        assert_eq!("0.5".parse::<Millis>().unwrap(), Millis(0.5));
        assert!("-1".parse::<Millis>().is_err());
        assert!("soon".parse::<Millis>().unwrap_err().contains("soon"));
        let m: Millis = serde_json::from_str(r#""1s""#).unwrap();
        assert_eq!(m, Millis(1000.0));
        let m: Millis = serde_json::from_str("15").unwrap();
        assert_eq!(serde_json::to_string(&m).unwrap(), "15.0");
    }

    #[test]
    fn without_deviation_the_plan_is_exact() {
        let mut rng = StdRng::seed_from_u64(1);
        let plan = timing(100.0, 10.0).plan(&mut rng, 9, 5, 1, None);
        assert_eq!(plan.first_token, Duration::from_millis(100));
        assert_eq!(plan.gaps, vec![Duration::from_millis(10); 4]);
        assert_eq!(plan.total(), Duration::from_millis(140));
        assert_eq!(plan.token_due(2), Duration::from_millis(120));
        assert_eq!(plan.mean_gap_ms(), Some(10.0));
    }

    #[test]
    fn prefill_grows_with_the_prompt() {
        let mut rng = StdRng::seed_from_u64(1);
        let timing = Timing {
            prefill_time_per_token: Millis(0.5),
            ..timing(10.0, 0.0)
        };
        let small = timing.plan(&mut rng, 10, 1, 1, None);
        let large = timing.plan(&mut rng, 1000, 1, 1, None);
        assert_eq!(small.first_token, Duration::from_millis(15));
        assert_eq!(large.first_token, Duration::from_millis(510));
        assert!(large.gaps.is_empty());
    }

    #[test]
    fn samples_stay_within_the_simulators_bounds_and_are_reproducible() {
        let timing = Timing {
            time_to_first_token_std_dev: Millis(30.0),
            inter_token_latency_std_dev: Millis(3.0),
            ..timing(100.0, 10.0)
        };
        timing.validate().unwrap();
        let plans = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..200)
                .map(|_| timing.plan(&mut rng, 1, 3, 1, None))
                .collect::<Vec<_>>()
        };
        let runs = plans(7);
        assert_eq!(runs, plans(7), "a seed makes a run reproducible");
        for plan in &runs {
            let ttft = plan.first_token.as_secs_f64() * 1000.0;
            assert!((30.0..=170.0).contains(&ttft), "{ttft}");
        }
        let distinct: std::collections::HashSet<_> = runs.iter().map(|p| p.first_token).collect();
        assert!(distinct.len() > 50, "the deviation is used");
    }

    #[test]
    fn load_makes_it_slower_up_to_the_factor() {
        let mut rng = StdRng::seed_from_u64(1);
        let timing = Timing {
            time_factor_under_load: 2.0,
            ..timing(100.0, 0.0)
        };
        let first = |running| timing.plan(&mut rng.clone(), 0, 1, running, Some(5)).first_token;
        assert_eq!(first(1), Duration::from_millis(100));
        assert_eq!(first(3), Duration::from_millis(150));
        assert_eq!(first(5), Duration::from_millis(200));
        assert_eq!(
            timing.plan(&mut rng, 0, 1, 5, None).first_token,
            Duration::from_millis(100),
            "without a slot count there is no load"
        );
    }

    #[test]
    fn validation_follows_the_simulator() {
        let mut timing = timing(100.0, 10.0);
        timing.inter_token_latency_std_dev = Millis(4.0);
        assert!(timing.validate().unwrap_err().contains("inter-token-latency-std-dev"));
        let timing = Timing {
            time_factor_under_load: 0.5,
            ..Timing::default()
        };
        assert!(timing.validate().unwrap_err().contains("time-factor-under-load"));
        assert!(!Timing::default().is_on());
    }
}
