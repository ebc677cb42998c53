//! `POST /v1/messages`: Anthropic's Messages API as vLLM 0.33.0 serves it
//! (`AnthropicMessagesRequest`, `AnthropicMessagesResponse`, its stream's events and its error
//! body). vLLM turns the request into a chat completion request and the answer back.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::RequestBody;
use super::validation::{FieldError, lax_bool, lax_float, lax_int};

/// A plain pydantic model: unknown fields are dropped without a word.
#[derive(Debug, Clone, Deserialize)]
pub struct AnthropicMessagesRequest {
    pub model: String,
    pub messages: Vec<AnthropicMessage>,
    #[serde(with = "lax_int")]
    pub max_tokens: Option<i64>,
    pub system: Option<AnthropicContent>,
    pub stop_sequences: Option<Vec<String>>,
    #[serde(default, with = "lax_bool")]
    pub stream: Option<bool>,
    #[serde(default, with = "lax_float")]
    pub temperature: Option<f64>,
    #[serde(default, with = "lax_float")]
    pub top_p: Option<f64>,
    #[serde(default, with = "lax_int")]
    pub top_k: Option<i64>,
    /// Tools, passed on to the chat request as functions.
    pub tools: Option<Vec<AnthropicTool>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AnthropicMessage {
    pub role: AnthropicRole,
    pub content: AnthropicContent,
}

crate::literal! {
    pub enum AnthropicRole { User = "user", Assistant = "assistant", System = "system" }
}

/// A message's (or `system`'s) content: text, or blocks.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged, expecting = "expected a string or a list of content blocks")]
pub enum AnthropicContent {
    Text(String),
    Blocks(Vec<AnthropicBlock>),
}

#[derive(Debug, Clone, Deserialize)]
pub struct AnthropicBlock {
    #[serde(rename = "type")]
    pub kind: BlockKind,
    pub text: Option<String>,
    /// An image's: `{"type": "base64", "media_type", "data"}` or `{"type": "url", "url"}`.
    pub source: Option<Value>,
}

crate::literal! {
    pub enum BlockKind {
        Text = "text",
        Image = "image",
        ToolUse = "tool_use",
        ToolResult = "tool_result",
        ToolReference = "tool_reference",
        Thinking = "thinking",
        RedactedThinking = "redacted_thinking",
        ToolAddition = "tool_addition",
        ToolRemoval = "tool_removal",
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct AnthropicTool {
    pub name: String,
    pub description: Option<String>,
    pub input_schema: serde_json::Map<String, Value>,
}

impl AnthropicBlock {
    /// An image block's source as the URL vLLM hands the chat path (a `data:` URL for inline
    /// data).
    pub fn image_url(&self) -> Option<String> {
        let source = self.source.as_ref().filter(|_| self.kind == BlockKind::Image)?;
        match source.get("type").and_then(Value::as_str) {
            Some("url") => source.get("url").and_then(Value::as_str).map(str::to_owned),
            _ => Some(format!(
                "data:{};base64,{}",
                source.get("media_type").and_then(Value::as_str).unwrap_or("image/jpeg"),
                source.get("data").and_then(Value::as_str).unwrap_or_default()
            )),
        }
    }
}

impl AnthropicContent {
    /// Whether an image block is among the blocks.
    pub fn has_image(&self) -> bool {
        matches!(self, AnthropicContent::Blocks(blocks) if blocks.iter().any(|b| b.kind == BlockKind::Image))
    }

    /// The text blocks' text, joined as vLLM joins a system prompt's.
    pub fn text(&self) -> String {
        match self {
            AnthropicContent::Text(text) => text.clone(),
            AnthropicContent::Blocks(blocks) => blocks
                .iter()
                .filter(|b| b.kind == BlockKind::Text)
                .filter_map(|b| b.text.as_deref())
                .collect(),
        }
    }
}

impl RequestBody for AnthropicMessagesRequest {
    fn schema() -> Option<&'static super::pydantic::Schema> {
        Some(&super::vllm_models::ANTHROPIC_MESSAGES_REQUEST)
    }

    /// The field validators, in field order, and what the lax readers let through and
    /// pydantic does not (a `null` `max_tokens`).
    fn check(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        if self.model.is_empty() {
            errors.push(FieldError::value_error(vec!["model".into()], "Model is required"));
        }
        match self.max_tokens {
            None => errors.push(FieldError::new(
                "int_type",
                vec!["max_tokens".into()],
                "Input should be a valid integer",
            )),
            Some(n) if n <= 0 => errors.push(FieldError::value_error(
                vec!["max_tokens".into()],
                "max_tokens must be positive",
            )),
            Some(_) => {}
        }
        errors
    }
}

/// `POST /v1/messages/count_tokens`: the conversation of a Messages request, counted; a plain
/// pydantic model.
#[derive(Debug, Clone, Deserialize)]
pub struct AnthropicCountTokensRequest {
    pub model: String,
    pub messages: Vec<AnthropicMessage>,
    pub system: Option<AnthropicContent>,
    pub tools: Option<Vec<AnthropicTool>>,
}

impl RequestBody for AnthropicCountTokensRequest {
    fn schema() -> Option<&'static super::pydantic::Schema> {
        Some(&super::vllm_models::ANTHROPIC_COUNT_TOKENS_REQUEST)
    }

    fn check(&self) -> Vec<FieldError> {
        if self.model.is_empty() {
            return vec![FieldError::value_error(vec!["model".into()], "Model is required")];
        }
        Vec::new()
    }
}

impl AnthropicCountTokensRequest {
    /// The Messages request it counts: the same conversation, nothing to generate.
    pub fn into_messages_request(self) -> AnthropicMessagesRequest {
        AnthropicMessagesRequest {
            model: self.model,
            messages: self.messages,
            max_tokens: None,
            system: self.system,
            stop_sequences: None,
            stream: None,
            temperature: None,
            top_p: None,
            top_k: None,
            tools: self.tools,
        }
    }
}

/// `exclude_none`, as vLLM answers it.
#[derive(Debug, Clone, Serialize)]
pub struct AnthropicCountTokensResponse {
    pub input_tokens: usize,
    pub context_management: ContextManagement,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContextManagement {
    pub original_input_tokens: usize,
}

/// vLLM's answer (`exclude_none`: `stop_sequence` only when one matched).
#[derive(Debug, Clone, Serialize)]
pub struct AnthropicMessagesResponse {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub role: &'static str,
    pub content: Vec<TextBlock>,
    pub model: String,
    pub stop_reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_sequence: Option<String>,
    pub usage: AnthropicUsage,
}

#[derive(Debug, Clone, Serialize)]
pub struct TextBlock {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub text: String,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct AnthropicUsage {
    pub input_tokens: usize,
    pub output_tokens: usize,
}

/// The stream's events, each sent as `event: <type>` with its JSON.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    MessageStart { message: StreamedMessage },
    ContentBlockStart { content_block: TextBlock, index: usize },
    ContentBlockDelta { delta: TextDelta, index: usize },
    ContentBlockStop { index: usize },
    MessageDelta { delta: MessageDelta, usage: AnthropicUsage },
    MessageStop,
}

impl StreamEvent {
    /// Its `event:` name: its `type`.
    pub fn name(&self) -> &'static str {
        match self {
            StreamEvent::MessageStart { .. } => "message_start",
            StreamEvent::ContentBlockStart { .. } => "content_block_start",
            StreamEvent::ContentBlockDelta { .. } => "content_block_delta",
            StreamEvent::ContentBlockStop { .. } => "content_block_stop",
            StreamEvent::MessageDelta { .. } => "message_delta",
            StreamEvent::MessageStop => "message_stop",
        }
    }
}

/// The message as `message_start` announces it: no content yet, no stop reason.
#[derive(Debug, Clone, Serialize)]
pub struct StreamedMessage {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub role: &'static str,
    pub content: [TextBlock; 0],
    pub model: String,
    pub stop_reason: Option<&'static str>,
    pub stop_sequence: Option<String>,
    pub usage: AnthropicUsage,
}

#[derive(Debug, Clone, Serialize)]
pub struct TextDelta {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageDelta {
    pub stop_reason: Option<&'static str>,
    pub stop_sequence: Option<String>,
}

/// vLLM's error body on this route, in Anthropic's words (`translate_error_type`).
#[derive(Debug, Clone, Serialize)]
pub struct AnthropicErrorResponse {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub error: AnthropicError,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnthropicError {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub message: String,
}

/// Anthropic's error type for an HTTP status, as SDKs dispatch on it.
pub fn error_type(status: u16) -> &'static str {
    match status {
        400 => "invalid_request_error",
        401 => "authentication_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        503 => "overloaded_error",
        s if s >= 500 => "api_error",
        _ => "invalid_request_error",
    }
}
