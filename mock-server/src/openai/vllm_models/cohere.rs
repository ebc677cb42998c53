//! vLLM 0.33.0's `CohereEmbedRequest` (`/v2/embed`) as pydantic validates it: plain pydantic
//! models, not vLLM's `OpenAIBaseModel`, so unknown fields are dropped without a word.

use super::{MODEL, NULLABLE_STR, PRIORITY, list, model, nullable};
use crate::openai::pydantic::{Field, INT, Object, STR, Schema};

static COHERE_EMBED_CONTENT: Object = Object {
    name: "CohereEmbedContent",
    tagged: false,
    fields: &[
        Field::required("type", Schema::Literal(&["text", "image_url"])),
        Field::optional("text", NULLABLE_STR),
        Field::optional("image_url", nullable(&Schema::Dict(&STR))),
    ],
    before: &[],
};

static COHERE_EMBED_INPUT: Object = Object {
    name: "CohereEmbedInput",
    tagged: false,
    fields: &[Field::required("content", list(&Schema::Model(&COHERE_EMBED_CONTENT)))],
    before: &[],
};

pub static COHERE_EMBED_REQUEST: Schema = Schema::Model(&model(
    &[
        MODEL,
        Field::optional("input_type", NULLABLE_STR),
        Field::optional("texts", nullable(&list(&STR))),
        Field::optional("images", nullable(&list(&STR))),
        Field::optional("inputs", nullable(&list(&Schema::Model(&COHERE_EMBED_INPUT)))),
        Field::optional("output_dimension", nullable(&INT)),
        Field::optional(
            "embedding_types",
            nullable(&list(&Schema::Literal(&["float", "binary", "ubinary", "base64"]))),
        ),
        Field::optional("truncate", Schema::Literal(&["NONE", "START", "END"])),
        Field::optional("max_tokens", nullable(&INT)),
        PRIORITY,
    ],
    &[],
));
