//! Sample log-probabilities as vLLM's chat and completion answers carry them: chat's
//! `logprobs.content` (OpenAI's shape, each token with its UTF-8 bytes and its alternatives)
//! and completions' legacy columns (`tokens`, `token_logprobs`, `top_logprobs` as a token ->
//! logprob map per position, `text_offset`).

use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize};

/// One generated token and how likely the engine found it and its likeliest alternatives.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenLogprobs<'a> {
    pub token: &'a str,
    pub logprob: f64,
    /// The likeliest tokens at this position, the generated one first, in rank order.
    pub top: Vec<(&'a str, f64)>,
}

/// A chat choice's (or a chunk's) `logprobs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatLogprobs {
    pub content: Vec<ChatLogprob>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatLogprob {
    pub token: String,
    pub logprob: f64,
    pub bytes: Vec<u8>,
    pub top_logprobs: Vec<ChatTopLogprob>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChatTopLogprob {
    pub token: String,
    pub logprob: f64,
    pub bytes: Vec<u8>,
}

impl ChatLogprobs {
    /// vLLM's chat keeps `top_logprobs` of each position's alternatives.
    pub fn new<'a>(tokens: impl IntoIterator<Item = TokenLogprobs<'a>>, top_logprobs: usize) -> Self {
        let content = tokens
            .into_iter()
            .map(|t| ChatLogprob {
                token: t.token.to_owned(),
                logprob: t.logprob,
                bytes: t.token.as_bytes().to_vec(),
                top_logprobs: t
                    .top
                    .iter()
                    .take(top_logprobs)
                    .map(|(token, logprob)| ChatTopLogprob {
                        token: (*token).to_owned(),
                        logprob: *logprob,
                        bytes: token.as_bytes().to_vec(),
                    })
                    .collect(),
            })
            .collect();
        ChatLogprobs { content }
    }
}

/// A completion choice's (or a chunk's) `logprobs`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompletionLogprobs {
    pub text_offset: Vec<usize>,
    pub token_logprobs: Vec<f64>,
    pub tokens: Vec<String>,
    pub top_logprobs: Vec<TopLogprobs>,
}

/// One position's alternatives, a JSON object from token to logprob in rank order.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(from = "std::collections::BTreeMap<String, f64>")]
pub struct TopLogprobs(pub Vec<(String, f64)>);

impl From<std::collections::BTreeMap<String, f64>> for TopLogprobs {
    fn from(map: std::collections::BTreeMap<String, f64>) -> Self {
        TopLogprobs(map.into_iter().collect())
    }
}

impl Serialize for TopLogprobs {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (token, logprob) in &self.0 {
            map.serialize_entry(token, logprob)?;
        }
        map.end()
    }
}

/// A prompt's log-probabilities (`prompt_logprobs`): none for its first token, which nothing
/// precedes, then each position's.
pub type PromptLogprobs = Vec<Option<PositionLogprobs>>;

/// One prompt position's tokens, keyed by id in rank order: the prompt's own token, then its
/// alternatives.
#[derive(Debug, Clone, PartialEq)]
pub struct PositionLogprobs(pub Vec<RankedToken>);

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedToken {
    #[serde(skip)]
    pub id: u32,
    pub logprob: f64,
    pub rank: usize,
    pub decoded_token: String,
}

impl Serialize for PositionLogprobs {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for token in &self.0 {
            map.serialize_entry(&token.id, token)?;
        }
        map.end()
    }
}

impl CompletionLogprobs {
    /// The columns for `tokens`, which begin at `offset` of the choice's text; `pieces` are
    /// the tokens as they appear in the text (with their leading space).
    pub fn new<'a>(tokens: impl IntoIterator<Item = (TokenLogprobs<'a>, &'a str)>, mut offset: usize) -> Self {
        let mut columns = CompletionLogprobs {
            text_offset: vec![],
            token_logprobs: vec![],
            tokens: vec![],
            top_logprobs: vec![],
        };
        for (t, piece) in tokens {
            columns.text_offset.push(offset);
            offset += piece.len();
            columns.token_logprobs.push(t.logprob);
            columns.tokens.push(t.token.to_owned());
            columns
                .top_logprobs
                .push(TopLogprobs(t.top.iter().map(|(w, l)| ((*w).to_owned(), *l)).collect()));
        }
        columns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token(word: &'static str) -> TokenLogprobs<'static> {
        TokenLogprobs {
            token: word,
            logprob: -0.25,
            top: vec![(word, -0.25), ("other", -1.0)],
        }
    }

    #[test]
    fn chat_keeps_top_logprobs_alternatives_with_their_bytes() {
        let json = serde_json::to_value(ChatLogprobs::new([token("hi")], 1)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"content": [{"token": "hi", "logprob": -0.25, "bytes": [104, 105],
                "top_logprobs": [{"token": "hi", "logprob": -0.25, "bytes": [104, 105]}]}]})
        );
    }

    #[test]
    fn prompt_positions_are_keyed_by_token_id_in_rank_order() {
        let position = PositionLogprobs(vec![
            RankedToken {
                id: 7592,
                logprob: -0.25,
                rank: 1,
                decoded_token: "hello".into(),
            },
            RankedToken {
                id: 11,
                logprob: -1.0,
                rank: 2,
                decoded_token: "mock".into(),
            },
        ]);
        assert_eq!(
            serde_json::to_string(&position).unwrap(),
            r#"{"7592":{"logprob":-0.25,"rank":1,"decoded_token":"hello"},"11":{"logprob":-1.0,"rank":2,"decoded_token":"mock"}}"#
        );
    }

    #[test]
    fn completions_columns_keep_rank_order_and_offsets() {
        let columns = CompletionLogprobs::new([(token("a"), "a"), (token("b"), " b")], 3);
        assert_eq!(columns.text_offset, [3, 4]);
        assert_eq!(
            serde_json::to_string(&columns.top_logprobs[1]).unwrap(),
            r#"{"b":-0.25,"other":-1.0}"#
        );
    }
}
