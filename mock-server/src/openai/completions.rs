//! `POST /v1/completions`: vLLM's `CompletionRequest`, response and stream chunks.

use serde::{Deserialize, Serialize};

use super::model_validators::stream_options_without_stream;
use super::sampling::{ResponseFormat, Sampling, Stop, generation_request};
use super::stream_options::StreamOptions;
use super::unset::Null;
use super::usage::{ChunkUsage, Usage};
use super::validation::{FieldError, lax_int};
use super::{Prompt, RequestBody};

generation_request! {
    #[derive(Debug, Clone, Deserialize)]
    pub struct CompletionRequest {
        pub model: Option<String>,
        pub prompt: Option<Prompt>,
        #[serde(default, with = "lax_int")]
        pub max_tokens: Option<i64>,
        /// How many sample logprobs per token (a bool is pydantic's lax 0 or 1).
        #[serde(default, with = "lax_int")]
        pub logprobs: Option<i64>,
        /// The prompt comes back before the completion.
        #[serde(default)]
        pub echo: bool,
        /// Text after the completion: only a model with fill-in-the-middle rendering takes it.
        pub suffix: Option<String>,
    }
}

impl CompletionRequest {
    pub fn sampling(&self) -> Sampling {
        self.sampling_asking(self.logprobs)
    }
}

impl RequestBody for CompletionRequest {
    fn schema() -> Option<&'static super::pydantic::Schema> {
        Some(&super::vllm_models::COMPLETION_REQUEST)
    }

    fn check(&self) -> Vec<FieldError> {
        // vLLM's `mode="before"` validators, in the order pydantic runs them (the last declared
        // first), then the fields. `validate_prompt_and_prompt_embeds` is a plain 400.
        if matches!(&self.prompt, None | Some(Prompt::Text(_))) && self.prompt.as_ref().is_none_or(Prompt::is_empty) {
            return vec![FieldError::vllm(
                "Either prompt or prompt_embeds must be provided and non-empty.",
                Some("prompt"),
            )];
        }
        if self.stream_options.as_ref().is_some_and(StreamOptions::is_set) && self.stream != Some(true) {
            return vec![stream_options_without_stream()];
        }
        if let Some(refused) = self.response_format.as_ref().and_then(ResponseFormat::check) {
            return vec![refused];
        }
        self.stop.as_ref().and_then(Stop::check).into_iter().collect()
    }
}

/// vLLM 0.33.0's `CompletionResponse`: the fields a mock has no value for are null, as vLLM
/// sends them when they are not in play.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompletionResponse {
    pub id: String,
    pub object: String,
    pub created: u64,
    pub model: String,
    pub choices: Vec<CompletionChoice>,
    pub service_tier: Option<String>,
    pub system_fingerprint: Option<String>,
    pub usage: Usage,
    pub kv_transfer_params: Option<serde_json::Value>,
    pub ec_transfer_params: Option<serde_json::Value>,
    pub metrics: Option<serde_json::Value>,
}

/// A chunk of a streamed completion: `kv_transfer_params` null on a token's, the closing
/// usage chunk (or a finish chunk, when none follows) with `system_fingerprint`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompletionChunk {
    pub id: String,
    pub object: String,
    pub created: u64,
    pub model: String,
    pub choices: Vec<CompletionChoice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<ChunkUsage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_fingerprint: Option<String>,
    #[serde(default, skip_serializing_if = "Null::is_unset")]
    pub kv_transfer_params: Null,
}

/// A choice; a whole answer's also carries `prompt_logprobs` and `routed_experts`, a chunk's
/// does not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CompletionChoice {
    pub index: usize,
    pub text: String,
    pub logprobs: Option<super::logprobs::CompletionLogprobs>,
    pub finish_reason: Option<String>,
    pub stop_reason: Option<String>,
    pub token_ids: Option<Vec<u32>>,
    /// `null` in a whole answer without them; no key in a chunk.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prompt_logprobs: Option<Option<super::logprobs::PromptLogprobs>>,
    pub prompt_token_ids: Option<Vec<u32>>,
    #[serde(default, skip_serializing_if = "Null::is_unset")]
    pub routed_experts: Null,
    pub weight_versions: Option<serde_json::Value>,
}
