//! vLLM 0.33.0's `AnthropicMessagesRequest` (`/v1/messages`) as pydantic validates it: plain
//! pydantic models, so unknown fields are dropped without a word. The fields whose own models
//! the mock never reads (`thinking`, `output_config`, `tool_choice`, a tool's) are taken as
//! they come.

use super::{BOOL, NULLABLE_STR, list, nullable};
use crate::openai::pydantic::{Field, INT, Object, STR, Schema};

static CONTENT_BLOCK: Object = Object {
    name: "AnthropicContentBlock",
    tagged: false,
    fields: &[
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
    ],
    before: &[],
};

const BLOCK: Schema = Schema::Model(&CONTENT_BLOCK);
const CONTENT: Schema = Schema::Union(&[STR, list(&BLOCK)]);

static MESSAGE: Object = Object {
    name: "AnthropicMessage",
    tagged: false,
    fields: &[
        Field::required("role", Schema::Literal(&["user", "assistant", "system"])),
        Field::required("content", CONTENT),
    ],
    before: &[],
};

pub static ANTHROPIC_MESSAGES_REQUEST: Schema = Schema::Model(&Object {
    name: "",
    tagged: false,
    fields: &[
        Field::required("model", STR),
        Field::required("messages", list(&Schema::Model(&MESSAGE))),
        Field::required("max_tokens", INT),
        Field::optional("metadata", nullable(&Schema::Dict(&Schema::Any))),
        Field::optional("stop_sequences", nullable(&list(&STR))),
        Field::optional("stream", nullable(&BOOL)),
        Field::optional("system", nullable(&CONTENT)),
        Field::optional("temperature", nullable(&Schema::Float)),
        Field::optional("tools", nullable(&list(&Schema::Any))),
        Field::optional("top_k", nullable(&INT)),
        Field::optional("top_p", nullable(&Schema::Float)),
    ],
    before: &[],
});

/// `POST /v1/messages/count_tokens`: `AnthropicCountTokensRequest`.
pub static ANTHROPIC_COUNT_TOKENS_REQUEST: Schema = Schema::Model(&Object {
    name: "",
    tagged: false,
    fields: &[
        Field::required("model", STR),
        Field::required("messages", list(&Schema::Model(&MESSAGE))),
        Field::optional("output_config", Schema::Any),
        Field::optional("system", nullable(&CONTENT)),
        Field::optional("thinking", Schema::Any),
        Field::optional("tool_choice", Schema::Any),
        Field::optional("tools", nullable(&list(&Schema::Any))),
        Field::optional("chat_template_kwargs", nullable(&Schema::Dict(&Schema::Any))),
    ],
    before: &[],
});
