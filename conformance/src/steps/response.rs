//! What the client got back: `Then the client gets ...`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use cucumber::gherkin::Step;
use cucumber::then;
use serde_json::Value;

use super::{cell_for_target, embedding, response_json};
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

/// The workshop's expected response: one embedding, the workshop's numbers, 9 prompt tokens.
fn workshop_embedding(world: &WorkshopWorld, model: &str) -> Result<(), Mismatch> {
    let exchange = world.last();
    let body = response_json(world)?;
    returned(exchange, "object", "list", body["object"].as_str().unwrap_or_default())?;
    returned(exchange, "model", model, body["model"].as_str().unwrap_or_default())?;
    returned(
        exchange,
        "number of embeddings",
        1,
        body["data"].as_array().map_or(0, Vec::len),
    )?;
    returned(
        exchange,
        "data[0].object",
        "embedding",
        body["data"][0]["object"].as_str().unwrap_or_default(),
    )?;
    returned(exchange, "data[0].index", Some(0), body["data"][0]["index"].as_u64())?;
    let values = embedding(world, 0)?;
    let published: Vec<f64> = values.iter().take(4).map(|v| (v * 1000.0).trunc() / 1000.0).collect();
    returned(
        exchange,
        "the first values, as the workshop prints them",
        workshop::PUBLISHED_PREFIX.to_vec(),
        published,
    )?;
    returned(exchange, "the embedding", expected_vector(), values)?;
    let tokens = body["usage"]["prompt_tokens"].as_u64();
    returned(exchange, "usage.prompt_tokens", Some(workshop::PROMPT_TOKENS), tokens)?;
    returned(
        exchange,
        "usage.total_tokens",
        Some(workshop::PROMPT_TOKENS),
        body["usage"]["total_tokens"].as_u64(),
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
    let exchange = world.last();
    let body = response_json(world)?;
    returned(exchange, "object", "list", body["object"].as_str().unwrap_or_default())?;
    returned(
        exchange,
        "data[0].object",
        "embedding",
        body["data"][0]["object"].as_str().unwrap_or_default(),
    )?;
    returned(exchange, "the embedding", expected_vector(), embedding(world, 0)?)?;
    returned(
        exchange,
        "usage.prompt_tokens",
        Some(tokens),
        body["usage"]["prompt_tokens"].as_u64(),
    )
}

#[then(expr = "the client gets {int} embeddings indexed in order")]
fn indexed(world: &mut WorkshopWorld, count: usize) -> Result<(), Mismatch> {
    let body = response_json(world)?;
    let indexes: Vec<u64> = body["data"]
        .as_array()
        .map(|d| d.iter().filter_map(|e| e["index"].as_u64()).collect())
        .unwrap_or_default();
    returned(
        world.last(),
        "data[].index",
        (0..count as u64).collect::<Vec<_>>(),
        indexes,
    )
}

#[then(expr = "the usage counts {int} prompt tokens")]
fn usage(world: &mut WorkshopWorld, tokens: u64) -> Result<(), Mismatch> {
    let body = response_json(world)?;
    returned(
        world.last(),
        "usage.prompt_tokens",
        Some(tokens),
        body["usage"]["prompt_tokens"].as_u64(),
    )
}

#[then(expr = "the last two embeddings are equal")]
fn last_two_equal(world: &mut WorkshopWorld) -> Result<(), Mismatch> {
    let n = world.exchanges.len();
    assert!(n >= 2, "the scenario sent two requests");
    let first = world.exchanges[n - 2].json().map(|b| b["data"][0]["embedding"].clone());
    let second = world.exchanges[n - 1].json().map(|b| b["data"][0]["embedding"].clone());
    returned(
        world.last(),
        "the embedding, compared with the one before",
        first,
        second,
    )
}

#[then(expr = "embedding {int} decodes from base64 to the workshop's vector in float32")]
fn base64_vector(world: &mut WorkshopWorld, index: usize) -> Result<(), Mismatch> {
    let body = response_json(world)?;
    let text = body["data"][index]["embedding"].as_str().unwrap_or_default();
    let bytes = BASE64.decode(text).unwrap_or_default();
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
    let body = response_json(world)?;
    let exchange = world.last();
    returned(
        exchange,
        "error.type",
        Some(kind.as_str()),
        body["error"]["type"].as_str(),
    )?;
    returned(
        exchange,
        "error.code",
        Some(u64::from(exchange.status)),
        body["error"]["code"].as_u64(),
    )?;
    returned(
        exchange,
        "error.message is text",
        true,
        body["error"]["message"].is_string(),
    )?;
    returned(
        exchange,
        "error.param is present",
        true,
        body["error"].get("param").is_some(),
    )
}

#[then(expr = "the client gets a vLLM error of type {string} mentioning {string}")]
fn vllm_error_mentioning(world: &mut WorkshopWorld, kind: String, text: String) -> Result<(), Mismatch> {
    vllm_error(world, kind)?;
    let body = response_json(world)?;
    let message = body["error"]["message"].as_str().unwrap_or_default();
    returned(world.last(), "error.message mentions", true, message.contains(&text))
}
