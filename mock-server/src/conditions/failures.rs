//! The failures llm-d's inference simulator injects at random (`--failure-injection-rate`,
//! `--failure-types`), with its statuses and messages, answered in vLLM's error body.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::openai::ApiError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
#[value(rename_all = "snake_case")]
pub enum FailureType {
    RateLimit,
    InvalidApiKey,
    ContextLength,
    ServerError,
    InvalidRequest,
    ModelNotFound,
}

impl FailureType {
    pub const ALL: [FailureType; 6] = [
        FailureType::RateLimit,
        FailureType::InvalidApiKey,
        FailureType::ContextLength,
        FailureType::ServerError,
        FailureType::InvalidRequest,
        FailureType::ModelNotFound,
    ];

    /// The simulator's answer for this failure; `model` is the request's.
    pub fn error(self, model: &str) -> ApiError {
        let (status, message, param) = match self {
            FailureType::RateLimit => (
                429,
                format!(
                    "Rate limit reached for {model} in organization org-xxx on requests per min (RPM): Limit 3, Used 3, Requested 1."
                ),
                None,
            ),
            FailureType::InvalidApiKey => (401, "Incorrect API key provided.".to_owned(), None),
            FailureType::ContextLength => (
                400,
                "This model's maximum context length is 4096 tokens. However, your messages resulted in 4500 tokens."
                    .to_owned(),
                Some("messages"),
            ),
            FailureType::ServerError => (503, "The server is overloaded or not ready yet.".to_owned(), None),
            FailureType::InvalidRequest => (
                400,
                "Invalid request: missing required parameter 'model'.".to_owned(),
                Some("model"),
            ),
            FailureType::ModelNotFound => (
                404,
                format!("The model '{model}-nonexistent' does not exist"),
                Some("model"),
            ),
        };
        ApiError::Injected {
            status,
            message,
            param: param.map(str::to_owned),
            retry_after: None,
        }
    }
}

impl fmt::Display for FailureType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = serde_json::to_value(self)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        f.write_str(&name)
    }
}

impl FromStr for FailureType {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        FailureType::ALL
            .into_iter()
            .find(|t| t.to_string() == text.trim())
            .ok_or_else(|| {
                let names: Vec<String> = FailureType::ALL.iter().map(ToString::to_string).collect();
                format!("unknown failure type `{text}` (expected one of {})", names.join(", "))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_have_the_simulators_statuses() {
        let statuses: Vec<u16> = FailureType::ALL
            .iter()
            .map(|t| t.error("m").status().as_u16())
            .collect();
        assert_eq!(statuses, [429, 401, 400, 503, 400, 404]);
        let message = FailureType::RateLimit.error("qwen3").to_string();
        assert!(message.starts_with("Rate limit reached for qwen3"), "{message}");
    }

    #[test]
    fn names_are_the_simulators() {
        assert_eq!("rate_limit".parse::<FailureType>().unwrap(), FailureType::RateLimit);
        assert_eq!(FailureType::InvalidApiKey.to_string(), "invalid_api_key");
        assert!("teapot".parse::<FailureType>().unwrap_err().contains("rate_limit"));
    }
}
