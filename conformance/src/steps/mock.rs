//! The mock's own contract (`features/mock.feature`): the client talks to the mock itself.

use std::time::Duration;

use bytes::Bytes;
use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use mock_vllm::Filter;
use serde_json::{Value, json};

use super::table_rows;
use crate::client::ClientRequest;
use crate::hop::{Mismatch, entry_evidence, upstream};
use crate::world::WorkshopWorld;

#[given(expr = "the mock vLLM server is running")]
async fn running(world: &mut WorkshopWorld) -> Result<(), super::StepFailed> {
    super::doing("deploying the mock", world.target().deploy_mock().await)?;
    world.reset_upstream().await;
    Ok(())
}

/// A mock started in this process with `flags`, as `mock-vllm` takes them on its command line
/// (the model's flags: a profile, `--tokenizer`, `--pooling-task`...), on a free loopback
/// port; the mock's steps then talk to it. An argument naming a file under `features/` (say
/// `fixtures/tokenizer.json`) is given as that file's path. Whatever the target, this is the
/// mock itself, as its users start it.
#[given(expr = "the mock vLLM server is started here with {string}")]
async fn started_here(world: &mut WorkshopWorld, flags: String) -> Result<(), super::StepFailed> {
    let features = crate::runner::features_dir();
    let args = flags.split_whitespace().map(|arg| {
        let file = features.join(arg);
        if !arg.starts_with('-') && file.is_file() {
            file.display().to_string()
        } else {
            arg.to_owned()
        }
    });
    let config = super::doing("reading the mock's flags", mock_vllm::Config::ephemeral_with(args))?;
    let mock = super::doing("starting the mock here", mock_vllm::MockServer::start(config).await)?;
    world.own_mock = Some(mock);
    Ok(())
}

/// A request to the mock's own URL, with the workshop's key as the gateway would send it.
pub(super) fn to_mock(world: &WorkshopWorld, method: &str, path: &str, body: Option<Bytes>) -> ClientRequest {
    let url = format!("{}{path}", world.mock_base());
    let request = match (method, body) {
        ("POST", Some(body)) => ClientRequest::post_json(url, body),
        ("GET", None) => ClientRequest::get(url),
        other => panic!("unsupported request {other:?}"),
    };
    request.with_bearer(Some(&world.workshop().api_key))
}

pub(super) fn workshop_body_with(world: &WorkshopWorld, field: &str, value: Value) -> Bytes {
    let mut body: Value = serde_json::from_slice(&world.workshop_body()).expect("the workshop's body is JSON");
    body[field] = value;
    Bytes::from(body.to_string())
}

#[when(expr = "the client sends the workshop's embeddings request to the mock")]
async fn send_workshop_request(world: &mut WorkshopWorld) {
    let request = to_mock(world, "POST", "/v1/embeddings", Some(world.workshop_body()));
    world.send(request).await;
}

#[when(expr = "the client sends the workshop's embeddings request to the mock without a key")]
async fn send_without_key(world: &mut WorkshopWorld) {
    let url = format!("{}/v1/embeddings", world.mock_base());
    world.send(ClientRequest::post_json(url, world.workshop_body())).await;
}

#[when(expr = "the client sends the workshop's embeddings request to the mock with encoding_format {string}")]
async fn send_with_encoding(world: &mut WorkshopWorld, format: String) {
    let body = workshop_body_with(world, "encoding_format", json!(format));
    let request = to_mock(world, "POST", "/v1/embeddings", Some(body));
    world.send(request).await;
}

#[when(expr = "the client sends the workshop's embeddings request to the mock with {int} dimensions")]
async fn send_with_dimensions(world: &mut WorkshopWorld, dimensions: u64) {
    let body = workshop_body_with(world, "dimensions", json!(dimensions));
    let request = to_mock(world, "POST", "/v1/embeddings", Some(body));
    world.send(request).await;
}

#[when(regex = r"^the client embeds (.+)$")]
async fn embeds(world: &mut WorkshopWorld, input: String) {
    let input: Value = serde_json::from_str(&input).expect("the step's input is JSON");
    let body = Bytes::from(json!({ "input": input }).to_string());
    let request = to_mock(world, "POST", "/v1/embeddings", Some(body));
    world.send(request).await;
}

#[when(regex = r#"^the client posts (.+) to "([^"]+)" on the mock$"#)]
async fn posts(world: &mut WorkshopWorld, body: String, path: String) {
    let request = to_mock(world, "POST", &path, Some(Bytes::from(body)));
    world.send(request).await;
}

#[when(expr = "the client sends GET {string} to the mock")]
async fn gets(world: &mut WorkshopWorld, path: String) {
    let request = to_mock(world, "GET", &path, None);
    world.send(request).await;
}

#[given(expr = "the mock requires the API key {string}")]
async fn requires_key(world: &mut WorkshopWorld, key: String) {
    world
        .target()
        .upstream()
        .set_api_keys([key.as_str()])
        .await
        .expect("the mock takes the key");
}

#[then(expr = "the mock's last journal entry has status {int} and no authorization header")]
async fn last_entry_unauthorized(world: &mut WorkshopWorld, status: u16) -> Result<(), Mismatch> {
    let entry = world.upstream_entry().await;
    upstream(&entry, "status", status, entry.status)?;
    upstream(&entry, "authorization header", None, entry.header("authorization"))
}

#[then(expr = "the mock journaled {int} request(s) to {string}")]
async fn journaled_count(world: &mut WorkshopWorld, count: usize, path: String) -> Result<(), Mismatch> {
    let filter = Filter {
        path: Some(path.clone()),
        ..Filter::default()
    };
    let list = world
        .target()
        .upstream()
        .requests(&filter)
        .await
        .expect("the journal is readable");
    let entry = world.upstream_entry().await;
    upstream(
        &entry,
        &format!("requests journaled to {path}"),
        count,
        list.requests.len(),
    )
}

#[then(expr = "the mock journaled these requests:")]
async fn journaled_these(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let list = world
        .target()
        .upstream()
        .requests(&Filter::default())
        .await
        .expect("the journal is readable");
    let seen: Vec<(String, String, String)> = list
        .requests
        .iter()
        .filter(|e| e.path != "/health")
        .map(|e| (e.method.to_string(), e.path.to_string(), e.status.to_string()))
        .collect();
    let expected: Vec<(String, String, String)> = table_rows(step)
        .into_iter()
        .map(|row| (row[0].1.clone(), row[1].1.clone(), row[2].1.clone()))
        .collect();
    match list.requests.last() {
        Some(last) => upstream(last, "the journal (method, path, status)", expected, seen),
        None => Err(Mismatch {
            hop: crate::hop::Hop::GatewayToUpstream,
            what: "the journal".to_owned(),
            expected: format!("{expected:?}"),
            seen: "an empty journal".to_owned(),
            evidence: String::new(),
        }),
    }
}

#[given(expr = "a test waits for {int} requests to {string}")]
async fn waits(world: &mut WorkshopWorld, count: usize, path: String) {
    let upstream = world.target().upstream().clone();
    world.waiter = Some(tokio::spawn(async move {
        let filter = Filter {
            path: Some(path),
            ..Filter::default()
        };
        upstream
            .wait(&filter, count, Duration::from_secs(30))
            .await
            .expect("the wait call is answered")
    }));
    // Let the long-poll reach the mock before the requests it waits for.
    tokio::time::sleep(Duration::from_millis(100)).await;
}

#[then(expr = "the wait ends with {int} requests")]
async fn wait_ends(world: &mut WorkshopWorld, count: usize) -> Result<(), Mismatch> {
    let waiter = world.waiter.take().expect("a wait was started");
    let list = waiter
        .await
        .expect("the wait task ends")
        .unwrap_or_else(|| panic!("the wait timed out instead of seeing the requests"));
    let entry = list.requests.last().expect("the wait saw requests");
    upstream(entry, "requests the wait returned", count, list.requests.len()).map_err(|m| Mismatch {
        evidence: list.requests.iter().map(|e| entry_evidence(e)).collect(),
        ..m
    })
}
