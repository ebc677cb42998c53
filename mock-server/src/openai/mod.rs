//! vLLM's OpenAI-compatible protocol: request and response shapes, one module per endpoint.
//!
//! Requests accept unknown fields (vLLM logs and ignores them) but reject known fields of the
//! wrong type, as vLLM's pydantic models do.

pub mod anthropic;
pub mod anthropic_chat;
pub mod chat;
pub mod chat_batch;
pub mod cohere;
pub mod completions;
pub mod decisions;
pub mod embeddings;
pub mod error;
pub mod generative_scoring;
mod lax;
pub mod logprobs;
pub mod messages;
pub mod model_validators;
pub mod models;
pub mod pooling;
pub mod pydantic;
pub mod python_json;
pub mod responses;
pub mod sampling;
pub mod score;
pub mod stream_options;
pub mod tokenize;
pub mod unset;
pub mod usage;
pub mod validation;
pub mod vllm_models;

pub use error::ApiError;

use validation::{FieldError, Loc};

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the epoch, for the `created` fields.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// The vLLM release whose server the mock answers as.
pub const VLLM_VERSION: &str = "0.33.0";

/// vLLM's `system_fingerprint` (its default `full` mode on one GPU): `vllm-<version>-<hash8>`,
/// the hash over what identifies the served model. vLLM hashes its whole engine config, which
/// a mock cannot reproduce; the shape and its stability per configuration are vLLM's.
pub fn system_fingerprint(served_model: &str, max_model_len: u32) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("{served_model}\0{max_model_len}").as_bytes());
    let hash8: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("vllm-{VLLM_VERSION}-{hash8}")
}

/// vLLM's `random_uuid()`: the low 64 bits of a UUID4 as 16 hex digits.
pub fn random_uuid() -> String {
    let mut id = String::with_capacity(16);
    push_random_uuid(&mut id);
    id
}

/// [`random_uuid`] written onto `id`, on every answer's path: its 64 bits from a small
/// generator per thread, seeded by the system (an id must be unique, not unpredictable;
/// `Uuid::new_v4` makes a system call for each, rand's `ThreadRng` runs ChaCha), set as a
/// UUID4's low half (its variant bits), its hex from uuid's own encoder, not `format!`.
pub fn push_random_uuid(id: &mut String) {
    use rand::{Rng as _, SeedableRng as _, rngs::SmallRng};
    thread_local! {
        static IDS: std::cell::RefCell<SmallRng> = std::cell::RefCell::new(SmallRng::from_os_rng());
    }
    let low = IDS.with_borrow_mut(|ids| ids.random::<u64>());
    let uuid = uuid::Builder::from_random_bytes(u128::from(low).to_be_bytes()).into_uuid();
    let mut hex = uuid::Uuid::encode_buffer();
    id.push_str(&uuid.simple().encode_lower(&mut hex)[16..]);
}

/// A fresh id with one of vLLM's prefixes (`modelperm-`...) and its [`random_uuid`].
pub fn response_id(prefix: &str) -> String {
    let mut id = String::with_capacity(prefix.len() + 17);
    id.push_str(prefix);
    id.push('-');
    push_random_uuid(&mut id);
    id
}

/// JSON as Python's `json.dumps` writes it by default (`", "` and `": "` between items, every
/// non-ASCII character escaped), as vLLM writes the `metadata` header of a binary answer.
pub fn json_dumps<T: serde::Serialize>(value: &T) -> String {
    use serde_json::ser::Formatter;
    use std::io::{self, Write};

    struct PythonFormatter;

    impl Formatter for PythonFormatter {
        fn begin_array_value<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
            if first { Ok(()) } else { writer.write_all(b", ") }
        }

        fn begin_object_key<W: ?Sized + Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
            if first { Ok(()) } else { writer.write_all(b", ") }
        }

        fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
            writer.write_all(b": ")
        }

        fn write_string_fragment<W: ?Sized + Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
            for c in fragment.chars() {
                if c.is_ascii() {
                    writer.write_all(&[c as u8])?;
                } else {
                    for unit in c.encode_utf16(&mut [0; 2]) {
                        write!(writer, "\\u{unit:04x}")?;
                    }
                }
            }
            Ok(())
        }
    }

    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, PythonFormatter);
    if value.serialize(&mut serializer).is_err() {
        return String::new();
    }
    String::from_utf8(out).unwrap_or_default()
}

/// vLLM's renderer, given a batch of no prompts.
pub const NO_PROMPT: &str = "You must pass at least one prompt";
/// vLLM's input processor, given a prompt of no tokens.
pub const EMPTY_DECODER_PROMPT: &str = "The decoder prompt cannot be empty";

/// Either one prompt or a batch, in the four shapes OpenAI accepts for `input` and `prompt`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(
    untagged,
    expecting = "expected a string, an array of strings, an array of token ids or an array of token-id arrays"
)]
pub enum Prompt {
    Text(String),
    Texts(Vec<String>),
    /// Ids as sent: a negative one is vLLM's "out of vocabulary", not a type error.
    TokenIds(Vec<i64>),
    TokenIdBatches(Vec<Vec<i64>>),
}

impl Prompt {
    /// Each prompt as the text that is hashed and counted; token ids use their canonical text.
    pub fn texts(&self) -> Vec<std::borrow::Cow<'_, str>> {
        use crate::embedding::token_ids_text;
        use std::borrow::Cow;
        match self {
            Prompt::Text(text) => vec![Cow::Borrowed(text.as_str())],
            Prompt::Texts(texts) => texts.iter().map(|t| Cow::Borrowed(t.as_str())).collect(),
            Prompt::TokenIds(ids) => vec![Cow::Owned(token_ids_text(ids))],
            Prompt::TokenIdBatches(batches) => batches.iter().map(|ids| Cow::Owned(token_ids_text(ids))).collect(),
        }
    }

    /// Each prompt's token ids, when it came as ids.
    pub fn token_ids(&self) -> Vec<&[i64]> {
        match self {
            Prompt::TokenIds(ids) => vec![ids.as_slice()],
            Prompt::TokenIdBatches(batches) => batches.iter().map(Vec::as_slice).collect(),
            Prompt::Text(_) | Prompt::Texts(_) => vec![],
        }
    }

    /// How its prompts are counted: ids as they are, text by the tokenizer.
    pub fn counting(&self, add_special_tokens: bool) -> Counting {
        match self {
            Prompt::Text(_) | Prompt::Texts(_) => Counting::Text { add_special_tokens },
            Prompt::TokenIds(_) | Prompt::TokenIdBatches(_) => Counting::TokenIds,
        }
    }

    /// vLLM's refusal of a pooling request's empty prompt: a batch of none (its renderer's
    /// message) or a token list of none (its input processor's). An empty string is a prompt:
    /// the tokenizer adds its special tokens to it.
    pub fn refused_as_empty(&self) -> Option<&'static str> {
        match self {
            Prompt::Text(_) => None,
            Prompt::Texts(texts) if texts.is_empty() => Some(NO_PROMPT),
            Prompt::Texts(_) => None,
            Prompt::TokenIdBatches(batches) if batches.is_empty() => Some(NO_PROMPT),
            Prompt::TokenIds(ids) if ids.is_empty() => Some(EMPTY_DECODER_PROMPT),
            Prompt::TokenIdBatches(batches) if batches.iter().any(Vec::is_empty) => Some(EMPTY_DECODER_PROMPT),
            Prompt::TokenIds(_) | Prompt::TokenIdBatches(_) => None,
        }
    }

    /// An empty string, an empty batch or an empty token list, which vLLM refuses.
    pub fn is_empty(&self) -> bool {
        match self {
            Prompt::Text(text) => text.is_empty(),
            Prompt::Texts(texts) => texts.is_empty(),
            Prompt::TokenIds(ids) => ids.is_empty(),
            Prompt::TokenIdBatches(batches) => batches.is_empty() || batches.iter().any(Vec::is_empty),
        }
    }
}

/// How a prompt's tokens are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Counting {
    /// Text, tokenized; `add_special_tokens` as the request says (a rendered conversation
    /// carries its template's own).
    Text { add_special_tokens: bool },
    /// Token ids: one token each, nothing added. Their text is the ids' canonical text.
    TokenIds,
}

/// A request body: parsed by serde, then checked as vLLM's pydantic model validates it.
pub trait RequestBody: serde::de::DeserializeOwned {
    /// pydantic's constraints and vLLM's model validators, beyond what the types say. Errors
    /// may leave `input` empty: [`parse_body`] fills it in from the body.
    fn check(&self) -> Vec<FieldError> {
        Vec::new()
    }

    /// What vLLM's pydantic models say of this body, to list every error they find in one that
    /// does not validate (only on that path: serde parses the good ones).
    fn schema() -> Option<&'static pydantic::Schema> {
        None
    }
}

/// The errors vLLM lists for a refused body, from `T`'s schema, or `found` (what serde or the
/// checks saw) when `T` has none or its schema passes the body.
fn refusal<T: RequestBody>(value: &serde_json::Value, mut found: Vec<FieldError>) -> ApiError {
    let mut errors = T::schema()
        .map(|schema| pydantic::validate(schema, value))
        .unwrap_or_default();
    if errors.is_empty() {
        validation::fill_inputs(&mut found, value);
        errors = found;
    }
    // pydantic does not wrap what vLLM's own validators raise: FastAPI's handler answers it as
    // vLLM's plain 400 (seen on 0.33.0).
    match errors.iter().find_map(FieldError::vllm_refusal) {
        Some(refusal) => refusal,
        None => ApiError::validation(errors),
    }
}

/// Parses a JSON request body into `T`, answering as vLLM does when it does not validate.
///
/// The body must be an object: serde would also fill a struct from an array, positionally,
/// which pydantic (and so vLLM) refuses.
pub fn parse_body<T: RequestBody>(body: &[u8]) -> Result<T, ApiError> {
    let request: T = match serde_json::from_slice(body) {
        Ok(request) if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{') => request,
        // serde is stricter than Python's json and fills a struct from an array; what Python
        // reads decides.
        _ => parse_as_python::<T>(body)?,
    };
    let errors = request.check();
    if errors.is_empty() {
        return Ok(request);
    }
    if let Some(refusal) = errors.iter().find_map(FieldError::vllm_refusal) {
        return Err(refusal);
    }
    Err(refusal::<T>(
        &python_json::loads(body).unwrap_or_default().value,
        errors,
    ))
}

/// The error path: the body as Python's `json.loads` reads it (a repeated key's last value, a
/// byte-order mark), then `T` from that, or the errors FastAPI and pydantic give.
fn parse_as_python<T: RequestBody>(body: &[u8]) -> Result<T, ApiError> {
    if body.is_empty() {
        return Err(ApiError::validation(vec![no_body()]));
    }
    let loaded = python_json::loads(body).map_err(ApiError::from_python_refusal)?;
    match loaded.unheld {
        Some(python_json::Unheld::NonFinite { loc, repr }) => {
            let error = FieldError {
                input: Some(serde_json::Value::String(repr.to_owned())),
                ..FieldError::new("finite_number", loc, "Input should be a finite number")
            };
            return Err(ApiError::validation(vec![error]));
        }
        // Python keeps it; vLLM's tokenizer then refuses the text (seen on 0.33.0).
        Some(python_json::Unheld::LoneSurrogate) => {
            return Err(ApiError::bad_request(
                "TextEncodeInput must be Union[TextInputSequence, Tuple[InputSequence, InputSequence]]",
                None,
            ));
        }
        None => {}
    }
    let value = loaded.value;
    match &value {
        // FastAPI reads a JSON `null` as no body at all, as it does an empty body.
        serde_json::Value::Null => Err(ApiError::validation(vec![no_body()])),
        serde_json::Value::Object(_) => T::deserialize(&value).map_err(|_| type_error::<T>(&value)),
        _ => {
            let error = FieldError {
                input: Some(value.clone()),
                ..FieldError::new(
                    "model_attributes_type",
                    vec![],
                    "Input should be a valid dictionary or object to extract fields from",
                )
            };
            Err(refusal::<T>(&value, vec![error]))
        }
    }
}

/// FastAPI's error for a request without a body.
fn no_body() -> FieldError {
    FieldError {
        input: Some(serde_json::Value::Null),
        ..FieldError::new("missing", vec![], "Field required")
    }
}

/// Where and why `T` refused the body, found by parsing it again with the path tracked (only on
/// this error path, so a good request pays nothing for it).
fn type_error<T: RequestBody>(value: &serde_json::Value) -> ApiError {
    let (message, loc) = match serde_path_to_error::deserialize::<_, T>(value) {
        Err(err) => {
            let loc = err
                .path()
                .iter()
                .filter_map(|segment| match segment {
                    serde_path_to_error::Segment::Map { key } => Some(Loc::Key(key.clone())),
                    serde_path_to_error::Segment::Seq { index } => Some(Loc::Index(*index)),
                    _ => None,
                })
                .collect();
            (err.into_inner().to_string(), loc)
        }
        Ok(_) => ("invalid request".to_owned(), vec![]),
    };
    let errors = vec![validation::from_serde(&message, loc)];
    refusal::<T>(value, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// vLLM's ids: 16 lowercase hex digits, the low half of a UUID4 (its variant nibble 8-b),
    /// and never the same twice.
    #[test]
    fn random_uuid_is_a_uuid4_low_half() {
        let ids: Vec<String> = (0..64).map(|_| random_uuid()).collect();
        for id in &ids {
            assert_eq!(id.len(), 16, "{id}");
            assert!(
                id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)),
                "{id}"
            );
            assert!(matches!(id.as_bytes()[0], b'8' | b'9' | b'a' | b'b'), "{id}");
        }
        let distinct: std::collections::HashSet<&String> = ids.iter().collect();
        assert_eq!(distinct.len(), ids.len());
    }

    #[test]
    fn bodies_must_be_objects() {
        #[derive(Debug, serde::Deserialize)]
        struct Two {
            _a: Option<String>,
        }
        impl RequestBody for Two {}
        assert!(parse_body::<Two>(br#" {"_a": "x"}"#).is_ok());
        let err = parse_body::<Two>(br#"["x"]"#).unwrap_err();
        assert!(err.to_string().contains("'model_attributes_type'"), "{err}");
        let err = parse_body::<Two>(b"").unwrap_err();
        assert!(err.to_string().contains("'missing', 'loc': 'body'"), "{err}");
        let err = parse_body::<Two>(b"[1,").unwrap_err();
        assert!(err.to_string().contains("'msg': 'JSON decode error'"), "{err}");
        let err = parse_body::<Two>(br#"{"_a": 5}"#).unwrap_err();
        assert!(err.to_string().contains("'string_type', 'loc': 'body._a'"), "{err}");
    }

    #[test]
    fn json_dumps_writes_as_python() {
        let value = serde_json::json!({"id": "embd-1", "data": [{"shape": [10]}], "model": "qwen3-é"});
        assert_eq!(
            json_dumps(&value),
            r#"{"data": [{"shape": [10]}], "id": "embd-1", "model": "qwen3-\u00e9"}"#
        );
    }

    #[test]
    fn prompt_shapes() {
        let p: Prompt = serde_json::from_str(r#""hi there""#).unwrap();
        assert_eq!(p.texts(), ["hi there"]);
        let p: Prompt = serde_json::from_str(r#"["a", "b"]"#).unwrap();
        assert_eq!(p.texts(), ["a", "b"]);
        let p: Prompt = serde_json::from_str("[1, 2, 3]").unwrap();
        assert_eq!(p.texts(), ["[1, 2, 3]"]);
        let p: Prompt = serde_json::from_str("[[1], [2, 3]]").unwrap();
        assert_eq!(p.texts(), ["[1]", "[2, 3]"]);
    }

    #[test]
    fn empty_prompts_are_recognised() {
        for json in [r#""""#, "[]", "[[]]", "[[1], []]"] {
            let p: Prompt = serde_json::from_str(json).unwrap();
            assert!(p.is_empty(), "{json}");
        }
    }

    #[test]
    fn wrong_prompt_shapes_are_refused_with_the_expected_shapes_named() {
        for json in ["1", "[1.5]", r#"[["a"]]"#, "{}", "[[[1]]]"] {
            let err = serde_json::from_str::<Prompt>(json).unwrap_err().to_string();
            assert!(err.contains("an array of token ids"), "{json}: {err}");
        }
        // Ids outside any vocabulary are ids: the renderer refuses them, not the parser.
        let ids: Prompt = serde_json::from_str("[-1, 4294967296]").unwrap();
        assert_eq!(ids.token_ids(), [&[-1, 4_294_967_296][..]]);
    }
}
