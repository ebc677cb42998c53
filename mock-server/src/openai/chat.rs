//! `POST /v1/chat/completions`: vLLM's `ChatCompletionRequest`, response and stream chunks.

use serde::{Deserialize, Serialize};

use super::RequestBody;
use super::messages::ChatMessage;
use super::model_validators::{generation_prompt_conflict, stream_options_without_stream};
use super::sampling::{ResponseFormat, Sampling, Stop, generation_request};
use super::stream_options::StreamOptions;
use super::unset::Null;
use super::usage::{ChunkUsage, Usage};
use super::validation::{FieldError, lax_bool, lax_int};

generation_request! {
    #[derive(Debug, Clone, Deserialize)]
    pub struct ChatCompletionRequest {
        pub model: Option<String>,
        pub messages: Option<Vec<ChatMessage>>,
        #[serde(default, with = "lax_int")]
        pub max_tokens: Option<i64>,
        #[serde(default, with = "lax_int")]
        pub max_completion_tokens: Option<i64>,
        #[serde(default, with = "lax_bool")]
        pub logprobs: Option<bool>,
        #[serde(default, with = "lax_int")]
        pub top_logprobs: Option<i64>,
        /// With it, the prompt's logprobs come back (`top_logprobs` alternatives each) when
        /// `prompt_logprobs` does not say.
        #[serde(default, with = "lax_bool")]
        pub echo: Option<bool>,
        pub add_generation_prompt: Option<bool>,
        /// Whether the rendered prompt gets the tokenizer's special tokens (off for chat, as
        /// the template adds its own; the Responses API turns it on).
        #[serde(default, with = "lax_bool")]
        pub add_special_tokens: Option<bool>,
        pub continue_final_message: Option<bool>,
        pub tools: Option<Vec<serde_json::Value>>,
        pub tool_choice: Option<serde_json::Value>,
    }
}

impl RequestBody for ChatCompletionRequest {
    fn schema() -> Option<&'static super::pydantic::Schema> {
        Some(&super::vllm_models::CHAT_COMPLETION_REQUEST)
    }

    fn check(&self) -> Vec<FieldError> {
        // vLLM's `mode="before"` validators, in the order pydantic runs them (the last declared
        // first), then the fields.
        if self.add_generation_prompt == Some(true) && self.continue_final_message == Some(true) {
            return vec![generation_prompt_conflict()];
        }
        if let Some(refused) = self.tool_choice_refusal() {
            return vec![refused];
        }
        if self.top_logprobs.is_some_and(|n| n == -1 || n > 0) && self.logprobs != Some(true) {
            return vec![FieldError::vllm(
                "when using `top_logprobs`, `logprobs` must be set to true.",
                Some("top_logprobs"),
            )];
        }
        if self.stream_options.as_ref().is_some_and(StreamOptions::is_set) && self.stream != Some(true) {
            return vec![stream_options_without_stream()];
        }
        if let Some(refused) = self.response_format.as_ref().and_then(ResponseFormat::check) {
            return vec![refused];
        }
        let mut errors: Vec<FieldError> = self.stop.as_ref().and_then(Stop::check).into_iter().collect();
        if self.messages.is_none() {
            errors.push(FieldError::missing("messages"));
        }
        errors
    }
}

impl ChatCompletionRequest {
    /// The tool choice in play (after its validator passed): as sent, or `auto` when tools
    /// come without one; none for `"none"` or no tools.
    pub fn tool_choice(&self) -> Option<ToolChoice<'_>> {
        match self.tool_choice.as_ref().filter(|c| !c.is_null()) {
            None if self.tools.as_ref().is_some_and(|t| !t.is_empty()) => Some(ToolChoice::Auto),
            None => None,
            Some(choice) => match choice.as_str() {
                Some("auto") => Some(ToolChoice::Auto),
                Some("required") => Some(ToolChoice::Required),
                Some(_) => None,
                None => choice
                    .pointer("/function/name")
                    .and_then(serde_json::Value::as_str)
                    .map(ToolChoice::Named),
            },
        }
    }

    /// vLLM's `check_tool_usage` model validator.
    fn tool_choice_refusal(&self) -> Option<FieldError> {
        let choice = self
            .tool_choice
            .as_ref()
            .filter(|c| !c.is_null() && c.as_str() != Some("none"))?;
        if self.tools.as_ref().is_some_and(Vec::is_empty) {
            return Some(FieldError::vllm(
                "`tools` must not be an empty array. Either provide at least one tool or omit the field entirely.",
                Some("tools"),
            ));
        }
        let Some(tools) = &self.tools else {
            return Some(FieldError::vllm(
                "When using `tool_choice`, `tools` must be set.",
                Some("tool_choice"),
            ));
        };
        let usage = r#"Correct usage: `{"type": "function", "function": {"name": "my_function"}}`"#;
        match choice {
            serde_json::Value::String(s) if s == "auto" || s == "required" => None,
            serde_json::Value::Object(named) => {
                let Some(function) = named.get("function").and_then(serde_json::Value::as_object) else {
                    let shown = named
                        .get("function")
                        .map_or("None".to_owned(), super::validation::python_repr);
                    return Some(FieldError::vllm(
                        &format!("Invalid value for `function`: `{shown}` in `tool_choice`! {usage}"),
                        Some("tool_choice.function"),
                    ));
                };
                let Some(name) = function.get("name") else {
                    return Some(FieldError::vllm(
                        &format!("Expected field `name` in `function` in `tool_choice`! {usage}"),
                        Some("tool_choice.function.name"),
                    ));
                };
                let matches = |tool: &serde_json::Value| tool.pointer("/function/name") == Some(name);
                (!tools.iter().any(matches)).then(|| {
                    FieldError::vllm(
                        "The tool specified in `tool_choice` does not match any of the specified `tools`",
                        Some("tool_choice"),
                    )
                })
            }
            other => Some(FieldError::vllm(
                &format!(
                    "Invalid value for `tool_choice`: {}! Only named tools, \"none\", \"auto\" or \"required\" are supported.",
                    other
                        .as_str()
                        .map_or_else(|| super::validation::python_repr(other), str::to_owned)
                ),
                Some("tool_choice"),
            )),
        }
    }

    pub fn sampling(&self) -> Sampling {
        // vLLM asks for `top_logprobs` (0 by default) when `logprobs` is on.
        self.sampling_asking((self.logprobs == Some(true)).then(|| self.top_logprobs.unwrap_or(0)))
    }
}

/// A chat request's `tool_choice` that asks for a tool call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolChoice<'a> {
    Auto,
    Required,
    Named(&'a str),
}

impl ToolChoice<'_> {
    /// vLLM's refusal when it has no tool parser to read the call back (`--tool-call-parser`,
    /// which the mock does not take).
    pub fn without_parser(self) -> String {
        match self {
            ToolChoice::Auto => {
                "\"auto\" tool choice requires --enable-auto-tool-choice and --tool-call-parser to be set".to_owned()
            }
            ToolChoice::Required => "tool_choice=\"required\" requires --tool-call-parser to be set".to_owned(),
            ToolChoice::Named(name) => format!("tool_choice=function \"{name}\" requires --tool-call-parser to be set"),
        }
    }
}

/// vLLM 0.33.0's `ChatCompletionResponse`: the fields a mock has no value for are null, as
/// vLLM sends them when they are not in play.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatCompletionResponse {
    pub id: String,
    pub object: String,
    pub created: u64,
    pub model: String,
    pub choices: Vec<ChatChoice>,
    pub service_tier: Option<String>,
    pub system_fingerprint: Option<String>,
    pub usage: Usage,
    pub prompt_logprobs: Option<super::logprobs::PromptLogprobs>,
    pub prompt_token_ids: Option<Vec<u32>>,
    pub prompt_text: Option<String>,
    pub kv_transfer_params: Option<serde_json::Value>,
    pub ec_transfer_params: Option<serde_json::Value>,
    pub metrics: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatChoice {
    pub index: usize,
    pub message: AssistantMessage,
    pub logprobs: Option<super::logprobs::ChatLogprobs>,
    pub finish_reason: Option<String>,
    pub stop_reason: Option<String>,
    pub token_ids: Option<Vec<u32>>,
    pub routed_experts: Option<serde_json::Value>,
    pub weight_versions: Option<serde_json::Value>,
}

/// vLLM's `ChatMessage` as a reply: `tool_calls` left out when there are none, the others
/// null.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssistantMessage {
    pub role: String,
    pub content: String,
    pub refusal: Option<String>,
    pub annotations: Option<serde_json::Value>,
    pub audio: Option<serde_json::Value>,
    pub function_call: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tool_calls: Vec<serde_json::Value>,
    pub reasoning: Option<String>,
}

impl AssistantMessage {
    pub fn reply(role: &str, content: String) -> Self {
        AssistantMessage {
            role: role.to_owned(),
            content,
            refusal: None,
            annotations: None,
            audio: None,
            function_call: None,
            tool_calls: vec![],
            reasoning: None,
        }
    }
}

/// A chunk of a streamed chat answer. Which null keys it carries tells its kind, as in vLLM
/// 0.33.0: a role chunk `prompt_token_ids` and `prompt_text`, a token chunk
/// `kv_transfer_params`, the closing usage chunk `system_fingerprint` (or a finish chunk,
/// when no usage chunk follows).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatCompletionChunk {
    pub id: String,
    pub object: String,
    pub created: u64,
    pub model: String,
    pub choices: Vec<ChatChunkChoice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<ChunkUsage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_fingerprint: Option<String>,
    #[serde(default, skip_serializing_if = "Null::is_unset")]
    pub prompt_token_ids: Null,
    #[serde(default, skip_serializing_if = "Null::is_unset")]
    pub prompt_text: Null,
    #[serde(default, skip_serializing_if = "Null::is_unset")]
    pub kv_transfer_params: Null,
}

/// A chunk's choice: a token's has `token_ids`, a finishing one also `stop_reason` and
/// `weight_versions`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatChunkChoice {
    pub index: usize,
    pub delta: Delta,
    pub logprobs: Option<super::logprobs::ChatLogprobs>,
    pub finish_reason: Option<String>,
    #[serde(default, skip_serializing_if = "Null::is_unset")]
    pub stop_reason: Null,
    #[serde(default, skip_serializing_if = "Null::is_unset")]
    pub token_ids: Null,
    #[serde(default, skip_serializing_if = "Null::is_unset")]
    pub weight_versions: Null,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Delta {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
}
