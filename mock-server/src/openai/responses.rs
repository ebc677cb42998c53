//! `POST /v1/responses`: OpenAI's Responses API as vLLM 0.33.0 serves it
//! (`ResponsesRequest`, `ResponsesResponse` and the stream's events). vLLM renders the input
//! as a chat conversation (the instructions first) and generates as chat does; the answer
//! echoes the request's settings, normalised by the OpenAI SDK's models.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::RequestBody;
use super::model_validators::{
    background_refusal, cache_salt_refusal, grammar_refusal, is_grammar_tool, prompt_refusal, tool_usage_refusal,
};
use super::pydantic::validate;
use super::validation::{FieldError, lax_bool, lax_float, lax_int};

/// A vLLM `OpenAIBaseModel`: unknown fields are kept (and only logged), so the sampling fields
/// the chat path checks come along in `sampling`.
#[derive(Debug, Clone, Deserialize)]
pub struct ResponsesRequest {
    #[serde(default, with = "lax_bool")]
    pub background: Option<bool>,
    pub include: Option<Vec<Include>>,
    pub input: ResponsesInput,
    pub instructions: Option<String>,
    #[serde(default, with = "lax_int")]
    pub max_output_tokens: Option<i64>,
    #[serde(default, with = "lax_int")]
    pub max_tool_calls: Option<i64>,
    pub metadata: Option<Map<String, Value>>,
    pub model: Option<String>,
    #[serde(default, with = "lax_bool")]
    pub parallel_tool_calls: Option<bool>,
    pub previous_response_id: Option<String>,
    /// Refused when set (`validate_prompt`).
    pub prompt: Option<Value>,
    pub reasoning: Option<Reasoning>,
    pub service_tier: Option<ServiceTier>,
    #[serde(default, with = "lax_bool")]
    pub store: Option<bool>,
    #[serde(default, with = "lax_bool")]
    pub stream: Option<bool>,
    #[serde(default, with = "lax_float")]
    pub temperature: Option<f64>,
    pub text: Option<TextConfig>,
    pub tool_choice: Option<Value>,
    #[serde(default)]
    pub tools: Vec<Tool>,
    #[serde(default, with = "lax_int")]
    pub top_logprobs: Option<i64>,
    #[serde(default, with = "lax_float")]
    pub top_p: Option<f64>,
    pub truncation: Option<Truncation>,
    pub user: Option<String>,
    #[serde(default, with = "lax_float")]
    pub presence_penalty: Option<f64>,
    #[serde(default, with = "lax_float")]
    pub frequency_penalty: Option<f64>,
    pub prompt_cache_key: Option<String>,
    pub prompt_cache_options: Option<PromptCacheOptions>,
    pub prompt_cache_retention: Option<String>,
    pub safety_identifier: Option<String>,
    pub request_id: Option<String>,
    pub cache_salt: Option<Value>,
    pub previous_input_messages: Option<Vec<Value>>,
    /// Whether the answer shows the raw prompt and reply with their token ids.
    #[serde(default, with = "lax_bool")]
    pub enable_response_messages: Option<bool>,
    /// Every other field, the sampling ones among them (`top_k`, `seed`, `stop`, ...): the
    /// chat path checks them as vLLM's `SamplingParams` does.
    #[serde(flatten)]
    pub sampling: Map<String, Value>,
}

crate::literal! {
    pub enum Include {
        CodeInterpreterOutputs = "code_interpreter_call.outputs",
        ComputerCallImage = "computer_call_output.output.image_url",
        FileSearchResults = "file_search_call.results",
        InputImage = "message.input_image.image_url",
        OutputLogprobs = "message.output_text.logprobs",
        EncryptedReasoning = "reasoning.encrypted_content",
    }
}

crate::literal! {
    pub enum ServiceTier { Auto = "auto", Default = "default", Flex = "flex", Scale = "scale", Priority = "priority" }
}

crate::literal! {
    pub enum Truncation { Auto = "auto", Disabled = "disabled" }
}

/// `input`: one user message's text, or the conversation's items.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged, expecting = "expected a string or a list of input items")]
pub enum ResponsesInput {
    Text(String),
    Items(Vec<InputItem>),
}

/// One input item. The mock reads what makes the prompt: a message's role and text, a tool
/// call's arguments, a tool's output; vLLM renders each into the chat template.
#[derive(Debug, Clone, Deserialize)]
pub struct InputItem {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub role: Option<String>,
    pub content: Option<ItemContent>,
    pub arguments: Option<String>,
    pub output: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum ItemContent {
    Text(String),
    Parts(Vec<ContentPart>),
}

#[derive(Debug, Clone, Deserialize)]
pub struct ContentPart {
    #[serde(rename = "type")]
    pub kind: String,
    pub text: Option<String>,
    pub image_url: Option<String>,
}

/// The SDK's `Reasoning`, echoed with every key.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct Reasoning {
    pub context: Option<Value>,
    pub effort: Option<Value>,
    pub generate_summary: Option<Value>,
    pub mode: Option<Value>,
    pub summary: Option<Value>,
}

/// The SDK's `ResponseTextConfig`, echoed with every key.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct TextConfig {
    pub format: Option<Value>,
    pub verbosity: Option<Value>,
}

/// vLLM's `PromptCacheOptionsParam`; the answer drops `prewarm`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct PromptCacheOptions {
    #[serde(default = "PromptCacheOptions::implicit")]
    pub mode: String,
    #[serde(default = "PromptCacheOptions::thirty_minutes")]
    pub ttl: String,
    pub comparison_response_id: Option<String>,
}

impl PromptCacheOptions {
    fn implicit() -> String {
        "implicit".to_owned()
    }

    fn thirty_minutes() -> String {
        "30m".to_owned()
    }
}

/// A tool: a function tool, which the mock reads, or another kind of the SDK's, checked against
/// its union. Each is echoed as the SDK's model dumps it: every field, `null` where not given.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Tool {
    Function(FunctionTool),
    Other(Value),
}

impl Serialize for Tool {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let tool = match self {
            Tool::Function(function) => return function.serialize(serializer),
            Tool::Other(tool) => tool,
        };
        let model = tool
            .get("type")
            .and_then(Value::as_str)
            .and_then(super::vllm_models::tool_model);
        let (Some(model), Some(given)) = (model, tool.as_object()) else {
            return tool.serialize(serializer);
        };
        let mut map = serializer.serialize_map(None)?;
        for field in model.fields {
            map.serialize_entry(field.name, given.get(field.name).unwrap_or(&Value::Null))?;
        }
        // The SDK's models keep unknown fields, after their own.
        for (key, value) in given
            .iter()
            .filter(|(key, _)| !model.fields.iter().any(|f| f.name == *key))
        {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FunctionTool {
    pub name: String,
    pub parameters: Option<Map<String, Value>>,
    pub strict: Option<bool>,
    #[serde(rename = "type")]
    pub kind: FunctionKind,
    pub allowed_callers: Option<Vec<Caller>>,
    #[serde(rename = "async")]
    pub is_async: Option<bool>,
    pub defer_loading: Option<bool>,
    pub description: Option<String>,
    pub output_schema: Option<Map<String, Value>>,
}

crate::literal! {
    pub enum FunctionKind { Function = "function" }
}

crate::literal! {
    pub enum Caller { Direct = "direct", Programmatic = "programmatic" }
}

impl RequestBody for ResponsesRequest {
    fn schema() -> Option<&'static super::pydantic::Schema> {
        Some(&super::vllm_models::RESPONSES_REQUEST)
    }

    /// vLLM's `mode="before"` validators, in the order pydantic runs them (the last declared
    /// first).
    fn check(&self) -> Vec<FieldError> {
        let refusal = tool_usage_refusal(self.tools.is_empty(), self.tool_choice.as_ref())
            .or_else(|| self.tools.iter().find_map(Tool::grammar_refusal))
            .or_else(|| self.prompt.as_ref().filter(|p| !p.is_null()).map(|_| prompt_refusal()))
            .or_else(|| (self.background == Some(true) && self.store == Some(false)).then(background_refusal))
            .or_else(|| self.cache_salt.as_ref().and_then(cache_salt_refusal));
        if let Some(refused) = refusal {
            return vec![refused];
        }
        // A tool no function tool: one of the SDK's other kinds, or none of them.
        let tools = self.tools.iter().filter_map(|tool| match tool {
            Tool::Other(tool) => Some(tool),
            Tool::Function(_) => None,
        });
        let mut errors: Vec<FieldError> = tools
            .flat_map(|tool| validate(&super::vllm_models::TOOL, tool))
            .collect();
        // pydantic's bounds on the penalties (the error path words them with their inputs).
        [
            ("presence_penalty", self.presence_penalty),
            ("frequency_penalty", self.frequency_penalty),
        ]
        .into_iter()
        .filter_map(|(name, penalty)| match penalty? {
            p if p < -2.0 => Some(("greater_than_equal", name, "greater than or equal to -2")),
            p if p > 2.0 => Some(("less_than_equal", name, "less than or equal to 2")),
            _ => None,
        })
        .map(|(kind, name, bound)| FieldError::new(kind, vec![name.into()], format!("Input should be {bound}")))
        .for_each(|error| errors.push(error));
        errors
    }
}

impl ResponsesRequest {
    pub fn includes_logprobs(&self) -> bool {
        self.include
            .as_ref()
            .is_some_and(|include| include.contains(&Include::OutputLogprobs))
    }

    /// The tool choice as vLLM keeps it: `"none"` when no tools come with `auto` or `none`;
    /// a named function as the SDK's `ToolChoiceFunction` (name, then type).
    pub fn tool_choice(&self) -> Value {
        let choice = self.tool_choice.clone().unwrap_or_else(|| Value::from("auto"));
        match choice.as_str() {
            Some("auto" | "none") if self.tools.is_empty() => Value::from("none"),
            _ if choice.get("type").and_then(Value::as_str) == Some("function") => {
                serde_json::json!({"name": choice.get("name"), "type": "function"})
            }
            _ => choice,
        }
    }

    /// `prompt_cache_retention` as vLLM's field validator reads it.
    pub fn prompt_cache_retention(&self) -> Option<String> {
        self.prompt_cache_retention.as_ref().map(|r| {
            if r == "in-memory" {
                "in_memory".to_owned()
            } else {
                r.clone()
            }
        })
    }
}

impl Tool {
    /// `check_custom_tool_format`.
    fn grammar_refusal(&self) -> Option<FieldError> {
        let Tool::Other(tool) = self else { return None };
        is_grammar_tool(tool).then(grammar_refusal)
    }
}

/// vLLM's `ResponsesResponse`, every key in its order.
#[derive(Debug, Clone, Serialize)]
pub struct ResponsesResponse {
    pub id: String,
    pub created_at: u64,
    pub incomplete_details: Option<IncompleteDetails>,
    pub instructions: Option<String>,
    pub metadata: Option<Map<String, Value>>,
    pub model: String,
    pub object: &'static str,
    pub output: Vec<OutputMessage>,
    pub parallel_tool_calls: bool,
    pub temperature: f64,
    pub tool_choice: Value,
    pub tools: Vec<Tool>,
    pub top_p: f64,
    pub background: bool,
    pub max_output_tokens: usize,
    pub max_tool_calls: Option<i64>,
    pub previous_response_id: Option<String>,
    pub prompt: Option<Value>,
    pub prompt_cache_options: Option<PromptCacheOptions>,
    pub prompt_cache_key: Option<String>,
    pub prompt_cache_retention: Option<String>,
    pub reasoning: Option<Reasoning>,
    pub safety_identifier: Option<String>,
    pub service_tier: ServiceTier,
    pub status: Status,
    pub text: Option<TextConfig>,
    pub top_logprobs: Option<usize>,
    pub truncation: Truncation,
    pub usage: Option<ResponseUsage>,
    pub user: Option<String>,
    pub presence_penalty: f64,
    pub frequency_penalty: f64,
    pub kv_transfer_params: Option<Value>,
    pub ec_transfer_params: Option<Value>,
    pub input_messages: Option<[RawMessage; 1]>,
    pub output_messages: Option<[RawMessage; 1]>,
}

/// `enable_response_messages`' view of the prompt or the reply: its text and token ids.
#[derive(Debug, Clone, Serialize)]
pub struct RawMessage {
    pub message: String,
    pub tokens: Vec<u32>,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl RawMessage {
    pub fn new(message: String, tokens: Vec<u32>) -> Self {
        RawMessage {
            message,
            tokens,
            kind: "raw_message_tokens",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    InProgress,
    Completed,
    Incomplete,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncompleteDetails {
    pub reason: &'static str,
}

/// The assistant's message, the one output item of a text reply.
#[derive(Debug, Clone, Serialize)]
pub struct OutputMessage {
    pub id: String,
    pub content: Vec<OutputText>,
    pub role: &'static str,
    pub status: Status,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub phase: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OutputText {
    pub annotations: [Value; 0],
    pub text: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// `null` unless the client included them; `[]` in the stream's first, empty part.
    pub logprobs: Option<Vec<Logprob>>,
}

/// A generated token's log-probability: with its bytes in a whole part, without them in a
/// stream's delta.
#[derive(Debug, Clone, Serialize)]
pub struct Logprob {
    pub token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<Vec<u8>>,
    pub logprob: f64,
    pub top_logprobs: Vec<TopLogprob>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TopLogprob {
    pub token: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<Vec<u8>>,
    pub logprob: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ResponseUsage {
    pub input_tokens: usize,
    pub input_tokens_details: InputTokensDetails,
    pub output_tokens: usize,
    pub output_tokens_details: OutputTokensDetails,
    pub total_tokens: usize,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct InputTokensDetails {
    pub cached_tokens: usize,
    pub cache_write_tokens: usize,
    pub input_tokens_per_turn: [usize; 0],
    pub cached_tokens_per_turn: [usize; 0],
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct OutputTokensDetails {
    pub reasoning_tokens: usize,
    pub tool_output_tokens: usize,
    pub output_tokens_per_turn: [usize; 0],
    pub tool_output_tokens_per_turn: [usize; 0],
}

impl ResponseUsage {
    pub fn new(input_tokens: usize, output_tokens: usize) -> Self {
        ResponseUsage {
            input_tokens,
            input_tokens_details: InputTokensDetails::default(),
            output_tokens,
            output_tokens_details: OutputTokensDetails::default(),
            total_tokens: input_tokens + output_tokens,
        }
    }
}

/// The stream's events, each sent as `event: <type>` with its JSON; every one carries its
/// place in the stream (`sequence_number`).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum StreamEvent<'a> {
    Response {
        response: &'a ResponsesResponse,
        sequence_number: usize,
        #[serde(rename = "type")]
        kind: &'static str,
    },
    Item {
        item: &'a OutputMessage,
        output_index: usize,
        sequence_number: usize,
        #[serde(rename = "type")]
        kind: &'static str,
    },
    Part {
        content_index: usize,
        item_id: &'a str,
        output_index: usize,
        part: &'a OutputText,
        sequence_number: usize,
        #[serde(rename = "type")]
        kind: &'static str,
    },
    TextDelta {
        content_index: usize,
        delta: &'a str,
        item_id: &'a str,
        logprobs: Vec<Logprob>,
        output_index: usize,
        sequence_number: usize,
        #[serde(rename = "type")]
        kind: &'static str,
    },
    TextDone {
        content_index: usize,
        item_id: &'a str,
        logprobs: [Logprob; 0],
        output_index: usize,
        sequence_number: usize,
        text: &'a str,
        #[serde(rename = "type")]
        kind: &'static str,
    },
}

impl StreamEvent<'_> {
    /// Its `event:` name: its `type`.
    pub fn name(&self) -> &'static str {
        match self {
            StreamEvent::Response { kind, .. }
            | StreamEvent::Item { kind, .. }
            | StreamEvent::Part { kind, .. }
            | StreamEvent::TextDelta { kind, .. }
            | StreamEvent::TextDone { kind, .. } => kind,
        }
    }
}

#[cfg(test)]
mod tool_tests {
    use super::*;

    #[test]
    fn a_tool_is_echoed_as_the_sdks_model_dumps_it_and_refused_as_its_union_refuses() {
        let tool: Tool =
            serde_json::from_value(serde_json::json!({"type": "custom", "name": "c", "extra": 1})).unwrap();
        assert_eq!(
            serde_json::to_string(&tool).unwrap(),
            r#"{"name":"c","type":"custom","allowed_callers":null,"async":null,"defer_loading":null,"description":null,"format":null,"extra":1}"#
        );
        let bogus = serde_json::json!({"type": "bogus"});
        let errors = validate(&crate::openai::vllm_models::TOOL, &bogus);
        // Every model of the 16 refuses it: the missing fields and the `type` of each.
        assert_eq!(errors.len(), 27);
        assert_eq!(errors[0].kind, "missing");
    }
}
