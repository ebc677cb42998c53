//! The contract between a handler and the recorder: what a handler tells about the request it
//! served, in the one type it can answer with.
//!
//! A handler answers with [`Served`]: its body and its [`Outcome`]. `Served`'s `IntoResponse`
//! puts the outcome in the response's extensions under a type only this module builds, and the
//! recorder takes it from there (`take`) to fill the journal entry's `model`, `inputs` and
//! `summary` and the log's `Response:` line, and, for the engine's work ([`Work`]), to time the
//! answer, hold a running slot and count vLLM's metrics. A route whose answer comes out of
//! the poll that runs it may tell its outcome beside the answer instead ([`tell`]), which
//! allocates nothing; the recorder takes either. The endpoint table takes only handlers
//! that answer with `Served` (`routes/endpoints.rs`), and an error answers with its own
//! (`routes/error.rs`), so no route can forget to say what it did.
//!
//! A streamed answer is a [`Stream`] of frames, each tagged with what it carries (before the
//! first token, one token, after the last), rather than counted by its handler: the recorder
//! paces and spoils the frames by their tags (`delivery.rs`).

use std::cell::Cell;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::response::{IntoResponse, Response};
use bytes::Bytes;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// The model the request named (AI routes only).
    pub model: Option<String>,
    /// How many inputs or prompts the request carried (AI routes only).
    pub inputs: Option<usize>,
    /// One line for the log, e.g. `embedding with 10 dims`.
    pub summary: String,
    /// The engine's part of the answer, on the routes a model serves.
    pub work: Option<Work>,
}

/// What the engine did for a request: the tokens in and out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Work {
    pub prompt_tokens: usize,
    /// Tokens generated (per choice), 0 for pooling.
    pub completion_tokens: usize,
    /// `stop` or `length`, for `vllm:request_success_total`.
    pub finish_reason: &'static str,
}

impl Outcome {
    pub fn summary(summary: impl Into<String>) -> Self {
        Outcome {
            summary: summary.into(),
            ..Outcome::default()
        }
    }

    pub fn ai(model: impl Into<String>, inputs: usize, summary: impl Into<String>) -> Self {
        Outcome {
            model: Some(model.into()),
            inputs: Some(inputs),
            summary: summary.into(),
            work: None,
        }
    }

    /// The engine's part: tokens in and out.
    pub fn with_work(mut self, work: Work) -> Self {
        self.work = Some(work);
        self
    }

    /// `body`, answered with this outcome.
    pub fn serve<T>(self, body: T) -> Served<T> {
        Served { body, outcome: self }
    }
}

/// A handler's answer: the body, and what the recorder journals about it.
#[derive(Debug)]
pub struct Served<T> {
    pub body: T,
    pub outcome: Outcome,
}

impl<T> Served<T> {
    /// The same outcome with another body, e.g. the body with a header added.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Served<U> {
        Served {
            body: f(self.body),
            outcome: self.outcome,
        }
    }
}

impl<T: IntoResponse> IntoResponse for Served<T> {
    fn into_response(self) -> Response {
        let mut response = self.body.into_response();
        let extensions = response.extensions_mut();
        // A stream's frames are there already (a body with no extensions looks nothing up).
        match extensions.get_mut::<Told>() {
            Some(told) => told.outcome = Some(self.outcome),
            None => {
                extensions.insert(Told {
                    outcome: Some(self.outcome),
                    stream: None,
                });
            }
        }
        response
    }
}

/// What an answer tells the recorder, in its response's extensions: one type for both, so the
/// recorder looks once. Its fields are private to this module: only [`Served`] puts an outcome
/// there, only [`Stream`] frames.
#[derive(Clone)]
struct Told {
    outcome: Option<Outcome>,
    stream: Option<Stream>,
}

thread_local! {
    /// The outcome a route told beside its answer ([`tell`]), until the recorder takes it
    /// ([`Telling`]).
    static TOLD: Cell<Option<Outcome>> = const { Cell::new(None) };
}

/// Tells the recorder the outcome of the answer this route is returning, beside it rather
/// than in the response's extensions (a map, its table and the boxed value, allocated and
/// freed for every request).
///
/// Only for an answer that comes out of the poll that runs its route: the recorder polls the
/// router through [`Telling`], which takes what was told in the poll that gave the answer
/// and nothing told before it. A route whose handler answers in the call, or in a future
/// that ends with the answer (`routes/extract.rs`'s `JsonRoute`), qualifies; nothing
/// between it and the recorder (axum's route futures) waits after the handler's answer.
pub(crate) fn tell(outcome: Outcome) {
    TOLD.set(Some(outcome));
}

/// The router's future, and the outcome its route told beside the answer ([`tell`]), if
/// it told one so.
pub(crate) struct Telling<F>(pub F);

impl<F: Future + Unpin> Future for Telling<F> {
    type Output = (F::Output, Option<Outcome>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // What was told before this poll is not this answer's (an answer that never reached
        // a recorder): dropped.
        drop(TOLD.take());
        let answer = ready!(Pin::new(&mut self.0).poll(cx));
        Poll::Ready((answer, TOLD.take()))
    }
}

/// What an answer tells the recorder, taken out of its response: the outcome (`None` for a
/// response no handler made, such as one of axum's own) and a stream's frames.
pub(crate) fn take(response: &mut Response) -> (Option<Outcome>, Option<Stream>) {
    match response.extensions_mut().remove::<Told>() {
        Some(Told { outcome, stream }) => (outcome, stream),
        None => (None, None),
    }
}

/// What one frame of a stream carries, for the pace it goes out at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// Before the first token, and sent with it (a chat stream's role chunks).
    Lead,
    /// One token, sent on its own time.
    Token,
    /// After the last token, and sent with it (the usage, `[DONE]`).
    Tail,
}

/// One frame of a streamed answer: its bytes on the wire and its kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    pub kind: FrameKind,
    pub data: Bytes,
}

/// A streamed answer's frames, in order, each tagged with its kind.
///
/// As a response it is its headers alone: the frames ride in its extensions to the recorder,
/// which sends them (`delivery.rs`), each as one chunk, on the times its plan gives their tags.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stream {
    frames: Vec<Frame>,
    tokens: usize,
}

impl Stream {
    pub fn with_capacity(frames: usize) -> Self {
        Stream {
            frames: Vec::with_capacity(frames),
            tokens: 0,
        }
    }

    pub fn push(&mut self, kind: FrameKind, data: Bytes) {
        self.tokens += usize::from(kind == FrameKind::Token);
        self.frames.push(Frame { kind, data });
    }

    /// How many frames carry a token.
    pub fn tokens(&self) -> usize {
        self.tokens
    }

    pub fn into_frames(self) -> std::vec::IntoIter<Frame> {
        self.frames.into_iter()
    }
}

impl IntoResponse for Stream {
    fn into_response(self) -> Response {
        let mut response = ().into_response();
        response.extensions_mut().insert(Told {
            outcome: None,
            stream: Some(self),
        });
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_served_answer_tells_its_outcome_and_a_stream_keeps_its_frames() {
        let mut bare = axum::Json(1).into_response();
        assert_eq!(take(&mut bare), (None, None));

        let mut stream = Stream::default();
        stream.push(FrameKind::Lead, Bytes::from_static(b"a"));
        stream.push(FrameKind::Token, Bytes::from_static(b"b"));
        stream.push(FrameKind::Tail, Bytes::from_static(b"c"));
        let mut served = Outcome::summary("streamed").serve(stream.clone()).into_response();
        let (outcome, frames) = take(&mut served);
        assert_eq!(outcome.map(|o| o.summary), Some("streamed".to_owned()));
        assert_eq!(frames.as_ref().map(Stream::tokens), Some(1));
        assert_eq!(frames, Some(stream));
        assert_eq!(take(&mut served), (None, None), "taken once");
    }

    #[test]
    fn an_outcome_told_beside_the_answer_is_taken_with_it_and_only_then() {
        let waker = std::task::Waker::noop();
        let mut cx = Context::from_waker(waker);
        // Told before the poll (an answer that reached no recorder): not this one's.
        tell(Outcome::summary("stale"));
        let mut quiet = Telling(std::future::ready(1));
        assert_eq!(Pin::new(&mut quiet).poll(&mut cx), Poll::Ready((1, None)));

        let mut told = Telling(std::future::poll_fn(|_| {
            tell(Outcome::summary("answered"));
            Poll::Ready(2)
        }));
        let Poll::Ready((answer, outcome)) = Pin::new(&mut told).poll(&mut cx) else {
            panic!("ready");
        };
        assert_eq!((answer, outcome.map(|o| o.summary)), (2, Some("answered".to_owned())));
        assert_eq!(TOLD.take(), None, "taken once");
    }
}
