//! The state every handler shares: settings, the journal, the metrics, the served models, the
//! real conditions.

use std::fs::OpenOptions;
use std::io::{BufWriter, Write};
use std::sync::Arc;

use http::HeaderValue;

use crate::auth::{ApiKeys, KeyRing};
use crate::conditions::Conditions;
use crate::config::{Config, RulesError, host_name};
use crate::journal::{Bounds, Journal, RecordedRequest, Subscriber, sink::LineSink};
use crate::log;
use crate::metrics::Metrics;
use crate::openai::ApiError;
use crate::tokenizer::Tokenizer;

/// Why the mock could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {address}")]
    Bind {
        address: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the journal file {path}")]
    JournalFile {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot start a log writer: {0}")]
    Writer(#[source] std::io::Error),
    #[error(transparent)]
    Tokenizer(#[from] crate::tokenizer::LoadError),
    #[error(transparent)]
    Rules(#[from] RulesError),
    #[error("{0}")]
    Conditions(String),
}

/// The state every handler shares, built from a [`Config`] by [`AppState::new`] and handed to
/// [`crate::serve`].
pub struct AppState {
    pub(crate) config: Config,
    /// `--instance-id`, or the host name.
    pub(crate) instance: Arc<str>,
    pub(crate) instance_header: HeaderValue,
    pub(crate) conditions: Conditions,
    pub(crate) models: ServedModels,
    /// Starts as `--api-key`; `PUT /_mock/api-keys` swaps it, e.g. to play a key rotation.
    pub(crate) api_keys: KeyRing,
    pub(crate) admin_token: Option<ApiKeys>,
    pub(crate) journal: Journal,
    pub(crate) metrics: Metrics,
    /// Counts, truncates, `/tokenize`s and `/detokenize`s every prompt.
    pub(crate) tokenizer: Tokenizer,
    /// Sent with every generated answer, as vLLM does.
    pub(crate) system_fingerprint: Option<String>,
}

impl AppState {
    /// Builds the state, opening the journal file and starting the log and file writers.
    pub fn new(config: Config) -> Result<Arc<Self>, StartError> {
        Self::with_log_output(config, Box::new(std::io::stdout()))
    }

    /// As [`AppState::new`], with the per-request log going to `out` instead of stdout.
    pub(crate) fn with_log_output(config: Config, out: Box<dyn Write + Send>) -> Result<Arc<Self>, StartError> {
        let seed = config.conditions.seed();
        let conditions = Conditions::new(config.conditions.runtime(), seed).map_err(StartError::Conditions)?;
        conditions
            .rules
            .add(config.conditions.rules(seed)?)
            .map_err(StartError::Conditions)?;
        let mut subscribers: Vec<Subscriber> = Vec::new();
        if let Some(log) = log::subscriber(config.log_options(), out).map_err(StartError::Writer)? {
            subscribers.push(log);
        }
        if let Some(path) = &config.journal_file {
            let file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|source| StartError::JournalFile {
                    path: path.clone(),
                    source,
                })?;
            subscribers.push(
                LineSink::spawn(
                    "mock-vllm-journal-file",
                    Box::new(BufWriter::new(file)),
                    Box::new(|entry: &Arc<RecordedRequest>, buf: &mut Vec<u8>| {
                        if serde_json::to_writer(&mut *buf, entry.as_ref()).is_ok() {
                            buf.push(b'\n');
                        }
                    }),
                )
                .map_err(StartError::Writer)?,
            );
        }
        let instance: Arc<str> = config.instance_id.clone().unwrap_or_else(host_name).into();
        let bounds = Bounds {
            entries: config.journal_capacity,
            bytes: config.journal_max_bytes,
        };
        Ok(Arc::new(AppState {
            instance_header: instance_header(&instance),
            instance,
            conditions,
            models: ServedModels::new(&config),
            api_keys: KeyRing::new(ApiKeys::new(&config.api_keys)),
            admin_token: config
                .admin_token
                .as_ref()
                .map(|t| ApiKeys::new(std::slice::from_ref(t))),
            journal: Journal::new(bounds, subscribers),
            metrics: Metrics::new(&ServedModels::new(&config).names()[0]),
            system_fingerprint: config.system_fingerprint(ServedModels::new(&config).served_name()),
            tokenizer: match &config.tokenizer {
                Some(path) => Tokenizer::from_file(path)?,
                None => Tokenizer::words(config.vocab_size()),
            },
            config,
        }))
    }
}

/// The instance header's value, made once.
pub fn instance_header(instance: &str) -> HeaderValue {
    HeaderValue::from_str(instance).unwrap_or_else(|_| HeaderValue::from_static("mock-vllm"))
}

/// The model names the mock answers to.
#[derive(Debug, Clone)]
pub struct ServedModels {
    names: Vec<String>,
    /// Only with --served-model-name: otherwise any name is accepted, as in the workshop.
    strict: bool,
}

impl ServedModels {
    pub fn new(config: &Config) -> Self {
        if config.served_model_names.is_empty() {
            ServedModels {
                names: vec![config.model_path().to_owned()],
                strict: false,
            }
        } else {
            ServedModels {
                names: config.served_model_names.clone(),
                strict: true,
            }
        }
    }

    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The name answers carry in `model`, whatever the request named: vLLM's first served
    /// name (the model path when no --served-model-name is given).
    pub fn served_name(&self) -> &str {
        &self.names[0]
    }

    /// The model a request names, for the journal (the first served name when it names none,
    /// or names `""`, which vLLM takes as no name), or vLLM's 404 when --served-model-name is
    /// given and the name is not among them.
    pub fn resolve(&self, requested: Option<&str>) -> Result<String, ApiError> {
        match requested {
            None | Some("") => Ok(self.names[0].clone()),
            Some(name) if !self.strict || self.names.iter().any(|n| n == name) => Ok(name.to_owned()),
            Some(name) => Err(ApiError::ModelNotFound(name.to_owned())),
        }
    }

    /// As [`ServedModels::resolve`], refusing as vLLM's chat, completion and tokenizer routes
    /// do: their 404 lists the served names.
    pub fn resolve_listing_names(&self, requested: Option<&str>) -> Result<String, ApiError> {
        self.resolve(requested).map_err(|_| ApiError::UnknownModel {
            model: requested.unwrap_or_default().to_owned(),
            valid_aliases: self.names.join(", "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_model_is_accepted_without_served_names() {
        let models = ServedModels::new(&Config::defaults());
        assert_eq!(models.resolve(Some("anything")).unwrap(), "anything");
        assert_eq!(models.resolve(None).unwrap(), crate::config::WORKSHOP_MODEL);
    }

    #[test]
    fn served_names_are_enforced() {
        let config = Config {
            served_model_names: vec!["qwen3".into()],
            ..Config::defaults()
        };
        let models = ServedModels::new(&config);
        assert_eq!(models.resolve(Some("qwen3")).unwrap(), "qwen3");
        assert_eq!(models.resolve(None).unwrap(), "qwen3");
        assert_eq!(
            models.resolve(Some("gpt-4")),
            Err(ApiError::ModelNotFound("gpt-4".into()))
        );
    }
}
