//! `POST /pooling`: vLLM's `PoolingRequest` (a prompt or a conversation, and the pooling
//! `task`) and `PoolingResponse`.

use serde::{Deserialize, Serialize};

use super::embeddings::{EmbedDType, Encoding, EncodingFormat, Endianness, TokenizeParams, TruncationSide};
use super::messages::ChatMessage;
use super::usage::Usage;
use super::validation::{FieldError, lax_int};
use super::{Prompt, RequestBody};

#[derive(Debug, Clone, Deserialize)]
pub struct PoolingRequest {
    pub model: Option<String>,
    /// `PoolingCompletionRequest`.
    pub input: Option<Prompt>,
    /// `PoolingChatRequest`.
    pub messages: Option<Vec<ChatMessage>>,
    #[serde(default, deserialize_with = "super::embeddings::lax_flag")]
    pub add_generation_prompt: bool,
    #[serde(default, deserialize_with = "super::embeddings::lax_flag")]
    pub continue_final_message: bool,
    /// `IOProcessorRequest`: a plugin's input.
    #[serde(default, deserialize_with = "super::embeddings::present")]
    pub data: bool,
    /// vLLM's `PoolingTask`, read after its validators have looked at what was sent.
    #[serde(default, deserialize_with = "task_as_sent")]
    pub task: Option<serde_json::Value>,
    pub cache_salt: Option<serde_json::Value>,
    #[serde(default)]
    pub encoding_format: EncodingFormat,
    #[serde(default)]
    pub embed_dtype: EmbedDType,
    #[serde(default)]
    pub endianness: Endianness,
    #[serde(default, with = "lax_int")]
    pub dimensions: Option<i64>,
    #[serde(default, with = "lax_int")]
    pub truncate_prompt_tokens: Option<i64>,
    pub truncation_side: Option<TruncationSide>,
    #[serde(default, with = "super::validation::lax_bool")]
    pub use_activation: Option<bool>,
    #[expect(dead_code, reason = "read to be refused as vLLM refuses it; the answer needs none")]
    pub user: Option<String>,
    #[expect(dead_code, reason = "read to be refused as vLLM refuses it; the answer needs none")]
    pub request_id: Option<String>,
    #[serde(default, deserialize_with = "super::embeddings::present")]
    pub normalize: bool,
}

/// `task` as sent, `null` included.
fn task_as_sent<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<serde_json::Value>, D::Error> {
    serde_json::Value::deserialize(deserializer).map(Some)
}

crate::literal! {
    /// vLLM's `PoolingTask`.
    pub enum PoolingTask {
        Embed = "embed",
        TokenEmbed = "token_embed",
        Classify = "classify",
        TokenClassify = "token_classify",
        Plugin = "plugin",
        EmbedAndTokenClassify = "embed&token_classify",
    }
}

impl PoolingRequest {
    /// The body is a plugin's (`IOProcessorRequest`): `data`, and neither a prompt nor a
    /// conversation, which pydantic would have tried first.
    pub fn is_plugin_data(&self) -> bool {
        self.data && self.input.is_none() && self.messages.is_none()
    }

    /// The task asked for, when it is one of vLLM's.
    pub fn pooling_task(&self) -> Result<Option<PoolingTask>, Box<FieldError>> {
        let Some(task) = self.task.as_ref().filter(|t| !t.is_null()) else {
            return Ok(None);
        };
        PoolingTask::deserialize(task)
            .map(Some)
            .map_err(|err| Box::new(super::validation::from_serde(&err.to_string(), vec!["task".into()])))
    }

    pub fn encoding(&self) -> Encoding {
        Encoding {
            format: self.encoding_format,
            dtype: self.embed_dtype,
            endianness: self.endianness,
        }
    }

    pub fn tokenize_params(&self) -> TokenizeParams {
        TokenizeParams {
            tokens: self.truncate_prompt_tokens,
            side: self.truncation_side,
            pad_to_max_length: false,
        }
    }
}

impl RequestBody for PoolingRequest {
    fn schema() -> Option<&'static super::pydantic::Schema> {
        Some(&super::vllm_models::POOLING_REQUEST)
    }

    fn check(&self) -> Vec<FieldError> {
        let mut errors = super::embeddings::PoolingChecks {
            normalize: self.normalize,
            task: self.task.as_ref(),
            cache_salt: self.cache_salt.as_ref(),
            both_chat_flags: self.add_generation_prompt && self.continue_final_message,
            truncation: self.tokenize_params(),
            has_prompt: self.input.is_some() || self.messages.is_some() || self.data,
        }
        .check();
        if errors.is_empty()
            && let Err(literal) = self.pooling_task()
        {
            errors.push(*literal);
        }
        errors
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolingResponse {
    pub id: String,
    pub object: String,
    pub created: u64,
    pub model: String,
    pub data: Vec<PoolingData>,
    pub usage: Usage,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolingData {
    pub index: usize,
    pub object: String,
    pub data: PooledValue,
}

/// One vector (`embed`), one per token (`token_embed`), or base64 of their bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PooledValue {
    Vector(Vec<f64>),
    PerToken(Vec<Vec<f64>>),
    Base64(String),
}
