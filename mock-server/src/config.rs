//! Every flag and environment variable of `mock-vllm`, in one struct.
//!
//! The names follow `vllm serve` where vLLM has the setting (`--host`, `--port`, `--api-key`
//! and `VLLM_API_KEY`, `--served-model-name`, `--max-model-len`); the mock's own settings
//! read `MOCK_VLLM_*` variables.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser};

use crate::conditions::RuntimeConfig;
use crate::conditions::capacity::Limits;
use crate::conditions::failures::FailureType;
use crate::conditions::rules::{self, Rule};
use crate::conditions::timing::{Millis, Timing};
pub use crate::log::LogFormat;
use crate::log::LogOptions;

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

    /// The model path, as `vllm serve MODEL` takes it; overrides --model.
    #[arg(value_name = "MODEL")]
    pub model_tag: Option<String>,

    /// The model path, listed by /v1/models (as `id` when no --served-model-name is given, as `root` always).
    #[arg(long, env = "MOCK_VLLM_MODEL", default_value = WORKSHOP_MODEL)]
    pub model: String,

    /// What the model is run for, as vLLM's --runner: `generate` serves chat and completions,
    /// `pooling` embeddings, /pooling, score and rerank; `auto` serves both.
    #[arg(long, env = "MOCK_VLLM_RUNNER", value_enum, default_value_t = Runner::Auto)]
    pub runner: Runner,

    /// vLLM's older --task: `generate`, or a pooling task (`embed`, `embedding`, `classify`,
    /// `score`, `reward`), which means --runner pooling.
    #[arg(long, env = "MOCK_VLLM_TASK", value_enum)]
    pub task: Option<Task>,

    /// The context length /v1/models reports.
    #[arg(long, env = "MOCK_VLLM_MAX_MODEL_LEN", default_value_t = 32768)]
    pub max_model_len: u32,

    /// Dimensions of an embedding when the request does not ask for `dimensions`.
    #[arg(long, env = "MOCK_VLLM_EMBEDDING_DIMENSIONS", default_value_t = 10)]
    pub embedding_dimensions: usize,

    /// The largest `dimensions` a request may ask for.
    #[arg(long, env = "MOCK_VLLM_MAX_DIMENSIONS", default_value_t = 65536)]
    pub max_dimensions: usize,

    /// What the served model supports, as vLLM reads it from the model's config and tokenizer:
    /// `qwen3-embedding` (the workshop's model: a chat template, Matryoshka dimensions) or `e5`
    /// (an e5- or MiniLM-like model: neither, so chat-style embeddings and `dimensions` get
    /// vLLM's 400).
    #[arg(long = "model-profile", env = "MOCK_VLLM_MODEL_PROFILE", value_enum, default_value_t = ModelProfile::Qwen3Embedding)]
    pub model_profile: ModelProfile,

    /// The model's pooling task, as vLLM's `--pooler-config '{"task": ...}'` sets it: `embed`
    /// (one vector per prompt) or `token_embed` (one per token). `/pooling` serves that task
    /// and answers vLLM's "Try switching the model's pooling_task" for the other.
    #[arg(long, env = "MOCK_VLLM_POOLING_TASK", value_enum, default_value_t = PoolerTask::Embed)]
    pub pooling_task: PoolerTask,

    /// The model config's `vocab_size`, instead of the profile's (151,669 for
    /// `qwen3-embedding`, 30,522 for `e5`): token ids must lie below it, and `logprobs: -1`
    /// asks for that many.
    #[arg(long, env = "MOCK_VLLM_VOCAB_SIZE")]
    pub vocab_size: Option<u32>,

    /// `system_fingerprint` on chat and completions, as vLLM's flag: `full` and `hash` are
    /// `vllm-<version>-<hash8>` (the hash over the mock's served model and length, as vLLM's is
    /// over its engine config), `custom` is `--fingerprint-value`, `none` is null.
    #[arg(long, env = "MOCK_VLLM_FINGERPRINT_MODE", value_enum, default_value_t = FingerprintMode::Full)]
    pub fingerprint_mode: FingerprintMode,

    /// The fingerprint with `--fingerprint-mode custom`: say, the one your vLLM server sends.
    #[arg(long, env = "MOCK_VLLM_FINGERPRINT_VALUE")]
    pub fingerprint_value: Option<String>,

    /// A Hugging Face `tokenizer.json`: token counts, truncation, length limits, `/tokenize` and
    /// `/detokenize` become that model's, special tokens included. Without it, one token per
    /// whitespace-separated word (the workshop's `prompt_tokens: 9`).
    #[arg(long, env = "MOCK_VLLM_TOKENIZER", value_name = "FILE")]
    pub tokenizer: Option<std::path::PathBuf>,

    /// Return L2-normalised embeddings (changes every value; off keeps the workshop's numbers).
    #[arg(long, env = "MOCK_VLLM_NORMALIZE")]
    pub normalize: bool,

    /// How many requests the in-memory journal keeps; older ones are dropped and counted.
    #[arg(long, env = "MOCK_VLLM_JOURNAL_CAPACITY", default_value_t = 10_000)]
    pub journal_capacity: usize,

    /// About how many bytes of requests the in-memory journal keeps; older ones are dropped and
    /// counted. The default leaves room within kind/manifests' 256 MiB pod limit.
    #[arg(long, env = "MOCK_VLLM_JOURNAL_MAX_BYTES", default_value_t = 64 * 1024 * 1024)]
    pub journal_max_bytes: usize,

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
    #[arg(
        long = "read-timeout",
        value_name = "SECS",
        env = "MOCK_VLLM_READ_TIMEOUT",
        default_value_t = 30
    )]
    pub read_timeout_secs: u64,

    /// Seconds in-flight requests get to finish after SIGTERM or SIGINT.
    #[arg(
        long = "shutdown-grace",
        value_name = "SECS",
        env = "MOCK_VLLM_SHUTDOWN_GRACE",
        default_value_t = 10
    )]
    pub shutdown_grace_secs: u64,

    /// Seconds an idle keep-alive connection stays open, as vLLM's HTTP server (5); 0 keeps it
    /// until --read-timeout.
    #[arg(
        long = "keep-alive-timeout",
        value_name = "SECS",
        env = "VLLM_HTTP_TIMEOUT_KEEP_ALIVE",
        default_value_t = 5
    )]
    pub keep_alive_timeout_secs: u64,

    /// A name for this mock, sent as the x-mock-vllm-instance response header and kept in every
    /// journal entry, to tell replicas apart. Default: the host name.
    #[arg(long, env = "MOCK_VLLM_INSTANCE_ID")]
    pub instance_id: Option<String>,

    #[command(flatten)]
    pub conditions: ConditionArgs,
}

/// The served model as vLLM sees it: what its config and tokenizer say it supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModelProfile {
    /// The workshop's Qwen3-Embedding: a chat template, Matryoshka dimensions.
    Qwen3Embedding,
    /// An e5-like model (BERT tokenizer): no chat template, no Matryoshka dimensions.
    E5,
}

impl ModelProfile {
    /// Its tokenizer has a chat template, so chat-style requests can be rendered.
    pub fn has_chat_template(self) -> bool {
        self == ModelProfile::Qwen3Embedding
    }

    /// Its config says `is_matryoshka`, so a request may ask for `dimensions`.
    pub fn is_matryoshka(self) -> bool {
        self == ModelProfile::Qwen3Embedding
    }

    /// Its config's architecture, as vLLM names the model in some refusals.
    pub fn architecture(self) -> &'static str {
        match self {
            ModelProfile::Qwen3Embedding => "Qwen3ForCausalLM",
            ModelProfile::E5 => "BertModel",
        }
    }

    /// Its config's `vocab_size`: a prompt's token ids must lie below it (or within the
    /// tokenizer's own ids).
    pub fn vocab_size(self) -> u32 {
        match self {
            ModelProfile::Qwen3Embedding => 151_669,
            ModelProfile::E5 => 30_522,
        }
    }
}

/// The tasks an embedding model's pooler can be run for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PoolerTask {
    Embed,
    #[value(name = "token_embed")]
    TokenEmbed,
}

/// vLLM's `--fingerprint-mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FingerprintMode {
    Full,
    Hash,
    Custom,
    None,
}

impl Config {
    /// The served model's vocabulary size: `--vocab-size`, else its profile's.
    pub fn vocab_size(&self) -> u32 {
        self.vocab_size.unwrap_or_else(|| self.model_profile.vocab_size())
    }

    /// The `system_fingerprint` generated answers carry.
    pub fn system_fingerprint(&self, served_model: &str) -> Option<String> {
        match self.fingerprint_mode {
            // One process, no parallelism: vLLM's two modes agree.
            FingerprintMode::Full | FingerprintMode::Hash => {
                Some(crate::openai::system_fingerprint(served_model, self.max_model_len))
            }
            FingerprintMode::Custom => self.fingerprint_value.clone(),
            FingerprintMode::None => None,
        }
    }
}

/// What a vLLM model is run for, which decides the routes it serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Runner {
    /// The mock's own default: both families, as the workshop's gateway routes expect.
    Auto,
    Generate,
    Pooling,
}

impl Runner {
    /// Serves `/v1/chat/completions` and `/v1/completions`.
    pub fn generates(self) -> bool {
        self != Runner::Pooling
    }

    /// Serves `/v1/embeddings`, `/pooling`, `/score` and `/rerank`.
    pub fn pools(self) -> bool {
        self != Runner::Generate
    }
}

/// vLLM's older `--task` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Task {
    Auto,
    Generate,
    Embed,
    Embedding,
    Classify,
    Score,
    Reward,
}

/// Real conditions: timing, capacity and failures, off by default. Names and units follow
/// llm-d's inference simulator; times are milliseconds or durations such as `250ms`.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Real conditions")]
pub struct ConditionArgs {
    /// Time to the first token.
    #[arg(long, env = "MOCK_VLLM_TIME_TO_FIRST_TOKEN", default_value = "0")]
    pub time_to_first_token: Millis,

    /// Standard deviation of the time to the first token (at most 30% of it).
    #[arg(long, env = "MOCK_VLLM_TIME_TO_FIRST_TOKEN_STD_DEV", default_value = "0")]
    pub time_to_first_token_std_dev: Millis,

    /// Time between streamed tokens.
    #[arg(long, env = "MOCK_VLLM_INTER_TOKEN_LATENCY", default_value = "0")]
    pub inter_token_latency: Millis,

    /// Standard deviation of the time between tokens (at most 30% of it).
    #[arg(long, env = "MOCK_VLLM_INTER_TOKEN_LATENCY_STD_DEV", default_value = "0")]
    pub inter_token_latency_std_dev: Millis,

    /// Added to the time to the first token per prompt token (a large batch takes longer).
    #[arg(long, env = "MOCK_VLLM_PREFILL_TIME_PER_TOKEN", default_value = "0")]
    pub prefill_time_per_token: Millis,

    /// How much slower requests get with every running slot taken (at least 1).
    #[arg(long, env = "MOCK_VLLM_TIME_FACTOR_UNDER_LOAD", default_value_t = 1.0)]
    pub time_factor_under_load: f64,

    /// Requests running at once; the rest wait. Default: no limit.
    #[arg(long, env = "MOCK_VLLM_MAX_NUM_SEQS")]
    pub max_num_seqs: Option<usize>,

    /// Requests waiting for a running slot; more are refused with 429. Default: no limit, as vLLM.
    #[arg(long, env = "MOCK_VLLM_MAX_WAITING_QUEUE_LENGTH")]
    pub max_waiting_queue_length: Option<usize>,

    /// Percent (0-100) of the requests to /v1 that fail at random.
    #[arg(long, env = "MOCK_VLLM_FAILURE_INJECTION_RATE", default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=100))]
    pub failure_injection_rate: u8,

    /// Which failures --failure-injection-rate injects; default all.
    #[arg(long, env = "MOCK_VLLM_FAILURE_TYPES", value_enum, value_delimiter = ',')]
    pub failure_types: Vec<FailureType>,

    /// Seed for every random draw (latencies, failures, rate rules), so a run is reproducible.
    /// Default: from the clock.
    #[arg(long, env = "MOCK_VLLM_SEED")]
    pub seed: Option<u64>,

    /// A JSON file holding an array of fault rules (see the README).
    #[arg(long = "rules", env = "MOCK_VLLM_RULES")]
    pub rules_file: Option<PathBuf>,

    /// One fault rule as JSON; may be repeated.
    #[arg(long = "rule")]
    pub rules: Vec<String>,
}

/// A fault rule file or flag that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("cannot read the rules file {path}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{origin}: {reason}")]
    Invalid { origin: String, reason: String },
}

impl ConditionArgs {
    /// The settings `/_mock/config` starts from.
    pub fn runtime(&self) -> RuntimeConfig {
        RuntimeConfig {
            timing: Timing {
                time_to_first_token: self.time_to_first_token,
                time_to_first_token_std_dev: self.time_to_first_token_std_dev,
                inter_token_latency: self.inter_token_latency,
                inter_token_latency_std_dev: self.inter_token_latency_std_dev,
                prefill_time_per_token: self.prefill_time_per_token,
                time_factor_under_load: self.time_factor_under_load,
            },
            limits: Limits {
                max_num_seqs: self.max_num_seqs,
                max_waiting_queue_length: self.max_waiting_queue_length,
            },
            metrics: Default::default(),
        }
    }

    /// The seed, drawn from the clock when none is given.
    pub fn seed(&self) -> u64 {
        self.seed.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or_default()
        })
    }

    /// The rules of the file, then of the flags, then the random failure injection.
    pub fn rules(&self, seed: u64) -> Result<Vec<Rule>, RulesError> {
        let mut rules = Vec::new();
        if let Some(path) = &self.rules_file {
            let text = std::fs::read_to_string(path).map_err(|source| RulesError::Read {
                path: path.clone(),
                source,
            })?;
            let from_file: Vec<Rule> = serde_json::from_str(&text).map_err(|e| RulesError::Invalid {
                origin: path.display().to_string(),
                reason: e.to_string(),
            })?;
            rules.extend(from_file);
        }
        for (i, json) in self.rules.iter().enumerate() {
            let rule: Rule = serde_json::from_str(json).map_err(|e| RulesError::Invalid {
                origin: format!("--rule #{}", i + 1),
                reason: e.to_string(),
            })?;
            rules.push(rule);
        }
        rules.extend(rules::failure_injection(
            self.failure_injection_rate,
            &self.failure_types,
            seed,
        ));
        Ok(rules)
    }
}

/// The host's name, as the instance's default name: the pod's name on Kubernetes, the
/// container's id under Docker.
pub fn host_name() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "mock-vllm".to_owned())
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
        Config::ephemeral_with(std::iter::empty::<String>()).expect("the defaults parse")
    }

    /// As [`Config::ephemeral`], with the model's and the conditions' `flags` as the command
    /// line takes them (`--model-profile e5`, `--tokenizer FILE`...); the environment is not
    /// read, and the address and log stay the ephemeral ones.
    pub fn ephemeral_with<I: Into<std::ffi::OsString> + Clone>(
        flags: impl IntoIterator<Item = I>,
    ) -> Result<Self, clap::Error> {
        use clap::{CommandFactory, FromArgMatches};
        let command = Config::command().mut_args(|arg| arg.env(None));
        let args = std::iter::once(std::ffi::OsString::from("mock-vllm")).chain(flags.into_iter().map(Into::into));
        let config = Config::from_arg_matches(&command.try_get_matches_from(args)?)?;
        Ok(Config {
            host: "127.0.0.1".to_owned(),
            port: 0,
            log_format: LogFormat::Off,
            ..config
        })
    }

    /// The model path: the positional `MODEL`, else --model.
    pub fn model_path(&self) -> &str {
        self.model_tag.as_deref().unwrap_or(&self.model)
    }

    /// The route families served: --runner, else what --task implies, else both.
    pub fn runner(&self) -> Runner {
        match (self.runner, self.task) {
            (Runner::Auto, Some(Task::Generate)) => Runner::Generate,
            (Runner::Auto, Some(Task::Auto) | None) => Runner::Auto,
            (Runner::Auto, Some(_)) => Runner::Pooling,
            (runner, _) => runner,
        }
    }

    pub fn read_timeout(&self) -> Duration {
        Duration::from_secs(self.read_timeout_secs)
    }

    /// How long a connection may wait for a request's headers: the keep-alive timeout, which
    /// starts when a connection waits for its next request, within --read-timeout.
    pub fn header_read_timeout(&self) -> Duration {
        match self.keep_alive_timeout_secs {
            0 => self.read_timeout(),
            secs => Duration::from_secs(secs).min(self.read_timeout()),
        }
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
        assert_eq!(config.model_path(), WORKSHOP_MODEL);
        assert_eq!(config.runner(), Runner::Auto);
        assert_eq!(config.embedding_dimensions, 10);
        assert_eq!(config.journal_capacity, 10_000);
        assert_eq!(config.log_skip_paths, ["/health", "/metrics"]);
        assert_eq!(
            config.header_read_timeout(),
            Duration::from_secs(5),
            "vLLM's keep-alive"
        );
        assert_eq!(
            config.conditions.runtime(),
            RuntimeConfig::default(),
            "real conditions are off"
        );
    }

    #[test]
    fn the_model_is_positional_as_in_vllm_serve() {
        let config = Config::parse_from(["mock-vllm", "Qwen/Qwen3-Embedding-0.6B", "--port", "9000"]);
        assert_eq!(config.model_path(), "Qwen/Qwen3-Embedding-0.6B");
        let config = Config::parse_from(["mock-vllm", "--model", "a", "b"]);
        assert_eq!(config.model_path(), "b", "vllm serve lets the positional model win");
    }

    #[test]
    fn runner_and_task_pick_the_routes() {
        let runner =
            |args: &[&str]| Config::parse_from(std::iter::once("mock-vllm").chain(args.iter().copied())).runner();
        assert_eq!(runner(&["--runner", "pooling"]), Runner::Pooling);
        assert_eq!(runner(&["--task", "embed"]), Runner::Pooling);
        assert_eq!(runner(&["--task", "generate"]), Runner::Generate);
        assert_eq!(runner(&["--runner", "generate", "--task", "embed"]), Runner::Generate);
        assert!(Runner::Auto.generates() && Runner::Auto.pools());
        assert!(!Runner::Pooling.generates() && !Runner::Generate.pools());
    }

    #[test]
    fn timeouts_are_named_as_documented() {
        let config = Config::parse_from(["mock-vllm", "--read-timeout", "3", "--shutdown-grace", "4"]);
        assert_eq!(
            (config.read_timeout(), config.shutdown_grace()),
            (Duration::from_secs(3), Duration::from_secs(4))
        );
    }

    #[test]
    fn the_simulators_flags_parse() {
        let config = Config::parse_from([
            "mock-vllm",
            "--time-to-first-token",
            "200",
            "--inter-token-latency",
            "10ms",
            "--max-num-seqs",
            "5",
            "--failure-injection-rate",
            "20",
            "--failure-types",
            "rate_limit,server_error",
            "--seed",
            "7",
            "--rule",
            r#"{"action": {"type": "hang"}, "count": {"first": 1}}"#,
        ]);
        let runtime = config.conditions.runtime();
        assert_eq!(runtime.timing.time_to_first_token, Millis(200.0));
        assert_eq!(runtime.timing.inter_token_latency, Millis(10.0));
        assert_eq!(runtime.limits.max_num_seqs, Some(5));
        let rules = config.conditions.rules(7).unwrap();
        assert_eq!(rules.len(), 2, "the flag's rule and the failure injection");
        assert!(Config::try_parse_from(["mock-vllm", "--failure-injection-rate", "101"]).is_err());
        assert!(Config::try_parse_from(["mock-vllm", "--time-to-first-token", "soon"]).is_err());
    }

    #[test]
    fn a_bad_rule_names_where_it_came_from() {
        let config = Config::parse_from(["mock-vllm", "--rule", "{\"action\": {}}"]);
        let err = config.conditions.rules(1).unwrap_err().to_string();
        assert!(err.starts_with("--rule #1:"), "{err}");
        let config = Config::parse_from(["mock-vllm", "--rules", "/nonexistent/rules.json"]);
        let err = config.conditions.rules(1).unwrap_err().to_string();
        assert!(err.contains("/nonexistent/rules.json"), "{err}");
    }
}
