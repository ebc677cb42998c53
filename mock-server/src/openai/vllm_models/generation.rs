//! vLLM 0.33.0's `ChatCompletionRequest` and `CompletionRequest` as pydantic validates them:
//! every field in pydantic's order (`Model.model_fields`), and the `mode="before"` validators
//! that can refuse a body before its fields are read, in the order pydantic runs them (the
//! last declared first).
//!
//! Fields whose own types are Python dataclasses or deep vLLM models the mock never reads
//! (`structured_outputs`, `repetition_detection`, a named `tool_choice`, which
//! `check_tool_usage` guards first) are taken as they come.

use serde_json::Value;

use super::{
    ADD_GENERATION_PROMPT, BOOL, CACHE_SALT, CHAT_TEMPLATE, CHAT_TEMPLATE_KWARGS, CONTINUE_FINAL_MESSAGE, CONVERSATION,
    MEDIA_IO_KWARGS, MM_PROCESSOR_KWARGS, MODEL, NULLABLE_STR, PRIORITY, REQUEST_ID, TRUNCATE_PROMPT_TOKENS,
    TRUNCATION_SIDE, USER, cache_salt, generation_prompt, list, model, nullable, truthy,
};
use crate::openai::model_validators::stream_options_without_stream;
use crate::openai::pydantic::{Field, INT, STR, Schema};
use crate::openai::validation::FieldError;

const FLOAT: Schema = Schema::Float;
pub(super) const NULLABLE_FLOAT: Schema = nullable(&FLOAT);
pub(super) const NULLABLE_INT: Schema = nullable(&INT);
pub(super) const NULLABLE_BOOL: Schema = nullable(&BOOL);
const ANY_DICT: Schema = nullable(&Schema::Dict(&Schema::Any));
const TOKEN_IDS: Schema = nullable(&list(&INT));

/// One of vLLM's `OpenAIBaseModel`s: its validator wrap drops the class name from locations.
macro_rules! vllm_model {
    ($($field:expr),* $(,)?) => {
        Schema::Model(&model(&[$($field),*], &[]))
    };
}

/// `ResponseFormat | StructuralTagResponseFormat | LegacyStructuralTagResponseFormat | None`.
const RESPONSE_FORMAT: Schema = nullable(&Schema::Union(&[
    vllm_model!(
        Field::required("type", Schema::Literal(&["text", "json_object", "json_schema"])),
        Field::optional(
            "json_schema",
            nullable(&vllm_model!(
                Field::required("name", STR),
                Field::optional("description", NULLABLE_STR),
                Field::optional("json_schema", ANY_DICT),
                Field::optional("strict", NULLABLE_BOOL),
            )),
        ),
    ),
    vllm_model!(
        Field::required("type", Schema::Literal(&["structural_tag"])),
        Field::required("format", Schema::Any),
    ),
    vllm_model!(
        Field::required("type", Schema::Literal(&["structural_tag"])),
        Field::required(
            "structures",
            list(&vllm_model!(
                Field::required("begin", STR),
                Field::optional("structural_tag_schema", ANY_DICT),
                Field::required("end", STR),
            )),
        ),
        Field::required("triggers", list(&STR)),
    ),
]));

/// `str | Annotated[list[str], MaxLen(4)] | None`.
const STOP: Schema = nullable(&Schema::Union(&[
    STR,
    Schema::List {
        items: &STR,
        min_length: None,
        max_length: Some(4),
    },
]));

const STREAM_OPTIONS: Schema = nullable(&vllm_model!(
    Field::optional("include_usage", NULLABLE_BOOL),
    Field::optional("continuous_usage_stats", NULLABLE_BOOL),
));

pub(super) const SEED: Field = Field::optional(
    "seed",
    nullable(&Schema::Int {
        ge: Some(i64::MIN),
        le: Some(i64::MAX),
    }),
);

/// `dict[str, str | int | float | list[str | int | float]] | None`.
const VLLM_XARGS: Schema = nullable(&Schema::Dict(&Schema::Union(&[
    STR,
    INT,
    FLOAT,
    list(&Schema::Union(&[STR, INT, FLOAT])),
])));

const TOOLS: Schema = nullable(&list(&vllm_model!(
    Field::optional("type", Schema::Literal(&["function"])),
    Field::required(
        "function",
        vllm_model!(
            Field::required("name", STR),
            Field::optional("description", NULLABLE_STR),
            Field::optional("parameters", ANY_DICT),
            Field::optional("strict", NULLABLE_BOOL),
            Field::optional("defer_loading", NULLABLE_BOOL),
        ),
    ),
    Field::optional("defer_loading", NULLABLE_BOOL),
)));

/// The fields both models declare, under one name each.
const FREQUENCY_PENALTY: Field = Field::optional("frequency_penalty", NULLABLE_FLOAT);
pub(super) const LOGIT_BIAS: Field = Field::optional("logit_bias", nullable(&Schema::Dict(&FLOAT)));
const N: Field = Field::optional("n", NULLABLE_INT);
const PRESENCE_PENALTY: Field = Field::optional("presence_penalty", NULLABLE_FLOAT);
const RESPONSE_FORMAT_FIELD: Field = Field::optional("response_format", RESPONSE_FORMAT);
pub(super) const STOP_FIELD: Field = Field::optional("stop", STOP);
pub(super) const STREAM: Field = Field::optional("stream", NULLABLE_BOOL);
const STREAM_OPTIONS_FIELD: Field = Field::optional("stream_options", STREAM_OPTIONS);
pub(super) const TEMPERATURE: Field = Field::optional("temperature", NULLABLE_FLOAT);
pub(super) const TOP_P: Field = Field::optional("top_p", NULLABLE_FLOAT);
const USE_BEAM_SEARCH: Field = Field::optional("use_beam_search", BOOL);
pub(super) const TOP_K: Field = Field::optional("top_k", NULLABLE_INT);
pub(super) const MIN_P: Field = Field::optional("min_p", NULLABLE_FLOAT);
pub(super) const REPETITION_PENALTY: Field = Field::optional("repetition_penalty", NULLABLE_FLOAT);
pub(super) const WATERMARKING: Field = Field::optional("watermarking", NULLABLE_BOOL);
const LENGTH_PENALTY: Field = Field::optional("length_penalty", FLOAT);
pub(super) const STOP_TOKEN_IDS: Field = Field::optional("stop_token_ids", TOKEN_IDS);
pub(super) const INCLUDE_STOP_STR_IN_OUTPUT: Field = Field::optional("include_stop_str_in_output", BOOL);
pub(super) const IGNORE_EOS: Field = Field::optional("ignore_eos", BOOL);
const MIN_TOKENS: Field = Field::optional("min_tokens", INT);
pub(super) const SKIP_SPECIAL_TOKENS: Field = Field::optional("skip_special_tokens", NULLABLE_BOOL);
pub(super) const SPACES_BETWEEN_SPECIAL_TOKENS: Field = Field::optional("spaces_between_special_tokens", BOOL);
const PROMPT_LOGPROBS: Field = Field::optional("prompt_logprobs", NULLABLE_INT);
const LOGPROB_TOKEN_IDS: Field = Field::optional("logprob_token_ids", TOKEN_IDS);
const ALLOWED_TOKEN_IDS: Field = Field::optional("allowed_token_ids", TOKEN_IDS);
const BAD_WORDS: Field = Field::optional("bad_words", list(&STR));
const ADD_SPECIAL_TOKENS: Field = Field::optional("add_special_tokens", BOOL);
pub(super) const STRUCTURED_OUTPUTS: Field = Field::optional("structured_outputs", Schema::Any);
pub(super) const SESSION_ID: Field = Field::optional("session_id", NULLABLE_STR);
const RETURN_TOKENS_AS_TOKEN_IDS: Field = Field::optional("return_tokens_as_token_ids", NULLABLE_BOOL);
const RETURN_TOKEN_IDS: Field = Field::optional("return_token_ids", NULLABLE_BOOL);
const RETURN_WEIGHT_VERSIONS: Field = Field::optional("return_weight_versions", BOOL);
const ROUTED_EXPERTS_PROMPT_START: Field =
    Field::optional("routed_experts_prompt_start", Schema::Int { ge: Some(0), le: None });
const RETURN_TOKEN_OFFSETS: Field = Field::optional("return_token_offsets", NULLABLE_BOOL);
pub(super) const MM_PAYLOAD: Field = Field::optional("mm_payload", Schema::Literal(&["tensors", "none"]));
pub(super) const RETURN_MM_KWARGS: Field = Field::optional("return_mm_kwargs", NULLABLE_BOOL);
pub(super) const KV_TRANSFER_PARAMS: Field = Field::optional("kv_transfer_params", ANY_DICT);
pub(super) const EC_TRANSFER_PARAMS: Field = Field::optional("ec_transfer_params", ANY_DICT);
pub(super) const VLLM_XARGS_FIELD: Field = Field::optional("vllm_xargs", VLLM_XARGS);
const REPETITION_DETECTION: Field = Field::optional("repetition_detection", Schema::Any);
const THINKING_TOKEN_BUDGET: Field = Field::optional("thinking_token_budget", NULLABLE_INT);
const STREAM_INTERVAL: Field = Field::optional("stream_interval", nullable(&Schema::Int { ge: Some(1), le: None }));

/// `validate_stream_options`: `stream_options` only with `stream`, as Python's truth sees both.
fn stream_options(data: &Value) -> Result<Option<Value>, Box<FieldError>> {
    let on = |key| data.get(key).is_some_and(truthy);
    if on("stream_options") && !on("stream") {
        return Err(Box::new(stream_options_without_stream()));
    }
    Ok(None)
}

/// `POST /v1/chat/completions`: `ChatCompletionRequest`.
pub static CHAT_COMPLETION_REQUEST: Schema = Schema::Model(&model(
    &[
        Field::required("messages", CONVERSATION),
        MODEL,
        FREQUENCY_PENALTY,
        LOGIT_BIAS,
        Field::optional("logprobs", NULLABLE_BOOL),
        // A before validator reads `None` as 0.
        Field::optional("top_logprobs", NULLABLE_INT),
        Field::optional("max_tokens", NULLABLE_INT),
        Field::optional("max_completion_tokens", NULLABLE_INT),
        N,
        PRESENCE_PENALTY,
        RESPONSE_FORMAT_FIELD,
        SEED,
        STOP_FIELD,
        STREAM,
        STREAM_OPTIONS_FIELD,
        TEMPERATURE,
        TOP_P,
        Field::optional("tools", TOOLS),
        Field::optional("tool_choice", Schema::Any),
        Field::optional(
            "reasoning_effort",
            nullable(&Schema::Literal(&[
                "none", "minimal", "low", "medium", "high", "xhigh", "max",
            ])),
        ),
        THINKING_TOKEN_BUDGET,
        Field::optional("include_reasoning", BOOL),
        Field::optional("parallel_tool_calls", NULLABLE_BOOL),
        USER,
        USE_BEAM_SEARCH,
        TOP_K,
        MIN_P,
        REPETITION_PENALTY,
        WATERMARKING,
        LENGTH_PENALTY,
        STOP_TOKEN_IDS,
        INCLUDE_STOP_STR_IN_OUTPUT,
        IGNORE_EOS,
        MIN_TOKENS,
        SKIP_SPECIAL_TOKENS,
        SPACES_BETWEEN_SPECIAL_TOKENS,
        TRUNCATE_PROMPT_TOKENS,
        TRUNCATION_SIDE,
        PROMPT_LOGPROBS,
        LOGPROB_TOKEN_IDS,
        ALLOWED_TOKEN_IDS,
        BAD_WORDS,
        Field::optional("echo", BOOL),
        ADD_GENERATION_PROMPT,
        CONTINUE_FINAL_MESSAGE,
        ADD_SPECIAL_TOKENS,
        Field::optional("documents", nullable(&list(&Schema::Dict(&STR)))),
        CHAT_TEMPLATE,
        CHAT_TEMPLATE_KWARGS,
        MEDIA_IO_KWARGS,
        MM_PROCESSOR_KWARGS,
        STRUCTURED_OUTPUTS,
        PRIORITY,
        REQUEST_ID,
        SESSION_ID,
        RETURN_TOKENS_AS_TOKEN_IDS,
        RETURN_TOKEN_IDS,
        RETURN_WEIGHT_VERSIONS,
        ROUTED_EXPERTS_PROMPT_START,
        RETURN_TOKEN_OFFSETS,
        Field::optional("return_prompt_text", NULLABLE_BOOL),
        MM_PAYLOAD,
        RETURN_MM_KWARGS,
        CACHE_SALT,
        KV_TRANSFER_PARAMS,
        EC_TRANSFER_PARAMS,
        VLLM_XARGS_FIELD,
        REPETITION_DETECTION,
        STREAM_INTERVAL,
    ],
    &[generation_prompt, stream_options, cache_salt],
));

/// `prompt`: OpenAI's four shapes, token ids not negative, or none (`prompt_embeds` instead).
const PROMPT: Schema = nullable(&Schema::Union(&[
    list(&TOKEN_ID),
    list(&list(&TOKEN_ID)),
    STR,
    list(&STR),
]));
const TOKEN_ID: Schema = Schema::Int { ge: Some(0), le: None };

/// `POST /v1/completions`: `CompletionRequest`.
pub static COMPLETION_REQUEST: Schema = Schema::Model(&model(
    &[
        MODEL,
        Field::optional("prompt", PROMPT),
        Field::optional("echo", NULLABLE_BOOL),
        FREQUENCY_PENALTY,
        LOGIT_BIAS,
        Field::optional("logprobs", NULLABLE_INT),
        Field::optional("max_tokens", NULLABLE_INT),
        Field::optional("n", INT),
        PRESENCE_PENALTY,
        SEED,
        STOP_FIELD,
        STREAM,
        STREAM_OPTIONS_FIELD,
        Field::optional("suffix", NULLABLE_STR),
        TEMPERATURE,
        TOP_P,
        USER,
        USE_BEAM_SEARCH,
        TOP_K,
        MIN_P,
        REPETITION_PENALTY,
        WATERMARKING,
        LENGTH_PENALTY,
        STOP_TOKEN_IDS,
        INCLUDE_STOP_STR_IN_OUTPUT,
        IGNORE_EOS,
        MIN_TOKENS,
        SKIP_SPECIAL_TOKENS,
        SPACES_BETWEEN_SPECIAL_TOKENS,
        TRUNCATE_PROMPT_TOKENS,
        TRUNCATION_SIDE,
        ALLOWED_TOKEN_IDS,
        PROMPT_LOGPROBS,
        LOGPROB_TOKEN_IDS,
        BAD_WORDS,
        Field::optional("prompt_embeds", Schema::Any),
        ADD_SPECIAL_TOKENS,
        RESPONSE_FORMAT_FIELD,
        STRUCTURED_OUTPUTS,
        PRIORITY,
        REQUEST_ID,
        SESSION_ID,
        RETURN_TOKENS_AS_TOKEN_IDS,
        RETURN_TOKEN_IDS,
        RETURN_WEIGHT_VERSIONS,
        ROUTED_EXPERTS_PROMPT_START,
        RETURN_TOKEN_OFFSETS,
        MM_PAYLOAD,
        RETURN_MM_KWARGS,
        CACHE_SALT,
        KV_TRANSFER_PARAMS,
        EC_TRANSFER_PARAMS,
        VLLM_XARGS_FIELD,
        REPETITION_DETECTION,
        THINKING_TOKEN_BUDGET,
        STREAM_INTERVAL,
    ],
    &[stream_options, cache_salt],
));

/// `BatchChatCompletionRequest`'s own part: its conversations (a list of at least one, each of
/// at least one message) and its validator. Its other fields are a chat request's, which each
/// conversation's request reads; an error there is reported by it.
pub static BATCH_CHAT_COMPLETION_REQUEST: Schema = Schema::Model(&model(
    &[
        Field::required(
            "messages",
            Schema::List {
                items: &Schema::List {
                    items: &super::CHAT_MESSAGE,
                    min_length: Some(1),
                    max_length: None,
                },
                min_length: Some(1),
                max_length: None,
            },
        ),
        MODEL,
    ],
    &[check_batch_mode],
));

/// `check_batch_mode`, run before the fields: what the batch endpoint does not do.
pub(crate) fn check_batch_mode(data: &Value) -> Result<Option<Value>, Box<FieldError>> {
    let truthy = |key: &str| data.get(key).is_some_and(truthy);
    let refuse = |message: &str, parameter: &str| Err(Box::new(FieldError::vllm(message, Some(parameter))));
    if truthy("use_beam_search") {
        return refuse(
            "Batch chat completions do not support beam search. Please set `use_beam_search` to False.",
            "use_beam_search",
        );
    }
    if truthy("logprob_token_ids") && !truthy("logprobs") {
        return refuse(
            "when using `logprob_token_ids`, `logprobs` must be set to true.",
            "logprob_token_ids",
        );
    }
    if data
        .get("kv_transfer_params")
        .and_then(|p| p.get("prompt_token_ids"))
        .is_some_and(|ids| !ids.is_null())
    {
        return refuse(
            "Batch chat completions do not support `kv_transfer_params['prompt_token_ids']`: one pre-tokenized \
             prompt cannot serve several conversations.",
            "kv_transfer_params.prompt_token_ids",
        );
    }
    // Python's `n != 1`: `1.0` and `True` are 1 too.
    match data.get("n") {
        None | Some(Value::Null | Value::Bool(true)) => Ok(None),
        Some(n) if n.as_f64() == Some(1.0) => Ok(None),
        Some(n) => {
            let value = match n {
                Value::String(s) => s.clone(),
                other => crate::openai::validation::python_repr(other),
            };
            Err(Box::new(FieldError::vllm(
                &format!("Batch chat completions do not support `n > 1`. Please set `n` to 1. (parameter=n, value={value})"),
                None,
            )
            .naming("n")))
        }
    }
}
