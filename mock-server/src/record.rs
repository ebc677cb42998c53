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
//! It is a tower service of its own rather than `axum::middleware::from_fn`, and it plays vLLM's
//! API-key check itself rather than leaving it to a second middleware: each `from_fn` layer
//! costs a request boxed futures and clones of the service stack below it; the two of them
//! cost 2,800 instructions a request more than this one (`bench/load.py --instructions`).
//! It wraps the whole router rather than each route (`Router::layer`): a layered route is
//! boxed twice, and cloned twice more per request. The route pattern a request matched, the
//! metrics' label, it looks up itself, in a matcher built from the same table as the router
//! (`routes/mod.rs`) and by the same crate as axum's, so it names the route axum runs.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use futures::FutureExt;
use http::header::CONTENT_LENGTH;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Version, request::Parts};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use tower::Service;

use crate::conditions::actions::{ChunkFault, Effect, Then};
use crate::conditions::capacity::QueueFull;
use crate::conditions::rules;
use crate::connection::{ConnectionControl, InFlight};
use crate::delivery::{Delivery, Schedule};
use crate::openai::ApiError;
use crate::outcome::{self, Served, Stream};
use crate::pending::{NO_STATUS, PendingEntry};
use crate::state::AppState;

/// Where the inspection API lives; its calls are not journaled.
pub const ADMIN_PREFIX: &str = "/_mock";

/// The response header naming the instance that answered (`--instance-id`).
pub const INSTANCE_HEADER: &str = "x-mock-vllm-instance";

/// The recorder around the router: every request goes through it.
#[derive(Clone)]
pub struct Recorder {
    inner: Arc<Inner>,
    /// The connection it serves, where it serves one (`on_connection`).
    connection: Option<ConnectionControl>,
}

struct Inner {
    state: Arc<AppState>,
    routes: Routes,
    next: Router,
}

/// The routes of the router, by pattern.
pub type Routes = matchit::Router<Routed>;

/// A route the router serves, as the recorder knows it.
pub struct Routed {
    /// Its pattern, as axum's `MatchedPath` gives it: the metrics' label.
    pub pattern: Arc<str>,
    /// Where the route answers a whole JSON body in the call: the handler the recorder runs
    /// itself for that method, rather than through the router.
    pub direct: Option<DirectRoute>,
}

/// A route's handler, which the recorder runs itself for requests of `method`.
pub struct DirectRoute {
    pub method: Method,
    pub handler: Arc<dyn Direct>,
}

/// A route the recorder answers itself: a request of its method to its path is handed from
/// the recorder to the handler, with the body it read, and not through axum's router (its
/// path lookup again, `MatchedPath` in the request's extensions, the route's boxed future
/// and its `content-length`: 3,500 instructions of a 46,000 request, `bench/load.py
/// --instructions`). The router still serves the route for every other request to it.
pub trait Direct: Send + Sync {
    /// The answer to a request with these headers and this whole body, and its outcome,
    /// handed over as it is rather than through the response's extensions (a map allocated,
    /// the outcome boxed, looked up and freed: about 600 instructions a request,
    /// `bench/load.py --instructions`).
    fn answer(&self, state: &AppState, headers: HeaderMap, body: &[u8]) -> Served<Response>;
}

impl Recorder {
    pub fn new(state: Arc<AppState>, routes: Routes, next: Router) -> Self {
        Recorder {
            inner: Arc::new(Inner { state, routes, next }),
            connection: None,
        }
    }

    /// The recorder of one connection: its requests are in flight on it, and a rule can reset
    /// it.
    pub fn on_connection(&self, connection: ConnectionControl) -> Self {
        Recorder {
            inner: self.inner.clone(),
            connection: Some(connection),
        }
    }
}

impl<B> Service<http::Request<B>> for Recorder
where
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<axum::BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // An axum router is always ready; the request's own call goes through `call`.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let request = request.map(Body::new);
        let inner = &*self.inner;
        let in_flight = self.connection.as_ref().map(ConnectionControl::begin);
        if is_admin(request.uri().path()) {
            let next = inner.next.clone();
            // Not journaled, but in flight: a long wait for an entry keeps its connection.
            return Box::pin(async move {
                let response = run(next, request).await;
                drop(in_flight);
                Ok(response)
            });
        }
        // The route the router will match (its pattern), for the metrics' label; none for a
        // path no route serves.
        let (route, direct) = match inner.routes.at(request.uri().path()) {
            Ok(matched) => {
                let routed = matched.value;
                let direct = routed
                    .direct
                    .as_ref()
                    .filter(|direct| direct.method == request.method())
                    .map(|direct| direct.handler.clone());
                (Some(routed.pattern.clone()), direct)
            }
            Err(_) => (None, None),
        };
        let state = inner.state.clone();
        let (parts, body) = request.into_parts();
        let next = match direct {
            Some(handler) => Next::Direct(handler),
            None => Next::Router(inner.next.clone()),
        };
        Box::pin(record(state, route, parts, body, next, in_flight).map(Ok))
    }
}

/// The recorded request's answer, journaled.
///
/// This and [`serve`] are plain functions that return an async block rather than `async fn`s:
/// an `async fn` moves its arguments into locals and its future keeps room for both (the
/// request's parts twice over, 224 bytes each), and a future's whole size is copied when it
/// is created inside the one above it and when the recorder boxes it.
#[allow(
    clippy::manual_async_fn,
    reason = "an async fn would keep its arguments twice in its future"
)]
fn record(
    state: Arc<AppState>,
    route: Option<Arc<str>>,
    parts: Parts,
    body: Body,
    next: Next,
    in_flight: Option<InFlight>,
) -> impl Future<Output = Response> + Send {
    async move {
        // The length the sender declared, as hyper read it from `content-length` (none for a
        // chunked body, 0 for none at all).
        let declared = http_body::Body::size_hint(&body).exact();
        let hyper_measures = hyper_writes_length(&parts);
        let mut pending = PendingEntry::new(state.clone(), &parts, declared, in_flight);
        pending.route = route;
        let mut routed_length = None;
        let mut response = match read_body(&state, declared, body).await {
            Ok(bytes) => {
                pending.keep_body(&bytes, state.config.journal_body_limit);
                serve(&state, pending, parts, bytes, next, &mut routed_length).await
            }
            Err(error) => pending.answer(error.into_response()),
        };
        // By a parsed name: a `&str` one is parsed again for every answer.
        static INSTANCE: HeaderName = HeaderName::from_static(INSTANCE_HEADER);
        response.headers_mut().insert(&INSTANCE, state.instance_header.clone());
        if !(hyper_measures && hyper_writes_length_for(response.status())) {
            set_length(&mut response, routed_length);
        }
        response
    }
}

/// Whether hyper writes the answer's `content-length` itself, as the router would have it:
/// an HTTP/1.1 answer whose map has none and whose body's size is known gets
/// `content-length: N` after the map's headers, where the router's header would be written
/// (last, after the instance header), so it need not be put back in the map. Not for `HEAD`
/// (the router emptied the body: only its header tells the length) nor `CONNECT`, whose
/// lengths hyper leaves out; HTTP/2 writes its date first, so the router's header is kept.
fn hyper_writes_length(request: &Parts) -> bool {
    request.version == Version::HTTP_11 && request.method != Method::HEAD && request.method != Method::CONNECT
}

/// The statuses whose `content-length` hyper writes as the router's (not 1xx, 204 or 304).
fn hyper_writes_length_for(status: StatusCode) -> bool {
    !status.is_informational() && status != StatusCode::NO_CONTENT && status != StatusCode::NOT_MODIFIED
}

/// `content-length`, set on the final answer as axum's router sets it, where the body's size
/// is known. The router runs inside the recorder, where it sets the header on the handler's
/// answer ([`serve`] takes it off again, as `routed`): the body may yet become a [`Delivery`]
/// (a stream, a spoiled chunk), and the header goes after the instance header, as it did when
/// the router ran outside. A body the recorder kept is the one the router measured (a `HEAD`'s
/// before the router emptied it), so the router's value serves, not formatted again.
fn set_length(response: &mut Response, routed: Option<HeaderValue>) {
    let Some(size) = http_body::Body::size_hint(response.body()).exact() else {
        return;
    };
    let length = routed.unwrap_or_else(|| HeaderValue::from(size));
    response.headers_mut().insert(CONTENT_LENGTH, length);
}

/// What answers a recorded request: the route's handler itself, where the recorder runs it
/// ([`Direct`]), else the router.
enum Next {
    Direct(Arc<dyn Direct>),
    Router(Router),
}

/// The rest of the stack: the router, and the route's handler.
async fn run(mut next: Router, request: Request) -> Response {
    match next.call(request).await {
        Ok(response) => response,
        Err(never) => match never {},
    }
}

/// Plays the rules, runs the handler, and delivers its answer under the running slots and
/// timing; `pending` is written when the answer is complete.
#[allow(
    clippy::manual_async_fn,
    reason = "an async fn would keep its arguments twice in its future"
)]
fn serve(
    state: &AppState,
    mut pending: PendingEntry,
    parts: Parts,
    bytes: Bytes,
    next: Next,
    routed_length: &mut Option<HeaderValue>,
) -> impl Future<Output = Response> + Send {
    async move {
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
                    // Boxed, as the timers below: a timer is 112 bytes that every request's future
                    // would carry (and copy) for the few a rule delays.
                    Box::pin(tokio::time::sleep(delay)).await;
                }
                match then {
                    Then::Serve(spoil) => fault = spoil,
                    Then::Answer(error) => return pending.answer(error.into_response()),
                    // Until the client gives up: dropping this future writes the entry.
                    Then::Hang => std::future::pending::<()>().await,
                    Then::Reset => {
                        pending.reset_connection();
                        pending.status = NO_STATUS;
                        pending.summary = "connection reset by a rule".to_owned();
                        pending.finish();
                        return Response::new(Body::empty());
                    }
                }
            }
        }

        // vLLM's API-key check, after the rules as before (a rule's answer needs no key).
        // The outcome the handler handed over itself, where the recorder ran it; else the one
        // its answer carries.
        let mut told = None;
        let mut response = if crate::auth::refuses(&state.api_keys, &parts) {
            ApiError::Unauthorized.into_response()
        } else {
            match next {
                Next::Direct(route) => {
                    let Served { body, outcome } = route.answer(state, parts.headers, &bytes);
                    told = Some(outcome);
                    body
                }
                Next::Router(mut router) => {
                    // The router's future awaited here rather than in a helper: each async fn
                    // between would hold the request once more and be copied whole into the one
                    // above it.
                    let request = Request::from_parts(parts, Body::from(bytes));
                    let mut response = router.call(request).await.unwrap_or_else(|never| match never {});
                    // The router put `content-length` last among its headers; `set_length` puts
                    // it back where it was.
                    *routed_length = response.headers_mut().remove(CONTENT_LENGTH);
                    response
                }
            }
        };
        let (carried, stream) = outcome::take(&mut response);
        let outcome = told.or(carried);
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
            Ok(admission) => {
                pending.treatment.queued_ms = admission.queued.as_secs_f64() * 1000.0;
                pending.queued = admission.queued;
                pending.slot = Some(admission.slot);
                admission.at
            }
            Err(QueueFull) => {
                // Another answer than the router's: its length is its own.
                *routed_length = None;
                let error = ApiError::injected(429, Some(QueueFull.to_string()), None);
                return pending.answer(error.into_response());
            }
        };
        // The plan runs from the admission: when a wait for a slot ended, else now (the clock
        // read only where timing is on, which is the one use of it).
        let mut start = None;
        if let Some(config) = conditions.timed().filter(|config| config.timing.is_on()) {
            start = Some(admitted.unwrap_or_else(Instant::now));
            let tokens = stream.as_ref().map_or(work.completion_tokens, Stream::tokens);
            pending.set_plan(conditions.plan(&config.timing, work.prompt_tokens, tokens));
        }
        if let Some(stream) = stream {
            let schedule = start
                .zip(pending.plan.clone())
                .map(|(start, plan)| Schedule::new(start, plan, stream.tokens()));
            return deliver(response, Some(stream), schedule, fault, pending);
        }
        if let (Some(start), Some(plan)) = (start, &pending.plan) {
            Box::pin(tokio::time::sleep_until((start + plan.total()).into())).await;
        }
        match fault {
            Some(fault) => deliver(response, None, None, Some(fault), pending),
            None => pending.send(response),
        }
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

async fn read_body(state: &AppState, declared: Option<u64>, body: Body) -> Result<Bytes, ApiError> {
    let limit = state.config.max_body_bytes;
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(ApiError::PayloadTooLarge { limit });
    }
    let timeout = state.config.read_timeout();
    let mut body = Limited::new(body, limit);
    let mut read = std::pin::pin!(collect(&mut body));
    // A body that came with the headers (the usual small one) is read at once, without
    // arming a timer; only one still on its way is waited for.
    let read = match futures::poll!(read.as_mut()) {
        Poll::Ready(read) => Ok(read),
        Poll::Pending => Box::pin(tokio::time::timeout(timeout, read)).await,
    };
    match read {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(err)) => Err(unreadable(err, limit)),
        Err(_) => Err(ApiError::Timeout(format!(
            "The request body was not received within {} s",
            timeout.as_secs()
        ))),
    }
}

/// The body's data, read to its end: to the length it declared, without polling once more
/// for hyper to say that nothing follows (which it says only after a wake-up, the next time
/// it runs), and kept as its one frame where it came in one, with no list of frames gathered.
async fn collect(body: &mut Limited<Body>) -> Result<Bytes, axum::BoxError> {
    let mut data = Bytes::new();
    let mut joined: Option<BytesMut> = None;
    while !http_body::Body::is_end_stream(body) {
        let Some(frame) = body.frame().await else {
            break;
        };
        let Ok(chunk) = frame?.into_data() else {
            continue;
        };
        match &mut joined {
            Some(all) => all.extend_from_slice(&chunk),
            None if data.is_empty() => data = chunk,
            None => {
                let mut all = BytesMut::from(&data[..]);
                all.extend_from_slice(&chunk);
                joined = Some(all);
            }
        }
    }
    Ok(joined.map_or(data, BytesMut::freeze))
}

/// Why a body could not be read: too large for `limit`, or a broken stream.
fn unreadable(err: axum::BoxError, limit: usize) -> ApiError {
    if err.downcast_ref::<LengthLimitError>().is_some() {
        ApiError::PayloadTooLarge { limit }
    } else {
        ApiError::bad_request(format!("Failed to read the request body: {err}"), None)
    }
}
