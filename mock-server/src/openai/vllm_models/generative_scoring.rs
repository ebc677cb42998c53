//! vLLM 0.33.0's `GenerativeScoringRequest` (`/generative_scoring`) as pydantic validates it.

use super::{BOOL, MODEL, PRIORITY, REQUEST_ID, cache_salt, list, model, nullable};
use crate::openai::pydantic::{Field, INT, STR, Schema};

pub static GENERATIVE_SCORING_REQUEST: Schema = Schema::Model(&model(
    &[
        MODEL,
        Field::required("query", Schema::Union(&[STR, list(&INT)])),
        Field::required("items", Schema::Union(&[list(&STR), list(&list(&INT))])),
        Field::required("label_token_ids", list(&INT)),
        Field::optional("apply_softmax", BOOL),
        Field::optional("item_first", BOOL),
        Field::optional("add_special_tokens", BOOL),
        Field::optional("cache_salt", nullable(&STR)),
        PRIORITY,
        REQUEST_ID,
    ],
    &[cache_salt],
));
