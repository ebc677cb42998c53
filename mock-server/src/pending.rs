//! A request's journal entry while the mock works on its answer.
//!
//! The recorder opens one when a request arrives; it is written when the answer is complete,
//! and also when it is dropped unfinished (the client went away during a delay, a queue or a
//! paced stream), so no request that arrived is ever missing from the journal. [`Delivery`]
//! carries it along a delivered body and tells it how the body ended ([`Ending`]).
//!
//! [`Delivery`]: crate::delivery::Delivery

use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::response::Response;
use compact_str::CompactString;
use http::{HeaderMap, request::Parts};
use time::OffsetDateTime;

use crate::conditions::capacity::Slot;
use crate::conditions::timing::Plan;
use crate::connection::InFlight;
use crate::delivery::Ending;
use crate::journal::{BodyEncoding, Header, RecordedRequest, StoredBody, Treatment};
use crate::outcome::{self, Outcome, Work};
use crate::state::AppState;

/// The status journaled for a request whose client went away before it was answered
/// (nginx's "client closed request").
pub const CLIENT_CLOSED: u16 = 499;

/// The status journaled for a connection a rule reset: no status was sent.
pub const NO_STATUS: u16 = 0;

/// A request's journal entry until its answer is complete. Written when finished, or, when
/// dropped unfinished, as aborted: the client went away.
///
/// A handle on the entry's fields, which live on the heap once: the entry rides along the
/// answer's path by value (into the recorder's futures, a [`Delivery`]), and each of those
/// moves, and each future that holds it, would otherwise copy its 450 bytes
/// (`bench/load.py --instructions`).
///
/// [`Delivery`]: crate::delivery::Delivery
pub struct PendingEntry(Box<Draft>);

/// The journal entry's fields while the mock works on the answer.
pub struct Draft {
    state: Arc<AppState>,
    started: Instant,
    /// The entry, what the request brought filled in (time, method, path, query, headers,
    /// body), the answer's part when it is written: allocated once, where the journal keeps
    /// it, not moved field by field into another when it is written (taken then).
    entry: Option<Arc<RecordedRequest>>,
    method: http::Method,
    /// The route pattern the router matched, when one did.
    pub(crate) route: Option<Arc<str>>,
    pub(crate) status: u16,
    pub(crate) summary: String,
    model: Option<String>,
    inputs: Option<usize>,
    work: Option<Work>,
    pub(crate) treatment: Treatment,
    /// The wait for a running slot, as `treatment.queued_ms` in milliseconds, kept as it was
    /// measured for vLLM's queue-time histogram.
    pub(crate) queued: Duration,
    pub(crate) plan: Option<Plan>,
    /// The running slot, given back when the entry is written.
    pub(crate) slot: Option<Slot>,
    /// The request on its connection, which is not idle until it is written.
    in_flight: Option<InFlight>,
    written: bool,
}

impl PendingEntry {
    pub(crate) fn new(state: Arc<AppState>, parts: &Parts, declared: Option<u64>, in_flight: Option<InFlight>) -> Self {
        let entry = Arc::new(RecordedRequest {
            seq: 0,
            time: OffsetDateTime::now_utc(),
            method: parts.method.as_str().into(),
            path: parts.uri.path().into(),
            query: parts.uri.query().map(CompactString::from),
            headers: received_headers(&parts.headers),
            body: String::new(),
            body_encoding: BodyEncoding::Utf8,
            // A body refused unread is journaled empty, with the size its sender declared.
            body_size: declared.unwrap_or(0) as usize,
            body_truncated: false,
            status: CLIENT_CLOSED,
            latency_ms: 0.0,
            model: None,
            inputs: None,
            summary: String::new(),
            instance: state.instance.clone(),
            treatment: Treatment::default(),
        });
        PendingEntry(Box::new(Draft {
            state,
            started: Instant::now(),
            entry: Some(entry),
            method: parts.method.clone(),
            route: None,
            status: CLIENT_CLOSED,
            summary: String::new(),
            model: None,
            inputs: None,
            work: None,
            treatment: Treatment::default(),
            queued: Duration::ZERO,
            plan: None,
            slot: None,
            in_flight,
            written: false,
        }))
    }

    pub(crate) fn keep_body(&mut self, bytes: &[u8], limit: usize) {
        let Some(entry) = &mut self.entry else {
            return;
        };
        let kept = StoredBody::new(bytes, limit);
        // The entry is the recorder's alone until it is written: no copy is made.
        let entry = Arc::make_mut(entry);
        entry.body = kept.body;
        entry.body_encoding = kept.encoding;
        entry.body_truncated = kept.truncated;
        entry.body_size = bytes.len();
    }

    /// What the handler answered.
    pub(crate) fn outcome(&mut self, status: u16, outcome: Outcome) {
        self.status = status;
        self.summary = outcome.summary;
        self.model = outcome.model;
        self.inputs = outcome.inputs;
        self.work = outcome.work;
    }

    pub(crate) fn set_plan(&mut self, plan: Plan) {
        self.treatment.first_token_ms = Some(plan.first_token.as_secs_f64() * 1000.0);
        self.treatment.inter_token_ms = plan.mean_gap_ms();
        self.plan = Some(plan);
    }

    /// Answers with `response`, one of the recorder's own (an error), complete: writes the
    /// entry with the outcome it carries.
    pub(crate) fn answer(mut self, mut response: Response) -> Response {
        match outcome::take(&mut response) {
            (Some(outcome), _) => self.outcome(response.status().as_u16(), outcome),
            (None, _) => self.status = response.status().as_u16(),
        }
        self.finish();
        response
    }

    /// Answers with `response`, complete, whose outcome the entry has already taken.
    pub(crate) fn send(mut self, response: Response) -> Response {
        self.finish();
        response
    }

    /// Resets the request's connection (a rule's), where it came over one.
    pub(crate) fn reset_connection(&self) {
        if let Some(in_flight) = &self.in_flight {
            in_flight.reset_connection();
        }
    }

    pub(crate) fn finish(&mut self) {
        if std::mem::replace(&mut self.written, true) {
            return;
        }
        let latency = self.started.elapsed();
        let state = self.state.clone();
        state
            .metrics
            .count_request(self.route.as_ref(), &self.method, self.status);
        if let Some(work) = self.work {
            let completed = !self.treatment.aborted && (200..300).contains(&self.status);
            state
                .metrics
                .engine
                .finished(&work, self.plan.as_ref(), self.queued, latency, completed);
        }
        self.slot = None;
        self.in_flight = None;
        let Some(mut entry) = self.entry.take() else {
            return;
        };
        // The entry is the recorder's alone until it is written: no copy is made.
        let answered = Arc::make_mut(&mut entry);
        answered.status = self.status;
        answered.latency_ms = latency.as_secs_f64() * 1000.0;
        answered.model = self.model.take();
        answered.inputs = self.inputs;
        answered.summary = std::mem::take(&mut self.summary);
        answered.treatment = std::mem::take(&mut self.treatment);
        state.journal.record_shared(entry);
    }
}

impl Deref for PendingEntry {
    type Target = Draft;

    fn deref(&self) -> &Draft {
        &self.0
    }
}

impl DerefMut for PendingEntry {
    fn deref_mut(&mut self) -> &mut Draft {
        &mut self.0
    }
}

impl Ending for PendingEntry {
    fn delivered(mut self, chunks: usize, streamed: bool, cut: bool) {
        if streamed || cut {
            self.treatment.chunks_sent = Some(chunks);
        }
        self.finish();
    }

    fn abandoned(mut self, chunks: usize) {
        self.treatment.chunks_sent = Some(chunks);
        self.treatment.aborted = true;
        self.finish();
    }
}

impl Drop for PendingEntry {
    fn drop(&mut self) {
        if !self.written {
            self.treatment.aborted = true;
            if self.status == CLIENT_CLOSED {
                self.summary = "aborted: the client went away before the answer".to_owned();
            }
            self.finish();
        }
    }
}

/// Header names as hyper hands them over (lower-cased), in order, repeats kept.
fn received_headers(headers: &HeaderMap) -> Vec<Header> {
    let mut received = Vec::with_capacity(headers.len());
    for (name, value) in headers {
        // A value is almost always visible ASCII, which `to_str` checks for in a plain loop
        // (`from_utf8`'s set-up costs a short value more than its bytes); other bytes are
        // read as UTF-8, what is not UTF-8 replaced.
        let value = match value.to_str() {
            Ok(text) => text.into(),
            Err(_) => CompactString::from_utf8_lossy(value.as_bytes()),
        };
        received.push(Header {
            name: name.as_str().into(),
            value,
        });
    }
    received
}
