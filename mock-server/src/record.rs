//! The recorder: the outermost middleware, which turns every request into a journal entry and
//! plays the conditions (fault rules, running slots, timing) around the handler.
//!
//! It reads the whole body first (bounded in size and time), so that a request refused for its
//! body (413, 408, a broken stream) is journaled like any other. The entry is pending from then
//! on: [`PendingEntry`] writes it when the answer is complete, and also when it is dropped
//! unfinished, because the client went away while the mock was still working (a delay, a
//! hang, a queue, a paced stream): no request that arrived is ever missing from the journal.
//! Only the `/_mock` inspection API passes unrecorded.
//!
//! It is a tower layer of its own rather than `axum::middleware::from_fn`, and it plays vLLM's
//! API-key check itself rather than leaving it to a second middleware: each `from_fn` layer
//! costs a request boxed futures and clones of the service stack below it; the two of them
//! cost 2,800 instructions a request more than this one (`bench/load.py --instructions`).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::response::{IntoResponse, Response};
use axum::routing::Route;
use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use http::{HeaderMap, HeaderName, request::Parts};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tower::{Layer, Service, ServiceExt};

use crate::conditions::actions::{ChunkFault, Effect, Then};
use crate::conditions::capacity::QueueFull;
use crate::conditions::rules;
use crate::delivery::{Delivery, Schedule};
use crate::openai::ApiError;
use crate::outcome::{self, Stream};
use crate::pending::{NO_STATUS, PendingEntry};
use crate::state::AppState;

/// Where the inspection API lives; its calls are not journaled.
pub const ADMIN_PREFIX: &str = "/_mock";

/// The response header naming the instance that answered (`--instance-id`).
pub const INSTANCE_HEADER: &str = "x-mock-vllm-instance";

/// The recorder around every route of the router (`Router::layer`).
#[derive(Clone)]
pub struct RecordLayer(pub Arc<AppState>);

impl Layer<Route> for RecordLayer {
    type Service = Recorder;

    fn layer(&self, next: Route) -> Recorder {
        Recorder {
            state: self.0.clone(),
            next,
        }
    }
}

/// The recorder in front of one route: the route's handler, or the router's fallback.
#[derive(Clone)]
pub struct Recorder {
    state: Arc<AppState>,
    next: Route,
}

impl Service<Request> for Recorder {
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // An axum route is always ready; the request's own call goes through `oneshot`.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let state = self.state.clone();
        let next = self.next.clone();
        Box::pin(async move { Ok(record(state, request, next).await) })
    }
}

async fn record(state: Arc<AppState>, request: Request, next: Route) -> Response {
    if is_admin(request.uri().path()) {
        return run(next, request).await;
    }
    let (parts, body) = request.into_parts();
    let declared = declared_length(&parts.headers);
    let mut pending = PendingEntry::new(state.clone(), &parts, declared);
    // The route the router matched (its pattern), for the metrics' label; none for a path no
    // route serves.
    pending.route = parts.extensions.get::<MatchedPath>().cloned();
    let mut response = match read_body(&state, declared, body).await {
        Ok(bytes) => {
            pending.keep_body(&bytes, state.config.journal_body_limit);
            serve(&state, pending, parts, bytes, next).await
        }
        Err(error) => pending.answer(error.into_response()),
    };
    // By a parsed name: a `&str` one is parsed again for every answer.
    static INSTANCE: HeaderName = HeaderName::from_static(INSTANCE_HEADER);
    response.headers_mut().insert(&INSTANCE, state.instance_header.clone());
    response
}

/// The rest of the stack: the route's handler.
async fn run(next: Route, request: Request) -> Response {
    match next.oneshot(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// Plays the rules, runs the handler, and delivers its answer under the running slots and
/// timing; `pending` is written when the answer is complete.
async fn serve(state: &AppState, mut pending: PendingEntry, parts: Parts, bytes: Bytes, next: Route) -> Response {
    let conditions = &state.conditions;
    let mut fault = None;
    if !conditions.rules.is_empty() {
        let model = conditions.rules.need_model().then(|| model_of(&bytes)).flatten();
        let request = rules::Request {
            method: &parts.method,
            path: parts.uri.path(),
            headers: &parts.headers,
            model: model.as_deref(),
        };
        if let Some(decision) = conditions.rules.decide(&request) {
            pending.treatment.rule = Some(decision.rule);
            let Effect { delay, then } = decision.effect;
            if let Some(delay) = delay {
                pending.treatment.delay_ms = delay.as_secs_f64() * 1000.0;
                tokio::time::sleep(delay).await;
            }
            match then {
                Then::Serve(spoil) => fault = spoil,
                Then::Answer(error) => return pending.answer(error.into_response()),
                // Until the client gives up: dropping this future writes the entry.
                Then::Hang => std::future::pending::<()>().await,
                Then::Reset => {
                    crate::connection::reset_current();
                    pending.status = NO_STATUS;
                    pending.summary = "connection reset by a rule".to_owned();
                    pending.finish();
                    return Response::new(Body::empty());
                }
            }
        }
    }

    // vLLM's API-key check, after the rules as before (a rule's answer needs no key).
    let mut response = if crate::auth::refuses(&state.api_keys, &parts) {
        ApiError::Unauthorized.into_response()
    } else {
        run(next, Request::from_parts(parts, Body::from(bytes))).await
    };
    let (outcome, stream) = outcome::take(&mut response);
    // Every route answers with one (`outcome.rs`); only a response of axum's own would not.
    debug_assert!(outcome.is_some(), "an answer without its outcome: {response:?}");
    let outcome = outcome.unwrap_or_default();
    let work = outcome.work.filter(|_| response.status().is_success());
    pending.outcome(response.status().as_u16(), outcome);
    let Some(work) = work else {
        return match (stream, fault) {
            (None, None) => pending.send(response),
            (stream, fault) => deliver(response, stream, None, fault, pending),
        };
    };

    // The engine's work: a running slot, then the answer on time.
    let admitted = match conditions.scheduler.admit().await {
        Ok((slot, queued)) => {
            pending.treatment.queued_ms = queued.as_secs_f64() * 1000.0;
            pending.slot = Some(slot);
            Instant::now()
        }
        Err(QueueFull) => {
            let error = ApiError::injected(429, Some(QueueFull.to_string()), None);
            return pending.answer(error.into_response());
        }
    };
    let config = conditions.config();
    if config.timing.is_on() {
        let tokens = stream.as_ref().map_or(work.completion_tokens, Stream::tokens);
        pending.set_plan(conditions.plan(&config.timing, work.prompt_tokens, tokens));
    }
    if let Some(stream) = stream {
        let schedule = pending
            .plan
            .clone()
            .map(|plan| Schedule::new(admitted, plan, stream.tokens()));
        return deliver(response, Some(stream), schedule, fault, pending);
    }
    if let Some(plan) = &pending.plan {
        tokio::time::sleep_until((admitted + plan.total()).into()).await;
    }
    match fault {
        Some(fault) => deliver(response, None, None, Some(fault), pending),
        None => pending.send(response),
    }
}

/// The response with its body (or its stream's frames) delivered by [`Delivery`], to be paced
/// or spoiled and journaled when it ends.
fn deliver(
    response: Response,
    stream: Option<Stream>,
    schedule: Option<Schedule>,
    fault: Option<ChunkFault>,
    pending: PendingEntry,
) -> Response {
    let (mut parts, body) = response.into_parts();
    if fault.is_some() {
        parts.headers.remove(CONTENT_LENGTH);
    }
    let delivery = match stream {
        Some(stream) => Delivery::stream(stream, schedule, fault, pending),
        None => Delivery::whole(body, fault, pending),
    };
    Response::from_parts(parts, Body::new(delivery))
}

fn is_admin(path: &str) -> bool {
    path == ADMIN_PREFIX || path.starts_with("/_mock/")
}

/// The body's `model`, for a rule that matches on it.
fn model_of(body: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Model {
        model: Option<String>,
    }
    serde_json::from_slice::<Model>(body).ok()?.model
}

fn declared_length(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
}

async fn read_body(state: &AppState, declared: Option<u64>, body: Body) -> Result<Bytes, ApiError> {
    let limit = state.config.max_body_bytes;
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let timeout = state.config.read_timeout();
    let mut collect = std::pin::pin!(Limited::new(body, limit).collect());
    // A body that came with the headers (the usual small one) is read at once, without
    // arming a timer; only one still on its way is waited for.
    let read = match futures::poll!(collect.as_mut()) {
        Poll::Ready(read) => Ok(read),
        Poll::Pending => tokio::time::timeout(timeout, collect).await,
    };
    match read {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(err)) if err.downcast_ref::<LengthLimitError>().is_some() => Err(ApiError::PayloadTooLarge { limit }),
        Ok(Err(err)) => Err(ApiError::bad_request(
            format!("Failed to read the request body: {err}"),
            None,
        )),
        Err(_) => Err(ApiError::Timeout(format!(
            "The request body was not received within {} s",
            timeout.as_secs()
        ))),
    }
}
