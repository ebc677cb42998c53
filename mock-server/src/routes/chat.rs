//! `POST /v1/chat/completions`, whole or streamed.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;

use super::prompts::check_length;
use super::sse::Events;
use crate::generation::{self, Reply};
use crate::openai::chat::{
    AssistantMessage, ChatChoice, ChatChunkChoice, ChatCompletionChunk, ChatCompletionRequest, ChatCompletionResponse,
    Delta,
};
use crate::openai::embeddings::render_conversation;
use crate::openai::logprobs::{ChatLogprobs, PromptLogprobs};
use crate::openai::stream_options::StreamOptions;
use crate::openai::unset::Null;
use crate::openai::usage::{ChunkUsage, Usage};
use crate::openai::{ApiError, unix_now};
use crate::outcome::{FrameKind, Outcome, Served, Work};
use crate::state::AppState;

/// transformers' `apply_chat_template`, given `continue_final_message` with the generation
/// prompt on.
const CONTINUE_WITH_GENERATION_PROMPT: &str = "continue_final_message and add_generation_prompt are not compatible. \
     Use continue_final_message when you want the model to continue the final message, and add_generation_prompt \
     when you want to add a header that will prompt it to start a new assistant message instead.";

/// Answers a chat completion request (also for `/invocations`).
pub fn serve(
    state: &AppState,
    headers: &HeaderMap,
    request: ChatCompletionRequest,
) -> Result<Served<Response>, ApiError> {
    let generated = generate(state, &request)?;
    let outcome = generated.outcome("chat completion");
    let usage = Usage::new(generated.prompt_tokens, generated.completion_tokens());
    let frame = Frame {
        id: super::request_id("chatcmpl", headers, request.request_id.as_deref()),
        created: unix_now(),
        model: state.models.served_name().to_owned(),
        system_fingerprint: state.system_fingerprint.clone(),
        role: generated.role,
        top_logprobs: generated.top_logprobs,
    };
    if request.stream.unwrap_or(false) {
        let (include_usage, continuous) = StreamOptions::usage(request.stream_options.as_ref());
        let events = frame.events(&generated.replies, generated.prompt_tokens, continuous, include_usage);
        return Ok(outcome.serve(events.finish()));
    }
    let choices = generated
        .replies
        .iter()
        .enumerate()
        .map(|(index, reply)| frame.choice(index, reply))
        .collect();
    let response = ChatCompletionResponse {
        prompt_logprobs: generated.prompt_logprobs,
        ..frame.response(choices, usage)
    };
    Ok(outcome.serve(Json(response).into_response()))
}

/// One conversation's replies, before they are answered whole or streamed.
pub(super) struct Generated {
    /// The model the request named, resolved.
    requested: String,
    messages: usize,
    /// The replies' role.
    pub role: String,
    /// The rendered conversation the replies answer.
    pub prompt: String,
    pub prompt_tokens: usize,
    pub replies: Vec<Reply>,
    /// `top_logprobs` alternatives per token, when `logprobs` is on.
    pub top_logprobs: Option<usize>,
    /// The prompt's, when asked for (`prompt_logprobs`, or `echo`).
    pub prompt_logprobs: Option<PromptLogprobs>,
}

/// The replies to `request`, refused as vLLM refuses it: model, tools, the chat template's
/// flags, media, sampling, lengths.
pub(super) fn generate(state: &AppState, request: &ChatCompletionRequest) -> Result<Generated, ApiError> {
    let requested = state.models.resolve_listing_names(request.model.as_deref())?;
    let sampling = request.sampling();
    if let Some(choice) = request.tool_choice() {
        return Err(ApiError::bad_request(choice.without_parser(), None));
    }
    // transformers' chat template refuses both; the generation prompt is on by default.
    if request.continue_final_message == Some(true) && request.add_generation_prompt != Some(false) {
        return Err(ApiError::bad_request(CONTINUE_WITH_GENERATION_PROMPT, None));
    }
    let messages = request.messages.as_deref().unwrap_or_default();
    // vLLM answers as the last message's role when it adds no generation prompt.
    let role = match request.add_generation_prompt {
        Some(false) => messages.last().map_or("assistant", |m| m.role.as_str()).to_owned(),
        _ => "assistant".to_owned(),
    };
    if messages.is_empty() {
        return Err(ApiError::bad_request(super::embeddings::EMPTY_CONVERSATION, None));
    }
    // The mock serves a text model: vLLM's renderer refuses images, audio and video for it.
    super::embeddings::refuse_parts(state, messages.iter())?;
    // The conversation as the model's chat template renders it (the mock's rendering, which
    // the oracle's models' templates share), the generation prompt on unless turned off.
    let prompt = render_conversation(messages, request.add_generation_prompt != Some(false));
    let special_tokens = request.add_special_tokens == Some(true);
    let prompt_tokens = state.tokenizer.count(&prompt, special_tokens);
    let (param, max_tokens) = match request.max_completion_tokens {
        Some(n) => ("max_completion_tokens", Some(n)),
        None => ("max_tokens", request.max_tokens),
    };
    sampling.check(state.config.vocab_size())?;
    let max_tokens = super::max_tokens(max_tokens)?;
    let max_model_len = state.config.max_model_len as usize;
    check_length(prompt_tokens, max_tokens.unwrap_or(0), max_model_len, param)?;
    let limits = super::completions::limits(
        max_tokens,
        request.min_tokens,
        request.ignore_eos,
        max_model_len - prompt_tokens,
    )?;
    let n = super::completions::choices(request.n)?;
    // vLLM's `to_sampling_params`: an echo asks for them with `top_logprobs` alternatives.
    let prompt_alternatives = sampling
        .prompt_logprobs
        .or_else(|| (request.echo == Some(true)).then(|| request.top_logprobs.unwrap_or(0)));
    let prompt_logprobs = prompt_alternatives.map(|k| {
        let tokens = state.tokenizer.tokenize(&prompt, special_tokens);
        generation::prompt_logprobs(&tokens, usize::try_from(k).unwrap_or(0), &state.tokenizer)
    });
    Ok(Generated {
        requested,
        messages: messages.len(),
        role,
        prompt_tokens,
        replies: (0..n).map(|i| generation::reply(&prompt, i, limits)).collect(),
        prompt,
        top_logprobs: sampling.logprobs.map(|k| usize::try_from(k).unwrap_or(usize::MAX)),
        prompt_logprobs,
    })
}

impl Generated {
    pub fn completion_tokens(&self) -> usize {
        self.replies.iter().map(Reply::tokens).sum()
    }

    /// What the journal says of one answer of `generated`, every conversation's replies in it,
    /// named as the route names its answer (`chat completion`, `message`, `response`).
    pub fn outcome_of(generated: &[Generated], answer: &str) -> Outcome {
        let prompt_tokens = generated.iter().map(|g| g.prompt_tokens).sum();
        let completion_tokens = generated.iter().map(Generated::completion_tokens).sum();
        let requested = generated.first().map_or("", |g| g.requested.as_str());
        Outcome::ai(
            requested,
            generated.iter().map(|g| g.messages).sum(),
            format!("{answer} with {completion_tokens} tokens"),
        )
        .with_work(Work {
            prompt_tokens,
            completion_tokens,
            finish_reason: super::completions::finish_reason(generated.iter().flat_map(|g| &g.replies)),
        })
    }

    pub fn outcome(&self, answer: &str) -> Outcome {
        Generated::outcome_of(std::slice::from_ref(self), answer)
    }
}

/// What every chunk of one answer shares.
pub(super) struct Frame {
    pub id: String,
    pub created: u64,
    pub model: String,
    pub system_fingerprint: Option<String>,
    /// The replies' role.
    pub role: String,
    /// How many alternatives each token's logprobs list, when the client asked for them.
    pub top_logprobs: Option<usize>,
}

impl Frame {
    /// One choice of a whole answer.
    pub fn choice(&self, index: usize, reply: &Reply) -> ChatChoice {
        ChatChoice {
            index,
            message: AssistantMessage::reply(&self.role, reply.text()),
            logprobs: self.top_logprobs.map(|k| ChatLogprobs::new(reply.logprobs(k), k)),
            finish_reason: Some(reply.finish_reason.to_owned()),
            stop_reason: None,
            token_ids: None,
            routed_experts: None,
            weight_versions: None,
        }
    }

    /// The whole answer, with every null key vLLM 0.33.0's carries.
    pub fn response(self, choices: Vec<ChatChoice>, usage: Usage) -> ChatCompletionResponse {
        ChatCompletionResponse {
            id: self.id,
            object: "chat.completion".to_owned(),
            created: self.created,
            model: self.model,
            choices,
            service_tier: None,
            system_fingerprint: self.system_fingerprint,
            usage,
            prompt_logprobs: None,
            prompt_token_ids: None,
            prompt_text: None,
            kv_transfer_params: None,
            ec_transfer_params: None,
            metrics: None,
        }
    }
}

/// The kinds of chunk in vLLM's chat stream, each with its own null keys.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ChunkKind {
    Role,
    Token,
    Finish,
}

impl Frame {
    /// vLLM's chunk sequence: a role chunk per choice (sent with the first token), then a chunk
    /// per token, the choices taking turns (the last of each with its finish reason), then the
    /// usage with no choices when the client asked for it (`include_usage`); the fingerprint
    /// goes with the usage, or with each finish when there is none. With
    /// `continuous_usage_stats` every chunk also carries the usage so far of its choice.
    fn events(&self, replies: &[Reply], prompt_tokens: usize, continuous: bool, include_usage: bool) -> Events {
        let chunk = |index: usize,
                     delta: Delta,
                     kind: ChunkKind,
                     finish_reason: Option<&str>,
                     tokens_so_far: usize,
                     logprobs: Option<ChatLogprobs>| {
            let finish = kind == ChunkKind::Finish;
            ChatCompletionChunk {
                id: self.id.clone(),
                object: "chat.completion.chunk".to_owned(),
                created: self.created,
                model: self.model.clone(),
                choices: vec![ChatChunkChoice {
                    index,
                    delta,
                    logprobs,
                    finish_reason: finish_reason.map(str::to_owned),
                    stop_reason: Null::when(finish),
                    token_ids: Null::when(kind != ChunkKind::Role),
                    weight_versions: Null::when(finish),
                }],
                usage: continuous.then(|| ChunkUsage::so_far(prompt_tokens, tokens_so_far)),
                system_fingerprint: self.system_fingerprint.clone().filter(|_| finish && !include_usage),
                prompt_token_ids: Null::when(kind == ChunkKind::Role),
                prompt_text: Null::when(kind == ChunkKind::Role),
                kv_transfer_params: Null::when(kind != ChunkKind::Role),
            }
        };
        let completion_tokens: usize = replies.iter().map(Reply::tokens).sum();
        let mut events = Events::with_capacity(replies.len() + completion_tokens + usize::from(include_usage));
        for index in 0..replies.len() {
            let role = Delta {
                role: Some(self.role.clone()),
                content: Some(String::new()),
            };
            events.push(FrameKind::Lead, &chunk(index, role, ChunkKind::Role, None, 0, None));
        }
        let pieces: Vec<Vec<String>> = replies.iter().map(|r| r.pieces().collect()).collect();
        // Each token's logprobs, when asked for, beside its piece.
        let logprobs: Vec<Vec<Option<ChatLogprobs>>> = replies
            .iter()
            .map(|r| match self.top_logprobs {
                Some(k) => r
                    .logprobs(k)
                    .into_iter()
                    .map(|t| Some(ChatLogprobs::new([t], k)))
                    .collect(),
                None => vec![None; r.tokens()],
            })
            .collect();
        let mut tokens: Vec<_> = pieces
            .into_iter()
            .zip(logprobs)
            .map(|(p, l)| p.into_iter().zip(l))
            .collect();
        let longest = replies.iter().map(Reply::tokens).max().unwrap_or(0);
        for step in 0..longest {
            for (index, reply) in replies.iter().enumerate() {
                let Some((piece, token_logprobs)) = tokens[index].next() else {
                    continue;
                };
                let delta = Delta {
                    role: None,
                    content: Some(piece),
                };
                let (kind, finish_reason) = if step + 1 == reply.tokens() {
                    (ChunkKind::Finish, Some(reply.finish_reason))
                } else {
                    (ChunkKind::Token, None)
                };
                let token = chunk(index, delta, kind, finish_reason, step + 1, token_logprobs);
                events.push(FrameKind::Token, &token);
            }
        }
        if include_usage {
            let usage = ChatCompletionChunk {
                id: self.id.clone(),
                object: "chat.completion.chunk".to_owned(),
                created: self.created,
                model: self.model.clone(),
                choices: vec![],
                usage: Some(ChunkUsage::total(prompt_tokens, completion_tokens)),
                system_fingerprint: self.system_fingerprint.clone(),
                prompt_token_ids: Null::Unset,
                prompt_text: Null::Unset,
                kv_transfer_params: Null::Unset,
            };
            events.push(FrameKind::Tail, &usage);
        }
        events
    }
}
