//! `POST /v1/responses`, `GET /v1/responses/{id}` and `POST /v1/responses/{id}/cancel`:
//! OpenAI's Responses API, served as vLLM 0.33.0 serves it without a response store (its
//! default, `VLLM_ENABLE_RESPONSES_API_STORE` unset). vLLM renders the input as a chat
//! conversation and generates as chat does; so does the mock, through the same chat path, and
//! answers with the response object, or its stream of named events.

use axum::Json;
use axum::extract::Path;
use axum::response::{IntoResponse, Response};
use http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use super::chat::generate;
use super::prompts::check_length;
use super::sse::Events;
use crate::generation::Reply;
use crate::openai::chat::ChatCompletionRequest;
use crate::openai::responses::{
    IncompleteDetails, InputItem, ItemContent, Logprob, OutputMessage, OutputText, RawMessage, ResponseUsage,
    ResponsesInput, ResponsesRequest, ResponsesResponse, ServiceTier, Status, StreamEvent, TopLogprob, Truncation,
};
use crate::openai::{ApiError, parse_body, random_uuid, unix_now};
use crate::outcome::{FrameKind, Served};
use crate::state::AppState;

/// The request fields vLLM's `to_sampling_params` reads beyond the typed ones, handed to the
/// chat path's checks as they came. Other unknown fields are only logged, as vLLM does.
const SAMPLING: &[&str] = &[
    "top_k",
    "min_p",
    "repetition_penalty",
    "seed",
    "stop",
    "stop_token_ids",
    "ignore_eos",
    "logit_bias",
    "skip_special_tokens",
    "spaces_between_special_tokens",
    "include_stop_str_in_output",
];

pub fn create(state: &AppState, _: &HeaderMap, request: ResponsesRequest) -> Result<Served<Response>, ApiError> {
    // `_check_model`, then `_validate_create_responses_input`.
    state.models.resolve_listing_names(request.model.as_deref())?;
    if request.background == Some(true) && request.store != Some(false) {
        return Err(ApiError::invalid_request(
            StatusCode::BAD_REQUEST,
            "This vLLM engine does not support `store=True` and therefore does not support the background mode. \
             To enable these features, set the environment variable `VLLM_ENABLE_RESPONSES_API_STORE=1` when \
             launching the vLLM server.",
            "background",
        ));
    }
    if request.previous_input_messages.as_ref().is_some_and(|m| !m.is_empty()) && request.previous_response_id.is_some()
    {
        return Err(ApiError::invalid_request(
            StatusCode::BAD_REQUEST,
            "Only one of `previous_input_messages` and `previous_response_id` can be set.",
            "previous_response_id",
        ));
    }
    // Nothing is stored, so no earlier response is found.
    if let Some(id) = &request.previous_response_id {
        return Err(not_found(id));
    }
    let max_model_len = state.config.max_model_len as usize;
    if let Some(n) = request.max_output_tokens {
        check_length(0, usize::try_from(n).unwrap_or(0), max_model_len, "max_output_tokens")?;
    }
    let chat = parse_body::<ChatCompletionRequest>(&serde_json::to_vec(&chat_request(&request)).unwrap_or_default())?;
    let generated = generate(state, &chat)?;
    let outcome = generated.outcome("response");
    let Some(reply) = generated.replies.first() else {
        return Err(ApiError::bad_request(crate::openai::NO_PROMPT, None));
    };
    let room = max_model_len.saturating_sub(generated.prompt_tokens);
    let max_output_tokens = request
        .max_output_tokens
        .map_or(room, |n| usize::try_from(n).unwrap_or(0).min(room));
    let top_logprobs = request
        .includes_logprobs()
        .then(|| usize::try_from(request.top_logprobs.unwrap_or(0)).unwrap_or(0));
    // The raw prompt and reply, when asked for.
    let messages = (request.enable_response_messages == Some(true)).then(|| {
        let text = reply.text();
        (
            RawMessage::new(
                generated.prompt.clone(),
                state.tokenizer.token_ids(&generated.prompt, true),
            ),
            RawMessage::new(text.clone(), state.tokenizer.token_ids(&text, false)),
        )
    });
    let answer = Answer {
        request: &request,
        messages,
        id: request
            .request_id
            .clone()
            .unwrap_or_else(|| format!("resp_{}", random_uuid())),
        created_at: unix_now(),
        model: state.models.served_name().to_owned(),
        message_id: format!("msg_{}", random_uuid()),
        max_output_tokens,
        top_logprobs,
        reply,
        prompt_tokens: generated.prompt_tokens,
    };
    if request.stream == Some(true) {
        return Ok(outcome.serve(answer.events().finish_without_done()));
    }
    Ok(outcome.serve(Json(answer.response(Status::final_of(reply))).into_response()))
}

/// `GET /v1/responses/{response_id}`: nothing is stored, so nothing is found.
pub async fn retrieve(Path(response_id): Path<String>) -> Result<Served<Response>, ApiError> {
    Err(not_found(&response_id))
}

/// `POST /v1/responses/{response_id}/cancel`: as [`retrieve`].
pub async fn cancel(Path(response_id): Path<String>) -> Result<Served<Response>, ApiError> {
    Err(not_found(&response_id))
}

fn not_found(response_id: &str) -> ApiError {
    ApiError::invalid_request(
        StatusCode::NOT_FOUND,
        format!("Response with id '{response_id}' not found."),
        "response_id",
    )
}

/// The chat completion request the mock's chat path answers for `request`: the conversation
/// vLLM renders (the instructions as a system message first) and the sampling fields.
fn chat_request(request: &ResponsesRequest) -> Value {
    let mut messages = Vec::new();
    if let Some(instructions) = &request.instructions {
        messages.push(json!({"role": "system", "content": instructions}));
    }
    match &request.input {
        ResponsesInput::Text(text) => messages.push(json!({"role": "user", "content": text})),
        ResponsesInput::Items(items) => messages.extend(items.iter().filter_map(chat_message)),
    }
    // vLLM's Responses path renders the conversation with the tokenizer's special tokens.
    let mut chat = json!({
        "messages": messages,
        "add_special_tokens": true,
        "max_tokens": request.max_output_tokens,
        "temperature": request.temperature,
        "top_p": request.top_p,
        "presence_penalty": request.presence_penalty,
        "frequency_penalty": request.frequency_penalty,
    });
    if let Some(top_logprobs) = request.includes_logprobs().then_some(request.top_logprobs.unwrap_or(0)) {
        chat["logprobs"] = json!(true);
        chat["top_logprobs"] = json!(top_logprobs);
    }
    for key in SAMPLING {
        if let Some(value) = request.sampling.get(*key) {
            chat[*key] = value.clone();
        }
    }
    chat
}

/// One input item as the chat message it renders to. A tool call and a tool's output count as
/// their text: the mock's prompt is only counted, never read.
fn chat_message(item: &InputItem) -> Option<Value> {
    match item.kind.as_deref() {
        None | Some("message") => {
            let role = item.role.as_deref().unwrap_or("user");
            let content = match item.content.as_ref()? {
                ItemContent::Text(text) => json!(text),
                ItemContent::Parts(parts) => parts
                    .iter()
                    .map(|part| match (part.kind.as_str(), &part.image_url) {
                        // An image goes on as chat's image part, which the text model refuses.
                        ("input_image", Some(url)) => json!({"type": "image_url", "image_url": {"url": url}}),
                        _ => json!({"type": "text", "text": part.text.as_deref().unwrap_or_default()}),
                    })
                    .collect(),
            };
            Some(json!({"role": role, "content": content}))
        }
        Some("function_call") => Some(json!({"role": "assistant", "content": item.arguments})),
        Some("function_call_output") => {
            let output = match &item.output {
                Some(Value::String(text)) => text.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            Some(json!({"role": "user", "content": output}))
        }
        Some(_) => None,
    }
}

impl Status {
    /// A reply cut at its token limit is incomplete.
    fn final_of(reply: &Reply) -> Status {
        if reply.finish_reason == "length" {
            Status::Incomplete
        } else {
            Status::Completed
        }
    }
}

/// One answer's parts, shared by the whole response and its stream.
struct Answer<'a> {
    request: &'a ResponsesRequest,
    /// The raw prompt and reply (`enable_response_messages`).
    messages: Option<(RawMessage, RawMessage)>,
    /// The request's `request_id`, or vLLM's `resp_` one.
    id: String,
    created_at: u64,
    model: String,
    message_id: String,
    max_output_tokens: usize,
    top_logprobs: Option<usize>,
    reply: &'a Reply,
    prompt_tokens: usize,
}

impl Answer<'_> {
    /// The response object at `status`: empty while in progress, whole when done.
    fn response(&self, status: Status) -> ResponsesResponse {
        let request = self.request;
        let done = status != Status::InProgress;
        ResponsesResponse {
            id: self.id.clone(),
            created_at: self.created_at,
            incomplete_details: (status == Status::Incomplete).then_some(IncompleteDetails {
                reason: "max_output_tokens",
            }),
            instructions: request.instructions.clone(),
            metadata: request.metadata.clone(),
            model: self.model.clone(),
            object: "response",
            output: if done { vec![self.message(status, true)] } else { vec![] },
            parallel_tool_calls: request.parallel_tool_calls.unwrap_or(true),
            temperature: request.temperature.unwrap_or(1.0),
            tool_choice: request.tool_choice(),
            tools: request.tools.clone(),
            top_p: request.top_p.unwrap_or(1.0),
            background: request.background.unwrap_or(false),
            max_output_tokens: self.max_output_tokens,
            max_tool_calls: request.max_tool_calls,
            previous_response_id: None,
            prompt: None,
            prompt_cache_options: request.prompt_cache_options.clone(),
            prompt_cache_key: request.prompt_cache_key.clone(),
            prompt_cache_retention: request.prompt_cache_retention(),
            reasoning: request.reasoning.clone(),
            safety_identifier: request.safety_identifier.clone(),
            service_tier: request.service_tier.unwrap_or(ServiceTier::Auto),
            status,
            text: request.text.clone(),
            top_logprobs: self.top_logprobs,
            truncation: request.truncation.unwrap_or(Truncation::Disabled),
            usage: done.then(|| ResponseUsage::new(self.prompt_tokens, self.reply.tokens())),
            user: request.user.clone(),
            presence_penalty: request.presence_penalty.unwrap_or(0.0),
            frequency_penalty: request.frequency_penalty.unwrap_or(0.0),
            kv_transfer_params: None,
            ec_transfer_params: None,
            input_messages: self
                .messages
                .as_ref()
                .filter(|_| done)
                .map(|(input, _)| [input.clone()]),
            output_messages: self
                .messages
                .as_ref()
                .filter(|_| done)
                .map(|(_, output)| [output.clone()]),
        }
    }

    /// The assistant's message: empty while in progress, with its text when done.
    fn message(&self, status: Status, with_text: bool) -> OutputMessage {
        OutputMessage {
            id: self.message_id.clone(),
            content: if with_text { vec![self.text_part()] } else { vec![] },
            role: "assistant",
            status,
            kind: "message",
            phase: None,
        }
    }

    fn text_part(&self) -> OutputText {
        OutputText {
            annotations: [],
            text: self.reply.text(),
            kind: "output_text",
            logprobs: self.top_logprobs.map(|_| self.logprobs(true)),
        }
    }

    /// The reply's log-probabilities (`top_logprobs` alternatives each), with their bytes in a
    /// whole part.
    fn logprobs(&self, with_bytes: bool) -> Vec<Logprob> {
        let k = self.top_logprobs.unwrap_or(0);
        let bytes = |token: &str| with_bytes.then(|| token.as_bytes().to_vec());
        self.reply
            .logprobs(k)
            .into_iter()
            .map(|t| Logprob {
                token: t.token.to_owned(),
                bytes: bytes(t.token),
                logprob: t.logprob,
                top_logprobs: t
                    .top
                    .iter()
                    .take(k)
                    .map(|(token, logprob)| TopLogprob {
                        token: (*token).to_owned(),
                        bytes: bytes(token),
                        logprob: *logprob,
                    })
                    .collect(),
            })
            .collect()
    }

    /// vLLM's event sequence for one text reply: the response created and in progress, the
    /// message and its text part opened, a delta per token, then each closed and the response
    /// completed (or incomplete, when cut).
    fn events(&self) -> Events {
        let status = Status::final_of(self.reply);
        let mut stream = Sequence {
            events: Events::with_capacity(self.reply.tokens() + 9),
            next: 0,
        };
        let item_id = self.message_id.as_str();
        let started = self.response(Status::InProgress);
        for kind in ["response.created", "response.in_progress"] {
            stream.push(FrameKind::Lead, |sequence_number| StreamEvent::Response {
                response: &started,
                sequence_number,
                kind,
            });
        }
        let opened = self.message(Status::InProgress, false);
        stream.push(FrameKind::Lead, |sequence_number| StreamEvent::Item {
            item: &opened,
            output_index: 0,
            sequence_number,
            kind: "response.output_item.added",
        });
        let empty = OutputText {
            annotations: [],
            text: String::new(),
            kind: "output_text",
            logprobs: Some(vec![]),
        };
        stream.push(FrameKind::Lead, |sequence_number| StreamEvent::Part {
            content_index: 0,
            item_id,
            output_index: 0,
            part: &empty,
            sequence_number,
            kind: "response.content_part.added",
        });
        let mut logprobs = self.top_logprobs.map(|_| self.logprobs(false).into_iter());
        for piece in self.reply.pieces() {
            let token_logprobs = logprobs.as_mut().and_then(Iterator::next).into_iter().collect();
            stream.push(FrameKind::Token, |sequence_number| StreamEvent::TextDelta {
                content_index: 0,
                delta: &piece,
                item_id,
                logprobs: token_logprobs,
                output_index: 0,
                sequence_number,
                kind: "response.output_text.delta",
            });
        }
        let part = self.text_part();
        stream.push(FrameKind::Tail, |sequence_number| StreamEvent::TextDone {
            content_index: 0,
            item_id,
            logprobs: [],
            output_index: 0,
            sequence_number,
            text: &part.text,
            kind: "response.output_text.done",
        });
        stream.push(FrameKind::Tail, |sequence_number| StreamEvent::Part {
            content_index: 0,
            item_id,
            output_index: 0,
            part: &part,
            sequence_number,
            kind: "response.content_part.done",
        });
        let done = self.message(status, true);
        stream.push(FrameKind::Tail, |sequence_number| StreamEvent::Item {
            item: &done,
            output_index: 0,
            sequence_number,
            kind: "response.output_item.done",
        });
        let finished = self.response(status);
        let kind = match status {
            Status::Incomplete => "response.incomplete",
            _ => "response.completed",
        };
        stream.push(FrameKind::Tail, |sequence_number| StreamEvent::Response {
            response: &finished,
            sequence_number,
            kind,
        });
        stream.events
    }
}

/// The stream's events, numbered as they go out.
struct Sequence {
    events: Events,
    next: usize,
}

impl Sequence {
    fn push<'e>(&mut self, kind: FrameKind, event: impl FnOnce(usize) -> StreamEvent<'e>) {
        let event = event(self.next);
        self.events.push_named(kind, event.name(), &event);
        self.next += 1;
    }
}
