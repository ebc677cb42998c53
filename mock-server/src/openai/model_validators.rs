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
