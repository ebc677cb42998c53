//! `POST /v1/embeddings`: vLLM's `EmbeddingCompletionRequest` and `EmbeddingResponse`.

use serde::{Deserialize, Serialize};

use super::Prompt;
use super::usage::Usage;

#[derive(Debug, Clone, Deserialize)]
pub struct EmbeddingRequest {
    /// Optional in vLLM: the first served model answers when it is left out.
    pub model: Option<String>,
    pub input: Option<Prompt>,
    #[serde(default)]
    pub encoding_format: EncodingFormat,
    pub dimensions: Option<i64>,
    pub user: Option<String>,
    pub truncate_prompt_tokens: Option<i64>,
    pub add_special_tokens: Option<bool>,
    pub priority: Option<i64>,
    pub request_id: Option<String>,
    /// vLLM's pooling parameter; overrides `--normalize` for this request.
    pub normalize: Option<bool>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EncodingFormat {
    #[default]
    Float,
    Base64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingResponse {
    pub id: String,
    pub object: String,
    pub created: u64,
    pub model: String,
    pub data: Vec<EmbeddingData>,
    pub usage: Usage,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmbeddingData {
    pub index: usize,
    pub object: String,
    pub embedding: EmbeddingValue,
}

/// A vector as JSON numbers, or as base64 of little-endian `f32`s.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EmbeddingValue {
    Float(Vec<f64>),
    Base64(String),
}
