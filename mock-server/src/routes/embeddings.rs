//! `POST /v1/embeddings`.

use std::borrow::Cow;

use axum::Json;
use axum::body::Body;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;

use super::pooled::{self, Answer, Pooled};
use super::prompts::Tokenized;
use crate::embedding::{MAX_VALUES_PER_REQUEST, embed};
use crate::openai::embeddings::{
    Conversations, EmbeddingData, EmbeddingInput, EmbeddingRequest, EmbeddingResponse, EmbeddingValue, Encoding,
    EncodingFormat, render_conversation,
};
use crate::openai::messages::{ChatMessage, PartRefusal};
use crate::openai::usage::Usage;
use crate::openai::validation::python_str;
use crate::openai::{ApiError, Counting, unix_now};
use crate::outcome::{Outcome, Served, Work};
use crate::state::AppState;

/// Answers an embeddings request (also for `/invocations`).
pub fn serve(state: &AppState, headers: &HeaderMap, request: EmbeddingRequest) -> Result<Served<Response>, ApiError> {
    let embedded = embedded(state, &request)?;
    let answer = Answer {
        id: super::request_id("embd", headers, None),
        created: unix_now(),
        model: state.models.served_name().to_owned(),
        prompt_tokens: embedded.prompt_tokens(),
    };
    let (outcome, vectors) = embedded.into_outcome();
    Ok(outcome.serve(answer.embeddings(vectors, request.encoding())))
}

/// An embeddings request's vectors before they are encoded: what `/v1/embeddings` answers, and
/// Cohere's `/v2/embed`, which vLLM serves through an embeddings request of its own making.
pub(super) struct Embedded<'a> {
    /// The model the request named, resolved.
    requested: String,
    prompts: Vec<Tokenized<'a>>,
    vectors: Vec<Vec<f64>>,
    dimensions: usize,
}

/// The vectors `request` asks for, refused as vLLM refuses it: model, prompts, dimensions.
pub(super) fn embedded<'a>(state: &AppState, request: &'a EmbeddingRequest) -> Result<Embedded<'a>, ApiError> {
    let requested = state.models.resolve(request.model.as_deref())?;
    let (texts, counting) = texts(request, state)?;
    let prompts = super::prompts::tokenized(texts, counting, request.tokenize_params(), state)?;
    let dimensions = dimensions(request.dimensions, state)?;
    let normalize = request.use_activation.unwrap_or(state.config.normalize);
    check_size(prompts.len(), dimensions)?;
    Ok(Embedded {
        requested,
        vectors: prompts.iter().map(|p| embed(&p.text, dimensions, normalize)).collect(),
        prompts,
        dimensions,
    })
}

impl Embedded<'_> {
    /// Each prompt's tokens, in order.
    pub fn tokens(&self) -> impl Iterator<Item = usize> {
        self.prompts.iter().map(|p| p.tokens)
    }

    pub fn prompt_tokens(&self) -> usize {
        self.tokens().sum()
    }

    /// What the journal says of it, and the vectors.
    pub fn into_outcome(self) -> (Outcome, Vec<Vec<f64>>) {
        let dimensions = self.dimensions;
        // Written piece by piece, as `format!` would write it: its machinery costs a request
        // more than the line's few bytes (`bench/load.py --instructions`).
        let mut summary = String::with_capacity(40);
        match self.vectors.len() {
            1 => summary.push_str("embedding with "),
            n => {
                push_decimal(&mut summary, n);
                summary.push_str(" embeddings with ");
            }
        }
        push_decimal(&mut summary, dimensions);
        summary.push_str(" dims");
        let work = Work {
            prompt_tokens: self.prompt_tokens(),
            completion_tokens: 0,
            finish_reason: "stop",
        };
        let outcome = Outcome::ai(self.requested, self.vectors.len(), summary).with_work(work);
        (outcome, self.vectors)
    }
}

/// `n` in decimal, as `Display` writes it.
fn push_decimal(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    loop {
        start -= 1;
        digits[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &digit in &digits[start..] {
        out.push(char::from(digit));
    }
}

impl Answer {
    /// vLLM's embeddings answer in the requested encoding: JSON numbers, base64 strings, or
    /// the raw bytes with their layout in a `metadata` header.
    fn embeddings(self, vectors: Vec<Vec<f64>>, encoding: Encoding) -> Response {
        let embedding = |values: Vec<f64>| match encoding.format {
            EncodingFormat::Float => EmbeddingValue::Float(values),
            _ => EmbeddingValue::Base64(pooled::base64(&values, encoding)),
        };
        match encoding.format {
            EncodingFormat::Bytes | EncodingFormat::BytesOnly => {
                let items: Vec<Pooled> = vectors.into_iter().map(Pooled::vector).collect();
                self.bytes(&items, encoding)
            }
            EncodingFormat::Float | EncodingFormat::Base64 => {
                let values: usize = vectors.iter().map(Vec::len).sum();
                let response = EmbeddingResponse {
                    data: vectors
                        .into_iter()
                        .enumerate()
                        .map(|(index, values)| EmbeddingData {
                            index,
                            object: "embedding".to_owned(),
                            embedding: embedding(values),
                        })
                        .collect(),
                    id: self.id,
                    object: "list".to_owned(),
                    created: self.created,
                    model: self.model,
                    usage: Usage::new(self.prompt_tokens, 0),
                };
                // A float is at most 24 characters of JSON, 6 of base64 (float32); the
                // frame, the id and the model about 400.
                let per_value = if encoding.format == EncodingFormat::Float {
                    24
                } else {
                    6
                };
                json(&response, 512 + response.model.len() + values * per_value)
            }
        }
    }
}

/// What `Json(value).into_response()` answers, written into a buffer of about the answer's
/// size: axum's starts at 128 bytes and grows, copying, twice for the workshop's answer. The
/// response is made with its one header, where axum's `(headers, Bytes)` puts
/// `application/octet-stream` in the map and then replaces it (a header put, hashed, twice).
fn json<T: serde::Serialize>(value: &T, capacity: usize) -> Response {
    use bytes::{BufMut, BytesMut};
    let mut buf = BytesMut::with_capacity(capacity).writer();
    match serde_json::to_writer(&mut buf, value) {
        Ok(()) => {
            let mut response = Response::new(Body::from(buf.into_inner().freeze()));
            response.headers_mut().insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            response
        }
        // axum's own answer to a value that does not serialize.
        Err(_) => Json(value).into_response(),
    }
}

/// What gets embedded: the prompts of `input`, or the rendered conversations of `input` or
/// `messages` (vLLM's chat-style embeddings request).
/// The prompts to embed and how they are counted.
fn texts<'a>(request: &'a EmbeddingRequest, state: &AppState) -> Result<(Vec<Cow<'a, str>>, Counting), ApiError> {
    let generation_prompt = request.add_generation_prompt;
    // A rendered conversation carries its template's special tokens.
    let rendered = Counting::Text {
        add_special_tokens: request.add_special_tokens.unwrap_or(false),
    };
    let render = |conversations: &[Vec<ChatMessage>]| -> Result<(Vec<Cow<'_, str>>, Counting), ApiError> {
        if request.chat_template.is_some() {
            return Err(ApiError::bad_request(UNTRUSTED_CHAT_TEMPLATE, None));
        }
        // vLLM reads the conversation's media first: the mock serves a text model, which
        // vLLM's renderer refuses them for.
        refuse_parts(state, conversations.iter().flatten())?;
        // It looks for the model's template before it reads the conversation's text.
        require_chat_template(state)?;
        if conversations.is_empty() {
            return Err(ApiError::bad_request(crate::openai::NO_PROMPT, None));
        }
        if conversations.iter().any(Vec::is_empty) {
            return Err(ApiError::bad_request(EMPTY_CONVERSATION, None));
        }
        let texts = conversations
            .iter()
            .map(|c| Cow::Owned(render_conversation(c, generation_prompt)))
            .collect();
        Ok((texts, rendered))
    };
    // With both, vLLM reads the request as a chat one: `messages` wins.
    match (&request.input, &request.messages) {
        (_, Some(Conversations::One(messages))) => render(std::slice::from_ref(messages)),
        (_, Some(Conversations::Batch(batch))) => render(batch),
        (Some(EmbeddingInput::Prompt(prompt)), _) if let Some(refusal) = prompt.refused_as_empty() => {
            Err(ApiError::bad_request(refusal, None))
        }
        (Some(EmbeddingInput::Prompt(prompt)), _) => {
            super::prompts::check_token_ids(prompt, state)?;
            Ok((
                prompt.texts(),
                prompt.counting(request.add_special_tokens.unwrap_or(true)),
            ))
        }
        (Some(EmbeddingInput::Conversation(messages)), _) => render(std::slice::from_ref(messages)),
        (Some(EmbeddingInput::Conversations(batch)), _) => render(batch),
        // RequestBody::check has already refused a body with neither.
        (None, None) => Ok((vec![], rendered)),
    }
}

/// vLLM's renderer, given images, audio or video for a text model.
pub(super) fn not_multimodal(state: &AppState) -> ApiError {
    ApiError::bad_request(
        format!("{} is not a multimodal model", state.models.served_name()),
        None,
    )
}

/// The supported part types vLLM's refusal of an unknown one lists.
const SUPPORTED_PARTS: &str = "audio_embeds, audio_url, image_embeds, image_pil, image_url, input_audio, input_image, \
     input_text, output_text, prompt_embeds, refusal, text, thinking, tool_reference, video_embeds, video_url";

/// vLLM's refusal of the conversation's first part a text model cannot take.
pub(super) fn refuse_parts<'a>(
    state: &AppState,
    mut messages: impl Iterator<Item = &'a ChatMessage>,
) -> Result<(), ApiError> {
    match messages.find_map(ChatMessage::part_refusal) {
        None => Ok(()),
        Some(PartRefusal::NotMultimodal) => Err(not_multimodal(state)),
        Some(PartRefusal::Unsupported(kind)) => Err(ApiError::bad_request(
            format!(
                "Unsupported chat content part type: {}. Supported types: {SUPPORTED_PARTS}. (parameter=type, value={kind})",
                python_str(&kind)
            ),
            "type",
        )),
        Some(PartRefusal::MissingType) => Err(ApiError::bad_request(
            "Missing 'type' field in multimodal part. (parameter=type)",
            "type",
        )),
    }
}

/// vLLM's refusal of a request's own `chat_template` without `--trust-request-chat-template`,
/// which the mock does not take.
const UNTRUSTED_CHAT_TEMPLATE: &str = "Chat template is passed with request, but --trust-request-chat-template is not set. \
     Refused request with untrusted chat template.";

/// vLLM's renderer, given a conversation of no messages.
pub(super) const EMPTY_CONVERSATION: &str =
    "Cannot apply chat template to an empty conversation. Provide at least one message.";

/// vLLM's refusal of a chat-style request to a model without a chat template
/// (transformers' `apply_chat_template` error, passed on as a 400).
pub(super) fn require_chat_template(state: &AppState) -> Result<(), ApiError> {
    if state.config.model_profile.has_chat_template() {
        return Ok(());
    }
    Err(ApiError::bad_request(
        "As of transformers v4.44, default chat template is no longer allowed, so you must provide a chat template if the tokenizer does not define one.",
        None,
    ))
}

/// The dimensions of the answer's vectors, as vLLM's `PoolingParams` checks a request's.
pub(super) fn dimensions(requested: Option<i64>, state: &AppState) -> Result<usize, ApiError> {
    let max = state.config.max_dimensions;
    let model = || python_str(state.models.served_name());
    match requested {
        None => Ok(state.config.embedding_dimensions),
        Some(n) if !state.config.model_profile.is_matryoshka() => Err(ApiError::bad_request(
            format!(
                "Model {} does not support Matryoshka embeddings; dimensions must be unset (received dimensions={n}).",
                model()
            ),
            None,
        )),
        Some(n) if n >= 1 && usize::try_from(n).is_ok_and(|n| n <= max) => Ok(n as usize),
        Some(n) => Err(ApiError::bad_request(
            format!(
                "Model {} only supports dimensions in range [1, {max}], got {n}.",
                model()
            ),
            None,
        )),
    }
}

/// The mock's own bound on one answer's size, so a request cannot make it allocate without end.
pub(super) fn check_size(inputs: usize, dimensions: usize) -> Result<(), ApiError> {
    let values = inputs.saturating_mul(dimensions);
    if values > MAX_VALUES_PER_REQUEST {
        return Err(ApiError::bad_request(
            format!(
                "The request asks for {values} values ({inputs} inputs x {dimensions} dimensions); the limit is {MAX_VALUES_PER_REQUEST}."
            ),
            "input",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn decimals_read_as_display_writes_them() {
        for n in [0, 1, 9, 10, 768, 4096, 1_000_000, usize::MAX] {
            let mut out = String::from("x");
            super::push_decimal(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
    }
}
