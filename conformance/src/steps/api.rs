//! The rest of vLLM's API on the mock (`features/mock.feature`): any JSON field of an answer,
//! vectors in the dtypes and byte orders vLLM encodes, the binary answer, rerank order and the
//! tokenizer's round trip. The decoding here is the client's own, written from vLLM's
//! `serial_utils`, not the mock's.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use cucumber::{then, when};
use serde_json::{Value, json};

use super::mock::to_mock;
use super::{EmbeddingList, EmbeddingValue, answer};
use crate::hop::{Mismatch, returned};
use crate::workshop::expected_vector;
use crate::world::WorkshopWorld;

#[when(regex = r#"^the client posts (.+) to "([^"]+)" on the mock with X-Request-Id "([^"]+)"$"#)]
async fn posts_with_request_id(world: &mut WorkshopWorld, body: String, path: String, id: String) {
    let request = to_mock(world, "POST", &path, Some(Bytes::from(body))).with_header("x-request-id", id);
    world.send(request).await;
}

#[when(expr = "the client detokenizes the tokens of that answer")]
async fn detokenizes(world: &mut WorkshopWorld) {
    let tokens = world
        .last()
        .json()
        .map(|body| body["tokens"].clone())
        .unwrap_or(Value::Null);
    let body = Bytes::from(json!({ "tokens": tokens }).to_string());
    let request = to_mock(world, "POST", "/detokenize", Some(body));
    world.send(request).await;
}

#[then(regex = r#"^the answer's "([^"]*)" is (.+)$"#)]
fn field_is(world: &mut WorkshopWorld, pointer: String, expected: String) -> Result<(), Mismatch> {
    let expected: Value = serde_json::from_str(&expected).expect("the step's value is JSON");
    let seen = world.last().json().and_then(|body| body.pointer(&pointer).cloned());
    returned(world.last(), &format!("the answer's {pointer}"), Some(expected), seen)
}

#[then(regex = r#"^the answer's "([^"]*)" has (\d+) items?$"#)]
fn field_has_items(world: &mut WorkshopWorld, pointer: String, count: usize) -> Result<(), Mismatch> {
    let seen = world
        .last()
        .json()
        .and_then(|body| body.pointer(&pointer).and_then(Value::as_array).map(Vec::len));
    returned(world.last(), &format!("items of {pointer}"), Some(count), seen)
}

#[then(regex = r#"^the answer's "([^"]*)" begins with "(.*)"$"#)]
fn field_begins_with(world: &mut WorkshopWorld, pointer: String, prefix: String) -> Result<(), Mismatch> {
    let seen = world
        .last()
        .json()
        .and_then(|body| body.pointer(&pointer).and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    returned(
        world.last(),
        &format!("the start of {pointer}"),
        prefix.as_str(),
        &seen[..prefix.len().min(seen.len())],
    )
}

#[then(expr = "every event of the stream carries usage, the last with no choices")]
fn usage_on_every_event(world: &mut WorkshopWorld) -> Result<(), Mismatch> {
    let text = String::from_utf8_lossy(&world.last().body).into_owned();
    let events: Vec<Value> = text
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .filter(|data| *data != "[DONE]")
        .filter_map(|data| serde_json::from_str(data).ok())
        .collect();
    let without_usage = events.iter().filter(|e| !e["usage"].is_object()).count();
    returned(world.last(), "events without usage", 0, without_usage)?;
    returned(world.last(), "events", true, events.len() > 2)?;
    let last_choices = events.last().map(|e| e["choices"].clone());
    returned(world.last(), "the last event's choices", Some(json!([])), last_choices)
}

/// The `event:` names of a stream of named events (Anthropic's, the Responses API's), in order,
/// each name once for a run of it (the deltas).
#[then(regex = r#"^the stream's events are (.+)$"#)]
fn named_events(world: &mut WorkshopWorld, expected: String) -> Result<(), Mismatch> {
    let text = String::from_utf8_lossy(&world.last().body).into_owned();
    let mut names: Vec<&str> = text.lines().filter_map(|line| line.strip_prefix("event: ")).collect();
    names.dedup();
    let expected: Vec<&str> = expected.split(", ").collect();
    returned(world.last(), "the stream's events", expected, names)
}

#[then(expr = "the rerank results are sorted best first")]
fn rerank_sorted(world: &mut WorkshopWorld) -> Result<(), Mismatch> {
    let scores: Vec<f64> = world
        .last()
        .json()
        .and_then(|body| body["results"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .filter_map(|r| r["relevance_score"].as_f64())
        .collect();
    let mut sorted = scores.clone();
    sorted.sort_by(|a, b| b.total_cmp(a));
    returned(world.last(), "relevance scores, best first", sorted, scores)
}

#[then(expr = "embedding {int} decodes as {word} {word} to the workshop's vector within {float}")]
fn decodes_as(
    world: &mut WorkshopWorld,
    index: usize,
    dtype: String,
    endianness: String,
    tolerance: f64,
) -> Result<(), Mismatch> {
    let list: EmbeddingList = answer(world, "an embeddings list")?;
    let bytes = match list.data.get(index).map(|item| &item.embedding) {
        Some(EmbeddingValue::Base64(text)) => BASE64.decode(text).unwrap_or_default(),
        _ => Vec::new(),
    };
    close_to_workshop(world, &decode(&bytes, &dtype, &endianness), tolerance)
}

#[then(expr = "the binary answer holds the workshop's vector as {word} {word}, placed by its metadata header")]
fn binary_answer(world: &mut WorkshopWorld, dtype: String, endianness: String) -> Result<(), Mismatch> {
    let exchange = world.last();
    let metadata: Option<Value> = exchange
        .headers
        .get("metadata")
        .and_then(|v| v.to_str().ok())
        .and_then(|text| serde_json::from_str(text).ok());
    let item = metadata.as_ref().map(|m| m["data"][0].clone()).unwrap_or(Value::Null);
    returned(
        exchange,
        "metadata data[0].embed_dtype",
        json!(dtype),
        item["embed_dtype"].clone(),
    )?;
    returned(
        exchange,
        "metadata data[0].endianness",
        json!(endianness),
        item["endianness"].clone(),
    )?;
    returned(exchange, "metadata data[0].shape", json!([10]), item["shape"].clone())?;
    let start = item["start"].as_u64().unwrap_or(0) as usize;
    let end = (item["end"].as_u64().unwrap_or(0) as usize).min(exchange.body.len());
    let values = decode(&exchange.body[start.min(end)..end], &dtype, &endianness);
    close_to_workshop(world, &values, tolerance_of(&dtype))
}

#[then(expr = "the binary answer has no metadata header")]
fn no_metadata(world: &mut WorkshopWorld) -> Result<(), Mismatch> {
    let exchange = world.last();
    returned(
        exchange,
        "a metadata header",
        false,
        exchange.headers.contains_key("metadata"),
    )
}

fn tolerance_of(dtype: &str) -> f64 {
    match dtype {
        "float32" => 1e-7,
        "float16" | "bfloat16" => 1e-2,
        _ => 0.04,
    }
}

fn close_to_workshop(world: &WorkshopWorld, values: &[f64], tolerance: f64) -> Result<(), Mismatch> {
    let expected = expected_vector();
    let within =
        values.len() == expected.len() && values.iter().zip(&expected).all(|(v, e)| (v - e).abs() <= tolerance);
    returned(
        world.last(),
        &format!("the decoded vector, within {tolerance} of the workshop's"),
        format!("{expected:?}"),
        if within {
            format!("{expected:?}")
        } else {
            format!("{values:?}")
        },
    )
}

/// Values of `dtype` in byte order `endianness`, as vLLM's `binary2tensor` reads them
/// (`native` is little-endian on the machines the suite runs on).
fn decode(bytes: &[u8], dtype: &str, endianness: &str) -> Vec<f64> {
    let big = endianness == "big";
    let two = |c: &[u8]| if big { [c[0], c[1]] } else { [c[1], c[0]] };
    match dtype {
        "float32" => bytes
            .chunks_exact(4)
            .map(|c| {
                let raw = [c[0], c[1], c[2], c[3]];
                f64::from(if big {
                    f32::from_be_bytes(raw)
                } else {
                    f32::from_le_bytes(raw)
                })
            })
            .collect(),
        "float16" => bytes
            .chunks_exact(2)
            .map(|c| f64::from(half::f16::from_be_bytes(two(c)).to_f32()))
            .collect(),
        "bfloat16" => bytes
            .chunks_exact(2)
            .map(|c| f64::from(half::bf16::from_be_bytes(two(c)).to_f32()))
            .collect(),
        "fp8_e4m3" => bytes
            .iter()
            .map(|b| f64::from(float8::F8E4M3::from_bits(*b).to_f32()))
            .collect(),
        "fp8_e5m2" => bytes
            .iter()
            .map(|b| f64::from(float8::F8E5M2::from_bits(*b).to_f32()))
            .collect(),
        other => panic!("{other} is not one of vLLM's embed dtypes"),
    }
}
