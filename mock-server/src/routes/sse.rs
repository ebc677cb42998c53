//! Server-sent events as vLLM streams them: `data: <json>` per chunk, then `data: [DONE]`.
//!
//! Each event is one frame of a [`Stream`], tagged with what it carries as its handler adds it,
//! so the recorder paces the frames by their tags, not by counts the handler keeps beside them.

use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http::HeaderValue;
use http::header::{CACHE_CONTROL, CONTENT_TYPE};
use serde::Serialize;

use crate::outcome::{FrameKind, Stream};

/// A stream's events while its handler writes them.
///
/// They are written one after the other into one buffer, cut into frames at the end: one
/// allocation for the stream where a string per event would cost two each (its JSON, then the
/// event around it).
pub struct Events {
    buf: Vec<u8>,
    /// Each event's kind and where it ends in `buf`.
    ends: Vec<(FrameKind, usize)>,
}

/// An event without logprobs is 270 to 380 bytes (a chat chunk, a completion's); with them the
/// buffer grows.
const EVENT_BYTES: usize = 384;

impl Events {
    /// Room for `events` events besides `[DONE]`.
    pub fn with_capacity(events: usize) -> Self {
        Events {
            buf: Vec::with_capacity(events * EVENT_BYTES),
            ends: Vec::with_capacity(events + 1),
        }
    }

    /// Adds `chunk` as the next event.
    pub fn push<T: Serialize>(&mut self, kind: FrameKind, chunk: &T) {
        let start = self.buf.len();
        self.buf.extend_from_slice(b"data: ");
        // A chunk that does not serialize goes out empty, as it always has.
        if serde_json::to_writer(&mut self.buf, chunk).is_err() {
            self.buf.truncate(start + b"data: ".len());
        }
        self.buf.extend_from_slice(b"\n\n");
        self.ends.push((kind, self.buf.len()));
    }

    /// Adds `chunk` as the next event, named (`event: <name>`) as Anthropic's streams name
    /// theirs.
    pub fn push_named<T: Serialize>(&mut self, kind: FrameKind, name: &str, chunk: &T) {
        // Frames are cut where the last one ended, so the name goes with its data.
        self.buf.extend_from_slice(b"event: ");
        self.buf.extend_from_slice(name.as_bytes());
        self.buf.push(b'\n');
        self.push(kind, chunk);
    }

    /// The stream, ended with `[DONE]`, as vLLM sends an OpenAI stream.
    pub fn finish(self) -> Response {
        self.into_response(Some(Bytes::from_static(b"data: [DONE]\n\n")))
    }

    /// The stream as it is: an Anthropic stream ends with its `message_stop` event.
    pub fn finish_without_done(self) -> Response {
        self.into_response(None)
    }

    fn into_response(self, done: Option<Bytes>) -> Response {
        let all = Bytes::from(self.buf);
        let mut stream = Stream::with_capacity(self.ends.len() + 1);
        let mut start = 0;
        for (kind, end) in self.ends {
            stream.push(kind, all.slice(start..end));
            start = end;
        }
        if let Some(done) = done {
            stream.push(FrameKind::Tail, done);
        }
        (
            [
                (
                    CONTENT_TYPE,
                    HeaderValue::from_static("text/event-stream; charset=utf-8"),
                ),
                (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            ],
            stream,
        )
            .into_response()
    }
}
