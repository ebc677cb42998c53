//! The mock under real conditions (`features/mock.feature`): fault rules, timing, running
//! slots, and what the journal says the mock did.

use std::time::Duration;

use bytes::Bytes;
use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use mock_vllm::Filter;
use mock_vllm::admin::{ConfigPatch, Match, Rule};
use serde_json::json;

use super::table_rows;
use crate::client::ClientRequest;
use crate::hop::{self, Hop, Mismatch, returned, upstream};
use crate::world::WorkshopWorld;

fn mock_url(world: &WorkshopWorld, path: &str) -> String {
    format!("{}{path}", world.target().upstream().base())
}

fn chat_request(world: &WorkshopWorld, tokens: usize, stream: bool) -> ClientRequest {
    let body = json!({
        "model": crate::workshop::MODEL,
        "messages": [{"role": "user", "content": crate::workshop::TEXT}],
        "max_tokens": tokens,
        "stream": stream,
    });
    ClientRequest::post_json(mock_url(world, "/v1/chat/completions"), Bytes::from(body.to_string()))
        .with_bearer(Some(&world.workshop().api_key))
}

#[given(
    expr = "the rule {string} answers the first {int} request(s) to {string} with status {int} and Retry-After {int}"
)]
async fn rule_first_n(world: &mut WorkshopWorld, id: String, first: u64, path: String, status: u16, retry_after: u64) {
    let rule = Rule::on(Match::path(path))
        .status(status)
        .retry_after(retry_after)
        .first(first)
        .named(id);
    world.add_upstream_rule(rule).await;
}

#[given(expr = "the mock's time to first token is {int} ms and its inter-token latency {int} ms")]
async fn timing(world: &mut WorkshopWorld, first_token: u64, inter_token: u64) {
    let patch = ConfigPatch::default()
        .time_to_first_token(Duration::from_millis(first_token))
        .inter_token_latency(Duration::from_millis(inter_token));
    world
        .target()
        .upstream()
        .patch_config(&patch)
        .await
        .expect("the mock takes the timing");
}

#[given(expr = "the mock runs {int} request(s) at a time and queues at most {int}")]
async fn capacity(world: &mut WorkshopWorld, running: usize, waiting: usize) {
    let patch = ConfigPatch::default()
        .max_num_seqs(Some(running))
        .max_waiting_queue_length(Some(waiting));
    world
        .target()
        .upstream()
        .patch_config(&patch)
        .await
        .expect("the mock takes the limits");
}

#[when(expr = "the client sends {int} embeddings requests to the mock at once")]
async fn send_at_once(world: &mut WorkshopWorld, count: usize) {
    let requests = (0..count)
        .map(|_| {
            ClientRequest::post_json(mock_url(world, "/v1/embeddings"), world.workshop_body())
                .with_bearer(Some(&world.workshop().api_key))
        })
        .collect();
    world.send_together(requests).await;
}

#[when(expr = "the client streams a chat completion of {int} tokens from the mock")]
async fn stream_chat(world: &mut WorkshopWorld, tokens: usize) {
    let request = chat_request(world, tokens, true);
    world.stream(request, None).await;
}

#[when(expr = "the client streams a chat completion of {int} tokens from the mock, giving up after {int} ms")]
async fn stream_with_patience(world: &mut WorkshopWorld, tokens: usize, patience: u64) {
    let request = chat_request(world, tokens, true).giving_up_after(Duration::from_millis(patience));
    world.stream(request, None).await;
}

#[then(expr = "the client's stream ended before its [DONE]")]
fn stream_cut_short(world: &mut WorkshopWorld) -> Result<(), Mismatch> {
    let exchange = world.last();
    let done = String::from_utf8_lossy(&exchange.body).contains("data: [DONE]");
    returned(exchange, "the stream's [DONE] reached the client", false, done)
}

#[when(expr = "the client hangs up after the first chunk of a streamed chat completion of {int} tokens")]
async fn hang_up(world: &mut WorkshopWorld, tokens: usize) {
    let request = chat_request(world, tokens, true);
    world.stream(request, Some(1)).await;
}

#[then(regex = r"^the client's answers had the statuses ([\d, ]+)$")]
fn statuses(world: &mut WorkshopWorld, expected: String) -> Result<(), Mismatch> {
    let expected: Vec<u16> = expected
        .split(',')
        .map(|s| s.trim().parse().expect("a status"))
        .collect();
    let seen: Vec<u16> = world.exchanges.iter().map(|e| e.status).collect();
    returned(world.last(), "the statuses of the answers, in order", expected, seen)
}

#[then(regex = r"^the client's answers had the statuses ([\d, ]+) in some order$")]
fn statuses_any_order(world: &mut WorkshopWorld, expected: String) -> Result<(), Mismatch> {
    let mut expected: Vec<u16> = expected
        .split(',')
        .map(|s| s.trim().parse().expect("a status"))
        .collect();
    let mut seen: Vec<u16> = world.exchanges.iter().map(|e| e.status).collect();
    expected.sort_unstable();
    seen.sort_unstable();
    returned(world.last(), "the statuses of the answers", expected, seen)
}

#[then(expr = "the answers with status {int} said Retry-After {string}")]
fn retry_after(world: &mut WorkshopWorld, status: u16, value: String) -> Result<(), Mismatch> {
    for exchange in world.exchanges.iter().filter(|e| e.status == status) {
        let seen = exchange.headers.get("retry-after").and_then(|v| v.to_str().ok());
        returned(exchange, "Retry-After", Some(value.as_str()), seen)?;
    }
    Ok(())
}

#[then(expr = "the journal shows what the mock did to each request:")]
async fn journal_treatment(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let list = world
        .target()
        .upstream()
        .requests(&Filter::default())
        .await
        .expect("the journal is readable");
    let seen: Vec<(String, String, String)> = list
        .requests
        .iter()
        .map(|e| {
            let rule = e.treatment.rule.clone().unwrap_or_else(|| "-".to_owned());
            (e.path.to_string(), e.status.to_string(), rule)
        })
        .collect();
    let expected: Vec<(String, String, String)> = table_rows(step)
        .into_iter()
        .map(|row| (row[0].1.clone(), row[1].1.clone(), row[2].1.clone()))
        .collect();
    let evidence = list.requests.iter().map(|e| hop::entry_evidence(e)).collect();
    hop::check(
        Hop::GatewayToUpstream,
        "the journal (path, status, rule)",
        expected,
        seen,
        || evidence,
    )
}

#[then(expr = "the rule {string} acted {int} time(s) of the {int} request(s) it matched")]
async fn rule_counts(world: &mut WorkshopWorld, id: String, hits: u64, matched: u64) -> Result<(), Mismatch> {
    let rules = world.target().upstream().rules().await.expect("the rules are readable");
    let rule = rules.iter().find(|r| r.id == id);
    hop::check(
        Hop::GatewayToUpstream,
        &format!("rule {id}'s (hits, matched)"),
        Some((hits, matched)),
        rule.map(|r| (r.hits, r.matched)),
        || format!("  rules: {rules:?}\n"),
    )
}

#[then(expr = "the first chunk arrived no sooner than {int} ms and the last no sooner than {int} ms")]
fn paced(world: &mut WorkshopWorld, first: u64, last: u64) -> Result<(), Mismatch> {
    let arrivals = &world.chunk_arrivals;
    let exchange = world.last();
    let evidence = || {
        let times: Vec<u128> = arrivals.iter().map(|a| a.as_millis()).collect();
        format!(
            "  chunks arrived at (ms): {times:?}\n{}",
            hop::exchange_evidence(exchange)
        )
    };
    let (Some(head), Some(tail)) = (arrivals.first(), arrivals.last()) else {
        return hop::check(Hop::UpstreamToClient, "streamed chunks", true, false, evidence);
    };
    // Lower bounds only: the mock must wait at least this long; how much longer is the machine's.
    hop::check(
        Hop::UpstreamToClient,
        "the first chunk waited for the time to first token",
        true,
        *head >= Duration::from_millis(first),
        evidence,
    )?;
    hop::check(
        Hop::UpstreamToClient,
        "the last chunk waited for every inter-token latency",
        true,
        *tail >= Duration::from_millis(last),
        evidence,
    )
}

#[then(expr = "the mock journaled the stream as complete, with first token {int} ms and inter-token {int} ms")]
async fn stream_complete(world: &mut WorkshopWorld, first: u64, inter: u64) -> Result<(), Mismatch> {
    let entry = world.upstream_entry().await;
    let t = &entry.treatment;
    upstream(&entry, "aborted", false, t.aborted)?;
    upstream(&entry, "first_token_ms", Some(first as f64), t.first_token_ms)?;
    upstream(&entry, "inter_token_ms", Some(inter as f64), t.inter_token_ms)
}

#[then(expr = "the mock journaled the stream as aborted after fewer than {int} chunks")]
async fn stream_aborted(world: &mut WorkshopWorld, fewer_than: usize) -> Result<(), Mismatch> {
    // The entry is written once the mock notices the client left; the wait covers that.
    let entry = world.upstream_entry().await;
    upstream(&entry, "aborted", true, entry.treatment.aborted)?;
    let sent = entry.treatment.chunks_sent.unwrap_or(usize::MAX);
    upstream(&entry, "chunks sent before the client left", true, sent < fewer_than)
}

#[then(expr = "the answer with status {int} is a vLLM error of type {string} mentioning {string}")]
fn error_among(world: &mut WorkshopWorld, status: u16, kind: String, text: String) -> Result<(), Mismatch> {
    let exchange = world
        .exchanges
        .iter()
        .find(|e| e.status == status)
        .unwrap_or_else(|| world.last());
    let body: Option<super::ErrorResponse> = serde_json::from_slice(&exchange.body).ok();
    returned(exchange, "status", status, exchange.status)?;
    returned(
        exchange,
        "error.type",
        Some(kind.as_str()),
        body.as_ref().map(|b| b.error.kind.as_str()),
    )?;
    returned(
        exchange,
        "error.message mentions",
        true,
        body.is_some_and(|b| b.error.message.contains(&text)),
    )
}
