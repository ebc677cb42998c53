//! vLLM's OpenAI-compatible protocol: request and response shapes, one module per endpoint.
//!
//! Requests accept unknown fields (vLLM logs and ignores them) but reject known fields of the
//! wrong type, as vLLM's pydantic models do.

pub mod chat;
pub mod completions;
pub mod embeddings;
pub mod error;
pub mod models;
pub mod usage;

pub use error::ApiError;

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the epoch, for the `created` fields.
pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A fresh response id with vLLM's prefixes (`embd-`, `chatcmpl-`, `cmpl-`).
pub fn response_id(prefix: &str) -> String {
    format!("{prefix}-{}", uuid::Uuid::new_v4().simple())
}

/// Either one prompt or a batch, in the four shapes OpenAI accepts for `input` and `prompt`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(
    untagged,
    expecting = "expected a string, an array of strings, an array of token ids or an array of token-id arrays"
)]
pub enum Prompt {
    Text(String),
    Texts(Vec<String>),
    TokenIds(Vec<u32>),
    TokenIdBatches(Vec<Vec<u32>>),
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

/// Parses a JSON request body into `T`, mapping serde's complaint to vLLM's 400.
///
/// The body must be an object: serde would also fill a struct from an array, positionally,
/// which pydantic (and so vLLM) refuses.
pub fn parse_body<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first != Some(&b'{') {
        serde_json::from_slice::<serde::de::IgnoredAny>(body).map_err(ApiError::invalid_json)?;
        return Err(ApiError::Validation {
            message: "Invalid request: invalid type: the body must be a JSON object".to_owned(),
            param: None,
        });
    }
    serde_json::from_slice(body).map_err(ApiError::invalid_json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_must_be_objects() {
        #[derive(Debug, serde::Deserialize)]
        struct Two {
            _a: Option<String>,
        }
        assert!(parse_body::<Two>(br#" {"_a": "x"}"#).is_ok());
        let err = parse_body::<Two>(br#"["x"]"#).unwrap_err();
        assert!(err.to_string().contains("must be a JSON object"), "{err}");
        let err = parse_body::<Two>(b"").unwrap_err();
        assert!(err.to_string().starts_with("JSON decode error"), "{err}");
        let err = parse_body::<Two>(b"[1,").unwrap_err();
        assert!(err.to_string().starts_with("JSON decode error"), "{err}");
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
        for json in ["1", "[1.5]", "[-1]", r#"[["a"]]"#, "{}", "[[[1]]]", "[4294967296]"] {
            let err = serde_json::from_str::<Prompt>(json).unwrap_err().to_string();
            assert!(err.contains("an array of token ids"), "{json}: {err}");
        }
    }
}
