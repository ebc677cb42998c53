//! Fault rules: scripted failures, set at start (`--rules FILE`, `--rule JSON`) or at run time
//! (`/_mock/rules`).
//!
//! A rule matches requests (method, path, path prefix, model, a header), picks which of its
//! matches it acts on (the first N, every Kth, or a seeded rate), and acts: a status with
//! vLLM's error body (429 with `Retry-After`), a delay, a hang until the client gives up, a
//! connection reset, a stream cut after N chunks, a malformed chunk (each in `actions.rs`).
//! Rules are tried in order; the first that acts wins, so "the first two get 429, then the
//! rest pass" is one rule.
//!
//! ```json
//! {"id": "rate-limit-twice", "match": {"path": "/v1/embeddings"},
//!  "action": {"type": "status", "status": 429, "retry_after": 1}, "count": {"first": 2}}
//! ```
//!
//! A test builds the same rule in code, `Rule::on(Match::path(..)).status(429).first(2)`
//! (`admin/rule.rs`); the types here are what the server and the builder share.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use arc_swap::ArcSwap;
use http::{HeaderMap, Method};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

pub use super::actions::Action;
use super::actions::Effect;
use super::failures::FailureType;

/// What a rule looks at; every field left out matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Match {
    /// HTTP method, case-insensitive.
    pub method: Option<String>,
    /// Exact path, without the query.
    pub path: Option<String>,
    pub path_prefix: Option<String>,
    /// The body's `model`.
    pub model: Option<String>,
    /// A header and, when given, its exact value.
    pub header: Option<HeaderMatch>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderMatch {
    pub name: String,
    pub value: Option<String>,
}

/// Which of its matches a rule acts on: `{"first": N}`, `{"every": K}` or
/// `{"rate": P, "seed": S}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Count {
    /// The first N.
    First { first: u64 },
    /// Every Kth: the Kth, the 2Kth, ...
    Every { every: u64 },
    /// Each with this probability (0 to 1), drawn from a generator seeded with `seed` (or
    /// `--seed`), so a run is reproducible.
    Rate { rate: f64, seed: Option<u64> },
}

/// A rule as given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// Names the rule in the journal and in `GET /_mock/rules`; given one if left out.
    pub id: Option<String>,
    #[serde(default, rename = "match")]
    pub matches: Match,
    pub action: Action,
    /// All its matches when left out.
    pub count: Option<Count>,
}

impl Rule {
    pub fn validate(&self) -> Result<(), String> {
        self.action.validate()?;
        match &self.count {
            Some(Count::Every { every: 0 }) => Err("count.every must be at least 1".to_owned()),
            Some(Count::Rate { rate, .. }) if !(0.0..=1.0).contains(rate) => {
                Err(format!("count.rate must be between 0 and 1, got {rate}"))
            }
            _ => Ok(()),
        }
    }
}

/// What a request looks like to the rules.
pub struct Request<'a> {
    pub method: &'a Method,
    pub path: &'a str,
    pub headers: &'a HeaderMap,
    pub model: Option<&'a str>,
}

impl Match {
    fn matches(&self, request: &Request<'_>) -> bool {
        self.method
            .as_deref()
            .is_none_or(|m| request.method.as_str().eq_ignore_ascii_case(m))
            && self.path.as_deref().is_none_or(|p| request.path == p)
            && self.path_prefix.as_deref().is_none_or(|p| request.path.starts_with(p))
            && self.model.as_deref().is_none_or(|m| request.model == Some(m))
            && self.header.as_ref().is_none_or(|h| {
                let mut values = request.headers.get_all(h.name.as_str()).iter();
                match &h.value {
                    None => values.next().is_some(),
                    Some(expected) => values.any(|v| v.as_bytes() == expected.as_bytes()),
                }
            })
    }

    /// Whether telling this rule the request's model needs the body read.
    pub fn needs_model(&self) -> bool {
        self.model.is_some()
    }
}

/// A rule in force, with its counters.
pub struct ActiveRule {
    pub id: String,
    pub rule: Rule,
    matched: AtomicU64,
    hits: AtomicU64,
    rng: Mutex<StdRng>,
}

/// A rule and its counters, as `GET /_mock/rules` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleStatus {
    pub id: String,
    #[serde(rename = "match")]
    pub matches: Match,
    pub action: Action,
    pub count: Option<Count>,
    /// Requests it matched.
    pub matched: u64,
    /// Requests it acted on.
    pub hits: u64,
}

impl ActiveRule {
    fn new(rule: Rule, id: String, default_seed: u64) -> Self {
        let seed = match &rule.count {
            Some(Count::Rate { seed: Some(seed), .. }) => *seed,
            _ => default_seed,
        };
        ActiveRule {
            id,
            rule,
            matched: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            rng: Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    /// Counts a match and says whether the rule acts on it.
    fn takes(&self) -> bool {
        let n = self.matched.fetch_add(1, Ordering::Relaxed) + 1;
        let acts = match &self.rule.count {
            None => true,
            Some(Count::First { first }) => n <= *first,
            Some(Count::Every { every }) => n.is_multiple_of(*every),
            Some(Count::Rate { rate, .. }) => self.draw() < *rate,
        };
        if acts {
            self.hits.fetch_add(1, Ordering::Relaxed);
        }
        acts
    }

    fn draw(&self) -> f64 {
        self.rng.lock().unwrap_or_else(|e| e.into_inner()).random()
    }

    fn status(&self) -> RuleStatus {
        RuleStatus {
            id: self.id.clone(),
            matches: self.rule.matches.clone(),
            action: self.rule.action.clone(),
            count: self.rule.count.clone(),
            matched: self.matched.load(Ordering::Relaxed),
            hits: self.hits.load(Ordering::Relaxed),
        }
    }
}

/// What a request gets from the rules.
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub rule: String,
    pub effect: Effect,
}

/// The rules in force.
pub struct RuleSet {
    rules: ArcSwap<Vec<std::sync::Arc<ActiveRule>>>,
    /// How many rules are in force, kept beside them: every request asks whether there are
    /// any, and loading them to learn that there are none costs it about 70 instructions
    /// (`bench/load.py --instructions`).
    count: AtomicUsize,
    /// Held while the rules change and are counted, so that the count is the last change's.
    changing: Mutex<()>,
    next_id: AtomicU64,
    seed: u64,
}

impl RuleSet {
    /// `seed` seeds every rate rule that names no seed of its own.
    pub fn new(seed: u64) -> Self {
        RuleSet {
            rules: ArcSwap::from_pointee(Vec::new()),
            count: AtomicUsize::new(0),
            changing: Mutex::new(()),
            next_id: AtomicU64::new(1),
            seed,
        }
    }

    /// Adds rules after those in force, all or none; returns their ids.
    pub fn add(&self, rules: Vec<Rule>) -> Result<Vec<String>, String> {
        for rule in &rules {
            rule.validate()?;
        }
        let mut ids = Vec::new();
        let added: Vec<_> = rules
            .into_iter()
            .map(|rule| {
                let id = rule
                    .id
                    .clone()
                    .unwrap_or_else(|| format!("rule-{}", self.next_id.fetch_add(1, Ordering::Relaxed)));
                ids.push(id.clone());
                std::sync::Arc::new(ActiveRule::new(rule, id, self.seed))
            })
            .collect();
        let _changing = self.changing();
        self.rules.rcu(|current| {
            let mut next = Vec::clone(current);
            next.extend(added.iter().cloned());
            next
        });
        self.counted();
        Ok(ids)
    }

    pub fn clear(&self) {
        let _changing = self.changing();
        self.rules.store(std::sync::Arc::new(Vec::new()));
        self.counted();
    }

    fn changing(&self) -> std::sync::MutexGuard<'_, ()> {
        self.changing.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Counts the rules in force again, after a change (under `changing`).
    fn counted(&self) {
        self.count.store(self.rules.load().len(), Ordering::Relaxed);
    }

    /// Removes one rule; whether it was there.
    pub fn remove(&self, id: &str) -> bool {
        let mut found = false;
        let _changing = self.changing();
        self.rules.rcu(|current| {
            let next: Vec<_> = current.iter().filter(|r| r.id != id).cloned().collect();
            found = next.len() < current.len();
            next
        });
        self.counted();
        found
    }

    pub fn list(&self) -> Vec<RuleStatus> {
        self.rules.load().iter().map(|r| r.status()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.count.load(Ordering::Relaxed) == 0
    }

    /// Whether some rule matches on the body's model, so the body must be looked into.
    pub fn need_model(&self) -> bool {
        self.rules.load().iter().any(|r| r.rule.matches.needs_model())
    }

    /// The first rule that matches `request` and acts on it, resolved.
    pub fn decide(&self, request: &Request<'_>) -> Option<Decision> {
        let rules = self.rules.load();
        let rule = rules
            .iter()
            .find(|rule| rule.rule.matches.matches(request) && rule.takes())?;
        let effect = rule
            .rule
            .action
            .effect(request.model.unwrap_or_default(), || rule.draw());
        Some(Decision {
            rule: rule.id.clone(),
            effect,
        })
    }
}

/// The simulator's random failure injection as a rule: `rate` percent of the requests to the
/// inference routes fail with one of `types` (all when empty).
pub fn failure_injection(rate_percent: u8, types: &[FailureType], seed: u64) -> Option<Rule> {
    (rate_percent > 0).then(|| Rule {
        id: Some("failure-injection".to_owned()),
        matches: Match {
            path_prefix: Some("/v1/".to_owned()),
            method: Some("POST".to_owned()),
            ..Match::default()
        },
        action: Action::Failure {
            types: if types.is_empty() {
                FailureType::ALL.to_vec()
            } else {
                types.to_vec()
            },
        },
        count: Some(Count::Rate {
            rate: f64::from(rate_percent.min(100)) / 100.0,
            seed: Some(seed),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conditions::actions::{ChunkFault, Spoil, Then};

    fn request<'a>(path: &'a str, headers: &'a HeaderMap, model: Option<&'a str>) -> Request<'a> {
        Request {
            method: &Method::POST,
            path,
            headers,
            model,
        }
    }

    fn rule(json: serde_json::Value) -> Rule {
        serde_json::from_value(json).unwrap()
    }

    #[test]
    fn the_first_two_get_429_then_the_rest_pass() {
        let rules = RuleSet::new(0);
        rules
            .add(vec![rule(serde_json::json!({
                "id": "rl", "match": {"path": "/v1/embeddings"},
                "action": {"type": "status", "status": 429, "retry_after": 1},
                "count": {"first": 2}
            }))])
            .unwrap();
        let headers = HeaderMap::new();
        let decisions: Vec<_> = (0..3)
            .map(|_| rules.decide(&request("/v1/embeddings", &headers, None)))
            .collect();
        assert!(
            matches!(&decisions[0], Some(Decision { rule, effect: Effect { then: Then::Answer(e), .. } }) if rule == "rl" && e.status() == 429)
        );
        assert!(decisions[1].is_some());
        assert!(decisions[2].is_none());
        assert!(rules.decide(&request("/v1/models", &headers, None)).is_none());
        let status = &rules.list()[0];
        assert_eq!((status.matched, status.hits), (3, 2));
    }

    #[test]
    fn every_kth_and_matching_on_model_and_header() {
        let rules = RuleSet::new(0);
        rules
            .add(vec![rule(serde_json::json!({
                "match": {"model": "qwen3", "header": {"name": "x-test", "value": "on"}},
                "action": {"type": "reset"}, "count": {"every": 2}
            }))])
            .unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-test", "on".parse().unwrap());
        let hits: Vec<bool> = (0..4)
            .map(|_| {
                rules
                    .decide(&request("/v1/embeddings", &headers, Some("qwen3")))
                    .is_some()
            })
            .collect();
        assert_eq!(hits, [false, true, false, true]);
        assert!(
            rules
                .decide(&request("/v1/embeddings", &headers, Some("other")))
                .is_none()
        );
        assert!(
            rules
                .decide(&request("/v1/embeddings", &HeaderMap::new(), Some("qwen3")))
                .is_none()
        );
        assert_eq!(rules.list()[0].id, "rule-1");
        assert!(rules.need_model());
    }

    #[test]
    fn a_seeded_rate_is_reproducible() {
        let run = || {
            let rules = RuleSet::new(0);
            rules
                .add(vec![rule(serde_json::json!({
                    "action": {"type": "hang"}, "count": {"rate": 0.3, "seed": 42}
                }))])
                .unwrap();
            let headers = HeaderMap::new();
            (0..200)
                .map(|_| rules.decide(&request("/x", &headers, None)).is_some())
                .collect::<Vec<_>>()
        };
        let first = run();
        assert_eq!(first, run());
        let hits = first.iter().filter(|h| **h).count();
        assert!((40..=80).contains(&hits), "{hits} of 200 at 0.3");
    }

    #[test]
    fn rules_are_tried_in_order_and_can_be_removed() {
        let rules = RuleSet::new(0);
        let ids = rules
            .add(vec![
                rule(serde_json::json!({"id": "a", "action": {"type": "delay", "ms": 5}, "count": {"first": 1}})),
                rule(serde_json::json!({"id": "b", "action": {"type": "cut", "after_chunks": 2}})),
            ])
            .unwrap();
        assert_eq!(ids, ["a", "b"]);
        let headers = HeaderMap::new();
        let req = request("/x", &headers, None);
        assert_eq!(rules.decide(&req).unwrap().rule, "a");
        let cut = ChunkFault {
            after_chunks: 2,
            spoil: Spoil::Cut,
        };
        assert_eq!(rules.decide(&req).unwrap().effect.then, Then::Serve(Some(cut)));
        assert!(rules.remove("b"));
        assert!(!rules.remove("b"));
        assert!(rules.decide(&req).is_none());
        rules.clear();
        assert!(rules.is_empty());
    }

    #[test]
    fn invalid_rules_are_refused_whole() {
        let rules = RuleSet::new(0);
        let err = rules
            .add(vec![
                rule(serde_json::json!({"action": {"type": "hang"}})),
                rule(serde_json::json!({"action": {"type": "status", "status": 200}})),
            ])
            .unwrap_err();
        assert!(err.contains("400 to 599"), "{err}");
        assert!(rules.is_empty());
        assert!(serde_json::from_value::<Rule>(serde_json::json!({"action": {"type": "explode"}})).is_err());
        let both = serde_json::json!({"action": {"type": "hang"}, "count": {"first": 1, "every": 2}});
        assert!(serde_json::from_value::<Rule>(both).is_err(), "one way of counting");
    }

    #[test]
    fn failure_injection_is_a_rate_rule_over_the_simulators_types() {
        assert!(failure_injection(0, &[], 1).is_none());
        let rule = failure_injection(100, &[FailureType::ServerError], 1).unwrap();
        let rules = RuleSet::new(0);
        rules.add(vec![rule]).unwrap();
        let headers = HeaderMap::new();
        let decision = rules.decide(&request("/v1/embeddings", &headers, Some("m"))).unwrap();
        assert!(matches!(decision.effect.then, Then::Answer(ref e) if e.status() == 503));
    }
}
