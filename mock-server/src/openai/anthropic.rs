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
    pub tool_choice: Option<AnthropicToolChoice>,
    pub thinking: Option<ThinkingConfig>,
    /// Read for `do_remote_decode`, which spares a prefill leg the thinking budget's check.
    pub kv_transfer_params: Option<serde_json::Map<String, Value>>,
    /// Read for its bounds only: the mock has no prefix cache to salt.
    pub cache_salt: Option<String>,
}

/// `VLLM_MAX_STOP_STRINGS`' default: the most stop sequences a request may give.
const MAX_STOP_SEQUENCES: usize = 4;

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

/// One block of a message: which fields it carries depends on its type.
#[derive(Debug, Clone, Deserialize)]
pub struct AnthropicBlock {
    #[serde(rename = "type")]
    pub kind: BlockKind,
    pub text: Option<String>,
    /// An image's: `{"type": "base64", "media_type", "data"}` or `{"type": "url", "url"}`.
    pub source: Option<serde_json::Map<String, Value>>,
    /// A `tool_use`'s call id, name and arguments.
    pub id: Option<String>,
    pub name: Option<String>,
    pub input: Option<serde_json::Map<String, Value>>,
    /// A `tool_result`'s call and what the tool gave.
    pub tool_use_id: Option<String>,
    pub content: Option<ToolResultContent>,
    pub thinking: Option<String>,
    /// A `tool_addition`'s or `tool_removal`'s tool.
    pub tool: Option<ToolChange>,
}

/// What a tool gave: text, or items (`text`, `image`, `tool_reference`) taken as they come.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ToolResultContent {
    Text(String),
    Items(Vec<serde_json::Map<String, Value>>),
}

/// `AnthropicToolChange`.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolChange {
    ToolReference { name: String },
    ToolDefinition { definition: AnthropicTool },
}

impl ToolChange {
    pub fn name(&self) -> &str {
        match self {
            ToolChange::ToolReference { name } => name,
            ToolChange::ToolDefinition { definition } => &definition.name,
        }
    }
}

/// `AnthropicToolChoice`.
#[derive(Debug, Clone, Deserialize)]
pub struct AnthropicToolChoice {
    #[serde(rename = "type")]
    pub kind: ToolChoiceKind,
    pub name: Option<String>,
    #[serde(default, with = "lax_bool")]
    pub disable_parallel_tool_use: Option<bool>,
}

crate::literal! {
    pub enum ToolChoiceKind { Auto = "auto", Any = "any", Tool = "tool", None = "none" }
}

crate::literal! {
    pub enum ThinkingDisplay { Summarized = "summarized", Omitted = "omitted", Updates = "updates" }
}

/// `AnthropicThinkingConfig`: read for its checks; a template-less model thinks no differently.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[expect(
    dead_code,
    reason = "`display` is read only so that its literal refuses what pydantic refuses"
)]
pub enum ThinkingConfig {
    Enabled {
        #[serde(default, with = "lax_int")]
        budget_tokens: Option<i64>,
        display: Option<ThinkingDisplay>,
    },
    Disabled {},
    Adaptive {
        display: Option<ThinkingDisplay>,
    },
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
    #[serde(default, with = "lax_bool")]
    pub strict: Option<bool>,
    #[serde(default, with = "lax_bool")]
    pub defer_loading: Option<bool>,
}

impl AnthropicBlock {
    /// An image block's source as the URL vLLM hands the chat path (a `data:` URL for inline
    /// data).
    pub fn image_url(&self) -> Option<String> {
        let source = self
            .source
            .as_ref()
            .filter(|source| self.kind == BlockKind::Image && !source.is_empty())?;
        Some(image_source_url(source))
    }
}

/// `_convert_image_source_to_url`: a URL source's URL, else inline data as a `data:` URL.
pub fn image_source_url(source: &serde_json::Map<String, Value>) -> String {
    let field = |key: &str| source.get(key).and_then(Value::as_str);
    match field("type") {
        Some("url") => field("url").unwrap_or_default().to_owned(),
        _ => format!(
            "data:{};base64,{}",
            field("media_type").unwrap_or("image/jpeg"),
            field("data").unwrap_or_default()
        ),
    }
}

impl AnthropicContent {
    /// The blocks, none for plain text.
    pub fn blocks(&self) -> &[AnthropicBlock] {
        match self {
            AnthropicContent::Text(_) => &[],
            AnthropicContent::Blocks(blocks) => blocks,
        }
    }

    /// `_reject_tool_changes`: the first tool change among the blocks.
    fn tool_change(&self) -> Option<BlockKind> {
        self.blocks()
            .iter()
            .map(|block| block.kind)
            .find(|kind| matches!(kind, BlockKind::ToolAddition | BlockKind::ToolRemoval))
    }
}

/// What vLLM's validators of the conversation refuse, shared by both requests: tool changes
/// outside system messages, a tool change without its tool, a tool choice without its name.
/// The schema words and places each; these only find that there is one.
fn conversation_errors(
    messages: &[AnthropicMessage],
    system: Option<&AnthropicContent>,
    tool_choice: Option<&AnthropicToolChoice>,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let refuse = |message: &str| FieldError::value_error(Vec::new(), message);
    for message in messages {
        for block in message.content.blocks() {
            match (block.kind, &block.tool) {
                (BlockKind::ToolAddition | BlockKind::ToolRemoval, None) => errors.push(refuse("tool is required")),
                (BlockKind::ToolRemoval, Some(ToolChange::ToolDefinition { .. })) => {
                    errors.push(refuse("tool_removal only accepts a tool_reference"))
                }
                _ => {}
            }
        }
        if message.role != AnthropicRole::System && message.content.tool_change().is_some() {
            errors.push(refuse("tool changes are only allowed in system messages"));
        }
    }
    if system.and_then(AnthropicContent::tool_change).is_some() {
        errors.push(refuse("tool changes are only allowed in system messages"));
    }
    if tool_choice.is_some_and(|choice| {
        choice.kind == ToolChoiceKind::Tool && choice.name.as_deref().unwrap_or_default().is_empty()
    }) {
        errors.push(refuse("tool_choice.name is required when type is 'tool'"));
    }
    errors
}

impl RequestBody for AnthropicMessagesRequest {
    fn schema() -> Option<&'static super::pydantic::Schema> {
        Some(&super::vllm_models::ANTHROPIC_MESSAGES_REQUEST)
    }

    /// The validators, and what the lax readers let through and pydantic does not (a `null`
    /// `max_tokens`).
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
        if self
            .stop_sequences
            .as_ref()
            .is_some_and(|stops| stops.len() > MAX_STOP_SEQUENCES)
        {
            errors.push(FieldError::new(
                "too_long",
                vec!["stop_sequences".into()],
                "too many stop sequences",
            ));
        }
        if self
            .cache_salt
            .as_ref()
            .is_some_and(|salt| salt.is_empty() || salt.chars().count() > 1024)
        {
            errors.push(FieldError::new(
                "string_too_short",
                vec!["cache_salt".into()],
                "cache_salt's length",
            ));
        }
        errors.extend(conversation_errors(
            &self.messages,
            self.system.as_ref(),
            self.tool_choice.as_ref(),
        ));
        match &self.thinking {
            Some(ThinkingConfig::Enabled {
                budget_tokens: None, ..
            }) => errors.push(FieldError::new("missing", vec![], "Field required")),
            Some(ThinkingConfig::Enabled {
                budget_tokens: Some(budget),
                ..
            }) if *budget < 1024 => errors.push(FieldError::new("greater_than_equal", vec![], "budget_tokens")),
            _ => {}
        }
        if errors.is_empty() && self.exceeds_thinking_budget() {
            errors.push(FieldError::value_error(
                Vec::new(),
                "thinking.budget_tokens must be less than max_tokens",
            ));
        }
        errors
    }
}

impl AnthropicMessagesRequest {
    /// `validate_thinking_budget`: the budget must leave room to answer, but on a prefill leg
    /// of a disaggregated request (`do_remote_decode`), which never decodes.
    fn exceeds_thinking_budget(&self) -> bool {
        let remote_decode = self
            .kv_transfer_params
            .as_ref()
            .and_then(|params| params.get("do_remote_decode"))
            .is_some_and(|flag| !matches!(flag, Value::Null | Value::Bool(false)));
        match (&self.thinking, self.max_tokens) {
            (
                Some(ThinkingConfig::Enabled {
                    budget_tokens: Some(budget),
                    ..
                }),
                Some(max_tokens),
            ) => !remote_decode && *budget >= max_tokens,
            _ => false,
        }
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
    pub tool_choice: Option<AnthropicToolChoice>,
    pub thinking: Option<ThinkingConfig>,
}

impl RequestBody for AnthropicCountTokensRequest {
    fn schema() -> Option<&'static super::pydantic::Schema> {
        Some(&super::vllm_models::ANTHROPIC_COUNT_TOKENS_REQUEST)
    }

    fn check(&self) -> Vec<FieldError> {
        let mut errors = conversation_errors(&self.messages, self.system.as_ref(), self.tool_choice.as_ref());
        if self.model.is_empty() {
            errors.insert(0, FieldError::value_error(vec!["model".into()], "Model is required"));
        }
        if let Some(ThinkingConfig::Enabled { budget_tokens, .. }) = &self.thinking
            && budget_tokens.is_none_or(|budget| budget < 1024)
        {
            errors.push(FieldError::new("greater_than_equal", vec![], "budget_tokens"));
        }
        errors
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
            tool_choice: self.tool_choice,
            thinking: self.thinking,
            kv_transfer_params: None,
            cache_salt: None,
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
