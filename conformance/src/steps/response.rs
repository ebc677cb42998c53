//! What the client got back: `Then the client gets ...`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use cucumber::gherkin::Step;
use cucumber::then;
use serde_json::Value;

use super::{EmbeddingList, EmbeddingValue, ErrorResponse, answer, cell_for_target, embedding};
use crate::hop::{Mismatch, returned};
use crate::workshop::{self, expected_vector};
use crate::world::WorkshopWorld;

#[then(expr = "the client gets status {int}")]
fn status(world: &mut WorkshopWorld, expected: u16) -> Result<(), Mismatch> {
    returned(world.last(), "status", expected, world.last().status)
}

#[then(expr = "the client gets status:")]
fn status_per_target(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let expected: u16 = cell_for_target(world, step, "status").parse().expect("a status code");
    returned(world.last(), "status", expected, world.last().status)
}

#[then(regex = r"^the client gets the body (.+)$")]
fn body(world: &mut WorkshopWorld, expected: String) -> Result<(), Mismatch> {
    let expected: Value = serde_json::from_str(&expected).expect("the step's body is JSON");
    returned(world.last(), "body", Some(expected), world.last().json())
}

/// The workshop's answer in any embeddings list: the workshop's vector first, `tokens` counted.
fn workshop_vector(world: &WorkshopWorld, list: &EmbeddingList, tokens: u64) -> Result<(), Mismatch> {
    let exchange = world.last();
    returned(exchange, "object", "list", list.object.as_str())?;
    let item = list.data.first();
    returned(
        exchange,
        "data[0].object",
        Some("embedding"),
        item.map(|i| i.object.as_str()),
    )?;
    returned(exchange, "data[0].index", Some(0), item.map(|i| i.index))?;
    let values = embedding(world, 0)?;
    let published: Vec<f64> = values.iter().take(4).map(|v| (v * 1000.0).trunc() / 1000.0).collect();
    let prefix = workshop::PUBLISHED_PREFIX.to_vec();
    returned(
        exchange,
        "the first values, as the workshop prints them",
        prefix,
        published,
    )?;
    returned(exchange, "the embedding", expected_vector(), values)?;
    returned(exchange, "usage.prompt_tokens", tokens, list.usage.prompt_tokens)
}

/// The workshop's expected response: the above, for `model`, alone in the list.
fn workshop_embedding(world: &WorkshopWorld, model: &str) -> Result<(), Mismatch> {
    let list: EmbeddingList = answer(world, "an embeddings list")?;
    let exchange = world.last();
    returned(exchange, "model", model, list.model.as_str())?;
    returned(exchange, "number of embeddings", 1, list.data.len())?;
    workshop_vector(world, &list, workshop::PROMPT_TOKENS)?;
    returned(
        exchange,
        "usage.total_tokens",
        workshop::PROMPT_TOKENS,
        list.usage.total_tokens,
    )
}

#[then(expr = "the client gets the workshop's embedding for model {string}")]
fn workshop_embedding_for(world: &mut WorkshopWorld, model: String) -> Result<(), Mismatch> {
    workshop_embedding(world, &model)
}

#[then(expr = "the client gets the workshop's embedding for the model the target answers as:")]
fn workshop_embedding_per_target(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let model = cell_for_target(world, step, "model");
    workshop_embedding(world, &model)
}

#[then(expr = "the client gets an embedding list with the workshop's vector and {int} prompt tokens")]
fn same_shape(world: &mut WorkshopWorld, tokens: u64) -> Result<(), Mismatch> {
    let list: EmbeddingList = answer(world, "an embeddings list")?;
    workshop_vector(world, &list, tokens)
}

#[then(expr = "the client gets {int} embeddings indexed in order")]
fn indexed(world: &mut WorkshopWorld, count: u64) -> Result<(), Mismatch> {
    let list: EmbeddingList = answer(world, "an embeddings list")?;
    let indexes: Vec<u64> = list.data.iter().map(|item| item.index).collect();
    returned(world.last(), "data[].index", (0..count).collect::<Vec<_>>(), indexes)
}

#[then(expr = "the usage counts {int} prompt tokens")]
fn usage(world: &mut WorkshopWorld, tokens: u64) -> Result<(), Mismatch> {
    let list: EmbeddingList = answer(world, "an embeddings list")?;
    returned(world.last(), "usage.prompt_tokens", tokens, list.usage.prompt_tokens)
}

#[then(expr = "the last two embeddings are equal")]
fn last_two_equal(world: &mut WorkshopWorld) -> Result<(), Mismatch> {
    let n = world.exchanges.len();
    assert!(n >= 2, "the scenario sent two requests");
    // Each answer must be a 200 with an embedding: two failures are not two equal embeddings.
    let first_of = |exchange: &crate::client::Exchange| {
        let list: Option<EmbeddingList> = serde_json::from_slice(&exchange.body).ok();
        match list.and_then(|l| l.data.into_iter().next()) {
            Some(item) if exchange.status == 200 => Ok(item.embedding),
            _ => Err(Mismatch {
                hop: crate::hop::Hop::UpstreamToClient,
                what: "an embedding to compare".to_owned(),
                expected: "status 200 with data[0].embedding".to_owned(),
                seen: format!("status {}", exchange.status),
                evidence: crate::hop::exchange_evidence(exchange),
            }),
        }
    };
    let before = first_of(&world.exchanges[n - 2])?;
    let last = first_of(&world.exchanges[n - 1])?;
    returned(
        world.last(),
        "the embedding, compared with the one before",
        before,
        last,
    )
}

#[then(expr = "embedding {int} decodes from base64 to the workshop's vector in float32")]
fn base64_vector(world: &mut WorkshopWorld, index: usize) -> Result<(), Mismatch> {
    let list: EmbeddingList = answer(world, "an embeddings list")?;
    let bytes = match list.data.get(index).map(|item| &item.embedding) {
        Some(EmbeddingValue::Base64(text)) => BASE64.decode(text).unwrap_or_default(),
        _ => Vec::new(),
    };
    let values: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let expected: Vec<f32> = expected_vector().iter().map(|&v| v as f32).collect();
    returned(
        world.last(),
        "the base64 embedding as little-endian f32",
        expected,
        values,
    )
}

#[then(expr = "embedding {int} has {int} values starting with the workshop's first {int}")]
fn dimensions(world: &mut WorkshopWorld, index: usize, count: usize, prefix: usize) -> Result<(), Mismatch> {
    let values = embedding(world, index)?;
    returned(world.last(), "number of values", count, values.len())?;
    let expected = expected_vector();
    returned(
        world.last(),
        "the first values",
        &expected[..prefix],
        &values[..prefix.min(values.len())],
    )
}

#[then(expr = "the client gets a vLLM error of type {string}")]
fn vllm_error(world: &mut WorkshopWorld, kind: String) -> Result<(), Mismatch> {
    let body: ErrorResponse = answer(world, "vLLM's error body")?;
    let exchange = world.last();
    returned(exchange, "error.type", kind.as_str(), body.error.kind.as_str())?;
    returned(exchange, "error.code", exchange.status, body.error.code)?;
    returned(exchange, "error.message is there", true, !body.error.message.is_empty())
}

#[then(expr = "the client gets a vLLM error of type {string} mentioning {string}")]
fn vllm_error_mentioning(world: &mut WorkshopWorld, kind: String, text: String) -> Result<(), Mismatch> {
    vllm_error(world, kind)?;
    let body: ErrorResponse = answer(world, "vLLM's error body")?;
    returned(
        world.last(),
        "error.message mentions",
        true,
        body.error.message.contains(&text),
    )
}

#[then(expr = "the client gets an embeddings list and no chat choices")]
fn embeddings_not_chat(world: &mut WorkshopWorld) -> Result<(), Mismatch> {
    let list: EmbeddingList = answer(world, "an embeddings list")?;
    let exchange = world.last();
    returned(exchange, "object", "list", list.object.as_str())?;
    returned(exchange, "embeddings", 1, list.data.len())?;
    let choices = exchange
        .json()
        .and_then(|body| body.get("choices").and_then(Value::as_array).map(Vec::len))
        .unwrap_or(0);
    returned(exchange, "chat choices", 0, choices)
}
