//! pydantic's validation errors, worded as vLLM answers a body that does not validate.
//!
//! vLLM lets FastAPI validate request bodies with pydantic and answers a 400 whose message lists
//! the errors, one Python dict per line:
//!
//! ```text
//! 1 validation error:
//!   {'type': 'literal_error', 'loc': 'body.encoding_format', 'msg': "Input should be 'float' or 'base64'", 'input': 'bad', 'ctx': {'expected': "'float' or 'base64'"}}
//! ```
//!
//! with `type` `Bad Request` and `param` the dotted location (`body.encoding_format`). Serde does
//! the validating here; this module words its complaints as pydantic does, and gives the field
//! types pydantic's leniency: integers also from whole-number floats, numeric strings and
//! booleans ([`lax_int`]), and closed string sets ([`literal!`](crate::literal)).
//!
//! Where vLLM models a request as a union of shapes (embeddings, tokenize), pydantic lists every
//! shape's errors; [`super::pydantic`] finds them all, on the error path only.

use std::fmt::{self, Write as _};

use serde::de::{self, Deserializer};
use serde_json::Value;

use super::ApiError;

/// One entry of pydantic's error list.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// pydantic's error type: `missing`, `literal_error`, `int_from_float`, `value_error`...
    pub kind: String,
    /// Where, below `body`: field names and list indexes.
    pub loc: Vec<Loc>,
    pub msg: String,
    /// The offending value; `None` until the extractor fills it in from the body.
    pub input: Option<Value>,
    /// pydantic's `ctx`, already as Python text (e.g. `{'ge': -1}`).
    pub ctx: Option<String>,
    /// The `param` vLLM reports, when a vLLM validator names it instead of the location.
    pub parameter: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Loc {
    Key(String),
    Index(usize),
}

impl From<&str> for Loc {
    fn from(key: &str) -> Self {
        Loc::Key(key.to_owned())
    }
}

impl FieldError {
    pub fn new(kind: &str, loc: Vec<Loc>, msg: impl Into<String>) -> Self {
        FieldError {
            kind: kind.to_owned(),
            loc,
            msg: msg.into(),
            input: None,
            ctx: None,
            parameter: None,
        }
    }

    /// `Field required`, for a field the body lacks.
    pub fn missing(field: &str) -> Self {
        FieldError::new("missing", vec![field.into()], "Field required")
    }

    /// A number below pydantic's `ge` bound.
    pub fn greater_than_equal(loc: Vec<Loc>, value: i64, bound: i64) -> Self {
        FieldError {
            input: Some(Value::from(value)),
            ctx: Some(format!("{{'ge': {bound}}}")),
            ..FieldError::new(
                "greater_than_equal",
                loc,
                format!("Input should be greater than or equal to {bound}"),
            )
        }
    }

    /// `field` below `bound`, if it is.
    pub fn check_ge(field: &str, value: Option<i64>, bound: i64) -> Option<Self> {
        value
            .filter(|v| *v < bound)
            .map(|v| FieldError::greater_than_equal(vec![field.into()], v, bound))
    }

    /// A `ValueError` raised by a model's own validator at `loc` (`[]`: the whole body).
    pub fn value_error(loc: Vec<Loc>, message: &str) -> Self {
        FieldError {
            ctx: Some(format!("{{'error': ValueError({})}}", python_str(message))),
            ..FieldError::new("value_error", loc, format!("Value error, {message}"))
        }
    }

    /// A vLLM model validator's rejection of the whole body (`VLLMValidationError`), with the
    /// parameter it names.
    pub fn vllm(message: &str, parameter: Option<&str>) -> Self {
        let shown = match parameter {
            Some(p) => format!("{message} (parameter={p})"),
            None => message.to_owned(),
        };
        FieldError {
            ctx: Some(format!("{{'error': VLLMValidationError({})}}", python_str(message))),
            parameter: parameter.map(str::to_owned),
            ..FieldError::new("value_error", vec![], format!("Value error, {shown}"))
        }
    }

    /// As [`FieldError::vllm`] for a message that already names its parameter (and value), as
    /// `VLLMValidationError` words one with a value: the `param` it reports.
    pub fn naming(mut self, parameter: &str) -> Self {
        self.parameter = Some(parameter.to_owned());
        self
    }

    /// A vLLM validator's rejection as vLLM answers it: its message (with the parameter it
    /// names) as a plain `BadRequestError`; `None` for pydantic's own errors.
    pub fn vllm_refusal(&self) -> Option<ApiError> {
        self.ctx
            .as_deref()?
            .starts_with("{'error': VLLMValidationError(")
            .then(|| ApiError::BadRequest {
                message: self.msg.strip_prefix("Value error, ").unwrap_or(&self.msg).to_owned(),
                param: self.parameter.clone(),
            })
    }

    /// The path below `body` as vLLM's `param`: `body.encoding_format`, `body.input.0`.
    fn param(&self) -> String {
        self.parameter.clone().unwrap_or_else(|| self.dotted_loc())
    }
}

impl fmt::Display for FieldError {
    /// One error as vLLM 0.33.0's handler prints it: the location dotted, the input summed up,
    /// the whole cut at 1,000 characters.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let input = self
            .input
            .as_ref()
            .map_or_else(|| "<dict of 0 items>".to_owned(), summarize);
        let mut text = format!(
            "{{'type': {}, 'loc': {}, 'msg': {}, 'input': {}",
            python_str(&self.kind),
            python_str(&self.dotted_loc()),
            python_str(&self.msg),
            python_str(&input)
        );
        if let Some(ctx) = &self.ctx {
            write!(text, ", 'ctx': {ctx}")?;
        }
        text.push('}');
        match text.char_indices().nth(MAX_ERROR_CHARS) {
            Some((cut, _)) => write!(f, "{}...[truncated]", &text[..cut]),
            None => f.write_str(&text),
        }
    }
}

impl FieldError {
    /// `body` and the location below it, dotted: `body.input.0`.
    fn dotted_loc(&self) -> String {
        let mut dotted = String::from("body");
        for part in &self.loc {
            match part {
                Loc::Key(k) => write!(dotted, ".{k}"),
                Loc::Index(i) => write!(dotted, ".{i}"),
            }
            .expect("writing to a String");
        }
        dotted
    }
}

// vLLM bounds its validation messages: at most this many errors, each cut at so many
// characters, each input at so many (`_MAX_REPORTED_ERRORS` and its neighbours).
const MAX_REPORTED_ERRORS: usize = 10;
const MAX_ERROR_CHARS: usize = 1000;
const MAX_ERROR_INPUT_CHARS: usize = 200;

/// vLLM's stand-in for an error's input (`_summarize_error_input`): a string as it is (cut at
/// 200 characters), a container by its size, anything else as Python's `str` writes it.
fn summarize(value: &Value) -> String {
    match value {
        Value::String(s) => match s.char_indices().nth(MAX_ERROR_INPUT_CHARS) {
            Some((cut, _)) => format!("{}...[truncated]", &s[..cut]),
            None => s.clone(),
        },
        Value::Array(items) => format!("<list of {} items>", items.len()),
        Value::Object(map) => format!("<dict of {} items>", map.len()),
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) if n.is_f64() => python_float(n.as_f64().unwrap_or_default()),
        Value::Number(n) => n.to_string(),
    }
}

/// Python's `str` of a float: `5.0`, `1.5`, `1e+16`, `1e-05`.
pub(crate) fn python_float(f: f64) -> String {
    if f.is_nan() {
        return "nan".to_owned();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.to_owned();
    }
    let exponent = if f == 0.0 { 0 } else { f.abs().log10().floor() as i32 };
    if (-4..16).contains(&exponent) {
        let text = f.to_string();
        if text.contains('.') { text } else { format!("{text}.0") }
    } else {
        let text = format!("{f:e}");
        let (mantissa, power) = text.split_once('e').unwrap_or((&text, "0"));
        let power: i32 = power.parse().unwrap_or_default();
        let sign = if power < 0 { '-' } else { '+' };
        format!("{mantissa}e{sign}{:02}", power.abs())
    }
}

/// vLLM's message and `param` for a list of errors: the count, the first ten, how many more.
pub fn message_and_param(errors: &[FieldError]) -> (String, Option<String>) {
    let label = if errors.len() == 1 { "error" } else { "errors" };
    let mut message = format!("{} validation {label}:", errors.len());
    for error in errors.iter().take(MAX_REPORTED_ERRORS) {
        write!(message, "\n  {error}").expect("writing to a String");
    }
    if errors.len() > MAX_REPORTED_ERRORS {
        write!(
            message,
            "\n  ...and {} more {label}",
            errors.len() - MAX_REPORTED_ERRORS
        )
        .expect("writing to a String");
    }
    (message, errors.first().map(FieldError::param))
}

/// Fills in each error's `input` from the body: the value at its location, or for a missing
/// field the object that lacks it (as pydantic reports them).
pub fn fill_inputs(errors: &mut [FieldError], body: &Value) {
    for error in errors.iter_mut().filter(|e| e.input.is_none()) {
        let depth = if error.kind == "missing" {
            error.loc.len().saturating_sub(1)
        } else {
            error.loc.len()
        };
        let found = error.loc[..depth].iter().try_fold(body, |value, part| match part {
            Loc::Key(k) => value.get(k.as_str()),
            Loc::Index(i) => value.get(*i),
        });
        error.input = Some(found.cloned().unwrap_or(Value::Null));
    }
}

// Custom serde errors carry pydantic's type, message and ctx through serde as one string.
const MARK: char = '\u{1}';

/// A serde error that [`from_serde`] reads back as pydantic's `kind`, `msg` and `ctx`.
pub fn custom<E: de::Error>(kind: &str, msg: &str, ctx: Option<&str>) -> E {
    E::custom(format!("{MARK}{kind}{MARK}{msg}{MARK}{}", ctx.unwrap_or("")))
}

/// pydantic's error for what serde said about the value at `loc`.
pub fn from_serde(message: &str, loc: Vec<Loc>) -> FieldError {
    // serde_json appends the position; pydantic has none.
    let message = message.rfind(" at line ").map_or(message, |at| &message[..at]);
    if let Some(encoded) = message.strip_prefix(MARK) {
        let mut parts = encoded.splitn(3, MARK);
        let kind = parts.next().unwrap_or("value_error");
        let msg = parts.next().unwrap_or_default();
        let ctx = parts.next().filter(|c| !c.is_empty()).map(str::to_owned);
        return FieldError {
            ctx,
            ..FieldError::new(kind, loc, msg)
        };
    }
    if let Some(field) = message
        .strip_prefix("missing field `")
        .and_then(|rest| rest.strip_suffix('`'))
    {
        let mut loc = loc;
        loc.push(field.into());
        return FieldError::new("missing", loc, "Field required");
    }
    let expected = message.rsplit(", expected ").next().unwrap_or_default();
    let (kind, msg) = if !message.starts_with("invalid type") {
        ("value_error", message)
    } else if expected == "a string" {
        ("string_type", "Input should be a valid string")
    } else if expected == "a boolean" {
        ("bool_type", "Input should be a valid boolean")
    } else if expected.starts_with('i') || expected.starts_with('u') || expected == "an integer" {
        ("int_type", "Input should be a valid integer")
    } else if expected.starts_with('f') {
        ("float_type", "Input should be a valid number")
    } else if expected == "a sequence" {
        ("list_type", "Input should be a valid list")
    } else if expected == "a map" || expected.starts_with("struct") {
        ("dict_type", "Input should be a valid dictionary")
    } else {
        ("value_error", message)
    };
    FieldError::new(kind, loc, msg)
}

/// Python's `repr` of a JSON value, as pydantic prints `input`.
pub fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => python_str(s),
        Value::Array(items) => format!("[{}]", items.iter().map(python_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter()
                .map(|(k, v)| format!("{}: {}", python_str(k), python_repr(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Python's `repr` of a string: single quotes unless the text has one and no double quote.
pub fn python_str(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c == '\u{7f}' => write!(out, "\\x{:02x}", c as u32).expect("String"),
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// pydantic's wording of a closed set of strings: `'a', 'b' or 'c'`.
pub fn expected_literals(texts: &[&str]) -> String {
    let quoted: Vec<String> = texts.iter().map(|t| format!("'{t}'")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

/// Deserializes one of `texts`, answering anything else with pydantic's `literal_error`.
///
/// Through a visitor, not a `Value`: a string is compared where the body holds it, not copied
/// first (`encoding_format` is on every embeddings request's path).
pub fn literal<'de, D: Deserializer<'de>>(deserializer: D, texts: &[&str]) -> Result<usize, D::Error> {
    deserializer.deserialize_any(OneOf(texts))
}

/// The visitor of [`literal`]: one of its texts, and any other value, of any JSON type,
/// pydantic's `literal_error`.
struct OneOf<'t>(&'t [&'t str]);

impl OneOf<'_> {
    fn refusal<E: de::Error>(&self) -> E {
        let expected = expected_literals(self.0);
        custom(
            "literal_error",
            &format!("Input should be {expected}"),
            Some(&format!("{{'expected': {}}}", python_str(&expected))),
        )
    }
}

impl<'de> de::Visitor<'de> for OneOf<'_> {
    type Value = usize;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}", expected_literals(self.0))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<usize, E> {
        self.0.iter().position(|t| *t == text).ok_or_else(|| self.refusal())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<usize, E> {
        Err(self.refusal())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<usize, E> {
        Err(self.refusal())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<usize, E> {
        Err(self.refusal())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<usize, E> {
        Err(self.refusal())
    }

    fn visit_unit<E: de::Error>(self) -> Result<usize, E> {
        Err(self.refusal())
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<usize, A::Error> {
        Err(self.refusal())
    }

    fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<usize, A::Error> {
        Err(self.refusal())
    }
}

/// A string enum with pydantic's `Literal` errors: `literal! { pub enum Kind { A = "a", B = "b" } }`.
#[macro_export]
macro_rules! literal {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                $crate::openai::validation::literal(deserializer, &[$($text),+]).map(|i| Self::ALL[i])
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

/// An integer element (of a list) as pydantic's lax mode takes it, within 64 bits (a token
/// id: vLLM bounds it to `le=2**63-1`); see [`lax_int`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Int(pub i64);

impl<'de> serde::Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match lax_int::within_i64::deserialize(deserializer)? {
            Some(n) => Ok(Int(n)),
            None => Err(custom("int_type", "Input should be a valid integer", None)),
        }
    }
}

/// Integers as pydantic's lax mode takes them: also `5.0`, `"5"` and booleans; `5.5` is
/// `int_from_float`, `"five"` is `int_parsing`. Use as `#[serde(default, with = "lax_int")]` on
/// an `Option<i64>`.
pub mod lax_int {
    use super::custom;
    use serde::de::{self, Deserializer, Visitor};
    use std::fmt;

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
        deserializer.deserialize_any(LaxInt { within_i64: false })
    }

    /// A field vLLM bounds to a 64-bit integer (`priority`, `seed`): a larger one is refused
    /// (pydantic's `less_than_equal`, which the error path words), not saturated.
    pub mod within_i64 {
        use serde::de::Deserializer;

        pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
            deserializer.deserialize_any(super::LaxInt { within_i64: true })
        }
    }

    /// Past `i64`, a value saturates (a huge `max_tokens` is still "too many"), unless the
    /// field is bounded to it.
    struct LaxInt {
        within_i64: bool,
    }

    impl<'de> Visitor<'de> for LaxInt {
        type Value = Option<i64>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an integer")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }

        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(i64::from(v)))
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            match i64::try_from(v) {
                Ok(v) => Ok(Some(v)),
                Err(_) if self.within_i64 => Err(custom(
                    "less_than_equal",
                    "Input should be less than or equal to 9223372036854775807",
                    None,
                )),
                Err(_) => Ok(Some(i64::MAX)),
            }
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            // serde_json reads an integer past 64 bits as a float, which pydantic would read
            // as the integer it is: past the bound, or saturated.
            const PAST_I64: f64 = 9_223_372_036_854_775_808.0;
            if self.within_i64 && v.is_finite() && v.fract() == 0.0 && v >= PAST_I64 {
                return Err(custom(
                    "less_than_equal",
                    "Input should be less than or equal to 9223372036854775807",
                    None,
                ));
            }
            if v.fract() == 0.0 && v.is_finite() {
                Ok(Some(v as i64))
            } else if v.is_finite() {
                Err(custom(
                    "int_from_float",
                    "Input should be a valid integer, got a number with a fractional part",
                    None,
                ))
            } else {
                Err(custom("finite_number", "Input should be a finite number", None))
            }
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            v.trim().parse::<i64>().map(Some).map_err(|_| {
                custom(
                    "int_parsing",
                    "Input should be a valid integer, unable to parse string as an integer",
                    None,
                )
            })
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(custom("int_type", "Input should be a valid integer", None))
        }

        fn visit_map<A: de::MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
            Err(custom("int_type", "Input should be a valid integer", None))
        }
    }
}

/// Floats as pydantic's lax mode takes them: also integers, booleans and numeric strings;
/// `"x"` is `float_parsing`, a list or an object `float_type`. Use as
/// `#[serde(default, with = "lax_float")]` on an `Option<f64>`.
pub mod lax_float {
    use super::custom;
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<f64>, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Null => Ok(None),
            Value::Bool(b) => Ok(Some(f64::from(u8::from(b)))),
            Value::Number(n) => Ok(n.as_f64()),
            Value::String(s) => match s.trim().parse::<f64>() {
                Ok(f) => Ok(Some(f)),
                Err(_) => Err(custom(
                    "float_parsing",
                    "Input should be a valid number, unable to parse string as a number",
                    None,
                )),
            },
            Value::Array(_) | Value::Object(_) => Err(custom("float_type", "Input should be a valid number", None)),
        }
    }
}

/// Booleans as pydantic's lax mode takes them: also 0 and 1, and `"yes"`, `"off"`...; use as
/// `#[serde(default, with = "lax_bool")]` on an `Option<bool>`.
pub mod lax_bool {
    use super::custom;
    use serde::{Deserialize, Deserializer};
    use serde_json::Value;

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
        match Value::deserialize(deserializer)? {
            Value::Null => Ok(None),
            value => crate::openai::lax::lax_bool(&value)
                .map(Some)
                .map_err(|(kind, msg)| custom(kind, msg, None)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;

    crate::literal! {
        enum Format { Float = "float", Base64 = "base64", Bytes = "bytes" }
    }

    #[derive(Debug, Deserialize)]
    struct Body {
        #[serde(default, with = "lax_int")]
        max_tokens: Option<i64>,
        #[allow(dead_code)]
        format: Option<Format>,
    }

    fn serde_error(json: &str) -> FieldError {
        let mut de = serde_json::Deserializer::from_str(json);
        let err = serde_path_to_error::deserialize::<_, Body>(&mut de).unwrap_err();
        let loc = vec![Loc::Key(err.path().to_string())];
        from_serde(&err.into_inner().to_string(), loc)
    }

    #[test]
    fn literals_answer_as_pydantic() {
        let mut err = serde_error(r#"{"format": "bad_x"}"#);
        fill_inputs(std::slice::from_mut(&mut err), &json!({"format": "bad_x"}));
        assert_eq!(
            err.to_string(),
            r#"{'type': 'literal_error', 'loc': 'body.format', 'msg': "Input should be 'float', 'base64' or 'bytes'", 'input': 'bad_x', 'ctx': {'expected': "'float', 'base64' or 'bytes'"}}"#
        );
        assert_eq!(message_and_param(&[err]).1.as_deref(), Some("body.format"));
    }

    #[test]
    fn integers_are_lax_as_pydantic() {
        let body: Body = serde_json::from_str(r#"{"max_tokens": 5.0}"#).unwrap();
        assert_eq!(body.max_tokens, Some(5));
        let body: Body = serde_json::from_str(r#"{"max_tokens": "7"}"#).unwrap();
        assert_eq!(body.max_tokens, Some(7));
        let body: Body = serde_json::from_str(r#"{"max_tokens": true}"#).unwrap();
        assert_eq!(body.max_tokens, Some(1));
        assert_eq!(serde_error(r#"{"max_tokens": 5.5}"#).kind, "int_from_float");
        assert_eq!(serde_error(r#"{"max_tokens": "five"}"#).kind, "int_parsing");
    }

    #[test]
    fn serde_type_errors_get_pydantic_types() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Typed {
            name: String,
        }
        let mut de = serde_json::Deserializer::from_str(r#"{"name": 5}"#);
        let err = serde_path_to_error::deserialize::<_, Typed>(&mut de).unwrap_err();
        let error = from_serde(&err.into_inner().to_string(), vec!["name".into()]);
        assert_eq!(
            (error.kind.as_str(), error.msg.as_str()),
            ("string_type", "Input should be a valid string")
        );
        let missing = from_serde("missing field `input` at line 1 column 2", vec![]);
        assert_eq!(missing, FieldError::missing("input"));
    }

    #[test]
    fn messages_list_every_error_and_fill_missing_inputs_with_the_object() {
        let body = json!({"encoding_format": "bad"});
        let mut errors = vec![
            FieldError::missing("input"),
            FieldError::greater_than_equal(vec!["top_n".into()], -1, 0),
        ];
        fill_inputs(&mut errors, &body);
        let (message, param) = message_and_param(&errors);
        assert_eq!(
            message,
            "2 validation errors:\n  {'type': 'missing', 'loc': 'body.input', 'msg': 'Field required', 'input': '<dict of 1 items>'}\n  \
             {'type': 'greater_than_equal', 'loc': 'body.top_n', 'msg': 'Input should be greater than or equal to 0', 'input': '-1', 'ctx': {'ge': 0}}"
        );
        assert_eq!(param.as_deref(), Some("body.input"));
    }

    #[test]
    fn vllm_validators_name_their_parameter() {
        let mut error = FieldError::vllm(
            "Parameter `normalize` was removed; use `use_activation` instead.",
            Some("normalize"),
        );
        fill_inputs(std::slice::from_mut(&mut error), &json!({"normalize": true}));
        assert_eq!(
            error.to_string(),
            "{'type': 'value_error', 'loc': 'body', 'msg': 'Value error, Parameter `normalize` was removed; use `use_activation` instead. (parameter=normalize)', \
             'input': '<dict of 1 items>', 'ctx': {'error': VLLMValidationError('Parameter `normalize` was removed; use `use_activation` instead.')}}"
        );
        assert_eq!(
            message_and_param(std::slice::from_ref(&error)).1.as_deref(),
            Some("normalize")
        );
        // As vLLM 0.33.0 answers it: not a pydantic list.
        assert_eq!(
            error.vllm_refusal(),
            Some(ApiError::BadRequest {
                message: "Parameter `normalize` was removed; use `use_activation` instead. (parameter=normalize)"
                    .into(),
                param: Some("normalize".into())
            })
        );
    }

    #[test]
    fn python_reprs() {
        assert_eq!(python_str("it's"), "\"it's\"");
        assert_eq!(python_str("a\nb'\""), "'a\\nb\\'\"'");
        assert_eq!(
            python_repr(&json!([1, 2.5, null, false, {"k": "v"}])),
            "[1, 2.5, None, False, {'k': 'v'}]"
        );
        assert_eq!(expected_literals(&["a", "b"]), "'a' or 'b'");
        assert_eq!(expected_literals(&["a"]), "'a'");
    }
}
