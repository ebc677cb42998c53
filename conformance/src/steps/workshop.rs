//! The workshop's steps (`features/workshop.feature`), through the target's gateway.

use std::time::Duration;

use bytes::Bytes;
use cucumber::{given, then, when};
use serde_json::json;

use super::{StepFailed, doing};
use crate::client::Call;
use crate::hop::{self, Hop, Mismatch};
use crate::targets::kind::Kind;
use crate::targets::kind::{STEP_TIMEOUT, StatusPath, WorkshopApi, WorkshopKind};
use crate::targets::wait_until;
use crate::workshop;
use crate::world::WorkshopWorld;

fn kubernetes(world: &WorkshopWorld) -> &WorkshopApi {
    let target: &dyn std::any::Any = world.target();
    target
        .downcast_ref::<Kind>()
        .expect("a @kubernetes scenario runs on the kind target")
        .api()
}

#[given(expr = "the mock vLLM server is deployed")]
#[when(expr = "the mock vLLM server is deployed")]
async fn deploy_mock(world: &mut WorkshopWorld) -> Result<(), StepFailed> {
    doing("Step 1: deploying the mock", world.target().deploy_mock().await)
}

#[then(expr = "the mock vLLM server is ready within {int} seconds")]
async fn mock_ready(world: &mut WorkshopWorld, seconds: u64) -> Result<(), StepFailed> {
    let upstream = world.target().upstream().clone();
    let ready = wait_until(Duration::from_secs(seconds), "the mock's /health", || {
        upstream.healthy()
    })
    .await;
    doing("Step 1: the mock answering /health", ready)
}

#[given(expr = "the workshop is set up on the target")]
async fn set_up(world: &mut WorkshopWorld) -> Result<(), StepFailed> {
    // The target's own error says which step failed and why.
    world
        .target()
        .set_up()
        .await
        .map_err(|err| StepFailed::new("setting up the workshop", err))?;
    world.reset_upstream().await;
    Ok(())
}

#[when(expr = "the client sends the workshop's embeddings request through the gateway")]
async fn send_step_6(world: &mut WorkshopWorld) {
    let request = world
        .target()
        .route()
        .request(Call::Embeddings, Some(world.workshop_body()));
    world.send(request).await;
}

#[when(expr = "the client sends a chat completion through the gateway")]
async fn send_chat(world: &mut WorkshopWorld) {
    let body = json!({
        "model": workshop::MODEL_NAME,
        "messages": [{"role": "user", "content": workshop::TEXT}],
    });
    let request = world
        .target()
        .route()
        .request(Call::ChatCompletions, Some(Bytes::from(body.to_string())));
    world.send(request).await;
}

#[when(expr = "the client sends GET {string} through the gateway")]
async fn send_get(world: &mut WorkshopWorld, path: String) {
    let call = match path.as_str() {
        "/v1/models" => Call::Models,
        other => panic!("no call for GET {other}"),
    };
    let request = world.target().route().request(call, None);
    world.send(request).await;
}

#[given(expr = "the vLLM server's API key is rotated to {string}")]
async fn rotate_key(world: &mut WorkshopWorld, key: String) {
    world
        .target()
        .upstream()
        .set_api_keys([key.as_str()])
        .await
        .expect("the mock takes the new key");
}

#[when(expr = "the Secret {string} is applied with the API key under {string}")]
async fn apply_secret(world: &mut WorkshopWorld, name: String, key: String) -> Result<(), StepFailed> {
    assert_eq!(
        (name.as_str(), key.as_str()),
        (workshop::SECRET_NAME, workshop::SECRET_KEY)
    );
    doing(
        "Step 2: applying the Secret",
        kubernetes(world).apply(WorkshopKind::Secret).await,
    )
}

#[then(expr = "the Secret {string} holds the API key under {string}")]
async fn secret_holds(world: &mut WorkshopWorld, _name: String, key: String) -> Result<(), StepFailed> {
    let value = doing("reading the Secret", kubernetes(world).secret_value(&key).await)?;
    doing(
        "Step 2: the Secret's data",
        check_cluster("Secret data", Some(world.workshop().api_key.clone()), value),
    )
}

#[when(regex = r#"^the (AgentgatewayBackend|HTTPRoute|AgentgatewayPolicy) "([^"]+)" is applied$"#)]
async fn apply_resource(world: &mut WorkshopWorld, kind: String, name: String) -> Result<(), StepFailed> {
    let kind = WorkshopKind::parse(&kind).expect("a workshop kind");
    let expected = expected_name(kind);
    assert_eq!(name, expected, "the workshop names it {expected}");
    doing(&format!("applying the {kind:?}"), kubernetes(world).apply(kind).await)
}

#[then(
    regex = r#"^the (AgentgatewayBackend|HTTPRoute|AgentgatewayPolicy) "([^"]+)" is Accepted at (status\.conditions\[0\]|status\.parents\[0\]\.conditions\[0\]|status\.ancestors\[0\]\.conditions\[0\])$"#
)]
async fn accepted(world: &mut WorkshopWorld, kind: String, _name: String, path: String) -> Result<(), StepFailed> {
    let kind = WorkshopKind::parse(&kind).expect("a workshop kind");
    let expected_path = match kind {
        WorkshopKind::Backend => StatusPath::Conditions,
        WorkshopKind::Route => StatusPath::Parents,
        _ => StatusPath::Ancestors,
    };
    let written = match path.as_str() {
        "status.conditions[0]" => StatusPath::Conditions,
        "status.parents[0].conditions[0]" => StatusPath::Parents,
        _ => StatusPath::Ancestors,
    };
    assert_eq!(written, expected_path, "the workshop reads {kind:?} at another path");
    // Not a hop: the cluster's own state, as its controller set it (or did not).
    let waited = kubernetes(world).wait_accepted(kind, STEP_TIMEOUT).await;
    doing(&format!("the cluster's state at {path}"), waited).map(|_| ())
}

#[when(expr = "the workshop's resources are deleted")]
async fn delete_all(world: &mut WorkshopWorld) -> Result<(), StepFailed> {
    doing(
        "Cleanup: deleting the resources",
        kubernetes(world).delete_all(STEP_TIMEOUT).await,
    )
}

#[then(expr = "none of the six resources exists")]
async fn none_exists(world: &mut WorkshopWorld) -> Result<(), StepFailed> {
    let existing = doing("reading the cluster", kubernetes(world).existing().await)?;
    doing(
        "Cleanup",
        check_cluster("resources left after Cleanup", Vec::new(), existing),
    )
}

fn expected_name(kind: WorkshopKind) -> &'static str {
    match kind {
        WorkshopKind::Backend => workshop::BACKEND_NAME,
        WorkshopKind::Route => workshop::ROUTE_NAME,
        WorkshopKind::Policy => workshop::POLICY_NAME,
        WorkshopKind::Secret => workshop::SECRET_NAME,
        WorkshopKind::Deployment | WorkshopKind::Service => workshop::MOCK_NAME,
    }
}

/// A cluster-side check: the resources are what configures the client → gateway hop.
fn check_cluster<T: std::fmt::Debug + PartialEq>(what: &str, expected: T, seen: T) -> Result<(), Mismatch> {
    hop::check(Hop::ClientToGateway, what, expected, seen, String::new)
}
