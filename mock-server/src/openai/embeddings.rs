//! `POST /v1/embeddings`: vLLM's embeddings requests (`EmbeddingCompletionRequest` with
//! `input`, `EmbeddingChatRequest` with `messages`), `EmbeddingResponse`, and the metadata of
//! the binary (`bytes`) answer.

use serde::{Deserialize, Serialize};

use super::messages::ChatMessage;
use super::model_validators::{cache_salt_refusal, generation_prompt_conflict, normalize_removed, removed_task};
use super::usage::Usage;
use super::validation::{FieldError, lax_bool, lax_int};
use super::{Prompt, RequestBody};

/// `Default` for the requests vLLM makes of its own (Cohere's `/v2/embed`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EmbeddingRequest {
    /// Optional in vLLM: the first served model answers when it is left out.
    pub model: Option<String>,
    pub input: Option<EmbeddingInput>,
    /// vLLM's chat-style embeddings: a conversation (or a batch of them) instead of `input`.
    pub messages: Option<Conversations>,
    #[serde(default, deserialize_with = "lax_flag")]
    pub add_generation_prompt: bool,
    #[serde(default, deserialize_with = "lax_flag")]
    pub continue_final_message: bool,
    /// Accepted as vLLM accepts it; the mock's rendering has no template to pass it to.
    pub chat_template_kwargs: Option<serde_json::Map<String, serde_json::Value>>,
    /// A request's own Jinja template, which vLLM refuses unless trusted.
    pub chat_template: Option<String>,
    #[serde(default)]
    pub encoding_format: EncodingFormat,
    #[serde(default)]
    pub embed_dtype: EmbedDType,
    #[serde(default)]
    pub endianness: Endianness,
    #[serde(default, with = "lax_int")]
    pub dimensions: Option<i64>,
    pub user: Option<String>,
    #[serde(default, with = "lax_int")]
    pub truncate_prompt_tokens: Option<i64>,
    pub truncation_side: Option<TruncationSide>,
    #[serde(default, with = "lax_bool")]
    pub add_special_tokens: Option<bool>,
    #[serde(default, with = "lax_int::within_i64")]
    pub priority: Option<i64>,
    pub request_id: Option<String>,
    /// vLLM's pooling activation (normalisation for embeddings); `None` takes `--normalize`.
    #[serde(default, with = "lax_bool")]
    pub use_activation: Option<bool>,
    pub padding: Option<Padding>,
    pub mm_processor_kwargs: Option<serde_json::Map<String, serde_json::Value>>,
    /// Removed from vLLM's requests; its presence is vLLM's 400.
    #[serde(default, deserialize_with = "present")]
    pub normalize: bool,
    /// Looked at by vLLM's validators only, as sent: removed tasks are refused.
    pub task: Option<serde_json::Value>,
    /// The prefix cache's salt, as sent: vLLM's validator refuses a bad one.
    pub cache_salt: Option<serde_json::Value>,
}

crate::literal! {
    pub enum Padding { MaxLength = "max_length", DoNotPad = "do_not_pad" }
}

/// A `bool` field with a default, as pydantic's lax mode takes it.
pub(super) fn lax_flag<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    lax_bool::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// How pooled values are encoded: vLLM's `encoding_format`, `embed_dtype` and `endianness`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Encoding {
    pub format: EncodingFormat,
    pub dtype: EmbedDType,
    pub endianness: Endianness,
}

/// How a request's prompts are tokenized (vLLM's `TokenizeParams`): `truncate_prompt_tokens`
/// (-1: the model's length), `truncation_side`, and `padding: "max_length"`, which pads each
/// prompt to the model's length.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TokenizeParams {
    pub tokens: Option<i64>,
    pub side: Option<TruncationSide>,
    pub pad_to_max_length: bool,
}

impl EmbeddingRequest {
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
            pad_to_max_length: self.padding == Some(Padding::MaxLength),
        }
    }
}

crate::literal! {
    #[derive(Default)]
    pub enum EncodingFormat { #[default] Float = "float", Base64 = "base64", Bytes = "bytes", BytesOnly = "bytes_only" }
}

crate::literal! {
    #[derive(Default)]
    pub enum EmbedDType {
        #[default]
        Float32 = "float32",
        Float16 = "float16",
        Bfloat16 = "bfloat16",
        Fp8E4m3 = "fp8_e4m3",
        Fp8E5m2 = "fp8_e5m2",
    }
}

crate::literal! {
    #[derive(Default)]
    pub enum Endianness { #[default] Native = "native", Big = "big", Little = "little" }
}

crate::literal! {
    /// `left` keeps the last tokens (vLLM's default), `right` the first.
    pub enum TruncationSide { Left = "left", Right = "right" }
}

/// `true` when the field is in the body at all, even as `null`, as Python's `in` sees it.
pub(super) fn present<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    serde::de::IgnoredAny::deserialize(deserializer).map(|_| true)
}

impl RequestBody for EmbeddingRequest {
    fn schema() -> Option<&'static super::pydantic::Schema> {
        Some(&super::vllm_models::EMBEDDING_REQUEST)
    }

    fn check(&self) -> Vec<FieldError> {
        PoolingChecks {
            normalize: self.normalize,
            task: self.task.as_ref(),
            cache_salt: self.cache_salt.as_ref(),
            both_chat_flags: self.add_generation_prompt && self.continue_final_message,
            truncation: self.tokenize_params(),
            has_prompt: self.input.is_some() || self.messages.is_some(),
        }
        .check()
    }
}

/// What vLLM's embeddings and pooling requests share in its own validators and pydantic's
/// constraints, in vLLM's order: the removed `normalize` and tasks, the cache salt, both chat
/// flags, the truncation, a prompt at all.
pub(super) struct PoolingChecks<'a> {
    pub normalize: bool,
    pub task: Option<&'a serde_json::Value>,
    pub cache_salt: Option<&'a serde_json::Value>,
    pub both_chat_flags: bool,
    pub truncation: TokenizeParams,
    pub has_prompt: bool,
}

impl PoolingChecks<'_> {
    pub fn check(&self) -> Vec<FieldError> {
        if self.normalize {
            return vec![normalize_removed()];
        }
        let task = self.task.and_then(serde_json::Value::as_str);
        if let Some(removed) = task.and_then(removed_task) {
            return vec![removed];
        }
        if let Some(refused) = self.cache_salt.and_then(cache_salt_refusal) {
            return vec![refused];
        }
        if self.both_chat_flags {
            return vec![generation_prompt_conflict()];
        }
        let mut errors = self.truncation.check();
        if !self.has_prompt {
            errors.push(FieldError::missing("input"));
        }
        errors
    }
}

impl TokenizeParams {
    pub fn check(&self) -> Vec<FieldError> {
        FieldError::check_ge("truncate_prompt_tokens", self.tokens, -1)
            .into_iter()
            .collect()
    }
}

/// `input`: a prompt in OpenAI's four shapes, or, as vLLM also takes it, a conversation or a
/// batch of conversations.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(
    untagged,
    expecting = "expected a string, an array of strings, an array of token ids, an array of token-id arrays, or chat messages"
)]
pub enum EmbeddingInput {
    Prompt(Prompt),
    Conversation(Vec<ChatMessage>),
    Conversations(Vec<Vec<ChatMessage>>),
}

/// `messages`: one conversation, or a batch of them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(
    untagged,
    expecting = "expected an array of chat messages, or an array of such arrays"
)]
pub enum Conversations {
    One(Vec<ChatMessage>),
    Batch(Vec<Vec<ChatMessage>>),
}

/// The text a conversation renders to: `role: content` per message, then `assistant:` with
/// `add_generation_prompt`, run together. The mock has no model's chat template; this is what
/// the vLLM oracle's models' templates render (`{{ role }}: {{ content }}` per message, the line
/// breaks between them eaten by transformers' `trim_blocks`), so with the model's
/// `--tokenizer` the mock counts and tokenizes a conversation as vLLM does for them.
pub fn render_conversation(messages: &[ChatMessage], add_generation_prompt: bool) -> String {
    let mut text = String::new();
    for message in messages {
        text.push_str(&message.role);
        text.push_str(": ");
        text.push_str(&message.text());
    }
    if add_generation_prompt {
        text.push_str("assistant:");
    }
    text
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

/// A vector as JSON numbers, or as base64 of its bytes in the requested dtype and byte order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum EmbeddingValue {
    Float(Vec<f64>),
    Base64(String),
}

/// The `metadata` header of a `bytes` answer: where each vector lies in the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BytesMetadata {
    pub id: String,
    pub created: u64,
    pub model: String,
    pub data: Vec<BytesItem>,
    pub usage: PoolingUsage,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BytesItem {
    pub index: usize,
    pub embed_dtype: EmbedDType,
    pub endianness: Endianness,
    pub start: usize,
    pub end: usize,
    pub shape: Vec<usize>,
}

/// The usage of a binary answer, which has no `completion_tokens`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolingUsage {
    pub prompt_tokens: usize,
    pub total_tokens: usize,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::openai::parse_body;

    #[test]
    fn the_workshops_request_parses_with_vllms_defaults() {
        let request: EmbeddingRequest =
            parse_body(br#"{"model": "/apps/ecs_mounts/data/q3.6b", "input": "The food was delicious."}"#).unwrap();
        assert_eq!(request.encoding(), Encoding::default());
        assert_eq!(request.encoding().dtype, EmbedDType::Float32);
        assert!(!request.add_generation_prompt && !request.normalize);
    }

    #[test]
    fn values_outside_vllms_literals_are_named() {
        for field in ["encoding_format", "embed_dtype", "endianness"] {
            let body = format!(r#"{{"input": "x", "{field}": "bad_{field}"}}"#);
            let err = parse_body::<EmbeddingRequest>(body.as_bytes()).unwrap_err().to_string();
            assert!(
                err.contains("literal_error") && err.contains(&format!("bad_{field}")),
                "{err}"
            );
        }
    }

    #[test]
    fn normalize_is_vllms_removed_parameter() {
        let err = parse_body::<EmbeddingRequest>(br#"{"input": "x", "normalize": null}"#).unwrap_err();
        assert!(err.to_string().contains("Parameter `normalize` was removed"), "{err}");
        assert_eq!(err.body().error.param.as_deref(), Some("normalize"));
    }

    #[test]
    fn truncation_below_minus_one_is_refused() {
        let err = parse_body::<EmbeddingRequest>(br#"{"input": "x", "truncate_prompt_tokens": -2}"#).unwrap_err();
        assert!(err.to_string().contains("greater_than_equal"), "{err}");
        let ok: EmbeddingRequest = parse_body(br#"{"input": "x", "truncate_prompt_tokens": -1}"#).unwrap();
        assert_eq!(ok.tokenize_params().tokens, Some(-1));
    }
}
