//! Scripted values for the load gauges of `/metrics`, for a router test that needs a replica
//! to look busy: a fixed number, or the simulator's functions `ramp`, `rampreset`,
//! `oscillate` and `squarewave` as `"fun:start:end:period"` (e.g. `"ramp:0:10:5s"`).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Script {
    Fixed(f64),
    /// From start to end over one period, then stays at end.
    Ramp(Wave),
    /// From start to end over each period, then back to start.
    RampReset(Wave),
    /// A sine wave between start and end, one cycle per period.
    Oscillate(Wave),
    /// Start for half a period, end for the other half.
    SquareWave(Wave),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Wave {
    pub start: f64,
    pub end: f64,
    pub period: Duration,
}

impl Script {
    /// The value `elapsed` after the script was set.
    pub fn value(&self, elapsed: Duration) -> f64 {
        let at = |wave: &Wave, fraction: f64| wave.start + (wave.end - wave.start) * fraction;
        let phase = |wave: &Wave| {
            let period = wave.period.as_secs_f64();
            if period <= 0.0 {
                1.0
            } else {
                (elapsed.as_secs_f64() % period) / period
            }
        };
        match self {
            Script::Fixed(value) => *value,
            Script::Ramp(wave) => {
                let period = wave.period.as_secs_f64();
                let fraction = if period <= 0.0 {
                    1.0
                } else {
                    (elapsed.as_secs_f64() / period).min(1.0)
                };
                at(wave, fraction)
            }
            Script::RampReset(wave) => at(wave, phase(wave)),
            Script::Oscillate(wave) => {
                let fraction = (1.0 - (phase(wave) * std::f64::consts::TAU).cos()) / 2.0;
                at(wave, fraction)
            }
            Script::SquareWave(wave) => {
                if phase(wave) < 0.5 {
                    wave.start
                } else {
                    wave.end
                }
            }
        }
    }
}

impl FromStr for Script {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        if let Ok(value) = text.trim().parse::<f64>() {
            return Ok(Script::Fixed(value));
        }
        let parts: Vec<&str> = text.split(':').collect();
        let [function, start, end, period] = parts[..] else {
            return Err(format!("`{text}` is neither a number nor fun:start:end:period"));
        };
        let number = |s: &str| {
            s.trim()
                .parse::<f64>()
                .map_err(|_| format!("`{s}` in `{text}` is not a number"))
        };
        let wave = Wave {
            start: number(start)?,
            end: number(end)?,
            period: humantime::parse_duration(period.trim())
                .map_err(|e| format!("`{period}` in `{text}` is not a period: {e}"))?,
        };
        match function {
            "ramp" => Ok(Script::Ramp(wave)),
            "rampreset" => Ok(Script::RampReset(wave)),
            "oscillate" => Ok(Script::Oscillate(wave)),
            "squarewave" => Ok(Script::SquareWave(wave)),
            other => Err(format!(
                "unknown function `{other}` (expected ramp, rampreset, oscillate or squarewave)"
            )),
        }
    }
}

impl fmt::Display for Script {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, wave) = match self {
            Script::Fixed(value) => return write!(f, "{value}"),
            Script::Ramp(w) => ("ramp", w),
            Script::RampReset(w) => ("rampreset", w),
            Script::Oscillate(w) => ("oscillate", w),
            Script::SquareWave(w) => ("squarewave", w),
        };
        write!(
            f,
            "{name}:{}:{}:{}",
            wave.start,
            wave.end,
            humantime::format_duration(wave.period)
        )
    }
}

impl Serialize for Script {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Script::Fixed(value) => serializer.serialize_f64(*value),
            other => serializer.serialize_str(&other.to_string()),
        }
    }
}

impl<'de> Deserialize<'de> for Script {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match super::NumberOrText::deserialize(deserializer)? {
            super::NumberOrText::Number(value) => Ok(Script::Fixed(value)),
            super::NumberOrText::Text(text) => text.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// The scripted gauges; a gauge left out follows the real load.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct MetricScripts {
    pub running_requests: Option<Script>,
    pub waiting_requests: Option<Script>,
    pub kv_cache_usage: Option<Script>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> Duration {
        Duration::from_secs_f64(s)
    }

    #[test]
    fn the_simulators_functions() {
        let ramp: Script = "ramp:0:10:10s".parse().unwrap();
        assert_eq!(ramp.value(secs(0.0)), 0.0);
        assert_eq!(ramp.value(secs(5.0)), 5.0);
        assert_eq!(ramp.value(secs(30.0)), 10.0);
        let reset: Script = "rampreset:0:10:10s".parse().unwrap();
        assert_eq!(reset.value(secs(15.0)), 5.0);
        let wave: Script = "oscillate:0:10:4s".parse().unwrap();
        assert!(wave.value(secs(0.0)).abs() < 1e-9);
        assert!((wave.value(secs(2.0)) - 10.0).abs() < 1e-9);
        let square: Script = "squarewave:1:3:2s".parse().unwrap();
        assert_eq!((square.value(secs(0.5)), square.value(secs(1.5))), (1.0, 3.0));
        assert_eq!("7".parse::<Script>().unwrap().value(secs(99.0)), 7.0);
    }

    #[test]
    fn scripts_read_and_print_as_given() {
        let scripts: MetricScripts =
            serde_json::from_str(r#"{"running-requests": "ramp:0:10:5s", "kv-cache-usage": 0.4}"#).unwrap();
        assert_eq!(
            serde_json::to_value(&scripts).unwrap(),
            serde_json::json!({"running-requests": "ramp:0:10:5s", "waiting-requests": null, "kv-cache-usage": 0.4})
        );
        assert!("zigzag:0:1:1s".parse::<Script>().unwrap_err().contains("zigzag"));
        assert!("ramp:0:x:1s".parse::<Script>().is_err());
    }
}
