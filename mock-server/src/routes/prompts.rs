//! Prompts as vLLM's renderer hands them to the engine: tokenized (one token per word, see
//! [`crate::tokenizer`]), truncated as the request asks, and checked against `--max-model-len`.

use std::borrow::Cow;

use crate::embedding::word_count;
use crate::openai::ApiError;
use crate::openai::embeddings::{Truncation, TruncationSide};
use crate::state::AppState;
use crate::tokenizer;

/// One prompt: the text the engine sees and its token count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokenized<'a> {
    pub text: Cow<'a, str>,
    pub tokens: usize,
}

/// The pooling routes' prompts: truncated, then each within the model's length.
pub fn tokenized<'a>(
    texts: Vec<Cow<'a, str>>,
    truncation: Truncation,
    state: &AppState,
) -> Result<Vec<Tokenized<'a>>, ApiError> {
    let max_model_len = state.config.max_model_len as usize;
    let keep = match truncation.tokens {
        None => None,
        Some(n) if n > max_model_len as i64 => {
            // vLLM's serving layer checks this before tokenizing, in these words.
            return Err(ApiError::bad_request(
                "truncate_prompt_tokens value is greater than max_model_len. Please request a smaller truncation size.",
                None,
            ));
        }
        Some(-1) => Some(max_model_len),
        Some(n) => Some(usize::try_from(n).unwrap_or(0)),
    };
    let keep_first = truncation.side == Some(TruncationSide::Right);
    texts
        .into_iter()
        .map(|text| {
            let (text, tokens) = match (keep, text) {
                (None, text) => {
                    let tokens = word_count(&text);
                    (text, tokens)
                }
                (Some(keep), Cow::Borrowed(text)) => tokenizer::truncate(text, keep, keep_first),
                (Some(keep), Cow::Owned(text)) => {
                    let (cut, tokens) = tokenizer::truncate(&text, keep, keep_first);
                    (Cow::Owned(cut.into_owned()), tokens)
                }
            };
            check_length(tokens, 0, max_model_len, "max_tokens")?;
            Ok(Tokenized { text, tokens })
        })
        .collect()
}

/// vLLM's length checks (its `TokenizeParams`, 0.33.0): the output asked for must fit the
/// context, and so must the prompt alone; a prompt that leaves too little room for the output
/// asked for is not refused, its output is cut to the room left (`get_max_tokens`).
pub fn check_length(
    prompt_tokens: usize,
    max_output_tokens: usize,
    max_model_len: usize,
    output_param: &'static str,
) -> Result<(), ApiError> {
    if max_output_tokens > max_model_len {
        return Err(ApiError::bad_request(
            format!(
                "{output_param}={max_output_tokens} cannot be greater than max_model_len={max_model_len}. \
                 Please request fewer output tokens. (parameter={output_param}, value={max_output_tokens})"
            ),
            output_param,
        ));
    }
    if prompt_tokens > max_model_len {
        // The tokenizer stops at one token past the limit, so vLLM knows only "at least".
        let counted = max_model_len + 1;
        return Err(ApiError::bad_request(
            format!(
                "This model's maximum context length is {max_model_len} tokens. However, your prompt \
                 contains at least {counted} input tokens, which exceeds this limit even without any \
                 output tokens. Please reduce the length of the input prompt. \
                 (parameter=input_tokens, value={counted})"
            ),
            "input_tokens",
        ));
    }
    Ok(())
}
