//! The bodies and queries of the `/_mock` API that are neither journal entries nor rules nor
//! the config: one type each, read by the routes that answer them (`routes/admin.rs`) and
//! written by the client that sends them (`admin/client.rs`).

use serde::{Deserialize, Serialize};

use crate::conditions::rules::{Rule, RuleStatus};

/// `PUT /_mock/api-keys`
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeysUpdate {
    /// The keys `/v1/*` accepts from now on; empty opens it.
    pub keys: Vec<String>,
}

/// The query of `GET /_mock/requests/wait`, besides the filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitParams {
    /// How many matching entries to wait for.
    #[serde(default = "one")]
    pub count: usize,
    #[serde(default = "five_seconds")]
    pub timeout_ms: u64,
}

fn one() -> usize {
    1
}

fn five_seconds() -> u64 {
    5_000
}

/// `POST /_mock/rules`: one rule, or several as `{"rules": [...]}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum NewRules {
    One(Box<Rule>),
    Many { rules: Vec<Rule> },
}

/// The answer of `POST /_mock/rules`: the ids of the rules added, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleIds {
    pub ids: Vec<String>,
}

/// The answer of `GET /_mock/rules`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleList {
    pub rules: Vec<RuleStatus>,
}
