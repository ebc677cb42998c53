//! What a gateway does when vLLM misbehaves (`features/gateway.feature`): vLLM's part is played
//! by the mock's fault rules and timing; what the client got and what vLLM saw are the evidence.

use std::time::Duration;

use bytes::Bytes;
use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use mock_vllm::Filter;
use mock_vllm::admin::{ConfigPatch, Match, Rule, status_message};
use serde_json::json;

use super::{EmbeddingList, ErrorResponse, answer, cell_for_target};
use crate::client::{Call, ClientRoute};
use crate::client::{ClientRequest, NO_ANSWER};
use crate::hop::{self, Hop, Mismatch, returned, upstream};
use crate::workshop::{self, UPSTREAM_PATH};
use crate::world::WorkshopWorld;

/// How long a step waits for vLLM's record of a request that may still be running.
const SETTLE: Duration = Duration::from_secs(10);

/// The workshop's Step 6 request on this target.
fn step_6(world: &WorkshopWorld) -> ClientRequest {
    step_6_on(world, &world.target().route())
}

/// The workshop's Step 6 request on `route`.
pub(super) fn step_6_on(world: &WorkshopWorld, route: &ClientRoute) -> ClientRequest {
    route.request(Call::Embeddings, Some(world.workshop_body()))
}

#[given(expr = "vLLM answers every embeddings request with status {int} and Retry-After {int}")]
async fn answers_with(world: &mut WorkshopWorld, status: u16, retry_after: u64) {
    let rule = Rule::on(Match::path(UPSTREAM_PATH))
        .status(status)
        .retry_after(retry_after)
        .named("vllm-fails");
    world.add_upstream_rule(rule).await;
}

#[given(regex = r"^vLLM resets the connection of every (embeddings|models) request$")]
async fn resets(world: &mut WorkshopWorld, call: String) {
    let path = match call.as_str() {
        "models" => Call::Models.api_path(),
        _ => UPSTREAM_PATH,
    };
    let rule = Rule::on(Match::path(path)).reset().named("vllm-resets");
    world.add_upstream_rule(rule).await;
}

#[given(expr = "vLLM takes {int} seconds to answer embeddings requests")]
async fn slow(world: &mut WorkshopWorld, seconds: u64) {
    let rule = Rule::on(Match::path(UPSTREAM_PATH))
        .delay(Duration::from_secs(seconds))
        .named("vllm-slow");
    world.add_upstream_rule(rule).await;
}

#[given(expr = "vLLM streams at {int} ms between tokens")]
async fn streams_at(world: &mut WorkshopWorld, inter_token: u64) {
    let patch = ConfigPatch::default().inter_token_latency(Duration::from_millis(inter_token));
    world
        .target()
        .upstream()
        .patch_config(&patch)
        .await
        .expect("the mock takes the timing");
}

#[when(
    expr = "the client sends the workshop's embeddings request through the gateway, giving up after {int} second(s)"
)]
async fn send_with_patience(world: &mut WorkshopWorld, seconds: u64) {
    let request = step_6(world).giving_up_after(Duration::from_secs(seconds));
    world.send(request).await;
}

#[when(
    expr = "the client sends the workshop's embeddings request through the gateway with vLLM's {string} set to {int}"
)]
async fn send_with_vllm_field(world: &mut WorkshopWorld, field: String, value: i64) {
    let body = super::mock::workshop_body_with(world, &field, json!(value));
    let request = world.target().route().request(Call::Embeddings, Some(body));
    world.send(request).await;
}

#[when(expr = "the client sends a body that is not JSON through the gateway")]
async fn send_not_json(world: &mut WorkshopWorld) {
    let body = Bytes::from_static(br#"{"model": "qwen3", "input": "#);
    let request = world.target().route().request(Call::Embeddings, Some(body));
    world.send(request).await;
}

#[when(expr = "the client posts the workshop's embeddings request to the route's prefix with {string} after it")]
async fn send_past_prefix(world: &mut WorkshopWorld, suffix: String) {
    let route = world.target().route();
    let route = ClientRoute {
        embeddings_path: format!("{}{suffix}", route.prefix),
        ..route
    };
    let request = step_6_on(world, &route);
    world.send(request).await;
}

#[then(expr = "vLLM got these POST requests:")]
async fn posts_seen(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let expected = cell_for_target(world, step, "paths");
    let posts = Filter {
        method: Some("POST".to_owned()),
        ..Filter::default()
    };
    let entries = entries_matching(world, posts, 1).await;
    let paths: Vec<&str> = entries.iter().map(|e| e.path.as_str()).collect();
    let seen = match paths.is_empty() {
        true => "-".to_owned(),
        false => paths.join(", "),
    };
    hop::check(
        Hop::GatewayToUpstream,
        "the paths vLLM was posted at",
        expected,
        seen,
        || entries.iter().map(hop::entry_evidence).collect(),
    )
}

#[when(expr = "the client sends the workshop's embeddings request through the gateway without a key")]
async fn send_without_key(world: &mut WorkshopWorld) {
    let route = ClientRoute {
        key: None,
        ..world.target().route()
    };
    let request = step_6_on(world, &route);
    world.send(request).await;
}

#[then(expr = "vLLM got this many Authorization headers:")]
async fn authorization_headers(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let expected: usize = cell_for_target(world, step, "headers")
        .parse()
        .expect("a number of headers");
    let entry = world.upstream_entry().await;
    let seen = entry.headers_named("authorization").count();
    upstream(&entry, "Authorization headers", expected, seen)
}

#[when(expr = "the client sends the workshop's embeddings request through the gateway with X-Request-Id {string}")]
async fn send_with_request_id(world: &mut WorkshopWorld, id: String) {
    let request = step_6(world).with_header("x-request-id", id);
    world.send(request).await;
}

#[when(expr = "the client sends a batch of {int} inputs of {int} words through the gateway")]
async fn send_batch(world: &mut WorkshopWorld, inputs: usize, words: usize) {
    let batch: Vec<String> = (0..inputs)
        .map(|i| format!("input {i} {}", "word ".repeat(words.saturating_sub(2))))
        .collect();
    let body = json!({"model": workshop::MODEL, "input": batch, "encoding_format": "float"});
    let request = world
        .target()
        .route()
        .request(Call::Embeddings, Some(Bytes::from(body.to_string())));
    world.send(request).await;
}

#[when(expr = "the client sends the workshop's embeddings request through the gateway again after {int} seconds idle")]
async fn send_after_idle(world: &mut WorkshopWorld, seconds: u64) {
    // vLLM closes idle keep-alive connections after 5 s: a gateway's pooled one is then stale.
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    let request = step_6(world);
    world.send(request).await;
}

/// A streamed chat completion of `tokens` tokens on `route`.
pub(super) fn chat_stream(route: &ClientRoute, tokens: usize) -> ClientRequest {
    let body = json!({
        "model": workshop::MODEL_NAME,
        "messages": [{"role": "user", "content": workshop::TEXT}],
        "max_tokens": tokens,
        "stream": true,
    });
    route.request(Call::ChatCompletions, Some(Bytes::from(body.to_string())))
}

#[when(expr = "the client streams a chat completion of {int} tokens through the gateway")]
async fn stream_through(world: &mut WorkshopWorld, tokens: usize) {
    let request = chat_stream(&world.target().route(), tokens);
    world.stream(request, None).await;
}

#[when(
    expr = "the client streams a chat completion of {int} tokens through the gateway and hangs up after the first chunk"
)]
async fn hang_up_through(world: &mut WorkshopWorld, tokens: usize) {
    let request = chat_stream(&world.target().route(), tokens);
    world.stream(request, Some(1)).await;
}

/// vLLM's entries for `path` since the client's last request, once `count` of them are there
/// or the wait runs out.
async fn upstream_entries(world: &WorkshopWorld, path: &str, count: usize) -> Vec<mock_vllm::RecordedRequest> {
    let filter = Filter {
        path: Some(path.to_owned()),
        ..Filter::default()
    };
    entries_matching(world, filter, count).await
}

/// The journal's entries since the client's last request that match `filter`, once `count`
/// are there or [`SETTLE`] has passed.
async fn entries_matching(world: &WorkshopWorld, filter: Filter, count: usize) -> Vec<mock_vllm::RecordedRequest> {
    let filter = Filter {
        since_seq: Some(world.journal_mark()),
        ..filter
    };
    crate::upstream::settled(world.target().upstream(), &filter, count, SETTLE)
        .await
        .expect("the mock's journal is readable")
}

#[then(expr = "vLLM was called this many times for the client's one request, at status {int}:")]
async fn tries(world: &mut WorkshopWorld, status: u16, step: &Step) -> Result<(), Mismatch> {
    let expected: usize = cell_for_target(world, step, &format!("calls at {status}"))
        .parse()
        .expect("a number of calls");
    tries_are(world, expected).await
}

#[then(expr = "vLLM was called this many times for the client's one request:")]
async fn tries_table(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let expected: usize = cell_for_target(world, step, "calls")
        .parse()
        .expect("a number of calls");
    tries_are(world, expected).await
}

async fn tries_are(world: &WorkshopWorld, expected: usize) -> Result<(), Mismatch> {
    // Wait for more than expected, so a retry that comes late is counted too.
    let entries = upstream_entries(world, UPSTREAM_PATH, expected + 1).await;
    let evidence = || entries.iter().map(hop::entry_evidence).collect::<String>();
    hop::check(
        Hop::GatewayToUpstream,
        "calls to vLLM for the client's one request",
        expected,
        entries.len(),
        evidence,
    )
}

#[then(expr = "the client gets the error body:")]
fn error_body(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let expected = cell_for_target(world, step, "body");
    let exchange = world.last();
    let vllm_message = status_message(exchange.status);
    // Read loosely: a gateway's own error body need not be vLLM's (LiteLLM's `code` is a string).
    let message = exchange
        .json()
        .and_then(|body| body["error"]["message"].as_str().map(str::to_owned));
    let unchanged = serde_json::from_slice::<ErrorResponse>(&exchange.body)
        .is_ok_and(|body| body.error.message == vllm_message && body.error.code == exchange.status);
    let seen = match message {
        _ if unchanged => "vLLM's, unchanged",
        Some(message) if message.contains(&vllm_message) => "the gateway's, quoting vLLM's message",
        Some(_) => "the gateway's, without vLLM's message",
        None => "not a JSON error body",
    };
    returned(exchange, "the error body", expected.as_str(), seen)
}

#[then(expr = "the client gets Retry-After:")]
fn retry_after(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let expected = cell_for_target(world, step, "retry-after");
    let exchange = world.last();
    let seen = exchange
        .headers
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    returned(exchange, "Retry-After", expected.as_str(), seen)
}

#[then(expr = "the client gets an answer:")]
fn outcome(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let expected = cell_for_target(world, step, "answer");
    let exchange = world.last();
    let seen = match exchange.status {
        NO_ANSWER => "none".to_owned(),
        status => status.to_string(),
    };
    returned(exchange, "the client's answer", expected, seen)
}

#[then(expr = "vLLM got the request's {string}:")]
async fn vllm_got_field(world: &mut WorkshopWorld, field: String, step: &Step) -> Result<(), Mismatch> {
    let expected = cell_for_target(world, step, &field);
    let entry = world.upstream_entry().await;
    let body = entry.body_json().unwrap_or_default();
    let seen = match body.get(field.as_str()) {
        None | Some(serde_json::Value::Null) => "-".to_owned(),
        Some(value) => value.to_string(),
    };
    upstream(&entry, &format!("body field `{field}`"), expected, seen)
}

#[then(expr = "the client's answer came from:")]
async fn answered_by(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let expected = format!(
        "{}, {}",
        cell_for_target(world, step, "answered by"),
        cell_for_target(world, step, "status")
    );
    // vLLM answered it if it journaled it; a gateway that answers itself leaves no entry.
    let entries = upstream_entries(world, UPSTREAM_PATH, 1).await;
    let by = if entries.is_empty() { "the gateway" } else { "vLLM" };
    returned(
        world.last(),
        "who answered, and the status",
        expected,
        format!("{by}, {}", world.last().status),
    )
}

#[then(expr = "vLLM saw the client's X-Request-Id:")]
async fn request_id(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let expected = cell_for_target(world, step, "x-request-id");
    let entry = world.upstream_entry().await;
    let seen = entry.header("x-request-id").unwrap_or("-").to_owned();
    upstream(&entry, "x-request-id", expected, seen)
}

#[then(expr = "the client gets {int} embeddings and vLLM got all {int} inputs")]
async fn batch_whole(world: &mut WorkshopWorld, embeddings: usize, inputs: usize) -> Result<(), Mismatch> {
    let list: EmbeddingList = answer(world, "an embeddings list")?;
    returned(world.last(), "embeddings", embeddings, list.data.len())?;
    let entry = world.upstream_entry().await;
    upstream(&entry, "inputs", Some(inputs), entry.inputs)
}

#[then(expr = "vLLM saw the request cancelled when the client gave up:")]
async fn cancelled(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let expected = cell_for_target(world, step, "cancelled");
    // Written when the gateway hangs up on vLLM (aborted) or when vLLM has answered.
    let entry = world.upstream_entry().await;
    let seen = if entry.treatment.aborted { "yes" } else { "no" };
    upstream(
        &entry,
        "vLLM's request ended by the gateway hanging up",
        expected.as_str(),
        seen,
    )
}

#[then(expr = "the stream reached the client as vLLM sent it:")]
async fn passed_through(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let expected = cell_for_target(world, step, "streamed");
    let entry = world.upstream_entry().await;
    let gaps = entry.treatment.inter_token_ms.unwrap_or(0.0);
    let arrivals = world.chunk_arrivals.clone();
    let exchange = world.last();
    // vLLM spread its tokens over (chunks - role, finish and [DONE]) gaps; a gateway that
    // passes the stream through spreads the client's chunks over at least half of that, one
    // that buffers hands them over together.
    let vllm_spread = gaps * entry.treatment.chunks_sent.unwrap_or(0).saturating_sub(3) as f64;
    let client_spread = match (arrivals.first(), arrivals.last()) {
        (Some(first), Some(last)) => (*last - *first).as_secs_f64() * 1000.0,
        _ => 0.0,
    };
    let seen = if entry.treatment.chunks_sent.is_none() {
        format!("no: vLLM's {} answered it whole", entry.path)
    } else if arrivals.len() > 1 && client_spread >= vllm_spread / 2.0 {
        "yes".to_owned()
    } else {
        "buffered".to_owned()
    };
    let times: Vec<u128> = arrivals.iter().map(|a| a.as_millis()).collect();
    hop::check(
        Hop::UpstreamToClient,
        "the stream passed through",
        expected,
        seen,
        || {
            format!(
                "  chunks arrived at (ms): {times:?}\n{}{}",
                hop::entry_evidence(&entry),
                hop::exchange_evidence(exchange)
            )
        },
    )
}

#[then(expr = "vLLM stopped the stream when the client hung up:")]
async fn stopped(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let expected = cell_for_target(world, step, "stopped");
    let entry = world.upstream_entry().await;
    let seen = match (entry.treatment.chunks_sent, entry.treatment.aborted) {
        (None, _) => format!("no: vLLM's {} answered it whole", entry.path),
        (Some(_), true) => "yes".to_owned(),
        (Some(_), false) => "no: it ran to its end".to_owned(),
    };
    upstream(&entry, "vLLM's stream after the client hung up", expected, seen)
}
