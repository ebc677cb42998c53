//! `POST /v1/completions`, whole or streamed; `n` choices per prompt.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;

use super::prompts::check_length;
use super::sse::Events;
use crate::generation::{self, Limits, Reply};
use crate::openai::Counting;
use crate::openai::completions::{CompletionChoice, CompletionChunk, CompletionRequest, CompletionResponse};
use crate::openai::logprobs::{CompletionLogprobs, PromptLogprobs};
use crate::openai::stream_options::StreamOptions;
use crate::openai::unset::Null;
use crate::openai::usage::{ChunkUsage, Usage};
use crate::openai::{ApiError, unix_now};
use crate::outcome::{FrameKind, Outcome, Served, Work};
use crate::state::AppState;
use crate::tokenizer::{Token, words};

/// One choice: which prompt it answers and the reply.
struct Choice<'a> {
    prompt: &'a str,
    /// Its prompt's token ids, as an echo's first chunk carries them.
    prompt_token_ids: Vec<u32>,
    prompt_tokens: usize,
    /// Its prompt's, when asked for (`prompt_logprobs`, or `echo` with `logprobs`).
    prompt_logprobs: Option<PromptLogprobs>,
    reply: Reply,
}

/// Answers a completion request (also for `/invocations`).
pub fn serve(state: &AppState, headers: &HeaderMap, request: CompletionRequest) -> Result<Served<Response>, ApiError> {
    let requested = state.models.resolve_listing_names(request.model.as_deref())?;
    let sampling = request.sampling();
    if request.suffix.is_some() {
        return Err(suffix_refusal(&request));
    }
    let prompt = request.prompt.unwrap_or(crate::openai::Prompt::Texts(vec![]));
    // vLLM's renderer: a batch of none, or a token list of none.
    match prompt.refused_as_empty() {
        Some(crate::openai::NO_PROMPT) => {
            return Err(ApiError::bad_request(
                format!("{} (parameter=prompt)", crate::openai::NO_PROMPT),
                "prompt",
            ));
        }
        Some(refusal) => return Err(ApiError::bad_request(refusal, None)),
        None => {}
    }
    sampling.check(state.config.vocab_size())?;
    // vLLM's `echo_without_generation`: the prompt alone comes back, the engine asked for one
    // token (which usage counts and the text leaves out).
    let echo_only = request.echo && request.max_tokens == Some(0);
    let max_tokens = super::max_tokens(if echo_only { Some(1) } else { request.max_tokens })?;
    let max_model_len = state.config.max_model_len as usize;
    let n = choices(request.n)?;
    super::prompts::check_token_ids(&prompt, state)?;
    let prompts = prompt.texts();
    let count = |text: &str| match prompt.counting(true) {
        Counting::TokenIds => words(text).count(),
        Counting::Text { add_special_tokens } => state.tokenizer.count(text, add_special_tokens),
    };
    let mut all = Vec::with_capacity(prompts.len() * n);
    let mut prompt_tokens_in_all = 0;
    let sent_ids = prompt.token_ids();
    for (p, text) in prompts.iter().enumerate() {
        // Only an echoed stream sends them.
        let prompt_token_ids: Vec<u32> = match sent_ids.get(p) {
            _ if !(request.echo && request.stream == Some(true)) => vec![],
            Some(ids) => ids.iter().map(|&id| u32::try_from(id).unwrap_or(u32::MAX)).collect(),
            None => state.tokenizer.token_ids(text, true),
        };
        let prompt_tokens = count(text);
        // vLLM's `to_sampling_params`: an echo asks for them with `logprobs` alternatives.
        let prompt_logprobs = sampling
            .prompt_logprobs
            .or(if request.echo { sampling.logprobs } else { None })
            .map(|k| {
                let tokens = match sent_ids.get(p) {
                    Some(ids) => ids
                        .iter()
                        .map(|&id| {
                            let id = u32::try_from(id).unwrap_or(u32::MAX);
                            let text = state.tokenizer.detokenize(&[u64::from(id)]);
                            Token { id, text }
                        })
                        .collect(),
                    None => state.tokenizer.tokenize(text, true),
                };
                generation::prompt_logprobs(&tokens, usize::try_from(k).unwrap_or(0), &state.tokenizer)
            });
        prompt_tokens_in_all += prompt_tokens;
        check_length(prompt_tokens, max_tokens.unwrap_or(0), max_model_len, "max_tokens")?;
        let limits = limits(
            max_tokens,
            request.min_tokens,
            request.ignore_eos,
            max_model_len - prompt_tokens,
        )?;
        // vLLM numbers the choices prompt by prompt: index = prompt * n + choice.
        all.extend((0..n).map(|i| Choice {
            prompt: text,
            prompt_token_ids: prompt_token_ids.clone(),
            prompt_tokens,
            prompt_logprobs: prompt_logprobs.clone(),
            reply: generation::reply(text, i, limits),
        }));
    }
    let replies: Vec<&Reply> = all.iter().map(|c| &c.reply).collect();
    let usage = Usage::new(prompt_tokens_in_all, replies.iter().map(|r| r.tokens()).sum());
    let completion_tokens = usage.completion_tokens;
    let streamed = request.stream.unwrap_or(false);
    let outcome = Outcome::ai(
        &requested,
        prompts.len(),
        format!("completion with {completion_tokens} tokens"),
    )
    .with_work(Work {
        prompt_tokens: usage.prompt_tokens,
        completion_tokens,
        finish_reason: finish_reason(all.iter().map(|c| &c.reply)),
    });

    // `logprobs` alternatives per token, when asked for.
    let alternatives = sampling.logprobs.map(|k| usize::try_from(k).unwrap_or(usize::MAX));
    let id = super::request_id("cmpl", headers, None);
    let created = unix_now();
    let model = state.models.served_name().to_owned();
    let fingerprint = state.system_fingerprint.clone();
    let choice =
        |index: usize, text: String, finish_reason: Option<&str>, whole: bool, logprobs: Option<CompletionLogprobs>| {
            CompletionChoice {
                index,
                text,
                logprobs,
                finish_reason: finish_reason.map(str::to_owned),
                stop_reason: None,
                token_ids: None,
                prompt_logprobs: whole.then_some(None),
                prompt_token_ids: None,
                routed_experts: Null::when(whole),
                weight_versions: None,
            }
        };
    // Where the reply begins in a choice's text, in characters as Python counts: after the prompt, with echo.
    let echo_offset = |c: &Choice<'_>| if request.echo { c.prompt.chars().count() } else { 0 };
    let echoed = |c: &Choice<'_>, text: String| {
        if echo_only {
            c.prompt.to_owned()
        } else if request.echo {
            format!("{}{text}", c.prompt)
        } else {
            text
        }
    };

    if streamed {
        let (include_usage, continuous) = StreamOptions::usage(request.stream_options.as_ref());
        let chunk = |choices: Vec<CompletionChoice>, usage: Option<ChunkUsage>| CompletionChunk {
            id: id.clone(),
            object: "text_completion".to_owned(),
            created,
            model: model.clone(),
            choices,
            usage,
            system_fingerprint: None,
            kv_transfer_params: Null::Sent,
        };
        // One chunk per token, the choices taking turns, as vLLM's engine steps them.
        let mut streams: Vec<_> = all
            .iter()
            .map(|c| {
                let logprobs = alternatives.map(|k| c.reply.logprobs(k)).unwrap_or_default();
                (
                    c.reply
                        .pieces()
                        .zip(logprobs.into_iter().map(Some).chain(std::iter::repeat(None))),
                    echo_offset(c),
                )
            })
            .collect();
        let mut events = Events::with_capacity(completion_tokens + usize::from(include_usage));
        let longest = all.iter().map(|c| c.reply.tokens()).max().unwrap_or(0);
        for step in 0..longest {
            for (index, c) in all.iter().enumerate() {
                let (tokens, offset) = &mut streams[index];
                let Some((piece, token_logprobs)) = tokens.next() else {
                    continue;
                };
                let logprobs = token_logprobs.map(|t| {
                    let columns = CompletionLogprobs::new([(t, piece.as_str())], *offset);
                    *offset += piece.len();
                    columns
                });
                let finish = step + 1 == c.reply.tokens();
                let mut choice = choice(
                    index,
                    String::new(),
                    finish.then_some(c.reply.finish_reason),
                    false,
                    logprobs,
                );
                // With echo, the prompt and its token ids come with the first piece.
                if step == 0 && request.echo {
                    choice.text = echoed(c, piece);
                    choice.prompt_token_ids = Some(c.prompt_token_ids.clone());
                } else {
                    choice.text = piece;
                }
                let token = CompletionChunk {
                    // vLLM sends the fingerprint with the usage, or with each finish if none.
                    system_fingerprint: fingerprint.clone().filter(|_| finish && !include_usage),
                    ..chunk(
                        vec![choice],
                        continuous.then(|| ChunkUsage::so_far(c.prompt_tokens, step + 1)),
                    )
                };
                events.push(FrameKind::Token, &token);
            }
        }
        if include_usage {
            let totals = CompletionChunk {
                system_fingerprint: fingerprint.clone(),
                kv_transfer_params: Null::Unset,
                ..chunk(
                    vec![],
                    Some(ChunkUsage::total(usage.prompt_tokens, usage.completion_tokens)),
                )
            };
            events.push(FrameKind::Tail, &totals);
        }
        return Ok(outcome.serve(events.finish()));
    }
    let choices = all
        .iter()
        .enumerate()
        .map(|(index, c)| {
            let pieces: Vec<String> = c.reply.pieces().collect();
            let logprobs = alternatives.map(|k| {
                let tokens = c.reply.logprobs(k).into_iter().zip(pieces.iter().map(String::as_str));
                CompletionLogprobs::new(tokens, echo_offset(c))
            });
            CompletionChoice {
                prompt_logprobs: Some(c.prompt_logprobs.clone()),
                ..choice(
                    index,
                    echoed(c, c.reply.text()),
                    Some(c.reply.finish_reason),
                    true,
                    logprobs,
                )
            }
        })
        .collect();
    Ok(outcome.serve(
        Json(CompletionResponse {
            id,
            object: "text_completion".to_owned(),
            created,
            model,
            choices,
            service_tier: None,
            system_fingerprint: fingerprint,
            usage,
            kv_transfer_params: None,
            ec_transfer_params: None,
            metrics: None,
        })
        .into_response(),
    ))
}

/// vLLM's renderer on a `suffix`, in its order (the mock reads no `prompt_embeds` nor a
/// completion's `truncate_prompt_tokens`); the mock's model has no FIM rendering.
fn suffix_refusal(request: &CompletionRequest) -> ApiError {
    use crate::openai::Prompt;
    let message = if request.echo {
        "Echo is unsupported with suffix."
    } else if matches!(request.prompt, Some(Prompt::Text(_) | Prompt::Texts(_))) {
        "suffix is only supported for models with FIM completion rendering"
    } else {
        "suffix requires text prompt input for FIM completion rendering"
    };
    ApiError::bad_request(message, "suffix")
}

/// `n` as vLLM's sampling parameters check it: at least 1.
pub(super) fn choices(n: Option<i64>) -> Result<usize, ApiError> {
    match n.unwrap_or(1) {
        n if n >= 1 => Ok(usize::try_from(n).unwrap_or(usize::MAX).min(MAX_CHOICES)),
        n => Err(ApiError::bad_request(format!("n must be at least 1, got {n}."), None)),
    }
}

/// The mock's own bound on `n`, so one request cannot make it generate without end (vLLM
/// has none; its memory is the bound).
const MAX_CHOICES: usize = 1024;

/// `max_tokens`, `min_tokens` and `ignore_eos` as vLLM's sampling parameters check them; with
/// `ignore_eos` and no `max_tokens` a reply fills what is left of the context.
pub(super) fn limits(
    max_tokens: Option<usize>,
    min_tokens: Option<i64>,
    ignore_eos: bool,
    room: usize,
) -> Result<Limits, ApiError> {
    let min_tokens = match min_tokens.unwrap_or(0) {
        n if n < 0 => {
            return Err(ApiError::bad_request(
                format!("min_tokens must be greater than or equal to 0, got {n}."),
                None,
            ));
        }
        n => usize::try_from(n).unwrap_or(usize::MAX),
    };
    if let Some(max) = max_tokens.filter(|max| min_tokens > *max) {
        return Err(ApiError::bad_request(
            format!("min_tokens must be less than or equal to max_tokens={max}, got {min_tokens}."),
            None,
        ));
    }
    Ok(Limits {
        // vLLM cuts the output to the room the prompt leaves (`get_max_tokens`).
        max_tokens: max_tokens.map(|max| max.min(room)).or(ignore_eos.then_some(room)),
        min_tokens,
        ignore_eos,
    })
}

/// `length` if any reply was cut, else `stop`, for vLLM's success counter.
pub(super) fn finish_reason<'a>(replies: impl IntoIterator<Item = &'a Reply>) -> &'static str {
    if replies.into_iter().any(|r| r.finish_reason == "length") {
        "length"
    } else {
        "stop"
    }
}
