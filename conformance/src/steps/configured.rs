//! What a gateway does when configured for it (`@configured` scenarios of
//! `features/gateway.feature`): a request time-out, a failover to a second vLLM replica, two
//! replicas as equals, a route for streaming, and health checks. The routes are the targets'
//! own ([`crate::targets::Configured`]); the evidence is what the client got and the two
//! mocks' journals, read after each request for what it cost ([`crate::spread::Cost`]).

use std::time::Duration;

use cucumber::gherkin::Step;
use cucumber::{given, then, when};
use mock_vllm::admin::{AdminClient, Match, Rule};
use mock_vllm::{Filter, RecordedRequest};

use super::cell_for_target;
use super::gateway::{chat_stream, step_6_on};
use crate::client::{Call, ClientRoute};
use crate::hop::{self, Hop, Mismatch, returned};
use crate::spread::{self, Cost, Costs, Turns};
use crate::targets::{Configured, TargetError};
use crate::workshop::{HEALTH_PATH, UPSTREAM_PATH};
use crate::world::WorkshopWorld;

#[given(expr = "vLLM answers every embeddings request with status {int}")]
async fn answers_with(world: &mut WorkshopWorld, status: u16) {
    let rule = Rule::on(Match::path(UPSTREAM_PATH)).status(status).named("vllm-fails");
    world.add_upstream_rule(rule).await;
}

/// The fault rule that fails vLLM's health check.
const HEALTH_FAILS: &str = "health-fails";

#[given(expr = "the gateway runs configured for the health-checked route")]
async fn health_checked(world: &mut WorkshopWorld) -> Result<(), TargetError> {
    configured_route(world, Configured::HealthChecked).await.map(drop)
}

#[given(expr = "vLLM's health check answers {int}")]
async fn health_fails(world: &mut WorkshopWorld, status: u16) {
    let rule = Rule::on(Match::path(HEALTH_PATH)).status(status).named(HEALTH_FAILS);
    world.add_upstream_rule(rule).await;
}

#[when(expr = "vLLM's health check answers 200 again")]
async fn health_recovers(world: &mut WorkshopWorld) -> Result<(), TargetError> {
    world.target().upstream().remove_rule(HEALTH_FAILS).await?;
    Ok(())
}

#[when(
    regex = r"^the client (sends the workshop's embeddings request|lists the models) on the (time-out|failover|balanced|health-checked) route(?: again| (\d+) times| after (\d+) seconds)?$"
)]
async fn send_on(
    world: &mut WorkshopWorld,
    call: String,
    route: String,
    times: String,
    after: String,
) -> Result<(), TargetError> {
    let behaviour = Configured::ALL
        .into_iter()
        .find(|b| b.route_name() == route)
        .expect("the step's pattern names a configured route");
    if let Ok(seconds) = after.parse() {
        tokio::time::sleep(Duration::from_secs(seconds)).await;
    }
    let times = times.parse().unwrap_or(1);
    for _ in 0..times {
        let route = configured_route(world, behaviour).await?;
        let request = match call.as_str() {
            "lists the models" => route.request(Call::Models, None),
            _ => step_6_on(world, &route),
        };
        let before = tally(world).await?;
        let status = world.send(request).await.status;
        let after = tally(world).await?;
        world.costs.push(Cost {
            status,
            first: after[0] - before[0],
            second: after[1] - before[1],
        });
    }
    Ok(())
}

#[when(
    regex = r"^the client streams a chat completion of (\d+) tokens on the streaming route( and hangs up after the first chunk)?$"
)]
async fn stream_on(world: &mut WorkshopWorld, tokens: usize, hang_up: String) -> Result<(), TargetError> {
    let route = configured_route(world, Configured::Streaming).await?;
    let hang_up_after = (!hang_up.is_empty()).then_some(1);
    world.stream(chat_stream(&route, tokens), hang_up_after).await;
    Ok(())
}

/// The target's route for `behaviour`; a target in a `@configured` scenario has one.
async fn configured_route(world: &WorkshopWorld, behaviour: Configured) -> Result<ClientRoute, TargetError> {
    let route = world.target().configured_route(behaviour).await?;
    Ok(route.unwrap_or_else(|| {
        panic!(
            "the {} target has no {} route",
            world.target().name(),
            behaviour.route_name()
        )
    }))
}

/// How many calls to vLLM's API (`/v1/...`: no health checks, no probes of its metadata)
/// each replica has journaled.
async fn tally(world: &WorkshopWorld) -> Result<[usize; 2], TargetError> {
    let filter = Filter {
        path_prefix: Some("/v1/".to_owned()),
        ..Filter::default()
    };
    let count = async |mock: &AdminClient| Ok::<_, TargetError>(mock.requests(&filter).await?.requests.len());
    Ok([count(world.target().upstream()).await?, count(replica(world)).await?])
}

fn embeddings_calls() -> Filter {
    Filter {
        path: Some(UPSTREAM_PATH.to_owned()),
        ..Filter::default()
    }
}

/// Every call `mock` journaled to vLLM's embeddings path in this scenario, once at least
/// `count` are there or a few seconds have passed (a retry may come late).
async fn calls(mock: &AdminClient, count: usize) -> Vec<RecordedRequest> {
    crate::upstream::settled(mock, &embeddings_calls(), count, Duration::from_secs(5))
        .await
        .expect("the mock's journal is readable")
}

fn replica(world: &WorkshopWorld) -> &AdminClient {
    world
        .target()
        .replica()
        .unwrap_or_else(|| panic!("the {} target has no second replica", world.target().name()))
}

#[then(expr = "vLLM's two replicas took the client's requests in turn:")]
async fn replicas_in_turn(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let cell = cell_for_target(world, step, "turns");
    let expected: Turns = cell.parse().unwrap_or_else(|e| panic!("{e}"));
    let sent = world.exchanges.len();
    // Every call is journaled by now: each request's cost was read after its answer.
    let mut entries = calls(world.target().upstream(), 0).await;
    entries.extend(calls(replica(world), 0).await);
    entries.sort_by_key(|e| e.time);
    let order: Vec<&str> = entries.iter().map(|e| &*e.instance).collect();
    let seen = Turns::of(&order);
    let evidence = || entries.iter().map(hop::entry_evidence).collect();
    hop::check(
        Hop::GatewayToUpstream,
        "calls, one per request",
        sent,
        entries.len(),
        evidence,
    )?;
    let seen_cell = match expected.admits(seen) {
        true => expected.to_string(),
        false => format!("{seen}: {}", order.join(", ")),
    };
    hop::check(
        Hop::GatewayToUpstream,
        "how the two replicas took the requests, in the order they came",
        expected.to_string(),
        seen_cell,
        evidence,
    )
}

#[then(expr = "each answer the client got, with the calls it cost vLLM's two replicas:")]
fn answers_cost(world: &mut WorkshopWorld, step: &Step) -> Result<(), Mismatch> {
    let cell = cell_for_target(world, step, "answers");
    let expected: Costs = cell.parse().unwrap_or_else(|e| panic!("{e}"));
    let seen = match expected.admits(&world.costs) {
        true => cell.clone(),
        false => spread::in_order(&world.costs),
    };
    returned(world.last(), "each answer, with the calls it cost", cell, seen)
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
