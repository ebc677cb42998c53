//! Driving a mock from a test: fault rules built in code ([`Rule::on`]), changes to the
//! run-time conditions ([`ConfigPatch`]), and, with the `client` feature, a typed client of the
//! `/_mock` API ([`AdminClient`]), as wiremock's `Mock::given(..)` and its one `MockServer`.
//!
//! The rule and config types are the very ones the server reads from `POST /_mock/rules` and
//! answers on `GET /_mock/config`, so what a test builds is what the mock acts on.

#[cfg(feature = "client")]
mod client;
mod patch;
mod rule;
pub(crate) mod wire;

#[cfg(feature = "client")]
pub use client::{AdminClient, AdminError};
pub use patch::{ConfigPatch, MetricsPatch};
pub use rule::{RuleOn, status_message};

pub use crate::conditions::RuntimeConfig;
pub use crate::conditions::capacity::Limits;
pub use crate::conditions::failures::FailureType;
pub use crate::conditions::rules::{Action, Count, HeaderMatch, Match, Rule, RuleStatus};
pub use crate::conditions::scripts::{MetricScripts, Script, Wave};
pub use crate::conditions::timing::{Millis, Timing};
