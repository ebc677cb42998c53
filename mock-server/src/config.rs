//! Every flag and environment variable of `mock-vllm`, in one struct.
//!
//! The names follow `vllm serve` where vLLM has the setting (`--host`, `--port`, `--api-key`
//! and `VLLM_API_KEY`, `--served-model-name`, `--max-model-len`); the mock's own settings
//! read `MOCK_VLLM_*` variables.

use std::path::PathBuf;
use std::time::Duration;

use clap::Parser;

use crate::log::{LogFormat, LogOptions};

/// The model the workshop serves, and the name `/v1/models` lists by default.
pub const WORKSHOP_MODEL: &str = "/apps/ecs_mounts/data/q3.6b";

#[derive(Debug, Clone, Parser)]
#[command(
    name = "mock-vllm",
    version,
    about = "A vLLM-compatible mock server that records every request and answers with deterministic sha256 embeddings",
    long_about = "A vLLM-compatible mock server for testing gateways, SDKs and pipelines without a GPU.\n\n\
        It serves vLLM's OpenAI-compatible routes (/v1/embeddings, /v1/chat/completions, \
        /v1/completions, /v1/models) plus /health, /version and /metrics, prints the workshop's \
        `=== REQUEST ===` block per request, and keeps a request journal under /_mock/requests."
)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "MOCK_VLLM_HOST", default_value = "0.0.0.0")]
    pub host: String,

    /// Port to listen on (0 picks a free one).
    #[arg(long, env = "MOCK_VLLM_PORT", default_value_t = 8000)]
    pub port: u16,

    /// API key(s) that /v1/* requires as `Authorization: Bearer <key>`, as vLLM's --api-key.
    /// Several keys may be given, or comma-separated in VLLM_API_KEY.
    #[arg(long = "api-key", env = "VLLM_API_KEY", num_args = 1.., value_delimiter = ',', hide_env_values = true)]
    pub api_keys: Vec<String>,

    /// Model name(s) to serve. When given, requests naming any other model get vLLM's 404;
    /// without it every model name is accepted, as in the workshop.
    #[arg(long = "served-model-name", env = "MOCK_VLLM_SERVED_MODEL_NAME", num_args = 1.., value_delimiter = ',')]
    pub served_model_names: Vec<String>,

    /// The model path, listed by /v1/models (as `id` when no --served-model-name is given, as `root` always).
    #[arg(long, env = "MOCK_VLLM_MODEL", default_value = WORKSHOP_MODEL)]
    pub model: String,

    /// The context length /v1/models reports.
    #[arg(long, env = "MOCK_VLLM_MAX_MODEL_LEN", default_value_t = 32768)]
    pub max_model_len: u32,

    /// Dimensions of an embedding when the request does not ask for `dimensions`.
    #[arg(long, env = "MOCK_VLLM_EMBEDDING_DIMENSIONS", default_value_t = 10)]
    pub embedding_dimensions: usize,

    /// The largest `dimensions` a request may ask for.
    #[arg(long, env = "MOCK_VLLM_MAX_DIMENSIONS", default_value_t = 65536)]
    pub max_dimensions: usize,

    /// Return L2-normalised embeddings (changes every value; off keeps the workshop's numbers).
    #[arg(long, env = "MOCK_VLLM_NORMALIZE")]
    pub normalize: bool,

    /// How many requests the in-memory journal keeps; older ones are dropped and counted.
    #[arg(long, env = "MOCK_VLLM_JOURNAL_CAPACITY", default_value_t = 10_000)]
    pub journal_capacity: usize,

    /// Also append every journal entry to this file as JSON Lines.
    #[arg(long, env = "MOCK_VLLM_JOURNAL_FILE")]
    pub journal_file: Option<PathBuf>,

    /// How many bytes of each request body the journal keeps.
    #[arg(long, env = "MOCK_VLLM_JOURNAL_BODY_LIMIT", default_value_t = 64 * 1024)]
    pub journal_body_limit: usize,

    /// Largest request body accepted; larger ones get 413.
    #[arg(long, env = "MOCK_VLLM_MAX_BODY_BYTES", default_value_t = 32 * 1024 * 1024)]
    pub max_body_bytes: usize,

    /// Token the /_mock inspection API requires as `Authorization: Bearer <token>`.
    #[arg(long, env = "MOCK_VLLM_ADMIN_TOKEN", hide_env_values = true)]
    pub admin_token: Option<String>,

    /// Per-request log on stdout.
    #[arg(long, env = "MOCK_VLLM_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Print credentials (authorization and API-key headers) whole instead of masked.
    #[arg(long, env = "MOCK_VLLM_LOG_SECRETS")]
    pub log_secrets: bool,

    /// Paths that are journaled but not logged, so probes do not bury the workshop's block.
    #[arg(long = "log-skip-path", env = "MOCK_VLLM_LOG_SKIP_PATH", value_delimiter = ',', default_values_t = [String::from("/health"), String::from("/metrics")])]
    pub log_skip_paths: Vec<String>,

    /// Seconds a client has to send a request's headers, and to send its body.
    #[arg(long, env = "MOCK_VLLM_READ_TIMEOUT", default_value_t = 30)]
    pub read_timeout_secs: u64,

    /// Seconds in-flight requests get to finish after SIGTERM or SIGINT.
    #[arg(long, env = "MOCK_VLLM_SHUTDOWN_GRACE", default_value_t = 10)]
    pub shutdown_grace_secs: u64,
}

impl Config {
    /// The defaults, as if no flag and no environment variable were given.
    pub fn defaults() -> Self {
        use clap::{CommandFactory, FromArgMatches};
        // The same command with its env vars unset, so the environment cannot shape defaults.
        let command = Config::command().mut_args(|arg| arg.env(None));
        let matches = command.get_matches_from(["mock-vllm"]);
        Config::from_arg_matches(&matches).expect("the defaults parse")
    }

    /// A config for tests and embedding: loopback, a free port, no per-request log.
    pub fn ephemeral() -> Self {
        Config {
            host: "127.0.0.1".to_owned(),
            port: 0,
            log_format: LogFormat::Off,
            ..Config::defaults()
        }
    }

    pub fn read_timeout(&self) -> Duration {
        Duration::from_secs(self.read_timeout_secs)
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }

    pub fn log_options(&self) -> LogOptions {
        LogOptions {
            format: self.log_format,
            secrets: self.log_secrets,
            skip_paths: self.log_skip_paths.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_is_consistent() {
        use clap::CommandFactory;
        Config::command().debug_assert();
    }

    #[test]
    fn vllm_style_flags_parse() {
        let config = Config::parse_from([
            "mock-vllm",
            "--port",
            "9000",
            "--api-key",
            "k1",
            "--served-model-name",
            "qwen3",
            "other",
            "--log-format",
            "json",
        ]);
        assert_eq!(config.port, 9000);
        assert_eq!(config.api_keys, ["k1"]);
        assert_eq!(config.served_model_names, ["qwen3", "other"]);
        assert_eq!(config.log_format, LogFormat::Json);
    }

    #[test]
    fn defaults_ignore_the_environment() {
        // A variable this test owns: nothing else in the process reads MOCK_VLLM_MAX_MODEL_LEN.
        // SAFETY: tests in this binary do not read or write this variable concurrently.
        unsafe { std::env::set_var("MOCK_VLLM_MAX_MODEL_LEN", "7") };
        assert_eq!(Config::defaults().max_model_len, 32768);
        assert_eq!(Config::parse_from(["mock-vllm"]).max_model_len, 7);
        unsafe { std::env::remove_var("MOCK_VLLM_MAX_MODEL_LEN") };
    }

    #[test]
    fn defaults_are_the_workshops() {
        let config = Config::defaults();
        assert_eq!((config.host.as_str(), config.port), ("0.0.0.0", 8000));
        assert_eq!(config.model, WORKSHOP_MODEL);
        assert_eq!(config.embedding_dimensions, 10);
        assert_eq!(config.journal_capacity, 10_000);
        assert_eq!(config.log_skip_paths, ["/health", "/metrics"]);
    }
}
