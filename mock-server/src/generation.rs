//! Deterministic text for the chat and completion routes.
//!
//! A reply is a sequence of words picked from a fixed vocabulary by the bytes of
//! `sha256(prompt)`: the same prompt always gets the same reply, different prompts almost
//! always differ, and each word counts as one completion token.

use sha2::{Digest, Sha256};

use crate::openai::logprobs::{PositionLogprobs, PromptLogprobs, RankedToken, TokenLogprobs};
use crate::tokenizer::{Token, Tokenizer};

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

    /// The engine's sample logprobs for each word: the word itself at -0.25 and `alternatives`
    /// other words at -1, -2, ... (at most 20, vLLM's default `max_logprobs`), each the word
    /// seven places on in the vocabulary per rank, so they never repeat the word or each other.
    pub fn logprobs(&self, alternatives: usize) -> Vec<TokenLogprobs<'static>> {
        self.words
            .iter()
            .map(|&word| {
                let at = VOCABULARY.iter().position(|w| *w == word).unwrap_or(0);
                let others = (1..=alternatives.min(MAX_LOGPROBS)).map(|rank| {
                    let other = VOCABULARY[(at + 7 * rank) % VOCABULARY.len()];
                    (other, -(rank as f64))
                });
                TokenLogprobs {
                    token: word,
                    logprob: CHOSEN_LOGPROB,
                    top: std::iter::once((word, CHOSEN_LOGPROB)).chain(others).collect(),
                }
            })
            .collect()
    }
}

/// The logprob the engine gives the token it picked.
const CHOSEN_LOGPROB: f64 = -0.25;

/// vLLM's default `--max-logprobs`.
const MAX_LOGPROBS: usize = 20;

/// How long a reply may or must be: vLLM's `max_tokens`, `min_tokens` and `ignore_eos`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// At most this many tokens (`length` when it cuts the reply).
    pub max_tokens: Option<usize>,
    /// At least this many: the reply does not end before.
    pub min_tokens: usize,
    /// Never end by itself: exactly `max_tokens` tokens.
    pub ignore_eos: bool,
}

/// The reply to `prompt` (`choice` tells apart the `n` replies to one request): 8 to 16 words
/// when nothing else is asked, then as [`Limits`] bend it.
pub fn reply(prompt: &str, choice: usize, limits: Limits) -> Reply {
    let seed = if choice == 0 {
        std::borrow::Cow::Borrowed(prompt)
    } else {
        std::borrow::Cow::Owned(format!("{prompt}\u{0}{choice}"))
    };
    let digest = Sha256::digest(seed.as_bytes());
    let natural = (8 + usize::from(digest[0]) % (NATURAL_MAX_WORDS - 7)).max(limits.min_tokens);
    let max = limits.max_tokens.unwrap_or(usize::MAX);
    let length = if limits.ignore_eos { max } else { natural.min(max) };
    let length = if length == usize::MAX { natural } else { length };
    Reply {
        words: word_bytes(&seed, digest.into())
            .take(length)
            .map(|b| VOCABULARY[usize::from(b) % VOCABULARY.len()])
            .collect(),
        finish_reason: if length < natural || limits.ignore_eos {
            "length"
        } else {
            "stop"
        },
    }
}

/// The engine's prompt logprobs for `prompt`'s tokens: none for the first, then each token at
/// -0.25 (rank 1) and `alternatives` of the mock's words at -1, -2, ... (rank 2, 3, ...), each
/// the word seven places on per rank, as [`Reply::logprobs`] picks them, with the id
/// `tokenizer` gives its first token.
pub fn prompt_logprobs(prompt: &[Token], alternatives: usize, tokenizer: &Tokenizer) -> PromptLogprobs {
    let alternatives = alternatives.min(MAX_LOGPROBS);
    let at = |token: &Token| {
        VOCABULARY
            .iter()
            .position(|w| *w == token.text)
            .unwrap_or(token.id as usize)
    };
    prompt
        .iter()
        .enumerate()
        .map(|(i, token)| {
            (i > 0).then(|| {
                let own = RankedToken {
                    id: token.id,
                    logprob: CHOSEN_LOGPROB,
                    rank: 1,
                    decoded_token: token.text.clone(),
                };
                let others = (1..=alternatives).filter_map(|rank| {
                    let word = VOCABULARY[(at(token) + 7 * rank) % VOCABULARY.len()];
                    let first = tokenizer.tokenize(word, false).into_iter().next()?;
                    Some(RankedToken {
                        id: first.id,
                        logprob: -(rank as f64),
                        rank: rank + 1,
                        decoded_token: first.text,
                    })
                });
                PositionLogprobs(std::iter::once(own).chain(others).collect())
            })
        })
        .collect()
}

/// The bytes the words are picked by: the seed's digest after its first byte, then further
/// blocks `sha256(seed + "\0" + k)` for long replies.
fn word_bytes(seed: &str, first: [u8; 32]) -> impl Iterator<Item = u8> + '_ {
    let later = (1u64..).flat_map(move |block| {
        let mut hasher = Sha256::new();
        hasher.update(seed.as_bytes());
        hasher.update([0u8]);
        hasher.update(block.to_string().as_bytes());
        <[u8; 32]>::from(hasher.finalize())
    });
    first.into_iter().skip(1).chain(later)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max(n: usize) -> Limits {
        Limits {
            max_tokens: Some(n),
            ..Limits::default()
        }
    }

    #[test]
    fn same_prompt_same_reply_and_prompts_differ() {
        assert_eq!(
            reply("hello", 0, Limits::default()),
            reply("hello", 0, Limits::default())
        );
        assert_ne!(
            reply("hello", 0, Limits::default()).text(),
            reply("hello!", 0, Limits::default()).text()
        );
        assert_ne!(
            reply("hello", 0, Limits::default()),
            reply("hello", 1, Limits::default()),
            "choices differ"
        );
    }

    #[test]
    fn natural_length_is_bounded_and_stops() {
        for prompt in ["a", "b", "c", "d", "the quick brown fox"] {
            let r = reply(prompt, 0, Limits::default());
            assert!((8..=NATURAL_MAX_WORDS).contains(&r.tokens()), "{prompt}");
            assert_eq!(r.finish_reason, "stop");
        }
    }

    #[test]
    fn max_tokens_cuts_the_reply_and_says_length() {
        let full = reply("hello", 0, Limits::default());
        let cut = reply("hello", 0, max(3));
        assert_eq!(cut.tokens(), 3);
        assert_eq!(cut.words, full.words[..3]);
        assert_eq!(cut.finish_reason, "length");
        assert_eq!(reply("hello", 0, max(100)), full);
    }

    #[test]
    fn ignore_eos_and_min_tokens_give_exactly_what_a_benchmark_asks() {
        let exact = reply(
            "hello",
            0,
            Limits {
                ignore_eos: true,
                ..max(200)
            },
        );
        assert_eq!((exact.tokens(), exact.finish_reason), (200, "length"));
        assert_eq!(
            exact.words[..5],
            reply("hello", 0, Limits::default()).words[..5],
            "a longer reply extends the natural one"
        );
        let long = reply(
            "hello",
            0,
            Limits {
                min_tokens: 40,
                ..max(100)
            },
        );
        assert_eq!((long.tokens(), long.finish_reason), (40, "stop"));
        let capped = reply(
            "hello",
            0,
            Limits {
                min_tokens: 40,
                ..max(30)
            },
        );
        assert_eq!((capped.tokens(), capped.finish_reason), (30, "length"));
    }

    #[test]
    fn logprobs_rank_the_word_first_and_distinct_alternatives_after() {
        let r = reply("hello", 0, max(3));
        let logprobs = r.logprobs(20);
        assert_eq!(logprobs.len(), 3);
        for (token, word) in logprobs.iter().zip(&r.words) {
            assert_eq!((token.token, token.top[0]), (*word, (*word, -0.25)));
            let mut words: Vec<&str> = token.top.iter().map(|(w, _)| *w).collect();
            words.sort_unstable();
            words.dedup();
            assert_eq!(words.len(), 21, "the word and 20 distinct alternatives");
            assert_eq!(token.top[2].1, -2.0);
        }
        assert!(r.logprobs(0).iter().all(|t| t.top.len() == 1));
    }

    #[test]
    fn pieces_concatenate_to_the_text() {
        let r = reply("stream me", 0, Limits::default());
        assert_eq!(r.pieces().collect::<String>(), r.text());
        assert_eq!(r.pieces().count(), r.tokens());
    }
}
