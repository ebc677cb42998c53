//! The contract between a handler and the recorder: what a handler tells about the request it
//! served, in the one type it can answer with.
//!
//! A handler answers with [`Served`]: its body and its [`Outcome`]. `Served`'s `IntoResponse`
//! puts the outcome in the response's extensions under a type only this module builds, and the
//! recorder takes it from there (`take`) to fill the journal entry's `model`, `inputs` and
//! `summary` and the log's `Response:` line, and, for the engine's work ([`Work`]), to time the
//! answer, hold a running slot and count vLLM's metrics. The endpoint table takes only handlers
//! that answer with `Served` (`routes/endpoints.rs`), and an error answers with its own
//! (`routes/error.rs`), so no route can forget to say what it did.
//!
//! A streamed answer is a [`Stream`] of frames, each tagged with what it carries (before the
//! first token, one token, after the last), rather than counted by its handler: the recorder
//! paces and spoils the frames by their tags (`delivery.rs`).

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
}
