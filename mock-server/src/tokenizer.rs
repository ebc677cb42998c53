//! The mock's tokenizer: one token per whitespace-separated word, as the workshop counts
//! `prompt_tokens` (Python's `len(text.split())`).
//!
//! A word's token id is the first four bytes of its sha256 (below 2^31), so the same word has
//! the same id in every mock. `/detokenize` can turn back into words the ids this mock has
//! handed out by `/tokenize`: it keeps a bounded vocabulary of them; ids it never produced are
//! out of its vocabulary. There are no special tokens: `add_special_tokens` changes nothing.

use std::collections::HashMap;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::embedding::is_python_whitespace;

/// Ids lie below this bound.
pub const VOCAB_SIZE: u32 = 1 << 31;

/// How many distinct words the vocabulary remembers for `/detokenize`.
const VOCABULARY_CAPACITY: usize = 1 << 16;

/// The words of `text`, split as Python's `str.split()` splits.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(is_python_whitespace).filter(|word| !word.is_empty())
}

/// A word's token id.
pub fn token_id(word: &str) -> u32 {
    let digest = Sha256::digest(word.as_bytes());
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % VOCAB_SIZE
}

/// `text` cut to `keep` tokens: the last ones (vLLM's default, `left` truncation) or the first
/// (`right`). Returns the text that is left and its token count; text that fits is returned
/// unchanged, so an untruncated input hashes exactly as the workshop's formula says.
pub fn truncate(text: &str, keep: usize, keep_first: bool) -> (std::borrow::Cow<'_, str>, usize) {
    let all: Vec<&str> = words(text).collect();
    if all.len() <= keep {
        return (std::borrow::Cow::Borrowed(text), all.len());
    }
    let kept = if keep_first {
        &all[..keep]
    } else {
        &all[all.len() - keep..]
    };
    (std::borrow::Cow::Owned(kept.join(" ")), keep)
}

/// The words `/tokenize` has handed out, by id, for `/detokenize`.
#[derive(Debug, Default)]
pub struct Vocabulary {
    words: Mutex<HashMap<u32, Box<str>>>,
}

impl Vocabulary {
    /// Tokenizes `text`, remembering its words (until the vocabulary is full).
    pub fn tokenize(&self, text: &str) -> Vec<(u32, String)> {
        let tokens: Vec<(u32, String)> = words(text).map(|w| (token_id(w), w.to_owned())).collect();
        let mut known = self.words.lock().unwrap_or_else(|e| e.into_inner());
        for (id, word) in &tokens {
            if known.len() < VOCABULARY_CAPACITY || known.contains_key(id) {
                known.insert(*id, word.as_str().into());
            }
        }
        tokens
    }

    /// The text of `ids`, words joined by single spaces; the first id never handed out is the
    /// error.
    pub fn detokenize(&self, ids: &[u64]) -> Result<String, u64> {
        let known = self.words.lock().unwrap_or_else(|e| e.into_inner());
        let words = ids
            .iter()
            .map(|id| {
                u32::try_from(*id)
                    .ok()
                    .and_then(|id| known.get(&id))
                    .map(|w| w.as_ref())
                    .ok_or(*id)
            })
            .collect::<Result<Vec<&str>, u64>>()?;
        Ok(words.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::embedding::word_count;

    const WORKSHOP_TEXT: &str = "The food was delicious and the waiter was friendly.";

    #[test]
    fn one_token_per_counted_word() {
        let vocabulary = Vocabulary::default();
        let tokens = vocabulary.tokenize(WORKSHOP_TEXT);
        assert_eq!(tokens.len(), word_count(WORKSHOP_TEXT));
        assert_eq!(tokens[2].1, "was");
        assert_eq!(tokens[2].0, tokens[7].0, "the same word, the same id");
        assert!(tokens.iter().all(|(id, _)| *id < VOCAB_SIZE));
    }

    #[test]
    fn detokenize_returns_what_tokenize_gave_out() {
        let vocabulary = Vocabulary::default();
        let ids: Vec<u64> = vocabulary
            .tokenize("  hello \t wide world ")
            .iter()
            .map(|(id, _)| u64::from(*id))
            .collect();
        assert_eq!(vocabulary.detokenize(&ids).unwrap(), "hello wide world");
        assert_eq!(vocabulary.detokenize(&[ids[0], 7]), Err(7));
        assert_eq!(vocabulary.detokenize(&[]).unwrap(), "");
    }

    #[test]
    fn truncation_keeps_the_last_tokens_unless_asked_for_the_first() {
        assert_eq!(truncate("a b c d", 2, false), ("c d".into(), 2));
        assert_eq!(truncate("a b c d", 2, true), ("a b".into(), 2));
        assert_eq!(
            truncate("a  b", 5, false),
            ("a  b".into(), 2),
            "text that fits is untouched"
        );
        assert_eq!(truncate("a b", 0, false), ("".into(), 0));
    }
}
