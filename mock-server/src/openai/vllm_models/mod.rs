//! vLLM 0.33.0's request models as pydantic validates them: fields in pydantic's order, their
//! types and bounds, the union branches, the `mode="before"` validators.
//!
//! Read off the oracle's installed vLLM (`Model.model_fields`, `__pydantic_core_schema__`) and
//! the OpenAI SDK's `TypedDict`s it uses for chat messages. Only the error path reads these
//! ([`super::pydantic`]); the request types beside each endpoint parse the good bodies.

use serde_json::Value;

mod anthropic;
mod cohere;
mod decisions;
mod generation;
mod generative_scoring;
mod responses;
mod responses_tools;
pub use anthropic::{ANTHROPIC_COUNT_TOKENS_REQUEST, ANTHROPIC_MESSAGES_REQUEST};
pub use cohere::COHERE_EMBED_REQUEST;
pub use decisions::{DECISION_REQUEST, STRUCTURED_DECISION_REQUEST};
pub use generation::{BATCH_CHAT_COMPLETION_REQUEST, CHAT_COMPLETION_REQUEST, COMPLETION_REQUEST};
pub use generative_scoring::GENERATIVE_SCORING_REQUEST;
pub use responses::RESPONSES_REQUEST;
pub use responses_tools::{TOOL, tool_model};

use super::pydantic::{Field, INT, Object, STR, Schema};
use super::validation::FieldError;

const BOOL: Schema = Schema::Bool;

const fn nullable(inner: &'static Schema) -> Schema {
    Schema::Nullable(inner)
}

const fn list(items: &'static Schema) -> Schema {
    Schema::List {
        items,
        min_length: None,
        max_length: None,
    }
}

// ---------------------------------------------------------------------------------------------
// Chat messages: openai's `ChatCompletionMessageParam`, vLLM's custom message and harmony's.
// ---------------------------------------------------------------------------------------------

static PROMPT_CACHE_BREAKPOINT: Object = typed_dict(
    "PromptCacheBreakpoint",
    &[
        Field::required("mode", Schema::Literal(&["explicit"])),
        Field::optional("ttl", Schema::Literal(&["30m", "12h"])),
    ],
);
static FILE_PROMPT_CACHE_BREAKPOINT: Object = typed_dict("FilePromptCacheBreakpoint", PROMPT_CACHE_BREAKPOINT.fields);

static TEXT_PART: Object = typed_dict(
    "ChatCompletionContentPartTextParam",
    &[
        Field::required("text", STR),
        Field::required("type", Schema::Literal(&["text"])),
        Field::optional("prompt_cache_breakpoint", Schema::TypedDict(&PROMPT_CACHE_BREAKPOINT)),
    ],
);
static IMAGE_PART: Object = typed_dict(
    "ChatCompletionContentPartImageParam",
    &[
        Field::required(
            "image_url",
            Schema::TypedDict(&typed_dict(
                "ImageURL",
                &[
                    Field::required("url", STR),
                    Field::optional("detail", Schema::Literal(&["auto", "low", "high", "original"])),
                ],
            )),
        ),
        Field::required("type", Schema::Literal(&["image_url"])),
        Field::optional("prompt_cache_breakpoint", Schema::TypedDict(&PROMPT_CACHE_BREAKPOINT)),
    ],
);
static INPUT_AUDIO_PART: Object = typed_dict(
    "ChatCompletionContentPartInputAudioParam",
    &[
        Field::required(
            "input_audio",
            Schema::TypedDict(&typed_dict(
                "InputAudio",
                &[
                    Field::required("data", STR),
                    Field::required("format", Schema::Literal(&["wav", "mp3"])),
                ],
            )),
        ),
        Field::required("type", Schema::Literal(&["input_audio"])),
        Field::optional("prompt_cache_breakpoint", Schema::TypedDict(&PROMPT_CACHE_BREAKPOINT)),
    ],
);
static FILE_PART: Object = typed_dict(
    "File",
    &[
        Field::required(
            "file",
            Schema::TypedDict(&typed_dict(
                "FileFile",
                &[
                    Field::optional("file_data", STR),
                    Field::optional("file_id", STR),
                    Field::optional("filename", STR),
                ],
            )),
        ),
        Field::required("type", Schema::Literal(&["file"])),
        Field::optional(
            "prompt_cache_breakpoint",
            Schema::TypedDict(&FILE_PROMPT_CACHE_BREAKPOINT),
        ),
    ],
);
static REFUSAL_PART: Object = typed_dict(
    "ChatCompletionContentPartRefusalParam",
    &[
        Field::required("refusal", STR),
        Field::required("type", Schema::Literal(&["refusal"])),
    ],
);
static PROMPT_EMBEDS_PART: Object = typed_dict(
    "ChatCompletionContentPartPromptEmbedsParam",
    &[
        Field::required("data", STR),
        Field::required("type", Schema::Literal(&["prompt_embeds"])),
    ],
);

const NULLABLE_STR: Schema = nullable(&STR);
const EMBEDS: Schema = nullable(&Schema::Union(&[STR, Schema::Dict(&Schema::Any)]));

static VIDEO_PART: Object = typed_dict(
    "ChatCompletionContentPartVideoParam",
    &[
        Field::required(
            "video_url",
            Schema::TypedDict(&typed_dict("VideoURL", &[Field::required("url", STR)])),
        ),
        Field::required("type", Schema::Literal(&["video_url"])),
    ],
);
static IMAGE_EMBEDS_PART: Object = typed_dict(
    "ChatCompletionContentPartImageEmbedsParam",
    &[
        Field::optional("image_embeds", EMBEDS),
        Field::required("type", Schema::Literal(&["image_embeds"])),
        Field::optional("uuid", NULLABLE_STR),
    ],
);

/// vLLM's own content parts, the union its custom message's list takes, in its order.
static CUSTOM_CONTENT_PARTS: Schema = Schema::Union(&[
    Schema::TypedDict(&TEXT_PART),
    Schema::TypedDict(&IMAGE_PART),
    Schema::TypedDict(&INPUT_AUDIO_PART),
    Schema::TypedDict(&FILE_PART),
    Schema::TypedDict(&typed_dict(
        "ChatCompletionContentPartAudioParam",
        &[
            Field::required(
                "audio_url",
                Schema::TypedDict(&typed_dict("AudioURL", &[Field::required("url", STR)])),
            ),
            Field::required("type", Schema::Literal(&["audio_url"])),
        ],
    )),
    Schema::TypedDict(&VIDEO_PART),
    Schema::TypedDict(&REFUSAL_PART),
    Schema::TypedDict(&typed_dict(
        "CustomChatCompletionContentPILImageParam",
        // `image_pil` is a PIL image, which JSON cannot carry: anything but null is refused.
        &[
            Field::optional(
                "image_pil",
                nullable(&Schema::Model(&Object {
                    name: "PILImage",
                    tagged: true,
                    fields: &[Field::required("image_pil", Schema::InstanceOf("Image"))],
                    before: &[],
                })),
            ),
            Field::optional("uuid", NULLABLE_STR),
        ],
    )),
    Schema::TypedDict(&typed_dict(
        "CustomChatCompletionContentSimpleImageParam",
        &[
            Field::optional("image_url", NULLABLE_STR),
            Field::optional("uuid", NULLABLE_STR),
        ],
    )),
    Schema::TypedDict(&IMAGE_EMBEDS_PART),
    Schema::TypedDict(&typed_dict(
        "ChatCompletionContentPartAudioEmbedsParam",
        &[
            Field::optional("audio_embeds", EMBEDS),
            Field::required("type", Schema::Literal(&["audio_embeds"])),
            Field::optional("uuid", NULLABLE_STR),
        ],
    )),
    Schema::TypedDict(&typed_dict(
        "ChatCompletionContentPartVideoEmbedsParam",
        &[
            Field::optional("video_embeds", EMBEDS),
            Field::optional("audio_embeds", EMBEDS),
            Field::required("type", Schema::Literal(&["video_embeds"])),
            Field::optional("uuid", NULLABLE_STR),
        ],
    )),
    Schema::TypedDict(&PROMPT_EMBEDS_PART),
    Schema::TypedDict(&typed_dict(
        "CustomChatCompletionContentSimpleAudioParam",
        &[Field::optional("audio_url", NULLABLE_STR)],
    )),
    Schema::TypedDict(&typed_dict(
        "CustomChatCompletionContentSimpleVideoParam",
        &[
            Field::optional("video_url", NULLABLE_STR),
            Field::optional("uuid", NULLABLE_STR),
        ],
    )),
    Schema::TypedDict(&typed_dict(
        "CustomChatCompletionContentToolReferenceParam",
        &[
            Field::optional("name", STR),
            Field::optional("type", Schema::Literal(&["tool_reference"])),
        ],
    )),
    STR,
    Schema::TypedDict(&typed_dict(
        "CustomThinkCompletionContentParam",
        &[
            Field::required("thinking", STR),
            Field::optional("closed", BOOL),
            Field::required("type", Schema::Literal(&["thinking"])),
        ],
    )),
]);

/// `str | Iterable[part]`: the SDK's content, its parts validated lazily (so never here).
const SDK_CONTENT: Schema = Schema::Union(&[STR, Schema::Iterable]);

static FUNCTION_TOOL_CALL: Object = typed_dict(
    "ChatCompletionMessageFunctionToolCallParam",
    &[
        Field::required("id", STR),
        Field::required(
            "function",
            Schema::TypedDict(&typed_dict(
                "Function",
                &[Field::required("arguments", STR), Field::required("name", STR)],
            )),
        ),
        Field::required("type", Schema::Literal(&["function"])),
    ],
);

/// The union a message is validated against, in vLLM's order.
pub static CHAT_MESSAGE: Schema = Schema::Union(&[
    Schema::TypedDict(&typed_dict(
        "ChatCompletionDeveloperMessageParam",
        &[
            Field::required("content", SDK_CONTENT),
            Field::required("role", Schema::Literal(&["developer"])),
            Field::optional("name", STR),
        ],
    )),
    Schema::TypedDict(&typed_dict(
        "ChatCompletionSystemMessageParam",
        &[
            Field::required("content", SDK_CONTENT),
            Field::required("role", Schema::Literal(&["system"])),
            Field::optional("name", STR),
        ],
    )),
    Schema::TypedDict(&typed_dict(
        "ChatCompletionUserMessageParam",
        &[
            Field::required("content", SDK_CONTENT),
            Field::required("role", Schema::Literal(&["user"])),
            Field::optional("name", STR),
        ],
    )),
    Schema::TypedDict(&typed_dict(
        "ChatCompletionAssistantMessageParam",
        &[
            Field::required("role", Schema::Literal(&["assistant"])),
            Field::optional(
                "audio",
                nullable(&Schema::TypedDict(&typed_dict("Audio", &[Field::required("id", STR)]))),
            ),
            Field::optional("content", nullable(&SDK_CONTENT)),
            Field::optional(
                "function_call",
                nullable(&Schema::TypedDict(&typed_dict(
                    "FunctionCall",
                    &[Field::required("arguments", STR), Field::required("name", STR)],
                ))),
            ),
            Field::optional("name", STR),
            Field::optional("refusal", NULLABLE_STR),
            Field::optional("tool_calls", Schema::Iterable),
        ],
    )),
    Schema::TypedDict(&typed_dict(
        "ChatCompletionToolMessageParam",
        &[
            Field::required("content", SDK_CONTENT),
            Field::required("role", Schema::Literal(&["tool"])),
            Field::required("tool_call_id", STR),
        ],
    )),
    Schema::TypedDict(&typed_dict(
        "ChatCompletionFunctionMessageParam",
        &[
            Field::required("content", NULLABLE_STR),
            Field::required("name", STR),
            Field::required("role", Schema::Literal(&["function"])),
        ],
    )),
    Schema::TypedDict(&typed_dict(
        "CustomChatCompletionMessageParam",
        &[
            Field::required("role", STR),
            Field::optional("content", Schema::Union(&[STR, list(&CUSTOM_CONTENT_PARTS)])),
            Field::optional("name", STR),
            Field::optional("tool_call_id", NULLABLE_STR),
            Field::optional("tool_calls", nullable(&list(&Schema::TypedDict(&FUNCTION_TOOL_CALL)))),
            Field::optional(
                "reasoning",
                nullable(&Schema::Union(&[STR, Schema::TypedDict(&PROMPT_EMBEDS_PART)])),
            ),
            Field::optional(
                "tools",
                nullable(&list(&Schema::TypedDict(&typed_dict(
                    "ChatCompletionFunctionToolParam",
                    &[
                        Field::required(
                            "function",
                            Schema::TypedDict(&typed_dict(
                                "FunctionDefinition",
                                &[
                                    Field::required("name", STR),
                                    Field::optional("description", STR),
                                    Field::optional("parameters", Schema::Dict(&Schema::Any)),
                                    Field::optional("strict", nullable(&BOOL)),
                                ],
                            )),
                        ),
                        Field::required("type", Schema::Literal(&["function"])),
                    ],
                )))),
            ),
            Field::optional("task", NULLABLE_STR),
        ],
    )),
    // openai_harmony's `Message`, a plain pydantic model (so its name shows).
    Schema::Model(&Object {
        name: "Message",
        tagged: true,
        fields: &[
            Field::required(
                "author",
                Schema::Model(&Object {
                    name: "Author",
                    tagged: true,
                    fields: &[
                        Field::required(
                            "role",
                            Schema::Enum(&["user", "assistant", "system", "developer", "tool"]),
                        ),
                        Field::optional("name", NULLABLE_STR),
                    ],
                    before: &[],
                }),
            ),
            Field::optional(
                "content",
                list(&Schema::Model(&Object {
                    name: "Content",
                    tagged: true,
                    fields: &[],
                    before: &[],
                })),
            ),
            Field::optional("channel", NULLABLE_STR),
            Field::optional("recipient", NULLABLE_STR),
            Field::optional("content_type", NULLABLE_STR),
        ],
        before: &[],
    }),
]);

const fn typed_dict(name: &'static str, fields: &'static [Field]) -> Object {
    Object {
        name,
        tagged: true,
        fields,
        before: &[],
    }
}

const fn model(fields: &'static [Field], before: &'static [super::pydantic::Before]) -> Object {
    object("", fields, before)
}

/// A plain model: no `mode="before"` validators.
const fn plain(name: &'static str, fields: &'static [Field]) -> Object {
    object(name, fields, &[])
}

/// A model of vLLM's own, untagged in a union's error location (see [`Object::tagged`]).
const fn object(name: &'static str, fields: &'static [Field], before: &'static [super::pydantic::Before]) -> Object {
    Object {
        name,
        tagged: false,
        fields,
        before,
    }
}

// ---------------------------------------------------------------------------------------------
// Fields vLLM's mixins share.
// ---------------------------------------------------------------------------------------------

const PADDING: Field = Field::optional("padding", nullable(&Schema::Literal(&["max_length", "do_not_pad"])));
const ENCODING_FORMAT: Field = Field::optional(
    "encoding_format",
    Schema::Literal(&["float", "base64", "bytes", "bytes_only"]),
);
const EMBED_DTYPE: Field = Field::optional(
    "embed_dtype",
    Schema::Literal(&["float32", "float16", "bfloat16", "fp8_e4m3", "fp8_e5m2"]),
);
const ENDIANNESS: Field = Field::optional("endianness", Schema::Literal(&["native", "big", "little"]));
const DIMENSIONS: Field = Field::optional("dimensions", nullable(&INT));
const USE_ACTIVATION: Field = Field::optional("use_activation", nullable(&BOOL));
const MODEL: Field = Field::optional("model", NULLABLE_STR);
const USER: Field = Field::optional("user", NULLABLE_STR);
const TRUNCATE_PROMPT_TOKENS: Field = Field::optional(
    "truncate_prompt_tokens",
    nullable(&Schema::Int { ge: Some(-1), le: None }),
);
const TRUNCATION_SIDE: Field = Field::optional("truncation_side", nullable(&Schema::Literal(&["left", "right"])));
const REQUEST_ID: Field = Field::optional("request_id", STR);
const PRIORITY: Field = Field::optional(
    "priority",
    Schema::Int {
        ge: Some(i64::MIN),
        le: Some(i64::MAX),
    },
);
const MM_PROCESSOR_KWARGS: Field = Field::optional("mm_processor_kwargs", nullable(&Schema::Dict(&Schema::Any)));
const CACHE_SALT: Field = Field::optional(
    "cache_salt",
    nullable(&Schema::Str {
        min_length: Some(1),
        max_length: Some(1024),
    }),
);
const ADD_GENERATION_PROMPT: Field = Field::optional("add_generation_prompt", BOOL);
const CONTINUE_FINAL_MESSAGE: Field = Field::optional("continue_final_message", BOOL);
const CHAT_TEMPLATE: Field = Field::optional("chat_template", NULLABLE_STR);
const CHAT_TEMPLATE_KWARGS: Field = Field::optional("chat_template_kwargs", nullable(&Schema::Dict(&Schema::Any)));
const MEDIA_IO_KWARGS: Field = Field::optional("media_io_kwargs", nullable(&Schema::Dict(&Schema::Dict(&Schema::Any))));

/// `list[int] | list[list[int]] | str | list[str]`: OpenAI's prompt shapes.
pub const PROMPT: Schema = Schema::Union(&[list(&INT), list(&list(&INT)), STR, list(&STR)]);

const CONVERSATION: Schema = list(&CHAT_MESSAGE);
const CONVERSATIONS: Schema = Schema::Sequence {
    items: &Schema::List {
        items: &CHAT_MESSAGE,
        min_length: Some(1),
        max_length: None,
    },
    min_length: Some(1),
};

// ---------------------------------------------------------------------------------------------
// Validators.
// ---------------------------------------------------------------------------------------------

/// `reject_removed_pooling_parameters`, run on the body before any model: `normalize` and the
/// removed tasks.
fn removed_pooling_parameters(data: &Value) -> Result<Option<Value>, Box<FieldError>> {
    if data.get("normalize").is_some() {
        return Err(Box::new(super::model_validators::normalize_removed()));
    }
    match data
        .get("task")
        .and_then(Value::as_str)
        .and_then(super::model_validators::removed_task)
    {
        Some(removed) => Err(Box::new(removed)),
        None => Ok(None),
    }
}

/// `check_cache_salt_support`.
fn cache_salt(data: &Value) -> Result<Option<Value>, Box<FieldError>> {
    match data
        .get("cache_salt")
        .and_then(super::model_validators::cache_salt_refusal)
    {
        Some(refused) => Err(Box::new(refused)),
        None => Ok(None),
    }
}

/// `check_generation_prompt`: not both chat flags.
fn generation_prompt(data: &Value) -> Result<Option<Value>, Box<FieldError>> {
    let on = |key| data.get(key).is_some_and(truthy);
    if on("continue_final_message") && on("add_generation_prompt") {
        return Err(Box::new(super::model_validators::generation_prompt_conflict()));
    }
    Ok(None)
}

/// Python's truth of a JSON value.
pub(crate) fn truthy(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64() != Some(0.0),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

fn is_chat_messages(value: &Value) -> bool {
    value
        .as_array()
        .is_some_and(|items| !items.is_empty() && items.iter().all(|m| m.get("role").is_some_and(Value::is_string)))
}

/// `normalize_input_messages` of a one-conversation `input`: a conversation there is `messages`.
fn input_messages(data: &Value) -> Result<Option<Value>, Box<FieldError>> {
    moved_input(data, is_chat_messages)
}

/// The same for a batch of conversations.
fn input_batch_messages(data: &Value) -> Result<Option<Value>, Box<FieldError>> {
    moved_input(data, |input| {
        input
            .as_array()
            .is_some_and(|items| !items.is_empty() && items.iter().all(is_chat_messages))
    })
}

fn moved_input(data: &Value, is_chat: fn(&Value) -> bool) -> Result<Option<Value>, Box<FieldError>> {
    let Some(map) = data.as_object() else { return Ok(None) };
    match map.get("input") {
        Some(input) if !map.contains_key("messages") && is_chat(input) => {
            let mut moved = map.clone();
            moved.insert("messages".to_owned(), input.clone());
            Ok(Some(Value::Object(moved)))
        }
        _ => Ok(None),
    }
}

// ---------------------------------------------------------------------------------------------
// Requests.
// ---------------------------------------------------------------------------------------------

/// The fields of vLLM's embeddings requests in pydantic's order: the mixins' own, then `$middle`
/// (a request's prompt or chat fields), the basic pooling fields, then `$tail` (fields a
/// subclass declares).
macro_rules! embedding_fields {
    ([$($middle:expr),*], [$($tail:expr),*]) => {
        &[
            Field::optional("add_special_tokens", BOOL),
            PADDING,
            ENCODING_FORMAT,
            EMBED_DTYPE,
            ENDIANNESS,
            DIMENSIONS,
            USE_ACTIVATION,
            $($middle,)*
            MODEL,
            USER,
            TRUNCATE_PROMPT_TOKENS,
            TRUNCATION_SIDE,
            REQUEST_ID,
            PRIORITY,
            MM_PROCESSOR_KWARGS,
            CACHE_SALT,
            $($tail,)*
        ]
    };
    // A chat request: `ChatRequestOptionsMixin`'s options come first in the middle.
    (chat [$($middle:expr),*], [$($tail:expr),*]) => {
        embedding_fields!(
            [ADD_GENERATION_PROMPT, CONTINUE_FINAL_MESSAGE, CHAT_TEMPLATE, CHAT_TEMPLATE_KWARGS, MEDIA_IO_KWARGS $(, $middle)*],
            [$($tail),*]
        )
    };
}

const MESSAGES: Field = Field::required("messages", CONVERSATION);
const BATCH_MESSAGES: Field = Field::required("messages", CONVERSATIONS);

/// `/v1/embeddings`: `EmbeddingRequest`, five models tried in turn.
pub static EMBEDDING_REQUEST: Schema = Schema::Union(&[
    // EmbeddingCompletionRequest
    Schema::Model(&model(
        embedding_fields!([Field::required("input", PROMPT)], []),
        &[removed_pooling_parameters, cache_salt],
    )),
    // EmbeddingChatRequest
    Schema::Model(&model(
        embedding_fields!(chat[MESSAGES], []),
        &[removed_pooling_parameters, cache_salt, generation_prompt],
    )),
    // EmbeddingBatchChatRequest
    Schema::Model(&model(
        embedding_fields!(chat [], [BATCH_MESSAGES]),
        &[removed_pooling_parameters, cache_salt, generation_prompt],
    )),
    // EmbeddingChatInputRequest
    Schema::Model(&model(
        embedding_fields!(chat[MESSAGES], [Field::required("input", CONVERSATION)]),
        &[
            removed_pooling_parameters,
            input_messages,
            cache_salt,
            generation_prompt,
        ],
    )),
    // EmbeddingBatchChatInputRequest
    Schema::Model(&model(
        embedding_fields!(chat [], [BATCH_MESSAGES, Field::required("input", CONVERSATIONS)]),
        &[
            removed_pooling_parameters,
            input_batch_messages,
            cache_salt,
            generation_prompt,
        ],
    )),
]);

const TASKS: Schema = Schema::Literal(&[
    "embed",
    "classify",
    "token_embed",
    "token_classify",
    "plugin",
    "embed&token_classify",
]);

/// The fields `PoolingBasicRequestMixin` gives every pooling request after its own.
macro_rules! basic_pooling_fields {
    ([$($head:expr),*], [$($tail:expr),*]) => {
        &[
            $($head,)*
            MODEL,
            USER,
            TRUNCATE_PROMPT_TOKENS,
            PADDING,
            TRUNCATION_SIDE,
            REQUEST_ID,
            PRIORITY,
            MM_PROCESSOR_KWARGS,
            CACHE_SALT,
            $($tail,)*
        ]
    };
}

/// `/pooling`: `PoolingRequest`, a prompt, a conversation or a plugin's data.
pub static POOLING_REQUEST: Schema = Schema::Union(&[
    // PoolingCompletionRequest
    Schema::Model(&model(
        basic_pooling_fields!(
            [
                Field::optional("add_special_tokens", BOOL),
                USE_ACTIVATION,
                ENCODING_FORMAT,
                EMBED_DTYPE,
                ENDIANNESS,
                DIMENSIONS,
                Field::required("input", PROMPT)
            ],
            [Field::optional("task", nullable(&TASKS))]
        ),
        &[removed_pooling_parameters, cache_salt],
    )),
    // PoolingChatRequest
    Schema::Model(&model(
        basic_pooling_fields!(
            [
                Field::optional("add_special_tokens", BOOL),
                USE_ACTIVATION,
                ENCODING_FORMAT,
                EMBED_DTYPE,
                ENDIANNESS,
                DIMENSIONS,
                ADD_GENERATION_PROMPT,
                CONTINUE_FINAL_MESSAGE,
                CHAT_TEMPLATE,
                CHAT_TEMPLATE_KWARGS,
                MEDIA_IO_KWARGS,
                MESSAGES
            ],
            [Field::optional("task", nullable(&TASKS))]
        ),
        &[removed_pooling_parameters, cache_salt, generation_prompt],
    )),
    // IOProcessorRequest
    Schema::Model(&model(
        basic_pooling_fields!(
            [ENCODING_FORMAT, EMBED_DTYPE, ENDIANNESS],
            [Field::required("data", Schema::Any), Field::optional("task", TASKS)]
        ),
        &[removed_pooling_parameters, cache_salt],
    )),
]);

/// `/tokenize`: `TokenizeRequest`, a prompt or a conversation.
pub static TOKENIZE_REQUEST: Schema = Schema::Union(&[
    // TokenizeCompletionRequest
    Schema::Model(&model(
        &[
            MODEL,
            Field::required("prompt", STR),
            Field::optional("add_special_tokens", BOOL),
            Field::optional("return_token_strs", nullable(&BOOL)),
        ],
        &[],
    )),
    // TokenizeChatRequest
    Schema::Model(&model(
        &[
            MODEL,
            MESSAGES,
            ADD_GENERATION_PROMPT,
            Field::optional("return_token_strs", nullable(&BOOL)),
            CONTINUE_FINAL_MESSAGE,
            Field::optional("add_special_tokens", BOOL),
            CHAT_TEMPLATE,
            CHAT_TEMPLATE_KWARGS,
            MEDIA_IO_KWARGS,
            MM_PROCESSOR_KWARGS,
            // Tools are checked no deeper here: their models are not written out.
            Field::optional("tools", nullable(&list(&Schema::Any))),
        ],
        &[generation_prompt],
    )),
]);

/// `/detokenize`: `DetokenizeRequest`.
pub static DETOKENIZE_REQUEST: Schema = Schema::Model(&model(
    &[
        MODEL,
        Field::required(
            "tokens",
            list(&Schema::Int {
                ge: Some(0),
                le: Some(i64::MAX),
            }),
        ),
    ],
    &[],
));

/// vLLM's `ScoreInput | list[ScoreInput]`, `ScoreInput` being a text or a
/// `ScoreMultiModalParam` of `ScoreContentPartParam`s.
const SCORE_INPUTS: Schema = Schema::Union(&[STR, Schema::TypedDict(&SCORE_MULTIMODAL_PARAM), list(&SCORE_INPUT)]);
const SCORE_INPUT: Schema = Schema::Union(&[STR, Schema::TypedDict(&SCORE_MULTIMODAL_PARAM)]);
static SCORE_CONTENT_PARTS: Schema = Schema::Union(&[
    Schema::TypedDict(&IMAGE_PART),
    Schema::TypedDict(&IMAGE_EMBEDS_PART),
    Schema::TypedDict(&TEXT_PART),
    Schema::TypedDict(&VIDEO_PART),
]);
static SCORE_MULTIMODAL_PARAM: Object = typed_dict(
    "ScoreMultiModalParam",
    &[Field::required("content", list(&SCORE_CONTENT_PARTS))],
);

/// The fields of vLLM's `ScoringRequestMixin` in pydantic's order, then `$sides` (the two
/// inputs a request names, and a subclass's own fields).
macro_rules! scoring_fields {
    ($($sides:expr),*) => {
        basic_pooling_fields!(
            [USE_ACTIVATION],
            [
                Field::optional("max_tokens_per_query", INT),
                Field::optional("max_tokens_per_doc", INT),
                Field::optional("instruction", NULLABLE_STR),
                CHAT_TEMPLATE_KWARGS
                $(, $sides)*
            ]
        )
    };
}

/// `/score`: `ScoreRequest`, its two sides under one of four pairs of names.
pub static SCORE_REQUEST: Schema = Schema::Union(&[
    // ScoreQueriesDocumentsRequest
    Schema::Model(&model(
        scoring_fields!(
            Field::required("queries", SCORE_INPUTS),
            Field::required("documents", SCORE_INPUTS)
        ),
        &[cache_salt],
    )),
    // ScoreQueriesItemsRequest
    Schema::Model(&model(
        scoring_fields!(
            Field::required("queries", SCORE_INPUTS),
            Field::required("items", SCORE_INPUTS)
        ),
        &[cache_salt],
    )),
    // ScoreDataRequest
    Schema::Model(&model(
        scoring_fields!(
            Field::required("data_1", SCORE_INPUTS),
            Field::required("data_2", SCORE_INPUTS)
        ),
        &[cache_salt],
    )),
    // ScoreTextRequest
    Schema::Model(&model(
        scoring_fields!(
            Field::required("text_1", SCORE_INPUTS),
            Field::required("text_2", SCORE_INPUTS)
        ),
        &[cache_salt],
    )),
]);

/// `/rerank`: `RerankRequest`.
pub static RERANK_REQUEST: Schema = Schema::Model(&model(
    scoring_fields!(
        Field::required("query", SCORE_INPUT),
        Field::required("documents", SCORE_INPUTS),
        Field::optional("top_n", Schema::Int { ge: Some(0), le: None })
    ),
    &[cache_salt],
));
