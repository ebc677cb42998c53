//! Deterministic text for the chat and completion routes.
//!
//! A reply is a sequence of words picked from a fixed vocabulary by the bytes of
//! `sha256(prompt)`: the same prompt always gets the same reply, different prompts almost
//! always differ, and each word counts as one completion token.

use sha2::{Digest, Sha256};

const VOCABULARY: [&str; 32] = [
    "mock",
    "vllm",
    "reply",
    "token",
    "gateway",
    "route",
    "upstream",
    "embedding",
    "vector",
    "model",
    "request",
    "journal",
    "header",
    "bearer",
    "path",
    "host",
    "passthrough",
    "policy",
    "backend",
    "secret",
    "cluster",
    "service",
    "stream",
    "chunk",
    "usage",
    "prompt",
    "answer",
    "deterministic",
    "sha256",
    "workshop",
    "kind",
    "qwen3",
];

/// The most words a reply has when `max_tokens` does not cut it shorter.
pub const NATURAL_MAX_WORDS: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub words: Vec<&'static str>,
    /// `stop` when the reply ended by itself, `length` when `max_tokens` cut it.
    pub finish_reason: &'static str,
}

impl Reply {
    pub fn text(&self) -> String {
        self.words.join(" ")
    }

    /// The reply as streamed pieces whose concatenation is [`Reply::text`].
    pub fn pieces(&self) -> impl Iterator<Item = String> + '_ {
        self.words
            .iter()
            .enumerate()
            .map(|(i, word)| if i == 0 { (*word).to_owned() } else { format!(" {word}") })
    }

    pub fn tokens(&self) -> usize {
        self.words.len()
    }
}

/// The reply to `prompt`: 8 to 16 words, at most `max_tokens`.
pub fn reply(prompt: &str, max_tokens: Option<usize>) -> Reply {
    let digest = Sha256::digest(prompt.as_bytes());
    let natural = 8 + usize::from(digest[0]) % (NATURAL_MAX_WORDS - 7);
    let length = max_tokens.map_or(natural, |max| max.min(natural));
    Reply {
        words: digest[1..=length]
            .iter()
            .map(|&b| VOCABULARY[usize::from(b) % VOCABULARY.len()])
            .collect(),
        finish_reason: if length < natural { "length" } else { "stop" },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_prompt_same_reply_and_prompts_differ() {
        assert_eq!(reply("hello", None), reply("hello", None));
        assert_ne!(reply("hello", None).text(), reply("hello!", None).text());
    }

    #[test]
    fn natural_length_is_bounded_and_stops() {
        for prompt in ["a", "b", "c", "d", "the quick brown fox"] {
            let r = reply(prompt, None);
            assert!((8..=NATURAL_MAX_WORDS).contains(&r.tokens()), "{prompt}");
            assert_eq!(r.finish_reason, "stop");
        }
    }

    #[test]
    fn max_tokens_cuts_the_reply_and_says_length() {
        let full = reply("hello", None);
        let cut = reply("hello", Some(3));
        assert_eq!(cut.tokens(), 3);
        assert_eq!(cut.words, full.words[..3]);
        assert_eq!(cut.finish_reason, "length");
        assert_eq!(reply("hello", Some(100)), full);
    }

    #[test]
    fn pieces_concatenate_to_the_text() {
        let r = reply("stream me", None);
        assert_eq!(r.pieces().collect::<String>(), r.text());
        assert_eq!(r.pieces().count(), r.tokens());
    }
}
