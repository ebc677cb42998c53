//! vLLM 0.33.0's `DecisionRequest` (`/v1/decisions`) and `StructuredDecisionRequest`
//! (`/v1/systemone`) as pydantic validates them, their fields in pydantic's order. Both forbid
//! unknown fields, and so do the decision request's messages, questions and options
//! (`DecisionModel`); a question is the union its `type` names.

use serde_json::Value;

use super::{PRIORITY, REQUEST_ID, cache_salt, list, model, nullable, object};
use crate::openai::pydantic::{Field, Object, STR, Schema};
use crate::openai::validation::FieldError;
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

static INPUT_TEXT_PART: Object = object(
    "DecisionInputText",
    &[
        Field::required("type", Schema::Literal(&["input_text"])),
        Field::required("text", INPUT_TEXT),
    ],
    &[],
);

static INPUT_MESSAGE: Object = object(
    "DecisionInputMessage",
    &[
        Field::required("role", Schema::Literal(&["user"])),
        Field::required(
            "content",
            Schema::Union(&[
                INPUT_TEXT,
                Schema::List {
                    items: &Schema::Closed(&INPUT_TEXT_PART),
                    min_length: None,
                    max_length: Some(16_384),
                },
            ]),
        ),
        Field::optional("type", Schema::Literal(&["message"])),
    ],
    &[no_images],
);

/// `reject_images`.
fn no_images(data: &Value) -> Result<Option<Value>, Box<FieldError>> {
    let image = data.get("content").and_then(Value::as_array).is_some_and(|parts| {
        parts
            .iter()
            .any(|part| part.get("type").and_then(Value::as_str) == Some("input_image"))
    });
    if image {
        return Err(Box::new(FieldError::value_error(
            Vec::new(),
            "Decisions supports text input only; images are not supported",
        )));
    }
    Ok(None)
}

const INSTRUCTIONS: Field = Field::required("instructions", SHORT_TEXT);
const NAME: Field = Field::optional("name", nullable(&SHORT_TEXT));

static CHOICE_OPTION: Object = object(
    "ChoiceOption",
    &[
        Field::required("value", Schema::Union(&[STR, Schema::StrictBool])),
        Field::optional("description", SHORT_TEXT),
    ],
    &[],
);

static SCORE_LEVEL: Object = object(
    "ScoreLevel",
    &[
        Field::required("label", SHORT_TEXT),
        Field::optional("description", SHORT_TEXT),
    ],
    &[],
);

/// `QuestionBase.validate_name`: a name given is a string.
fn named(question: &Value) -> Option<String> {
    question
        .get("name")
        .is_some_and(Value::is_null)
        .then(|| "name must be a string when provided".to_owned())
}

/// `validate_name`, then `ChoiceQuestion.validate_choices`: no value twice (`True` and
/// `"True"` are two).
fn distinct_choices(question: &Value) -> Option<String> {
    named(question).or_else(|| {
        let values: Vec<&Value> = question
            .get("choices")?
            .as_array()?
            .iter()
            .filter_map(|c| c.get("value"))
            .collect();
        let repeated = values.iter().enumerate().any(|(i, value)| values[..i].contains(value));
        repeated.then(|| "choice values must be distinct".to_owned())
    })
}

/// `DecisionQuestion`: the question its `type` names.
static QUESTION: Schema = Schema::Tagged {
    discriminator: "type",
    choices: &[
        (
            "predicate",
            Schema::After(
                &Schema::Closed(&object(
                    "PredicateQuestion",
                    &[
                        INSTRUCTIONS,
                        NAME,
                        Field::required("type", Schema::Literal(&["predicate"])),
                    ],
                    &[],
                )),
                named,
            ),
        ),
        (
            "choice",
            Schema::After(
                &Schema::Closed(&object(
                    "ChoiceQuestion",
                    &[
                        INSTRUCTIONS,
                        NAME,
                        Field::required("type", Schema::Literal(&["choice"])),
                        Field::required(
                            "choices",
                            Schema::List {
                                items: &Schema::Closed(&CHOICE_OPTION),
                                min_length: Some(2),
                                max_length: Some(255),
                            },
                        ),
                    ],
                    &[],
                )),
                distinct_choices,
            ),
        ),
        (
            "score",
            Schema::After(
                &Schema::Closed(&object(
                    "ScoreQuestion",
                    &[
                        INSTRUCTIONS,
                        NAME,
                        Field::required("type", Schema::Literal(&["score"])),
                        Field::required(
                            "levels",
                            Schema::List {
                                items: &Schema::Closed(&SCORE_LEVEL),
                                min_length: Some(2),
                                max_length: Some(10),
                            },
                        ),
                    ],
                    &[],
                )),
                named,
            ),
        ),
    ],
};

pub static DECISION_REQUEST: Schema = Schema::Closed(&model(
    &[
        Field::required("model", SHORT_TEXT),
        Field::required(
            "input",
            Schema::Union(&[
                INPUT_TEXT,
                Schema::List {
                    items: &Schema::Closed(&INPUT_MESSAGE),
                    min_length: None,
                    max_length: Some(131_072),
                },
            ]),
        ),
        Field::required(
            "questions",
            Schema::List {
                items: &QUESTION,
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

/// `QuestionSpec`: a plain vLLM model, unknown fields allowed.
static QUESTION_SPEC: Object = Object {
    name: "QuestionSpec",
    tagged: false,
    fields: &[
        Field::required("type", STR),
        Field::optional("instructions", Schema::Any),
        Field::optional("criteria", Schema::Any),
    ],
    before: &[],
};

pub static STRUCTURED_DECISION_REQUEST: Schema = Schema::Closed(&model(
    &[
        Field::optional("model", nullable(&STR)),
        Field::required("state", Schema::Any),
        Field::required("questions", Schema::Dict(&Schema::Model(&QUESTION_SPEC))),
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
