//! vLLM 0.33.0's `ResponsesRequest` (`/v1/responses`) as pydantic validates it, its fields in
//! pydantic's order and its `mode="before"` validators in the order pydantic runs them (the
//! last declared first).
//!
//! A tool is the SDK's union (`responses_tools`); the SDK's other models in it (an input item, of
//! 61 kinds; `reasoning`, `text`, a named `tool_choice`, `prompt`) are taken as they come: what
//! pydantic lists for a bad one of those is not reproduced.

use serde_json::Value;

use super::generation::{
    EC_TRANSFER_PARAMS, IGNORE_EOS, INCLUDE_STOP_STR_IN_OUTPUT, KV_TRANSFER_PARAMS, LOGIT_BIAS, MIN_P, MM_PAYLOAD,
    NULLABLE_BOOL, NULLABLE_INT, REPETITION_PENALTY, RETURN_MM_KWARGS, SEED, SESSION_ID, SKIP_SPECIAL_TOKENS,
    SPACES_BETWEEN_SPECIAL_TOKENS, STOP_FIELD, STOP_TOKEN_IDS, STREAM, STRUCTURED_OUTPUTS, TEMPERATURE, TOP_K, TOP_P,
    VLLM_XARGS_FIELD, WATERMARKING,
};
use super::{
    BOOL, CACHE_SALT, CHAT_TEMPLATE_KWARGS, MEDIA_IO_KWARGS, MM_PROCESSOR_KWARGS, MODEL, NULLABLE_STR, PRIORITY,
    REQUEST_ID, USER, cache_salt, list, model, nullable,
};
use crate::openai::model_validators::{
    background_refusal, grammar_refusal, is_grammar_tool, prompt_refusal, tool_usage_refusal,
};
use crate::openai::pydantic::{Field, STR, Schema};
use crate::openai::validation::FieldError;

const PENALTY: Schema = nullable(&Schema::FloatWithin { ge: -2.0, le: 2.0 });

pub static RESPONSES_REQUEST: Schema = Schema::Model(&model(
    &[
        Field::optional("background", NULLABLE_BOOL),
        Field::optional(
            "include",
            nullable(&list(&Schema::Literal(&[
                "code_interpreter_call.outputs",
                "computer_call_output.output.image_url",
                "file_search_call.results",
                "message.input_image.image_url",
                "message.output_text.logprobs",
                "reasoning.encrypted_content",
            ]))),
        ),
        Field::required("input", Schema::Union(&[STR, list(&Schema::Any)])),
        Field::optional("instructions", NULLABLE_STR),
        Field::optional("max_output_tokens", NULLABLE_INT),
        Field::optional("max_tool_calls", NULLABLE_INT),
        Field::optional("metadata", nullable(&Schema::Dict(&STR))),
        MODEL,
        LOGIT_BIAS,
        Field::optional("parallel_tool_calls", NULLABLE_BOOL),
        Field::optional("previous_response_id", NULLABLE_STR),
        Field::optional("prompt", Schema::Any),
        Field::optional("reasoning", Schema::Any),
        Field::optional("include_reasoning", BOOL),
        Field::optional(
            "service_tier",
            Schema::Literal(&["auto", "default", "flex", "scale", "priority"]),
        ),
        Field::optional("store", NULLABLE_BOOL),
        STREAM,
        TEMPERATURE,
        Field::optional("text", Schema::Any),
        Field::optional("tool_choice", Schema::Any),
        Field::optional("tools", list(&super::responses_tools::TOOL)),
        // A before validator reads `None` as 0.
        Field::optional("top_logprobs", NULLABLE_INT),
        TOP_P,
        TOP_K,
        MIN_P,
        Field::optional("truncation", nullable(&Schema::Literal(&["auto", "disabled"]))),
        USER,
        SKIP_SPECIAL_TOKENS,
        SPACES_BETWEEN_SPECIAL_TOKENS,
        INCLUDE_STOP_STR_IN_OUTPUT,
        Field::optional("presence_penalty", PENALTY),
        Field::optional("frequency_penalty", PENALTY),
        Field::optional("prompt_cache_key", NULLABLE_STR),
        Field::optional("prompt_cache_options", nullable(&Schema::Dict(&Schema::Any))),
        Field::optional(
            "prompt_cache_retention",
            nullable(&Schema::Literal(&["in_memory", "24h"])),
        ),
        Field::optional("safety_identifier", NULLABLE_STR),
        WATERMARKING,
        REQUEST_ID,
        SESSION_ID,
        MEDIA_IO_KWARGS,
        MM_PROCESSOR_KWARGS,
        PRIORITY,
        MM_PAYLOAD,
        RETURN_MM_KWARGS,
        CACHE_SALT,
        Field::optional("enable_response_messages", BOOL),
        Field::optional("previous_input_messages", nullable(&list(&Schema::Any))),
        STRUCTURED_OUTPUTS,
        REPETITION_PENALTY,
        SEED,
        STOP_FIELD,
        STOP_TOKEN_IDS,
        IGNORE_EOS,
        VLLM_XARGS_FIELD,
        KV_TRANSFER_PARAMS,
        EC_TRANSFER_PARAMS,
        CHAT_TEMPLATE_KWARGS,
    ],
    &[tool_usage, custom_tool_format, prompt, background, cache_salt],
));

fn refuse(error: FieldError) -> Result<Option<Value>, Box<FieldError>> {
    Err(Box::new(error))
}

/// `check_tool_usage`: without tools, an `auto` or `none` choice (`auto` when absent) becomes
/// `none`, a key the body then has (pydantic's `<dict of N items>` counts it).
fn tool_usage(data: &Value) -> Result<Option<Value>, Box<FieldError>> {
    let no_tools = data
        .get("tools")
        .is_none_or(|tools| tools.is_null() || tools.as_array().is_some_and(Vec::is_empty));
    if let Some(refused) = tool_usage_refusal(no_tools, data.get("tool_choice")) {
        return refuse(refused);
    }
    let choice = data.get("tool_choice").map_or(Some("auto"), Value::as_str);
    match data.as_object() {
        Some(body) if no_tools && matches!(choice, Some("auto" | "none")) => {
            let mut body = body.clone();
            body.insert("tool_choice".to_owned(), Value::from("none"));
            Ok(Some(Value::Object(body)))
        }
        _ => Ok(None),
    }
}

/// `check_custom_tool_format`.
fn custom_tool_format(data: &Value) -> Result<Option<Value>, Box<FieldError>> {
    let tools = data.get("tools").and_then(Value::as_array);
    if tools.is_some_and(|tools| tools.iter().any(is_grammar_tool)) {
        return refuse(grammar_refusal());
    }
    Ok(None)
}

/// `validate_prompt`.
fn prompt(data: &Value) -> Result<Option<Value>, Box<FieldError>> {
    match data.get("prompt") {
        Some(prompt) if !prompt.is_null() => refuse(prompt_refusal()),
        _ => Ok(None),
    }
}

/// `validate_background`: Python's truth of `background`, and `store` false when given.
fn background(data: &Value) -> Result<Option<Value>, Box<FieldError>> {
    let background = data.get("background").is_some_and(super::truthy);
    let store = data.get("store").is_none_or(super::truthy);
    if background && !store {
        return refuse(background_refusal());
    }
    Ok(None)
}
