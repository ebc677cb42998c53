//! `POST /v2/embed`: Cohere's embed API, served as vLLM 0.33.0 serves it. vLLM makes an
//! embeddings request of its own (texts as `input`; images and mixed inputs as chat
//! conversations), runs it as `/v1/embeddings` would, and answers the vectors by type with the
//! tokens billed; so does the mock, through the same embeddings path.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;

use super::embeddings;
use crate::openai::ApiError;
use crate::openai::Prompt;
use crate::openai::cohere::{
    CohereContentType, CohereEmbedInput, CohereEmbedRequest, CohereEmbedResponse, CohereEmbeddingType, CohereMeta,
    CohereTruncate, EmbeddingsByType,
};
use crate::openai::embeddings::{
    Conversations, EmbedDType, EmbeddingInput, EmbeddingRequest, Encoding, EncodingFormat, Endianness, TruncationSide,
};
use crate::openai::messages::{ChatMessage, ContentPart, MessageContent};
use crate::openai::validation::python_str;
use crate::outcome::Served;
use crate::state::AppState;

pub fn embed(state: &AppState, headers: &HeaderMap, request: CohereEmbedRequest) -> Result<Served<Response>, ApiError> {
    state.models.resolve(request.model.as_deref())?;
    if let Some(input_type) = &request.input_type {
        // The mock's models define no task instructions (a model's `task_instructions` or
        // sentence-transformers' `prompts`), so vLLM refuses any input type.
        return Err(ApiError::bad_request(
            format!(
                "Unsupported input_type {}. This model does not define any input_type task instructions.",
                python_str(input_type)
            ),
            None,
        ));
    }
    let proxy = embeddings_request(&request);
    check_truncation(&proxy, state)?;
    let embedded = embeddings::embedded(state, &proxy)?;
    if request.truncate == CohereTruncate::None
        && let Some(max) = request.max_tokens
        && let Some(tokens) = embedded.tokens().find(|&n| n as i64 > max)
    {
        return Err(ApiError::bad_request(
            format!(
                "Input of {tokens} tokens exceeds max_tokens={max} with truncate=NONE. Set truncate to END or START to allow truncation."
            ),
            None,
        ));
    }
    let total = embedded.prompt_tokens();
    let image_tokens = if has_images(&request) { total } else { 0 };
    let (outcome, vectors) = embedded.into_outcome();
    let types = match request.embedding_types.as_deref() {
        None | Some([]) => &[CohereEmbeddingType::Float],
        Some(types) => types,
    };
    let response = CohereEmbedResponse {
        id: super::request_id("embd", headers, None),
        embeddings: by_type(vectors, types)?,
        texts: request.texts,
        meta: CohereMeta::billed(total - image_tokens, image_tokens),
        response_type: "embeddings_by_type",
    };
    Ok(outcome.serve(Json(response).into_response()))
}

/// The embeddings request vLLM makes of a Cohere one (`_get_request_factory_cohere_online`):
/// texts as a completion-style `input`, images and mixed inputs as one conversation each.
fn embeddings_request(request: &CohereEmbedRequest) -> EmbeddingRequest {
    let (truncate_prompt_tokens, truncation_side) = match request.truncate {
        CohereTruncate::None => (None, None),
        CohereTruncate::Start => (Some(request.max_tokens.unwrap_or(-1)), Some(TruncationSide::Left)),
        CohereTruncate::End => (Some(request.max_tokens.unwrap_or(-1)), None),
    };
    let proxy = EmbeddingRequest {
        model: request.model.clone(),
        dimensions: request.output_dimension,
        truncate_prompt_tokens,
        truncation_side,
        ..EmbeddingRequest::default()
    };
    let images = request.images.as_ref().map(|urls| {
        urls.iter()
            .map(|_| conversation(vec![part(CohereContentType::ImageUrl, None)]))
            .collect()
    });
    let inputs = request.inputs.as_ref().map(|inputs| inputs.iter().map(mixed).collect());
    match images.or(inputs) {
        Some(batch) => EmbeddingRequest {
            messages: Some(Conversations::Batch(batch)),
            ..proxy
        },
        None => EmbeddingRequest {
            input: Some(EmbeddingInput::Prompt(Prompt::Texts(
                request.texts.clone().unwrap_or_default(),
            ))),
            ..proxy
        },
    }
}

/// What vLLM's own request refuses of the truncation it was given, before the prompts are
/// read: pydantic's bound, as the model's constructor raises it (not a request's error list),
/// then the renderer's, which `/v1/embeddings` words otherwise.
fn check_truncation(proxy: &EmbeddingRequest, state: &AppState) -> Result<(), ApiError> {
    let Some(tokens) = proxy.truncate_prompt_tokens else {
        return Ok(());
    };
    if tokens < -1 {
        let model = if proxy.messages.is_some() {
            "EmbeddingBatchChatRequest"
        } else {
            "EmbeddingCompletionRequest"
        };
        return Err(ApiError::bad_request(
            format!(
                "1 validation error for {model}\ntruncate_prompt_tokens\n  Input should be greater than or equal to -1 \
                 [type=greater_than_equal, input_value={tokens}, input_type=int]\n    \
                 For further information visit https://errors.pydantic.dev/2.14/v/greater_than_equal"
            ),
            None,
        ));
    }
    let max_model_len = state.config.max_model_len;
    if tokens > i64::from(max_model_len) {
        return Err(ApiError::bad_request(
            format!(
                "truncate_prompt_tokens={tokens} cannot be greater than max_model_len = {max_model_len}. \
                 Please request a smaller truncation size. (parameter=truncate_prompt_tokens, value={tokens})"
            ),
            "truncate_prompt_tokens",
        ));
    }
    Ok(())
}

/// One mixed input as a user message of its parts.
fn mixed(input: &CohereEmbedInput) -> Vec<ChatMessage> {
    conversation(input.content.iter().map(|p| part(p.kind, p.text.clone())).collect())
}

fn conversation(parts: Vec<ContentPart>) -> Vec<ChatMessage> {
    vec![ChatMessage {
        role: "user".to_owned(),
        content: Some(MessageContent::Parts(parts)),
    }]
}

fn part(kind: CohereContentType, text: Option<String>) -> ContentPart {
    ContentPart {
        kind: kind.as_str().to_owned(),
        text,
        shape: Default::default(),
    }
}

/// Whether any input is an image: then vLLM bills every token as an image token.
fn has_images(request: &CohereEmbedRequest) -> bool {
    request.images.is_some()
        || request
            .inputs
            .iter()
            .flatten()
            .flat_map(|input| &input.content)
            .any(|part| part.kind == CohereContentType::ImageUrl)
}

/// The vectors in each requested type (`build_typed_embeddings`).
fn by_type(vectors: Vec<Vec<f64>>, types: &[CohereEmbeddingType]) -> Result<EmbeddingsByType, ApiError> {
    // base64 of float32 in little-endian order, as vLLM's struct.pack("<f") writes them.
    let float32 = Encoding {
        format: EncodingFormat::Base64,
        dtype: EmbedDType::Float32,
        endianness: Endianness::Little,
    };
    let mut by_type = EmbeddingsByType::default();
    for kind in types {
        match kind {
            CohereEmbeddingType::Float => {}
            CohereEmbeddingType::Binary => {
                by_type.binary = Some(
                    packed_bits(&vectors)?
                        .into_iter()
                        .map(|bytes| bytes.into_iter().map(|b| i16::from(b) - 128).collect())
                        .collect(),
                );
            }
            CohereEmbeddingType::Ubinary => by_type.ubinary = Some(packed_bits(&vectors)?),
            CohereEmbeddingType::Base64 => {
                by_type.base64 = Some(vectors.iter().map(|v| super::pooled::base64(v, float32)).collect());
            }
        }
    }
    if types.contains(&CohereEmbeddingType::Float) {
        by_type.float = Some(vectors);
    }
    Ok(by_type)
}

/// Each vector as bits, 1 for a value at or above 0, packed eight to a byte, the first value
/// in the highest bit (numpy's `packbits`).
fn packed_bits(vectors: &[Vec<f64>]) -> Result<Vec<Vec<u8>>, ApiError> {
    let dimensions = vectors.first().map_or(0, Vec::len);
    if !dimensions.is_multiple_of(8) {
        return Err(ApiError::bad_request(
            format!("Embedding dimension must be a multiple of 8 for binary embedding types, but got {dimensions}."),
            None,
        ));
    }
    Ok(vectors
        .iter()
        .map(|v| {
            v.chunks(8)
                .map(|byte| byte.iter().fold(0u8, |bits, &x| (bits << 1) | u8::from(x >= 0.0)))
                .collect()
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_are_packed_as_numpy_packs_them() {
        let v = vec![vec![0.5, -0.1, 0.0, -1.0, 1.0, 1.0, -0.2, 0.3]];
        assert_eq!(packed_bits(&v).unwrap(), [[0b1010_1101]]);
        assert!(packed_bits(&[vec![0.1; 10]]).is_err());
    }
}
