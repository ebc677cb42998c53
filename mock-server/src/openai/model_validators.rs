//! The refusals vLLM's own model validators raise (`VLLMValidationError`s, answered as a plain
//! 400, not a pydantic list). The serde path's `check()`s and the error path's schemas
//! (`vllm_models`) both raise them, so they are worded once, here.

use super::validation::FieldError;

/// vLLM's check on every chat-shaped request.
pub fn generation_prompt_conflict() -> FieldError {
    FieldError::vllm(
        "Cannot set both `continue_final_message` and `add_generation_prompt` to True.",
        None,
    )
}

/// vLLM's check on chat and completion requests.
pub fn stream_options_without_stream() -> FieldError {
    FieldError::vllm(
        "Stream options can only be defined when `stream=True`.",
        Some("stream_options"),
    )
}

/// vLLM's answer to `normalize`, which its newest pooling requests no longer take.
pub fn normalize_removed() -> FieldError {
    FieldError::vllm(
        "Parameter `normalize` was removed; use `use_activation` instead.",
        Some("normalize"),
    )
}

/// vLLM's `check_removed_pooling_task`: a task it no longer has, named with its successor.
pub fn removed_task(task: &str) -> Option<FieldError> {
    let message = match task {
        "score" => "`score` task was removed; use `classify` instead.",
        "encode" => "`encode` task was removed; use `token_embed` or `token_classify` instead.",
        _ => return None,
    };
    Some(FieldError::vllm(message, Some("task")))
}

/// `check_cache_salt_support` as a model's only `check`: the salt's refusal, if any.
pub fn cache_salt_errors(salt: Option<&serde_json::Value>) -> Vec<FieldError> {
    salt.and_then(cache_salt_refusal).into_iter().collect()
}

/// vLLM's `validate_cache_salt`: a salt, when given, is a non-empty string of at most 128
/// characters without `@`, `/`, `\` or NUL.
pub fn cache_salt_refusal(salt: &serde_json::Value) -> Option<FieldError> {
    match salt {
        serde_json::Value::Null => None,
        serde_json::Value::String(salt) if !salt.is_empty() => (salt.chars().count() > 128
            || salt.contains(['@', '/', '\\', '\0']))
        .then(|| {
            FieldError::vllm(
                "Parameter 'cache_salt' must be at most 128 characters and must not contain '@', '/', '\\\\', or NUL.",
                Some("cache_salt"),
            )
        }),
        _ => Some(FieldError::vllm(
            "Parameter 'cache_salt' must be a non-empty string if provided.",
            Some("cache_salt"),
        )),
    }
}

/// The Responses API's `check_custom_tool_format`: a custom tool whose format is a grammar, which vLLM does not take.
pub fn is_grammar_tool(tool: &serde_json::Value) -> bool {
    tool.get("type").and_then(serde_json::Value::as_str) == Some("custom")
        && tool.pointer("/format/type").and_then(serde_json::Value::as_str) == Some("grammar")
}

/// The Responses API's `check_tool_usage`: a tool choice that needs tools, without them.
pub fn tool_usage_refusal(no_tools: bool, choice: Option<&serde_json::Value>) -> Option<FieldError> {
    if !no_tools {
        return None;
    }
    let choice = choice?;
    if choice.as_str() == Some("required") {
        return Some(FieldError::vllm(
            "Tool choice 'required' must be specified with 'tools' parameter.",
            Some("tool_choice"),
        ));
    }
    matches!(
        choice.get("type").and_then(serde_json::Value::as_str),
        Some("function" | "custom")
    )
    .then(|| {
        FieldError::vllm(
            "Tool choice 'function' not found in 'tools' parameter.",
            Some("tool_choice"),
        )
    })
}

pub fn grammar_refusal() -> FieldError {
    FieldError::vllm(
        "Custom tools with a grammar format are not supported; only free-form text custom tools are accepted.",
        Some("tools"),
    )
}

pub fn prompt_refusal() -> FieldError {
    FieldError::vllm("prompt template is not supported", Some("prompt"))
}

pub fn background_refusal() -> FieldError {
    FieldError::vllm("background can only be used when `store` is true", Some("background"))
}
