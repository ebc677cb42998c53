//! What a gateway does when configured for it (`@configured` scenarios of
//! `features/gateway.feature`): a request time-out, and a failover to a second vLLM replica.
//! The routes are the targets' own ([`crate::targets::Configured`]); the evidence is what the
//! client got and the two mocks' journals.

use std::time::Duration;

use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use mock_vllm::conditions::rules::{Match, Rule};
use mock_vllm::{Filter, RecordedRequest};

use super::cell_for_target;
use crate::hop::{self, Hop, Mismatch, returned};
use crate::targets::Configured;
use crate::upstream::Upstream;
use crate::workshop::UPSTREAM_PATH;
use crate::world::WorkshopWorld;

#[given(expr = "vLLM answers every embeddings request with status {int}")]
async fn answers_with(world: &mut WorkshopWorld, status: u16) {
    let rule = Rule::on(Match::path(UPSTREAM_PATH)).status(status).named("vllm-fails");
    world.add_upstream_rule(rule).await;
}

#[when(regex = r"^the client sends the workshop's embeddings request on the (time-out|failover) route( again)?$")]
async fn send_on(world: &mut WorkshopWorld, route: String, _again: String) {
    let behaviour = match route.as_str() {
        "time-out" => Configured::Timeout,
        _ => Configured::Failover,
    };
    let request = world
        .target()
        .configured_request(behaviour, world.workshop_body())
        .unwrap_or_else(|| panic!("the {} target has no {route} route", world.target().name()));
    world.send(request).await;
}

#[then(expr = "the client's answers had the statuses:")]
fn statuses(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let expected = cell_for_target(world, step, "statuses");
    let seen: Vec<String> = world.exchanges.iter().map(|e| e.status.to_string()).collect();
    returned(
        world.last(),
        "the statuses of the answers, in order",
        expected,
        seen.join(", "),
    )
}

/// Every call `mock` journaled to vLLM's embeddings path in this scenario, once at least
/// `count` are there or a few seconds have passed (a retry may come late).
async fn calls(mock: &Upstream, count: usize) -> Vec<RecordedRequest> {
    let filter = Filter {
        path: Some(UPSTREAM_PATH.to_owned()),
        ..Filter::default()
    };
    let waited = mock.wait(&filter, count, Duration::from_secs(5)).await.ok().flatten();
    let list = match waited {
        Some(list) => list,
        None => mock.requests(&filter).await.expect("the mock's journal is readable"),
    };
    list.requests.into_iter().map(std::sync::Arc::unwrap_or_clone).collect()
}

fn replica(world: &WorkshopWorld) -> &Upstream {
    world
        .target()
        .replica()
        .unwrap_or_else(|| panic!("the {} target has no second replica", world.target().name()))
}

#[then(expr = "vLLM's two replicas were called:")]
async fn replicas_called(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    for (column, mock) in [("first", world.target().upstream()), ("second", replica(world))] {
        let expected: usize = cell_for_target(world, step, column).parse().expect("a number of calls");
        // Wait for one more than expected, so a late retry is counted too.
        let entries = calls(mock, expected + 1).await;
        hop::check(
            Hop::GatewayToUpstream,
            &format!("calls to the {column} replica"),
            expected,
            entries.len(),
            || entries.iter().map(hop::entry_evidence).collect(),
        )?;
    }
    Ok(())
}

#[then(expr = "the client's last answer came from the second replica")]
async fn from_the_replica(world: &mut WorkshopWorld) -> Result<(), Mismatch> {
    let entries = calls(replica(world), 1).await;
    let evidence = || entries.iter().map(hop::entry_evidence).collect::<String>();
    let last = entries.last();
    hop::check(
        Hop::GatewayToUpstream,
        "the status of the second replica's last answer",
        Some(world.last().status),
        last.map(|e| e.status),
        evidence,
    )?;
    // Where the gateway passes vLLM's headers on, the answer names the replica too.
    match world
        .last()
        .headers
        .get("x-mock-vllm-instance")
        .and_then(|v| v.to_str().ok())
    {
        Some(named) => returned(
            world.last(),
            "x-mock-vllm-instance",
            last.map(|e| e.instance.to_string()),
            Some(named.to_owned()),
        ),
        None => Ok(()),
    }
}

#[then(expr = "every call vLLM saw was cancelled by the gateway")]
async fn all_cancelled(world: &mut WorkshopWorld) -> Result<(), Mismatch> {
    let entries = calls(world.target().upstream(), 1).await;
    let cancelled = entries.iter().filter(|e| e.treatment.aborted).count();
    hop::check(
        Hop::GatewayToUpstream,
        "calls ended by the gateway hanging up, of all calls",
        entries.len(),
        cancelled,
        || entries.iter().map(hop::entry_evidence).collect(),
    )
}
