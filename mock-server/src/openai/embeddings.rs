//! `POST /v1/embeddings`: vLLM's embeddings requests (`EmbeddingCompletionRequest` with
//! `input`, `EmbeddingChatRequest` with `messages`) and `EmbeddingResponse`.

use serde::{Deserialize, Serialize};

use super::Prompt;
use super::chat::ChatMessage;
use super::usage::Usage;

#[derive(Debug, Clone, Deserialize)]
pub struct EmbeddingRequest {
    /// Optional in vLLM: the first served model answers when it is left out.
    pub model: Option<String>,
    pub input: Option<EmbeddingInput>,
    /// vLLM's chat-style embeddings: a conversation (or a batch of them) instead of `input`.
    pub messages: Option<Conversations>,
    pub add_generation_prompt: Option<bool>,
    pub continue_final_message: Option<bool>,
    /// Accepted as vLLM accepts it; the mock's rendering has no template to pass it to.
    pub chat_template_kwargs: Option<serde_json::Map<String, serde_json::Value>>,
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

/// The text a conversation is embedded as: one `role: content` line per message, and an open
/// `assistant:` line with `add_generation_prompt`. The mock has no chat template; this stands
/// in for one, deterministically, so the same conversation always gets the same vector.
pub fn render_conversation(messages: &[ChatMessage], add_generation_prompt: bool) -> String {
    let mut text = messages
        .iter()
        .map(|m| format!("{}: {}", m.role, m.text()))
        .collect::<Vec<_>>()
        .join("\n");
    if add_generation_prompt {
        text.push_str("\nassistant:");
    }
    text
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
