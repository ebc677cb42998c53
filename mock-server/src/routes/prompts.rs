//! Prompts as vLLM's renderer hands them to the engine: tokenized (by the mock's tokenizer,
//! see [`crate::tokenizer`]), truncated as the request asks, and checked against the model's
//! vocabulary and `--max-model-len`.

use std::borrow::Cow;

use crate::openai::embeddings::{TokenizeParams, TruncationSide};
use crate::openai::{ApiError, Counting, EMPTY_DECODER_PROMPT, Prompt};
use crate::state::AppState;
use crate::tokenizer::{truncate_words, words};

/// One prompt: the text the engine sees and its token count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokenized<'a> {
    pub text: Cow<'a, str>,
    pub tokens: usize,
}

/// The pooling routes' prompts: truncated, then each within the model's length.
pub fn tokenized<'a>(
    texts: Vec<Cow<'a, str>>,
    counting: Counting,
    params: TokenizeParams,
    state: &AppState,
) -> Result<Vec<Tokenized<'a>>, ApiError> {
    let max_model_len = state.config.max_model_len as usize;
    let keep = match params.tokens {
        None => None,
        Some(n) if n > max_model_len as i64 => {
            // vLLM's serving layer checks this before tokenizing, in these words.
            return Err(ApiError::bad_request(
                "truncate_prompt_tokens value is greater than max_model_len. Please request a smaller truncation size.",
                None,
            ));
        }
        Some(-1) => Some(max_model_len),
        // Nothing is left of the prompt.
        Some(0) => return Err(ApiError::bad_request(EMPTY_DECODER_PROMPT, None)),
        Some(n) => Some(usize::try_from(n).unwrap_or(0)),
    };
    let keep_first = params.side == Some(TruncationSide::Right);
    texts
        .into_iter()
        .map(|text| {
            let (text, tokens) = match (counting, keep) {
                (Counting::TokenIds, None) => {
                    let tokens = words(&text).count();
                    (text, tokens)
                }
                (Counting::TokenIds, Some(keep)) => truncate_words(text, keep, keep_first),
                (Counting::Text { add_special_tokens }, None) => {
                    let tokens = state.tokenizer.count(&text, add_special_tokens);
                    (text, tokens)
                }
                (Counting::Text { add_special_tokens }, Some(keep)) => {
                    state.tokenizer.truncate(text, keep, keep_first, add_special_tokens)
                }
            };
            check_length(tokens, 0, max_model_len, "max_tokens")?;
            let tokens = if params.pad_to_max_length {
                tokens.max(max_model_len)
            } else {
                tokens
            };
            Ok(Tokenized { text, tokens })
        })
        .collect()
}

/// vLLM's renderer's `validate_token_ids`: each prompt's ids must lie within the model's
/// vocabulary (its config's, or its tokenizer's if that has more); the first prompt with an
/// id outside names its smallest if negative, else its largest.
pub fn check_token_ids(prompt: &Prompt, state: &AppState) -> Result<(), ApiError> {
    let vocabulary = u64::from(state.config.vocab_size());
    let max_token_id = state.tokenizer.max_token_id().max(vocabulary.saturating_sub(1));
    for ids in prompt.token_ids() {
        let (Some(&min), Some(&max)) = (ids.iter().min(), ids.iter().max()) else {
            continue;
        };
        let outside = if min < 0 {
            Some(min)
        } else {
            (max.unsigned_abs() > max_token_id).then_some(max)
        };
        if let Some(id) = outside {
            return Err(ApiError::bad_request(
                format!("Token id {id} is out of vocabulary"),
                None,
            ));
        }
    }
    Ok(())
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
