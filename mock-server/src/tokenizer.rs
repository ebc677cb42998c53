//! The mock's tokenizer, one for the whole server.
//!
//! By default, one token per whitespace-separated word, as the workshop counts `prompt_tokens`
//! (Python's `len(text.split())`). A word's token id is its sha256's first four bytes modulo
//! the model's vocabulary size, so the same word has the same id in every mock; `/detokenize`
//! turns back into words the ids this mock has handed out (it keeps a bounded vocabulary of
//! them) and, as Hugging Face's decoders do, skips ids it does not know. There are no special
//! tokens.
//!
//! With `--tokenizer FILE`, a Hugging Face `tokenizer.json`: counts, truncation, `/tokenize`
//! and `/detokenize` are that model's, special tokens included, as vLLM gives them.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

/// How many distinct words the word tokenizer remembers for `/detokenize`.
const VOCABULARY_CAPACITY: usize = 1 << 16;

#[derive(Debug, thiserror::Error)]
#[error("cannot load the tokenizer {path}: {reason}")]
pub struct LoadError {
    path: String,
    reason: String,
}

/// One token: its id and its text as the tokenizer spells it (`token_strs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub id: u32,
    pub text: String,
}

pub enum Tokenizer {
    Words(Words),
    HuggingFace(Box<tokenizers::Tokenizer>),
}

impl std::fmt::Debug for Tokenizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Tokenizer::Words(words) => f.debug_tuple("Words").field(&words.vocab_size).finish(),
            Tokenizer::HuggingFace(_) => f.write_str("HuggingFace"),
        }
    }
}

impl Tokenizer {
    /// The word tokenizer over a vocabulary of `vocab_size` ids.
    pub fn words(vocab_size: u32) -> Self {
        Tokenizer::Words(Words {
            vocab_size: vocab_size.max(1),
            remembered: Mutex::default(),
        })
    }

    /// A Hugging Face `tokenizer.json`, without the padding and truncation it may carry:
    /// transformers drops both unless a call asks for them, and vLLM asks for neither.
    pub fn from_file(path: &Path) -> Result<Self, LoadError> {
        let mut tokenizer = tokenizers::Tokenizer::from_file(path).map_err(|err| LoadError {
            path: path.display().to_string(),
            reason: err.to_string(),
        })?;
        tokenizer.with_padding(None);
        tokenizer.with_truncation(None).map_err(|err| LoadError {
            path: path.display().to_string(),
            reason: err.to_string(),
        })?;
        Ok(Tokenizer::HuggingFace(Box::new(tokenizer)))
    }

    /// How many tokens `text` is.
    pub fn count(&self, text: &str, add_special_tokens: bool) -> usize {
        match self {
            Tokenizer::Words(_) => word_count(text),
            Tokenizer::HuggingFace(tokenizer) => encode(tokenizer, text, add_special_tokens).len(),
        }
    }

    /// `text` cut to at most `keep` tokens: the last ones (vLLM's default, `left` truncation)
    /// or the first (`right`); special tokens stay. Returns the text left and its token count;
    /// text that fits is returned unchanged, so an untruncated input hashes exactly as the
    /// workshop's formula says.
    pub fn truncate<'a>(
        &self,
        text: Cow<'a, str>,
        keep: usize,
        keep_first: bool,
        add_special_tokens: bool,
    ) -> (Cow<'a, str>, usize) {
        match self {
            Tokenizer::Words(_) => truncate_words(text, keep, keep_first),
            Tokenizer::HuggingFace(tokenizer) => {
                let encoding = encode(tokenizer, &text, add_special_tokens);
                let total = encoding.len();
                if total <= keep {
                    return (text, total);
                }
                let content: Vec<u32> = encoding
                    .get_ids()
                    .iter()
                    .zip(encoding.get_special_tokens_mask())
                    .filter(|(_, special)| **special == 0)
                    .map(|(id, _)| *id)
                    .collect();
                let specials = total - content.len();
                let room = keep.saturating_sub(specials).min(content.len());
                let kept = if keep_first {
                    &content[..room]
                } else {
                    &content[content.len() - room..]
                };
                let cut = tokenizer.decode(kept, true).unwrap_or_default();
                (Cow::Owned(cut), (room + specials).min(keep))
            }
        }
    }

    /// `/tokenize`: each token of `text`.
    pub fn tokenize(&self, text: &str, add_special_tokens: bool) -> Vec<Token> {
        match self {
            Tokenizer::Words(words) => words.tokenize(text),
            Tokenizer::HuggingFace(tokenizer) => {
                let encoding = encode(tokenizer, text, add_special_tokens);
                encoding
                    .get_ids()
                    .iter()
                    .zip(encoding.get_tokens())
                    .map(|(id, text)| Token {
                        id: *id,
                        text: text.clone(),
                    })
                    .collect()
            }
        }
    }

    /// The ids of `text`'s tokens.
    pub fn token_ids(&self, text: &str, add_special_tokens: bool) -> Vec<u32> {
        self.tokenize(text, add_special_tokens)
            .into_iter()
            .map(|t| t.id)
            .collect()
    }

    /// `/detokenize`: the text of `ids`, special tokens kept; ids the tokenizer does not know
    /// are skipped.
    pub fn detokenize(&self, ids: &[u64]) -> String {
        match self {
            Tokenizer::Words(words) => words.detokenize(ids),
            Tokenizer::HuggingFace(tokenizer) => {
                let known: Vec<u32> = ids.iter().filter_map(|id| u32::try_from(*id).ok()).collect();
                tokenizer.decode(&known, false).unwrap_or_default()
            }
        }
    }

    /// The largest id the tokenizer itself knows, which vLLM also lets through.
    pub fn max_token_id(&self) -> u64 {
        match self {
            Tokenizer::Words(words) => u64::from(words.vocab_size - 1),
            Tokenizer::HuggingFace(tokenizer) => tokenizer.get_vocab(true).values().copied().max().map_or(0, u64::from),
        }
    }
}

fn encode(tokenizer: &tokenizers::Tokenizer, text: &str, add_special_tokens: bool) -> tokenizers::Encoding {
    tokenizer
        .encode(text, add_special_tokens)
        .unwrap_or_else(|_| tokenizers::Encoding::default())
}

/// `text` cut to its last `keep` words (the first with `keep_first`), joined by single
/// spaces, and how many are left; text that fits comes back unchanged. Token ids' canonical
/// text is cut so too: one id per word of it.
pub fn truncate_words(text: Cow<'_, str>, keep: usize, keep_first: bool) -> (Cow<'_, str>, usize) {
    let all: Vec<&str> = words(&text).collect();
    if all.len() <= keep {
        let count = all.len();
        return (text, count);
    }
    let kept = if keep_first {
        &all[..keep]
    } else {
        &all[all.len() - keep..]
    };
    (Cow::Owned(kept.join(" ")), keep)
}

/// The words of `text`, split as Python's `str.split()` splits.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(is_python_whitespace).filter(|word| !word.is_empty())
}

/// Python's `str.isspace`, which also counts the ASCII separators U+001C..U+001F that Rust's
/// `char::is_whitespace` does not.
fn is_python_whitespace(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Word count as Python's `len(str.split())` counts it (the workshop's `prompt_tokens`):
/// `words(text).count()`, by bytes when the text is ASCII (the usual prompt), where decoding
/// each character cost a request's count about 1,000 instructions.
pub fn word_count(text: &str) -> usize {
    /// Python's ASCII whitespace, one bit per byte: \t \n \x0b \x0c \r, the separators
    /// \x1c-\x1f, and the space.
    const SPACES: u64 = 0b1_1111_0000_0000_0000_0011_1110_0000_0000;
    if !text.is_ascii() {
        return words(text).count();
    }
    let mut count = 0;
    let mut in_word = false;
    for &b in text.as_bytes() {
        let word = b >= 64 || SPACES >> b & 1 == 0;
        count += usize::from(word && !in_word);
        in_word = word;
    }
    count
}

/// The word tokenizer, and the words it has handed out by id, for `/detokenize`.
#[derive(Debug)]
pub struct Words {
    vocab_size: u32,
    remembered: Mutex<HashMap<u32, Box<str>>>,
}

impl Words {
    fn token_id(&self, word: &str) -> u32 {
        let digest = Sha256::digest(word.as_bytes());
        u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]]) % self.vocab_size
    }

    /// Tokenizes `text`, remembering its words (until the vocabulary is full).
    fn tokenize(&self, text: &str) -> Vec<Token> {
        let tokens: Vec<Token> = words(text)
            .map(|word| Token {
                id: self.token_id(word),
                text: word.to_owned(),
            })
            .collect();
        let mut known = self.remembered.lock().unwrap_or_else(|e| e.into_inner());
        for token in &tokens {
            if known.len() < VOCABULARY_CAPACITY || known.contains_key(&token.id) {
                known.insert(token.id, token.text.as_str().into());
            }
        }
        tokens
    }

    /// The words of the ids handed out, joined by single spaces.
    fn detokenize(&self, ids: &[u64]) -> String {
        let known = self.remembered.lock().unwrap_or_else(|e| e.into_inner());
        let words: Vec<&str> = ids
            .iter()
            .filter_map(|id| u32::try_from(*id).ok().and_then(|id| known.get(&id)))
            .map(|word| word.as_ref())
            .collect();
        words.join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORKSHOP_TEXT: &str = "The food was delicious and the waiter was friendly.";

    #[test]
    fn ascii_counts_as_the_split_counts() {
        let texts = [
            WORKSHOP_TEXT,
            "",
            " ",
            "  two  words ",
            "a\tb\nc\x0bd\x0ce\rf\x1cg\x1dh\x1ei\x1fj",
            "\x00nul\x7f is a word",
            "é is not ascii\u{85}x",
            "a\u{a0}b",
            "a\u{1f}b",
        ];
        for text in texts {
            assert_eq!(word_count(text), words(text).count(), "{text:?}");
        }
        // Python's `len(t.split())` for each.
        assert_eq!(word_count(""), 0);
        assert_eq!(word_count("  a \t b\n\nc  "), 3);
        assert_eq!(word_count("a\u{1f}b"), 2);
        assert_eq!(word_count("a\u{a0}b"), 2);
    }

    #[test]
    fn one_token_per_counted_word() {
        let tokenizer = Tokenizer::words(151_669);
        let tokens = tokenizer.tokenize(WORKSHOP_TEXT, true);
        assert_eq!(tokens.len(), word_count(WORKSHOP_TEXT));
        assert_eq!(tokenizer.count(WORKSHOP_TEXT, true), 9);
        assert_eq!(tokens[2].text, "was");
        assert_eq!(tokens[2].id, tokens[7].id, "the same word, the same id");
        assert!(tokens.iter().all(|t| u64::from(t.id) <= tokenizer.max_token_id()));
    }

    #[test]
    fn detokenize_returns_what_tokenize_gave_out_and_skips_the_rest() {
        let tokenizer = Tokenizer::words(30_522);
        let ids: Vec<u64> = tokenizer
            .tokenize("  hello \t wide world ", true)
            .iter()
            .map(|t| u64::from(t.id))
            .collect();
        assert_eq!(tokenizer.detokenize(&ids), "hello wide world");
        assert_eq!(tokenizer.detokenize(&[ids[0], 999_999_999]), "hello");
        assert_eq!(tokenizer.detokenize(&[]), "");
    }

    #[test]
    fn truncation_keeps_the_last_tokens_unless_asked_for_the_first() {
        let tokenizer = Tokenizer::words(100);
        let cut = |text: &'static str, keep, keep_first| tokenizer.truncate(text.into(), keep, keep_first, true);
        assert_eq!(cut("a b c d", 2, false), ("c d".into(), 2));
        assert_eq!(cut("a b c d", 2, true), ("a b".into(), 2));
        assert_eq!(cut("a  b", 5, false), ("a  b".into(), 2), "text that fits is untouched");
        assert_eq!(cut("a b", 0, false), ("".into(), 0));
    }

    #[test]
    fn a_missing_tokenizer_file_is_a_load_error() {
        let err = Tokenizer::from_file(Path::new("/nonexistent/tokenizer.json")).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot load the tokenizer /nonexistent/tokenizer.json")
        );
    }
}
