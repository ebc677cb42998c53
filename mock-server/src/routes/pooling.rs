//! `POST /pooling`: the pooling model's raw output, a vector per prompt (`embed`) or one per
//! token (`token_embed`).

use std::borrow::Cow;

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::HeaderMap;

use super::embeddings::check_size;
use super::pooled::{self, Answer, Pooled};
use crate::config::PoolerTask;
use crate::embedding::embed;
use crate::openai::Counting;
use crate::openai::embeddings::{EncodingFormat, render_conversation};
use crate::openai::pooling::{PooledValue, PoolingData, PoolingRequest, PoolingResponse, PoolingTask};
use crate::openai::usage::Usage;
use crate::openai::{ApiError, unix_now};
use crate::outcome::{Outcome, Served, Work};
use crate::state::AppState;
use crate::tokenizer;

/// The tasks a pooling model run for embeddings supports, as vLLM prints them.
const SUPPORTED_TASKS: &str = "('embed', 'token_embed')";

/// vLLM's `_verify_pooling_task`: the model's own task unless the request names another; a
/// body with `data` is a plugin's (`IOProcessorRequest`), and no plugin is installed.
fn verify_task(request: &PoolingRequest, model_task: PoolerTask) -> Result<PoolingTask, ApiError> {
    let own = match model_task {
        PoolerTask::Embed => PoolingTask::Embed,
        PoolerTask::TokenEmbed => PoolingTask::TokenEmbed,
    };
    // Checked when the body was parsed: a task outside vLLM's set never gets here.
    let asked = request
        .pooling_task()
        .map_err(|literal| ApiError::validation(vec![*literal]))?;
    let task = if request.is_plugin_data() {
        PoolingTask::Plugin
    } else {
        asked.unwrap_or(own)
    };
    if task != PoolingTask::Plugin && task != own {
        let message = if matches!(task, PoolingTask::Embed | PoolingTask::TokenEmbed) {
            format!("Try switching the model's pooling_task via --pooler-config.task {task}. (parameter=task)")
        } else {
            format!("Unsupported task: '{task}' Supported tasks: {SUPPORTED_TASKS} (parameter=task)")
        };
        return Err(ApiError::bad_request(message, "task"));
    }
    if task == PoolingTask::Plugin {
        return Err(ApiError::bad_request(NO_PLUGIN, "task"));
    }
    Ok(task)
}

const NO_PLUGIN: &str = "No IOProcessor plugin installed. Please refer to the documentation and to the \
    'prithvi_geospatial_mae_io_processor' offline inference example for more details. (parameter=task)";

/// Answers a pooling request (also for `/invocations`).
pub fn serve(state: &AppState, headers: &HeaderMap, request: PoolingRequest) -> Result<Served<Response>, ApiError> {
    let requested = state.models.resolve(request.model.as_deref())?;
    if request.dimensions.is_some() {
        return Err(ApiError::bad_request(
            "dimensions is currently not supported (parameter=dimensions)",
            "dimensions",
        ));
    }
    let task = verify_task(&request, state.config.pooling_task)?;
    let rendered = Counting::Text {
        add_special_tokens: false,
    };
    let (texts, counting): (Vec<Cow<'_, str>>, Counting) = match (&request.input, &request.messages) {
        // With both, vLLM reads the request as a chat one: `messages` wins.
        (_, Some(messages)) => {
            super::embeddings::require_chat_template(state)?;
            let text = render_conversation(messages, request.add_generation_prompt);
            (vec![Cow::Owned(text)], rendered)
        }
        (Some(prompt), None) if let Some(refusal) = prompt.refused_as_empty() => {
            return Err(ApiError::bad_request(refusal, None));
        }
        (Some(prompt), None) => {
            super::prompts::check_token_ids(prompt, state)?;
            (prompt.texts(), prompt.counting(true))
        }
        (None, None) => (vec![], rendered),
    };
    let prompts = super::prompts::tokenized(texts, counting, request.tokenize_params(), state)?;
    let dimensions = state.config.embedding_dimensions;
    let normalize = request.use_activation.unwrap_or(state.config.normalize);
    let per_token = task == PoolingTask::TokenEmbed;
    let values = if per_token {
        prompts.iter().map(|p| p.tokens).sum()
    } else {
        prompts.len()
    };
    check_size(values, dimensions)?;

    let pooled: Vec<Pooled> = prompts
        .iter()
        .map(|prompt| {
            if per_token {
                // A token's vector is its word's embedding: the same word, the same vector.
                let vectors = tokenizer::words(&prompt.text)
                    .map(|word| embed(word, dimensions, normalize))
                    .collect();
                Pooled::per_token(vectors, dimensions)
            } else {
                Pooled::vector(embed(&prompt.text, dimensions, normalize))
            }
        })
        .collect();
    let prompt_tokens = prompts.iter().map(|p| p.tokens).sum();
    let answer = Answer {
        id: super::request_id("pooling", headers, None),
        created: unix_now(),
        model: state.models.served_name().to_owned(),
        prompt_tokens,
    };
    let outcome = Outcome::ai(
        &requested,
        prompts.len(),
        format!("{} pooling with {dimensions} dims", task),
    )
    .with_work(Work {
        prompt_tokens,
        completion_tokens: 0,
        finish_reason: "stop",
    });
    let encoding = request.encoding();
    let response = match encoding.format {
        EncodingFormat::Bytes | EncodingFormat::BytesOnly => answer.bytes(&pooled, encoding),
        EncodingFormat::Float | EncodingFormat::Base64 => Json(PoolingResponse {
            data: pooled
                .into_iter()
                .enumerate()
                .map(|(index, item)| PoolingData {
                    index,
                    object: "pooling".to_owned(),
                    data: if encoding.format == EncodingFormat::Base64 {
                        PooledValue::Base64(pooled::base64(&item.values, encoding))
                    } else if per_token {
                        PooledValue::PerToken(item.values.chunks(dimensions.max(1)).map(<[f64]>::to_vec).collect())
                    } else {
                        PooledValue::Vector(item.values)
                    },
                })
                .collect(),
            id: answer.id,
            object: "list".to_owned(),
            created: answer.created,
            model: answer.model,
            usage: Usage::new(answer.prompt_tokens, 0),
        })
        .into_response(),
    };
    Ok(outcome.serve(response))
}
