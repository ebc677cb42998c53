//! `POST /pooling`: vLLM's `PoolingRequest` (a prompt or a conversation, and the pooling
//! `task`) and `PoolingResponse`.

use serde::{Deserialize, Serialize};

use super::chat::ChatMessage;
use super::embeddings::{EmbedDType, Encoding, EncodingFormat, Endianness, Truncation, TruncationSide};
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
    #[serde(default)]
    pub add_generation_prompt: bool,
    #[serde(default)]
    pub continue_final_message: bool,
    pub task: Option<PoolingTask>,
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
    pub use_activation: Option<bool>,
    pub user: Option<String>,
    pub request_id: Option<String>,
    #[serde(default, deserialize_with = "super::embeddings::present")]
    pub normalize: bool,
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
    pub fn encoding(&self) -> Encoding {
        Encoding {
            format: self.encoding_format,
            dtype: self.embed_dtype,
            endianness: self.endianness,
        }
    }

    pub fn truncation(&self) -> Truncation {
        Truncation {
            tokens: self.truncate_prompt_tokens,
            side: self.truncation_side,
        }
    }
}

impl RequestBody for PoolingRequest {
    fn check(&self) -> Vec<FieldError> {
        super::embeddings::check_pooling(
            self.normalize,
            self.add_generation_prompt && self.continue_final_message,
            self.truncation(),
            self.input.is_some() || self.messages.is_some(),
        )
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
