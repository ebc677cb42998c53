//! vLLM 0.33.0's `DecisionRequest` (`/v1/decisions`) and `StructuredDecisionRequest`
//! (`/v1/systemone`) as pydantic validates them, their fields in pydantic's order.
//!
//! Not reproduced: both forbid unknown fields (`extra_forbidden`), and a question, an input
//! message and a question spec are taken as they come (their discriminated union, their
//! after-validators and `input`'s `constrained-str` branch name).

use super::{PRIORITY, REQUEST_ID, cache_salt, list, model, nullable};
use crate::openai::pydantic::{Field, STR, Schema};

const SHORT_TEXT: Schema = Schema::Str {
    min_length: None,
    max_length: Some(1_048_576),
};
const INPUT_TEXT: Schema = Schema::Str {
    min_length: None,
    max_length: Some(10_485_760),
};
const CACHE_SALT: Field = Field::optional(
    "cache_salt",
    nullable(&Schema::Str {
        min_length: Some(1),
        max_length: Some(1024),
    }),
);
const URLS: Schema = nullable(&list(&STR));

pub static DECISION_REQUEST: Schema = Schema::Model(&model(
    &[
        Field::required("model", SHORT_TEXT),
        Field::required(
            "input",
            Schema::Union(&[
                INPUT_TEXT,
                Schema::List {
                    items: &Schema::Any,
                    min_length: None,
                    max_length: Some(131_072),
                },
            ]),
        ),
        Field::required(
            "questions",
            Schema::List {
                items: &Schema::Any,
                min_length: Some(1),
                max_length: Some(200),
            },
        ),
        Field::optional(
            "safety_identifier",
            nullable(&Schema::Str {
                min_length: None,
                max_length: Some(128),
            }),
        ),
        Field::optional("joint", Schema::StrictBool),
        CACHE_SALT,
    ],
    &[cache_salt],
));

pub static STRUCTURED_DECISION_REQUEST: Schema = Schema::Model(&model(
    &[
        Field::optional("model", nullable(&STR)),
        Field::required("state", Schema::Any),
        Field::required("questions", Schema::Dict(&Schema::Any)),
        Field::optional("instructions", nullable(&STR)),
        Field::optional("images", URLS),
        Field::optional("audio", URLS),
        Field::optional("videos", URLS),
        Field::optional("chat_template_kwargs", nullable(&Schema::Dict(&Schema::Any))),
        Field::optional("joint", Schema::StrictBool),
        Field::optional("cache_salt", nullable(&STR)),
        PRIORITY,
        REQUEST_ID,
    ],
    &[cache_salt],
));
