//! vLLM 0.33.0's `AnthropicMessagesRequest` (`/v1/messages`) and `AnthropicCountTokensRequest`
//! as pydantic validates them: plain pydantic models, so unknown fields are dropped without a
//! word; the content blocks, tools, tool choice and thinking configuration with their own
//! validators, in pydantic's order.

use serde_json::Value;

use super::{BOOL, NULLABLE_STR, list, nullable, plain};
use crate::openai::pydantic::{Field, INT, Object, STR, Schema};

const DICT: Schema = Schema::Dict(&Schema::Any);
const NULLABLE_DICT: Schema = nullable(&DICT);
const NULLABLE_BOOL: Schema = nullable(&BOOL);

static TOOL: Object = plain(
    "AnthropicTool",
    &[
        Field::required("name", STR),
        Field::optional("description", NULLABLE_STR),
        Field::required("input_schema", DICT),
        Field::optional("strict", NULLABLE_BOOL),
        Field::optional("defer_loading", NULLABLE_BOOL),
    ],
);

/// `AnthropicToolChange`: a tool named, or defined, by a `tool_addition`/`tool_removal` block.
static TOOL_CHANGE: Schema = Schema::Tagged {
    discriminator: "type",
    choices: &[
        (
            "tool_reference",
            Schema::Model(&plain(
                "AnthropicToolChangeReference",
                &[
                    Field::required("type", Schema::Literal(&["tool_reference"])),
                    Field::required("name", STR),
                ],
            )),
        ),
        (
            "tool_definition",
            Schema::Model(&plain(
                "AnthropicToolChangeDefinition",
                &[
                    Field::required("type", Schema::Literal(&["tool_definition"])),
                    Field::required("definition", Schema::Model(&TOOL)),
                ],
            )),
        ),
    ],
};

/// The block types that change the tools, allowed in system messages only.
const TOOL_CHANGES: [&str; 2] = ["tool_addition", "tool_removal"];

static CONTENT_BLOCK: Object = plain(
    "AnthropicContentBlock",
    &[
        Field::required(
            "type",
            Schema::Literal(&[
                "text",
                "image",
                "tool_use",
                "tool_result",
                "tool_reference",
                "thinking",
                "redacted_thinking",
                "tool_addition",
                "tool_removal",
            ]),
        ),
        Field::optional("text", NULLABLE_STR),
        Field::optional("source", NULLABLE_DICT),
        Field::optional("id", NULLABLE_STR),
        Field::optional("tool_use_id", NULLABLE_STR),
        Field::optional("name", NULLABLE_STR),
        Field::optional("input", NULLABLE_DICT),
        Field::optional("content", nullable(&Schema::Union(&[STR, list(&DICT)]))),
        Field::optional("is_error", NULLABLE_BOOL),
        Field::optional("tool_name", NULLABLE_STR),
        Field::optional("thinking", NULLABLE_STR),
        Field::optional("signature", NULLABLE_STR),
        Field::optional("data", NULLABLE_STR),
        Field::optional("tool", nullable(&TOOL_CHANGE)),
    ],
);

/// `validate_tool_change`: a tool change names its tool; a removal only by reference.
fn tool_change(block: &Value) -> Option<String> {
    let kind = block.get("type").and_then(Value::as_str)?;
    if !TOOL_CHANGES.contains(&kind) {
        return None;
    }
    match block.get("tool").filter(|tool| !tool.is_null()) {
        None => Some(format!("tool is required for {kind} blocks")),
        Some(tool) if kind == "tool_removal" && tool.get("type").and_then(Value::as_str) != Some("tool_reference") => {
            Some("tool_removal only accepts a tool_reference".to_owned())
        }
        Some(_) => None,
    }
}

const BLOCK: Schema = Schema::After(&Schema::Model(&CONTENT_BLOCK), tool_change);
const CONTENT: Schema = Schema::Union(&[STR, list(&BLOCK)]);

/// `_reject_tool_changes`: tool changes in content that is not a system message's.
fn no_tool_changes(content: &Value) -> Option<String> {
    content
        .as_array()?
        .iter()
        .filter_map(|block| block.get("type").and_then(Value::as_str))
        .find(|kind| TOOL_CHANGES.contains(kind))
        .map(|kind| format!("{kind} blocks are only allowed in messages with role \"system\""))
}

static MESSAGE: Object = plain(
    "AnthropicMessage",
    &[
        Field::required("role", Schema::Literal(&["user", "assistant", "system"])),
        Field::required("content", CONTENT),
    ],
);

/// `validate_tool_change_role`.
fn message_tool_changes(message: &Value) -> Option<String> {
    if message.get("role").and_then(Value::as_str) == Some("system") {
        return None;
    }
    no_tool_changes(message.get("content")?)
}

static MESSAGE_ITEM: Schema = Schema::After(&Schema::Model(&MESSAGE), message_tool_changes);

const TOOL_CHOICE: Schema = Schema::After(
    &Schema::Model(&plain(
        "AnthropicToolChoice",
        &[
            Field::required("type", Schema::Literal(&["auto", "any", "tool", "none"])),
            Field::optional("name", NULLABLE_STR),
            Field::optional("disable_parallel_tool_use", NULLABLE_BOOL),
        ],
    )),
    named_tool,
);

/// `validate_name_required_for_tool`.
fn named_tool(choice: &Value) -> Option<String> {
    let named = choice
        .get("name")
        .and_then(Value::as_str)
        .is_some_and(|name| !name.is_empty());
    (choice.get("type").and_then(Value::as_str) == Some("tool") && !named)
        .then(|| "tool_choice.name is required when type is 'tool'".to_owned())
}

const DISPLAY: Schema = nullable(&Schema::Literal(&["summarized", "omitted", "updates"]));

/// `AnthropicThinkingConfig`.
const THINKING: Schema = Schema::Tagged {
    discriminator: "type",
    choices: &[
        (
            "enabled",
            Schema::Model(&plain(
                "AnthropicThinkingConfigEnabled",
                &[
                    Field::required("type", Schema::Literal(&["enabled"])),
                    Field::required(
                        "budget_tokens",
                        Schema::Int {
                            ge: Some(1024),
                            le: None,
                        },
                    ),
                    Field::optional("display", DISPLAY),
                ],
            )),
        ),
        (
            "disabled",
            Schema::Model(&plain(
                "AnthropicThinkingConfigDisabled",
                &[Field::required("type", Schema::Literal(&["disabled"]))],
            )),
        ),
        (
            "adaptive",
            Schema::Model(&plain(
                "AnthropicThinkingConfigAdaptive",
                &[
                    Field::required("type", Schema::Literal(&["adaptive"])),
                    Field::optional("display", DISPLAY),
                ],
            )),
        ),
    ],
};

const OUTPUT_CONFIG: Schema = nullable(&Schema::Model(&plain(
    "AnthropicOutputConfig",
    &[
        Field::optional(
            "effort",
            nullable(&Schema::Literal(&["low", "medium", "high", "xhigh", "max"])),
        ),
        Field::optional(
            "format",
            nullable(&Schema::Model(&plain(
                "AnthropicJsonOutputFormat",
                &[
                    Field::optional("schema", NULLABLE_DICT),
                    Field::optional("type", Schema::Literal(&["json_schema"])),
                ],
            ))),
        ),
    ],
)));

/// `validate_model`.
fn model_named(model: &Value) -> Option<String> {
    (model.as_str() == Some("")).then(|| "Model is required".to_owned())
}

const MODEL: Schema = Schema::After(&STR, model_named);
const SYSTEM: Schema = nullable(&Schema::After(&CONTENT, no_tool_changes));
static TOOL_ITEM: Schema = Schema::Model(&TOOL);
const XARG: Schema = Schema::Union(&[STR, INT, Schema::Float]);

/// `validate_max_tokens`.
fn positive(max_tokens: &Value) -> Option<String> {
    let n = crate::openai::lax::lax_int(max_tokens).ok()?;
    (n <= 0).then(|| "max_tokens must be positive".to_owned())
}

static MESSAGES_REQUEST: Object = plain(
    "",
    &[
        Field::required("model", MODEL),
        Field::required("messages", list(&MESSAGE_ITEM)),
        Field::required("max_tokens", Schema::After(&INT, positive)),
        Field::optional("metadata", NULLABLE_DICT),
        Field::optional("output_config", OUTPUT_CONFIG),
        Field::optional("thinking", nullable(&THINKING)),
        Field::optional(
            "stop_sequences",
            nullable(&Schema::List {
                items: &STR,
                min_length: None,
                max_length: Some(4),
            }),
        ),
        Field::optional("stream", NULLABLE_BOOL),
        Field::optional("system", SYSTEM),
        Field::optional("temperature", nullable(&Schema::Float)),
        Field::optional("tool_choice", nullable(&TOOL_CHOICE)),
        Field::optional("tools", nullable(&list(&TOOL_ITEM))),
        Field::optional("top_k", nullable(&INT)),
        Field::optional("top_p", nullable(&Schema::Float)),
        Field::optional("mm_payload", Schema::Literal(&["tensors", "none"])),
        Field::optional("return_mm_kwargs", NULLABLE_BOOL),
        Field::optional(
            "cache_salt",
            nullable(&Schema::Str {
                min_length: Some(1),
                max_length: Some(1024),
            }),
        ),
        Field::optional("watermarking", NULLABLE_BOOL),
        Field::optional("kv_transfer_params", NULLABLE_DICT),
        Field::optional("ec_transfer_params", NULLABLE_DICT),
        Field::optional(
            "vllm_xargs",
            nullable(&Schema::Dict(&Schema::Union(&[STR, INT, Schema::Float, list(&XARG)]))),
        ),
        Field::optional("chat_template_kwargs", NULLABLE_DICT),
    ],
);

/// `validate_thinking_budget`: a thinking budget below `max_tokens`, but on a prefill leg.
fn thinking_budget(request: &Value) -> Option<String> {
    let remote_decode = request
        .get("kv_transfer_params")
        .and_then(|params| params.get("do_remote_decode"))
        .is_some_and(|flag| !matches!(flag, Value::Null | Value::Bool(false)));
    let thinking = request.get("thinking")?;
    if remote_decode || thinking.get("type").and_then(Value::as_str) != Some("enabled") {
        return None;
    }
    let budget = crate::openai::lax::lax_int(thinking.get("budget_tokens")?).ok()?;
    let max_tokens = crate::openai::lax::lax_int(request.get("max_tokens")?).ok()?;
    (budget >= max_tokens).then(|| "thinking.budget_tokens must be less than max_tokens".to_owned())
}

pub static ANTHROPIC_MESSAGES_REQUEST: Schema = Schema::After(&Schema::Model(&MESSAGES_REQUEST), thinking_budget);

/// `POST /v1/messages/count_tokens`: `AnthropicCountTokensRequest`.
pub static ANTHROPIC_COUNT_TOKENS_REQUEST: Schema = Schema::Model(&plain(
    "",
    &[
        Field::required("model", MODEL),
        Field::required("messages", list(&MESSAGE_ITEM)),
        Field::optional("output_config", OUTPUT_CONFIG),
        Field::optional("system", SYSTEM),
        Field::optional("thinking", nullable(&THINKING)),
        Field::optional("tool_choice", nullable(&TOOL_CHOICE)),
        Field::optional("tools", nullable(&list(&TOOL_ITEM))),
        Field::optional("chat_template_kwargs", NULLABLE_DICT),
    ],
));
