//! pydantic-core's lax validation of a request body, so a refused body gets every error vLLM's
//! FastAPI lists for it.
//!
//! vLLM models most requests as a union of pydantic models (embeddings: five of them, for
//! `input`, `messages`, batches and chat in `input`); pydantic tries every branch and, when all
//! fail, lists the errors of each, in order. The mock parses with serde, which stops at the first
//! error of one shape, so on the error path only (a good request never comes here) the body is
//! validated again against a [`Schema`] that says what vLLM's models say: field order, types,
//! bounds, which fields are required, and the union branches.
//!
//! What is followed, checked against pydantic 2 as vLLM 0.33.0 runs it
//! (`TypeAdapter(...).validate_python(body, from_attributes=True)`):
//! - every branch of a union is tried; a branch that passes ends it, else all branches' errors
//!   are listed, each under its branch's tag (a `TypedDict`'s or a plain model's class name;
//!   vLLM's own models wrap theirs in `function-wrap[...]`, which its handler drops);
//! - a model or `TypedDict` checks every field and lists every error; a list every item;
//! - lax mode's conversions: integers from whole floats, numeric strings and booleans; floats
//!   from numbers, strings and booleans; booleans from 0/1 and pydantic's words;
//! - `Iterable[...]` is validated lazily: only that the value can be iterated.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::lax::{lax_bool, lax_int};
use super::validation::{FieldError, Loc, expected_literals, python_str};

/// What pydantic expects at one place of a body.
#[derive(Debug)]
pub enum Schema {
    Any,
    Str {
        min_length: Option<usize>,
        max_length: Option<usize>,
    },
    Int {
        ge: Option<i64>,
        le: Option<i64>,
    },
    Float,
    /// `Annotated[float, Ge(ge), Le(le)]`.
    FloatWithin {
        ge: f64,
        le: f64,
    },
    Bool,
    /// `StrictBool`: only `true` or `false`.
    StrictBool,
    /// `Literal['a', 'b']`.
    Literal(&'static [&'static str]),
    /// A Python `Enum` of strings (pydantic's `enum` error).
    Enum(&'static [&'static str]),
    /// `X | None`.
    Nullable(&'static Schema),
    List {
        items: &'static Schema,
        min_length: Option<usize>,
        max_length: Option<usize>,
    },
    /// `Sequence[X]`: a list, but pydantic words its refusals as for a `Sequence`.
    Sequence {
        items: &'static Schema,
        min_length: Option<usize>,
    },
    /// `Iterable[X]`, validated lazily.
    Iterable,
    /// An instance of a Python class, which JSON cannot give.
    InstanceOf(&'static str),
    /// `dict[str, X]`.
    Dict(&'static Schema),
    Union(&'static [Schema]),
    TypedDict(&'static Object),
    Model(&'static Object),
    /// A model that forbids unknown fields (`ConfigDict(extra="forbid")`): each is an error of
    /// its own, after the fields'.
    Closed(&'static Object),
    /// A union discriminated by a field (`Field(discriminator="type")`): the branch the tag
    /// names, its errors located under the tag.
    Tagged {
        discriminator: &'static str,
        choices: &'static [(&'static str, Schema)],
    },
    /// A model of the OpenAI SDK's nested in another, its fields taken as they come: anything
    /// but an object is pydantic's `model_type`; in a union it is tagged with its class.
    Opaque(&'static str),
    /// A `mode="after"` validator (a field's or a model's) on what `inner` accepted: its
    /// `ValueError`'s message, raised where the value is.
    After(&'static Schema, After),
}

/// A `mode="after"` validator: the message of the `ValueError` it raises, if it does.
pub type After = fn(&Value) -> Option<String>;

/// The fields of a model or `TypedDict`, in pydantic's order, and the model's `mode="before"`
/// validators, run in order before its fields.
#[derive(Debug)]
pub struct Object {
    pub name: &'static str,
    /// Whether the class name shows in an error's location as a union branch: vLLM's own
    /// models wrap their validator in `function-wrap[__log_extra_fields__()]`, which vLLM's
    /// handler drops from the location, so theirs does not.
    pub tagged: bool,
    pub fields: &'static [Field],
    pub before: &'static [Before],
}

/// A `mode="before"` model validator: the body it passes on (changed or not), or its refusal.
pub type Before = fn(&Value) -> Result<Option<Value>, Box<FieldError>>;

#[derive(Debug)]
pub struct Field {
    pub name: &'static str,
    pub schema: Schema,
    pub required: bool,
}

impl Field {
    pub const fn required(name: &'static str, schema: Schema) -> Self {
        Field {
            name,
            schema,
            required: true,
        }
    }

    pub const fn optional(name: &'static str, schema: Schema) -> Self {
        Field {
            name,
            schema,
            required: false,
        }
    }
}

/// Shorthands for the common leaves.
pub const STR: Schema = Schema::Str {
    min_length: None,
    max_length: None,
};
pub const INT: Schema = Schema::Int { ge: None, le: None };

/// Every error pydantic finds in `body` against `schema`, each with its location below `body`
/// and its `input`; none when the body validates.
pub fn validate(schema: &Schema, body: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    check(schema, body, &mut Vec::new(), &mut errors);
    errors
}

fn check(schema: &Schema, value: &Value, loc: &mut Vec<Loc>, errors: &mut Vec<FieldError>) {
    let mut refuse = |kind: &str, msg: String, ctx: Option<String>| {
        errors.push(FieldError {
            input: Some(value.clone()),
            ctx,
            ..FieldError::new(kind, loc.clone(), msg)
        });
    };
    match schema {
        Schema::Any => {}
        Schema::Str { min_length, max_length } => match value.as_str() {
            None => refuse("string_type", "Input should be a valid string".into(), None),
            Some(text) => {
                let length = text.chars().count();
                if let Some(min) = min_length.filter(|min| length < *min) {
                    let unit = if min == 1 { "character" } else { "characters" };
                    refuse(
                        "string_too_short",
                        format!("String should have at least {min} {unit}"),
                        Some(format!("{{'min_length': {min}}}")),
                    );
                } else if let Some(max) = max_length.filter(|max| length > *max) {
                    let unit = if max == 1 { "character" } else { "characters" };
                    refuse(
                        "string_too_long",
                        format!("String should have at most {max} {unit}"),
                        Some(format!("{{'max_length': {max}}}")),
                    );
                }
            }
        },
        Schema::Int { ge, le } => match lax_int(value) {
            Err((kind, msg)) => refuse(kind, msg.into(), None),
            Ok(n) => {
                if let Some(bound) = ge.filter(|bound| n < i128::from(*bound)) {
                    refuse(
                        "greater_than_equal",
                        format!("Input should be greater than or equal to {bound}"),
                        Some(format!("{{'ge': {bound}}}")),
                    );
                } else if let Some(bound) = le.filter(|bound| n > i128::from(*bound)) {
                    refuse(
                        "less_than_equal",
                        format!("Input should be less than or equal to {bound}"),
                        Some(format!("{{'le': {bound}}}")),
                    );
                }
            }
        },
        Schema::Float => match value {
            Value::Number(_) | Value::Bool(_) => {}
            Value::String(s) if s.trim().parse::<f64>().is_ok() => {}
            Value::String(_) => refuse(
                "float_parsing",
                "Input should be a valid number, unable to parse string as a number".into(),
                None,
            ),
            _ => refuse("float_type", "Input should be a valid number".into(), None),
        },
        Schema::FloatWithin { ge, le } => {
            let number = match value {
                Value::Bool(b) => Some(f64::from(u8::from(*b))),
                Value::String(s) => s.trim().parse::<f64>().ok(),
                other => other.as_f64(),
            };
            match number {
                None => check(&Schema::Float, value, loc, errors),
                // pydantic words the bound as Python prints it: `2` in the message, `2.0` in ctx.
                Some(n) if n < *ge => refuse(
                    "greater_than_equal",
                    format!("Input should be greater than or equal to {ge}"),
                    Some(format!("{{'ge': {ge:?}}}")),
                ),
                Some(n) if n > *le => refuse(
                    "less_than_equal",
                    format!("Input should be less than or equal to {le}"),
                    Some(format!("{{'le': {le:?}}}")),
                ),
                Some(_) => {}
            }
        }
        Schema::Bool => {
            if let Err((kind, msg)) = lax_bool(value) {
                refuse(kind, msg.into(), None);
            }
        }
        Schema::StrictBool => {
            if !value.is_boolean() {
                refuse("bool_type", "Input should be a valid boolean".into(), None);
            }
        }
        Schema::Literal(texts) | Schema::Enum(texts) => {
            if !value.as_str().is_some_and(|s| texts.contains(&s)) {
                let kind = if matches!(schema, Schema::Enum(_)) {
                    "enum"
                } else {
                    "literal_error"
                };
                let expected = expected_literals(texts);
                refuse(
                    kind,
                    format!("Input should be {expected}"),
                    Some(format!("{{'expected': {}}}", python_str(&expected))),
                );
            }
        }
        Schema::Nullable(inner) => {
            if !value.is_null() {
                check(inner, value, loc, errors);
            }
        }
        Schema::List {
            items,
            min_length,
            max_length,
        } => match value.as_array() {
            None => refuse("list_type", "Input should be a valid list".into(), None),
            // pydantic stops reading a list at its bound.
            Some(list) if max_length.is_some_and(|max| list.len() > max) => {
                let max = max_length.unwrap_or_default();
                refuse(
                    "too_long",
                    format!(
                        "List should have at most {max} items after validation, not {}",
                        list.len()
                    ),
                    Some(format!(
                        "{{'field_type': 'List', 'max_length': {max}, 'actual_length': {}}}",
                        list.len()
                    )),
                );
            }
            Some(list) => {
                check_items(items, list, loc, errors);
                if let Some(min) = min_length.filter(|min| list.len() < *min) {
                    errors.push(too_short(value, loc, "List", min, list.len()));
                }
            }
        },
        Schema::Sequence { items, min_length } => match value {
            Value::String(_) => refuse(
                "sequence_str",
                "'str' instances are not allowed as a Sequence value".into(),
                Some("{'type_name': 'str'}".into()),
            ),
            Value::Array(list) => {
                check_items(items, list, loc, errors);
                if let Some(min) = min_length.filter(|min| list.len() < *min) {
                    errors.push(too_short(value, loc, "Value", min, list.len()));
                }
            }
            _ => refuse(
                "is_instance_of",
                "Input should be an instance of Sequence".into(),
                Some("{'class': 'Sequence'}".into()),
            ),
        },
        Schema::Iterable => {
            if !matches!(value, Value::String(_) | Value::Array(_) | Value::Object(_)) {
                refuse("iterable_type", "Input should be iterable".into(), None);
            }
        }
        Schema::InstanceOf(class) => refuse(
            "is_instance_of",
            format!("Input should be an instance of {class}"),
            Some(format!("{{'class': '{class}'}}")),
        ),
        Schema::Dict(values) => match value.as_object() {
            None => refuse("dict_type", "Input should be a valid dictionary".into(), None),
            Some(map) => {
                for (key, item) in map {
                    loc.push(Loc::Key(key.clone()));
                    check(values, item, loc, errors);
                    loc.pop();
                }
            }
        },
        Schema::Union(choices) => {
            let mut branches = Vec::new();
            for choice in *choices {
                let mut branch = Vec::new();
                if let Some(tag) = choice.tag() {
                    loc.push(Loc::Key(tag.to_owned()));
                }
                check(choice, value, loc, &mut branch);
                if choice.tag().is_some() {
                    loc.pop();
                }
                if branch.is_empty() {
                    return;
                }
                branches.append(&mut branch);
            }
            errors.append(&mut branches);
        }
        Schema::TypedDict(object) => match value.as_object() {
            None => refuse("dict_type", "Input should be a valid dictionary".into(), None),
            Some(map) => check_fields(object, value, map, loc, errors),
        },
        Schema::Model(object) | Schema::Closed(object) => {
            let mut body = Cow::Borrowed(value);
            for before in object.before {
                match before(&body) {
                    Ok(None) => {}
                    Ok(Some(changed)) => body = Cow::Owned(changed),
                    Err(refusal) => {
                        errors.push(FieldError {
                            loc: loc.clone(),
                            input: Some(body.into_owned()),
                            ..*refusal
                        });
                        return;
                    }
                }
            }
            match body.as_object() {
                // FastAPI validates `from_attributes`, which words this refusal so.
                None => refuse(
                    "model_attributes_type",
                    "Input should be a valid dictionary or object to extract fields from".into(),
                    None,
                ),
                Some(map) => {
                    check_fields(object, &body, map, loc, errors);
                    if matches!(schema, Schema::Closed(_)) {
                        for (key, item) in map
                            .iter()
                            .filter(|(key, _)| !object.fields.iter().any(|f| f.name == *key))
                        {
                            loc.push(Loc::Key(key.clone()));
                            errors.push(FieldError {
                                input: Some(item.clone()),
                                ..FieldError::new("extra_forbidden", loc.clone(), "Extra inputs are not permitted")
                            });
                            loc.pop();
                        }
                    }
                }
            }
        }
        Schema::Tagged { discriminator, choices } => {
            let Some(map) = value.as_object() else {
                return refuse(
                    "model_attributes_type",
                    "Input should be a valid dictionary or object to extract fields from".into(),
                    None,
                );
            };
            let quoted = format!("'{discriminator}'");
            let Some(tag) = map.get(*discriminator).and_then(Value::as_str) else {
                return refuse(
                    "union_tag_not_found",
                    format!("Unable to extract tag using discriminator {quoted}"),
                    Some(format!("{{'discriminator': {}}}", python_str(&quoted))),
                );
            };
            match choices.iter().find(|(name, _)| *name == tag) {
                Some((name, choice)) => {
                    loc.push(Loc::Key((*name).to_owned()));
                    check(choice, value, loc, errors);
                    loc.pop();
                }
                None => {
                    let expected = choices
                        .iter()
                        .map(|(name, _)| format!("'{name}'"))
                        .collect::<Vec<_>>()
                        .join(", ");
                    refuse(
                        "union_tag_invalid",
                        format!(
                            "Input tag {} found using {quoted} does not match any of the expected tags: {expected}",
                            python_str(tag)
                        ),
                        Some(format!(
                            "{{'discriminator': {}, 'tag': {}, 'expected_tags': {}}}",
                            python_str(&quoted),
                            python_str(tag),
                            python_str(&expected)
                        )),
                    );
                }
            }
        }
        Schema::Opaque(class) => {
            if !value.is_object() {
                refuse(
                    "model_type",
                    format!("Input should be a valid dictionary or instance of {class}"),
                    Some(format!("{{'class_name': '{class}'}}")),
                );
            }
        }
        Schema::After(inner, validator) => {
            let before = errors.len();
            check(inner, value, loc, errors);
            if errors.len() == before
                && let Some(message) = validator(value)
            {
                errors.push(FieldError {
                    input: Some(value.clone()),
                    ..FieldError::value_error(loc.clone(), &message)
                });
            }
        }
    }
}

impl Schema {
    /// The branch's name in an error's location, where pydantic's shows one that vLLM keeps.
    fn tag(&self) -> Option<&'static str> {
        match self {
            Schema::TypedDict(object) | Schema::Model(object) | Schema::Closed(object) if object.tagged => {
                Some(object.name)
            }
            Schema::Opaque(class) => Some(class),
            // pydantic names a string type with bounds so; vLLM's handler keeps it.
            Schema::Str { min_length, max_length } if min_length.is_some() || max_length.is_some() => {
                Some("constrained-str")
            }
            _ => None,
        }
    }
}

fn check_items(items: &Schema, list: &[Value], loc: &mut Vec<Loc>, errors: &mut Vec<FieldError>) {
    for (index, item) in list.iter().enumerate() {
        loc.push(Loc::Index(index));
        check(items, item, loc, errors);
        loc.pop();
    }
}

fn check_fields(
    object: &Object,
    value: &Value,
    map: &Map<String, Value>,
    loc: &mut Vec<Loc>,
    errors: &mut Vec<FieldError>,
) {
    for field in object.fields {
        loc.push(Loc::Key(field.name.to_owned()));
        match map.get(field.name) {
            Some(item) => check(&field.schema, item, loc, errors),
            None if field.required => errors.push(FieldError {
                input: Some(value.clone()),
                ..FieldError::new("missing", loc.clone(), "Field required")
            }),
            None => {}
        }
        loc.pop();
    }
}

fn too_short(value: &Value, loc: &[Loc], field_type: &str, min: usize, actual: usize) -> FieldError {
    let unit = if min == 1 { "item" } else { "items" };
    FieldError {
        input: Some(value.clone()),
        ctx: Some(format!(
            "{{'field_type': '{field_type}', 'min_length': {min}, 'actual_length': {actual}}}"
        )),
        ..FieldError::new(
            "too_short",
            loc.to_vec(),
            format!("{field_type} should have at least {min} {unit} after validation, not {actual}"),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    static MESSAGE: Object = Object {
        name: "Message",
        tagged: true,
        fields: &[
            Field::required("role", Schema::Literal(&["user"])),
            Field::optional("name", STR),
        ],
        before: &[],
    };
    static REQUEST: Object = Object {
        name: "Request",
        tagged: false,
        fields: &[
            Field::required(
                "input",
                Schema::Union(&[
                    Schema::List {
                        items: &INT,
                        min_length: None,
                        max_length: None,
                    },
                    STR,
                ]),
            ),
            Field::optional("n", Schema::Int { ge: Some(1), le: None }),
        ],
        before: &[],
    };
    static CHAT: Object = Object {
        name: "Chat",
        tagged: false,
        fields: &[Field::required(
            "messages",
            Schema::List {
                items: &Schema::TypedDict(&MESSAGE),
                min_length: Some(1),
                max_length: None,
            },
        )],
        before: &[],
    };
    static EITHER: Schema = Schema::Union(&[Schema::Model(&REQUEST), Schema::Model(&CHAT)]);

    /// An error's location as dotted text.
    fn dotted(loc: &[Loc]) -> String {
        let parts: Vec<String> = loc
            .iter()
            .map(|l| match l {
                Loc::Key(k) => k.clone(),
                Loc::Index(i) => i.to_string(),
            })
            .collect();
        parts.join(".")
    }

    fn kinds(body: Value) -> Vec<(String, String)> {
        validate(&EITHER, &body)
            .into_iter()
            .map(|e| (e.kind, dotted(&e.loc)))
            .collect()
    }

    #[test]
    fn a_union_lists_every_branchs_errors_in_order() {
        let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
            list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
        };
        assert_eq!(kinds(json!({"input": "x"})), []);
        assert_eq!(kinds(json!({"messages": [{"role": "user"}]})), []);
        assert_eq!(
            kinds(json!({})),
            pairs(&[("missing", "input"), ("missing", "messages")])
        );
        assert_eq!(
            kinds(json!({"input": [1, "a"], "n": 0})),
            pairs(&[
                ("int_parsing", "input.1"),
                ("string_type", "input"),
                ("greater_than_equal", "n"),
                ("missing", "messages"),
            ])
        );
        assert_eq!(
            kinds(json!({"messages": [5, {"name": 1}]})),
            pairs(&[
                ("missing", "input"),
                ("dict_type", "messages.0"),
                ("missing", "messages.1.role"),
                ("string_type", "messages.1.name"),
            ])
        );
        assert_eq!(
            kinds(json!(5)),
            pairs(&[("model_attributes_type", ""), ("model_attributes_type", "")])
        );
    }

    #[test]
    fn lax_mode_converts_as_pydantic() {
        assert_eq!(lax_int(&json!("5")), Ok(5));
        assert_eq!(lax_int(&json!(true)), Ok(1));
        assert_eq!(lax_int(&json!(5.0)), Ok(5));
        assert_eq!(lax_int(&json!(5.5)).unwrap_err().0, "int_from_float");
        assert_eq!(lax_int(&json!("x")).unwrap_err().0, "int_parsing");
        assert_eq!(lax_bool(&json!("yes")), Ok(true));
        assert_eq!(lax_bool(&json!(2)).unwrap_err().0, "bool_parsing");
        assert_eq!(lax_bool(&json!(1.5)).unwrap_err().0, "bool_type");
    }

    fn no_shouting(value: &Value) -> Option<String> {
        value
            .as_str()
            .filter(|text| text.chars().any(char::is_uppercase))
            .map(|_| "no capitals".to_owned())
    }

    static QUIET: Schema = Schema::After(&STR, no_shouting);
    static SHAPE: Schema = Schema::Tagged {
        discriminator: "type",
        choices: &[
            (
                "quiet",
                Schema::Model(&Object {
                    name: "Quiet",
                    tagged: false,
                    fields: &[Field::required("say", Schema::After(&STR, no_shouting))],
                    before: &[],
                }),
            ),
            (
                "count",
                Schema::Model(&Object {
                    name: "Count",
                    tagged: false,
                    fields: &[Field::required("n", INT)],
                    before: &[],
                }),
            ),
        ],
    };

    fn shapes(schema: &Schema, body: Value) -> Vec<(String, String, String)> {
        validate(schema, &body)
            .into_iter()
            .map(|e| (e.kind, dotted(&e.loc), e.msg))
            .collect()
    }

    #[test]
    fn an_after_validator_runs_on_what_its_type_accepted() {
        assert_eq!(shapes(&QUIET, json!("calm")), []);
        assert_eq!(
            shapes(&QUIET, json!("LOUD")),
            [("value_error".into(), "".into(), "Value error, no capitals".into())]
        );
        // A value its type refuses is not validated further.
        assert_eq!(
            shapes(&QUIET, json!(5)),
            [("string_type".into(), "".into(), "Input should be a valid string".into())]
        );
    }

    #[test]
    fn a_tagged_union_validates_the_branch_its_tag_names_under_the_tag() {
        assert_eq!(shapes(&SHAPE, json!({"type": "count", "n": 3})), []);
        assert_eq!(
            shapes(&SHAPE, json!({"type": "quiet", "say": "HI"})),
            [(
                "value_error".into(),
                "quiet.say".into(),
                "Value error, no capitals".into()
            )]
        );
        assert_eq!(
            shapes(&SHAPE, json!({"type": "count", "n": "x"})),
            [(
                "int_parsing".into(),
                "count.n".into(),
                "Input should be a valid integer, unable to parse string as an integer".into()
            )]
        );
        assert_eq!(
            shapes(&SHAPE, json!({})),
            [(
                "union_tag_not_found".into(),
                "".into(),
                "Unable to extract tag using discriminator 'type'".into()
            )]
        );
        assert_eq!(
            shapes(&SHAPE, json!({"type": "other"})),
            [(
                "union_tag_invalid".into(),
                "".into(),
                "Input tag 'other' found using 'type' does not match any of the expected tags: 'quiet', 'count'".into()
            )]
        );
        assert_eq!(shapes(&SHAPE, json!(5))[0].0, "model_attributes_type");
    }
}
